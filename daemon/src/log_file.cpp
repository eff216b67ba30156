#include "log_file.hpp"

#include <spdlog/sinks/rotating_file_sink.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>

namespace reactord {

log_file_sink::log_file_sink(std::string path, std::size_t max_bytes, std::size_t max_files)
    : path_(std::move(path)), max_bytes_(max_bytes), max_files_(max_files) {
  open(false);
  next_check_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
}

std::string log_file_sink::take_reopen_reason() {
  if (!has_reason_.load(std::memory_order_relaxed)) return {};
  std::lock_guard lock(reason_mutex_);
  has_reason_ = false;
  return std::move(reason_);
}

void log_file_sink::open(bool truncate) {
  file_.open(path_, truncate);
  size_ = file_.size();
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) {
    device_ = st.st_dev;
    inode_ = st.st_ino;
  }
}

char const* log_file_sink::replaced() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return "the log file was deleted";
  if (st.st_dev != device_ || st.st_ino != inode_) return "the log file was renamed or replaced";
  return nullptr;
}

void log_file_sink::reopen_because(char const* why, bool say_on_stderr) {
  file_.close();
  open(false);
  if (say_on_stderr) std::fprintf(stderr, "reactord: %s; reopened %s\n", why, path_.c_str());
  std::lock_guard lock(reason_mutex_);
  reason_ = why;
  has_reason_ = true;
}

void log_file_sink::rotate() {
  using rotating = spdlog::sinks::rotating_file_sink_st;
  file_.close();
  std::error_code ec;
  for (std::size_t i = max_files_; i > 0; --i) {
    std::string from = rotating::calc_filename(path_, i - 1);
    if (!std::filesystem::exists(from, ec)) continue;
    std::string to = rotating::calc_filename(path_, i);
    std::filesystem::remove(to, ec);
    std::filesystem::rename(from, to, ec);
  }
  open(true);
}

void log_file_sink::sink_it_(spdlog::details::log_msg const& msg) {
  auto now = std::chrono::steady_clock::now();
  if (reopen_requested_.exchange(false)) {
    reopen_because("reopen asked for (SIGUSR1)", false);
    next_check_ = now + std::chrono::seconds(1);
  } else if (now >= next_check_) {
    next_check_ = now + std::chrono::seconds(1);
    if (char const* why = replaced()) reopen_because(why, true);
  }
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  if (size_ > 0 && size_ + formatted.size() > max_bytes_) rotate();
  file_.write(formatted);
  size_ += formatted.size();
}

void log_file_sink::flush_() {
  file_.flush();
}

}  // namespace reactord
