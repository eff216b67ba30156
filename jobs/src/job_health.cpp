#include "job_health.hpp"

#include <algorithm>
#include <limits>

namespace jobs {

char const* to_string(job_state s) noexcept {
  switch (s) {
    case job_state::unknown: return "unknown";
    case job_state::up: return "up";
    case job_state::degraded: return "degraded";
    case job_state::down: return "down";
  }
  return "unknown";
}

bool counts_as_failure(outcome o) noexcept {
  return o == outcome::failure || o == outcome::timeout;
}

namespace {

void saturating_increment(std::uint32_t& n) noexcept {
  if (n < std::numeric_limits<std::uint32_t>::max()) ++n;
}

}  // namespace

bool job_health::record(outcome o, schedule_spec const& s) noexcept {
  job_state before = state;
  job_state after = before;
  auto const recover_after = static_cast<std::uint32_t>(std::max(1, s.recover_after));
  if (o == outcome::success || o == outcome::degraded) {
    consecutive_failures = 0;
    saturating_increment(consecutive_successes);
    if (o == outcome::success)
      saturating_increment(consecutive_clean);
    else
      consecutive_clean = 0;
    job_state good = o == outcome::success ? job_state::up : job_state::degraded;
    if (before == job_state::down) {
      if (consecutive_successes >= recover_after) after = good;
    } else if (before == job_state::degraded && good == job_state::up) {
      // Out of DEGRADED as out of DOWN: recover_after clean runs in a row.
      if (consecutive_clean >= recover_after) after = good;
    } else {
      after = good;
    }
  } else if (counts_as_failure(o)) {
    consecutive_successes = 0;
    consecutive_clean = 0;
    saturating_increment(consecutive_failures);
    if (consecutive_failures >= static_cast<std::uint32_t>(std::max(1, s.fail_after))) after = job_state::down;
  }
  state = after;
  return after != before;
}

}  // namespace jobs
