#include "status_endpoint.hpp"

#include <sys/socket.h>

#include <array>

#include "http_request.hpp"
#include "reactor/scope.hpp"
#include "reactor/sleep.hpp"
#include "reactor/timeout.hpp"

namespace reactord {

namespace {

std::string response(int code, char const* reason, char const* type, std::string const& body) {
  std::string r = "HTTP/1.1 " + std::to_string(code) + " " + reason + "\r\n";
  r += "Content-Type: ";
  r += type;
  r += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  r += body;
  return r;
}

std::string plain(int code, char const* reason, std::string const& text) {
  return response(code, reason, "text/plain; charset=utf-8", text + "\n");
}

// Reads until the request is complete, bad, or the client closes.
reactor::task<request_reader::progress> read_request(reactor::socket& s, request_reader& reader) {
  std::array<char, 2048> buf;
  for (;;) {
    auto n = co_await s.recv(std::as_writable_bytes(std::span(buf)));
    if (!n || *n == 0) co_return reader.finish();
    auto p = reader.feed(std::span<char const>(buf.data(), *n));
    if (p != request_reader::progress::incomplete) co_return p;
  }
}

reactor::task<void> send_response(reactor::socket& s, std::string const& r) {
  (void)co_await reactor::send_all(s, std::as_bytes(std::span(r)));
}

// Closing a socket that still holds unread input makes the kernel send RST,
// and a client that is still sending (an oversized request) may then lose
// the answer it has not read yet. So, like nginx's lingering_close: stop
// sending, read and drop what the client still sends, for a bounded time
// and amount, then close.
reactor::task<void> drain_input(reactor::socket& s) {
  std::array<char, 4096> sink;
  for (std::size_t total = 0; total < 256 * 1024;) {
    auto n = co_await s.recv(std::as_writable_bytes(std::span(sink)));
    if (!n || *n == 0) break;
    total += *n;
  }
}

reactor::task<void> serve_connection(reactor::socket s, status_pages const& pages, status_counters& counters,
                                     status_limits limits) {
  request_reader reader(limits.max_request_bytes);
  std::string reply;
  auto limit = reactor::clock::now() + limits.request_timeout;
  try {
    auto p = co_await reactor::with_timeout(limit, read_request(s, reader));
    if (p == request_reader::progress::bad) {
      ++counters.bad;
      reply = plain(400, "Bad Request", "bad request: " + reader.error());
    } else if (reader.method() != "GET" && reader.method() != "HEAD") {
      ++counters.not_found;
      reply = plain(405, "Method Not Allowed", "only GET");
    } else if (reader.path() == "/healthz") {
      ++counters.ok;
      reply = response(200, "OK", "application/json", pages.healthz());
    } else if (reader.path() == "/metrics") {
      ++counters.ok;
      reply = response(200, "OK", "text/plain; version=0.0.4; charset=utf-8", pages.metrics());
    } else {
      ++counters.not_found;
      reply = plain(404, "Not Found", "try /healthz or /metrics");
    }
    if (reader.method() == "HEAD") reply.erase(reply.find("\r\n\r\n") + 4);
  } catch (reactor::timeout_error const&) {
    ++counters.timed_out;
    reply = plain(408, "Request Timeout", "no complete request within the time limit");
  }
  // The answer gets the same bound: a client that does not read is dropped.
  try {
    co_await reactor::with_timeout(reactor::clock::now() + limits.request_timeout, send_response(s, reply));
  } catch (reactor::timeout_error const&) {
    ++counters.timed_out;
  }
  ::shutdown(s.fd(), SHUT_WR);
  try {
    co_await reactor::with_timeout(reactor::clock::now() + std::chrono::seconds(1), drain_input(s));
  } catch (reactor::timeout_error const&) {
  }
  co_await s.close();
}

}  // namespace

reactor::task<void> serve_status(reactor::socket& listener, status_pages const& pages, status_counters& counters,
                                 status_limits limits) {
  co_await reactor::open_scope([&](reactor::scope& connections) -> reactor::task<void> {
    for (;;) {
      auto accepted = co_await listener.accept();
      if (!accepted) {
        // EMFILE and the like: wait a little rather than spin on the error.
        co_await reactor::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      if (connections.running() >= limits.max_connections) {
        ++counters.refused;
        co_await accepted.value().close();
        continue;
      }
      connections.spawn(serve_connection(std::move(accepted.value()), pages, counters, limits));
    }
  });
}

}  // namespace reactord
