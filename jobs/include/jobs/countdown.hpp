// countdown: counts from spec.from down to 0, one tick per spec.tick,
// emitting "T-n" for each tick and "liftoff" at the end. Cancellable at any
// tick. The simplest job, and the timer benchmark's unit.
//
// The kind's jobs side, whole: what it is configured with (spec), what it
// reports (result) and its run. Its keys are read in
// config/src/kinds/countdown.cpp, its log fields written in
// daemon/src/kinds/countdown.cpp; each layer's registry (kind_spec in
// spec.hpp, jobs/src/kinds.cpp, config/src/kinds.cpp, daemon/src/kinds.cpp)
// holds one entry for it.
#pragma once

#include "jobs/duration.hpp"
#include "reactor/task.hpp"

namespace jobs {

struct run_result;   // result.hpp
struct job_context;  // context.hpp

struct countdown_result {
  int ticks = 0;  // ticks counted before liftoff (or before cancellation)
};

// Counts from `from` down to 0, one tick per `tick`, then "liftoff".
struct countdown_spec {
  static constexpr char const* kind_name = "countdown";
  using result = countdown_result;
  int from = 10;
  duration tick = 1s;
  bool operator==(countdown_spec const&) const = default;
};

reactor::task<run_result> run_countdown(countdown_spec const& spec, job_context& ctx);

}  // namespace jobs
