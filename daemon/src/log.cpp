// The daemon's logger: the spdlog sink and pattern it writes through
// (stdout, the journal, or a log file), the writer thread and its bounded
// queue, and the once-per-loop-pass hand-off. Rendering a record is
// log_render.cpp; the journal's own needs are log_journal.cpp.
#include "log.hpp"

#include "log_file.hpp"
#include "log_journal.hpp"

#include <spdlog/details/log_msg.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#if defined(_WIN32)
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/win_eventlog_sink.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "reactor/loop.hpp"

namespace reactord {

namespace {

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
// `pending`; the thread is woken only by a hand-off: with a loop attached,
// by a loop timer that the first record since the last hand-off arms (see
// event_log::write), at once otherwise. A thread switch and a write(2) per
// hand-off, not per line.
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
  // writer holds just long enough to take the pending records. Returns how
  // many records are pending now.
  std::size_t push(log_record r) {
    std::lock_guard lock(mutex);
    if (pending.size() >= limit) {  // the oldest goes, as spdlog's overrun_oldest did
      pending.pop_front();
      dropped.fetch_add(1, std::memory_order_relaxed);
    }
    pending.push_back(std::move(r));
    return pending.size();
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

// The loop's end of the hand-off: armed by the first record since the last
// hand-off, fired by the loop.
struct event_log::handoff_timer : reactor::timer_node {
  handoff_timer(writer& w, reactor::loop& l) : out(w), loop(l) {
    on_fire = [](reactor::timer_node& t) {
      auto& self = static_cast<handoff_timer&>(t);
      self.last = self.loop.now();
      self.out.hand_off();
    };
  }
  writer& out;
  reactor::loop& loop;
  reactor::deadline last = reactor::deadline::min();  // when it last fired
};

event_log::event_log(log_options const& o)
    : style_(o.style),
      handoff_interval_(std::max(o.handoff_interval, std::chrono::milliseconds::zero())),
      handoff_now_at_(std::max<std::size_t>(1, o.queue_size / 2)) {
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
  add_syslog_priority_flag(*formatter, '*');
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
  sink = std::make_shared<spdlog::sinks::dist_sink_mt>(
      std::vector<spdlog::sink_ptr>{std::move(sink), std::move(windows_log)});
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
  handoff_timer_ = std::make_unique<handoff_timer>(*writer_, l);
}

void event_log::detach() noexcept {
  if (!loop_) return;
  loop_->disarm(*handoff_timer_);
  loop_ = nullptr;
  writer_->hand_off();
}

void event_log::write(log_level lv, std::string_view message, std::vector<field> const& fields) {
  // The writer thread reopened the file (deleted, renamed, SIGUSR1): the
  // new file says so first.
  if (file_sink_) {
    if (std::string why = file_sink_->take_reopen_reason(); !why.empty())
      writer_->push(
          {spdlog::level::warn, spdlog::log_clock::now(), render(style_, "log file reopened", {{"reason", why}})});
  }
  auto l = to_spdlog(lv);
  if (l < min_level_) return;
  std::size_t pending = writer_->push({l, spdlog::log_clock::now(), render(style_, message, fields)});
  if (!loop_ || std::this_thread::get_id() != loop_thread_) {
    writer_->hand_off();
    return;
  }
  reactor::deadline now = loop_->now();
  if (pending >= handoff_now_at_) {
    // Half the queue is waiting: hand off in the next pass rather than
    // risk dropping records before the timer comes.
    if (!handoff_timer_->armed() || handoff_timer_->when > now) {
      loop_->disarm(*handoff_timer_);
      loop_->arm(*handoff_timer_, now);
    }
  } else if (!handoff_timer_->armed()) {
    // The first record after a quiet spell goes in the next pass, which
    // costs no wake-up (a daemon whose jobs run a minute apart must not
    // wake again for its log); records that follow within the interval
    // wait for the grid.
    reactor::deadline last = handoff_timer_->last;
    bool quiet = last == reactor::deadline::min() || now - last >= handoff_interval_;
    loop_->arm(*handoff_timer_, quiet ? now : next_handoff(now));
  }
}

// The next multiple of handoff_interval on the steady clock, not `now` plus
// the interval: on a fixed grid, and with the interval a multiple of the
// scheduler's accuracy cell (100 ms), the hand-off falls on an instant the
// loop wakes up at for the jobs anyway (a cell's wake-ups follow its end by
// at most 25 us), so it costs the loop no wake-up of its own.
reactor::deadline event_log::next_handoff(reactor::deadline now) const noexcept {
  auto step = std::chrono::duration_cast<reactor::deadline::duration>(handoff_interval_).count();
  if (step <= 0) return now;
  auto since_epoch = now.time_since_epoch().count();
  return reactor::deadline(reactor::deadline::duration(since_epoch - since_epoch % step + step));
}

bool event_log::enabled(log_level lv) const {
  return to_spdlog(lv) >= min_level_;
}

std::uint64_t event_log::dropped() const {
  return writer_->dropped.load();
}
std::uint64_t event_log::write_errors() const {
  return writer_->errors.load();
}
std::uint64_t event_log::handoffs() const {
  return writer_->handoffs.load();
}
void event_log::flush() {
  writer_->flush();
}
void event_log::reopen() {
  if (file_sink_) file_sink_->reopen();
}

}  // namespace reactord
