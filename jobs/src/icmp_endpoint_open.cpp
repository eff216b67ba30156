// endpoint::open: an unprivileged ICMP datagram socket if we may, else a
// raw one, and if neither, one message that says why and names the fixes.
#include <netinet/icmp6.h>
#include <netinet/in.h>

#include <cerrno>
#include <system_error>

#include "icmp_cookie.hpp"
#include "icmp_endpoint.hpp"
#include "icmp_platform.hpp"
#include "icmp_timestamp.hpp"

namespace jobs::icmp {

namespace {

// reactor::socket::open, with the errno of a refusal instead of an
// exception: a refused datagram socket is the normal way to the raw one.
reactor::socket try_open(int family, int type, int protocol, int& error) {
  try {
    return reactor::socket::open(family, type, protocol);
  } catch (std::system_error const& e) {
    error = e.code().value();
    return {};
  }
}

// Only echo replies and the errors that quote a request reach a raw
// socket; without these filters it would also wake for every echo request
// the host sends or answers (on loopback, our own requests).
void filter_raw(int fd, int family) {
  if (family == AF_INET) {
    platform::filter_raw_ipv4(fd);
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

}  // namespace

char const* to_string(socket_mode m) noexcept {
  return m == socket_mode::datagram ? "datagram" : "raw";
}

expected<std::unique_ptr<endpoint>> endpoint::open(reactor::loop&, int family) {
  int protocol = family == AF_INET ? int(IPPROTO_ICMP) : int(IPPROTO_ICMPV6);
  int datagram_errno = 0, raw_errno = 0;
  reactor::socket s = try_open(family, SOCK_DGRAM, protocol, datagram_errno);
  socket_mode mode = socket_mode::datagram;
  if (!s) {
    s = try_open(family, SOCK_RAW, protocol, raw_errno);
    mode = socket_mode::raw;
  }
  if (!s) {
    // Not permitted (Linux: EACCES; macOS/BSD raw: EPERM), or not there at
    // all (BSD has no ICMP datagram sockets: EPROTONOSUPPORT).
    bool datagram_refused = datagram_errno == EACCES || datagram_errno == EPERM || datagram_errno == EPROTONOSUPPORT;
    if (datagram_errno == EAFNOSUPPORT || raw_errno == EAFNOSUPPORT)
      return unexpected(family == AF_INET6 ? "IPv6 is not available on this host"
                                           : "IPv4 is not available on this host");
    if (datagram_refused && (raw_errno == EPERM || raw_errno == EACCES))
      return unexpected(platform::neither_allowed(family, datagram_errno, raw_errno));
    return unexpected(std::string("cannot open an ICMP socket: ") + std::system_category().message(datagram_errno) +
                      " (ping socket), " + std::system_category().message(raw_errno) + " (raw socket)");
  }

  auto id = static_cast<std::uint16_t>(random64());
  if (mode == socket_mode::datagram) {
    auto imposed = platform::prepare_datagram(s, family, id);
    if (!imposed) return unexpected(std::move(imposed.error()));
    id = *imposed;
  } else {
    filter_raw(s.fd(), family);
  }
  enable_timestamps(s.fd());
  // Many runs' replies can queue between two reads. Unprivileged, the
  // buffer is capped by net.core.rmem_max (208 KiB by default: about 270
  // replies), which is why send() reads too.
  platform::set_receive_buffer(s.fd(), 4 << 20);
  return std::unique_ptr<endpoint>(new endpoint(std::move(s), family, mode, id));
}

}  // namespace jobs::icmp
