// The daemon's log: one spdlog asynchronous logger, written to as
// structured records (a message plus named fields) and rendered as text
// (`message key=value ...`) or as one JSON object per line.
//
// Rules:
//  - The loop never blocks on logging: records go through a bounded queue to
//    one writer thread; when the queue is full the oldest record is dropped
//    and counted (dropped()), and the daemon reports the count.
//  - Records are rendered where they are written; the writer thread stamps
//    and writes them. With a loop attached, the thread is woken in the
//    next pass for the first record after a quiet spell, then at most once
//    per handoff_interval (200 ms) for all the records since, not once per
//    line or per pass, and at once when the queue is half full; without a
//    loop, or from another thread, at once.
//  - When stdout is the journal (JOURNAL_STREAM names stdout's device and
//    inode), each line starts with its syslog priority (`<6>`), so
//    `journalctl -p warning` works; the journal adds its own timestamp.
//  - A log file that cannot be opened, or a disk that fills up, is reported
//    on stderr (rate-limited) and never stops the jobs. A log file deleted
//    or renamed under the daemon is noticed within a second and reopened;
//    reopen() (SIGUSR1) reopens it at once (see log_file.hpp).
//  - The JSON field names are stable: ts, level, msg, then the record's own
//    fields (README lists them).
//  - Every line is valid UTF-8: bytes that are not (from a broken job file,
//    a server's reply) become U+FFFD.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <thread>

#include <spdlog/common.h>

#include "reactor/clock.hpp"

namespace reactor {
class loop;
}

namespace reactord {

class log_file_sink;

enum class log_format { text, json };
enum class log_level { trace, debug, info, warning, error };

// Name/value pairs rendered as one nested field: a JSON object, or
// `key.name=value` pairs in text (a job's labels).
using string_pairs = std::vector<std::pair<std::string, std::string>>;

struct log_options {
  log_format style = log_format::text;
  std::string file;                // empty: stdout
  std::string min_level = "info";  // trace, debug, info, warn, error, critical, off
  std::size_t queue_size = 8192;   // records waiting for the writer thread
  // With a loop attached: records written within this long of the last
  // hand-off wait for the next multiple of it on the steady clock (0: every
  // pass that wrote hands off). Each hand-off is a thread switch and a
  // write(2); at 100 results/s, once per pass was ten of each per second.
  // Keep it a multiple of the scheduler's accuracy (100 ms): see
  // next_handoff.
  std::chrono::milliseconds handoff_interval{200};
  std::size_t file_max_bytes = 10 * 1024 * 1024;
  std::size_t file_max_count = 5;  // rotated files kept besides the live one
};

struct field {
  std::string_view key;
  // A list of numbers is a JSON array, or comma-separated in text.
  std::variant<std::string_view, std::string, long long, double, bool, std::vector<double>, string_pairs const*> value;
  field(std::string_view k, std::string_view v) : key(k), value(v) {}
  field(std::string_view k, char const* v) : key(k), value(std::string_view(v)) {}
  field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  field(std::string_view k, double v) : key(k), value(v) {}
  field(std::string_view k, bool v) : key(k), value(v) {}
  field(std::string_view k, std::vector<double> v) : key(k), value(std::move(v)) {}
  field(std::string_view k, string_pairs const* v) : key(k), value(v) {}
  template <class I>
  requires std::is_integral_v<I> field(std::string_view k, I v) : key(k), value(static_cast<long long>(v)) {}
};

class event_log {
 public:
  // Starts the writer thread: construct it after the signal mask is set
  // (the reactor's signal_source), so that thread inherits it.
  explicit event_log(log_options const& o);
  ~event_log();  // flushes and stops the writer thread
  event_log(event_log const&) = delete;

  void write(log_level lv, std::string_view message, std::vector<field> const& fields = {});
  bool enabled(log_level lv) const;  // whether a record of that level would be written
  void debug(std::string_view m, std::vector<field> const& f = {}) { write(log_level::debug, m, f); }
  void info(std::string_view m, std::vector<field> const& f = {}) { write(log_level::info, m, f); }
  void warn(std::string_view m, std::vector<field> const& f = {}) { write(log_level::warning, m, f); }
  void error(std::string_view m, std::vector<field> const& f = {}) { write(log_level::error, m, f); }

  // Hand records to the writer from a timer of `l` (call on l's thread;
  // detach, or destroy the log, before `l` ends).
  void attach(reactor::loop& l);
  void detach() noexcept;

  // Records dropped because the queue was full, since start.
  std::uint64_t dropped() const;
  // Write failures of the sink (full disk, file removed ...), since start.
  std::uint64_t write_errors() const;
  // Times records were handed to the writer thread (each a wake-up if it
  // sleeps), since start.
  std::uint64_t handoffs() const;
  void flush();  // waits until every record so far is written
  // Close and open the log file again before the next line (logrotate's
  // SIGUSR1). Nothing to do when logging to stdout.
  void reopen();
  log_format style() const noexcept { return style_; }

 private:
  struct writer;
  struct handoff_timer;
  log_format style_;
  spdlog::level::level_enum min_level_ = spdlog::level::info;
  std::shared_ptr<log_file_sink> file_sink_;  // null when logging to stdout
  std::unique_ptr<writer> writer_;            // the writer thread and its queue
  reactor::loop* loop_ = nullptr;
  std::thread::id loop_thread_;
  std::unique_ptr<handoff_timer> handoff_timer_;
  reactor::deadline next_handoff(reactor::deadline now) const noexcept;
  std::chrono::milliseconds handoff_interval_;
  std::size_t handoff_now_at_;  // records pending that are handed off at once
};

// The text or JSON body of a record (what follows the timestamp and level).
// Exposed for tests.
std::string render(log_format style, std::string_view message, std::vector<field> const& fields);

// True if stdout is connected to the journal (JOURNAL_STREAM matches it).
bool stdout_is_journal();

}  // namespace reactord
