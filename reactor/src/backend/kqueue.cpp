// The kqueue backend (macOS, the BSDs): a readiness backend with the shape
// of epoll.cpp. An operation first tries its syscall at once (non-blocking
// sockets); if that would block, it joins its fd's queue and the fd's read
// or write filter is added. When kevent reports the filter, the queued
// operations retry in FIFO order until one would block again.
//
// Choices, and why:
//  - Level-triggered filters (no EV_CLEAR), deleted as soon as nothing
//    waits in that direction: the same interest rule as epoll.cpp, so a
//    later close() of the fd (by us or by libcurl) leaves nothing behind; a
//    close() also drops the kernel's knotes, so a failed EV_DELETE with
//    ENOENT/EBADF is expected and ignored.
//  - The earliest timer is kevent's own timeout (a timespec, so deadlines
//    keep sub-millisecond precision); no EVFILT_TIMER per timer.
//  - post(): EVFILT_USER with EV_CLEAR, fired with NOTE_TRIGGER.
//  - Cancellation is immediate (nothing is in flight in the kernel between
//    readiness and the syscall), but still completes through the loop.
//  - Signals (op_code::signal, for signal_kqueue.cpp): see the comment
//    above signal_waiters below.
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

using namespace readiness;

constexpr uintptr_t wake_ident = 0;  // EVFILT_USER's ident (its own namespace)

struct fd_state : fd_queues {
  bool reading = false;  // EVFILT_READ is in the kqueue
  bool writing = false;  // EVFILT_WRITE is in the kqueue
};

// Signal numbers go up to 128 on FreeBSD (_SIG_MAXSIG), 64 on Linux, 31 on
// macOS; NSIG is not that bound everywhere (FreeBSD's is 32).
constexpr int max_signal = 128;
using signal_bits = std::bitset<max_signal + 1>;

bool in_set(sigset_t const& set, int s) { return sigismember(&set, s) == 1; }

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

