// signal_source: receive POSIX signals as awaitable values, in the loop,
// never in a handler. Constructing one blocks the signals for the calling
// thread (create it before starting other threads so they inherit the
// mask); destroying it restores the previous mask.
//
// Linux reads the signals from a signalfd (signal_linux.cpp); kqueue platforms
// wait for them with EVFILT_SIGNAL in the loop's kqueue (signal_kqueue.cpp),
// so there next() needs a loop on the kqueue backend.
//
// Windows has no POSIX signals (signal_windows.cpp): the console's Ctrl-C
// arrives as SIGINT and Ctrl-Break, closing the console, log-off and
// shut-down as SIGTERM, through a console control handler that runs on a
// thread of its own and posts to the loop. Other sources (a service's
// control handler) hand their events in with deliver(); SIGHUP and
// SIGUSR1, which Windows does not define, get POSIX's numbers for them.
#pragma once

#include <signal.h>

#include <initializer_list>
#include <memory>

#include "reactor/io.hpp"

// Windows defines neither; the daemon's reload and log-reopen requests use
// POSIX's numbers there, handed in through deliver().
#if defined(_WIN32) && !defined(SIGHUP)
#define SIGHUP 1
#endif
#if defined(_WIN32) && !defined(SIGUSR1)
#define SIGUSR1 10
#endif

namespace reactor {

// "HUP", "INT", "TERM" ... as sigabbrev_np(3), which only glibc has, names
// them; "unknown" for a signal not listed here.
inline char const* signal_name(int signo) noexcept {
  switch (signo) {
    case SIGHUP: return "HUP";
    case SIGINT: return "INT";
    case SIGTERM: return "TERM";
    case SIGUSR1: return "USR1";
#if !defined(_WIN32)
    case SIGQUIT: return "QUIT";
    case SIGUSR2: return "USR2";
    case SIGCHLD: return "CHLD";
#endif
    default: return "unknown";
  }
}

class signal_source {
 public:
  explicit signal_source(std::initializer_list<int> signals);
  ~signal_source();
  signal_source(signal_source const&) = delete;
  signal_source& operator=(signal_source const&) = delete;

  // The number of the next signal delivered.
  task<io_result<int>> next();

#if defined(_WIN32)
  // Thread-safe: hands `signo` to every signal_source that takes it, as if
  // the signal had arrived (a service control handler calls this).
  static void deliver(int signo);
  struct windows_state;  // signal_windows.cpp

 private:
  std::shared_ptr<windows_state> state_;
#else
 private:
  [[maybe_unused]] int fd_ = -1;  // Linux: the signalfd (unused on kqueue)
  sigset_t signals_{};            // the signals this source takes
  sigset_t previous_mask_{};
#endif
};

}  // namespace reactor
