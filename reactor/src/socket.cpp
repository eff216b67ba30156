#include "reactor/socket.hpp"

#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>

namespace reactor {

namespace {
[[noreturn]] void throw_errno(char const* what) {
  throw std::system_error(errno, std::system_category(), what);
}
}  // namespace

socket& socket::operator=(socket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.release();
  }
  return *this;
}

socket::~socket() {
  if (fd_ >= 0) ::close(fd_);
}

socket socket::open(int family, int type, int protocol) {
  int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) throw_errno("socket");
  return socket(fd);
}

socket socket::listen_tcp(socket_address const& at, int backlog) {
  socket s = open(at.family(), SOCK_STREAM);
  int one = 1;
  ::setsockopt(s.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
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
  ::close(op_.fd);
  op_.fd = -1;
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
