// The pieces /metrics is written with (Prometheus text format 0.0.4):
// a family's HELP and TYPE then its samples, label escaping, a job's
// labels. metrics.cpp writes the common families, each kind's
// daemon/src/kinds/<kind>.cpp its own.
#pragma once

#include <string>
#include <string_view>

#include "jobs/histogram.hpp"
#include "jobs/scheduler.hpp"
#include "metrics_page.hpp"

namespace reactord {

// A label value with \, " and newlines escaped.
std::string label_value(std::string_view s);
// A sample's value ("%.9g").
std::string number(double v);
inline double seconds(jobs::duration d) {
  return std::chrono::duration<double>(d).count();
}

// job_name, kind and the job's own labels. Never `job` or `instance`:
// Prometheus sets those on every scrape (and would rename ours to
// exported_job), so the job's name is `job_name`.
std::string job_labels(jobs::job_status const& j);

// A metric family: its HELP and TYPE once, then its samples.
class family {
 public:
  family(metrics_page_writer& out, char const* name, char const* type, char const* help);
  void sample(std::string const& labels, double v) { line("", labels, "", v); }

  // A histogram's samples: the cumulative buckets (`le`, ending with
  // +Inf), then _sum and _count.
  void observations(std::string const& labels, jobs::histogram const& h);

 private:
  // name+suffix{labels,more} value; `more` is empty or starts with a comma.
  void line(char const* suffix, std::string const& labels, std::string_view more, double v);

  metrics_page_writer& page_;
  std::string& out_;  // page_.buffer()
  char const* name_;
};

}  // namespace reactord
