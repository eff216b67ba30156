// icmp::endpoint on Windows: the same interface as the Linux endpoint
// (icmp_endpoint.hpp), over the IP Helper API instead of an ICMP socket.
//
// Why not a socket: Windows gives raw sockets to administrators only and
// has no unprivileged ICMP sockets; IcmpSendEcho2Ex is what ping.exe uses,
// with no rights needed. Each echo is its own request, and Windows matches
// the reply to it, so there is no id or demultiplexing to do; the sequence
// numbers here only name outstanding requests, and the cookie (the first
// payload bytes, checked in the reply) guards against a reused one.
//
// Completion: each request has an event, and each endpoint one waiter
// thread that blocks in WaitForMultipleObjects on the pending requests'
// events (and a control event that says "requests added" or "endpoint
// gone"). It stamps the time, queues the finished requests and wakes the
// loop with loop::post() (its one thread-safe member). The reader,
// read_replies(), run by icmp_service::serve() as on Linux, parses the
// queued replies (IcmpParseReplies) on the loop thread and calls the
// listeners. An APC would avoid the thread, but it runs only while the
// issuing thread waits alertably, and the IOCP backend's
// GetQueuedCompletionStatusEx does not.
//
// Why not a thread-pool wait (CreateThreadpoolWait, as this did before, or
// RegisterWaitForSingleObject): under wine 8.0 (Debian 8.0~repack-4) the
// pool's wait-queue thread failed an assertion (waitqueue_thread_proc,
// dlls/ntdll/threadpool.c:1267) and killed the process during the very
// first loopback echo test, not only at teardown; the exact trigger inside
// wine was not pinned down. Our own thread waits only on events that it
// alone hands back for closing, so no waiter can outlive its handle.
//
// A request cannot be cancelled, so it lives until its reply or its
// timeout (`listen_for` from claim()), even past release() or the
// endpoint: what it needs from the endpoint (the ICMP handle, the queue)
// is shared, and the waiter thread, which holds that share too, frees the
// requests that complete after the endpoint is gone and exits once none is
// left. Nothing else waits for them: a run's echoes may ask for minutes.
//
// ICMPv6: Icmp6CreateFile and Icmp6SendEcho2. Wine 8.0 implements neither
// (Icmp6CreateFile fails with ERROR_CALL_NOT_IMPLEMENTED), and open() says
// so in its error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

#include "icmp_listener.hpp"
#include "reactor/address.hpp"
#include "reactor/clock.hpp"
#include "reactor/detail/native.hpp"
#include "reactor/event.hpp"
#include "reactor/task.hpp"

namespace reactor {
class loop;
}

namespace jobs::icmp {

// The echo header (type, code, checksum, id, sequence) that a request
// buffer starts with, as in icmp_packet.hpp; Windows writes its own.
inline constexpr std::size_t echo_header_size = 8;

class endpoint {
 public:
  struct claimed {
    std::uint16_t sequence = 0;
    std::uint64_t cookie = 0;
  };

  // Opens an ICMP (AF_INET) or ICMPv6 (AF_INET6) handle for pings from
  // `loop`. On failure returns nullptr and sets `error`.
  static std::unique_ptr<endpoint> open(reactor::loop& loop, int family, std::string& error);
  ~endpoint();
  endpoint(endpoint const&) = delete;

  int family() const noexcept { return family_; }
  // There is no socket to wait on: send() never returns -EAGAIN (the
  // request is queued by the system), so ping.cpp never polls this.
  reactor::native_handle fd() const noexcept { return reactor::invalid_handle; }

  // As on Linux; `listen_for` is the request's timeout.
  std::optional<claimed> claim(echo_listener& listener, std::uint32_t echo,
                               std::size_t payload_size, reactor::clock::duration listen_for);
  void release(std::uint16_t sequence) noexcept;

  // Writes the payload into `request` (echo_header_size + payload bytes;
  // the header is Windows' to build) and starts the request. Returns 0, or
  // -(Win32 or IP_STATUS error), which std::system_category() describes.
  int send(std::span<std::byte> request, claimed const& c, reactor::socket_address const& to);

  // The reader: hands completed requests to their listeners, until
  // cancelled.
  reactor::task<void> read_replies();

  // Completions that matched no outstanding echo (its run had ended).
  std::uint64_t unmatched() const noexcept { return unmatched_; }

  struct shared;   // what requests share with the endpoint (the .cpp)
  struct request;  // one echo in flight

 private:
  endpoint(std::shared_ptr<shared> s, int family);
  void deliver(request& r);

  struct slot {
    echo_listener* listener = nullptr;
    std::uint32_t echo = 0;
    std::uint32_t payload_size = 0;
    std::uint64_t cookie = 0;
    reactor::clock::duration listen_for{};
  };

  std::shared_ptr<shared> shared_;
  int family_;
  std::unordered_map<std::uint16_t, slot> outstanding_;
  std::uint16_t next_sequence_;
  std::uint64_t cookie_secret_;
  std::uint64_t cookie_counter_ = 0;
  std::uint64_t unmatched_ = 0;
  reactor::event completed_;  // set (on the loop thread) when requests are queued
};

}  // namespace jobs::icmp
