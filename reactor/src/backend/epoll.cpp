// The epoll backend: a readiness backend, for kernels or sandboxes without
// io_uring. An operation first tries its syscall at once (non-blocking
// sockets); if that would block, it joins its fd's queue and the fd's epoll
// interest is widened. When epoll reports the fd ready, the queued
// operations retry in FIFO order until one would block again.
//
// Cancellation is immediate here (no kernel work is in flight between
// readiness and the syscall), but still completes through the loop's ready
// queue like every other completion.
//
// An fd whose queues become empty is removed from the epoll set at once, so
// a later close() of it (by us or by libcurl) never leaves a stale entry.
// epoll_pwait2 (5.11+) takes a timespec, so deadlines keep sub-millisecond
// precision.
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

#include "backend/backend.hpp"
#include "backend/readiness.hpp"

namespace reactor::detail {
namespace {

using namespace readiness;

struct fd_state : fd_queues {
  std::uint32_t registered = 0;  // events currently in the epoll set
};

class epoll_backend final : public backend {
 public:
  explicit epoll_backend(loop& owner) : loop_(owner) {
    epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) throw std::system_error(errno, std::system_category(), "epoll_create1");
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) {
      int e = errno;
      ::close(epfd_);
      throw std::system_error(e, std::system_category(), "eventfd");
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_fd_;
    ::epoll_ctl(epfd_, EPOLL_CTL_ADD, wake_fd_, &ev);
    events_.resize(256);
  }

  ~epoll_backend() override {
    ::close(wake_fd_);
    ::close(epfd_);
  }

  bool submit(operation& op) override {
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
    int n = ::epoll_pwait2(epfd_, events_.data(), static_cast<int>(events_.size()), timeout,
                           nullptr);
    if (n < 0) {
      if (errno == EINTR) return blocking;
      throw std::system_error(errno, std::system_category(), "epoll_pwait2");
    }
    for (int i = 0; i < n; ++i) {
      int fd = events_[i].data.fd;
      if (fd == wake_fd_) {
        std::uint64_t count;
        [[maybe_unused]] auto r = ::read(wake_fd_, &count, sizeof count);
        continue;
      }
      on_ready(fd, events_[i].events);
    }
    return blocking;
  }

  void wake() override {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }

 private:
  fd_state& state_of(int fd) {
    if (static_cast<std::size_t>(fd) >= fds_.size()) fds_.resize(fd + 64);
    return fds_[fd];
  }

  void drain(op_queue& q) {
    fd_queues::drain(q, [this](operation& op, int res) { loop_.complete(op, res); });
  }


  void on_ready(int fd, std::uint32_t events) {
    fd_state& st = fds_[fd];
    bool failed = events & (EPOLLERR | EPOLLHUP);
    if (events & (EPOLLIN | EPOLLRDHUP) || failed) drain(st.readers);
    if (events & EPOLLOUT || failed) drain(st.writers);
    for (operation* op = st.pollers.head; op;) {
      operation* next = op->next;
      std::uint32_t hit = events & (op->poll_mask | POLLERR | POLLHUP);
      if (hit) {
        st.pollers.unlink(*op);
        loop_.complete(*op, static_cast<int>(hit));
      }
      op = next;
    }
    update_interest(fd, st);
  }

  void update_interest(int fd, fd_state& st) {
    std::uint32_t want = 0;
    if (!st.readers.empty()) want |= EPOLLIN | EPOLLRDHUP;
    if (!st.writers.empty()) want |= EPOLLOUT;
    for (operation* op = st.pollers.head; op; op = op->next) want |= op->poll_mask;
    if (want == st.registered) return;
    epoll_event ev{};
    ev.events = want;
    ev.data.fd = fd;
    int rc;
    if (!want)
      rc = ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
    else
      rc = ::epoll_ctl(epfd_, st.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
    // The fd was closed and its number reused while registered: the kernel
    // dropped the old entry, so this is a fresh ADD.
    if (rc < 0 && errno == ENOENT && want) rc = ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
    if (rc < 0 && want) {
      // The fd is not pollable or was closed under us: fail everything
      // waiting on it rather than wait forever.
      fail_all(fd, st, -errno);
      return;
    }
    st.registered = want;
  }

  // Completes every operation queued on fd with `error` and forgets the fd.
  // Returns how many there were (or -ENOENT for none, as io_uring does).
  int fail_all(int fd, fd_state& st, int error) {
    int count = st.fail_all(error, [this](operation& op, int res) { loop_.complete(op, res); });
    if (st.registered) ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
    st.registered = 0;
    return count;
  }

  loop& loop_;
  int epfd_ = -1;
  int wake_fd_ = -1;
  std::vector<fd_state> fds_;
  std::vector<epoll_event> events_;
};

}  // namespace

std::unique_ptr<backend> make_epoll_backend(loop& owner) {
  return std::make_unique<epoll_backend>(owner);
}

}  // namespace reactor::detail