class kqueue_backend final : public backend {
 public:
  explicit kqueue_backend(loop& owner) : loop_(owner) {
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

  ~kqueue_backend() override { ::close(kq_); }

  bool submit(operation& op) override {
    if (op.code == op_code::signal) return submit_signal(op);
    fd_state& st = state_of(op.fd);
    if (op.code == op_code::cancel_fd) {
      op.result = fail_all(op.fd, st, -ECANCELED);
      return true;
    }
    if (st.start(op)) return true;
    update_interest(op.fd, st);
    return false;
  }

  void cancel(operation& op) override {
    if (op.code == op_code::signal) {
      if (!signal_waiters_.contains(op)) return;  // completed; on its way
      signal_waiters_.unlink(op);
      update_signal_interest();
      loop_.complete(op, -ECANCELED);
      return;
    }
    if (op.fd < 0 || static_cast<std::size_t>(op.fd) >= fds_.size()) return;
    fd_state& st = fds_[op.fd];
    if (!st.remove(op)) return;  // completed; its completion is on its way
    update_interest(op.fd, st);
    loop_.complete(op, -ECANCELED);
  }

  bool wait(deadline until) override {
    deadline now = clock::now();
    bool blocking = until > now;
    timespec ts{};
    timespec* timeout = &ts;
    if (until == never) {
      timeout = nullptr;
    } else if (blocking) {
      long long ns = wait_nanoseconds(until, now);
      ts.tv_sec = ns / 1'000'000'000;
      ts.tv_nsec = ns % 1'000'000'000;
    }
    int n = ::kevent(kq_, nullptr, 0, events_.data(), static_cast<int>(events_.size()), timeout);
    if (n < 0) {
      if (errno == EINTR) return blocking;
      throw std::system_error(errno, std::system_category(), "kevent");
    }
    for (int i = 0; i < n; ++i) {
      struct kevent const& ev = events_[i];
      if (ev.filter == EVFILT_USER) continue;  // post() only wanted us awake
      if (ev.filter == EVFILT_SIGNAL) {
        on_signal(static_cast<int>(ev.ident));
        continue;
      }
      on_ready(static_cast<int>(ev.ident), ev.filter, ev.flags, ev.fflags);
    }
    return blocking;
  }

  void wake() override {
    struct kevent trigger;
    EV_SET(&trigger, wake_ident, EVFILT_USER, 0, NOTE_TRIGGER, 0, nullptr);
    ::kevent(kq_, &trigger, 1, nullptr, 0, nullptr);
  }

 private:
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
      EV_SET(&ev, static_cast<uintptr_t>(s), EVFILT_SIGNAL, wanted[s] ? EV_ADD : EV_DELETE, 0, 0,
             nullptr);
      if (::kevent(kq_, &ev, 1, nullptr, 0, nullptr) == 0 || !wanted[s])
        signal_filters_[s] = wanted[s];
      else
        error = errno;
    }
    return error;
  }

  fd_state& state_of(int fd) {
    if (static_cast<std::size_t>(fd) >= fds_.size()) fds_.resize(fd + 64);
    return fds_[fd];
  }

  void drain(op_queue& q) {
    fd_queues::drain(q, [this](operation& op, int res) { loop_.complete(op, res); });
  }


  void on_ready(int fd, short filter, unsigned short flags, unsigned fflags) {
    if (static_cast<std::size_t>(fd) >= fds_.size()) return;
    fd_state& st = fds_[fd];
    bool failed = flags & EV_ERROR;
    std::uint32_t ready = 0;
    if (filter == EVFILT_READ) {
      ready = POLLIN;
      drain(st.readers);
    } else if (filter == EVFILT_WRITE) {
      ready = POLLOUT;
      // A failed connect: EV_EOF with the socket error in fflags. libkqueue
      // (2.7, Linux) reads SO_ERROR itself to fill fflags, which clears it,
      // so the error must be taken from here, not from getsockopt.
      if ((flags & EV_EOF) && fflags && !st.writers.empty() &&
          st.writers.head->code == op_code::connect) {
        operation& op = *st.writers.head;
        st.writers.unlink(op);
        loop_.complete(op, -static_cast<int>(fflags));
      }
      drain(st.writers);
    }
    if (flags & EV_EOF) ready |= POLLHUP;
    if (failed) ready |= POLLERR;
    for (operation* op = st.pollers.head; op;) {
      operation* next = op->next;
      std::uint32_t hit = ready & (op->poll_mask | POLLERR | POLLHUP);
      if (hit) {
        st.pollers.unlink(*op);
        loop_.complete(*op, static_cast<int>(hit));
      }
      op = next;
    }
    update_interest(fd, st);
  }

  // Adds or deletes one filter; returns 0 or errno.
  int change(int fd, short filter, unsigned short action) {
    struct kevent ev;
    EV_SET(&ev, static_cast<uintptr_t>(fd), filter, action, 0, 0, nullptr);
    return ::kevent(kq_, &ev, 1, nullptr, 0, nullptr) < 0 ? errno : 0;
  }

  void update_interest(int fd, fd_state& st) {
    bool want_read = !st.readers.empty();
    bool want_write = !st.writers.empty();
    for (operation* op = st.pollers.head; op; op = op->next) {
      if (op->poll_mask & POLLIN) want_read = true;
      if (op->poll_mask & POLLOUT) want_write = true;
    }
    int error = 0;
    if (want_read != st.reading) {
      // A delete after close() finds nothing (the kernel dropped it): fine.
      if (want_read) error = change(fd, EVFILT_READ, EV_ADD);
      else change(fd, EVFILT_READ, EV_DELETE);
      st.reading = want_read && !error;
    }
    if (!error && want_write != st.writing) {
      if (want_write) error = change(fd, EVFILT_WRITE, EV_ADD);
      else change(fd, EVFILT_WRITE, EV_DELETE);
      st.writing = want_write && !error;
    }
    // The fd is not pollable or was closed under us: fail everything
    // waiting on it rather than wait forever.
    if (error) fail_all(fd, st, -error);
  }

  // Completes every operation queued on fd with `error` and forgets the fd.
  // Returns how many there were (or -ENOENT for none, as io_uring does).
  int fail_all(int fd, fd_state& st, int error) {
    int count = st.fail_all(error, [this](operation& op, int res) { loop_.complete(op, res); });
    if (st.reading) change(fd, EVFILT_READ, EV_DELETE);
    if (st.writing) change(fd, EVFILT_WRITE, EV_DELETE);
    st.reading = st.writing = false;
    return count;
  }

  loop& loop_;
  int kq_ = -1;
  std::vector<fd_state> fds_;
  std::vector<struct kevent> events_;
  op_queue signal_waiters_;     // op_code::signal, in FIFO order
  signal_bits signal_filters_;  // the EVFILT_SIGNAL filters in the kqueue
};

}  // namespace

std::unique_ptr<backend> make_kqueue_backend(loop& owner) {
  return std::make_unique<kqueue_backend>(owner);
}

}  // namespace reactor::detail
