// What the ping suites share (tests/jobs only): a ping run as the scheduler
// starts one, with the icmp service's serve() beside it, and on Linux a
// network namespace where exactly one ICMP socket mode works. Namespace
// ping_test: fetch_harness.hpp has a details() for the same argument.
//
//   using namespace ping_test;
//   run_result r = ping_one(backend, spec_for("127.0.0.1", 5, 20ms));
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "jobs/fetch.hpp"
#include "jobs/ping.hpp"
#include "reactor/reactor.hpp"

#if !defined(_WIN32)
#include "support/netns.hpp"
#endif

namespace ping_test {

using namespace std::chrono_literals;
using jobs::outcome;
using jobs::ping_result;
using jobs::ping_spec;
using jobs::run_result;

// What a ping run needs beside its loop, as the scheduler gives it.
struct ping_services {
  explicit ping_services(reactor::loop& l) : icmp(l), http(l), ctx{l, icmp, http, [](std::string const&) {}} {}
  ping_services(ping_services const&) = delete;
  jobs::icmp_service icmp;
  jobs::http_client http;
  jobs::job_context ctx;
};

inline reactor::task<void> ping_into(ping_spec spec, jobs::job_context& ctx, run_result& out) {
  out = co_await jobs::run_ping(spec, ctx);
}

// A run with a deadline: its result, or nothing if the deadline cut it short.
inline reactor::task<std::optional<run_result>> ping_until(reactor::deadline limit, ping_spec const& spec,
                                                           jobs::job_context& ctx) {
  try {
    co_return co_await reactor::with_timeout(limit, jobs::run_ping(spec, ctx));
  } catch (reactor::timeout_error const&) {
    co_return std::nullopt;
  }
}

// Runs every spec at once on one loop, with the service's serve() beside
// them as the scheduler runs it, and returns the results in spec order.
inline std::vector<run_result> ping_all(reactor::backend_kind backend, std::vector<ping_spec> const& specs) {
  reactor::loop l(reactor::loop_options{backend});
  ping_services ps(l);
  std::vector<run_result> results(specs.size());
  l.run(reactor::open_scope([&](reactor::scope& s) -> reactor::task<void> {
    s.spawn(ps.icmp.serve());
    co_await reactor::open_scope([&](reactor::scope& runs) -> reactor::task<void> {
      for (std::size_t i = 0; i < specs.size(); ++i) runs.spawn(ping_into(specs[i], ps.ctx, results[i]));
      co_return;
    });
    s.cancel();
  }));
  return results;
}

inline run_result ping_one(reactor::backend_kind backend, ping_spec const& spec) {
  return ping_all(backend, {spec}).front();
}

inline ping_result const& details(run_result const& r) {
  return std::get<ping_result>(r.details);
}

inline std::string describe(run_result const& r) {
  ping_result const& p = details(r);
  return std::string(jobs::to_string(r.result)) + " sent=" + std::to_string(p.sent) +
         " received=" + std::to_string(p.received) + " late=" + std::to_string(p.late) +
         " duplicates=" + std::to_string(p.duplicates) + " message=\"" + r.message + "\"";
}

inline ping_spec spec_for(std::string target, int count, jobs::duration interval, jobs::duration echo_timeout = 1s) {
  ping_spec s;
  s.target = std::move(target);
  s.options.edit().count = count;
  s.options.edit().interval = interval;
  s.options.edit().echo_timeout = echo_timeout;
  return s;
}

// Ten echoes to each of 127.0.0.1 to 127.0.0.40 (loopback answers them
// all), payloads of 0 to 120 bytes by host: forty runs at once on one
// socket, for the cases that check each reply reaches its own run.
inline std::vector<ping_spec> ten_echoes_to_forty_hosts(jobs::duration echo_timeout) {
  std::vector<ping_spec> specs;
  std::size_t const sizes[] = {0, 3, 8, 56, 120};
  for (int host = 1; host <= 40; ++host) {
    ping_spec s = spec_for("127.0.0." + std::to_string(host), 10, 5ms, echo_timeout);
    s.options.edit().payload_size = sizes[host % 5];
    specs.push_back(s);
  }
  return specs;
}

// A run of 100 echoes cut short by a 50 ms deadline, then a run of three
// on the same loop and ICMP socket (or handle): whether the first was cut
// short, and the second's result, which should be untouched by it.
struct cut_short_then_run {
  bool cut_short = false;
  run_result after;
};
inline cut_short_then_run cut_one_short_then_ping(reactor::backend_kind backend) {
  reactor::loop l(reactor::loop_options{backend});
  ping_services ps(l);
  cut_short_then_run out;
  l.run(reactor::open_scope([&](reactor::scope& s) -> reactor::task<void> {
    s.spawn(ps.icmp.serve());
    ping_spec slow = spec_for("127.0.0.1", 100, 10ms);
    out.cut_short = !(co_await ping_until(reactor::clock::now() + 50ms, slow, ps.ctx));
    out.after = co_await jobs::run_ping(spec_for("127.0.0.1", 3, 5ms), ps.ctx);
    s.cancel();
  }));
  return out;
}

#if !defined(_WIN32)
// Linux: the ICMP socket a test's namespace allows.
enum class icmp_access { datagram, raw };

// In a child: a fresh namespace where exactly one socket mode works. For
// datagram, ping sockets are allowed and CAP_NET_RAW is dropped (so a raw
// socket would fail); for raw, ping sockets are off ("1 0") and we keep
// root's CAP_NET_RAW.
inline bool enter_namespace_with(netns::findings& f, icmp_access a) {
  if (!netns::enter_fresh_namespace(f)) return false;
  if (a == icmp_access::datagram) return netns::set_ping_group_range(f, "0 2147483647") && netns::drop_cap_net_raw(f);
  return netns::set_ping_group_range(f, "1 0");
}

// Checks a run where every echo should have been answered.
inline void expect_all_answered(netns::findings& f, run_result const& r, int count, std::string const& address) {
  ping_result const& p = details(r);
  std::string what = describe(r);
  f.expect(r.result == outcome::success, "outcome: " + what);
  f.expect(p.sent == count && p.received == count, "counts: " + what);
  f.expect(p.loss_percent == 0, "loss " + std::to_string(p.loss_percent) + ": " + what);
  f.expect(p.duplicates == 0 && p.late == 0, "duplicates or late: " + what);
  f.expect(p.resolved_address == address, "resolved " + p.resolved_address + ", wanted " + address);
  f.expect(p.rtts.size() == static_cast<std::size_t>(count), "one RTT per reply: " + what);
  f.expect(p.rtt_min > 0ns && p.rtt_min <= p.rtt_avg && p.rtt_avg <= p.rtt_max && p.rtt_max < 1s,
           "RTT min/avg/max out of order or bounds: " + what);
  f.expect(p.rtt_stddev <= p.rtt_max - p.rtt_min + 1ns, "stddev wider than the range: " + what);
  f.expect(p.errors.empty(), "errors: " + what);
}
// Runs `body` in a forked child, in a fresh network namespace where only
// `access` works (netns.hpp's rules for a body apply: no EXPECT_, report
// through `f`), and returns what it found: "" when all was as expected.
//
//   EXPECT_EQ(in_namespace_with(icmp_access::raw, [&](netns::findings& f) { ... }), "");
inline std::string in_namespace_with(icmp_access access, std::function<void(netns::findings&)> const& body) {
  return netns::run_in_child([&] {
    netns::findings f;
    if (enter_namespace_with(f, access)) body(f);
    return f.text;
  });
}
#endif  // !_WIN32

}  // namespace ping_test
