#include "icmp_packet.hpp"

// The BSD names (ICMP_UNREACH, ICMP_TIMXCEED, ...): glibc has them too, so
// this file builds unchanged on Linux, macOS and the BSDs.
#include <netinet/in_systm.h>  // before netinet/ip.h on the BSDs

#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/ip_icmp.h>

#include <cstring>

namespace jobs::icmp {

namespace {

constexpr std::size_t ipv4_header_min = 20;  // an IPv4 header without options

std::uint16_t read16(std::span<std::byte const> b, std::size_t at) {
  return static_cast<std::uint16_t>((std::to_integer<unsigned>(b[at]) << 8) | std::to_integer<unsigned>(b[at + 1]));
}

void write16(std::span<std::byte> b, std::size_t at, std::uint16_t v) {
  b[at] = std::byte(v >> 8);
  b[at + 1] = std::byte(v & 0xff);
}

std::uint8_t byte_at(std::span<std::byte const> b, std::size_t at) {
  return std::to_integer<std::uint8_t>(b[at]);
}

constexpr std::uint8_t echo_request_type(int family) {
  return family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
}
constexpr std::uint8_t echo_reply_type(int family) {
  return family == AF_INET ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY;
}

bool is_error_type(int family, std::uint8_t type) {
  if (family == AF_INET) return type == ICMP_UNREACH || type == ICMP_TIMXCEED || type == ICMP_PARAMPROB;
  return type == ICMP6_DST_UNREACH || type == ICMP6_PACKET_TOO_BIG || type == ICMP6_TIME_EXCEEDED ||
         type == ICMP6_PARAM_PROB;
}

// The quoted request inside an error: its IP header, then at least the
// 8 bytes of our echo header (RFC 792 and RFC 4443 guarantee those).
message parse_quoted_packet(std::span<std::byte const> quoted, int family, std::uint8_t type, std::uint8_t code) {
  message m;
  std::span<std::byte const> icmp;
  if (family == AF_INET) {
    if (quoted.size() < ipv4_header_min) return m;
    std::size_t ihl = (byte_at(quoted, 0) & 0x0f) * 4u;
    if (ihl < ipv4_header_min || quoted.size() < ihl + echo_header_size) return m;
    if (byte_at(quoted, 9) != IPPROTO_ICMP) return m;
    auto& to = reinterpret_cast<sockaddr_in&>(m.quoted_destination);
    to.sin_family = AF_INET;
    std::memcpy(&to.sin_addr, quoted.data() + 16, 4);
    icmp = quoted.subspan(ihl);
  } else {
    // A fixed IPv6 header; our requests carry no extension headers.
    if (quoted.size() < sizeof(ip6_hdr) + echo_header_size) return m;
    if (byte_at(quoted, 6) != IPPROTO_ICMPV6) return m;
    auto& to = reinterpret_cast<sockaddr_in6&>(m.quoted_destination);
    to.sin6_family = AF_INET6;
    std::memcpy(&to.sin6_addr, quoted.data() + 24, 16);
    icmp = quoted.subspan(sizeof(ip6_hdr));
  }
  if (byte_at(icmp, 0) != echo_request_type(family)) return m;
  m.what = message::kind::error;
  m.type = type;
  m.code = code;
  m.id = read16(icmp, 4);
  m.sequence = read16(icmp, 6);
  return m;
}

}  // namespace

std::uint16_t internet_checksum(std::span<std::byte const> bytes) {
  std::uint32_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) sum += read16(bytes, i);
  if (i < bytes.size()) sum += std::to_integer<std::uint32_t>(bytes[i]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

void write_echo_request(std::span<std::byte> out, int family, std::uint16_t id, std::uint16_t sequence,
                        std::uint64_t cookie) {
  out[0] = std::byte(echo_request_type(family));
  out[1] = std::byte(0);
  write16(out, 2, 0);
  write16(out, 4, id);
  write16(out, 6, sequence);
  auto payload = out.subspan(echo_header_size);
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = i < cookie_size ? std::byte(cookie >> (8 * i)) : std::byte(i & 0xff);
  if (family == AF_INET) write16(out, 2, internet_checksum(out));
}

// Whether an IPv4 ping (SOCK_DGRAM) packet starts with an IP header. Linux
// strips it (net/ipv4/ping.c); macOS's ICMP datagram sockets keep it, as raw
// sockets do. Told from the bytes, not from the platform: version nibble 4,
// a header length of at least 20 bytes that fits, protocol ICMP. An ICMP
// message never starts that way: its first byte is the type, and 0x45..0x4f
// (69..79) are not types we handle or any peer sends (IANA: unassigned).
bool starts_with_ipv4_header(std::span<std::byte const> packet) {
  if (packet.size() < ipv4_header_min) return false;
  std::uint8_t first = byte_at(packet, 0);
  std::size_t ihl = (first & 0x0f) * 4u;
  return (first >> 4) == 4 && ihl >= ipv4_header_min && packet.size() >= ihl + echo_header_size &&
         byte_at(packet, 9) == IPPROTO_ICMP;
}

message parse(std::span<std::byte const> packet, int family, bool ip_header_included) {
  message m;
  if (!ip_header_included && family == AF_INET && starts_with_ipv4_header(packet)) ip_header_included = true;
  if (ip_header_included) {
    if (packet.size() < ipv4_header_min) return m;
    std::size_t ihl = (byte_at(packet, 0) & 0x0f) * 4u;
    if (ihl < ipv4_header_min || packet.size() < ihl) return m;
    packet = packet.subspan(ihl);
  }
  if (packet.size() < echo_header_size) return m;
  std::uint8_t type = byte_at(packet, 0);
  if (type == echo_reply_type(family)) {
    m.what = message::kind::echo_reply;
    m.id = read16(packet, 4);
    m.sequence = read16(packet, 6);
    m.payload = packet.subspan(echo_header_size);
    return m;
  }
  if (is_error_type(family, type))
    return parse_quoted_packet(packet.subspan(echo_header_size), family, type, byte_at(packet, 1));
  return m;
}

message parse_quoted_request(std::span<std::byte const> request, int family, std::uint8_t type, std::uint8_t code,
                             sockaddr const* destination, socklen_t destination_size) {
  message m;
  if (request.size() < echo_header_size || byte_at(request, 0) != echo_request_type(family)) return m;
  m.what = message::kind::error;
  m.type = type;
  m.code = code;
  m.id = read16(request, 4);
  m.sequence = read16(request, 6);
  if (destination && destination_size <= sizeof m.quoted_destination)
    std::memcpy(&m.quoted_destination, destination, destination_size);
  return m;
}

bool cookie_matches(std::span<std::byte const> payload, std::size_t payload_size, std::uint64_t cookie) {
  std::size_t carried = payload_size < cookie_size ? payload_size : cookie_size;
  if (payload.size() < carried) return false;
  for (std::size_t i = 0; i < carried; ++i)
    if (payload[i] != std::byte(cookie >> (8 * i))) return false;
  return true;
}

std::string describe_error(int family, std::uint8_t type, std::uint8_t code) {
  if (family == AF_INET) {
    switch (type) {
      case ICMP_UNREACH:
        switch (code) {
          case ICMP_UNREACH_NET: return "destination network unreachable";
          case ICMP_UNREACH_HOST: return "destination host unreachable";
          case ICMP_UNREACH_PROTOCOL: return "destination protocol unreachable";
          case ICMP_UNREACH_PORT: return "destination port unreachable";
          case ICMP_UNREACH_NEEDFRAG: return "fragmentation needed";
          case ICMP_UNREACH_NET_PROHIB:
          case ICMP_UNREACH_HOST_PROHIB:
          case ICMP_UNREACH_FILTER_PROHIB: return "destination administratively prohibited";
          default: return "destination unreachable (code " + std::to_string(code) + ")";
        }
      case ICMP_TIMXCEED:
        return code == ICMP_TIMXCEED_INTRANS ? "time to live exceeded" : "fragment reassembly time exceeded";
      case ICMP_PARAMPROB: return "parameter problem";
    }
  } else {
    switch (type) {
      case ICMP6_DST_UNREACH:
        switch (code) {
          case ICMP6_DST_UNREACH_NOROUTE: return "no route to destination";
          case ICMP6_DST_UNREACH_ADMIN: return "destination administratively prohibited";
          case ICMP6_DST_UNREACH_ADDR: return "destination address unreachable";
          case ICMP6_DST_UNREACH_NOPORT: return "destination port unreachable";
          default: return "destination unreachable (code " + std::to_string(code) + ")";
        }
      case ICMP6_PACKET_TOO_BIG: return "packet too big";
      case ICMP6_TIME_EXCEEDED:
        return code == ICMP6_TIME_EXCEED_TRANSIT ? "hop limit exceeded" : "fragment reassembly time exceeded";
      case ICMP6_PARAM_PROB: return "parameter problem";
    }
  }
  return "ICMP type " + std::to_string(type) + " code " + std::to_string(code);
}

}  // namespace jobs::icmp
