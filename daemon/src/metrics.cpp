#include "metrics.hpp"

#include <chrono>
#include <cstdio>
#include <string_view>
#include <vector>

#include "jobs/histogram.hpp"
#include "json_string.hpp"
#include "kinds.hpp"
#include "metric_family.hpp"
#include "process_usage.hpp"

namespace reactord {

std::string label_value(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

family::family(metrics_page_writer& page, char const* name, char const* type, char const* help)
    : page_(page), out_(page.buffer()), name_(name) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += help;
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void family::observations(std::string const& labels, jobs::histogram const& h) {
  static auto const le = [] {
    std::vector<std::string> out;
    for (double b : jobs::histogram_bounds) out.push_back(",le=\"" + number(b) + "\"");
    out.emplace_back(",le=\"+Inf\"");
    return out;
  }();
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.counts.size(); ++i) {
    cumulative += h.counts[i];
    line("_bucket", labels, le[i], double(cumulative));
  }
  line("_sum", labels, "", h.sum);
  line("_count", labels, "", double(cumulative));
}

void family::line(char const* suffix, std::string const& labels, std::string_view more, double v) {
  out_ += name_;
  out_ += suffix;
  if (!labels.empty() || !more.empty()) {
    out_ += '{';
    out_ += labels;
    out_ += labels.empty() ? more.substr(more.empty() ? 0 : 1) : more;
    out_ += '}';
  }
  out_ += ' ';
  out_ += number(v);
  out_ += '\n';
  page_.written();
}

std::string job_labels(jobs::job_status const& j) {
  std::string out = "job_name=\"" + label_value(j.name) + "\",kind=\"" + j.kind + "\"";
  for (auto const& [name, value] : j.labels) out += "," + name + "=\"" + label_value(value) + "\"";
  return out;
}

metrics_page render_metrics(std::vector<jobs::job_status> const& js, process_figures const& p) {
  metrics_page_writer out;
  {
    family f(out, "reactord_job_runs_total", "counter", "Runs finished, per job.");
    for (auto const& j : js) f.sample(job_labels(j), double(j.runs));
  }
  {
    family f(out, "reactord_job_failures_total", "counter", "Runs that did not succeed, per job.");
    for (auto const& j : js) f.sample(job_labels(j), double(j.failures));
  }
  {
    family f(out, "reactord_job_skipped_total", "counter", "Slots skipped because the previous run was still going.");
    for (auto const& j : js) f.sample(job_labels(j), double(j.skipped));
  }
  {
    family f(out, "reactord_job_state", "gauge", "1 for the job's current state (unknown, up, degraded, down).");
    for (auto const& j : js)
      for (auto s : {jobs::job_state::unknown, jobs::job_state::up, jobs::job_state::degraded, jobs::job_state::down})
        f.sample(job_labels(j) + ",state=\"" + jobs::to_string(s) + "\"", j.state == s ? 1 : 0);
  }
  {
    family f(out, "reactord_job_running", "gauge", "1 while a run of the job is in flight.");
    for (auto const& j : js) f.sample(job_labels(j), j.running ? 1 : 0);
  }
  {
    family f(out, "reactord_job_last_outcome", "gauge",
             "1 for the outcome of the job's last run (success, degraded, failure, timeout, cancelled).");
    for (auto const& j : js)
      if (j.last)
        for (auto o : {jobs::outcome::success, jobs::outcome::degraded, jobs::outcome::failure, jobs::outcome::timeout,
                       jobs::outcome::cancelled})
          f.sample(job_labels(j) + ",outcome=\"" + jobs::to_string(o) + "\"", j.last->result == o ? 1 : 0);
  }
  {
    family f(out, "reactord_job_last_duration_seconds", "gauge", "How long the job's last run took.");
    for (auto const& j : js)
      if (j.last) f.sample(job_labels(j), seconds(j.last->took));
  }
  {
    family f(out, "reactord_job_last_lateness_seconds", "gauge", "How late the job's last run started.");
    for (auto const& j : js)
      if (j.last) f.sample(job_labels(j), seconds(j.last->lateness));
  }
  {
    family f(out, "reactord_job_duration_seconds", "histogram", "How long runs took (for fetch: the request's total).");
    for (auto const& j : js)
      if (auto const* h = j.histograms.find(jobs::series::run_duration)) f.observations(job_labels(j), *h);
  }
  {
    family f(out, "reactord_job_lateness_seconds", "histogram", "How late runs started after their slot.");
    for (auto const& j : js)
      if (auto const* h = j.histograms.find(jobs::series::lateness)) f.observations(job_labels(j), *h);
  }
  render_kind_metrics(out, js);  // each kind's own families, in kind_spec's order
  family(out, "reactord_jobs", "gauge", "Jobs configured.").sample("", double(js.size()));
  family(out, "reactord_backend_info", "gauge", "The reactor backend in use.")
      .sample("backend=\"" + label_value(p.backend) + "\"", 1);
  family(out, "reactord_uptime_seconds", "gauge", "Seconds since start.").sample("", p.uptime_seconds);
  family(out, "reactord_process_resident_memory_bytes", "gauge", "Resident memory.")
      .sample("", double(resident_bytes()));
  family(out, "reactord_process_cpu_seconds_total", "counter", "User and system CPU time.").sample("", cpu_seconds());
  family(out, "reactord_log_dropped_total", "counter", "Log records dropped because the log queue was full.")
      .sample("", double(p.log_dropped));
  family(out, "reactord_log_write_errors_total", "counter", "Failed log writes (full disk, unwritable file).")
      .sample("", double(p.log_write_errors));
  {
    family f(out, "reactord_reloads_total", "counter", "Reloads (SIGHUP), by result.");
    f.sample("result=\"ok\"", double(p.reloads_ok));
    f.sample("result=\"failed\"", double(p.reloads_failed));
  }
  family(out, "reactord_loop_passes_total", "counter", "Passes of the event loop.").sample("", double(p.loop.passes));
  family(out, "reactord_loop_timers_fired_total", "counter", "Timers fired by the event loop.")
      .sample("", double(p.loop.timers_fired));
  {
    family f(out, "reactord_status_requests_total", "counter", "Requests to this endpoint, by answer.");
    f.sample("code=\"200\"", double(p.requests.ok));
    f.sample("code=\"400\"", double(p.requests.bad));
    f.sample("code=\"404\"", double(p.requests.not_found));
    f.sample("code=\"405\"", double(p.requests.not_allowed));
    f.sample("code=\"408\"", double(p.requests.timed_out));
    f.sample("code=\"refused\"", double(p.requests.refused));
  }
  return std::move(out).finish();
}

std::string render_healthz(std::vector<jobs::job_status> const& js, process_figures const& p) {
  std::size_t count[4] = {0, 0, 0, 0};
  std::size_t running = 0;
  for (auto const& j : js) {
    ++count[static_cast<int>(j.state)];
    running += j.running;
  }
  std::string out = "{\"status\":\"ok\",\"backend\":";
  append_json_string(out, p.backend);
  out += ",\"uptime_seconds\":" + number(p.uptime_seconds);
  out += ",\"jobs\":" + std::to_string(js.size());
  out += ",\"up\":" + std::to_string(count[static_cast<int>(jobs::job_state::up)]);
  out += ",\"degraded\":" + std::to_string(count[static_cast<int>(jobs::job_state::degraded)]);
  out += ",\"down\":" + std::to_string(count[static_cast<int>(jobs::job_state::down)]);
  out += ",\"unknown\":" + std::to_string(count[static_cast<int>(jobs::job_state::unknown)]);
  out += ",\"running\":" + std::to_string(running);
  out += ",\"log_dropped\":" + std::to_string(p.log_dropped);
  out += "}\n";
  return out;
}

}  // namespace reactord
