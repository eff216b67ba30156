// signal_source: receive POSIX signals as awaitable values, in the loop,
// never in a handler. Constructing one blocks the signals for the calling
// thread (create it before starting other threads so they inherit the
// mask); destroying it restores the previous mask.
//
// Linux reads the signals from a signalfd (signal_linux.cpp); kqueue platforms
// wait for them with EVFILT_SIGNAL in the loop's kqueue (signal_kqueue.cpp),
// so there next() needs a loop on the kqueue backend.
#pragma once

#include <signal.h>

#include <initializer_list>

#include "reactor/io.hpp"

namespace reactor {

class signal_source {
 public:
  explicit signal_source(std::initializer_list<int> signals);
  ~signal_source();
  signal_source(signal_source const&) = delete;
  signal_source& operator=(signal_source const&) = delete;

  // The number of the next signal delivered.
  task<io_result<int>> next();

 private:
  [[maybe_unused]] int fd_ = -1;  // Linux: the signalfd (unused on kqueue)
  sigset_t signals_{};             // the signals this source takes
  sigset_t previous_mask_{};
};

}  // namespace reactor
