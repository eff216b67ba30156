// What a run produces. A job kind fills `outcome`, `message` and its own
// details; the scheduler adds the name, the times and the lateness, then
// hands the record to the result sinks (the daemon's log line and metrics;
// tests collect them).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "jobs/spec.hpp"
#include "reactor/clock.hpp"

namespace jobs {

enum class outcome {
  success,
  degraded,   // worked, but with some loss or slowness
  failure,    // the check failed (unreachable, wrong status, expectation unmet ...)
  timeout,    // the run passed its deadline and was cancelled
  cancelled,  // stopped by a reload or shutdown
};
char const* to_string(outcome) noexcept;

// What a run of each kind reports, in kind_spec's order, after "no
// details" (a run that timed out or was cancelled before its kind could
// say anything).
template <class>
struct results_of;
template <class... Spec>
struct results_of<std::variant<Spec...>> {
  using type = std::variant<std::monostate, typename Spec::result...>;
};
using kind_result = results_of<kind_spec>::type;

struct run_result {
  std::string job;
  std::string kind;
  label_set labels;               // the job's
  reactor::deadline scheduled{};  // when the run was due
  reactor::deadline started{};    // when it actually started
  duration lateness{};            // started - scheduled
  duration took{};                // how long the run took
  outcome result = outcome::success;
  std::string message;  // why, for anything but success
  // The condition that made the run degraded or failed, when one did:
  // "failed_if.rtt_avg_over", with the measured value and the bar in
  // `message`.
  std::string condition;
  kind_result details;
};

}  // namespace jobs
