#include "icmp_endpoint.hpp"

// Linux and the BSDs/macOS differ in what a ping socket does, and the
// differences are kept to a few #if __linux__ blocks:
//  - Linux: unprivileged ICMP sockets where net.ipv4.ping_group_range
//    allows; the kernel replaces our id with the socket's port, strips the
//    IPv4 header, and reports ICMP errors on the error queue (IP_RECVERR).
//    SO_TIMESTAMPNS, SO_RCVBUFFORCE and ICMP_FILTER are used where present.
//  - macOS: ICMP datagram sockets need no privilege, keep our id (so we
//    choose it, as for a raw socket), deliver IPv4 replies with their IP
//    header (parse() detects it), and deliver ICMP errors as packets.
//  - FreeBSD and the other BSDs: no ICMP datagram sockets; raw sockets,
//    which need root. Timestamps are SO_TIMESTAMP (microseconds).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in_systm.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/errqueue.h>
#endif

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include "icmp_cookie.hpp"
#include "reactor/io.hpp"
#include "reactor/sleep.hpp"

namespace jobs::icmp {

char const* to_string(socket_mode m) noexcept {
  return m == socket_mode::datagram ? "datagram" : "raw";
}

namespace {

// The errnos an ICMP error becomes as a socket's pending error
// (icmp_err_convert in net/ipv4/icmp.c, icmpv6_err_convert).
bool is_icmp_errno(int e) {
  return e == EHOSTUNREACH || e == ENETUNREACH || e == ECONNREFUSED || e == EACCES ||
         e == EPROTO || e == ENOPROTOOPT || e == EMSGSIZE || e == EOPNOTSUPP;
}

std::string errno_text(int e) { return std::system_category().message(e); }

#if defined(__linux__)
// The sysctl as the message shows it. Under systemd's ProcSubset=pid (as in
// reactord's unit) /proc/sys is hidden, so say that rather than "unknown".
std::string ping_group_range() {
  std::ifstream in("/proc/sys/net/ipv4/ping_group_range");
  std::string low, high;
  if (!(in >> low >> high))
    return "net.ipv4.ping_group_range cannot be read here: /proc/sys is hidden (ProcSubset=pid?); "
           "`sysctl net.ipv4.ping_group_range` on the host shows it";
  return "net.ipv4.ping_group_range is \"" + low + " " + high + "\"";
}
#endif

// Why neither socket could be opened, and the ways to fix it.
std::string neither_allowed(int family, int datagram_errno, int raw_errno) {
  std::string text = family == AF_INET ? "cannot open an ICMP socket" : "cannot open an ICMPv6 socket";
#if defined(__linux__)
  text += ": unprivileged ICMP sockets are not allowed for group " + std::to_string(::getgid()) +
          " (" + ping_group_range() + "; " +
          errno_text(datagram_errno) + ") and raw sockets need CAP_NET_RAW (" +
          errno_text(raw_errno) +
          "). Fix either: allow the group in the sysctl, e.g. "
          "net.ipv4.ping_group_range = 0 2147483647 in /etc/sysctl.d/, or grant the "
          "capability, e.g. AmbientCapabilities=CAP_NET_RAW in the systemd unit";
#else
  text += ": ICMP datagram sockets are not available (" + errno_text(datagram_errno) +
          ") and raw sockets need root (" + errno_text(raw_errno) + "). Run reactord as root";
#endif
  return text;
}

// A non-blocking, close-on-exec socket (macOS has no SOCK_NONBLOCK).
int open_socket(int family, int type, int protocol) {
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
  return ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
#else
  int fd = ::socket(family, type, protocol);
  if (fd >= 0) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  return fd;
#endif
}

void set_option(int fd, int level, int name, int value) {
  ::setsockopt(fd, level, name, &value, sizeof value);
}

// Only echo replies and the errors that quote a request reach a raw socket;
// without these filters it would also wake for every echo request the host
// sends or answers (on loopback, our own requests).
void filter_raw(int fd, int family) {
  if (family == AF_INET) {
#if defined(__linux__)
    // ICMP_FILTER (linux/icmp.h, which clashes with netinet/ip_icmp.h):
    // a bit set means "drop this type". The BSDs have no such filter; there
    // dispatch() drops what is not ours.
    constexpr int icmp_filter_option = 1;
    std::uint32_t drop = ~((1u << ICMP_ECHOREPLY) | (1u << ICMP_UNREACH) |
                           (1u << ICMP_TIMXCEED) | (1u << ICMP_PARAMPROB));
    ::setsockopt(fd, SOL_RAW, icmp_filter_option, &drop, sizeof drop);
#endif
  } else {
    icmp6_filter filter;
    ICMP6_FILTER_SETBLOCKALL(&filter);
    ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
    ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &filter);
    ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &filter);
    ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &filter);
    ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &filter);
    ::setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
  }
}

