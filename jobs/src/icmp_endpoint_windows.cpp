// icmp::endpoint on Windows (see icmp_endpoint_windows.hpp for the design):
// IcmpSendEcho2Ex / Icmp6SendEcho2 with an event per request, a waiter
// thread per endpoint that queues the finished requests and wakes the loop,
// and the reader that parses replies on the loop thread.
#include "icmp_endpoint.hpp"

#include <iphlpapi.h>
#include <icmpapi.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "icmp_cookie.hpp"
#include "reactor/loop.hpp"

// Debian 12's mingw-w64 headers (10.0) declare neither IcmpSendEcho2Ex nor
// ICMPV6_ECHO_REPLY, though libiphlpapi.a exports the function. Both as in
// Microsoft's icmpapi.h and ipexport.h (Windows Vista and later).
extern "C" DWORD WINAPI IcmpSendEcho2Ex(HANDLE IcmpHandle, HANDLE Event, FARPROC ApcRoutine,
                                        PVOID ApcContext, IPAddr SourceAddress,
                                        IPAddr DestinationAddress, LPVOID RequestData,
                                        WORD RequestSize, PIP_OPTION_INFORMATION RequestOptions,
                                        LPVOID ReplyBuffer, DWORD ReplySize, DWORD Timeout);

namespace {

struct icmpv6_echo_reply {
  IPV6_ADDRESS_EX address;
  ULONG status;
  unsigned int round_trip_time;
};

}  // namespace

namespace jobs::icmp {

// What the requests share with the endpoint, and may outlive it with: the
// waiter thread holds it until the last request has completed.
struct endpoint::shared {
  ~shared() {
    ::IcmpCloseHandle(handle);
    if (control) ::CloseHandle(control);
  }

  HANDLE handle = INVALID_HANDLE_VALUE;
  HANDLE control = nullptr;     // auto-reset: wakes the waiter (added, or endpoint gone)
  std::mutex mutex;             // guards the four below, between the waiter and the loop
  reactor::loop* loop;          // null once the endpoint is gone
  std::vector<request*> added;  // sent, not yet taken by the waiter
  std::vector<request*> done;   // finished, not yet delivered
  bool gone = false;            // the endpoint is gone: the waiter exits once idle
  // Loop thread only: the endpoint's event, null once it is gone.
  reactor::event* completed = nullptr;
};

struct endpoint::request {
  std::shared_ptr<shared> owner;
  std::uint16_t sequence = 0;
  std::uint64_t cookie = 0;
  reactor::socket_address to;
  std::vector<std::byte> payload;
  std::vector<std::byte> reply;
  HANDLE event = nullptr;  // manual-reset; the system sets it when the request ends
  reactor::deadline finished{};

