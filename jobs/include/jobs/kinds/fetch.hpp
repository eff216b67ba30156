// fetch's spec and result: what a fetch job is configured with (its
// defaults are the members' initializers) and what a run reports. Data
// only, for every layer; the run is in jobs/fetch.hpp, the keys in
// config/src/kinds/fetch.cpp, the log fields and metrics in
// daemon/src/kinds/fetch.cpp.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "jobs/body_pattern.hpp"
#include "jobs/duration.hpp"
#include "jobs/kinds/shared.hpp"

namespace jobs {

struct fetch_result {
  int status = 0;         // 0 if no response
  std::size_t bytes = 0;  // body bytes received, also when max_body aborted the transfer
  // Phase timings, each from the start of the request.
  duration dns{}, connect{}, tls{}, first_byte{}, total{};
  std::optional<std::chrono::system_clock::time_point> cert_expiry;  // earliest in the chain
  std::string failed_expectation;                                    // empty if every expectation held
};

struct status_range {
  int low = 200;
  int high = 299;  // inclusive
  bool operator==(status_range const&) const = default;
};

// Bars a fetch run is held to, beyond status and body expectations.
struct fetch_bars {
  std::optional<duration> total_over;
  std::optional<duration> first_byte_over;
  // The earliest certificate of the chain expires sooner than this (or has
  // expired); checked whatever verify_tls says.
  std::optional<duration> cert_expires_within;
  bool operator==(fetch_bars const&) const = default;
};

// Its histograms besides run duration and lateness (histogram.hpp), by
// name: the end of each phase, from the start of the request.
enum class fetch_series : std::uint8_t { connect, tls, first_byte };

// A fetch's settings besides its URL, which most jobs leave at their
// defaults: out of line in fetch_spec (out_of_line, kinds/shared.hpp).
struct fetch_options {
  std::string method = "GET";  // GET, HEAD or POST
  std::string body;            // for POST
  // Sent as given; a User-Agent here replaces the default reactord/<version>.
  std::vector<std::pair<std::string, std::string>> headers;
  bool follow_redirects = false;
  std::vector<status_range> expected_status = {status_range{}};
  std::optional<std::string> body_contains;
  std::optional<body_pattern> body_matches;  // RE2 syntax, searched for
  std::optional<body_pattern> body_not_matches;
  std::size_t max_body_bytes = 10 * 1024 * 1024;  // the transfer is aborted past it
  bool verify_tls = true;
  std::string ca_file;  // empty: the system's CA store
  ip_version ip = ip_version::any;
  // false (the default): a new connection per run, so DNS, connect and TLS
  // are measured every time, as blackbox_exporter and Gatus do; true: keep
  // and reuse connections between runs (load-like probing).
  bool reuse_connection = false;
  fetch_bars degraded_if, failed_if;
  bool operator==(fetch_options const&) const = default;
};

// HTTP(S) request through libcurl.
struct fetch_spec {
  static constexpr char const* kind_name = "fetch";
  using result = fetch_result;
  // Its histograms, in the order observe_fetch fills them.
  static constexpr std::array histograms{fetch_series::connect, fetch_series::tls, fetch_series::first_byte};
  std::string url;
  out_of_line<fetch_options> options;  // 8 bytes, where they were 360
  bool operator==(fetch_spec const&) const = default;
};

}  // namespace jobs
