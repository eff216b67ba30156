// The kqueue backend (macOS, the BSDs; libkqueue on Linux): the readiness
// mechanism of readiness.hpp over kqueue, plus the signal waits of
// signal_kqueue.cpp.
//
// Choices, and why:
//  - Level-triggered filters (no EV_CLEAR), deleted as soon as nothing
//    waits in that direction (epoll.cpp's rule, but for its one-shot
//    polls), so a later close() of the fd (by us or by libcurl) leaves
//    nothing behind; a close() also drops the kernel's knotes, so a failed
//    EV_DELETE with ENOENT/EBADF is expected and ignored.
//  - The earliest timer is kevent's own timeout (a timespec, so deadlines
//    keep sub-millisecond precision); no EVFILT_TIMER per timer.
//  - post(): EVFILT_USER with EV_CLEAR, fired with NOTE_TRIGGER.
//  - Signals (submit_signal): see the comment above signal_waiters below.
//  - macOS has no accept4, SOCK_NONBLOCK or MSG_NOSIGNAL: accept is
//    followed by fcntl there, and a send to a closed peer relies on the
//    process ignoring SIGPIPE (or SO_NOSIGPIPE on the socket).
#include <fcntl.h>
#include <poll.h>
#include <sys/event.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bitset>
#include <cerrno>
#include <csignal>
#include <system_error>
#include <vector>

#include "backend/backend.hpp"
#include "backend/readiness.hpp"

namespace reactor::detail {
namespace {

using readiness::interest;
using readiness::op_queue;
using readiness::ready_event;

constexpr uintptr_t wake_ident = 0;  // EVFILT_USER's ident (its own namespace)

// Signal numbers go up to 128 on FreeBSD (_SIG_MAXSIG), 64 on Linux, 31 on
// macOS; NSIG is not that bound everywhere (FreeBSD's is 32).
constexpr int max_signal = 128;
using signal_bits = std::bitset<max_signal + 1>;

bool in_set(sigset_t const& set, int s) {
  return sigismember(&set, s) == 1;
}

// Consumes one pending instance of blocked signal s, if there is one, without
// blocking. Returns whether it took one.
bool take_pending_signal(int s) {
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, s);
#if defined(__APPLE__)
  // macOS has no sigtimedwait. sigwait returns at once for a pending signal;
  // nothing else in the process takes blocked signals unless the
  // application calls sigwait itself.
  sigset_t pending;
  if (sigpending(&pending) < 0 || !in_set(pending, s)) return false;
  int got = 0;
  return ::sigwait(&one, &got) == 0;
#else
  // With a zero timeout: libkqueue's signal thread may read the same signal
  // from its signalfd between a sigpending() and this call.
  timespec const no_wait{};
  return ::sigtimedwait(&one, nullptr, &no_wait) == s;
#endif
}

class kqueue_poller {
 public:
  struct registration {
    bool reading = false;  // EVFILT_READ is in the kqueue
    bool writing = false;  // EVFILT_WRITE is in the kqueue
  };
  static constexpr char const* wait_call = "kevent";

  explicit kqueue_poller(loop& owner) : loop_(owner) {
    kq_ = ::kqueue();
    if (kq_ < 0) throw std::system_error(errno, std::system_category(), "kqueue");
    ::fcntl(kq_, F_SETFD, FD_CLOEXEC);
    struct kevent wake_filter;
    EV_SET(&wake_filter, wake_ident, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, nullptr);
    if (::kevent(kq_, &wake_filter, 1, nullptr, 0, nullptr) < 0) {
      int e = errno;
      ::close(kq_);
      throw std::system_error(e, std::system_category(), "kevent(EVFILT_USER)");
    }
    events_.resize(256);
  }
  kqueue_poller(kqueue_poller const&) = delete;

  ~kqueue_poller() { ::close(kq_); }

