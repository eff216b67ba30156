// What /metrics and /healthz say: the scheduler's per-job snapshot plus the
// process's own figures, rendered as Prometheus text and as JSON.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "jobs/scheduler.hpp"
#include "metrics_page.hpp"
#include "reactor/loop.hpp"
#include "status_endpoint.hpp"

namespace reactord {

struct process_figures {
  std::string backend;
  double uptime_seconds = 0;
  std::uint64_t log_dropped = 0;
  std::uint64_t log_write_errors = 0;
  std::uint64_t reloads_ok = 0;
  std::uint64_t reloads_failed = 0;
  reactor::loop_stats loop;
  status_counters requests;
};

metrics_page render_metrics(std::vector<jobs::job_status> const& jobs, process_figures const& p);
std::string render_healthz(std::vector<jobs::job_status> const& jobs, process_figures const& p);

}  // namespace reactord
