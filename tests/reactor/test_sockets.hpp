// Socket helpers for tests that must run on every platform.
//
// connected_pair(): two connected, non-blocking stream sockets. POSIX has
// socketpair(AF_UNIX); Windows has none, so there it is a TCP pair over
// 127.0.0.1 made with plain blocking-style calls before any loop runs.
#pragma once

#include <cerrno>
#include <system_error>
#include <utility>

#include "reactor/socket.hpp"

#if !defined(_WIN32)
#include <sys/socket.h>
#endif

#if defined(_WIN32)
inline constexpr int shut_wr = SD_SEND;
#else
inline constexpr int shut_wr = SHUT_WR;
#endif

inline std::pair<reactor::socket, reactor::socket> connected_pair() {
#if defined(_WIN32)
  auto fail = [](char const* what) { return std::system_error(::WSAGetLastError(), std::system_category(), what); };
  reactor::socket listener = reactor::socket::listen_tcp(*reactor::socket_address::parse("127.0.0.1"), 1);
  reactor::socket_address at = listener.local_address();
  reactor::socket a = reactor::socket::open(AF_INET, SOCK_STREAM);
  if (::connect(a.fd(), at.data(), at.size()) != 0 && ::WSAGetLastError() != WSAEWOULDBLOCK) throw fail("connect");
  fd_set readable;
  FD_ZERO(&readable);
  FD_SET(listener.fd(), &readable);
  timeval five_seconds{5, 0};
  if (::select(0, &readable, nullptr, nullptr, &five_seconds) != 1) throw fail("select");
  SOCKET b = ::accept(listener.fd(), nullptr, nullptr);
  if (b == INVALID_SOCKET) throw fail("accept");
  u_long non_blocking = 1;
  ::ioctlsocket(b, FIONBIO, &non_blocking);
  return {std::move(a), reactor::socket(b)};
#else
  int fds[2];
#if defined(SOCK_NONBLOCK)
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
#else
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
#endif
    throw std::system_error(errno, std::system_category(), "socketpair");
  return {reactor::socket(fds[0]), reactor::socket(fds[1])};
#endif
}
