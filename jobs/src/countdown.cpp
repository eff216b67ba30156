// countdown: "T-n" once per tick from spec.from down to 1, then "liftoff".
//
// Ticks are aligned to the run's start (tick k is due at start + k * tick),
// so a late wake-up does not push the later ticks back. A cancelled countdown
// (the run's deadline, a reload, shutdown) does not throw: it reports how far
// it got, with outcome `cancelled`; the scheduler tells a deadline from a
// cancel by its own node and turns the former into `timeout`.
#include "jobs/countdown.hpp"

#include <string>

#include "jobs/context.hpp"
#include "jobs/result.hpp"
#include "reactor/error.hpp"
#include "reactor/sleep.hpp"

namespace jobs {

reactor::task<run_result> run_countdown(countdown_spec const& spec, job_context& ctx) {
  run_result r;
  countdown_result counted;
  int remaining = spec.from;
  reactor::deadline next_tick = reactor::clock::now();
  try {
    for (; remaining > 0; --remaining) {
      ctx.emit("T-" + std::to_string(remaining));
      next_tick += spec.tick;
      co_await reactor::sleep_until(next_tick);
      ++counted.ticks;
    }
    ctx.emit("liftoff");
  } catch (reactor::cancelled_error const&) {
    r.result = outcome::cancelled;
    r.message = "cancelled at T-" + std::to_string(remaining);
  }
  r.details = counted;
  co_return r;
}

}  // namespace jobs
