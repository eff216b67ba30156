// countdown: counts from spec.from down to 0, one tick per spec.tick,
// emitting "T-n" for each tick and "liftoff" at the end. Cancellable at any
// tick. The simplest job, and the timer benchmark's unit.
#pragma once

#include "jobs/context.hpp"
#include "jobs/result.hpp"
#include "jobs/spec.hpp"
#include "reactor/task.hpp"

namespace jobs {

reactor::task<run_result> run_countdown(countdown_spec const& spec, job_context& ctx);

}  // namespace jobs
