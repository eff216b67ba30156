// What every platform shares; the calls that differ are in
// native_socket_posix.cpp and native_socket_windows.cpp.
#include "reactor/socket.hpp"

#include "native_socket.hpp"

namespace reactor {

namespace {

using detail::close_native;

[[noreturn]] void throw_errno(char const* what) {
  throw std::system_error(detail::last_socket_error(), errno_category(), what);
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
  native_handle fd = detail::open_native(family, type, protocol);
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
