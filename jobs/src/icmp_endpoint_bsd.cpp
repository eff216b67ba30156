// The ICMP endpoint's side on FreeBSD, the other BSDs and macOS (the
// differences: icmp_platform.hpp).
#include <system_error>

#include "icmp_platform.hpp"

namespace jobs::icmp::platform {

namespace {

std::string errno_text(int e) {
  return std::system_category().message(e);
}

}  // namespace

std::string neither_allowed(int family, int datagram_errno, int raw_errno) {
  std::string text = family == AF_INET ? "cannot open an ICMP socket" : "cannot open an ICMPv6 socket";
  text += ": ICMP datagram sockets are not available (" + errno_text(datagram_errno) + ") and raw sockets need root (" +
          errno_text(raw_errno) + "). Run reactord as root";
  return text;
}

// macOS keeps the id we write (FreeBSD has no ICMP datagram sockets), and
// delivers ICMP errors as packets: nothing to set up.
expected<std::uint16_t> prepare_datagram(reactor::socket const&, int, std::uint16_t chosen) {
  return chosen;
}

// No ICMP_FILTER here: dispatch() drops what is not ours.
void filter_raw_ipv4(int) {}

void set_receive_buffer(int fd, int bytes) {
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
}

int receive_batch(int fd, mmsghdr* headers, unsigned count) {
#if defined(__APPLE__)
  // macOS has no recvmmsg: one recvmsg per packet, with the same result.
  unsigned got = 0;
  for (; got < count; ++got) {
    ssize_t n = ::recvmsg(fd, &headers[got].msg_hdr, MSG_DONTWAIT);
    if (n < 0) return got > 0 ? static_cast<int>(got) : -1;
    headers[got].msg_len = static_cast<unsigned>(n);
  }
  return static_cast<int>(got);
#else
  return ::recvmmsg(fd, headers, count, MSG_DONTWAIT, nullptr);
#endif
}

}  // namespace jobs::icmp::platform
