// The epoll backend (Linux): the readiness mechanism of readiness.hpp over
// epoll, for kernels or sandboxes without io_uring. Level-triggered
// interest, one epoll entry per fd with what its waiting operations need;
// epoll_pwait2 (5.11+) takes a timespec, so deadlines keep sub-millisecond
// precision. post() writes an eventfd that is always in the set.
//
// Foreign-fd polls (fd_watch: libcurl's sockets) are one-shot entries
// (EPOLLONESHOT): the kernel disarms the entry as it reports it, so an fd
// whose poll completed needs no EPOLL_CTL_DEL, and its next poll is one
// EPOLL_CTL_MOD. The entry is left in the set when nothing waits: disarmed
// if it fired, or armed once if its poll was interrupted (it reports at
// most once more, to a poll queue that may be empty); the fd's close()
// removes it. Nothing tells us of that close, so the first poll of the
// next socket with that number tries MOD, gets ENOENT and ADDs. A fetch's
// socket waits for POLLOUT (the connect), then POLLIN (the reply): 3
// epoll_ctl calls where a level-triggered entry took 4 (ADD, DEL, ADD,
// DEL), of a fetch's ~20 syscalls on this backend. Only a file still open
// elsewhere (a dup) could keep such an entry after the close, and it too
// reports at most once: a spurious readiness, which the poll's owner
// (curl) retries through as it would a spurious wake-up of its own.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

#include "backend/backend.hpp"
#include "backend/readiness.hpp"

namespace reactor::detail {
namespace {

using readiness::interest;
using readiness::ready_event;

class epoll_poller {
 public:
  using registration = std::uint32_t;  // the events in the epoll set
  static constexpr char const* wait_call = "epoll_pwait2";

  explicit epoll_poller(loop&) {
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
  epoll_poller(epoll_poller const&) = delete;

  ~epoll_poller() {
    ::close(wake_fd_);
    ::close(epfd_);
  }

  int set_interest(int fd, registration& registered, interest want) {
    std::uint32_t events = want.poll_mask;
    if (want.read) events |= EPOLLIN | EPOLLRDHUP;
    if (want.write) events |= EPOLLOUT;
    // Polls alone: a one-shot entry (see the top of the file). It may have
    // fired since it was set, so it is set again even for the same mask.
    bool one_shot = events && !want.read && !want.write;
    if (one_shot)
      events |= EPOLLONESHOT;
    else if (events == registered)
      return 0;
    if (!events && (registered & EPOLLONESHOT)) return 0;  // left disarmed, or to fire once
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    int rc;
    if (!events)
      rc = ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
    else
      rc = ::epoll_ctl(epfd_, registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
    // The fd was closed and its number reused while registered: the kernel
    // dropped the old entry, so this is a fresh ADD.
    if (rc < 0 && errno == ENOENT && events) rc = ::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev);
    if (rc < 0 && events) return errno;
    registered = events;
    return 0;
  }

  void forget(int fd, registration& registered) {
    if (registered) ::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
    registered = 0;
  }

  template <class OnReady>
  int wait(timespec const* timeout, OnReady on_ready) {
    int n = ::epoll_pwait2(epfd_, events_.data(), static_cast<int>(events_.size()), timeout, nullptr);
    if (n < 0) return -errno;
    for (int i = 0; i < n; ++i) {
      int fd = events_[i].data.fd;
      std::uint32_t events = events_[i].events;
      if (fd == wake_fd_) {
        std::uint64_t count;
        [[maybe_unused]] auto r = ::read(wake_fd_, &count, sizeof count);
        continue;
      }
      bool failed = events & (EPOLLERR | EPOLLHUP);
      // EPOLLIN, EPOLLOUT, EPOLLERR and EPOLLHUP are poll(2)'s values.
      on_ready(ready_event{.fd = fd,
                           .readable = (events & (EPOLLIN | EPOLLRDHUP)) || failed,
                           .writable = (events & EPOLLOUT) || failed,
                           .poll_mask = events});
    }
    return n;
  }

  void wake() {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }

 private:
  int epfd_ = -1;
  int wake_fd_ = -1;
  std::vector<epoll_event> events_;
};

}  // namespace

std::unique_ptr<backend> make_epoll_backend(loop& owner) {
  return std::make_unique<readiness::backend_for<epoll_poller>>(owner);
}

}  // namespace reactor::detail
