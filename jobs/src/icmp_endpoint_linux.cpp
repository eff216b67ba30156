// The ICMP endpoint's Linux side (the differences: icmp_platform.hpp).
#include <netinet/ip_icmp.h>
#include <unistd.h>

#include <fstream>
#include <system_error>

#include "icmp_platform.hpp"

namespace jobs::icmp::platform {

namespace {

std::string errno_text(int e) {
  return std::system_category().message(e);
}

void set_option(int fd, int level, int name, int value) {
  ::setsockopt(fd, level, name, &value, sizeof value);
}

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

}  // namespace

std::string neither_allowed(int family, int datagram_errno, int raw_errno) {
  std::string text = family == AF_INET ? "cannot open an ICMP socket" : "cannot open an ICMPv6 socket";
  text += ": unprivileged ICMP sockets are not allowed for group " + std::to_string(::getgid()) + " (" +
          ping_group_range() + "; " + errno_text(datagram_errno) + ") and raw sockets need CAP_NET_RAW (" +
          errno_text(raw_errno) +
          "). Fix either: allow the group in the sysctl, e.g. "
          "net.ipv4.ping_group_range = 0 2147483647 in /etc/sysctl.d/, or grant the "
          "capability, e.g. AmbientCapabilities=CAP_NET_RAW in the systemd unit";
  return text;
}

expected<std::uint16_t> prepare_datagram(reactor::socket const& s, int family, std::uint16_t) {
  // The kernel replaces the id with the socket's port; binding makes it
  // pick that now, so the socket's local address can tell it.
  auto any = *reactor::socket_address::parse(family == AF_INET ? "0.0.0.0" : "::");
  if (::bind(s.fd(), any.data(), any.size()) < 0) {
    return unexpected("cannot bind the ICMP ping socket: " + errno_text(errno));
  }
  auto id = static_cast<std::uint16_t>(s.local_address().port());
  // ICMP errors for our requests come on the error queue, with details
  // (icmp_endpoint_error_queue_linux.cpp).
  if (family == AF_INET)
    set_option(s.fd(), SOL_IP, IP_RECVERR, 1);
  else
    set_option(s.fd(), SOL_IPV6, IPV6_RECVERR, 1);
  return id;
}

void filter_raw_ipv4(int fd) {
  // ICMP_FILTER (linux/icmp.h, which clashes with netinet/ip_icmp.h): a
  // bit set means "drop this type".
  constexpr int icmp_filter_option = 1;
  std::uint32_t drop =
      ~((1u << ICMP_ECHOREPLY) | (1u << ICMP_UNREACH) | (1u << ICMP_TIMXCEED) | (1u << ICMP_PARAMPROB));
  ::setsockopt(fd, SOL_RAW, icmp_filter_option, &drop, sizeof drop);
}

void set_receive_buffer(int fd, int bytes) {
  // FORCE lifts net.core.rmem_max's cap for root (CAP_NET_ADMIN).
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) != 0)
    set_option(fd, SOL_SOCKET, SO_RCVBUF, bytes);
}

int receive_batch(int fd, mmsghdr* headers, unsigned count) {
  return ::recvmmsg(fd, headers, count, MSG_DONTWAIT, nullptr);
}

}  // namespace jobs::icmp::platform