  int set_interest(int fd, registration& st, interest want) {
    bool want_read = want.read || (want.poll_mask & POLLIN);
    bool want_write = want.write || (want.poll_mask & POLLOUT);
    int error = 0;
    if (want_read != st.reading) {
      // A delete after close() finds nothing (the kernel dropped it): fine.
      if (want_read)
        error = change(fd, EVFILT_READ, EV_ADD);
      else
        change(fd, EVFILT_READ, EV_DELETE);
      st.reading = want_read && !error;
    }
    if (!error && want_write != st.writing) {
      if (want_write)
        error = change(fd, EVFILT_WRITE, EV_ADD);
      else
        change(fd, EVFILT_WRITE, EV_DELETE);
      st.writing = want_write && !error;
    }
    return error;
  }

  void forget(int fd, registration& st) {
    if (st.reading) change(fd, EVFILT_READ, EV_DELETE);
    if (st.writing) change(fd, EVFILT_WRITE, EV_DELETE);
    st = {};
  }

  template <class OnReady>
  int wait(timespec const* timeout, OnReady on_ready) {
    int n = ::kevent(kq_, nullptr, 0, events_.data(), static_cast<int>(events_.size()), timeout);
    if (n < 0) return -errno;
    for (int i = 0; i < n; ++i) {
      struct kevent const& ev = events_[i];
      if (ev.filter == EVFILT_USER) continue;  // post() only wanted us awake
      if (ev.filter == EVFILT_SIGNAL) {
        on_signal(static_cast<int>(ev.ident));
        continue;
      }
      ready_event ready{.fd = static_cast<int>(ev.ident)};
      if (ev.filter == EVFILT_READ) {
        ready.readable = true;
        ready.poll_mask = POLLIN;
      } else if (ev.filter == EVFILT_WRITE) {
        ready.writable = true;
        ready.poll_mask = POLLOUT;
      }
#if defined(__linux__)
      // A socket error: EV_EOF with the errno in fflags. libkqueue (2.7, the
      // kqueue on Linux) fills fflags by reading SO_ERROR, which clears it,
      // so no syscall returns it any more: a failed connect's getsockopt
      // would read 0, and a recv waiting when the peer resets would read a
      // plain end of stream. The error goes to the first waiting operation
      // instead. Native kqueue copies so_error and leaves it on the socket.
      if (ev.flags & EV_EOF) ready.taken_error = static_cast<int>(ev.fflags);
#endif
      if (ev.flags & EV_EOF) ready.poll_mask |= POLLHUP;
      // For poll operations a socket error is POLLERR, as poll() says (a
      // ping socket's ICMP error, for one: its error queue is read then).
      if ((ev.flags & EV_EOF) && ev.fflags) ready.poll_mask |= POLLERR;
      if (ev.flags & EV_ERROR) ready.poll_mask |= POLLERR;
      on_ready(ready);
    }
    return n;
  }

  void wake() {
    struct kevent trigger;
    EV_SET(&trigger, wake_ident, EVFILT_USER, 0, NOTE_TRIGGER, 0, nullptr);
    ::kevent(kq_, &trigger, 1, nullptr, 0, nullptr);
  }

  // Signals. The signal_source keeps its signals blocked, so from its
  // construction on each one stays pending in the kernel until taken: the
  // kernel is the record, as for a signalfd, and nothing is lost before
  // the first next() or between two. EVFILT_SIGNAL is only the wake-up:
  // kqueue(2) records "all attempts to deliver a signal", blocked ones
  // included, but only for filters that exist at the time, and taking the
  // event does not consume the signal, so the backend takes it
  // (take_pending_signal) before completing an op.
  //
  // A filter is in the kqueue only while an op waits for its signal (the
  // interest rule of the fds; deleting a filter drops its queued event).
  // On submit, pending signals are checked before the filters are added
  // and again after, so one arriving in between is seen either way.
  //
  // libkqueue (the only kqueue on Linux) differs: a thread of its own reads
  // the signals from a signalfd as soon as a filter exists, so the event is
  // the only record left, and a signal already pending when the filter is
  // added is read and dropped (libkqueue 2.7). The pending check before the
  // filters are added covers the usual case; a signal that lands between
  // that check and the addition can be lost there, which native kqueue
  // does not do.
  bool submit_signal(operation& op) {
    sigset_t const& set = *static_cast<sigset_t const*>(op.buf);
    if (int s = take_signal(set)) {
      op.result = s;
      return true;
    }
    signal_waiters_.push(op);
    int error = update_signal_interest();
    signal_waiters_.unlink(op);
    int s = error ? 0 : take_signal(set);
    if (error || s) {  // error: EINVAL, not a signal number
      update_signal_interest();
      op.result = error ? -error : s;
      return true;
    }
    signal_waiters_.push(op);
    return false;
  }