#if defined(SO_TIMESTAMPNS)
constexpr int timestamp_option = SO_TIMESTAMPNS;  // Linux: a timespec
#else
constexpr int timestamp_option = SO_TIMESTAMP;    // elsewhere: a timeval
#endif

// The monotonic instant at which the kernel stamped a packet.
// The stamp is CLOCK_REALTIME, which can be stepped; we take
// its distance from a realtime reading made just now and subtract that from
// a monotonic reading made at the same moment. If the distance is negative
// or implausible (the wall clock was stepped in between), the monotonic
// reading itself is the better answer.
reactor::deadline monotonic_stamp(msghdr const& h, reactor::deadline mono_now,
                                  timespec const& real_now) {
  for (cmsghdr const* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), const_cast<cmsghdr*>(c))) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    timespec stamp;
#if defined(SO_TIMESTAMPNS)
    if (c->cmsg_type != SCM_TIMESTAMPNS) continue;
    std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
#else
    if (c->cmsg_type != SCM_TIMESTAMP) continue;
    timeval micro;
    std::memcpy(&micro, CMSG_DATA(c), sizeof micro);
    stamp = {micro.tv_sec, static_cast<long>(micro.tv_usec) * 1000};
#endif
    auto age = std::chrono::seconds(real_now.tv_sec - stamp.tv_sec) +
               std::chrono::nanoseconds(real_now.tv_nsec - stamp.tv_nsec);
    if (age >= std::chrono::nanoseconds(0) && age < std::chrono::seconds(1))
      return mono_now - std::chrono::duration_cast<reactor::clock::duration>(age);
  }
  return mono_now;
}

// recvmmsg where there is one (Linux, FreeBSD); on macOS one recvmsg per
// packet, with the same result.
int receive_batch(int fd, mmsghdr* headers, unsigned count) {
#if defined(__APPLE__)
  unsigned got = 0;
  for (; got < count; ++got) {
    ssize_t n = ::recvmsg(fd, &headers[got].msg_hdr, MSG_DONTWAIT);
    if (n < 0) return got > 0 ? static_cast<int>(got) : -1;
    headers[got].msg_len = static_cast<unsigned>(n);
  }
  return static_cast<int>(got);
#else
  return ::recvmmsg(fd, headers, count, MSG_DONTWAIT, nullptr);
#endif
}

std::string address_text(sockaddr const* sa) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (sa->sa_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in const*>(sa)->sin_addr, text, sizeof text);
  else if (sa->sa_family == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6 const*>(sa)->sin6_addr, text, sizeof text);
  return text;
}

}  // namespace

std::unique_ptr<endpoint> endpoint::open(reactor::loop&, int family, std::string& error) {
  int protocol = family == AF_INET ? int(IPPROTO_ICMP) : int(IPPROTO_ICMPV6);
  int fd = open_socket(family, SOCK_DGRAM, protocol);
  int datagram_errno = fd < 0 ? errno : 0;
  socket_mode mode = socket_mode::datagram;
  if (fd < 0) {
    fd = open_socket(family, SOCK_RAW, protocol);
    mode = socket_mode::raw;
  }
  if (fd < 0) {
    int raw_errno = errno;
    // Not permitted (Linux: EACCES; macOS/BSD raw: EPERM), or not there at
    // all (BSD has no ICMP datagram sockets: EPROTONOSUPPORT).
    bool datagram_refused = datagram_errno == EACCES || datagram_errno == EPERM ||
                            datagram_errno == EPROTONOSUPPORT;
    if (datagram_errno == EAFNOSUPPORT || raw_errno == EAFNOSUPPORT)
      error = family == AF_INET6 ? "IPv6 is not available on this host" : "IPv4 is not available on this host";
    else if (datagram_refused && (raw_errno == EPERM || raw_errno == EACCES))
      error = neither_allowed(family, datagram_errno, raw_errno);
    else
      error = std::string("cannot open an ICMP socket: ") + errno_text(datagram_errno) + " (ping socket), " +
              errno_text(raw_errno) + " (raw socket)";
    return nullptr;
  }
  reactor::socket s(fd);

  std::uint16_t id = static_cast<std::uint16_t>(random64());
#if defined(__linux__)
  if (mode == socket_mode::datagram) {
    // The kernel replaces the id with the socket's port; binding makes it
    // pick that now, so getsockname can tell it.
    sockaddr_storage any{};
    any.ss_family = static_cast<sa_family_t>(family);
    socklen_t len = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&any), len) < 0) {
      error = "cannot bind the ICMP ping socket: " + errno_text(errno);
      return nullptr;
    }
    sockaddr_storage bound{};
    len = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    id = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in&>(bound).sin_port
                                 : reinterpret_cast<sockaddr_in6&>(bound).sin6_port);
    // ICMP errors for our requests come on the error queue, with details.
    if (family == AF_INET)
      set_option(fd, SOL_IP, IP_RECVERR, 1);
    else
      set_option(fd, SOL_IPV6, IPV6_RECVERR, 1);
  }
