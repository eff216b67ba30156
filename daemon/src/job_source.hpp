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
  // The jobs as read on this thread, without load()'s copy: for `--check`,
  // which exits next (at 50,000 jobs the copy was 7% of its time, and both
  // copies of the specs were alive at its peak).
  config::job_file read_in_place() const;
  std::string name() const;

 private:
  std::optional<std::string> path_;
  std::function<config::job_file()> load_;
};

// Hands the heap's free pages back to the system (glibc's malloc_trim):
// after a parse, and after the pages a /metrics rendering needed.
void return_freed_memory() noexcept;

// Fixes glibc's mmap and trim thresholds at their initial values, so that
// freed memory goes back to the system as it is freed; called first thing
// in main(). Left dynamic, the first free of a large mmapped block (the
// job file's vectors, a /metrics page) raises the mmap threshold to its
// size, up to 32 MiB, and the trim threshold to twice that: later blocks
// of that size come from the heap and stay there, and a thread arena's
// free top (where the job file was parsed) is never trimmed, which
// malloc_trim does not do either. At 50,000 jobs that kept 22 MB of the
// parse resident, and 70 MB more after each reload.
void keep_heap_trimmed() noexcept;

}  // namespace reactord
