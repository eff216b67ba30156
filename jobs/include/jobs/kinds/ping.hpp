// ping's spec and result: what a ping job is configured with (its
// defaults are the members' initializers) and what a run reports. Data
// only, for every layer; the run is in jobs/ping.hpp, the keys in
// config/src/kinds/ping.cpp, the log fields and metrics in
// daemon/src/kinds/ping.cpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jobs/duration.hpp"
#include "jobs/kinds/shared.hpp"

namespace jobs {

struct ping_result {
  std::string resolved_address;
  int sent = 0;
  int received = 0;
  int duplicates = 0;
  int late = 0;               // replies that came after their echo's timeout
  double loss_percent = 100;  // nothing sent (a name that does not resolve ...) is total loss
  duration rtt_min{}, rtt_avg{}, rtt_max{}, rtt_stddev{};
  std::vector<duration> rtts;       // one per reply received, in sequence order
  std::vector<std::string> errors;  // ICMP errors, e.g. "destination host unreachable from 127.0.0.2"
};

// Bars a ping run is held to, beyond "every echo answered". Each is
// crossed when the measured value is over it; empty: not checked.
struct ping_bars {
  std::optional<double> loss_over_percent;  // set in degraded_if, it replaces "any loss"
  std::optional<duration> rtt_avg_over;
  std::optional<duration> rtt_max_over;  // any single echo slower than this
  bool operator==(ping_bars const&) const = default;
};

// Its histograms besides run duration and lateness (histogram.hpp), by
// name: run_histograms::find(ping_series::rtt).
enum class ping_series : std::uint8_t { rtt };

// A ping's settings besides its target, which most jobs leave at their
// defaults: out of line in ping_spec (out_of_line, kinds/shared.hpp).
struct ping_options {
  int count = 3;
  duration interval = 1s;           // between echoes of one run
  std::size_t payload_size = 56;    // bytes after the ICMP header
  duration echo_timeout = 1s;       // how long to wait for each reply
  ip_version ip = ip_version::any;  // any: the resolver's first answer
  ping_bars degraded_if, failed_if;
  bool operator==(ping_options const&) const = default;
};

// ICMP / ICMPv6 echo.
struct ping_spec {
  static constexpr char const* kind_name = "ping";
  using result = ping_result;
  // Its histograms, in the order observe_ping fills them.
  static constexpr std::array histograms{ping_series::rtt};
  std::string target;  // host name or numeric address
  out_of_line<ping_options> options;
  bool operator==(ping_spec const&) const = default;
};

}  // namespace jobs
