// A blocking HTTP/1.1 client for 127.0.0.1, for tests and benchmarks that
// talk to a daemon or a test server from outside any loop. No GoogleTest,
// so bench/ uses it too. POSIX sockets (Windows tests have their own in
// tests/daemon/windows_daemon.hpp).
//
//   std::string answer = http_get(port, "/metrics");  // status line, headers, body
//   bool ok = answer.starts_with("HTTP/1.1 200");
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

// Sends `request` raw to 127.0.0.1:port and returns everything the server
// sent back before closing (or before 10 s). A failure to connect or to
// read is appended as "[connect errno N]" / "[recv errno N]", so a test's
// message shows it.
inline std::string http_exchange(std::uint16_t port, std::string const& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    if (!request.empty()) (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
    char buf[65536];
    // EINTR: a process that destroys io_uring loops (the tests' backend
    // probe) has blocking calls interrupted by the kernel's ring teardown;
    // see ~io_uring_backend in reactor/src/backend/io_uring.cpp.
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0 || (n < 0 && errno == EINTR))
      if (n > 0) out.append(buf, static_cast<std::size_t>(n));
    if (n < 0) out += "[recv errno " + std::to_string(errno) + "]";
  } else {
    out += "[connect errno " + std::to_string(errno) + "]";
  }
  ::close(fd);
  return out;
}

inline std::string http_get(std::uint16_t port, std::string const& path) {
  return http_exchange(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
}