  ~request() {
    if (event) ::CloseHandle(event);
  }
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

// Hands finished requests to the loop (or frees them if the endpoint is
// gone, since nobody will deliver them), from the waiter or from send().
void queue_finished(endpoint::shared& s, std::shared_ptr<endpoint::shared> const& share,
                    std::vector<endpoint::request*>& finished) {
  if (finished.empty()) return;
  std::unique_lock lock(s.mutex);
  if (!s.loop) {
    lock.unlock();
    for (endpoint::request* r : finished) delete r;
  } else {
    bool was_empty = s.done.empty();
    s.done.insert(s.done.end(), finished.begin(), finished.end());
    // One wake-up per batch: the reader takes everything queued by then.
    if (was_empty)
      s.loop->post([share] {
        if (share->completed) share->completed->set();
      });
  }
  finished.clear();
}

// The waiter thread: WaitForMultipleObjects on the control event and up to
// 63 pending requests' events (its limit is 64 handles). Past 63 it waits
// on a window that moves every round, with a 1 ms timeout, so the requests
// outside the window are seen too (their receive time is then up to a
// round late; loopback tests stay well under 63 in flight per endpoint).
// After each wake every pending event is polled, so one wake collects all
// the requests that have finished by then.
void wait_for_requests(std::shared_ptr<endpoint::shared> share) {
  endpoint::shared& s = *share;
  std::vector<endpoint::request*> waiting, finished;
  std::size_t window_start = 0;
  for (;;) {
    {
      std::lock_guard lock(s.mutex);
      waiting.insert(waiting.end(), s.added.begin(), s.added.end());
      s.added.clear();
      if (s.gone && waiting.empty()) return;
    }
    constexpr std::size_t most = MAXIMUM_WAIT_OBJECTS - 1;
    std::size_t n = std::min(waiting.size(), most);
    HANDLE handles[MAXIMUM_WAIT_OBJECTS];
    handles[0] = s.control;
    if (window_start >= waiting.size()) window_start = 0;
    for (std::size_t i = 0; i < n; ++i)
      handles[1 + i] = waiting[(window_start + i) % waiting.size()]->event;
    window_start += n;
    DWORD timeout = waiting.size() > most ? 1 : INFINITE;
    DWORD rc = ::WaitForMultipleObjects(static_cast<DWORD>(n + 1), handles, FALSE, timeout);
    reactor::deadline now = reactor::clock::now();
    // Every handle here is ours and open, so this cannot fail; if it ever
    // does, the poll below still finds finished requests, and the sleep
    // keeps a persistent failure from spinning a core.
    if (rc == WAIT_FAILED) ::Sleep(1);
    std::erase_if(waiting, [&](endpoint::request* r) {
      if (::WaitForSingleObject(r->event, 0) != WAIT_OBJECT_0) return false;
      r->finished = now;
      finished.push_back(r);
      return true;
    });
    queue_finished(s, share, finished);
  }
}

}  // namespace

std::unique_ptr<endpoint> endpoint::open(reactor::loop& loop, int family, std::string& error) {
  HANDLE h = family == AF_INET ? ::IcmpCreateFile() : ::Icmp6CreateFile();
  if (h == INVALID_HANDLE_VALUE) {
    DWORD e = ::GetLastError();
    error = family == AF_INET ? "cannot open an ICMP handle (IcmpCreateFile): "
                              : "cannot open an ICMPv6 handle (Icmp6CreateFile): ";
    error += std::system_category().message(static_cast<int>(e));
    if (e == ERROR_CALL_NOT_IMPLEMENTED)
      error += " (wine 8.0 implements only IPv4 echo; Windows has both)";
    return nullptr;
  }
  auto s = std::make_shared<shared>();
  s->handle = h;
  s->loop = &loop;
  s->control = ::CreateEventW(nullptr, FALSE, FALSE, nullptr);
  if (!s->control) {
    error = "cannot create an event (CreateEventW): " +
            std::system_category().message(static_cast<int>(::GetLastError()));
    return nullptr;
  }
  try {
    // Detached: it outlives the endpoint while requests are in flight
    // (see the header), and exits by itself once they have completed.
    std::thread(wait_for_requests, s).detach();
  } catch (std::system_error const& e) {
    error = std::string("cannot start the ICMP waiter thread: ") + e.what();
    return nullptr;
  }
  return std::unique_ptr<endpoint>(new endpoint(std::move(s), family));
}

endpoint::endpoint(std::shared_ptr<shared> s, int family)
    : shared_(std::move(s)),
      family_(family),
      next_sequence_(static_cast<std::uint16_t>(random64())),
      cookie_secret_(random64()) {
  shared_->completed = &completed_;
}

endpoint::~endpoint() {
  std::vector<request*> undelivered;
  {
    std::lock_guard lock(shared_->mutex);
    shared_->loop = nullptr;
    shared_->gone = true;
    undelivered.swap(shared_->done);
  }
  ::SetEvent(shared_->control);
  shared_->completed = nullptr;
  for (request* r : undelivered) delete r;
}

std::optional<endpoint::claimed> endpoint::claim(echo_listener& listener, std::uint32_t echo,
                                                 std::size_t payload_size,
                                                 reactor::clock::duration listen_for) {
  if (outstanding_.size() > 0xffff) return std::nullopt;
  while (outstanding_.contains(next_sequence_)) ++next_sequence_;
  claimed c{next_sequence_++, mix(cookie_secret_ + cookie_counter_++)};
  outstanding_.emplace(c.sequence, slot{&listener, echo, static_cast<std::uint32_t>(payload_size),
                                        c.cookie, listen_for});
  return c;
}

void endpoint::release(std::uint16_t sequence) noexcept { outstanding_.erase(sequence); }

int endpoint::send(std::span<std::byte> request_bytes, claimed const& c,
                   reactor::socket_address const& to) {
  auto it = outstanding_.find(c.sequence);
  if (it == outstanding_.end()) return -ERROR_INVALID_PARAMETER;
  std::span<std::byte> payload = request_bytes.subspan(echo_header_size);
  if (payload.size() > 0xffff) return -ERROR_INVALID_PARAMETER;  // RequestSize is a WORD
  write_payload(payload, c.cookie);

  auto r = std::make_unique<request>();
  r->owner = shared_;
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
  r->event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
  if (!r->event) return -static_cast<int>(::GetLastError());

  using ms = std::chrono::milliseconds;
  auto timeout = std::chrono::ceil<ms>(it->second.listen_for).count();
  DWORD timeout_ms = static_cast<DWORD>(std::clamp<long long>(timeout, 1, 0x7fffffff));
  WORD size = static_cast<WORD>(payload.size());
  DWORD rc;
  if (family_ == AF_INET) {
    IPAddr destination = reinterpret_cast<sockaddr_in const*>(to.data())->sin_addr.s_addr;
    rc = ::IcmpSendEcho2Ex(shared_->handle, r->event, nullptr, nullptr, INADDR_ANY, destination,
                           r->payload.data(), size, nullptr, r->reply.data(),
                           static_cast<DWORD>(r->reply.size()), timeout_ms);
  } else {
    sockaddr_in6 source{};
    source.sin6_family = AF_INET6;
    sockaddr_in6 destination = *reinterpret_cast<sockaddr_in6 const*>(to.data());
    rc = ::Icmp6SendEcho2(shared_->handle, r->event, nullptr, nullptr, &source, &destination,
                          r->payload.data(), size, nullptr, r->reply.data(),
                          static_cast<DWORD>(r->reply.size()), timeout_ms);
  }
  // Asynchronous calls return 0 with ERROR_IO_PENDING.
  if (rc != 0) {
    // A non-zero count: the reply is already in the buffer. Queued here
    // rather than left to the event, which nothing then needs.
    r->finished = reactor::clock::now();
    std::vector<request*> finished{r.release()};
    queue_finished(*shared_, shared_, finished);
    return 0;
  }
  DWORD e = ::GetLastError();
  if (e != ERROR_IO_PENDING) {
    // 11 is both EAGAIN and ERROR_BAD_FORMAT; ping.cpp must not take a
    // Win32 error for "try again", since there is no socket to wait on.
    return e == EAGAIN || e == EWOULDBLOCK ? -ERROR_GEN_FAILURE : -static_cast<int>(e);
  }
  // The request is the system's until its event is set; the waiter hands
  // it back to us.
  {
    std::lock_guard lock(shared_->mutex);
    shared_->added.push_back(r.release());
  }
  ::SetEvent(shared_->control);
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
    {
      std::lock_guard lock(shared_->mutex);
      done.swap(shared_->done);
    }
    for (request* r : done) {
      std::unique_ptr<request> owned(r);
      deliver(*r);
    }
  }
}

}  // namespace jobs::icmp
