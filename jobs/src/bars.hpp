// A job's own bars (degraded_if / failed_if in the job file) applied to a
// finished run. A bar is crossed when the measured value is over it; the
// run then says which bar, the value and the bar:
//   outcome=failure condition=failed_if.rtt_avg_over
//   reason="rtt avg 12.400ms is over 10ms (failed_if.rtt_avg_over)"
// failed_if is checked first, on runs that succeeded or were degraded;
// degraded_if only on runs that succeeded. A run that failed on its own
// (no reply, wrong status) keeps its reason.
#pragma once

#include "jobs/result.hpp"
#include "jobs/spec.hpp"

namespace jobs {

// Also decides partial loss: degraded, unless degraded_if.loss_over is set
// and the loss is not over it (over it, the run names that bar).
void apply_bars(ping_spec const& spec, run_result& r);
void apply_bars(fetch_spec const& spec, run_result& r, std::chrono::system_clock::time_point now);

}  // namespace jobs
