#include "reactor/loop.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <system_error>
#include <thread>

#include "backend/backend.hpp"

namespace reactor {

namespace {
using detail::backend_entry;

backend_entry const* entry_of(backend_kind k) noexcept {
  for (backend_entry const& e : detail::backend_table())
    if (e.kind == k) return &e;
  return nullptr;
}

std::unique_ptr<detail::backend> make_backend(backend_kind k, loop& owner) {
  backend_entry const* e = entry_of(k);
  if (!e || !e->make)
    throw std::system_error(std::make_error_code(std::errc::not_supported),
                            std::string("backend ") + std::string(to_string(k)) + " is not built on this platform");
  return e->make(owner);
}
}  // namespace

std::string_view to_string(backend_kind k) noexcept {
  if (k == backend_kind::automatic) return "auto";
  backend_entry const* e = entry_of(k);
  return e ? e->name : "unknown";
}

std::optional<backend_kind> parse_backend_kind(std::string_view s) noexcept {
  if (s == to_string(backend_kind::automatic)) return backend_kind::automatic;
  for (backend_entry const& e : detail::backend_table())
    if (s == e.name) return e.kind;
  return std::nullopt;
}

std::vector<backend_kind> available_backends() {
  // Probed on a thread of its own: tearing down an io_uring ring makes the
  // kernel interrupt the thread that used it, later and asynchronously (see
  // ~io_uring_backend). On the caller's thread that would turn into stray
  // wake-ups and EINTRs in whatever loop it runs next; a thread that has
  // exited has nothing left to interrupt.
  std::vector<backend_kind> found;
  std::thread([&found] {
    for (backend_entry const& e : detail::backend_table()) {
      if (!e.make) continue;
      try {
        loop probe(loop_options{e.kind});
        found.push_back(e.kind);
      } catch (std::system_error const&) {
      }
    }
  }).join();
  return found;
}

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
  std::exception_ptr last_failure;
  for (backend_entry const& e : detail::backend_table()) {
    if (!e.make) continue;
    try {
      backend_ = e.make(*this);
      kind_ = e.kind;
      return;
    } catch (std::system_error const& failure) {
      last_failure = std::current_exception();
      if (fallback_reason_.empty()) fallback_reason_ = failure.what();
    }
  }
  if (last_failure) std::rethrow_exception(last_failure);
  throw std::system_error(std::make_error_code(std::errc::not_supported), "no backend is built on this platform");
}

loop::~loop() = default;

bool loop::submit(detail::operation& op) {
  if (backend_->submit(op)) return true;
  ++stats_.operations_in_flight;
  return false;
}

bool loop::submit_signal(detail::operation& op) {
  if (backend_->submit_signal(op)) return true;
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
  detail::frames_kept_while_running frames;
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
