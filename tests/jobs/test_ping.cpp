// ping: ICMP and ICMPv6 echo over the loop's shared sockets, in each socket
// mode (ping socket, raw socket, neither allowed), on every backend.
//
// On Linux, every case that needs a mode, a firewall rule or a sysctl runs in
// a forked child inside a fresh network namespace (netns.hpp); the host's
// settings are never touched. On Windows (IcmpSendEcho2Ex, under wine in
// CI) the loopback cases run directly. Bounds on timings and loss are generous: this runs on a
// shared 2-core machine.
#include <gtest/gtest.h>

#include <filesystem>
#include <iterator>
#include <optional>
#include <regex>
#include <string>
#include <tuple>
#include <vector>

#include "jobs/fetch.hpp"
#include "jobs/ping.hpp"
#include "reactor/reactor.hpp"
#include "support/backends.hpp"

#if !defined(_WIN32)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>

#include "support/netns.hpp"
#endif

namespace {

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

reactor::task<void> ping_into(ping_spec spec, jobs::job_context& ctx, run_result& out) {
  out = co_await jobs::run_ping(spec, ctx);
}

// A run with a deadline: its result, or nothing if the deadline cut it short.
reactor::task<std::optional<run_result>> ping_until(reactor::deadline limit, ping_spec const& spec,
                                                    jobs::job_context& ctx) {
  try {
    co_return co_await reactor::with_timeout(limit, jobs::run_ping(spec, ctx));
  } catch (reactor::timeout_error const&) {
    co_return std::nullopt;
  }
}

// Runs every spec at once on one loop, with the service's serve() beside
// them as the scheduler runs it, and returns the results in spec order.
std::vector<run_result> ping_all(reactor::backend_kind backend, std::vector<ping_spec> const& specs) {
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

run_result ping_one(reactor::backend_kind backend, ping_spec const& spec) {
  return ping_all(backend, {spec}).front();
}

ping_result const& details(run_result const& r) { return std::get<ping_result>(r.details); }

std::string describe(run_result const& r) {
  ping_result const& p = details(r);
  return std::string(jobs::to_string(r.result)) + " sent=" + std::to_string(p.sent) +
         " received=" + std::to_string(p.received) + " late=" + std::to_string(p.late) +
         " duplicates=" + std::to_string(p.duplicates) + " message=\"" + r.message + "\"";
}

ping_spec spec_for(std::string target, int count, jobs::duration interval,
                   jobs::duration echo_timeout = 1s) {
  ping_spec s;
  s.target = std::move(target);
  s.count = count;
  s.interval = interval;
  s.echo_timeout = echo_timeout;
  return s;
}

class Ping : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(Ping);

TEST_P(Ping, Ipv4AddressWithIpVersion6_FailsToResolve) {
  ping_spec s = spec_for("127.0.0.1", 1, 1ms);
  s.ip = jobs::ip_version::v6;
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

enum class icmp_access { datagram, raw };

std::string access_name(icmp_access a) { return a == icmp_access::datagram ? "datagram" : "raw"; }

// In a child: a fresh namespace where exactly one socket mode works. For
// datagram, ping sockets are allowed and CAP_NET_RAW is dropped (so a raw
// socket would fail); for raw, ping sockets are off ("1 0") and we keep
// root's CAP_NET_RAW.
bool enter_namespace_with(netns::findings& f, icmp_access a) {
  if (!netns::enter_fresh_namespace(f)) return false;
  if (a == icmp_access::datagram)
    return netns::set_ping_group_range(f, "0 2147483647") && netns::drop_cap_net_raw(f);
  return netns::set_ping_group_range(f, "1 0");
}

// Checks a run where every echo should have been answered.
void expect_all_answered(netns::findings& f, run_result const& r, int count,
                         std::string const& address) {
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

// The number in "counter packets N" of the nftables rule set.
long dropped_by_nft() {
  std::string rules = netns::command_output("nft list ruleset 2>&1");
  std::smatch m;
  if (!std::regex_search(rules, m, std::regex("counter packets ([0-9]+)"))) return -1;
  return std::stol(m[1]);
}

class PingInNamespace
    : public ::testing::TestWithParam<std::tuple<reactor::backend_kind, icmp_access>> {
 protected:
  void SetUp() override {
    if (!netns::can_make_namespaces()) GTEST_SKIP() << "needs root to make network namespaces";
  }
  reactor::backend_kind backend() const { return std::get<0>(GetParam()); }
  icmp_access access() const { return std::get<1>(GetParam()); }
};

TEST_P(PingInNamespace, EchoToIpv4Loopback_EveryReplyCountedWithItsRtt) {
  auto report = netns::run_in_child([&] {
    netns::findings f;
    if (!enter_namespace_with(f, access())) return f.text;
    expect_all_answered(f, ping_one(backend(), spec_for("127.0.0.1", 5, 20ms)), 5, "127.0.0.1");
    // By name, from /etc/hosts.
    ping_spec by_name = spec_for("localhost", 2, 10ms);
    by_name.ip = jobs::ip_version::v4;
    expect_all_answered(f, ping_one(backend(), by_name), 2, "127.0.0.1");
    return f.text;
  });
  EXPECT_EQ(report, "");
}

TEST_P(PingInNamespace, FailedIfAndDegradedIf_NameTheBarTheValueAndTheCondition) {
  auto report = netns::run_in_child([&] {
    netns::findings f;
    if (!enter_namespace_with(f, access())) return f.text;
    ping_spec any_echo = spec_for("127.0.0.1", 2, 10ms);
    any_echo.failed_if.rtt_max_over = 0ms;  // every real echo takes longer
    ping_spec average = spec_for("127.0.0.1", 2, 10ms);
    average.degraded_if.rtt_avg_over = 0ms;
    ping_spec within = spec_for("127.0.0.1", 2, 10ms);
    within.failed_if.rtt_max_over = 1h;
    within.failed_if.loss_over_percent = 50;
    within.degraded_if.rtt_avg_over = 1h;
    auto rs = ping_all(backend(), {any_echo, average, within});
    f.expect(rs[0].result == outcome::failure && rs[0].condition == "failed_if.rtt_max_over",
             "rtt_max_over: " + describe(rs[0]));
    f.expect(rs[0].message.find(", over 0ms (failed_if.rtt_max_over)") != std::string::npos,
             "message: " + rs[0].message);
    f.expect(rs[1].result == outcome::degraded && rs[1].condition == "degraded_if.rtt_avg_over",
             "rtt_avg_over: " + describe(rs[1]));
    f.expect(rs[2].result == outcome::success && rs[2].condition.empty(), "within the bars: " + describe(rs[2]));
    return f.text;
  });
  EXPECT_EQ(report, "");
}

TEST_P(PingInNamespace, EchoToIpv6Loopback_EveryReplyCounted) {
  auto report = netns::run_in_child([&] {
    netns::findings f;
    if (!enter_namespace_with(f, access())) return f.text;
    expect_all_answered(f, ping_one(backend(), spec_for("::1", 4, 20ms)), 4, "::1");
    return f.text;
  });
  EXPECT_EQ(report, "");
}

TEST_P(PingInNamespace, PayloadSizesFromZeroToLarge_AllAnswered) {
  auto report = netns::run_in_child([&] {
    netns::findings f;
    if (!enter_namespace_with(f, access())) return f.text;
    for (std::size_t size : {0, 1, 7, 8, 9, 56, 1400, 8000}) {
      ping_spec s = spec_for("127.0.0.1", 2, 5ms);
      s.payload_size = size;
      run_result r = ping_one(backend(), s);
      f.expect(details(r).received == 2, "payload " + std::to_string(size) + ": " + describe(r));
    }
    return f.text;
  });
  EXPECT_EQ(report, "");
}

TEST_P(PingInNamespace, FirewallDropsAShare_ReportedLossMatchesDroppedPackets) {
  auto report = netns::run_in_child([&] {
    netns::findings f;
    if (!enter_namespace_with(f, access())) return f.text;
    // Every ICMP packet leaving (requests and the kernel's replies alike)
    // has a 1 in 10 chance of being dropped, and the counter says how many
    // were. Each echo can be dropped at most once: a dropped request has no
    // reply. A dropped request fails its send with EPERM (the output hook's
    // verdict reaches sendmsg); a dropped reply is simply never seen.
    if (!netns::run_command(f, "nft add table ip loss") ||
        !netns::run_command(f, "nft add chain ip loss out '{ type filter hook output priority 0; }'") ||
        !netns::run_command(f, "nft add rule ip loss out meta l4proto icmp numgen random mod 10 == 0 counter drop"))
      return f.text;
    constexpr int count = 300;
    run_result r = ping_one(backend(), spec_for("127.0.0.1", count, 1ms));
    ping_result const& p = details(r);
    long dropped = dropped_by_nft();
    std::fprintf(stderr, "loss %.1f%%, %d of %d lost, nft dropped %ld\n", p.loss_percent,
                 p.sent - p.received, p.sent, dropped);
    f.expect(p.sent == count, "sent: " + describe(r));
    f.expect(p.sent - p.received == dropped,
             "lost " + std::to_string(p.sent - p.received) + " but nft dropped " + std::to_string(dropped));
    // About 19% expected (1 - 0.9 * 0.9); far outside this means we miscount.
    f.expect(p.loss_percent > 3 && p.loss_percent < 45, "loss out of bounds: " + describe(r));
    f.expect(r.result == outcome::degraded, "outcome: " + describe(r));
    f.expect(p.rtts.size() == static_cast<std::size_t>(p.received), "rtts: " + describe(r));
    return f.text;
  });
  EXPECT_EQ(report, "");
}

TEST_P(PingInNamespace, FirewallRejectsWithHostUnreachable_ErrorReportedAsSuch) {
  auto report = netns::run_in_child([&] {
    netns::findings f;
    if (!enter_namespace_with(f, access())) return f.text;
    if (!netns::run_command(f, "nft add table ip refuse") ||
        !netns::run_command(f, "nft add chain ip refuse out '{ type filter hook output priority 0; }'") ||
        !netns::run_command(f, "nft add rule ip refuse out ip daddr 127.0.0.2 icmp type echo-request reject with icmp type host-unreachable"))
      return f.text;
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
    return f.text;
  });
  EXPECT_EQ(report, "");
}

TEST_P(PingInNamespace, ManyRunsShareOneSocket_EachReplyReachesItsOwnRun) {
  auto report = netns::run_in_child([&] {
    netns::findings f;
    if (!enter_namespace_with(f, access())) return f.text;
    // Replies from .31 to .40 are dropped as they leave, silently: their
    // runs must see nothing, so a reply routed to the wrong run shows up as
    // a "received" there (or as a missing one elsewhere).
    if (!netns::run_command(f, "nft add table ip silence") ||
        !netns::run_command(f, "nft add chain ip silence out '{ type filter hook output priority 0; }'") ||
        !netns::run_command(f, "nft add rule ip silence out ip saddr 127.0.0.31-127.0.0.40 icmp type echo-reply drop"))
      return f.text;
    std::vector<ping_spec> specs;
    std::size_t const sizes[] = {0, 3, 8, 56, 120};
    for (int host = 1; host <= 40; ++host) {
      ping_spec s = spec_for("127.0.0." + std::to_string(host), 10, 5ms, 300ms);
      s.payload_size = sizes[host % 5];
      specs.push_back(s);
    }
    auto results = ping_all(backend(), specs);
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
    return f.text;
  });
  EXPECT_EQ(report, "");
}

TEST_P(PingInNamespace, ReplyAfterItsTimeout_CountedLateNotReceived) {
  auto report = netns::run_in_child([&] {
    netns::findings f;
    if (!enter_namespace_with(f, access())) return f.text;
    // A 1 µs timeout no loopback reply can meet; the 30 ms between echoes
    // give the reader time to see the earlier ones before the run ends.
    run_result r = ping_one(backend(), spec_for("127.0.0.1", 4, 30ms, 1us));
    ping_result const& p = details(r);
    f.expect(p.received == 0 && p.late >= 1 && p.late <= 4, "late replies: " + describe(r));
    f.expect(p.loss_percent == 100, "loss: " + describe(r));
    f.expect(r.result == outcome::failure, "outcome: " + describe(r));
    return f.text;
  });
  EXPECT_EQ(report, "");
}

std::string case_name(::testing::TestParamInfo<std::tuple<reactor::backend_kind, icmp_access>> const& info) {
  return std::string(reactor::to_string(std::get<0>(info.param))) + "_" +
         access_name(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(backend_and_socket, PingInNamespace,
                         ::testing::Combine(::testing::ValuesIn(reactor::available_backends()),
                                            ::testing::Values(icmp_access::datagram, icmp_access::raw)),
                         case_name);

TEST_P(Ping, NeitherPingSocketNorRaw_OneErrorNamingBothFixes) {
  if (!netns::can_make_namespaces()) GTEST_SKIP() << "needs root to make network namespaces";
  reactor::backend_kind backend = GetParam();
  auto report = netns::run_in_child([&] {
    netns::findings f;
    if (!netns::enter_fresh_namespace(f) || !netns::set_ping_group_range(f, "1 0") ||
        !netns::become_nobody(f))
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

// In a child that has entered its own namespaces: /etc/resolv.conf and
// /etc/nsswitch.conf replaced (bind mounts in a private mount namespace) so
// that names go to a DNS server on 127.0.0.1:53 that reads every query and
// never answers, each attempt waiting `timeout` seconds. Returns the
// server's socket (keep it open), or -1 with the reason in `f`.
int silent_dns_server(netns::findings& f, int timeout) {
  if (!f.expect(::unshare(CLONE_NEWNS) == 0, netns::errno_text("unshare(CLONE_NEWNS)")) ||
      !f.expect(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0,
                netns::errno_text("mount --make-rprivate /")))
    return -1;
  char dir[] = "/tmp/reactord-dns-XXXXXX";
  if (!f.expect(::mkdtemp(dir) != nullptr, netns::errno_text("mkdtemp"))) return -1;
  auto replace = [&](char const* target, std::string const& name, std::string const& text) {
    std::string path = std::string(dir) + "/" + name;
    std::ofstream(path) << text;
    return f.expect(::mount(path.c_str(), target, nullptr, MS_BIND, nullptr) == 0,
                    netns::errno_text(("bind-mount over " + std::string(target)).c_str()));
  };
  if (!replace("/etc/resolv.conf", "resolv.conf",
               "nameserver 127.0.0.1\noptions timeout:" + std::to_string(timeout) + " attempts:1\n") ||
      !replace("/etc/nsswitch.conf", "nsswitch.conf", "hosts: files dns\n"))
    return -1;
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(53);
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (!f.expect(fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0,
                netns::errno_text("bind 127.0.0.1:53")))
    return -1;
  return fd;
}

// Cases run with silent_dns_server() in a child; each makes its own loop.
class PingBehindSilentDns : public ::testing::TestWithParam<reactor::backend_kind> {
 protected:
  void SetUp() override {
    if (!netns::can_make_namespaces()) GTEST_SKIP() << "needs root to make namespaces";
    for (char const* file : {"/etc/resolv.conf", "/etc/nsswitch.conf"})
      if (::access(file, F_OK) != 0) GTEST_SKIP() << "no " << file << " to mount over";
  }
};
REACTORD_ON_EACH_BACKEND(PingBehindSilentDns);

TEST_P(PingBehindSilentDns, NameNeverAnswered_OtherRunsGoOnWhileItIsLookedUp) {
  // A name whose DNS server never answers: its run waits in the lookup
  // until its deadline, while a run to an address on the same loop sends
  // and receives as usual. A lookup on the loop thread would hold both for
  // the resolver's 3 s.
  reactor::backend_kind backend = GetParam();
  auto report = netns::run_in_child([&] {
    netns::findings f;
    if (!enter_namespace_with(f, icmp_access::raw)) return f.text;
    int dns = silent_dns_server(f, 3);
    if (dns < 0) return f.text;
    reactor::loop l(reactor::loop_options{backend});
    ping_services ps(l);
    bool lookup_cut_short = false;
    run_result meanwhile;
    reactor::deadline start = reactor::clock::now(), lookup_ended{};
    l.run(reactor::open_scope([&](reactor::scope& s) -> reactor::task<void> {
      s.spawn(ps.icmp.serve());
      s.spawn([&]() -> reactor::task<void> {
        ping_spec stalls = spec_for("stalls.reactord.test", 1, 1ms);
        lookup_cut_short = !(co_await ping_until(start + 300ms, stalls, ps.ctx));
        lookup_ended = reactor::clock::now();
      });
      meanwhile = co_await jobs::run_ping(spec_for("127.0.0.1", 5, 20ms), ps.ctx);
      while (lookup_ended == reactor::deadline{}) co_await reactor::sleep_for(10ms);
      s.cancel();
    }));
    f.expect(lookup_cut_short, "the run whose name never resolves was not cut short at 300 ms");
    f.expect(lookup_ended - start < 2s, "the lookup's run ended only after " +
                                            std::to_string((lookup_ended - start) / 1ms) +
                                            " ms: the loop waited for the resolver");
    expect_all_answered(f, meanwhile, 5, "127.0.0.1");
    char query[512];
    f.expect(::recv(dns, query, sizeof query, MSG_DONTWAIT) > 0,
             "the silent DNS server got no query: the lookup did not go to DNS");
    ::close(dns);
    return f.text;
  });
  EXPECT_EQ(report, "");
}

TEST_P(PingBehindSilentDns, ManyNamesNeverAnswered_LookupThreadsAreCapped) {
  // 100 runs for names at once, all stuck in the resolver: at most 64
  // lookup threads; the other runs fail at once saying why.
  reactor::backend_kind backend = GetParam();
  auto report = netns::run_in_child([&] {
    netns::findings f;
    if (!enter_namespace_with(f, icmp_access::raw)) return f.text;
    int dns = silent_dns_server(f, 3);
    if (dns < 0) return f.text;
    reactor::loop l(reactor::loop_options{backend});
    ping_services ps(l);
    int refused = 0, cut_short = 0, other = 0;
    std::string an_other;
    l.run(reactor::open_scope([&](reactor::scope& s) -> reactor::task<void> {
      s.spawn(ps.icmp.serve());
      co_await reactor::open_scope([&](reactor::scope& runs) -> reactor::task<void> {
        for (int i = 0; i < 100; ++i)
          runs.spawn([&, i]() -> reactor::task<void> {
            ping_spec spec = spec_for("host" + std::to_string(i) + ".reactord.test", 1, 1ms);
            auto r = co_await ping_until(reactor::clock::now() + 300ms, spec, ps.ctx);
            if (!r)
              ++cut_short;
            else if (r->message.find("64 name lookups are already waiting") != std::string::npos)
              ++refused;
            else
              ++other, an_other = r->message;
          });
        co_return;
      });
      s.cancel();
    }));
    // The lookups still wait for the resolver (3 s); count their threads.
    auto threads = std::distance(std::filesystem::directory_iterator("/proc/self/task"),
                                 std::filesystem::directory_iterator{});
    f.expect(cut_short == 64, std::to_string(cut_short) + " runs waited in a lookup, wanted 64");
    f.expect(refused == 36, std::to_string(refused) + " runs were refused a lookup, wanted 36");
    f.expect(other == 0, std::to_string(other) + " runs ended otherwise, e.g. " + an_other);
    f.expect(threads <= 64 + 1, std::to_string(threads) + " threads: more than 64 lookups and this one");
    ::close(dns);
    return f.text;
  });
  EXPECT_EQ(report, "");
}

TEST_P(Ping, CancelledMidRun_LaterRunsOnTheSameSocketStillWork) {
  if (!netns::can_make_namespaces()) GTEST_SKIP() << "needs root to make network namespaces";
  reactor::backend_kind backend = GetParam();
  auto report = netns::run_in_child([&] {
    netns::findings f;
    if (!enter_namespace_with(f, icmp_access::datagram)) return f.text;
    reactor::loop l(reactor::loop_options{backend});
    ping_services ps(l);
    run_result after;
    bool cut_short = false;
    l.run(reactor::open_scope([&](reactor::scope& s) -> reactor::task<void> {
      s.spawn(ps.icmp.serve());
      ping_spec slow = spec_for("127.0.0.1", 100, 10ms);
      cut_short = !(co_await ping_until(reactor::clock::now() + 50ms, slow, ps.ctx));
      after = co_await jobs::run_ping(spec_for("127.0.0.1", 3, 5ms), ps.ctx);
      s.cancel();
    }));
    f.expect(cut_short, "the 1 s run was not cut short by its 50 ms deadline");
    expect_all_answered(f, after, 3, "127.0.0.1");
    return f.text;
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
  by_name.ip = jobs::ip_version::v4;
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
    s.payload_size = size;
    run_result r = ping_one(GetParam(), s);
    EXPECT_EQ(details(r).received, 2) << "payload " << size << ": " << describe(r);
  }
}

TEST_P(Ping, ManyRunsAtOnce_EachReplyReachesItsOwnRun) {
  std::vector<ping_spec> specs;
  std::size_t const sizes[] = {0, 3, 8, 56, 120};
  for (int host = 1; host <= 40; ++host) {
    ping_spec s = spec_for("127.0.0." + std::to_string(host), 10, 5ms, 500ms);
    s.payload_size = sizes[host % 5];
    specs.push_back(s);
  }
  auto results = ping_all(GetParam(), specs);
  for (int host = 1; host <= 40; ++host)
    expect_all_answered(results[host - 1], 10, "127.0.0." + std::to_string(host));
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
  reactor::loop& l = this->l();
  ping_services ps(l);
  run_result after;
  bool cut_short = false;
  l.run(reactor::open_scope([&](reactor::scope& s) -> reactor::task<void> {
    s.spawn(ps.icmp.serve());
    ping_spec slow = spec_for("127.0.0.1", 100, 10ms);
    cut_short = !(co_await ping_until(reactor::clock::now() + 50ms, slow, ps.ctx));
    after = co_await jobs::run_ping(spec_for("127.0.0.1", 3, 5ms), ps.ctx);
    s.cancel();
  }));
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
