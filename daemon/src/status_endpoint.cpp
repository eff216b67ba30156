#include "status_endpoint.hpp"

#if !defined(_WIN32)
#include <sys/socket.h>
#endif

#include <algorithm>
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

// The status line and headers; `more` adds header lines (each ending "\r\n").
std::string head(int code, char const* reason, char const* type, std::size_t body_size, std::string_view more = {}) {
  std::string r = "HTTP/1.1 " + std::to_string(code) + " " + reason + "\r\n";
  r += "Content-Type: ";
  r += type;
  r += "\r\n";
  r += more;
  r += "Content-Length: " + std::to_string(body_size) + "\r\nConnection: close\r\n\r\n";
  return r;
}

// What a connection answers: a small reply's head and body in one string,
// or the head of a /metrics reply and the page every reply to the same
// rendering shares.
struct reply {
  std::string text;
  std::size_t head_size = 0;  // what a HEAD request gets
  std::shared_ptr<metrics_page const> page;
  bool gzip = false;  // the page's bytes as they are held, not inflated
};

reply small(int code, char const* reason, char const* type, std::string const& body) {
  std::string h = head(code, reason, type, body.size());
  return {h + body, h.size(), nullptr};
}

reply plain(int code, char const* reason, std::string const& text) {
  return small(code, reason, "text/plain; charset=utf-8", text + "\n");
}

reply metrics_reply(std::shared_ptr<metrics_page const> page, bool gzip) {
  std::string h =
      head(200, "OK", "text/plain; version=0.0.4; charset=utf-8", gzip ? page->gzip.size() : page->text_bytes,
           gzip ? "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n" : "Vary: Accept-Encoding\r\n");
  std::size_t head_size = h.size();
  return {std::move(h), head_size, std::move(page), gzip};
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

// False once the client is gone.
reactor::task<bool> send_text(reactor::socket& s, std::string_view text) {
  co_return !co_await reactor::send_all(s, std::as_bytes(std::span(text)));
}

// The head goes out in one write with the start of the body: a write of
// the head alone could wait, behind Nagle's algorithm, for the client's
// delayed ACK.
reactor::task<void> send_reply(reactor::socket& s, reply const& r, bool head_only) {
  if (head_only || !r.page) {
    co_await send_text(s, std::string_view(r.text).substr(0, head_only ? r.head_size : r.text.size()));
    co_return;
  }
  std::string first = r.text;
  if (r.gzip) {
    std::string_view body = r.page->gzip;
    auto n = std::min(body.size(), metrics_page_reader::piece_bytes);
    first.append(body.substr(0, n));
    if (co_await send_text(s, first)) co_await send_text(s, body.substr(n));
    co_return;
  }
  // Inflated a piece at a time, on the loop: about 0.1 ms per 64 KiB, and
  // only for scrapers that do not take gzip.
  metrics_page_reader text(*r.page);
  first.append(text.next());
  if (!co_await send_text(s, first)) co_return;
  for (auto piece = text.next(); !piece.empty(); piece = text.next())
    if (!co_await send_text(s, piece)) co_return;
}

// The last /metrics reply, shared by the scrapes that come within
// max_age of its rendering or while it is rendered.
struct metrics_cache {
  explicit metrics_cache(std::chrono::milliseconds age) : max_age(age) {}
  std::chrono::milliseconds max_age;
  std::shared_ptr<metrics_page const> last;
  reactor::deadline rendered_at{};
  bool rendering = false;
  reactor::event rendered;  // set when a rendering ends (cleared when one starts)

  reactor::task<std::shared_ptr<metrics_page const>> get(status_pages const& pages) {
    for (;;) {
      if (last && reactor::clock::now() - rendered_at < max_age) co_return last;
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
    auto render = [page = pages.metrics()] {  // the snapshot, on the loop
      return std::make_shared<metrics_page const>(page());
    };
    last = co_await reactor::to_thread(std::move(render));  // named: see to_thread.hpp
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
  reply answer;
  auto limit = reactor::clock::now() + limits.request_timeout;
  try {
    auto p = co_await reactor::with_timeout(limit, read_request(s, reader));
    state->reading = false;
    if (p == request_reader::progress::bad) {
      ++counters.bad;
      answer = plain(400, "Bad Request", "bad request: " + reader.error());
    } else if (reader.method() != "GET" && reader.method() != "HEAD") {
      ++counters.not_allowed;
      answer = plain(405, "Method Not Allowed", "only GET");
    } else if (reader.path() == "/healthz") {
      ++counters.ok;
      answer = small(200, "OK", "application/json", pages.healthz());
    } else if (reader.path() == "/metrics") {
      ++counters.ok;
      answer = metrics_reply(co_await reactor::with_timeout(limit, cache.get(pages)), reader.accepts_gzip());
    } else {
      ++counters.not_found;
      answer = plain(404, "Not Found", "try /healthz or /metrics");
    }
  } catch (reactor::timeout_error const&) {
    state->reading = false;
    ++counters.timed_out;
    answer = plain(408, "Request Timeout", "no complete request within the time limit");
  }
  // The answer gets the same bound: a client that does not read is dropped.
  try {
    co_await reactor::with_timeout(reactor::clock::now() + limits.request_timeout,
                                   send_reply(s, answer, reader.method() == "HEAD"));
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
