// countdown's keys, their defaults (countdown_spec's) and checks.
//   from: 10     ticks to count down
//   tick: 1s     between ticks
#include "../kinds.hpp"
#include "config/duration.hpp"
#include "jobs/checked.hpp"

namespace config::detail {

using namespace std::chrono_literals;

void read_countdown(mapping_reader& r, jobs::countdown_spec& out) {
  r.read("from", out.from, 0, 1'000'000);
  r.read("tick", out.tick, 1ms, 24h);
}

void check_countdown(mapping_reader& r, jobs::countdown_spec const& c, jobs::schedule_spec const& s) {
  jobs::duration const budget = run_budget(s);
  auto takes = jobs::checked_mul(c.tick, c.from);
  if (!takes || *takes > budget)
    r.error(r.mark_of("from"), "counting down from " + std::to_string(c.from) + " at " + format_duration(c.tick) +
                                   " a tick takes " +
                                   (takes ? format_duration(*takes) : std::string("more than 292 years")) +
                                   ", more than the run may last (" + format_duration(budget) + ")");
}

}  // namespace config::detail
