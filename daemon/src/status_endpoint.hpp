// The status endpoint: a small HTTP/1.1 listener on the reactor serving
// GET /healthz (JSON) and GET /metrics (Prometheus text).
//
// One request per connection (the response says Connection: close). A
// request that is malformed or over 8 KiB gets 400; a client that sends
// nothing or dribbles gets 408 after 5 s. Past 64 open connections, a new
// one makes room by closing the oldest that has not finished sending its
// request (idle clients cannot lock a liveness probe out); only when every
// open connection is being answered is the new one closed at once.
// Nothing a client does reaches the jobs: the endpoint only reads the
// snapshot the pages render.
//
// /metrics is large (megabytes at thousands of jobs), so it is rendered
// off the loop (reactor::to_thread) from a snapshot taken on it, and one
// rendering serves every scrape that arrives within max_metrics_age of it
// or while it is under way: 32 scrapers in parallel cost one rendering,
// and the loop only takes the snapshot and sends the shared bytes. The
// page is held gzip-compressed (metrics_page.hpp): a scraper that accepts
// gzip gets those bytes, any other the text inflated as it reads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "metrics_page.hpp"
#include "reactor/socket.hpp"
#include "reactor/task.hpp"

namespace reactord {

struct status_pages {
  std::function<std::string()> healthz;  // JSON body, rendered on the loop (small)
  // Takes a snapshot of what /metrics shows (on the loop) and returns what
  // renders it into the Prometheus text page: that runs on another thread,
  // so it must own everything it reads.
  std::function<std::function<metrics_page()>()> metrics;
};

struct status_counters {
  std::uint64_t ok = 0;           // 200
  std::uint64_t not_found = 0;    // 404
  std::uint64_t not_allowed = 0;  // 405
  std::uint64_t bad = 0;          // 400
  std::uint64_t timed_out = 0;    // 408
  std::uint64_t refused = 0;      // over the connection limit (the new one, or the oldest idle one)
};

struct status_limits {
  std::size_t max_request_bytes = 8192;
  std::chrono::milliseconds request_timeout{5000};
  std::size_t max_connections = 64;
  std::chrono::milliseconds max_metrics_age{1000};
};

// Serves until cancelled.
reactor::task<void> serve_status(reactor::socket& listener, status_pages const& pages, status_counters& counters,
                                 status_limits limits = {});

}  // namespace reactord
