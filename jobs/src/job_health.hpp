// A job's health: the UP / DEGRADED / DOWN state machine, fed one run
// outcome at a time.
//
// UP / DEGRADED follow each good run; DOWN comes after fail_after failures
// (or timeouts) in a row and is left only after recover_after good runs in
// a row; out of DEGRADED into UP likewise takes recover_after clean
// successes in a row. Cancelled runs say nothing about the target and
// change nothing.
#pragma once

#include <cstdint>

#include "jobs/result.hpp"
#include "jobs/scheduler.hpp"
#include "jobs/spec.hpp"

namespace jobs {

// Whether a run with this outcome counts as a failure (counters, DOWN).
bool counts_as_failure(outcome o) noexcept;

struct job_health {
  job_state state = job_state::unknown;
  std::uint32_t consecutive_failures = 0, consecutive_successes = 0;
  std::uint32_t consecutive_clean = 0;  // successes in a row, degraded runs not counted

  // Takes one run's outcome; returns whether the state moved.
  bool record(outcome o, schedule_spec const& s) noexcept;
};

}  // namespace jobs
