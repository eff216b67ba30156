// ping in each ICMP socket mode (ping socket, raw socket), on every backend:
// loopback echoes over IPv4 and IPv6, payload sizes, many runs on one
// socket, late replies, and nftables rules that drop or reject a share of
// the packets. Linux only: each case runs in a forked child inside a fresh
// network namespace (support/netns.hpp), so rules and sysctls never touch
// the host. Bounds on loss are generous: this runs on a shared 2-core machine.
#include <gtest/gtest.h>

#include <cstdio>
#include <regex>
#include <string>
#include <tuple>
#include <vector>

#include "jobs/ping.hpp"
#include "ping_harness.hpp"
#include "reactor/reactor.hpp"
#include "support/netns.hpp"

namespace {

using namespace ping_test;

std::string access_name(icmp_access a) {
  return a == icmp_access::datagram ? "datagram" : "raw";
}

// Adds `rule` to an nftables chain on the namespace's output hook, which
// sees every packet the namespace sends (loopback included, and the
// kernel's echo replies); false, with nft's words in `f`, if it refused.
bool filter_output(netns::findings& f, std::string const& rule) {
  return netns::run_command(f, "nft add table ip test") &&
         netns::run_command(f, "nft add chain ip test out '{ type filter hook output priority 0; }'") &&
         netns::run_command(f, "nft add rule ip test out " + rule);
}

// The number in "counter packets N" of the nftables rule set.
long dropped_by_nft() {
  std::string rules = netns::command_output("nft list ruleset 2>&1");
  std::smatch m;
  if (!std::regex_search(rules, m, std::regex("counter packets ([0-9]+)"))) return -1;
  return std::stol(m[1]);
}

class PingInNamespace : public ::testing::TestWithParam<std::tuple<reactor::backend_kind, icmp_access>> {
 protected:
  void SetUp() override {
    if (!netns::can_make_namespaces()) GTEST_SKIP() << "needs root to make network namespaces";
  }
  reactor::backend_kind backend() const { return std::get<0>(GetParam()); }
  icmp_access access() const { return std::get<1>(GetParam()); }
};

TEST_P(PingInNamespace, EchoToIpv4Loopback_EveryReplyCountedWithItsRtt) {
  auto report = in_namespace_with(access(), [&](netns::findings& f) {
    expect_all_answered(f, ping_one(backend(), spec_for("127.0.0.1", 5, 20ms)), 5, "127.0.0.1");
    // By name, from /etc/hosts.
    ping_spec by_name = spec_for("localhost", 2, 10ms);
    by_name.options.edit().ip = jobs::ip_version::v4;
    expect_all_answered(f, ping_one(backend(), by_name), 2, "127.0.0.1");
  });
  EXPECT_EQ(report, "");
}

TEST_P(PingInNamespace, FailedIfAndDegradedIf_NameTheBarTheValueAndTheCondition) {
  auto report = in_namespace_with(access(), [&](netns::findings& f) {
    ping_spec any_echo = spec_for("127.0.0.1", 2, 10ms);
    any_echo.options.edit().failed_if.rtt_max_over = 0ms;  // every real echo takes longer
    ping_spec average = spec_for("127.0.0.1", 2, 10ms);
    average.options.edit().degraded_if.rtt_avg_over = 0ms;
    ping_spec within = spec_for("127.0.0.1", 2, 10ms);
    within.options.edit().failed_if.rtt_max_over = 1h;
    within.options.edit().failed_if.loss_over_percent = 50;
    within.options.edit().degraded_if.rtt_avg_over = 1h;
    auto rs = ping_all(backend(), {any_echo, average, within});
    f.expect(rs[0].result == outcome::failure && rs[0].condition == "failed_if.rtt_max_over",
             "rtt_max_over: " + describe(rs[0]));
    f.expect(rs[0].message.find(", over 0ms (failed_if.rtt_max_over)") != std::string::npos,
             "message: " + rs[0].message);
    f.expect(rs[1].result == outcome::degraded && rs[1].condition == "degraded_if.rtt_avg_over",
             "rtt_avg_over: " + describe(rs[1]));
    f.expect(rs[2].result == outcome::success && rs[2].condition.empty(), "within the bars: " + describe(rs[2]));
  });
  EXPECT_EQ(report, "");
}

TEST_P(PingInNamespace, EchoToIpv6Loopback_EveryReplyCounted) {
  auto report = in_namespace_with(access(), [&](netns::findings& f) {
    expect_all_answered(f, ping_one(backend(), spec_for("::1", 4, 20ms)), 4, "::1");
  });
  EXPECT_EQ(report, "");
}

TEST_P(PingInNamespace, PayloadSizesFromZeroToLarge_AllAnswered) {
  auto report = in_namespace_with(access(), [&](netns::findings& f) {
    for (std::size_t size : {0, 1, 7, 8, 9, 56, 1400, 8000}) {
      ping_spec s = spec_for("127.0.0.1", 2, 5ms);
      s.options.edit().payload_size = size;
      run_result r = ping_one(backend(), s);
      f.expect(details(r).received == 2, "payload " + std::to_string(size) + ": " + describe(r));
    }
  });
  EXPECT_EQ(report, "");
}

TEST_P(PingInNamespace, FirewallDropsAShare_ReportedLossMatchesDroppedPackets) {
  auto report = in_namespace_with(access(), [&](netns::findings& f) {
    // Every ICMP packet leaving (requests and the kernel's replies alike)
    // has a 1 in 10 chance of being dropped, and the counter says how many
    // were. Each echo can be dropped at most once: a dropped request has no
    // reply. A dropped request fails its send with EPERM (the output hook's
    // verdict reaches sendmsg); a dropped reply is simply never seen.
    if (!filter_output(f, "meta l4proto icmp numgen random mod 10 == 0 counter drop")) return;
    constexpr int count = 300;
    run_result r = ping_one(backend(), spec_for("127.0.0.1", count, 1ms));
    ping_result const& p = details(r);
    long dropped = dropped_by_nft();
    std::fprintf(stderr, "loss %.1f%%, %d of %d lost, nft dropped %ld\n", p.loss_percent, p.sent - p.received, p.sent,
                 dropped);
    f.expect(p.sent == count, "sent: " + describe(r));
    f.expect(p.sent - p.received == dropped,
             "lost " + std::to_string(p.sent - p.received) + " but nft dropped " + std::to_string(dropped));
    // About 19% expected (1 - 0.9 * 0.9); far outside this means we miscount.
    f.expect(p.loss_percent > 3 && p.loss_percent < 45, "loss out of bounds: " + describe(r));
    f.expect(r.result == outcome::degraded, "outcome: " + describe(r));
    f.expect(p.rtts.size() == static_cast<std::size_t>(p.received), "rtts: " + describe(r));
  });
  EXPECT_EQ(report, "");
}

TEST_P(PingInNamespace, FirewallRejectsWithHostUnreachable_ErrorReportedAsSuch) {
  auto report = in_namespace_with(access(), [&](netns::findings& f) {
    if (!filter_output(f,
                       "ip daddr 127.0.0.2 icmp type echo-request "
                       "reject with icmp type host-unreachable"))
      return;
    auto results = ping_all(backend(), {spec_for("127.0.0.2", 3, 10ms), spec_for("127.0.0.3", 3, 10ms)});
    run_result const& refused = results[0];
    ping_result const& p = details(refused);
    f.expect(refused.result == outcome::failure, "outcome: " + describe(refused));
    f.expect(p.sent == 3 && p.received == 0, "counts: " + describe(refused));
    f.expect(p.errors.size() == 1 && p.errors[0].find("destination host unreachable from") == 0 &&
                 p.errors[0].find("(3 times)") != std::string::npos,
             "errors: " + describe(refused) + " errors[0]=" + (p.errors.empty() ? "" : p.errors[0]));
    // The run beside it, to an address the rule does not match, is untouched.
    expect_all_answered(f, results[1], 3, "127.0.0.3");
  });
  EXPECT_EQ(report, "");
}

TEST_P(PingInNamespace, ManyRunsShareOneSocket_EachReplyReachesItsOwnRun) {
  auto report = in_namespace_with(access(), [&](netns::findings& f) {
    // Replies from .31 to .40 are dropped as they leave, silently: their
    // runs must see nothing, so a reply routed to the wrong run shows up as
    // a "received" there (or as a missing one elsewhere).
    if (!filter_output(f, "ip saddr 127.0.0.31-127.0.0.40 icmp type echo-reply drop")) return;
    auto results = ping_all(backend(), ten_echoes_to_forty_hosts(300ms));
    for (int host = 1; host <= 40; ++host) {
      run_result const& r = results[host - 1];
      std::string address = "127.0.0." + std::to_string(host);
      if (host <= 30) {
        expect_all_answered(f, r, 10, address);
      } else {
        f.expect(r.result == outcome::failure && details(r).received == 0 && details(r).late == 0 &&
                     details(r).duplicates == 0,
                 address + " should hear nothing: " + describe(r));
      }
    }
  });
  EXPECT_EQ(report, "");
}

TEST_P(PingInNamespace, ReplyAfterItsTimeout_CountedLateNotReceived) {
  auto report = in_namespace_with(access(), [&](netns::findings& f) {
    // A 1 µs timeout no loopback reply can meet; the 30 ms between echoes
    // give the reader time to see the earlier ones before the run ends.
    run_result r = ping_one(backend(), spec_for("127.0.0.1", 4, 30ms, 1us));
    ping_result const& p = details(r);
    f.expect(p.received == 0 && p.late >= 1 && p.late <= 4, "late replies: " + describe(r));
    f.expect(p.loss_percent == 100, "loss: " + describe(r));
    f.expect(r.result == outcome::failure, "outcome: " + describe(r));
  });
  EXPECT_EQ(report, "");
}

std::string case_name(::testing::TestParamInfo<std::tuple<reactor::backend_kind, icmp_access>> const& info) {
  return std::string(reactor::to_string(std::get<0>(info.param))) + "_" + access_name(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(backend_and_socket, PingInNamespace,
                         ::testing::Combine(::testing::ValuesIn(reactor::available_backends()),
                                            ::testing::Values(icmp_access::datagram, icmp_access::raw)),
                         case_name);

}  // namespace
