// icmp::endpoint: one ICMP socket shared by every ping run of a loop that
// pings in its family, and the table that routes replies back to the runs.
//
// Opening: an unprivileged ping socket (SOCK_DGRAM, IPPROTO_ICMP /
// IPPROTO_ICMPV6) if net.ipv4.ping_group_range lets our group use one (the
// sysctl governs ICMPv6 ping sockets too), else a raw socket (needs
// CAP_NET_RAW). If neither is allowed, open() fails with one message that
// names both fixes.
//
// Identification: every request carries the endpoint's id, a sequence
// number unique among the echoes outstanding on this socket, and a per-echo
// cookie as the first payload bytes. On a ping socket the kernel replaces
// the id with the socket's "port" (net/ipv4/ping.c) and delivers only the
// replies that carry it; we bind at open and read that id back with
// getsockname. A raw socket sees every ICMP packet for the host, so there
// the id (random per socket) and the cookie filter out other processes'
// replies; so does a macOS ICMP datagram socket, which keeps our id. The
// cookie also rejects a reply to an older echo that used the same sequence
// number. (How the BSDs and macOS differ: icmp_platform.hpp.)
//
// Rules: claim() a sequence before sending, release() it when the run is
// over (replies after that are dropped). Listeners are called from
// read_queued() on the loop thread, synchronously; they must only record
// and set events. read_queued() runs from the reader coroutine
// (read_replies, run by icmp_service::serve()) and also from send() after a
// burst of sends, so a receive buffer capped by net.core.rmem_max does not
// overflow under load.
#pragma once

#if defined(_WIN32)
// Windows has no ICMP sockets for programs without administrator rights;
// its endpoint sends through IcmpSendEcho2Ex instead, with this interface.
#include "icmp_endpoint_windows.hpp"
#else

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "icmp_listener.hpp"
#include "icmp_packet.hpp"
#include "jobs/expected.hpp"
#include "reactor/address.hpp"
#include "reactor/clock.hpp"
#include "reactor/socket.hpp"
#include "reactor/task.hpp"

namespace reactor {
class loop;
}

namespace jobs::icmp {

#if defined(__APPLE__)
// macOS has no recvmmsg; the endpoint reads one packet per recvmsg into the
// same shape.
struct mmsghdr {
  msghdr msg_hdr;
  unsigned msg_len;
};
#endif

enum class socket_mode { datagram, raw };
char const* to_string(socket_mode) noexcept;

class endpoint {
 public:
  struct claimed {
    std::uint16_t sequence = 0;
    std::uint64_t cookie = 0;
  };

  // Opens the socket for AF_INET or AF_INET6, for pings from `loop` (on
  // Windows, completions come back to its thread; a socket needs no more).
  // On failure, the message (naming both fixes when that is why).
  [[nodiscard]] static expected<std::unique_ptr<endpoint> > open(reactor::loop& loop, int family);
  ~endpoint();
  endpoint(endpoint const&) = delete;

  int family() const noexcept { return family_; }
  socket_mode mode() const noexcept { return mode_; }
  int fd() const noexcept { return socket_.fd(); }
  std::uint16_t id() const noexcept { return id_; }

  // Reserves a sequence number for echo `echo` of `listener`. Empty when
  // all 65,536 are outstanding. `listen_for` (how long the run may still
  // count a reply) is the Windows endpoint's request timeout; a socket has
  // no per-echo state to time out, so it is not used here.
  std::optional<claimed> claim(echo_listener& listener, std::uint32_t echo, std::size_t payload_size,
                               reactor::clock::duration listen_for);
  void release(std::uint16_t sequence) noexcept;

  // Writes the request into `request` (8 + payload bytes) and sends it
  // without waiting. Returns 0, or -errno (-EAGAIN: wait for POLLOUT and
  // try again).
  int send(std::span<std::byte> request, claimed const& c, reactor::socket_address const& to);

  // Reads and dispatches every packet queued now; never blocks. With
  // `error_queue`, also read the error queue (ping sockets' ICMP errors).
  void read_queued(bool error_queue);

  // The reader: waits for packets and reads them, until cancelled.
  reactor::task<void> read_replies();

  // Replies that matched no outstanding echo (stale, or not ours).
  std::uint64_t unmatched() const noexcept { return unmatched_; }

 private:
  endpoint(reactor::socket s, int family, socket_mode mode, std::uint16_t id);
  void dispatch(message const& m, reactor::deadline received, sockaddr_storage const& from);
#if defined(__linux__)
  void read_error_queue();  // a ping socket's ICMP errors (IP_RECVERR)
#endif

  struct slot {
    echo_listener* listener = nullptr;
    std::uint32_t echo = 0;
    std::uint32_t payload_size = 0;
    std::uint64_t cookie = 0;
  };

  // One received datagram's buffers, for recvmmsg.
  static constexpr std::size_t batch = 64;
  // Enough for a raw IPv4 error: IP header (<= 60) + ICMP header (8) +
  // quoted IP header (<= 60) + quoted echo header (8) + cookie (8). Longer
  // replies arrive truncated (MSG_TRUNC), which loses only our own pattern.
  static constexpr std::size_t packet_bytes = 256;
  struct receive_buffers {
    std::array<std::array<std::byte, packet_bytes>, batch> data;
    struct alignas(cmsghdr) control_space {
      std::array<std::byte, CMSG_SPACE(sizeof(timespec)) + 16> bytes;
    };
    std::array<control_space, batch> control;
    std::array<sockaddr_storage, batch> from;
    std::array<iovec, batch> iov;
    std::array<mmsghdr, batch> headers;
  };

  reactor::socket socket_;
  int family_;
  socket_mode mode_;
  std::uint16_t id_;
  std::unordered_map<std::uint16_t, slot> outstanding_;
  std::uint16_t next_sequence_;
  std::uint64_t cookie_secret_;
  std::uint64_t cookie_counter_ = 0;
  unsigned sends_since_read_ = 0;
  std::uint64_t unmatched_ = 0;
  std::unique_ptr<receive_buffers> rx_;
};

}  // namespace jobs::icmp

#endif  // !_WIN32
