// Sockets on POSIX systems (see native_socket.hpp).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "native_socket.hpp"

namespace reactor::detail {

int last_socket_error() {
  return errno;
}
void close_native(int fd) {
  ::close(fd);
}

int open_native(int family, int type, int protocol) {
#if defined(SOCK_NONBLOCK)  // Linux, FreeBSD: one call, no window for a fork
  return ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
#else  // macOS
  int fd = ::socket(family, type, protocol);
  if (fd < 0) return fd;
  if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 || ::fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
    int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  return fd;
#endif
}

}  // namespace reactor::detail
