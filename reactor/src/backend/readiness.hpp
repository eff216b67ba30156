// The readiness mechanism, written once for every poller (epoll.cpp,
// kqueue.cpp): an operation first tries its syscall at once (the reactor's
// sockets are non-blocking); if that would block, it joins its fd's queue
// for its direction and the fd's interest in the poller is widened. When the
// poller reports the fd ready, the queued operations retry in FIFO order
// until one would block again; foreign-fd polls complete with the ready
// mask. An fd whose queues become empty leaves the poller at once, so a
// later close() of it (by us or by libcurl) never leaves a stale entry
// (epoll's foreign-fd polls excepted: one-shot entries, disarmed by the
// kernel as they fire, which a close removes; epoll.cpp).
//
// Cancellation is immediate (no kernel work is in flight between readiness
// and the syscall), but still completes through the loop's ready queue like
// every other completion.
//
// A poller is the part that differs (see backend_for below for what it
// provides): how interest is registered, how a wait reports events, and
// how another thread wakes it.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <ctime>
#include <memory>
#include <system_error>
#include <utility>
#include <vector>

#include "backend/backend.hpp"
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
  return c == op_code::send || c == op_code::sendmsg || c == op_code::connect || c == op_code::write;
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
    case op_code::send: r = ::send(op.fd, op.buf, op.len, op.flags | MSG_DONTWAIT | no_sigpipe); break;
    case op_code::recvmsg: r = ::recvmsg(op.fd, op.msg, op.flags | MSG_DONTWAIT); break;
    case op_code::sendmsg: r = ::sendmsg(op.fd, op.msg, op.flags | MSG_DONTWAIT | no_sigpipe); break;
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
    case op_code::cancel_fd: return -EINVAL;  // never attempted; see backend_for::submit and on_ready
  }
  return r < 0 ? -errno : static_cast<int>(r);
}

