// One kernel I/O operation, as handed to a backend.
//
// The operation lives in the awaiting coroutine's frame (inside the
// awaitable), so submitting one allocates nothing. A completion backend
// (io_uring, IOCP) submits it as is; a readiness backend (epoll, kqueue)
// waits until the fd is ready and then performs the syscall named by `code`
// itself. Either way the backend reports the outcome through
// loop::complete(), exactly once per submit, and the loop resumes `waiter`
// from its ready queue. (A signal wait, loop::submit_signal, is an
// operation too: kqueue reads its sigset_t from `buf`.)
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>

#include "reactor/detail/native.hpp"

namespace reactor::detail {

enum class op_code : std::uint8_t {
  recv,       // recv(fd, buf, len, flags)
  send,       // send(fd, buf, len, flags | MSG_NOSIGNAL)
  recvmsg,    // recvmsg(fd, msg, flags)
  sendmsg,    // sendmsg(fd, msg, flags | MSG_NOSIGNAL)
  connect,    // connect(fd, addr, addrlen)
  accept,     // accept4(fd, addr, &addrlen, SOCK_NONBLOCK | SOCK_CLOEXEC)
  read,       // read(fd, buf, len)
  write,      // write(fd, buf, len)
  poll,       // wait until fd is ready for poll_mask; result: the ready mask
  cancel_fd,  // cancel every operation pending on fd; result: how many, or -ENOENT
};

struct operation {
  op_code code{};
  native_handle fd = invalid_handle;
  void* buf = nullptr;
  std::size_t len = 0;
  int flags = 0;
  // A poll's: the socket error its readiness came with, when the poller had
  // to take it off the socket to report it (so no syscall returns it any
  // more); 0 if none. Only kqueue on Linux does (libkqueue reads SO_ERROR).
  // See fd_watch::taken_error().
  int taken_error = 0;
  message_header* msg = nullptr;
  sockaddr* addr = nullptr;
  socklen_t addrlen = 0;
  std::uint32_t poll_mask = 0;

  int result = 0;  // >= 0 on success, -errno on failure (-ECANCELED if cancelled)
  bool cancel_requested = false;
  std::coroutine_handle<> waiter;

  // Backend bookkeeping: the readiness backends' per-fd queues of waiting
  // operations, IOCP's list of requests in flight per socket.
  operation* next = nullptr;
  operation* prev = nullptr;
#if defined(_WIN32)
  // The IOCP backend's request: the kernel writes the status here, and the
  // completion packet hands this address back (see backend/iocp.cpp).
  OVERLAPPED overlapped{};
#endif
};

}  // namespace reactor::detail
