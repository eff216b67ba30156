// log_file_sink: the log file, rotated by size, that notices when it is
// moved or deleted under it and can be reopened on request.
//
// - reopen() (SIGUSR1, the logrotate convention: `postrotate kill -USR1`)
//   makes the next write close the file and open the path again.
// - At most once a second, before a write, the path is looked up again: if
//   it is gone (deleted) or names another file (renamed away, replaced), the
//   sink reopens the path, so the log never goes on invisibly into a file
//   nobody can see until the size rotation. Why it reopened is kept for the
//   daemon to log (take_reopen_reason) and said once on stderr.
// - Rotation as spdlog's rotating_file_sink does it: past max_bytes, file
//   -> file.1 -> ... -> file.<max_files>, and a fresh file.
//
// Writes happen on the log's writer thread; reopen() and
// take_reopen_reason() may be called from any thread.
#pragma once

#include <spdlog/details/file_helper.h>
#include <spdlog/sinks/base_sink.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace reactord {

class log_file_sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // Opens (creates) the file; throws spdlog::spdlog_ex if it cannot.
  log_file_sink(std::string path, std::size_t max_bytes, std::size_t max_files);

  void reopen() noexcept { reopen_requested_ = true; }
  // Why the file was last reopened, once; empty if it was not since the
  // last call.
  std::string take_reopen_reason();

 protected:
  void sink_it_(spdlog::details::log_msg const& msg) override;
  void flush_() override;

 private:
  void open(bool truncate);
  char const* replaced() const;  // why the path no longer names the open file, or null
  void reopen_because(char const* why, bool say_on_stderr);
  void rotate();

  std::string path_;
  std::size_t max_bytes_, max_files_;
  spdlog::details::file_helper file_;
  std::size_t size_ = 0;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  std::chrono::steady_clock::time_point next_check_{};
  std::atomic<bool> reopen_requested_{false};
  std::atomic<bool> has_reason_{false};
  std::mutex reason_mutex_;
  std::string reason_;
};

}  // namespace reactord
