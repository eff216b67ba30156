// ICMP / ICMPv6 echo packets: building an echo request and reading what a
// socket hands back (an echo reply, or an error that quotes one of our
// requests). Pure functions on bytes; no sockets here.
//
// What a socket hands back depends on its family and mode:
//  - raw IPv4 sockets deliver the IP header first, then the ICMP message;
//  - raw ICMPv6 sockets and every ping (SOCK_DGRAM) socket deliver the ICMP
//    message alone (RFC 3542 for ICMPv6; net/ipv4/ping.c strips the header).
//  - ping sockets get ICMP errors on the error queue instead (IP_RECVERR),
//    with our request quoted as the payload; raw sockets get the error
//    packet itself, which quotes our request's IP header and ICMP header.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace jobs::icmp {

// The bytes after the 8-byte echo header that identify one echo: a random
// per-echo value, so a reply for an older echo that reused the same
// sequence number, or another process's reply seen by a raw socket, is not
// taken for ours.
inline constexpr std::size_t cookie_size = 8;
inline constexpr std::size_t echo_header_size = 8;

// Writes an echo request (type 8 or 128) of echo_header_size +
// payload_size bytes into `out` (which must be that large): id, sequence,
// the cookie (truncated if the payload is shorter) and a fixed pattern.
// The IPv4 checksum is filled in (raw sockets need it; ping sockets and
// ICMPv6 sockets recompute it in the kernel).
void write_echo_request(std::span<std::byte> out, int family, std::uint16_t id, std::uint16_t sequence,
                        std::uint64_t cookie);

// The Internet checksum (RFC 1071) of `bytes`.
std::uint16_t internet_checksum(std::span<std::byte const> bytes);

// What one received packet means to us.
struct message {
  enum class kind { echo_reply, error, other } what = kind::other;
  std::uint16_t id = 0;
  std::uint16_t sequence = 0;
  // echo_reply: the reply's payload (may be truncated by the buffer).
  std::span<std::byte const> payload;
  // error: ICMP type and code, and the destination of the quoted request
  // (the address we pinged), for matching the error to its run.
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  sockaddr_storage quoted_destination{};
};

// Parses a packet from a socket. `ip_header_included` is true for raw IPv4.
// For an IPv4 ping socket an IP header in front is detected and skipped
// (macOS keeps it there; Linux does not).
message parse(std::span<std::byte const> packet, int family, bool ip_header_included);

// Parses the quoted request that a ping socket's error queue returns; the
// type and code come from the sock_extended_err beside it.
message parse_quoted_request(std::span<std::byte const> request, int family, std::uint8_t type, std::uint8_t code,
                             sockaddr const* destination, socklen_t destination_size);

// Whether the cookie in an echo reply's payload matches. Only the bytes the
// request carried are compared (payloads shorter than the cookie carry part
// of it; an empty payload carries none, and then id and sequence decide).
bool cookie_matches(std::span<std::byte const> payload, std::size_t payload_size, std::uint64_t cookie);

// "destination host unreachable", "time to live exceeded", ...
std::string describe_error(int family, std::uint8_t type, std::uint8_t code);

}  // namespace jobs::icmp
