// The event loop: one per thread, owning its backend. Nothing in a loop may
// be touched from another thread except post(). An explicit backend choice
// fails loudly if that backend cannot start; `automatic` takes the first
// that starts (io_uring, else epoll; kqueue; iocp), keeps the preferred
// one's failure in fallback_reason(), and obeys REACTORD_BACKEND=<name>
// (for tests). A pass of the loop, and the backend seam: DESIGN.md.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reactor/cancel.hpp"
#include "reactor/clock.hpp"
#include "reactor/detail/frame_memory.hpp"
#include "reactor/detail/operation.hpp"
#include "reactor/detail/ready_queue.hpp"
#include "reactor/detail/timer_queue.hpp"
#include "reactor/task.hpp"
#include "reactor/timer.hpp"

namespace reactor {

enum class backend_kind { automatic, io_uring, epoll, kqueue, iocp };

std::string_view to_string(backend_kind) noexcept;
[[nodiscard]] std::optional<backend_kind> parse_backend_kind(std::string_view) noexcept;
// The backends this build can try on this machine, in preference order
// (what the tests iterate over).
std::vector<backend_kind> available_backends();

struct loop_options {
  backend_kind backend = backend_kind::automatic;
};

namespace detail {
class backend;
}

// Counters for benchmarks and the status endpoint.
struct loop_stats {
  std::uint64_t passes = 0;          // loop iterations
  std::uint64_t blocking_waits = 0;  // times the loop slept in the kernel
  std::uint64_t resumed = 0;         // coroutines resumed from the ready queue
  std::uint64_t timers_fired = 0;
  // Operations handed to the backend whose completion has not arrived yet.
  // A cancelled operation's coroutine resumes only once this has dropped.
  std::uint64_t operations_in_flight = 0;
};

class loop {
 public:
  explicit loop(loop_options options = {});
  ~loop();
  loop(loop const&) = delete;
  loop& operator=(loop const&) = delete;

  // Runs `t` to its end as the root of a new cancellation tree and returns
  // its value (or rethrows its exception).
  template <class T>
  T run(task<T> t);

  // Runs passes until stop() is called (for callback-style users such as
  // the timer benchmark).
  void run_until_stopped();
  void stop() noexcept { stopping_ = true; }

  // The only thread-safe member: queue `fn` to run on the loop's thread and
  // wake the loop if it sleeps.
  void post(std::function<void()> fn);

  backend_kind backend() const noexcept { return kind_; }
  std::string_view backend_name() const noexcept { return to_string(kind_); }
  // Why `automatic` did not pick the preferred backend; empty if it did.
  std::string const& fallback_reason() const noexcept { return fallback_reason_; }

  // Time as of the start of the current pass (cheap; use clock::now() for
  // precise readings).
  deadline now() const noexcept { return now_; }
  loop_stats const& stats() const noexcept { return stats_; }

  // Low-level timers (see timer.hpp).
  void arm(timer_node& t, deadline when) {
    if (t.armed()) timers_.remove(t);
    t.when = when;
    timers_.push(t);
  }
  void disarm(timer_node& t) noexcept {
    if (t.armed()) timers_.remove(t);
  }

  // For awaitables and backends: resume `h` in this pass or the next, from
  // the ready queue (never inline, so a waker cannot recurse into the woken).
  void resume_soon(std::coroutine_handle<> h) { ready_.push(h); }
  // Starts `op`; returns true if it already completed (op.result is set and
  // op.waiter will not be resumed).
  [[nodiscard]] bool submit(detail::operation& op);
  // The same for a signal wait (signal_kqueue.cpp); only the kqueue backend
  // takes it, the others complete it at once with EOPNOTSUPP.
  [[nodiscard]] bool submit_signal(detail::operation& op);
  // Asks the backend to end `op` early; its completion still arrives.
  void cancel(detail::operation& op);
  // Called by the backend exactly once per submitted operation.
  void complete(detail::operation& op, int result) {
    --stats_.operations_in_flight;
    op.result = result;
    ready_.push(op.waiter);
  }

 private:
  void run_pass();
  void run_posted();

  std::unique_ptr<detail::backend> backend_;
  backend_kind kind_ = backend_kind::automatic;
  std::string fallback_reason_;

  detail::ready_queue ready_;
  detail::timer_queue timers_;
  std::vector<timer_node*> due_;
  deadline now_{};
  bool stopping_ = false;
  std::coroutine_handle<> root_;  // run()'s task: the pass ends early once it is done
  loop_stats stats_;

  std::mutex posted_mutex_;
  std::vector<std::function<void()>> posted_;
  std::atomic<bool> has_posted_{false};
};

template <class T>
T loop::run(task<T> t) {
  detail::frames_kept_while_running frames;
  cancel_node root(*this);
  auto h = t.handle();
  h.promise().node = &root;
  resume_soon(h);
  root_ = h;
  while (!h.done()) run_pass();
  root_ = {};
  return h.promise().take();
}

}  // namespace reactor
