#include "reactor/socket.hpp"

#if defined(_WIN32)
#include "backend/win32_error.hpp"
#else
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>
#endif

#include <cerrno>

namespace reactor {

namespace {

// The few calls that differ by platform; everything below them is shared.
#if defined(_WIN32)
int last_error() { return detail::errno_from_winsock(::WSAGetLastError()); }
void close_native(native_handle s) { ::closesocket(s); }

// Overlapped (for IOCP), not inherited by child processes, non-blocking (so
// a plain send/recv on it never stalls the loop's thread, as libuv does).
native_handle open_native(int family, int type, int protocol) {
  static bool const winsock_started = [] {
    WSADATA data;
    return ::WSAStartup(MAKEWORD(2, 2), &data) == 0;
  }();
  if (!winsock_started) {
    ::WSASetLastError(WSANOTINITIALISED);
    return INVALID_SOCKET;
  }
  SOCKET s = ::WSASocketW(family, type, protocol, nullptr, 0,
                          WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) return s;
  u_long non_blocking = 1;
  if (::ioctlsocket(s, FIONBIO, &non_blocking) != 0) {
    int e = ::WSAGetLastError();
    ::closesocket(s);
    ::WSASetLastError(e);
    return INVALID_SOCKET;
  }
  return s;
}
#else
int last_error() { return errno; }
void close_native(int fd) { ::close(fd); }

int open_native(int family, int type, int protocol) {
#if defined(SOCK_NONBLOCK)  // Linux, FreeBSD: one call, no window for a fork
  return ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
#else                       // macOS
  int fd = ::socket(family, type, protocol);
  if (fd < 0) return fd;
  if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
      ::fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
    int e = errno;
    ::close(fd);
    errno = e;
    return -1;
  }
  return fd;
#endif
}
#endif

[[noreturn]] void throw_errno(char const* what) {
  throw std::system_error(last_error(), errno_category(), what);
}

}  // namespace

socket& socket::operator=(socket&& o) noexcept {
  if (this != &o) {
    if (fd_ != invalid_handle) close_native(fd_);
    fd_ = o.release();
  }
  return *this;
}

socket::~socket() {
  if (fd_ != invalid_handle) close_native(fd_);
}

socket socket::open(int family, int type, int protocol) {
  native_handle fd = open_native(family, type, protocol);
  if (fd == invalid_handle) throw_errno("socket");
  return socket(fd);
}

socket socket::listen_tcp(socket_address const& at, int backlog) {
  socket s = open(at.family(), SOCK_STREAM);
  int one = 1;
  ::setsockopt(s.fd(), SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<char const*>(&one), sizeof one);
  if (::bind(s.fd(), at.data(), at.size()) < 0) throw_errno("bind");
  if (::listen(s.fd(), backlog) < 0) throw_errno("listen");
  return s;
}

socket_address socket::local_address() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) < 0) throw_errno("getsockname");
  return socket_address(reinterpret_cast<sockaddr*>(&ss), len);
}

void close_awaitable::close_now() noexcept {
  close_native(op_.fd);
  op_.fd = invalid_handle;
}

task<std::error_code> send_all(socket& s, std::span<std::byte const> buf) {
  while (!buf.empty()) {
    auto sent = co_await s.send(buf);
    if (!sent) co_return sent.error();
    buf = buf.subspan(*sent);
  }
  co_return std::error_code();
}

}  // namespace reactor