#endif
  if (mode == socket_mode::raw) filter_raw(fd, family);
  set_option(fd, SOL_SOCKET, timestamp_option, 1);
  // Many runs' replies can queue between two drains. Unprivileged, the
  // buffer is capped by net.core.rmem_max (208 KiB by default: about 270
  // replies), which is why send() drains too; FORCE lifts the cap for root.
  constexpr int receive_buffer = 4 << 20;
  bool forced = false;
#if defined(SO_RCVBUFFORCE)
  forced = ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof receive_buffer) == 0;
#endif
  if (!forced) set_option(fd, SOL_SOCKET, SO_RCVBUF, receive_buffer);
  return std::unique_ptr<endpoint>(new endpoint(std::move(s), family, mode, id));
}

endpoint::endpoint(reactor::socket s, int family, socket_mode mode, std::uint16_t id)
    : socket_(std::move(s)),
      family_(family),
      mode_(mode),
      id_(id),
      next_sequence_(static_cast<std::uint16_t>(random64())),
      cookie_secret_(random64()),
      rx_(std::make_unique<receive_buffers>()) {
  outstanding_.reserve(1024);
}

endpoint::~endpoint() = default;

std::optional<endpoint::claimed> endpoint::claim(echo_listener& listener, std::uint32_t echo,
                                                 std::size_t payload_size,
                                                 reactor::clock::duration /*listen_for*/) {
  if (outstanding_.size() > 0xffff) return std::nullopt;
  while (outstanding_.contains(next_sequence_)) ++next_sequence_;
  claimed c{next_sequence_++, mix(cookie_secret_ + cookie_counter_++)};
  outstanding_.emplace(c.sequence,
                       slot{&listener, echo, static_cast<std::uint32_t>(payload_size), c.cookie});
  return c;
}

void endpoint::release(std::uint16_t sequence) noexcept { outstanding_.erase(sequence); }

int endpoint::send(std::span<std::byte> request, claimed const& c,
                   reactor::socket_address const& to) {
  write_echo_request(request, family_, id_, c.sequence, c.cookie);
  // A datagram send on a non-blocking socket completes at once or fails
  // with EAGAIN; doing it here rather than through the backend saves a
  // loop pass per echo, and on loopback the reply is queued by the time
  // sendto returns.
  ssize_t n = ::sendto(fd(), request.data(), request.size(), MSG_DONTWAIT, to.data(), to.size());
  if (n < 0 && mode_ == socket_mode::datagram && is_icmp_errno(errno)) {
    // With IP_RECVERR, an ICMP error for any echo on this shared ping
    // socket also sets the socket's pending error (net/ipv4/ping.c,
    // ping_err), and the next send returns it instead of sending
    // (sock_alloc_send_pskb). That error belongs to another echo, and its
    // details wait on the error queue; this send goes again, once. A real
    // routing error fails the same way again and nothing is sent.
    n = ::sendto(fd(), request.data(), request.size(), MSG_DONTWAIT, to.data(), to.size());
  }
  if (n < 0) return -errno;
  if (++sends_since_drain_ >= batch) drain(false);
  return 0;
}

