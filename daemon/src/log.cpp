#include "log.hpp"

#include "log_file.hpp"

#include <spdlog/async.h>
#include <spdlog/async_logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>

namespace reactord {

// --- rendering -----------------------------------------------------------

namespace {

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
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
  for (unsigned char c : s) bare = bare && c > ' ' && c != '"' && c != '=' && c != '\\';
  if (bare) out += s;
  else append_json_string(out, s);
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

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
          else if constexpr (std::is_same_v<V, long long>) out += std::to_string(v);
          else if constexpr (std::is_same_v<V, double>) out += number_text(v);
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
    case log_level::debug: return spdlog::level::debug;
    case log_level::info: return spdlog::level::info;
    case log_level::warning: return spdlog::level::warn;
    case log_level::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

struct event_log::sink_errors {
  std::atomic<std::uint64_t> count{0};
  std::atomic<std::int64_t> last_report_ns{0};
};

event_log::event_log(log_options const& o) : style_(o.style), errors_(std::make_shared<sink_errors>()) {
  pool_ = std::make_shared<spdlog::details::thread_pool>(o.queue_size, 1);
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

  logger_ = std::make_shared<spdlog::async_logger>("reactord", sink, pool_,
                                                   spdlog::async_overflow_policy::overrun_oldest);
  logger_->set_level(spdlog::level::from_str(o.min_level));
  logger_->flush_on(spdlog::level::trace);  // on the writer thread; a tail -f sees each line at once
  // Runs on the writer thread. Report, at most every 10 s, and carry on.
  logger_->set_error_handler([errors = errors_](std::string const& what) {
    auto n = ++errors->count;
    auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    auto last = errors->last_report_ns.load();
    if (n == 1 || now - last > std::int64_t(10'000'000'000)) {
      errors->last_report_ns = now;
      std::fprintf(stderr, "reactord: log write failed (%s); %" PRIu64 " failures so far; jobs keep running\n",
                   what.c_str(), n);
    }
  });
}

event_log::~event_log() {
  logger_->flush();
  logger_.reset();
  pool_.reset();  // joins the writer thread once the queue is empty
}

void event_log::write(log_level lv, std::string_view message, std::vector<field> const& fields) {
  // The writer thread reopened the file (deleted, renamed, SIGUSR1): the
  // new file says so first.
  if (file_sink_) {
    if (std::string why = file_sink_->take_reopen_reason(); !why.empty())
      logger_->log(spdlog::level::warn, render(style_, "log file reopened", {{"reason", why}}));
  }
  auto l = to_spdlog(lv);
  if (!logger_->should_log(l)) return;
  logger_->log(l, render(style_, message, fields));
}

std::uint64_t event_log::dropped() const { return pool_->overrun_counter(); }
std::uint64_t event_log::write_errors() const { return errors_->count.load(); }
void event_log::flush() { logger_->flush(); }
void event_log::reopen() {
  if (file_sink_) file_sink_->reopen();
}

}  // namespace reactord
