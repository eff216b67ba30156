// The run side of the kind registry: how the scheduler and
// `reactord --once` start a run of whatever kind a job is. The table
// (jobs/src/kinds.cpp) holds each kind's run_<kind>(), one entry per
// kind in kind_spec's order (spec.hpp); a run costs one indirect call and
// the kind's own coroutine, no allocation of its own.
#pragma once

#include "jobs/context.hpp"
#include "jobs/result.hpp"
#include "jobs/spec.hpp"
#include "reactor/task.hpp"

namespace jobs {

reactor::task<run_result> run_kind(kind_spec const& kind, job_context& ctx);

}  // namespace jobs
