// Small misbehaving HTTP servers on 127.0.0.1, for the fetch tests.
//
//   hostile_server s(hostile_server::behaviour::hang);
//   fetch("http://127.0.0.1:" + std::to_string(s.port()) + "/");
//
// A plain-socket thread accepts; each connection gets its own thread that
// reads the request head and then misbehaves. Every wait is a poll() of at
// most 50 ms, so the destructor (which stops and joins all threads) is
// prompt whatever the client did.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

class hostile_server {
 public:
  enum class behaviour {
    reset,             // reads the request, then resets the connection (RST)
    hang,              // accepts and never answers
    huge_body_length,  // 200 with Content-Length: 10 GB, streams zeros
    huge_body_stream,  // 200 with no length (until close), streams 10 GB of zeros
    drip,              // 200, Content-Length 1000, one byte per second
    wrong_status,      // 503 Service Unavailable
    not_tls,           // answers a TLS ClientHello with plain text
    fixed_body,        // 200 with the body given to the constructor
  };
  static constexpr std::uint64_t ten_gb = 10ull * 1000 * 1000 * 1000;

  // A server that answers every request with 200 and `body` (a body made to
  // hurt the client's matching).
  explicit hostile_server(std::string body) : hostile_server(behaviour::fixed_body, std::move(body)) {}

  explicit hostile_server(behaviour b, std::string body = {}) : behaviour_(b), body_(std::move(body)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listener_, 64) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ::close(listener_);
      throw std::runtime_error("hostile_server: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~hostile_server() {
    stopping_ = true;
    acceptor_.join();
    std::vector<std::thread> conns;
    {
      std::lock_guard lock(mutex_);
      conns.swap(connections_);
    }
    for (auto& t : conns) t.join();
    ::close(listener_);
  }
  hostile_server(hostile_server const&) = delete;
  hostile_server& operator=(hostile_server const&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(std::string_view scheme = "http") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_) + "/";
  }
  int accepted() const { return accepted_; }
  std::uint64_t bytes_sent() const { return bytes_sent_; }

 private:
  bool wait_for(int fd, short events) const {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, 50) > 0;
  }

  void accept_loop() {
    while (!stopping_) {
      if (!wait_for(listener_, POLLIN)) continue;
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++accepted_;
      std::lock_guard lock(mutex_);
      connections_.emplace_back([this, fd] {
        serve(fd);
        ::close(fd);
      });
    }
  }

  // Reads until the end of the request head (or the client's first bytes,
  // for a TLS ClientHello), or until stopped.
  bool read_request(int fd) {
    std::string head;
    char buf[4096];
    while (!stopping_) {
      if (!wait_for(fd, POLLIN)) continue;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      head.append(buf, static_cast<std::size_t>(n));
      if (behaviour_ == behaviour::not_tls || head.find("\r\n\r\n") != std::string::npos) return true;
    }
    return false;
  }

  // Sends all of `data` unless stopped or the peer goes away.
  bool send_all(int fd, std::string_view data) {
    while (!data.empty() && !stopping_) {
      if (!wait_for(fd, POLLOUT)) continue;
      ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes_sent_ += static_cast<std::uint64_t>(n);
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return data.empty();
  }

  void stream_zeros(int fd) {
    static char const zeros[64 * 1024] = {};
    std::uint64_t left = ten_gb;
    while (left > 0 && !stopping_) {
      std::size_t n = left < sizeof zeros ? static_cast<std::size_t>(left) : sizeof zeros;
      if (!send_all(fd, std::string_view(zeros, n))) return;
      left -= n;
    }
  }

  void serve(int fd) {
    if (behaviour_ == behaviour::hang) {
      while (!stopping_) wait_for(fd, 0);
      return;
    }
    if (!read_request(fd)) return;
    switch (behaviour_) {
      case behaviour::reset: {
        linger l{1, 0};  // close() with a zero linger sends RST
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        return;
      }
      case behaviour::huge_body_length:
        if (send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(ten_gb) + "\r\n\r\n")) stream_zeros(fd);
        return;
      case behaviour::huge_body_stream:
        if (send_all(fd, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")) stream_zeros(fd);
        return;
      case behaviour::drip:
        if (!send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")) return;
        for (int i = 0; i < 1000 && !stopping_; ++i) {
          if (!send_all(fd, "x")) return;
          for (int t = 0; t < 20 && !stopping_; ++t) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return;
      case behaviour::wrong_status:
        send_all(fd, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5\r\n\r\nbusy\n");
        while (!stopping_ && wait_for(fd, POLLIN) == false) {
        }
        return;
      case behaviour::not_tls: send_all(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"); return;
      case behaviour::fixed_body:
        send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body_.size()) + "\r\n\r\n" + body_);
        return;
      case behaviour::hang: return;
    }
  }

  behaviour behaviour_;
  std::string body_;  // fixed_body
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::atomic<std::uint64_t> bytes_sent_{0};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> connections_;
};
