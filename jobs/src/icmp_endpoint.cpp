// The endpoint's shared part: sequence numbers, sending, reading what is
// queued and routing it to the runs. Opening the socket is
// icmp_endpoint_open.cpp, receive timestamps icmp_timestamp.cpp, and what
// differs between Linux and the BSDs/macOS is behind icmp_platform.hpp.
#include <poll.h>
#include <time.h>

#include <cerrno>

#include "icmp_cookie.hpp"
#include "icmp_endpoint.hpp"
#include "icmp_platform.hpp"
#include "icmp_timestamp.hpp"
#include "reactor/io.hpp"
#include "reactor/sleep.hpp"

namespace jobs::icmp {

namespace {

// The errnos an ICMP error becomes as a socket's pending error
// (icmp_err_convert in net/ipv4/icmp.c, icmpv6_err_convert).
bool is_icmp_errno(int e) {
  return e == EHOSTUNREACH || e == ENETUNREACH || e == ECONNREFUSED || e == EACCES || e == EPROTO || e == ENOPROTOOPT ||
         e == EMSGSIZE || e == EOPNOTSUPP;
}

}  // namespace

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

std::optional<endpoint::claimed> endpoint::claim(echo_listener& listener, std::uint32_t echo, std::size_t payload_size,
                                                 reactor::clock::duration /*listen_for*/) {
  if (outstanding_.size() > 0xffff) return std::nullopt;
  while (outstanding_.contains(next_sequence_)) ++next_sequence_;
  claimed c{next_sequence_++, mix(cookie_secret_ + cookie_counter_++)};
  outstanding_.emplace(c.sequence, slot{&listener, echo, static_cast<std::uint32_t>(payload_size), c.cookie});
  return c;
}

void endpoint::release(std::uint16_t sequence) noexcept {
  outstanding_.erase(sequence);
}

int endpoint::send(std::span<std::byte> request, claimed const& c, reactor::socket_address const& to) {
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
  if (++sends_since_read_ >= batch) read_queued(false);
  return 0;
}

void endpoint::read_queued(bool error_queue) {
  sends_since_read_ = 0;
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
    int n = platform::receive_batch(fd(), rx.headers.data(), batch);
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
      dispatch(m, received_at(h, mono_now, real_now), rx.from[i]);
    }
    if (static_cast<std::size_t>(n) < batch) break;
  }
#if defined(__linux__)
  if (error_queue && mode_ == socket_mode::datagram) read_error_queue();
#else
  (void)error_queue;  // ICMP errors come as packets here, not on an error queue
#endif
}

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
  if (from.ss_family == AF_INET || from.ss_family == AF_INET6) {
    socklen_t len = from.ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    what += " from " + reactor::socket_address(reinterpret_cast<sockaddr const*>(&from), len).ip();
  }
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
    // POLLHUP too: an ICMP socket never hangs up, so a hang-up can only be
    // an error. kqueue on Linux (libkqueue) reports the error queue's
    // EPOLLERR as EV_EOF with the error in fflags, and once SO_ERROR has
    // been taken (by a send, or by its own earlier event) that is 0: a
    // hang-up, no POLLERR, while the queue still holds ICMP errors.
    read_queued((*ready & (POLLERR | POLLHUP)) != 0);
  }
}

}  // namespace jobs::icmp
