// socket: an owned, non-blocking socket fd with awaitable operations.
//
// Rules: a socket is used by one loop; at most one receive-type and one
// send-type operation should be pending at a time (more are queued in
// order). Destroying a socket closes it synchronously, which is only safe
// with nothing pending; close() is the asynchronous form: it cancels what is
// pending on the fd, awaits the kernel's answer, and then closes. close() is
// shielded: it runs to its end even in a cancelled chain, so cleanup works.
#pragma once

#include <span>
#include <system_error>

#include "reactor/address.hpp"
#include "reactor/io.hpp"

namespace reactor {

class socket;

class connect_awaitable final : public detail::io_awaitable_base {
 public:
  connect_awaitable(native_handle fd, socket_address const& to) : to_(to) {
    op_.code = detail::op_code::connect;
    op_.fd = fd;
    op_.addr = to_.data();
    op_.addrlen = to_.size();
  }
  // Empty on success.
  [[nodiscard]] std::error_code await_resume() {
    int r = finish();
    return r < 0 ? std::error_code(-r, errno_category()) : std::error_code();
  }

 private:
  socket_address to_;
};

class accept_awaitable final : public detail::io_awaitable_base {
 public:
  explicit accept_awaitable(native_handle fd) {
    op_.code = detail::op_code::accept;
    op_.fd = fd;
    op_.addr = reinterpret_cast<sockaddr*>(&peer_);
  }
  io_result<socket> await_resume();  // io_result is [[nodiscard]]

 private:
  sockaddr_storage peer_{};
};

// Shielded: not cancellable, and runs in a cancelled chain too.
class close_awaitable final {
 public:
  explicit close_awaitable(native_handle fd) {
    op_.code = detail::op_code::cancel_fd;
    op_.fd = fd;
  }
  bool await_ready() const noexcept { return op_.fd == invalid_handle; }
  template <detail::reactor_promise P>
  bool await_suspend(std::coroutine_handle<P> h) {
    op_.waiter = h;
    if (h.promise().node->owner().submit(op_)) {
      close_now();
      return false;
    }
    return true;
  }
  void await_resume() { close_now(); }

 private:
  void close_now() noexcept;
  detail::operation op_;
};

class socket {
 public:
  socket() noexcept = default;
  explicit socket(native_handle fd) noexcept : fd_(fd) {}
  socket(socket&& o) noexcept : fd_(o.release()) {}
  socket& operator=(socket&& o) noexcept;
  ~socket();

  // A new non-blocking, close-on-exec socket. Throws std::system_error.
  static socket open(int family, int type, int protocol = 0);
  // A TCP listener bound to `at` (SO_REUSEADDR; port 0 picks a free port).
  static socket listen_tcp(socket_address const& at, int backlog = 511);

  native_handle fd() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ != invalid_handle; }
  native_handle release() noexcept {
    native_handle fd = fd_;
    fd_ = invalid_handle;
    return fd;
  }
  socket_address local_address() const;

  transfer_awaitable recv(std::span<std::byte> buf, int flags = 0) {
    return {detail::op_code::recv, fd_, buf.data(), buf.size(), flags};
  }
  transfer_awaitable send(std::span<std::byte const> buf, int flags = 0) {
    return {detail::op_code::send, fd_, const_cast<std::byte*>(buf.data()), buf.size(), flags};
  }
  transfer_awaitable recvmsg(message_header& msg, int flags = 0) { return {detail::op_code::recvmsg, fd_, msg, flags}; }
  transfer_awaitable sendmsg(message_header& msg, int flags = 0) { return {detail::op_code::sendmsg, fd_, msg, flags}; }
  connect_awaitable connect(socket_address const& to) { return {fd_, to}; }
  accept_awaitable accept() { return accept_awaitable(fd_); }
  poll_awaitable poll(unsigned events) { return {fd_, events}; }
  close_awaitable close() noexcept { return close_awaitable(release()); }

 private:
  native_handle fd_ = invalid_handle;
};

inline io_result<socket> accept_awaitable::await_resume() {
  int r = finish();
  if (r < 0) return std::error_code(-r, errno_category());
  // A Windows SOCKET is a kernel handle, an index into the process's handle
  // table (at most 2^24 entries), so it travels in the int result intact.
  return socket(static_cast<native_handle>(r));
}

// Sends all of `buf` (several sends if the kernel takes less). Returns the
// first error, or an empty error_code.
task<std::error_code> send_all(socket& s, std::span<std::byte const> buf);

}  // namespace reactor
