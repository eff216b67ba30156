// signal_source: receive POSIX signals as awaitable values, in the loop,
// never in a handler. Constructing one blocks the signals for the calling
// thread (create it before starting other threads so they inherit the
// mask); destroying it restores the previous mask.
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
  int fd_ = -1;
  sigset_t previous_mask_{};
};

}  // namespace reactor
