// --once: every job runs once, side by side (at most max_concurrency at
// once), under its timeout; results go to the sink as usual. No scheduler: a one-shot run has no schedule. The
// status endpoint answers while they run (if it listens), so a job that
// checks the daemon's own endpoint works here too.
#pragma once

#include <vector>

#include "jobs/scheduler.hpp"
#include "reactor/socket.hpp"
#include "reactor/task.hpp"
#include "status_endpoint.hpp"

namespace reactord {

// True if every run succeeded.
reactor::task<bool> run_each_job_once(std::vector<jobs::job_spec> const& specs, std::size_t max_concurrency,
                                      jobs::result_sink& sink, reactor::socket* status_listener,
                                      status_pages const& pages, status_counters& requests);

}  // namespace reactord
