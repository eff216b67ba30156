// Job specs: plain structs saying what a job does and when. No YAML here;
// config/ fills these, the scheduler runs them. Every struct compares with
// ==, which is how a reload tells a changed job from an unchanged one.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "jobs/body_pattern.hpp"
#include "jobs/countdown.hpp"
#include "jobs/duration.hpp"

namespace jobs {

enum class ip_version { any, v4, v6 };

struct ping_result;   // result.hpp
struct fetch_result;  // result.hpp

// Bars a ping run is held to, beyond "every echo answered". Each is
// crossed when the measured value is over it; empty: not checked.
struct ping_bars {
  std::optional<double> loss_over_percent;  // set in degraded_if, it replaces "any loss"
  std::optional<duration> rtt_avg_over;
  std::optional<duration> rtt_max_over;  // any single echo slower than this
  bool operator==(ping_bars const&) const = default;
};

// ICMP / ICMPv6 echo.
struct ping_spec {
  static constexpr char const* kind_name = "ping";
  using result = ping_result;
  std::string target;  // host name or numeric address
  int count = 3;
  duration interval = 1s;           // between echoes of one run
  std::size_t payload_size = 56;    // bytes after the ICMP header
  duration echo_timeout = 1s;       // how long to wait for each reply
  ip_version ip = ip_version::any;  // any: the resolver's first answer
  ping_bars degraded_if, failed_if;
  bool operator==(ping_spec const&) const = default;
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

// HTTP(S) request through libcurl.
struct fetch_spec {
  static constexpr char const* kind_name = "fetch";
  using result = fetch_result;
  std::string url;
  std::string method = "GET";  // GET, HEAD or POST
  std::string body;            // for POST
  // Sent as given; a User-Agent here replaces the default reactord/<version>.
  std::vector<std::pair<std::string, std::string>> headers;
  bool follow_redirects = false;
  std::vector<status_range> expected_status = {status_range{}};
  std::optional<std::string> body_contains;
  std::optional<body_pattern> body_matches;      // RE2 syntax, searched for
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
  bool operator==(fetch_spec const&) const = default;
};

// Operator-chosen labels of a job (site, team ...), sorted by name: on
// every log line of the job and on every one of its series in /metrics.
// config/ checks the names are Prometheus label names.
using label_set = std::vector<std::pair<std::string, std::string>>;

// When a job runs.
struct schedule_spec {
  duration interval = 60s;
  duration jitter = 0s;  // a random but stable per-job phase in [0, jitter)
  // The run's deadline, measured from its start. Empty: the default, which
  // is shorter than the interval (see scheduler.hpp).
  std::optional<duration> timeout;
  int fail_after = 1;     // consecutive failures before DOWN
  int recover_after = 1;  // consecutive successes before UP again
  std::optional<duration> retest_interval;  // a shorter interval while failing
  bool allow_overlap = false;
  bool operator==(schedule_spec const&) const = default;
};

// The kinds: the registry. One alternative per kind, each naming itself
// (`kind_name`) and what it reports (`result`, kind_result's alternative
// in result.hpp); the other layers' tables follow this order, one entry per
// kind each (jobs/src/kinds.cpp: its run; config/src/kinds.cpp: its keys
// and checks; daemon/src/kinds.cpp: its log fields and metrics), and
// static_assert it. CONTRIBUTING.md has the steps to add one.
using kind_spec = std::variant<countdown_spec, ping_spec, fetch_spec>;
inline constexpr std::size_t kind_count = std::variant_size_v<kind_spec>;

namespace detail {
template <class S, class... T>
consteval std::size_t index_in(std::variant<T...> const*) {
  constexpr bool same[] = {std::is_same_v<S, T>...};
  for (std::size_t i = 0; i < sizeof...(T); ++i)
    if (same[i]) return i;
  return sizeof...(T);
}
}  // namespace detail

// The place of spec type S in kind_spec (kind_count if it is not a kind).
template <class S>
inline constexpr std::size_t kind_index = detail::index_in<S>(static_cast<kind_spec const*>(nullptr));

struct job_spec {
  std::string name;  // unique within a job file
  schedule_spec schedule;
  kind_spec kind;
  label_set labels;
  bool operator==(job_spec const&) const = default;
};

// "countdown", "ping" or "fetch".
char const* kind_name(kind_spec const& k) noexcept;
// The name of the kind at `index` in kind_spec's order (index < kind_count).
char const* kind_name(std::size_t index) noexcept;
// A spec of the named kind, holding its defaults; empty for no such kind.
std::optional<kind_spec> kind_from_name(std::string_view name);
// The names in kind_spec's order, as a message lists them:
// "countdown, ping or fetch".
std::string kind_names_listed();

}  // namespace jobs
