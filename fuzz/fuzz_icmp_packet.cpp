// The ICMP reply parser on arbitrary packets, as each kind of socket hands
// them over (raw IPv4 with its IP header, ICMPv6, ping sockets, error-queue
// quotes): no read outside the packet, and a reply's payload lies inside it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "icmp_packet.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  if (size < 1) return -1;
  std::uint8_t mode = data[0];
  std::span<std::byte const> packet(reinterpret_cast<std::byte const*>(data + 1), size - 1);
  int family = (mode & 1) ? AF_INET6 : AF_INET;
  auto m = jobs::icmp::parse(packet, family, (mode & 2) != 0);
  if (!m.payload.empty() &&
      (m.payload.data() < packet.data() || m.payload.data() + m.payload.size() > packet.data() + packet.size()))
    std::abort();
  sockaddr_storage destination{};
  destination.ss_family = static_cast<sa_family_t>(family);
  (void)jobs::icmp::parse_quoted_request(packet, family, static_cast<std::uint8_t>(mode >> 2), mode,
                                         reinterpret_cast<sockaddr const*>(&destination), sizeof destination);
  (void)jobs::icmp::describe_error(family, static_cast<std::uint8_t>(mode >> 2), mode);
  (void)jobs::icmp::cookie_matches(packet, packet.size(), 0x0123456789abcdefull);
  return 0;
}
