#include "log.hpp"

#include "log_file.hpp"

#include <fmt/format.h>
#include <spdlog/details/log_msg.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#if defined(_WIN32)
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/win_eventlog_sink.h>
#endif

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <iterator>
#include <mutex>
#include <thread>
#include <utility>

#include "reactor/loop.hpp"

namespace reactord {

// --- rendering -----------------------------------------------------------

namespace {

// The length of the valid UTF-8 sequence at the start of `s`, or 0 if it
// is not one (a stray continuation byte, a truncated or overlong sequence,
// a surrogate, past U+10FFFF).
std::size_t utf8_sequence_length(std::string_view s) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = byte(0);
  std::size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || n > s.size()) return 0;
  for (std::size_t i = 1; i < n; ++i)
    if ((byte(i) & 0xC0) != 0x80) return 0;
  if (n == 3 && c == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
  if (n == 3 && c == 0xED && byte(1) >= 0xA0) return 0;  // surrogate
  if (n == 4 && c == 0xF0 && byte(1) < 0x90) return 0;   // overlong
  if (n == 4 && c == 0xF4 && byte(1) >= 0x90) return 0;  // past U+10FFFF
  return n;
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      std::size_t n = utf8_sequence_length(s.substr(i));
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD, one per invalid byte
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

// Text values are bare words when they can be, quoted otherwise, so that
// `key=value` pairs split on spaces (logfmt).
void append_text_value(std::string& out, std::string_view s) {
  bool bare = !s.empty();
  for (unsigned char c : s) bare = bare && c > ' ' && c < 0x7f && c != '"' && c != '=' && c != '\\';
  if (bare) out += s;
  else append_json_string(out, s);
}

// fmt, not printf: no locale, no varargs parsing; a tenth of the time.
void append_number(std::string& out, double v) { fmt::format_to(std::back_inserter(out), FMT_STRING("{:.3f}"), v); }
void append_number(std::string& out, long long v) { fmt::format_to(std::back_inserter(out), FMT_STRING("{}"), v); }

}  // namespace

std::string render(log_format style, std::string_view message, std::vector<field> const& fields) {
  std::string out;
  out.reserve(64 + 24 * fields.size());
  if (style == log_format::json) {
    out += "\"msg\":";
    append_json_string(out, message);
  } else {
    out += message;
  }
  for (auto const& f : fields) {
    if (auto const* pairs = std::get_if<string_pairs const*>(&f.value)) {
      if (!*pairs || (*pairs)->empty()) continue;
      if (style == log_format::json) {
        out += ',';
        append_json_string(out, f.key);
        out += ":{";
        bool first = true;
        for (auto const& [name, value] : **pairs) {
          if (!std::exchange(first, false)) out += ',';
          append_json_string(out, name);
          out += ':';
          append_json_string(out, value);
        }
        out += '}';
      } else {
        for (auto const& [name, value] : **pairs) {
          out += ' ';
          out += f.key;
          out += '.';
          out += name;
          out += '=';
          append_text_value(out, value);
        }
      }
      continue;
    }
    out += style == log_format::json ? "," : " ";
    if (style == log_format::json) {
      append_json_string(out, f.key);
      out += ':';
    } else {
      out += f.key;
      out += '=';
    }
    std::visit(
        [&](auto const& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, bool>) out += v ? "true" : "false";
          else if constexpr (std::is_same_v<V, long long> || std::is_same_v<V, double>) append_number(out, v);
          else if constexpr (std::is_same_v<V, std::vector<double>>) {
            if (style == log_format::json) out += '[';
            for (std::size_t i = 0; i < v.size(); ++i) {
              if (i) out += ',';
              append_number(out, v[i]);
            }
            if (style == log_format::json) out += ']';
            else if (v.empty()) out += "\"\"";
          } else if constexpr (std::is_same_v<V, string_pairs const*>) {
          }
          else if (style == log_format::json) append_json_string(out, v);
          else append_text_value(out, v);
        },
        f.value);
  }
  return out;
}

