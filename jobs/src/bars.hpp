// What every kind's bars share. A job's own bars (degraded_if / failed_if
// in the job file) are applied to a finished run by its kind (apply_bars in
// jobs/<kind>.hpp, from run_<kind>). A bar is crossed when the measured
// value is over it; the run then says which bar, the value and the bar:
//   outcome=failure condition=failed_if.rtt_avg_over
//   reason="rtt avg 12.400ms is over 10ms (failed_if.rtt_avg_over)"
// failed_if is checked first, on runs that succeeded or were degraded;
// degraded_if only on runs that succeeded. A run that failed on its own
// (no reply, wrong status) keeps its reason.
#pragma once

#include <string>

#include "jobs/duration.hpp"
#include "jobs/result.hpp"

namespace jobs {

// A measured value: "12.400ms".
std::string ms_text(duration d);
// A bar as a job file writes it: "10ms", "1.5s", "14d".
std::string bar_text(duration d);
// "75%".
std::string percent_text(double p);

// Marks `r` with the crossed bar `level`.`key` (failed_if.rtt_avg_over):
// its outcome becomes `o`, and `what` (the value and the bar) comes first in
// its message.
void crossed(run_result& r, outcome o, char const* level, char const* key, std::string const& what);

}  // namespace jobs
