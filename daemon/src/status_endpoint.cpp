#include "status_endpoint.hpp"

#if !defined(_WIN32)
#include <sys/socket.h>
#endif

#include <array>
#include <deque>
#include <memory>
#include <string_view>

#include "http_request.hpp"
#include "reactor/scope.hpp"
#include "reactor/sleep.hpp"
#include "reactor/timeout.hpp"
#include "reactor/to_thread.hpp"

namespace reactord {

namespace {

std::string head(int code, char const* reason, char const* type, std::size_t body_size) {
  std::string r = "HTTP/1.1 " + std::to_string(code) + " " + reason + "\r\n";
  r += "Content-Type: ";
  r += type;
  r += "\r\nContent-Length: " + std::to_string(body_size) + "\r\nConnection: close\r\n\r\n";
  return r;
}

std::string response(int code, char const* reason, char const* type, std::string const& body) {
  return head(code, reason, type, body.size()) + body;
}

constexpr char const* metrics_type = "text/plain; version=0.0.4; charset=utf-8";

// What a reply is: its bytes, which a /metrics reply shares with every
// other reply to the same rendering.
struct reply_bytes {
  std::shared_ptr<std::string const> text;
  std::size_t head_size = 0;  // what a HEAD request gets
};

reply_bytes own(std::string text) {
  std::size_t head_size = text.find("\r\n\r\n") + 4;
  return {std::make_shared<std::string const>(std::move(text)), head_size};
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

reactor::task<void> send_response(reactor::socket& s, std::string_view r) {
  (void)co_await reactor::send_all(s, std::as_bytes(std::span(r)));
}

// The last /metrics reply, shared by the scrapes that come within
// max_age of its rendering or while it is rendered.
struct metrics_cache {
  explicit metrics_cache(std::chrono::milliseconds age) : max_age(age) {}
  std::chrono::milliseconds max_age;
  reply_bytes last;
  reactor::deadline rendered_at{};
  bool rendering = false;
  reactor::event rendered;  // set when a rendering ends (cleared when one starts)

  reactor::task<reply_bytes> get(status_pages const& pages) {
    for (;;) {
      if (last.text && reactor::clock::now() - rendered_at < max_age) co_return last;
      if (!rendering) break;
      co_await rendered.wait();
    }
    rendering = true;
    rendered.clear();
    struct done_guard {  // however the rendering ends, cancellation included
      metrics_cache& c;
      ~done_guard() {
        c.rendering = false;
        c.rendered.set();
      }
    } guard{*this};
    auto render = [body = pages.metrics()] {  // the snapshot, on the loop
      std::string page = body();
      return head(200, "OK", metrics_type, page.size()) + page;
    };
    std::string text = co_await reactor::to_thread(std::move(render));  // named: see to_thread.hpp
    last = own(std::move(text));
    rendered_at = reactor::clock::now();
    co_return last;
  }
};

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

// Whether a connection is still waiting for its request (and so may be
// closed to make room for a new one).
struct connection_state {
  bool reading = true;
};

reactor::task<void> serve_connection(reactor::socket s, status_pages const& pages, status_counters& counters,
                                     status_limits limits, metrics_cache& cache,
                                     std::shared_ptr<connection_state> state) {
  request_reader reader(limits.max_request_bytes);
  reply_bytes reply;
  auto limit = reactor::clock::now() + limits.request_timeout;
  try {
    auto p = co_await reactor::with_timeout(limit, read_request(s, reader));
    state->reading = false;
    if (p == request_reader::progress::bad) {
      ++counters.bad;
      reply = own(plain(400, "Bad Request", "bad request: " + reader.error()));
    } else if (reader.method() != "GET" && reader.method() != "HEAD") {
      ++counters.not_allowed;
      reply = own(plain(405, "Method Not Allowed", "only GET"));
    } else if (reader.path() == "/healthz") {
      ++counters.ok;
      reply = own(response(200, "OK", "application/json", pages.healthz()));
    } else if (reader.path() == "/metrics") {
      ++counters.ok;
      reply = co_await reactor::with_timeout(limit, cache.get(pages));
    } else {
      ++counters.not_found;
      reply = own(plain(404, "Not Found", "try /healthz or /metrics"));
    }
  } catch (reactor::timeout_error const&) {
    state->reading = false;
    ++counters.timed_out;
    reply = own(plain(408, "Request Timeout", "no complete request within the time limit"));
  }
  std::string_view bytes = *reply.text;
  if (reader.method() == "HEAD") bytes = bytes.substr(0, reply.head_size);
  // The answer gets the same bound: a client that does not read is dropped.
  try {
    co_await reactor::with_timeout(reactor::clock::now() + limits.request_timeout, send_response(s, bytes));
  } catch (reactor::timeout_error const&) {
    ++counters.timed_out;
  }
#if defined(_WIN32)
  ::shutdown(s.fd(), SD_SEND);
#else
  ::shutdown(s.fd(), SHUT_WR);
#endif
  try {
    co_await reactor::with_timeout(reactor::clock::now() + std::chrono::seconds(1), drain_input(s));
  } catch (reactor::timeout_error const&) {
  }
  co_await s.close();
}

}  // namespace

reactor::task<void> serve_status(reactor::socket& listener, status_pages const& pages, status_counters& counters,
                                 status_limits limits) {
  metrics_cache cache{limits.max_metrics_age};
  // The open connections, oldest first.
  struct open_connection {
    reactor::child_handle handle;
    std::shared_ptr<connection_state> state;
  };
  std::deque<open_connection> open;
  // Closes the oldest connection still waiting for its request; false if
  // every open one is past that.
  auto shed_oldest_idle = [&open] {
    std::erase_if(open, [](open_connection const& c) { return c.handle.done(); });
    for (auto it = open.begin(); it != open.end(); ++it)
      if (it->state->reading) {
        it->handle.cancel();
        open.erase(it);
        return true;
      }
    return false;
  };
  co_await reactor::open_scope([&](reactor::scope& connections) -> reactor::task<void> {
    for (;;) {
      auto accepted = co_await listener.accept();
      if (!accepted) {
        // EMFILE and the like: wait a little rather than spin on the error.
        co_await reactor::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      while (!open.empty() && open.front().handle.done()) open.pop_front();
      if (connections.running() >= limits.max_connections) {
        ++counters.refused;
        if (!shed_oldest_idle()) {
          co_await accepted.value().close();
          continue;
        }
      }
      auto state = std::make_shared<connection_state>();
      auto handle =
          connections.spawn(serve_connection(std::move(accepted.value()), pages, counters, limits, cache, state));
      open.push_back({std::move(handle), std::move(state)});
    }
  });
}

}  // namespace reactord
