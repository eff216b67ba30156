// Linux: signals arrive through a signalfd read by the loop's backend.
#include "reactor/signal.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace reactor {

signal_source::signal_source(std::initializer_list<int> signals) {
  sigemptyset(&signals_);
  for (int s : signals) sigaddset(&signals_, s);
  if (int e = pthread_sigmask(SIG_BLOCK, &signals_, &previous_mask_))
    throw std::system_error(e, std::system_category(), "pthread_sigmask");
  fd_ = ::signalfd(-1, &signals_, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd_ < 0) {
    int e = errno;
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
    throw std::system_error(e, std::system_category(), "signalfd");
  }
}

signal_source::~signal_source() {
  ::close(fd_);
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

task<io_result<int>> signal_source::next() {
  signalfd_siginfo info{};
  auto n = co_await read_some(fd_, std::as_writable_bytes(std::span(&info, 1)));
  if (!n) co_return n.error();
  co_return static_cast<int>(info.ssi_signo);
}

}  // namespace reactor
