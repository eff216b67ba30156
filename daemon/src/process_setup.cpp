#include "process_setup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <initializer_list>

namespace reactord {

void make_standard_fds_safe() noexcept {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    // The lowest free number: `fd` itself, as the lower ones are open.
    int opened = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (opened >= 0 && opened != fd) ::close(opened);  // cannot happen; do no harm
  }
}

void block_signals_for_life() noexcept {
  sigset_t all;
  ::sigfillset(&all);
  for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS, SIGQUIT}) ::sigdelset(&all, fault);
  // Job control keeps working in a terminal.
  for (int stop : {SIGTSTP, SIGTTIN, SIGTTOU, SIGCONT}) ::sigdelset(&all, stop);
  ::pthread_sigmask(SIG_BLOCK, &all, nullptr);
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  ::sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGPIPE, &ignore, nullptr);
}

}  // namespace reactord
