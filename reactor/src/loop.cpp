#include "reactor/loop.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>

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

std::vector<backend_kind> available_backends() {
  std::vector<backend_kind> found;
  for (auto k : {backend_kind::io_uring, backend_kind::epoll}) {
    try {
      loop probe(loop_options{k});
      found.push_back(k);
    } catch (std::system_error const&) {
    }
  }
  return found;
}

namespace {
std::unique_ptr<detail::backend> make_backend(backend_kind k, loop& owner) {
  switch (k) {
    case backend_kind::io_uring: return detail::make_io_uring_backend(owner);
    case backend_kind::epoll: return detail::make_epoll_backend(owner);
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
  try {
    backend_ = detail::make_io_uring_backend(*this);
    kind_ = backend_kind::io_uring;
  } catch (std::system_error const& e) {
    fallback_reason_ = e.what();
    backend_ = detail::make_epoll_backend(*this);
    kind_ = backend_kind::epoll;
  }
}

loop::~loop() = default;

bool loop::submit(detail::operation& op) { return backend_->submit(op); }

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
