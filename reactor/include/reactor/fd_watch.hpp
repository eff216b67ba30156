// fd_watch: repeated readiness waits on a socket the reactor does not own
// (libcurl's, a resolver's), for code that drives a library through that
// library's own "tell me when fd X is readable" callbacks.
//
// reactor::poll() is a one-shot wait that only ends early when its
// coroutine is cancelled. A library like libcurl changes its mind from
// inside its own calls: it asks for POLLOUT, then for POLLIN, then closes
// the socket. An fd_watch owns the one wait in flight on its socket, so such
// a callback can interrupt() it without cancelling anyone: the wait then
// yields std::errc::operation_canceled and its coroutine re-arms with what
// the library wants now (or stops watching).
//
// On every backend the wait is the same one-shot readiness: epoll and
// kqueue wait on the fd, io_uring submits IORING_OP_POLL_ADD, IOCP issues
// IOCTL_AFD_POLL on its own \Device\Afd handle (the socket is never
// associated with the loop's port, so its owner keeps using it as before).
//
// Rules:
//  - One wait at a time per fd_watch, on the loop's thread; the fd_watch
//    must outlive its wait (keep it beside the state of the socket).
//  - The socket must stay open until the wait has ended (waiting() is
//    false): a handle closed under a pending poll may be reused at once by
//    another socket, and the kernel would be polling that one.
//  - Cancelling the awaiting coroutine ends the wait too, and it throws
//    cancelled_error, as every other operation does, once the backend has
//    let go of it.
#pragma once

#include <cerrno>
#include <coroutine>
#include <system_error>

#include "reactor/cancel.hpp"
#include "reactor/detail/native.hpp"
#include "reactor/detail/operation.hpp"
#include "reactor/error.hpp"
#include "reactor/loop.hpp"
#include "reactor/task.hpp"

namespace reactor {

class fd_watch {
 public:
  explicit fd_watch(native_handle fd) noexcept : fd_(fd) {}
  fd_watch(fd_watch const&) = delete;
  fd_watch& operator=(fd_watch const&) = delete;

  native_handle handle() const noexcept { return fd_; }
  // A wait is in flight (submitted, its completion not yet arrived).
  bool waiting() const noexcept { return waiting_; }
  // The mask of the wait in flight (POLLIN | POLLOUT ...); 0 if none.
  unsigned events() const noexcept { return waiting_ ? op_.poll_mask : 0; }

  class wait_awaitable;
  // Waits until the socket is ready for `events` (POLLIN / POLLOUT); yields
  // the ready mask (which may include POLLERR, POLLHUP), or an error:
  // operation_canceled after interrupt().
  wait_awaitable wait(unsigned events) noexcept;

  // The socket error the last wait's readiness came with, if the backend
  // had to take it off the socket to see it: kqueue on Linux, where
  // libkqueue reads SO_ERROR (which clears it) to report an error, so the
  // owner's next recv would read a plain end of stream instead of, say, a
  // reset. Empty on every other backend: there the socket still holds its
  // error for the owner's next syscall.
  std::error_code taken_error() const noexcept {
    if (waiting_ || op_.taken_error == 0) return {};
    return {op_.taken_error, std::system_category()};
  }

  // Ends the wait in flight early, if there is one (asking more than once is
  // harmless). Its completion still arrives through the loop.
  void interrupt() noexcept {
    if (!waiting_ || interrupt_sent_) return;
    interrupt_sent_ = true;
    loop_->cancel(op_);
  }

 private:
  native_handle fd_;
  loop* loop_ = nullptr;
  bool waiting_ = false;
  bool interrupt_sent_ = false;
  detail::operation op_;
};

class fd_watch::wait_awaitable final : public cancellable {
 public:
  wait_awaitable(fd_watch& w, unsigned events) noexcept : watch_(w), events_(events) {}

  bool await_ready() const noexcept { return false; }
  template <detail::reactor_promise P>
  bool await_suspend(std::coroutine_handle<P> h) {
    node_ = h.promise().node;
    if (node_->cancelled()) return false;  // await_resume throws
    fd_watch& w = watch_;
    w.op_ = detail::operation{};
    w.op_.code = detail::op_code::poll;
    w.op_.fd = w.fd_;
    w.op_.poll_mask = events_;
    w.op_.waiter = h;
    w.loop_ = &node_->owner();
    w.interrupt_sent_ = false;
    w.waiting_ = true;
    if (w.loop_->submit(w.op_)) {  // finished at once
      w.waiting_ = false;
      return false;
    }
    node_->set_pending(this);
    return true;
  }
  void request_cancel() noexcept override { watch_.interrupt(); }
  io_result<unsigned> await_resume() {
    node_->set_pending(nullptr);
    watch_.waiting_ = false;
    if (node_->cancelled()) throw cancelled_error();
    return io_result<unsigned>::from_syscall(watch_.op_.result);
  }

 private:
  fd_watch& watch_;
  unsigned events_;
  cancel_node* node_ = nullptr;
};

inline fd_watch::wait_awaitable fd_watch::wait(unsigned events) noexcept {
  return {*this, events};
}

}  // namespace reactor
