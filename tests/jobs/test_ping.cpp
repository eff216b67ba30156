// ping: ICMP and ICMPv6 echo over the loop's shared sockets, on every
// backend: the cases that need no particular socket mode. The cases in each
// socket mode are in test_ping_namespace.cpp, the ones behind a DNS server
// that never answers in test_ping_silent_dns.cpp (both Linux).
//
// On Linux, a case that needs a mode or a sysctl runs in a forked child
// inside a fresh network namespace (support/netns.hpp); the host's settings
// are never touched. On Windows (IcmpSendEcho2Ex, under wine in CI) the
// loopback cases run directly. Bounds on timings and loss are generous: this
// runs on a shared 2-core machine.
#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "jobs/ping.hpp"
#include "ping_harness.hpp"
#include "reactor/reactor.hpp"
#include "support/backends.hpp"

namespace {

using namespace ping_test;

class Ping : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(Ping);

TEST_P(Ping, Ipv4AddressWithIpVersion6_FailsToResolve) {
  ping_spec s = spec_for("127.0.0.1", 1, 1ms);
  s.options.edit().ip = jobs::ip_version::v6;
  run_result r = ping_one(GetParam(), s);
  EXPECT_EQ(r.result, outcome::failure);
  EXPECT_NE(r.message.find("to an IPv6 address"), std::string::npos) << r.message;
  // Nothing sent is total loss, not 0%: an alert on loss sees it.
  EXPECT_EQ(details(r).sent, 0);
  EXPECT_EQ(details(r).loss_percent, 100.0);
}

TEST_P(Ping, SpecWithZeroCount_RejectedBeforeSending) {
  run_result r = ping_one(GetParam(), spec_for("127.0.0.1", 0, 1ms));
  EXPECT_EQ(r.result, outcome::failure);
  EXPECT_NE(r.message.find("count must be at least 1"), std::string::npos) << r.message;
  EXPECT_EQ(details(r).sent, 0);
}

TEST_P(Ping, WithoutServeRunning_FailsSayingSo) {
  reactor::loop& l = this->l();
  ping_services ps(l);
  ping_spec s = spec_for("127.0.0.1", 1, 1ms, 50ms);
  run_result r = l.run(jobs::run_ping(s, ps.ctx));
  EXPECT_EQ(r.result, outcome::failure);
  EXPECT_NE(r.message.find("serve() is not running"), std::string::npos) << r.message;
}

#if !defined(_WIN32)
// Linux: each case in a fresh network namespace (see the top of the file).

TEST_P(Ping, NeitherPingSocketNorRaw_OneErrorNamingBothFixes) {
  if (!netns::can_make_namespaces()) GTEST_SKIP() << "needs root to make network namespaces";
  reactor::backend_kind backend = GetParam();
  auto report = netns::run_in_child([&] {
    netns::findings f;
    if (!netns::enter_fresh_namespace(f) || !netns::set_ping_group_range(f, "1 0") || !netns::become_nobody(f))
      return f.text;
    auto results = ping_all(backend, {spec_for("127.0.0.1", 2, 10ms), spec_for("::1", 2, 10ms)});
    for (run_result const& r : results) {
      f.expect(r.result == outcome::failure, "outcome: " + describe(r));
      f.expect(details(r).sent == 0, "sent without a socket: " + describe(r));
      f.expect(details(r).loss_percent == 100.0, "loss below 100% with nothing sent: " + describe(r));
      for (char const* fix : {"net.ipv4.ping_group_range", "CAP_NET_RAW", "AmbientCapabilities=CAP_NET_RAW"})
        f.expect(r.message.find(fix) != std::string::npos,
                 std::string("message does not name ") + fix + ": " + r.message);
    }
    std::fprintf(stderr, "the error reads: %s\n", results[0].message.c_str());
    return f.text;
  });
  EXPECT_EQ(report, "");
}

TEST_P(Ping, NameThatDoesNotResolve_FailsWithResolverError) {
  if (!netns::can_make_namespaces()) GTEST_SKIP() << "needs root to make network namespaces";
  reactor::backend_kind backend = GetParam();
  // In an empty namespace, so the resolver's DNS query cannot leave the host.
  auto report = netns::run_in_child([&] {
    netns::findings f;
    if (!netns::enter_fresh_namespace(f)) return f.text;
    run_result r = ping_one(backend, spec_for("no-such-host.invalid", 1, 1ms));
    f.expect(r.result == outcome::failure, "outcome: " + describe(r));
    f.expect(r.message.find("cannot resolve \"no-such-host.invalid\"") == 0, "message: " + r.message);
    f.expect(details(r).loss_percent == 100.0, "loss below 100% with nothing sent: " + describe(r));
    return f.text;
  });
  EXPECT_EQ(report, "");
}

TEST_P(Ping, CancelledMidRun_LaterRunsOnTheSameSocketStillWork) {
  if (!netns::can_make_namespaces()) GTEST_SKIP() << "needs root to make network namespaces";
  reactor::backend_kind backend = GetParam();
  auto report = in_namespace_with(icmp_access::datagram, [&](netns::findings& f) {
    auto [cut_short, after] = cut_one_short_then_ping(backend);
    f.expect(cut_short, "the 1 s run was not cut short by its 50 ms deadline");
    expect_all_answered(f, after, 3, "127.0.0.1");
  });
  EXPECT_EQ(report, "");
}

#else
// Windows: IcmpSendEcho2Ex needs no rights and has no modes, so the
// loopback cases run directly, on 127.0.0.0/8 only. There are no firewall
// cases: nothing here can drop or reject a loopback echo under wine.

// Wine exports wine_get_version from its ntdll; Windows does not.
bool under_wine() {
  HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  return ntdll && ::GetProcAddress(ntdll, "wine_get_version");
}

void expect_all_answered(run_result const& r, int count, std::string const& address) {
  ping_result const& p = details(r);
  std::string what = describe(r);
  EXPECT_EQ(r.result, outcome::success) << what;
  EXPECT_TRUE(p.sent == count && p.received == count) << what;
  EXPECT_EQ(p.loss_percent, 0) << what;
  EXPECT_TRUE(p.duplicates == 0 && p.late == 0) << what;
  EXPECT_EQ(p.resolved_address, address);
  EXPECT_EQ(p.rtts.size(), static_cast<std::size_t>(count)) << what;
  EXPECT_TRUE(p.rtt_min > 0ns && p.rtt_min <= p.rtt_avg && p.rtt_avg <= p.rtt_max && p.rtt_max < 1s)
      << "RTT min/avg/max out of order or bounds: " << what;
  EXPECT_TRUE(p.errors.empty()) << what;
}

TEST_P(Ping, EchoToIpv4Loopback_EveryReplyCountedWithItsRtt) {
  expect_all_answered(ping_one(GetParam(), spec_for("127.0.0.1", 5, 20ms)), 5, "127.0.0.1");
  ping_spec by_name = spec_for("localhost", 2, 10ms);
  by_name.options.edit().ip = jobs::ip_version::v4;
  expect_all_answered(ping_one(GetParam(), by_name), 2, "127.0.0.1");
}

TEST_P(Ping, EchoToIpv6Loopback_AnsweredOrUnsupportedSaidSo) {
  run_result r = ping_one(GetParam(), spec_for("::1", 3, 20ms));
  if (!under_wine()) {
    expect_all_answered(r, 3, "::1");
    return;
  }
  // Wine 8.0's Icmp6CreateFile fails with ERROR_CALL_NOT_IMPLEMENTED.
  EXPECT_EQ(r.result, outcome::failure) << describe(r);
  EXPECT_EQ(details(r).sent, 0) << describe(r);
  EXPECT_NE(r.message.find("Icmp6CreateFile"), std::string::npos) << r.message;
  std::printf("  under wine: %s\n", r.message.c_str());
}

TEST_P(Ping, PayloadSizesFromZeroToLarge_AllAnswered) {
  for (std::size_t size : {0, 1, 7, 8, 9, 56, 1400, 8000}) {
    ping_spec s = spec_for("127.0.0.1", 2, 5ms);
    s.options.edit().payload_size = size;
    run_result r = ping_one(GetParam(), s);
    EXPECT_EQ(details(r).received, 2) << "payload " << size << ": " << describe(r);
  }
}

TEST_P(Ping, ManyRunsAtOnce_EachReplyReachesItsOwnRun) {
  auto results = ping_all(GetParam(), ten_echoes_to_forty_hosts(500ms));
  for (int host = 1; host <= 40; ++host) expect_all_answered(results[host - 1], 10, "127.0.0." + std::to_string(host));
}

TEST_P(Ping, ReplyAfterItsTimeout_CountedLateNotReceived) {
  // A 1 µs timeout no reply can meet; the requests themselves wait longer
  // (claim's listen_for), so the replies still arrive and count as late.
  run_result r = ping_one(GetParam(), spec_for("127.0.0.1", 4, 30ms, 1us));
  ping_result const& p = details(r);
  EXPECT_TRUE(p.received == 0 && p.late >= 1 && p.late <= 4) << describe(r);
  EXPECT_EQ(p.loss_percent, 100) << describe(r);
  EXPECT_EQ(r.result, outcome::failure) << describe(r);
}

TEST_P(Ping, CancelledMidRun_LaterRunsOnTheSameHandleStillWork) {
  auto [cut_short, after] = cut_one_short_then_ping(GetParam());
  EXPECT_TRUE(cut_short) << "the 1 s run was not cut short by its 50 ms deadline";
  expect_all_answered(after, 3, "127.0.0.1");
}

TEST_P(Ping, EndpointGoneWithEchoesInFlight_LaterEndpointsStillWork) {
  // Each round ends its run and destroys the endpoint right after the
  // sends, before most replies are in: their APCs come to this thread in a
  // later round's wait (or the final ping's), after the endpoint and its
  // loop are gone, and must free those requests and touch nothing else.
  for (int round = 0; round < 20; ++round) {
    reactor::loop l(reactor::loop_options{GetParam()});
    ping_services ps(l);
    l.run(reactor::open_scope([&](reactor::scope& s) -> reactor::task<void> {
      s.spawn(ps.icmp.serve());
      // Usually cut short with its echoes unanswered; either end will do.
      ping_spec four = spec_for("127.0.0.1", 4, 0ms);
      co_await ping_until(reactor::clock::now() + 1ms, four, ps.ctx);
      s.cancel();
    }));
  }
  expect_all_answered(ping_one(GetParam(), spec_for("127.0.0.1", 3, 5ms)), 3, "127.0.0.1");
}
#endif  // !_WIN32

}  // namespace
