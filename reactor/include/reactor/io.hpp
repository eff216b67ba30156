// Awaitable I/O operations on file descriptors, the same on every backend.
//
// Each awaitable carries its detail::operation in the awaiting coroutine's
// frame. On cancel it asks the backend to stop the operation and then waits
// for the operation's own completion before resuming the coroutine with
// cancelled_error: the kernel has let go of the buffer by then.
//
// Results are io_result values (errors are values on this path); only
// cancellation is an exception.
#pragma once

#include <cerrno>
#include <coroutine>
#include <cstddef>
#include <span>

#include "reactor/cancel.hpp"
#include "reactor/detail/native.hpp"
#include "reactor/error.hpp"
#include "reactor/loop.hpp"
#include "reactor/task.hpp"

namespace reactor {

namespace detail {

// The shared part of every I/O awaitable: submit, register for
// cancellation, resume only on the operation's own completion.
class io_awaitable_base : public cancellable {
 public:
  io_awaitable_base() = default;
  io_awaitable_base(io_awaitable_base const&) = delete;

  bool await_ready() const noexcept { return false; }
  template <reactor_promise P>
  bool await_suspend(std::coroutine_handle<P> h) {
    return start(h);
  }
  void request_cancel() noexcept override { node_->owner().cancel(op_); }

 protected:
  // Suspends `h` on op_, handed to the backend by `Submit` (loop::submit,
  // or loop::submit_signal); false if it finished at once or was cancelled.
  template <bool (loop::*Submit)(operation&) = &loop::submit, reactor_promise P>
  bool start(std::coroutine_handle<P> h) {
    node_ = h.promise().node;
    if (node_->cancelled()) {
      op_.result = -ECANCELED;
      return false;
    }
    op_.waiter = h;
    if ((node_->owner().*Submit)(op_)) return false;  // finished at once
    node_->set_pending(this);
    return true;
  }

  // The raw result (>= 0, or -errno). Throws cancelled_error if the chain
  // was cancelled, whatever the kernel reported.
  int finish() {
    node_->set_pending(nullptr);
    if (node_->cancelled()) throw cancelled_error();
    return op_.result;
  }
  operation op_;
  cancel_node* node_ = nullptr;
};

template <class T>
class io_awaitable : public io_awaitable_base {
 public:
  io_result<T> await_resume() { return io_result<T>::from_syscall(finish()); }
};

}  // namespace detail

// The number of bytes moved, or an error.
class transfer_awaitable final : public detail::io_awaitable<std::size_t> {
 public:
  transfer_awaitable(detail::op_code code, native_handle fd, void* buf, std::size_t len, int flags) {
    op_.code = code;
    op_.fd = fd;
    op_.buf = buf;
    op_.len = len;
    op_.flags = flags;
  }
  transfer_awaitable(detail::op_code code, native_handle fd, message_header& msg, int flags) {
    op_.code = code;
    op_.fd = fd;
    op_.msg = &msg;
    op_.flags = flags;
  }
};

// Waits until a foreign fd (libcurl's, a resolver's) is ready for `events`
// (POLLIN / POLLOUT); one-shot. Yields the ready mask (may include POLLERR,
// POLLHUP).
class poll_awaitable final : public detail::io_awaitable<unsigned> {
 public:
  poll_awaitable(native_handle fd, unsigned events) {
    op_.code = detail::op_code::poll;
    op_.fd = fd;
    op_.poll_mask = events;
  }
};

inline transfer_awaitable read_some(native_handle fd, std::span<std::byte> buf) {
  return {detail::op_code::read, fd, buf.data(), buf.size(), 0};
}
inline transfer_awaitable write_some(native_handle fd, std::span<std::byte const> buf) {
  return {detail::op_code::write, fd, const_cast<std::byte*>(buf.data()), buf.size(), 0};
}
inline poll_awaitable poll(native_handle fd, unsigned events) {
  return {fd, events};
}

}  // namespace reactor
