#include "job_fields.hpp"

#include <algorithm>
#include <cctype>

#include "config/duration.hpp"
#include "kinds.hpp"

namespace config::detail {

using namespace std::chrono_literals;

// --- the schedule, common to every kind ------------------------------------
//   every: 60s        period between runs (fixed-rate, aligned)
//   jitter: 0s        a stable per-job phase in [0, jitter), spreads load
//   timeout: ...      the run's deadline; default: shorter than `every`
//   fail_after: 1     consecutive failures before DOWN
//   recover_after: 1  consecutive successes before UP again
//   retest_every: ... a shorter period while failing
//   allow_overlap: false
void read_schedule(mapping_reader& r, jobs::schedule_spec& out) {
  r.read("every", out.interval, 10ms, 366 * 24h);
  r.read("jitter", out.jitter, 0s, 366 * 24h);
  r.read("timeout", out.timeout, 1ms, 366 * 24h);
  r.read("fail_after", out.fail_after, 1, 1000);
  r.read("recover_after", out.recover_after, 1, 1000);
  r.read("retest_every", out.retest_interval, 10ms, 366 * 24h);
  r.read("allow_overlap", out.allow_overlap);
}

// --- labels, common to every kind ---------------------------------------------
//   labels: { site: par1, team: net }
// Prometheus label names ([a-zA-Z_][a-zA-Z0-9_]*, no leading "__"), none of
// the names reactord puts on its own series, nor `job` and `instance`,
// which Prometheus sets on every scrape. Read over the defaults' labels.
// Every series of a job repeats its labels, and a job has up to 88 series:
// these bound what one job can add to /metrics (README, "Series per job").
constexpr std::size_t max_labels = 10;
constexpr std::size_t max_label_name_bytes = 64;
constexpr std::size_t max_label_value_bytes = 128;

void read_labels(mapping_reader& r, jobs::label_set& out) {
  yaml_node n = r.node("labels");
  if (!n.is_defined()) return;
  if (!n.is_map()) {
    r.error(n, "'labels' must be a mapping of label_name: value");
    return;
  }
  static std::string const reserved[] = {"job",  "instance", "job_name", "kind", "state",  "outcome",
                                         "stat", "phase",    "le",       "code", "result", "backend"};
  jobs::label_set labels = out;
  for (auto const& kv : n.entries()) {
    std::string name(kv.first.scalar());
    bool ok = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
    for (unsigned char c : name) ok = ok && (std::isalnum(c) || c == '_');
    if (ok && name.size() > max_label_name_bytes) {
      r.error(kv.first, "label names are at most " + std::to_string(max_label_name_bytes) + " bytes, got " +
                            std::to_string(name.size()));
      continue;
    }
    if (!ok || name.starts_with("__")) {
      r.error(kv.first,
              "label names are letters, digits and '_', not starting with a digit or \"__\" "
              "(as in Prometheus), got '" +
                  name + "'");
      continue;
    }
    if (std::find(std::begin(reserved), std::end(reserved), name) != std::end(reserved)) {
      r.error(kv.first, "'" + name + "' is a label reactord or Prometheus sets itself; choose another name");
      continue;
    }
    auto value = r.single_line(kv.second, "label '" + name + "'");
    if (!value) continue;
    if (value->size() > max_label_value_bytes) {
      r.error(kv.second, "the value of label '" + name + "' is " + std::to_string(value->size()) +
                             " bytes, over the limit of " + std::to_string(max_label_value_bytes));
      continue;
    }
    auto it = std::find_if(labels.begin(), labels.end(), [&](auto const& l) { return l.first == name; });
    if (it != labels.end())
      it->second = std::move(*value);
    else
      labels.emplace_back(std::move(name), std::move(*value));
  }
  if (labels.size() > max_labels) {
    r.error(n, "a job has at most " + std::to_string(max_labels) + " labels (with those from defaults), got " +
                   std::to_string(labels.size()));
    return;
  }
  std::sort(labels.begin(), labels.end());
  out = std::move(labels);
}

void read_job_fields(mapping_reader& r, jobs::job_spec& out) {
  read_schedule(r, out.schedule);
  read_labels(r, out.labels);
  read_kind_fields(r, out.kind);
}

void check_job(mapping_reader& r, jobs::job_spec const& job) {
  auto const& s = job.schedule;
  if (s.jitter > s.interval)
    r.error(r.mark_of("jitter"), "'jitter' (" + format_duration(s.jitter) + ") must not exceed 'every' (" +
                                     format_duration(s.interval) + ")");
  if (s.retest_interval && *s.retest_interval > s.interval)
    r.error(r.mark_of("retest_every"), "'retest_every' (" + format_duration(*s.retest_interval) +
                                           ") is meant to be shorter than 'every' (" + format_duration(s.interval) +
                                           ")");
  if (s.timeout && *s.timeout > s.interval && !s.allow_overlap)
    r.error(r.mark_of("timeout"), "'timeout' (" + format_duration(*s.timeout) + ") is longer than 'every' (" +
                                      format_duration(s.interval) +
                                      "), so a slow run would always skip its next slot; shorten it or set "
                                      "allow_overlap: true");
  check_kind_fields(r, job.kind, s);
}

}  // namespace config::detail
