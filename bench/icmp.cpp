// bench/icmp: ICMP echoes per second and CPU per echo to loopback, reactord's
// ping runs against fping on the same load in the same run (PEERS.md,
// "ICMP echo").
//
// The load: 1,000 targets, 127.0.0.1 ... 127.0.3.232, 50 echoes each, 1 ms
// apart per target, 56-byte payloads.
//  - fping: `fping -q -c 50 -p 1 -i 0 <targets>` (its ceiling), as a child
//    process; CPU is the child's user + sys from wait4.
//  - reactord: 1,000 concurrent run_ping runs (count 50, interval 1 ms,
//    timeout 1 s) on one loop and one icmp_service, in a forked child; CPU
//    is the child's own user + sys. Once on the host (root: raw sockets, as
//    fping uses), once in a private network namespace with ping sockets
//    allowed (SOCK_DGRAM), on each backend.
// Echoes per second = replies received / wall time of the whole load; the
// mean RTT of reactord's replies is printed for information. The
// benchmark checks that every echo was answered (loopback drops nothing)
// and exits 1 if a run lost any.
//
// The limit: a bare io_uring loop written here (no coroutines, no per-echo
// timeout, no result records), on a ping (DGRAM) socket in the same kind of
// namespace: 64 echoes in flight, one SENDMSG and one RECVMSG per echo,
// submitted and reaped in batches. What an ICMP prober on io_uring cannot
// go below; reactord's ping-socket runs are printed against it.
//
//   icmp [--count N]   echoes per target, default 50
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>

#include "jobs/fetch.hpp"
#include "jobs/ping.hpp"
#include "measure.hpp"
#include "reactor/reactor.hpp"

