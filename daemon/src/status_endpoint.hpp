// The status endpoint: a small HTTP/1.1 listener on the reactor serving
// GET /healthz (JSON) and GET /metrics (Prometheus text).
//
// One request per connection (the response says Connection: close). A
// request that is malformed or over 8 KiB gets 400; a client that sends
// nothing or dribbles gets 408 after 5 s; past 64 open connections new ones
// are closed at once. Nothing a client does reaches the jobs: the endpoint
// only reads the snapshot the pages render.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "reactor/socket.hpp"
#include "reactor/task.hpp"

namespace reactord {

struct status_pages {
  std::function<std::string()> healthz;  // JSON body
  std::function<std::string()> metrics;  // Prometheus text body
};

struct status_counters {
  std::uint64_t ok = 0;          // 200
  std::uint64_t not_found = 0;   // 404, 405
  std::uint64_t bad = 0;         // 400
  std::uint64_t timed_out = 0;   // 408
  std::uint64_t refused = 0;     // over the connection limit
};

struct status_limits {
  std::size_t max_request_bytes = 8192;
  std::chrono::milliseconds request_timeout{5000};
  std::size_t max_connections = 64;
};

// Serves until cancelled.
reactor::task<void> serve_status(reactor::socket& listener, status_pages const& pages, status_counters& counters,
                                 status_limits limits = {});

}  // namespace reactord
