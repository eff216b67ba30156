// What an ICMP endpoint does differently on Linux and on the BSDs/macOS,
// behind a few functions: icmp_endpoint_linux.cpp or icmp_endpoint_bsd.cpp
// is built (CMake chooses; Windows has an endpoint of its own,
// icmp_endpoint_windows.cpp).
//
//  - Linux: unprivileged ICMP sockets where net.ipv4.ping_group_range
//    allows; the kernel replaces our id with the socket's port, strips the
//    IPv4 header, and reports ICMP errors on the error queue (IP_RECVERR,
//    icmp_endpoint_error_queue_linux.cpp). SO_TIMESTAMPNS, SO_RCVBUFFORCE
//    and ICMP_FILTER are used.
//  - macOS: ICMP datagram sockets need no privilege, keep our id (so we
//    choose it, as for a raw socket), deliver IPv4 replies with their IP
//    header (parse() detects it), and deliver ICMP errors as packets. No
//    recvmmsg: one recvmsg per packet.
//  - FreeBSD and the other BSDs: no ICMP datagram sockets; raw sockets,
//    which need root. Timestamps are SO_TIMESTAMP (microseconds).
#pragma once

#include <cstdint>
#include <string>

#include "icmp_endpoint.hpp"

namespace jobs::icmp::platform {

// Why neither an ICMP datagram nor a raw socket could be opened, and the
// ways to fix it here.
std::string neither_allowed(int family, int datagram_errno, int raw_errno);

// Sets up a freshly opened datagram (ping) socket. Returns the id its
// replies will carry (`chosen`, or the one the kernel imposes), or why it
// cannot be used.
[[nodiscard]] expected<std::uint16_t> prepare_datagram(reactor::socket const& s, int family, std::uint16_t chosen);

// Lets only echo replies and the errors that quote a request reach a raw
// IPv4 socket, where the platform has such a filter.
void filter_raw_ipv4(int fd);

// A receive buffer of `bytes`, beyond net.core.rmem_max where the platform
// and our privileges allow.
void set_receive_buffer(int fd, int bytes);

// Up to `count` queued packets in one call where the platform can; returns
// how many, or -1 with errno set (EAGAIN: none queued).
int receive_batch(int fd, mmsghdr* headers, unsigned count);

}  // namespace jobs::icmp::platform
