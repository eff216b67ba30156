// Parsing of received ICMP packets, with synthetic bytes: a ping socket's
// reply with and without an IPv4 header in front (macOS keeps it, Linux
// strips it), and a raw socket's.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <vector>

#include "icmp_packet.hpp"  // jobs/src: internal to the jobs library

using namespace jobs;

namespace {

constexpr std::uint64_t cookie = 0x1122334455667788;

// An echo reply (type 0) to id/sequence carrying `payload_size` bytes.
std::vector<std::byte> echo_reply(std::uint16_t id, std::uint16_t sequence, std::size_t payload_size) {
  std::vector<std::byte> packet(icmp::echo_header_size + payload_size);
  icmp::write_echo_request(packet, AF_INET, id, sequence, cookie);
  packet[0] = std::byte{0};  // type: echo reply
  return packet;
}

// `icmp` behind a 20-byte (or longer, with options) IPv4 header.
std::vector<std::byte> behind_ipv4_header(std::vector<std::byte> const& icmp, std::size_t header = 20) {
  std::vector<std::byte> packet(header);
  packet[0] = std::byte(0x40 | (header / 4));
  packet[8] = std::byte{64};            // TTL
  packet[9] = std::byte{IPPROTO_ICMP};  // protocol
  packet.insert(packet.end(), icmp.begin(), icmp.end());
  return packet;
}

void expect_reply(icmp::message const& m, std::uint16_t id, std::uint16_t sequence, std::size_t payload) {
  ASSERT_EQ(m.what, icmp::message::kind::echo_reply);
  EXPECT_EQ(m.id, id);
  EXPECT_EQ(m.sequence, sequence);
  EXPECT_EQ(m.payload.size(), payload);
  EXPECT_TRUE(icmp::cookie_matches(m.payload, payload, cookie));
}

}  // namespace

TEST(IcmpPacket, DgramReplyWithoutIpHeaderAsLinuxDeliversIt) {
  auto packet = echo_reply(0x1234, 7, 56);
  expect_reply(icmp::parse(packet, AF_INET, false), 0x1234, 7, 56);
}

TEST(IcmpPacket, DgramReplyWithIpHeaderAsMacosDeliversIt) {
  auto packet = behind_ipv4_header(echo_reply(0x1234, 7, 56));
  expect_reply(icmp::parse(packet, AF_INET, false), 0x1234, 7, 56);
}

TEST(IcmpPacket, DgramReplyWithIpOptionsInTheHeader) {
  auto packet = behind_ipv4_header(echo_reply(0xbeef, 1, 16), 24);
  expect_reply(icmp::parse(packet, AF_INET, false), 0xbeef, 1, 16);
}

TEST(IcmpPacket, RawReplyStillSkipsTheHeader) {
  auto packet = behind_ipv4_header(echo_reply(42, 3, 8));
  expect_reply(icmp::parse(packet, AF_INET, true), 42, 3, 8);
}

TEST(IcmpPacket, EmptyPayloadReplyIsNotMistakenForAHeader) {
  auto packet = echo_reply(0x4545, 0x4545, 0);
  expect_reply(icmp::parse(packet, AF_INET, false), 0x4545, 0x4545, 0);
}

TEST(IcmpPacket, TruncatedHeaderIsNotAReply) {
  auto full = behind_ipv4_header(echo_reply(1, 1, 0));
  std::vector<std::byte> cut(full.begin(), full.begin() + 24);  // header + 4 bytes
  EXPECT_NE(icmp::parse(cut, AF_INET, false).what, icmp::message::kind::echo_reply);
}
