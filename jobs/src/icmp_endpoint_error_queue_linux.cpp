// A Linux ping socket's ICMP errors (IP_RECVERR / IPV6_RECVERR): the kernel
// queues each on the socket's error queue, with the request it quotes as
// the data and the offender's address, and also sets the socket's pending
// error (net/ipv4/ping.c, ping_err). Reading the error queue turns each
// into an on_error for the echo it answers.
#include <time.h>  // before linux/errqueue.h, which uses timespec

#include <linux/errqueue.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "icmp_endpoint.hpp"

namespace jobs::icmp {

void endpoint::read_error_queue() {
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

}  // namespace jobs::icmp
