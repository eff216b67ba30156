// Where the jobs come from: a file on disk (re-read on every reload), or
// the built-in default text. Loading throws config::config_error (and
// whatever else reading a file can throw, such as std::bad_alloc).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "config/job_file.hpp"

namespace reactord {

class job_source {
 public:
  // `path` empty: the built-in default job file.
  explicit job_source(std::optional<std::string> path) : path_(std::move(path)) {}
  // Jobs from a function: tests use it for the failures a file cannot
  // cause on demand (the loader throwing std::bad_alloc, say).
  job_source(std::string name, std::function<config::job_file()> load)
      : path_(std::move(name)), load_(std::move(load)) {}
  // --config, else system_job_file() (/etc/reactord/jobs.yaml) if it
  // exists, else the built-in one.
  static job_source choose(std::optional<std::string> const& config_flag);

  config::job_file load() const;
  std::string name() const;

 private:
  std::optional<std::string> path_;
  std::function<config::job_file()> load_;
};

// Hands the heap's free pages back to the system (glibc's malloc_trim):
// after a parse, and after the pages a /metrics rendering needed.
void return_freed_memory() noexcept;

}  // namespace reactord
