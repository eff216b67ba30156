// icmp::endpoint on Windows (see icmp_endpoint_windows.hpp for the design):
// IcmpSendEcho2Ex / Icmp6SendEcho2 completed by an APC on the loop thread,
// and the reader that parses the replies.
#include "icmp_endpoint.hpp"

#include <iphlpapi.h>  // before icmpapi.h, which uses its types

#include <icmpapi.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <vector>

#include "icmp_cookie.hpp"
#include "reactor/loop.hpp"

// Debian 12's mingw-w64 headers (10.0) declare neither IcmpSendEcho2Ex nor
// ICMPV6_ECHO_REPLY, though libiphlpapi.a exports the function. Both as in
// Microsoft's icmpapi.h and ipexport.h (Windows Vista and later).
extern "C" DWORD WINAPI IcmpSendEcho2Ex(HANDLE IcmpHandle, HANDLE Event, FARPROC ApcRoutine, PVOID ApcContext,
                                        IPAddr SourceAddress, IPAddr DestinationAddress, LPVOID RequestData,
                                        WORD RequestSize, PIP_OPTION_INFORMATION RequestOptions, LPVOID ReplyBuffer,
                                        DWORD ReplySize, DWORD Timeout);

namespace {

struct icmpv6_echo_reply {
  IPV6_ADDRESS_EX address;
  ULONG status;
  unsigned int round_trip_time;
};

}  // namespace

