// A tiny HTTP/1.1 server on 127.0.0.1 for the fetch tests that run on every
// platform (nginx is there only on Linux): its own reactor loop on its own
// thread, keep-alive, every request answered 200 with a body of the size
// the path asks for ("/bytes/1048576"; any other path: "hello from
// loopback\n"). It counts requests.
#pragma once

#include <atomic>
#include <cstdint>
#include <future>
#include <string>
#include <thread>

#include "reactor/reactor.hpp"

class loopback_http_server {
 public:
  loopback_http_server()
      : listener_(reactor::socket::listen_tcp(*reactor::socket_address::parse("127.0.0.1"))),
        port_(listener_.local_address().port()),
        thread_([this] { run(); }) {}
  ~loopback_http_server() {
    // post() needs the server's loop: wait until its thread has made it.
    loop_.get()->post([this] { stop_.set(); });
    thread_.join();
  }
  loopback_http_server(loopback_http_server const&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(std::string const& path = "/") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  int requests() const { return requests_.load(); }

 private:
  void run() {
    reactor::loop l;
    loop_made_.set_value(&l);
    l.run(reactor::open_scope([this](reactor::scope& s) -> reactor::task<void> {
      s.spawn([this, &s]() -> reactor::task<void> {
        for (;;) {
          auto conn = co_await listener_.accept();
          if (!conn) break;
          s.spawn(serve(std::move(*conn)));
        }
      });
      co_await stop_.wait();
      s.cancel();
    }));
    listener_ = reactor::socket();  // nothing is pending on it any more
  }

  reactor::task<void> serve(reactor::socket conn) {
    std::string request;
    std::byte buf[4096];
    for (;;) {
      auto n = co_await conn.recv(buf);
      if (!n || *n == 0) break;
      request.append(reinterpret_cast<char const*>(buf), *n);
      std::size_t end;
      while ((end = request.find("\r\n\r\n")) != std::string::npos) {
        std::string head = request.substr(0, end);
        request.erase(0, end + 4);
        ++requests_;
        std::string body = "hello from loopback\n";
        std::size_t path = head.find(" /bytes/");
        if (path != std::string::npos) body.assign(std::stoul(head.substr(path + 8)), 'x');
        std::string reply =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\n\r\n" + body;
        if (co_await reactor::send_all(conn, std::as_bytes(std::span(reply)))) co_return;
      }
    }
    co_await conn.close();
  }

  reactor::socket listener_;
  std::uint16_t port_;
  // A promise, not std::atomic_flag::wait: mingw-w64's libstdc++ 12 (no
  // futex there) loses wake-ups. Its wait loads the value, then takes a
  // mutex and sleeps on a condition variable, while notify signals that
  // variable without the mutex; a notify in between is lost, and under wine
  // about one test process in fifteen hung here until ctest's timeout.
  std::promise<reactor::loop*> loop_made_;
  std::future<reactor::loop*> loop_ = loop_made_.get_future();
  reactor::event stop_;
  std::atomic<int> requests_{0};
  std::thread thread_;
};