void endpoint::drain(bool error_queue) {
  sends_since_drain_ = 0;
  receive_buffers& rx = *rx_;
  // A pending socket error (a ping socket's copy of an ICMP error) makes
  // recvmmsg fail once; a few in a row mean the queue holds only errors.
  for (int errors = 0; errors < 8;) {
    for (std::size_t i = 0; i < batch; ++i) {
      rx.iov[i] = {rx.data[i].data(), packet_bytes};
      msghdr& h = rx.headers[i].msg_hdr;
      h.msg_name = &rx.from[i];
      h.msg_namelen = sizeof rx.from[i];
      h.msg_iov = &rx.iov[i];
      h.msg_iovlen = 1;
      h.msg_control = rx.control[i].bytes.data();
      h.msg_controllen = rx.control[i].bytes.size();
      h.msg_flags = 0;
    }
    // recvmmsg: one syscall for up to `batch` replies. The backends offer
    // one recvmsg per operation; under load this is what keeps the cost
    // per echo near the kernel's own.
    int n = receive_batch(fd(), rx.headers.data(), batch);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno != EINTR) {
        error_queue = true;
        ++errors;
      }
      continue;
    }
    // Realtime first, then monotonic: if the thread is preempted between
    // the two reads, the stamp comes out later than it was (bounded by
    // mono_now), never earlier. In the other order it came out earlier,
    // before the echo's own send time on loopback, and the RTT read 0.
    timespec real_now{};
    ::clock_gettime(CLOCK_REALTIME, &real_now);
    reactor::deadline mono_now = reactor::clock::now();
    for (int i = 0; i < n; ++i) {
      msghdr const& h = rx.headers[i].msg_hdr;
      std::size_t len = std::min<std::size_t>(rx.headers[i].msg_len, packet_bytes);
      message m = parse(std::span<std::byte const>(rx.data[i].data(), len), family_,
                        mode_ == socket_mode::raw && family_ == AF_INET);
      dispatch(m, monotonic_stamp(h, mono_now, real_now), rx.from[i]);
    }
    if (static_cast<std::size_t>(n) < batch) break;
  }
#if defined(__linux__)
  if (error_queue && mode_ == socket_mode::datagram) drain_error_queue();
#else
  (void)error_queue;  // ICMP errors come as packets here, not on an error queue
#endif
}

#if defined(__linux__)
void endpoint::drain_error_queue() {
  // The pending error that came with each queued ICMP error: read and drop
  // it here, so it does not fail another run's next send.
  int pending = 0;
  socklen_t pending_size = sizeof pending;
  ::getsockopt(fd(), SOL_SOCKET, SO_ERROR, &pending, &pending_size);
  std::array<std::byte, packet_bytes> data;
  alignas(cmsghdr) std::array<std::byte, 512> control;
  for (;;) {
    sockaddr_storage destination{};
    iovec iov{data.data(), data.size()};
    msghdr h{};
    h.msg_name = &destination;
    h.msg_namelen = sizeof destination;
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    h.msg_control = control.data();
    h.msg_controllen = control.size();
    ssize_t n = ::recvmsg(fd(), &h, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (n < 0) return;  // EAGAIN: empty
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
      bool is_error = (c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                      (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR);
      if (!is_error) continue;
      auto const* ee = reinterpret_cast<sock_extended_err const*>(CMSG_DATA(c));
      std::span<std::byte const> request(data.data(), std::min<std::size_t>(n, data.size()));
      if (ee->ee_origin == SO_EE_ORIGIN_ICMP || ee->ee_origin == SO_EE_ORIGIN_ICMP6) {
        message m = parse_quoted_request(request, family_, ee->ee_type, ee->ee_code,
                                         reinterpret_cast<sockaddr*>(&destination), h.msg_namelen);
        sockaddr_storage offender{};
        auto const* from = SO_EE_OFFENDER(ee);
        std::memcpy(&offender, from, family_ == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
        dispatch(m, reactor::clock::now(), offender);
      }
    }
  }
}

#endif  // __linux__

void endpoint::dispatch(message const& m, reactor::deadline received, sockaddr_storage const& from) {
  if (m.what == message::kind::other) return;
  auto it = m.id == id_ ? outstanding_.find(m.sequence) : outstanding_.end();
  if (it == outstanding_.end()) {
    ++unmatched_;
    return;
  }
  slot const& s = it->second;
  if (m.what == message::kind::echo_reply) {
    if (!cookie_matches(m.payload, s.payload_size, s.cookie)) {
      ++unmatched_;
      return;
    }
    s.listener->on_reply(s.echo, received);
    return;
  }
  std::string what = describe_error(family_, m.type, m.code);
  if (from.ss_family == AF_INET || from.ss_family == AF_INET6)
    what += " from " + address_text(reinterpret_cast<sockaddr const*>(&from));
  s.listener->on_error(s.echo, what, m.quoted_destination);
}

reactor::task<void> endpoint::read_replies() {
  for (;;) {
    auto ready = co_await reactor::poll(fd(), POLLIN);
    if (!ready) {
      // The socket cannot be polled (should not happen while it is open):
      // back off instead of spinning.
      co_await reactor::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    drain((*ready & POLLERR) != 0);
  }
}

}  // namespace jobs::icmp
