// ping to names whose DNS server never answers, on every backend: a run
// waiting in the resolver holds up neither the loop nor the other runs, and
// the lookup threads are capped. Linux only: each case runs in a forked
// child with its own network and mount namespaces, where /etc/resolv.conf
// names a silent server on 127.0.0.1 (support/netns.hpp).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>

#include "jobs/ping.hpp"
#include "ping_harness.hpp"
#include "reactor/reactor.hpp"
#include "support/backends.hpp"
#include "support/netns.hpp"

namespace {

using namespace ping_test;

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

// Cases run behind silent_dns_server(), in a child.
class PingBehindSilentDns : public ::testing::TestWithParam<reactor::backend_kind> {
 protected:
  void SetUp() override {
    if (!netns::can_make_namespaces()) GTEST_SKIP() << "needs root to make namespaces";
    for (char const* file : {"/etc/resolv.conf", "/etc/nsswitch.conf"})
      if (::access(file, F_OK) != 0) GTEST_SKIP() << "no " << file << " to mount over";
  }

  // Runs `body` in a child whose names go to silent_dns_server() (3 s a
  // lookup), ICMP on a raw socket, with a loop on this case's backend and
  // the services a run needs; `dns` is the server's socket. Returns what
  // the body found: "" when all was as expected.
  std::string behind_silent_dns(
      std::function<void(netns::findings&, reactor::loop&, ping_services&, int dns)> const& body) {
    reactor::backend_kind backend = GetParam();
    return in_namespace_with(icmp_access::raw, [&](netns::findings& f) {
      int dns = silent_dns_server(f, 3);
      if (dns < 0) return;
      reactor::loop l(reactor::loop_options{backend});
      ping_services ps(l);
      body(f, l, ps, dns);
      ::close(dns);
    });
  }
};
REACTORD_ON_EACH_BACKEND(PingBehindSilentDns);

TEST_P(PingBehindSilentDns, NameNeverAnswered_OtherRunsGoOnWhileItIsLookedUp) {
  // A name whose DNS server never answers: its run waits in the lookup
  // until its deadline, while a run to an address on the same loop sends
  // and receives as usual. A lookup on the loop thread would hold both for
  // the resolver's 3 s.
  auto report = behind_silent_dns([&](auto& f, reactor::loop& l, auto& ps, int dns) {
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
  });
  EXPECT_EQ(report, "");
}

TEST_P(PingBehindSilentDns, ManyNamesNeverAnswered_LookupThreadsAreCapped) {
  // 100 runs for names at once, all stuck in the resolver: at most 64
  // lookup threads; the other runs fail at once saying why.
  auto report = behind_silent_dns([&](auto& f, reactor::loop& l, auto& ps, int) {
    // The threads there are before any lookup: this one, and a backend's
    // own (libkqueue keeps one).
    auto threads_before =
        std::distance(std::filesystem::directory_iterator("/proc/self/task"), std::filesystem::directory_iterator{});
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
    auto threads =
        std::distance(std::filesystem::directory_iterator("/proc/self/task"), std::filesystem::directory_iterator{});
    f.expect(cut_short == 64, std::to_string(cut_short) + " runs waited in a lookup, wanted 64");
    f.expect(refused == 36, std::to_string(refused) + " runs were refused a lookup, wanted 36");
    f.expect(other == 0, std::to_string(other) + " runs ended otherwise, e.g. " + an_other);
    f.expect(threads <= threads_before + 64, std::to_string(threads) + " threads: more than 64 lookups and the " +
                                                 std::to_string(threads_before) + " there were before");
  });
  EXPECT_EQ(report, "");
}

}  // namespace
