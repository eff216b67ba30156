#include "job_source.hpp"

#include <exception>
#include <filesystem>
#include <optional>
#include <thread>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "default_job_file.hpp"
#include "system_paths.hpp"

namespace reactord {

job_source job_source::choose(std::optional<std::string> const& config_flag) {
  if (config_flag) return job_source(config_flag);
  std::error_code ec;
  if (std::string system = system_job_file(); std::filesystem::exists(system, ec)) return job_source(system);
  return job_source(std::nullopt);
}

// Parsing builds yaml-cpp's node tree, several hundred bytes per node and a
// dozen nodes per job (about 6 KB per job, 300 MB for 50,000), and frees it
// before load() returns; glibc keeps freed pages in its heap unless asked.
// Give them back, so the running daemon's RSS is its jobs', not what
// loading the file once needed.
void return_freed_memory() noexcept {
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

void keep_heap_trimmed() noexcept {
#if defined(__GLIBC__)
  constexpr int initial = 128 * 1024;  // glibc's own starting values (DEFAULT_MMAP_THRESHOLD, DEFAULT_TRIM_THRESHOLD)
  ::mallopt(M_MMAP_THRESHOLD, initial);
  ::mallopt(M_TRIM_THRESHOLD, initial);
#endif
}

// The parse runs on a thread of its own, so that glibc serves it from
// another arena than the caller's; the caller then copies the result into
// its own arena and the parse's arena is freed whole. Parsed in place, the
// jobs' strings and vectors would be scattered between the tree's freed
// nodes and keep their pages resident: at 50,000 jobs, 40 MB in use held
// 100 MB of RSS.
config::job_file job_source::load() const {
  if (load_) return load_();
  struct trim_on_exit {
    ~trim_on_exit() { return_freed_memory(); }
  } trim;  // also when the file is rejected
  std::optional<config::job_file> parsed;
  std::exception_ptr failed;
  std::thread([&] {
    try {
      parsed = read_in_place();
    } catch (...) {
      failed = std::current_exception();
    }
  }).join();
  if (failed) std::rethrow_exception(failed);
  config::job_file compact = *parsed;  // a copy, allocated on this thread
  parsed.reset();
  return compact;
}

config::job_file job_source::read_in_place() const {
  if (load_) return load_();
  return path_ ? config::load_job_file(*path_)
               : config::parse_job_file(default_job_file, std::string(default_job_file_name), ".");
}

std::string job_source::name() const {
  return path_ ? *path_ : std::string(default_job_file_name);
}

}  // namespace reactord
