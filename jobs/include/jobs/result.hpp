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

struct ping_result {
  std::string resolved_address;
  int sent = 0;
  int received = 0;
  int duplicates = 0;
  int late = 0;  // replies that came after their echo's timeout
  double loss_percent = 100;  // nothing sent (a name that does not resolve ...) is total loss
  duration rtt_min{}, rtt_avg{}, rtt_max{}, rtt_stddev{};
  std::vector<duration> rtts;       // one per reply received, in sequence order
  std::vector<std::string> errors;  // ICMP errors, e.g. "destination host unreachable from 127.0.0.2"
};

struct fetch_result {
  int status = 0;  // 0 if no response
  std::size_t bytes = 0;  // body bytes received, also when max_body aborted the transfer
  // Phase timings, each from the start of the request.
  duration dns{}, connect{}, tls{}, first_byte{}, total{};
  std::optional<std::chrono::system_clock::time_point> cert_expiry;  // earliest in the chain
  std::string failed_expectation;  // empty if every expectation held
};

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
  label_set labels;  // the job's
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
