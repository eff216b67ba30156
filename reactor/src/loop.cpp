#include "reactor/loop.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <system_error>
#include <thread>

#include "backend/backend.hpp"

namespace reactor {

std::string_view to_string(backend_kind k) noexcept {
  switch (k) {
    case backend_kind::automatic: return "auto";
    case backend_kind::io_uring: return "io_uring";
    case backend_kind::epoll: return "epoll";
    case backend_kind::kqueue: return "kqueue";
    case backend_kind::iocp: return "iocp";
  }
  return "unknown";
}

std::optional<backend_kind> parse_backend_kind(std::string_view s) noexcept {
  for (auto k : {backend_kind::automatic, backend_kind::io_uring, backend_kind::epoll,
                 backend_kind::kqueue, backend_kind::iocp})
    if (s == to_string(k)) return k;
  return std::nullopt;
}

namespace {
// The backends compiled into this build, in the order `automatic` tries them.
// reactor/CMakeLists.txt defines REACTORD_HAVE_<backend> for each one it
// builds: io_uring and epoll on Linux, kqueue where <sys/event.h> (or
// libkqueue) was found, iocp on Windows.
constexpr backend_kind built_backends[] = {
#if defined(REACTORD_HAVE_IO_URING)
    backend_kind::io_uring,
#endif
#if defined(REACTORD_HAVE_EPOLL)
    backend_kind::epoll,
#endif
#if defined(REACTORD_HAVE_KQUEUE)
    backend_kind::kqueue,
#endif
#if defined(REACTORD_HAVE_IOCP)
    backend_kind::iocp,
#endif
};
}  // namespace

std::vector<backend_kind> available_backends() {
  // Probed on a thread of its own: tearing down an io_uring ring makes the
  // kernel interrupt the thread that used it, later and asynchronously (see
  // ~io_uring_backend). On the caller's thread that would turn into stray
  // wake-ups and EINTRs in whatever loop it runs next; a thread that has
  // exited has nothing left to interrupt.
  std::vector<backend_kind> found;
  std::thread([&found] {
    for (auto k : built_backends) {
      try {
        loop probe(loop_options{k});
        found.push_back(k);
      } catch (std::system_error const&) {
      }
    }
  }).join();
  return found;
}

namespace {
std::unique_ptr<detail::backend> make_backend(backend_kind k, loop& owner) {
  switch (k) {
#if defined(REACTORD_HAVE_IO_URING)
    case backend_kind::io_uring: return detail::make_io_uring_backend(owner);
#endif
#if defined(REACTORD_HAVE_EPOLL)
    case backend_kind::epoll: return detail::make_epoll_backend(owner);
#endif
#if defined(REACTORD_HAVE_KQUEUE)
    case backend_kind::kqueue: return detail::make_kqueue_backend(owner);
#endif
#if defined(REACTORD_HAVE_IOCP)
    case backend_kind::iocp: return detail::make_iocp_backend(owner);
#endif
    default:
      throw std::system_error(std::make_error_code(std::errc::not_supported),
                              std::string("backend ") + std::string(to_string(k)) +
                                  " is not built on this platform");
  }
}
}  // namespace

loop::loop(loop_options options) : now_(clock::now()) {
  backend_kind wanted = options.backend;
  if (wanted == backend_kind::automatic) {
    if (char const* env = std::getenv("REACTORD_BACKEND"); env && *env) {
      auto parsed = parse_backend_kind(env);
      if (!parsed)
        throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                                std::string("REACTORD_BACKEND=") + env + " is not a backend");
      wanted = *parsed;
    }
  }
  if (wanted != backend_kind::automatic) {
    backend_ = make_backend(wanted, *this);
    kind_ = wanted;
    return;
  }
  // The first built backend that starts wins; the preferred one's failure is
  // kept as the reason (the last one's failure propagates if none starts).
  for (std::size_t i = 0; i < std::size(built_backends); ++i) {
    try {
      backend_ = make_backend(built_backends[i], *this);
      kind_ = built_backends[i];
      return;
    } catch (std::system_error const& e) {
      if (i + 1 == std::size(built_backends)) throw;
      if (fallback_reason_.empty()) fallback_reason_ = e.what();
    }
  }
}

loop::~loop() = default;

bool loop::submit(detail::operation& op) {
  if (backend_->submit(op)) return true;
  ++stats_.operations_in_flight;
  return false;
}

void loop::cancel(detail::operation& op) {
  op.cancel_requested = true;
  backend_->cancel(op);
}

void loop::post(std::function<void()> fn) {
  {
    std::lock_guard lock(posted_mutex_);
    posted_.push_back(std::move(fn));
  }
  if (!has_posted_.exchange(true, std::memory_order_acq_rel)) backend_->wake();
}

void loop::run_posted() {
  std::vector<std::function<void()>> batch;
  has_posted_.store(false, std::memory_order_release);
  {
    std::lock_guard lock(posted_mutex_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

void loop::run_until_stopped() {
  stopping_ = false;
  while (!stopping_) run_pass();
}

void loop::run_pass() {
  ++stats_.passes;
  // Resume only what was ready when the pass began: work scheduled by these
  // coroutines waits for the next pass, after timers and I/O had their turn.
  for (std::size_t n = ready_.size(); n > 0; --n) {
    ready_.pop().resume();
    ++stats_.resumed;
  }
  if (has_posted_.load(std::memory_order_acquire)) run_posted();
  if (root_ && root_.done()) return;

  now_ = clock::now();
  if (timers_.earliest() <= now_) {
    // Snapshot first: a callback that re-arms for "now" lands in the next pass.
    due_.clear();
    timers_.pop_due(now_, due_);
    stats_.timers_fired += due_.size();
    for (timer_node* t : due_) t->on_fire(*t);
  }

  deadline until = ready_.empty() && !stopping_ ? timers_.earliest() : deadline::min();
  if (has_posted_.load(std::memory_order_acquire)) until = deadline::min();
  if (backend_->wait(until)) ++stats_.blocking_waits;
  now_ = clock::now();
}

}  // namespace reactor