namespace jobs::icmp {

struct endpoint::request {
  endpoint* owner;  // null once the endpoint is gone
  std::uint16_t sequence = 0;
  std::uint64_t cookie = 0;
  reactor::socket_address to;
  std::vector<std::byte> payload;
  std::vector<std::byte> reply;
  reactor::deadline finished{};  // when the APC ran
};

namespace {

// The payload: the cookie's bytes (as many as fit), then a fixed pattern.
void write_payload(std::span<std::byte> out, std::uint64_t cookie) {
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = i < sizeof cookie ? std::byte(cookie >> (8 * i)) : std::byte(0x20 + i % 64);
}

// The texts the Linux endpoint uses for the same ICMP errors, so results
// read the same on both.
std::string describe_status(ULONG status) {
  switch (status) {
    case IP_DEST_NET_UNREACHABLE: return "destination network unreachable";
    case IP_DEST_HOST_UNREACHABLE: return "destination host unreachable";
    case IP_DEST_PROT_UNREACHABLE: return "destination protocol unreachable";
    case IP_DEST_PORT_UNREACHABLE: return "destination port unreachable";
    case IP_PACKET_TOO_BIG: return "packet too big";
    case IP_TTL_EXPIRED_TRANSIT: return "time to live exceeded";
    case IP_TTL_EXPIRED_REASSEM: return "fragment reassembly time exceeded";
    case IP_PARAM_PROBLEM: return "parameter problem";
    case IP_SOURCE_QUENCH: return "source quench";
    case IP_BAD_ROUTE: return "no route to destination";
    default: return "ICMP status " + std::to_string(status);
  }
}

}  // namespace

expected<std::unique_ptr<endpoint>> endpoint::open(reactor::loop&, int family) {
  HANDLE h = family == AF_INET ? ::IcmpCreateFile() : ::Icmp6CreateFile();
  if (h == INVALID_HANDLE_VALUE) {
    DWORD e = ::GetLastError();
    std::string error = family == AF_INET ? "cannot open an ICMP handle (IcmpCreateFile): "
                                          : "cannot open an ICMPv6 handle (Icmp6CreateFile): ";
    error += std::system_category().message(static_cast<int>(e));
    if (e == ERROR_CALL_NOT_IMPLEMENTED) error += " (wine 8.0 implements only IPv4 echo; Windows has both)";
    return unexpected(std::move(error));
  }
  return std::unique_ptr<endpoint>(new endpoint(h, family));
}

endpoint::endpoint(HANDLE handle, int family)
    : handle_(handle),
      family_(family),
      next_sequence_(static_cast<std::uint16_t>(random64())),
      cookie_secret_(random64()) {}

endpoint::~endpoint() {
  // Requests still in flight will be freed by their APC.
  for (request* r : in_flight_) r->owner = nullptr;
  for (request* r : done_) delete r;
  ::IcmpCloseHandle(handle_);
}

void WINAPI endpoint::on_request_done(void* context, void*, ULONG) {
  std::unique_ptr<request> r(static_cast<request*>(context));
  endpoint* self = r->owner;
  if (!self) return;  // the endpoint is gone; so is the run
  r->finished = reactor::clock::now();
  self->in_flight_.erase(r.get());
  self->done_.push_back(r.release());
  self->completed_.set();
}

std::optional<endpoint::claimed> endpoint::claim(echo_listener& listener, std::uint32_t echo, std::size_t payload_size,
                                                 reactor::clock::duration listen_for) {
  if (outstanding_.size() > 0xffff) return std::nullopt;
  while (outstanding_.contains(next_sequence_)) ++next_sequence_;
  claimed c{next_sequence_++, mix(cookie_secret_ + cookie_counter_++)};
  outstanding_.emplace(c.sequence,
                       slot{&listener, echo, static_cast<std::uint32_t>(payload_size), c.cookie, listen_for});
  return c;
}

void endpoint::release(std::uint16_t sequence) noexcept {
  outstanding_.erase(sequence);
}

int endpoint::send(std::span<std::byte> request_bytes, claimed const& c, reactor::socket_address const& to) {
  auto it = outstanding_.find(c.sequence);
  if (it == outstanding_.end()) return -ERROR_INVALID_PARAMETER;
  std::span<std::byte> payload = request_bytes.subspan(echo_header_size);
  if (payload.size() > 0xffff) return -ERROR_INVALID_PARAMETER;  // RequestSize is a WORD
  write_payload(payload, c.cookie);

  auto r = std::make_unique<request>();
  r->owner = this;
  r->sequence = c.sequence;
  r->cookie = c.cookie;
  r->to = to;
  r->payload.assign(payload.begin(), payload.end());
  // Room for one reply with our payload echoed, an ICMP error's 8 bytes and
  // the IO_STATUS_BLOCK the system keeps there (Microsoft's documentation
  // of IcmpSendEcho2Ex's ReplySize).
  std::size_t reply_header = family_ == AF_INET ? sizeof(ICMP_ECHO_REPLY) : sizeof(icmpv6_echo_reply);
  // (IO_STATUS_BLOCK, from winternl.h: a status-or-pointer and a count.)
  constexpr std::size_t io_status_block = 2 * sizeof(void*);
  r->reply.resize(reply_header + payload.size() + 8 + io_status_block);

  using ms = std::chrono::milliseconds;
  auto timeout = std::chrono::ceil<ms>(it->second.listen_for).count();
  DWORD timeout_ms = static_cast<DWORD>(std::clamp<long long>(timeout, 1, 0x7fffffff));
  WORD size = static_cast<WORD>(payload.size());
  // The APC routine's real type is PIO_APC_ROUTINE; the headers say FARPROC.
  // (Through void(*)(), the type GCC accepts any function pointer cast from.)
  auto apc = reinterpret_cast<FARPROC>(reinterpret_cast<void (*)()>(&on_request_done));
  in_flight_.insert(r.get());  // before the call: its APC expects to find it
  DWORD rc;
  if (family_ == AF_INET) {
    IPAddr destination = reinterpret_cast<sockaddr_in const*>(to.data())->sin_addr.s_addr;
    rc = ::IcmpSendEcho2Ex(handle_, nullptr, apc, r.get(), INADDR_ANY, destination, r->payload.data(), size, nullptr,
                           r->reply.data(), static_cast<DWORD>(r->reply.size()), timeout_ms);
  } else {
    sockaddr_in6 source{};
    source.sin6_family = AF_INET6;
    sockaddr_in6 destination = *reinterpret_cast<sockaddr_in6 const*>(to.data());
    rc = ::Icmp6SendEcho2(handle_, nullptr, apc, r.get(), &source, &destination, r->payload.data(), size, nullptr,
                          r->reply.data(), static_cast<DWORD>(r->reply.size()), timeout_ms);
  }
  // Asynchronous calls return 0 with ERROR_IO_PENDING. A non-zero count
  // means the reply came at once; the APC is queued all the same (the I/O
  // manager queues it for a request that succeeds at once too), so it stays
  // the one way a request comes back.
  if (rc == 0) {
    DWORD e = ::GetLastError();
    if (e != ERROR_IO_PENDING) {
      // No APC for a request that failed to start. 11 is both EAGAIN and
      // ERROR_BAD_FORMAT; ping.cpp must not take a Win32 error for "try
      // again", since there is no socket to wait on.
      in_flight_.erase(r.get());
      return e == EAGAIN || e == EWOULDBLOCK ? -ERROR_GEN_FAILURE : -static_cast<int>(e);
    }
  }
  r.release();  // the APC's now
  return 0;
}

void endpoint::deliver(request& r) {
  auto it = outstanding_.find(r.sequence);
  if (it == outstanding_.end() || it->second.cookie != r.cookie) {
    ++unmatched_;  // its run has ended (or the sequence was reused since)
    return;
  }
  slot const& s = it->second;
  bool v4 = family_ == AF_INET;
  DWORD count = v4 ? ::IcmpParseReplies(r.reply.data(), static_cast<DWORD>(r.reply.size()))
                   : ::Icmp6ParseReplies(r.reply.data(), static_cast<DWORD>(r.reply.size()));
  // No reply: GetLastError() holds the IP_STATUS (IP_REQ_TIMED_OUT when the
  // request outlived its run's interest; the run has timed the echo out).
  ULONG status = count ? (v4 ? reinterpret_cast<ICMP_ECHO_REPLY*>(r.reply.data())->Status
                             : reinterpret_cast<icmpv6_echo_reply*>(r.reply.data())->status)
                       : ::GetLastError();
  if (status == IP_REQ_TIMED_OUT) return;
  if (status == IP_SUCCESS && count) {
    if (v4) {
      // Windows matched the reply to the request; the echoed payload is
      // checked all the same, as the Linux endpoint checks its cookie.
      auto const& e = *reinterpret_cast<ICMP_ECHO_REPLY*>(r.reply.data());
      auto const* data = static_cast<std::byte const*>(e.Data);
      bool same = e.DataSize == r.payload.size() &&
                  (r.payload.empty() || std::memcmp(data, r.payload.data(), r.payload.size()) == 0);
      if (!same) {
        ++unmatched_;
        return;
      }
    }
    s.listener->on_reply(s.echo, r.finished);
    return;
  }
  // An ICMP error from a router (or the target): say who sent it.
  std::string what = count ? describe_status(status) : std::system_category().message(static_cast<int>(status));
  if (count && v4) {
    in_addr from;
    from.s_addr = reinterpret_cast<ICMP_ECHO_REPLY*>(r.reply.data())->Address;
    char text[INET_ADDRSTRLEN] = "?";
    ::inet_ntop(AF_INET, &from, text, sizeof text);
    what += std::string(" from ") + text;
  }
  sockaddr_storage destination{};
  std::memcpy(&destination, r.to.data(), static_cast<std::size_t>(r.to.size()));
  s.listener->on_error(s.echo, what, destination);
}

reactor::task<void> endpoint::read_replies() {
  for (;;) {
    co_await completed_.wait();
    completed_.clear();
    std::vector<request*> done;
    done.swap(done_);
    for (request* r : done) {
      std::unique_ptr<request> owned(r);
      deliver(*r);
    }
  }
}

}  // namespace jobs::icmp