namespace {

using namespace std::chrono_literals;

constexpr int target_count = 1000;

std::vector<std::string> targets() {
  std::vector<std::string> out;
  for (int k = 1; k <= target_count; ++k)
    out.push_back("127.0." + std::to_string(k >> 8) + "." + std::to_string(k & 0xff));
  return out;
}

struct load_figures {
  double seconds = 0;
  double cpu_seconds = 0;
  double rtt_sum_us = 0;  // over the replies received (reactord only)
  long sent = 0;
  long received = 0;
  bool ok = false;
};

// fping as a child process, its replies counted from its -q summary.
load_figures run_fping(int count) {
  load_figures f;
  std::string command = "fping -q -c " + std::to_string(count) + " -p 1 -i 0";
  for (auto const& t : targets()) command += " " + t;
  command += " 2>&1";
  auto start = std::chrono::steady_clock::now();
  rusage before{};
  ::getrusage(RUSAGE_CHILDREN, &before);
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return f;
  char line[512];
  while (std::fgets(line, sizeof line, p)) {
    // "127.0.0.1 : xmt/rcv/%loss = 50/50/0%, min/avg/max = ..."
    if (char const* at = std::strstr(line, "xmt/rcv/%loss = ")) {
      long xmt = 0, rcv = 0;
      if (std::sscanf(at, "xmt/rcv/%%loss = %ld/%ld", &xmt, &rcv) == 2) {
        f.sent += xmt;
        f.received += rcv;
      }
    }
  }
  int status = ::pclose(p);
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  rusage after{};
  ::getrusage(RUSAGE_CHILDREN, &after);
  auto secs = [](timeval t) { return t.tv_sec + t.tv_usec / 1e6; };
  f.cpu_seconds = secs(after.ru_utime) - secs(before.ru_utime) + secs(after.ru_stime) - secs(before.ru_stime);
  // fping exits 0 if all targets answered, 1 if some did not.
  f.ok = WIFEXITED(status) && WEXITSTATUS(status) <= 1 && f.received > 0;
  return f;
}

reactor::task<void> ping_into(jobs::ping_spec spec, jobs::job_context& ctx, load_figures& f) {
  jobs::run_result r = co_await jobs::run_ping(spec, ctx);
  auto const& p = std::get<jobs::ping_result>(r.details);
  f.sent += p.sent;
  f.received += p.received;
  for (auto rtt : p.rtts) f.rtt_sum_us += std::chrono::duration<double, std::micro>(rtt).count();
  if (r.result != jobs::outcome::success) std::fprintf(stderr, "%s: %s\n", spec.target.c_str(), r.message.c_str());
}

// A private network namespace where ping sockets are allowed: lo up and
// net.ipv4.ping_group_range opened, in this (child) process only.
bool enter_namespace_with_ping_sockets() {
  if (::unshare(CLONE_NEWNET) != 0) return false;
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool up = fd >= 0 && ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
  up = up && ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
  if (fd >= 0) ::close(fd);
  std::ofstream("/proc/sys/net/ipv4/ping_group_range") << "0 2147483647\n";
  // And no raw sockets, so the service cannot pick one.
  return up;
}

load_figures run_reactord(reactor::backend_kind backend, int count) {
  load_figures f;
  auto names = targets();
  reactor::loop l(reactor::loop_options{backend});
  jobs::icmp_service icmp(l);
  jobs::http_client http(l);
  jobs::job_context ctx{l, icmp, http, [](std::string const&) {}};
  std::vector<jobs::ping_spec> specs;
  for (auto const& t : names) {
    jobs::ping_spec s;
    s.target = t;
    s.options.edit().count = count;
    s.options.edit().interval = 1ms;
    s.options.edit().echo_timeout = 1s;
    s.options.edit().payload_size = 56;
    specs.push_back(s);
  }
  auto cpu_before = bench::cpu_time();
  auto start = std::chrono::steady_clock::now();
  l.run(reactor::open_scope([&](reactor::scope& s) -> reactor::task<void> {
    s.spawn(icmp.serve());
    co_await reactor::open_scope([&](reactor::scope& runs) -> reactor::task<void> {
      for (auto const& spec : specs) runs.spawn(ping_into(spec, ctx, f));
      co_return;
    });
    s.cancel();
  }));
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  f.cpu_seconds = std::chrono::duration<double>(bench::cpu_time() - cpu_before).count();
  f.ok = f.received == f.sent && f.sent == long(count) * target_count;
  return f;
}

// The bare io_uring echo loop (see the top of the file).
load_figures run_bare_io_uring(int count) {
  load_figures f;
  constexpr unsigned in_flight = 64;
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_ICMP);
  if (fd < 0) return f;
  io_uring ring{};
  if (::io_uring_queue_init(4 * in_flight, &ring, 0) != 0) {
    ::close(fd);
    return f;
  }
  std::vector<sockaddr_in> addresses;
  for (auto const& t : targets()) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, t.c_str(), &a.sin_addr);
    addresses.push_back(a);
  }
  struct echo_slot {
    unsigned char packet[8 + 56]{};
    iovec send_iov{};
    msghdr send_msg{};
    unsigned char reply[512]{};
    iovec recv_iov{};
    msghdr recv_msg{};
    sockaddr_in from{};
  };
  std::vector<echo_slot> slots(in_flight);
  long const total = long(count) * target_count;
  long next = 0;  // the next echo to send: target next % targets, sequence next / targets
  auto send = [&](echo_slot& e) {
    auto& a = addresses[next % target_count];
    icmphdr h{};
    h.type = ICMP_ECHO;
    h.un.echo.sequence = htons(static_cast<std::uint16_t>(next / target_count));
    std::memcpy(e.packet, &h, sizeof h);  // the kernel fills in id and checksum of a ping socket
    e.send_iov = {e.packet, sizeof e.packet};
    e.send_msg = {};
    e.send_msg.msg_name = &a;
    e.send_msg.msg_namelen = sizeof a;
    e.send_msg.msg_iov = &e.send_iov;
    e.send_msg.msg_iovlen = 1;
    io_uring_sqe* sqe = ::io_uring_get_sqe(&ring);
    ::io_uring_prep_sendmsg(sqe, fd, &e.send_msg, 0);
    ::io_uring_sqe_set_data64(sqe, 0);
    ++next;
    ++f.sent;
  };
  auto receive = [&](echo_slot& e) {
    e.recv_iov = {e.reply, sizeof e.reply};
    e.recv_msg = {};
    e.recv_msg.msg_name = &e.from;
    e.recv_msg.msg_namelen = sizeof e.from;
    e.recv_msg.msg_iov = &e.recv_iov;
    e.recv_msg.msg_iovlen = 1;
    io_uring_sqe* sqe = ::io_uring_get_sqe(&ring);
    ::io_uring_prep_recvmsg(sqe, fd, &e.recv_msg, 0);
    ::io_uring_sqe_set_data64(sqe, 1 + static_cast<std::uint64_t>(&e - slots.data()));
  };
  auto cpu_before = bench::cpu_time();
  auto start = std::chrono::steady_clock::now();
  for (auto& e : slots) {
    receive(e);
    if (next < total) send(e);
  }
  bool failed = false;
  while (f.received < total && !failed) {
    io_uring_cqe* cqe = nullptr;
    __kernel_timespec one_second{1, 0};
    if (::io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &one_second, nullptr) < 0 && !cqe) break;  // lost
    unsigned head = 0, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      auto data = ::io_uring_cqe_get_data64(cqe);
      if (cqe->res < 0) {
        failed = true;
        continue;
      }
      if (data == 0) continue;  // a send completed
      ++f.received;
      echo_slot& e = slots[data - 1];
      receive(e);
      if (next < total) send(e);
    }
    ::io_uring_cq_advance(&ring, seen);
  }
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  f.cpu_seconds = std::chrono::duration<double>(bench::cpu_time() - cpu_before).count();
  f.ok = !failed && f.received == total;
  ::io_uring_queue_exit(&ring);
  ::close(fd);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 50;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--count") count = std::atoi(argv[i + 1]);

  load_figures fping = run_fping(count);
  if (!fping.ok) {
    std::fprintf(stderr, "fping failed or answered nothing (is it installed?)\n");
    return 1;
  }
  double fping_rate = fping.received / fping.seconds;
  double fping_cpu_us = fping.cpu_seconds * 1e6 / fping.received;
  bool all_ok = true;
  auto bare = bench::in_child([&] {
    if (!enter_namespace_with_ping_sockets()) return load_figures{};
    return run_bare_io_uring(count);
  });
  if (!bare.ok || !bare.result.ok) {
    std::fprintf(stderr, "bare io_uring loop: %ld of %ld echoes answered\n", bare.result.received, bare.result.sent);
    all_ok = false;
  }
  double bare_rate = bare.result.received / std::max(bare.result.seconds, 1e-9);
  double bare_cpu_us = bare.result.cpu_seconds * 1e6 / std::max(bare.result.received, 1L);

  for (auto backend : reactor::available_backends()) {
    for (bool datagram : {false, true}) {
      auto child = bench::in_child([&] {
        if (datagram && !enter_namespace_with_ping_sockets()) return load_figures{};
        return run_reactord(backend, count);
      });
      load_figures& ours = child.result;
      std::string name =
          std::string("icmp ") + std::string(reactor::to_string(backend)) + (datagram ? " ping-socket" : " raw-socket");
      if (!child.ok || !ours.ok) {
        std::fprintf(stderr, "%s: %ld of %ld echoes answered\n", name.c_str(), ours.received, ours.sent);
        all_ok = false;
        continue;
      }
      bench::print_figure(name + " echoes/s", ours.received / ours.seconds, "echoes/s", "fping", fping_rate);
      bench::print_figure(name + " CPU per echo", ours.cpu_seconds * 1e6 / ours.received, "us", "fping", fping_cpu_us,
                          2);
      // On loopback an RTT is the kernel's send and answer: a mean that
      // grows with a change is time an echo waited that the RTT counts.
      bench::print_figure(name + " mean RTT", ours.rtt_sum_us / ours.received, "us", 1);
      if (datagram && bare.result.ok) {
        bench::print_figure(name + " echoes/s vs the limit", ours.received / ours.seconds, "echoes/s",
                            "bare io_uring loop", bare_rate);
        bench::print_figure(name + " CPU per echo vs the limit", ours.cpu_seconds * 1e6 / ours.received, "us",
                            "bare io_uring loop", bare_cpu_us, 2);
      }
    }
  }
  std::printf("fping: %ld of %ld echoes answered in %.3f s\n", fping.received, fping.sent, fping.seconds);
  return all_ok ? 0 : 1;
}