  bool cancel_signal(operation& op) {
    if (!signal_waiters_.contains(op)) return false;  // an fd's, or completed
    signal_waiters_.unlink(op);
    update_signal_interest();
    loop_.complete(op, -ECANCELED);
    return true;
  }

 private:
  // A signal of `set` pending in the kernel: returns its number (consumed),
  // or 0.
  static int take_signal(sigset_t const& set) {
    sigset_t pending;
    if (sigpending(&pending) < 0) return 0;
    for (int s = 1; s <= max_signal; ++s)
      if (in_set(set, s) && in_set(pending, s) && take_pending_signal(s)) return s;
    return 0;
  }

  void on_signal(int s) {
    if (s <= 0 || s > max_signal) return;
    operation* waiter = signal_waiters_.head;
    while (waiter && !in_set(*static_cast<sigset_t const*>(waiter->buf), s)) waiter = waiter->next;
    // No waiter: the filter was on its way out; the signal stays pending.
    if (!waiter) return;
#if !defined(__linux__)
    // Native kqueue: the signal is still pending; if it is not, a submit
    // took it already (the event was queued before its filter went away).
    if (!take_pending_signal(s)) return;
#endif
    signal_waiters_.unlink(*waiter);
    loop_.complete(*waiter, s);
    update_signal_interest();
  }

  // Adds the EVFILT_SIGNAL filters the waiting ops need; deletes the rest.
  // Returns 0, or the errno of an addition that failed.
  int update_signal_interest() {
    int error = 0;
    signal_bits wanted;
    for (operation* op = signal_waiters_.head; op; op = op->next)
      for (int s = 1; s <= max_signal; ++s)
        if (in_set(*static_cast<sigset_t const*>(op->buf), s)) wanted[s] = true;
    for (int s = 1; s <= max_signal; ++s) {
      if (wanted[s] == signal_filters_[s]) continue;
      struct kevent ev;
      EV_SET(&ev, static_cast<uintptr_t>(s), EVFILT_SIGNAL, wanted[s] ? EV_ADD : EV_DELETE, 0, 0, nullptr);
      if (::kevent(kq_, &ev, 1, nullptr, 0, nullptr) == 0 || !wanted[s])
        signal_filters_[s] = wanted[s];
      else
        error = errno;
    }
    return error;
  }

  // Adds or deletes one filter; returns 0 or errno.
  int change(int fd, short filter, unsigned short action) {
    struct kevent ev;
    EV_SET(&ev, static_cast<uintptr_t>(fd), filter, action, 0, 0, nullptr);
    return ::kevent(kq_, &ev, 1, nullptr, 0, nullptr) < 0 ? errno : 0;
  }

  loop& loop_;
  int kq_ = -1;
  std::vector<struct kevent> events_;
  op_queue signal_waiters_;     // submit_signal's operations, in FIFO order
  signal_bits signal_filters_;  // the EVFILT_SIGNAL filters in the kqueue
};

}  // namespace

std::unique_ptr<backend> make_kqueue_backend(loop& owner) {
  return std::make_unique<readiness::backend_for<kqueue_poller>>(owner);
}

}  // namespace reactor::detail
