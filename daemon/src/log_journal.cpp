#include "log_journal.hpp"

#include <spdlog/details/log_msg.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "log.hpp"

namespace reactord {

bool stdout_is_journal() {
  // systemd sets JOURNAL_STREAM=<device>:<inode> of the stream it connected;
  // inherited by a child whose stdout goes elsewhere, it must not count.
  char const* env = std::getenv("JOURNAL_STREAM");
  if (!env) return false;
  std::uintmax_t dev = 0, ino = 0;
  if (std::sscanf(env, "%" SCNuMAX ":%" SCNuMAX, &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(STDOUT_FILENO, &st) != 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

namespace {

class syslog_priority_flag final : public spdlog::custom_flag_formatter {
 public:
  void format(spdlog::details::log_msg const& m, std::tm const&, spdlog::memory_buf_t& dest) override {
    char const* p = "<6>";
    switch (m.level) {
      case spdlog::level::trace:
      case spdlog::level::debug: p = "<7>"; break;
      case spdlog::level::info: p = "<6>"; break;
      case spdlog::level::warn: p = "<4>"; break;
      case spdlog::level::err: p = "<3>"; break;
      case spdlog::level::critical: p = "<2>"; break;
      default: break;
    }
    dest.append(p, p + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<syslog_priority_flag>(); }
};

}  // namespace

void add_syslog_priority_flag(spdlog::pattern_formatter& f, char flag) {
  f.add_flag<syslog_priority_flag>(flag);
}

}  // namespace reactord