bool stdout_is_journal() {
  // systemd sets JOURNAL_STREAM=<device>:<inode> of the stream it connected;
  // inherited by a child whose stdout goes elsewhere, it must not count.
  char const* env = std::getenv("JOURNAL_STREAM");
  if (!env) return false;
  std::uintmax_t dev = 0, ino = 0;
  if (std::sscanf(env, "%" SCNuMAX ":%" SCNuMAX, &dev, &ino) != 2) return false;
  struct stat st{};
  if (::fstat(STDOUT_FILENO, &st) != 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

// --- the logger ----------------------------------------------------------

namespace {

// `%*` in the pattern: the syslog priority prefix the journal reads.
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
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<syslog_priority_flag>();
  }
};

spdlog::level::level_enum to_spdlog(log_level lv) {
  switch (lv) {
    case log_level::trace: return spdlog::level::trace;
    case log_level::debug: return spdlog::level::debug;
    case log_level::info: return spdlog::level::info;
    case log_level::warning: return spdlog::level::warn;
    case log_level::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

// One record on its way to the writer thread: rendered on the loop, stamped
// and written by the sink's pattern on the writer thread.
struct log_record {
  spdlog::level::level_enum level;
  spdlog::log_clock::time_point time;
  std::string text;
};

// The writer thread and what it shares with the loop. Records queue in
// `pending`; the thread is woken only by a hand-off: once per loop pass
// when a loop is attached (a timer armed for "now" by the pass's first
// record), at once otherwise. A thread switch per pass, not per line.
struct event_log::writer {
  explicit writer(spdlog::sink_ptr s, std::size_t limit) : sink(std::move(s)), limit(limit) {
    thread = std::thread([this] { run(); });
  }
  ~writer() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake.notify_one();
    thread.join();  // the thread writes what is pending before it ends
  }

  // Any thread. Never waits for the disk: only for `mutex`, which the
  // writer holds just long enough to take the pending records.
  void push(log_record r) {
    std::lock_guard lock(mutex);
    if (pending.size() >= limit) {  // the oldest goes, as spdlog's overrun_oldest did
      pending.pop_front();
      dropped.fetch_add(1, std::memory_order_relaxed);
    }
    pending.push_back(std::move(r));
  }
  void hand_off() {
    handoffs.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard lock(mutex);
      handed_off = true;
    }
    wake.notify_one();
  }
  // Hands off and waits until everything pushed so far is written.
  void flush() {
    std::unique_lock lock(mutex);
    handed_off = true;
    wake.notify_one();
    written.wait(lock, [this] { return pending.empty() && !writing; });
  }

  void run() {
    std::deque<log_record> batch;
    std::unique_lock lock(mutex);
    for (;;) {
      wake.wait(lock, [this] { return handed_off || stopping; });
      handed_off = false;
      if (pending.empty()) {
        written.notify_all();
        if (stopping) return;
        continue;
      }
      batch.swap(pending);
      writing = true;
      lock.unlock();
      for (auto const& r : batch) {
        try {
          sink->log(spdlog::details::log_msg(r.time, {}, "reactord", r.level, r.text));
        } catch (std::exception const& e) {
          report(e.what());
        }
      }
      try {
        sink->flush();  // a tail -f sees each batch at once
      } catch (std::exception const& e) {
        report(e.what());
      }
      batch.clear();
      lock.lock();
      writing = false;
      if (!pending.empty()) handed_off = true;  // pushed meanwhile, already handed off or not
      written.notify_all();
    }
  }

  // Report a failed write at most every 10 s, and carry on.
  void report(char const* what) {
    auto n = ++errors;
    auto now = std::chrono::steady_clock::now();
    if (n == 1 || now - last_report > std::chrono::seconds(10)) {
      last_report = now;
      std::fprintf(stderr, "reactord: log write failed (%s); %" PRIu64 " failures so far; jobs keep running\n", what,
                   n);
    }
  }

  spdlog::sink_ptr sink;
  std::size_t limit;
  std::mutex mutex;
  std::condition_variable wake, written;
  std::deque<log_record> pending;
  bool handed_off = false, stopping = false, writing = false;
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> handoffs{0};
  std::chrono::steady_clock::time_point last_report{};  // the writer thread's
  std::thread thread;
};

// The loop's end of the hand-off: armed for "now" by the first record of
// a pass, fired by the loop in its next pass.
struct event_log::pass_flush : reactor::timer_node {
  explicit pass_flush(writer& w) : out(w) {
    on_fire = [](reactor::timer_node& t) { static_cast<pass_flush&>(t).out.hand_off(); };
  }
  writer& out;
};

event_log::event_log(log_options const& o) : style_(o.style) {
  bool journal = false;
  spdlog::sink_ptr sink;
  if (!o.file.empty()) {
    try {
      file_sink_ = std::make_shared<log_file_sink>(o.file, o.file_max_bytes, o.file_max_count);
      sink = file_sink_;
    } catch (spdlog::spdlog_ex const& e) {
      std::fprintf(stderr, "reactord: cannot open log file %s (%s); logging to stdout instead\n", o.file.c_str(),
                   e.what());
    }
  }
  if (!sink) {
    sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    journal = stdout_is_journal();
  }
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<syslog_priority_flag>('*');
  std::string prefix = journal ? "%*" : "";
  if (style_ == log_format::json)
    formatter->set_pattern(prefix + R"({"ts":"%Y-%m-%dT%H:%M:%S.%f%z","level":"%l",%v})");
  else if (journal)
    formatter->set_pattern(prefix + "%l %v");  // the journal stamps the time itself
  else
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  sink->set_formatter(std::move(formatter));
  min_level_ = spdlog::level::from_str(o.min_level);
#if defined(_WIN32)
  // Errors also go to the Windows event log (Application, source
  // "reactord"), where a Windows operator looks first.
  auto windows_log = std::make_shared<spdlog::sinks::win_eventlog_sink_mt>("reactord");
  windows_log->set_level(spdlog::level::err);
  windows_log->set_pattern("%v");
  sink = std::make_shared<spdlog::sinks::dist_sink_mt>(std::vector<spdlog::sink_ptr>{std::move(sink), std::move(windows_log)});
#endif
  writer_ = std::make_unique<writer>(std::move(sink), o.queue_size);
}

event_log::~event_log() {
  detach();
  writer_.reset();  // writes what is pending, joins the writer thread
}

void event_log::attach(reactor::loop& l) {
  detach();
  loop_ = &l;
  loop_thread_ = std::this_thread::get_id();
  pass_flush_ = std::make_unique<pass_flush>(*writer_);
}

void event_log::detach() noexcept {
  if (!loop_) return;
  loop_->disarm(*pass_flush_);
  loop_ = nullptr;
  writer_->hand_off();
}

void event_log::write(log_level lv, std::string_view message, std::vector<field> const& fields) {
  // The writer thread reopened the file (deleted, renamed, SIGUSR1): the
  // new file says so first.
  if (file_sink_) {
    if (std::string why = file_sink_->take_reopen_reason(); !why.empty())
      writer_->push({spdlog::level::warn, spdlog::log_clock::now(),
                     render(style_, "log file reopened", {{"reason", why}})});
  }
  auto l = to_spdlog(lv);
  if (l < min_level_) return;
  writer_->push({l, spdlog::log_clock::now(), render(style_, message, fields)});
  if (loop_ && std::this_thread::get_id() == loop_thread_) {
    if (!pass_flush_->armed()) loop_->arm(*pass_flush_, loop_->now());
  } else {
    writer_->hand_off();
  }
}

bool event_log::enabled(log_level lv) const { return to_spdlog(lv) >= min_level_; }

std::uint64_t event_log::dropped() const { return writer_->dropped.load(); }
std::uint64_t event_log::write_errors() const { return writer_->errors.load(); }
std::uint64_t event_log::handoffs() const { return writer_->handoffs.load(); }
void event_log::flush() { writer_->flush(); }
void event_log::reopen() {
  if (file_sink_) file_sink_->reopen();
}

}  // namespace reactord
