// What the readiness backends (epoll, kqueue) share: the per-fd FIFO of
// waiting operations, and the non-blocking syscall each operation performs
// once its fd is ready. Included by those two backend files only.
#pragma once

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "reactor/detail/operation.hpp"

namespace reactor::detail::readiness {

#if defined(MSG_NOSIGNAL)
constexpr int no_sigpipe = MSG_NOSIGNAL;
#else
constexpr int no_sigpipe = 0;
#endif

// A FIFO of waiting operations, linked through operation::next/prev.
struct op_queue {
  operation* head = nullptr;
  operation* tail = nullptr;
  bool empty() const { return !head; }
  void push(operation& op) {
    op.next = nullptr;
    op.prev = tail;
    (tail ? tail->next : head) = &op;
    tail = &op;
  }
  bool contains(operation& op) const {
    for (operation* o = head; o; o = o->next)
      if (o == &op) return true;
    return false;
  }
  void unlink(operation& op) {
    (op.prev ? op.prev->next : head) = op.next;
    (op.next ? op.next->prev : tail) = op.prev;
    op.next = op.prev = nullptr;
  }
};

inline bool is_writer(op_code c) {
  return c == op_code::send || c == op_code::sendmsg || c == op_code::connect ||
         c == op_code::write;
}

inline int accept_non_blocking(operation& op) {
  socklen_t* len = op.addr ? &op.addrlen : nullptr;
#if defined(SOCK_NONBLOCK)
  return ::accept4(op.fd, op.addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
  int fd = ::accept(op.fd, op.addr, len);
  if (fd >= 0) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  return fd;
#endif
}

// Performs the operation's syscall; returns the result or -errno.
inline int attempt(operation& op) {
  ssize_t r = 0;
  switch (op.code) {
    case op_code::recv: r = ::recv(op.fd, op.buf, op.len, op.flags | MSG_DONTWAIT); break;
    case op_code::send:
      r = ::send(op.fd, op.buf, op.len, op.flags | MSG_DONTWAIT | no_sigpipe);
      break;
    case op_code::recvmsg: r = ::recvmsg(op.fd, op.msg, op.flags | MSG_DONTWAIT); break;
    case op_code::sendmsg:
      r = ::sendmsg(op.fd, op.msg, op.flags | MSG_DONTWAIT | no_sigpipe);
      break;
    case op_code::accept:
      op.addrlen = sizeof(sockaddr_storage);
      r = accept_non_blocking(op);
      break;
    case op_code::read: r = ::read(op.fd, op.buf, op.len); break;
    case op_code::write: r = ::write(op.fd, op.buf, op.len); break;
    case op_code::connect: {
      // Only reached once the fd is writable after EINPROGRESS.
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(op.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return -errno;
      return err ? -err : 0;
    }
    case op_code::poll:
    case op_code::cancel_fd:
    case op_code::signal:  // kqueue's own op, handled by its submit
      return -EINVAL;      // never attempted; see the backends' submit and on_ready
  }
  return r < 0 ? -errno : static_cast<int>(r);
}

inline bool would_block(int res) { return res == -EAGAIN || res == -EWOULDBLOCK; }

// The operations waiting on one fd, by direction. A backend derives its
// fd_state from this and adds what it keeps in the kernel for the fd.
struct fd_queues {
  op_queue readers;  // recv, recvmsg, accept, read
  op_queue writers;  // send, sendmsg, connect, write
  op_queue pollers;  // poll (foreign fds)

  // Tries the operation's syscall at once, unless others wait before it;
  // true if that finished it (op.result is set), else it is queued.
  bool start(operation& op) {
    if (op.code == op_code::poll) {
      pollers.push(op);
      return false;
    }
    op_queue& q = is_writer(op.code) ? writers : readers;
    if (q.empty()) {
      int res;
      if (op.code == op_code::connect) {
        res = ::connect(op.fd, op.addr, op.addrlen) < 0 ? -errno : 0;
        if (res == -EINPROGRESS) res = -EAGAIN;  // writable means done
      } else {
        res = attempt(op);
      }
      if (!would_block(res)) {
        op.result = res;
        return true;
      }
    }
    q.push(op);
    return false;
  }

  // Takes a queued operation out; false if it is not queued (it completed,
  // and its completion is on its way).
  bool remove(operation& op) {
    for (op_queue* q : {&readers, &writers, &pollers})
      if (q->contains(op)) {
        q->unlink(op);
        return true;
      }
    return false;
  }

  // Retries one direction's operations in order until one would block,
  // handing each finished one to `complete(op, result)`.
  template <class Complete>
  static void drain(op_queue& q, Complete complete) {
    while (!q.empty()) {
      operation& op = *q.head;
      int res = attempt(op);
      if (would_block(res)) break;
      q.unlink(op);
      complete(op, res);
    }
  }

  // Completes everything queued with `error`; returns how many there were,
  // or -ENOENT for none (as io_uring's cancel does).
  template <class Complete>
  int fail_all(int error, Complete complete) {
    int count = 0;
    for (op_queue* q : {&readers, &writers, &pollers})
      while (!q->empty()) {
        operation& op = *q->head;
        q->unlink(op);
        complete(op, error);
        ++count;
      }
    return count ? count : -ENOENT;
  }
};

}  // namespace reactor::detail::readiness
