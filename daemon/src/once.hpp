// --once: every job runs once, side by side, under its timeout; results go
// to the sink as usual. No scheduler: a one-shot run has no schedule.
#pragma once

#include <vector>

#include "jobs/scheduler.hpp"
#include "reactor/task.hpp"

namespace reactord {

// True if every run succeeded.
reactor::task<bool> run_each_job_once(std::vector<jobs::job_spec> const& specs, jobs::result_sink& sink);

}  // namespace reactord