inline bool would_block(int res) {
  return res == -EAGAIN || res == -EWOULDBLOCK;
}

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
  static void retry(op_queue& q, Complete complete) {
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

// One fd's readiness as a poller reports it.
struct ready_event {
  int fd = -1;
  bool readable = false;        // retry the fd's readers
  bool writable = false;        // retry the fd's writers
  std::uint32_t poll_mask = 0;  // POLLIN, POLLOUT, POLLERR, POLLHUP ... for poll operations
  // A socket error that came with the event (kqueue: EV_EOF, the error in
  // fflags) and that the socket no longer holds, so no syscall would
  // return it: a failed connect (libkqueue reads SO_ERROR to fill fflags,
  // which clears it), or on libkqueue any error. The fd's first waiting
  // operation fails with it, as its syscall would have; 0 if none.
  int taken_error = 0;
};

// What the operations waiting on one fd need from the poller.
struct interest {
  bool read = false;            // readers wait
  bool write = false;           // writers wait
  std::uint32_t poll_mask = 0;  // what the polls wait for, together
};

// A readiness backend over `Poller`, which provides:
//
//   explicit Poller(loop&)           opens the kernel object; throws
//                                    std::system_error if it cannot
//   typename Poller::registration    what is in the kernel for one fd;
//                                    value-initialised means nothing
//   int set_interest(int fd, registration&, interest)
//                                    makes the kernel watch for `interest`
//                                    (nothing: remove the fd); 0 or errno
//   void forget(int fd, registration&)   removes the fd, errors ignored
//   int wait(timespec const*, on_ready)  one kernel wait (null: no limit);
//                                    calls on_ready(ready_event) per fd;
//                                    returns >= 0, or -errno
//   static constexpr char const* wait_call   its name, for errors
//   void wake()                      thread-safe wake-up of wait()
//
// and optionally bool submit_signal(operation&) and bool
// cancel_signal(operation&) (true if op was its signal wait), for the
// backend's submit_signal.
template <class Poller>
class backend_for final : public backend {
 public:
  explicit backend_for(loop& owner) : loop_(owner), poller_(owner) {}

  bool submit(operation& op) override {
    fd_state& st = state_of(op.fd);
    if (op.code == op_code::cancel_fd) {
      op.result = fail_all(op.fd, st, -ECANCELED);
      return true;
    }
    if (st.queues.start(op)) return true;
    update_interest(op.fd, st);
    return false;
  }

  bool submit_signal(operation& op) override {
    if constexpr (requires { poller_.submit_signal(op); })
      return poller_.submit_signal(op);
    else
      return backend::submit_signal(op);
  }

  void cancel(operation& op) override {
    if constexpr (requires { poller_.cancel_signal(op); })
      if (poller_.cancel_signal(op)) return;
    if (op.fd < 0 || static_cast<std::size_t>(op.fd) >= fds_.size()) return;
    fd_state& st = fds_[op.fd];
    if (!st.queues.remove(op)) return;  // completed; its completion is on its way
    update_interest(op.fd, st);
    loop_.complete(op, -ECANCELED);
  }

  bool wait(deadline until) override {
    deadline now = clock::now();
    bool blocking = until > now;
    timespec ts{};
    int rc = poller_.wait(wait_timeout(until, now, ts), [this](ready_event const& e) { on_ready(e); });
    if (rc < 0 && rc != -EINTR) throw std::system_error(-rc, std::system_category(), Poller::wait_call);
    return blocking;
  }

  void wake() override { poller_.wake(); }

 private:
  struct fd_state {
    fd_queues queues;
    typename Poller::registration registered{};
  };

  fd_state& state_of(int fd) {
    if (static_cast<std::size_t>(fd) >= fds_.size()) fds_.resize(fd + 64);
    return fds_[fd];
  }

  void complete(operation& op, int result) { loop_.complete(op, result); }

  void retry(op_queue& q) {
    fd_queues::retry(q, [this](operation& op, int res) { complete(op, res); });
  }

  void on_ready(ready_event const& e) {
    if (e.fd < 0 || static_cast<std::size_t>(e.fd) >= fds_.size()) return;
    fd_state& st = fds_[e.fd];
    fd_queues& q = st.queues;
    int taken_error = e.taken_error;
    if (taken_error) {
      // A connect first: the error is its verdict. Else the first reader
      // (a recv after a reset), else the first writer.
      bool connecting = !q.writers.empty() && q.writers.head->code == op_code::connect;
      op_queue* first = connecting || q.readers.empty() ? &q.writers : &q.readers;
      if (!first->empty()) {
        operation& op = *first->head;
        first->unlink(op);
        complete(op, -std::exchange(taken_error, 0));
      }
    }
    if (e.readable) retry(q.readers);
    if (e.writable) retry(q.writers);
    for (operation* op = q.pollers.head; op;) {
      operation* next = op->next;
      std::uint32_t hit = e.poll_mask & (op->poll_mask | POLLERR | POLLHUP);
      if (hit) {
        q.pollers.unlink(*op);
        // No operation of ours took the error: the fd's owner gets it with
        // the readiness (fd_watch::taken_error), as its recv would have.
        op->taken_error = taken_error;
        complete(*op, static_cast<int>(hit));
      }
      op = next;
    }
    update_interest(e.fd, st);
  }

  void update_interest(int fd, fd_state& st) {
    interest want{!st.queues.readers.empty(), !st.queues.writers.empty(), 0};
    for (operation* op = st.queues.pollers.head; op; op = op->next) want.poll_mask |= op->poll_mask;
    // The fd is not pollable or was closed under us: fail everything
    // waiting on it rather than wait forever.
    if (int error = poller_.set_interest(fd, st.registered, want)) fail_all(fd, st, -error);
  }

  // Completes every operation queued on fd with `error` and forgets the fd.
  // Returns how many there were (or -ENOENT for none, as io_uring does).
  int fail_all(int fd, fd_state& st, int error) {
    int count = st.queues.fail_all(error, [this](operation& op, int res) { complete(op, res); });
    poller_.forget(fd, st.registered);
    return count;
  }

  loop& loop_;
  Poller poller_;
  std::vector<fd_state> fds_;
};

}  // namespace reactor::detail::readiness
