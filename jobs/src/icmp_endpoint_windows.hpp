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
// Completion: an APC. IcmpSendEcho2Ex calls our routine on the thread that
// sent the request, the loop thread, when that thread waits alertably; the
// IOCP backend's GetQueuedCompletionStatusEx is alertable for this. The
// routine stamps the time, queues the request and sets an event; the reader,
// read_replies(), run by icmp_service::serve() as on Linux, parses the
// queued replies (IcmpParseReplies) and calls the listeners. So everything
// happens on the loop thread: no locks, no thread of our own, no limit of 64
// handles per wait.
//
// Why not an event per request: wine 8.0 (Debian 8.0~repack-4) frees the
// IO_STATUS_BLOCK of an event-signalled request before the request ends
// (IcmpSendEcho2Ex, dlls/iphlpapi/iphlpapi_main.c: "if (!apc_routine ||
// status != STATUS_PENDING) heap_free( ctxt )"), and the completion then
// writes into freed heap. That corrupted wine's heap now and then: a crash
// in ntdll's heap code after many echoes, and earlier an assertion in the
// thread pool's wait thread when thread-pool waits were tried. With an APC,
// wine keeps the block until the APC has run; Windows is fine either way.
//
// A request cannot be cancelled, so it lives until its reply or its
// timeout (`listen_for` from claim()), even past release() or the
// endpoint: the endpoint disowns its requests when it goes, and the APC
// frees a disowned one. (If the loop thread never waits again, those few
// are leaked; the process is ending then anyway.)
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
#include <unordered_set>
#include <vector>

#include "icmp_listener.hpp"
#include "jobs/expected.hpp"
#include "reactor/address.hpp"
#include "reactor/clock.hpp"
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
  // `loop`, whose thread must make every call (completions come back to
  // the thread that sent). On failure, the message.
  [[nodiscard]] static expected<std::unique_ptr<endpoint>> open(reactor::loop& loop, int family);
  ~endpoint();
  endpoint(endpoint const&) = delete;

  int family() const noexcept { return family_; }
  // There is no socket to wait on: send() never returns -EAGAIN (the
  // request is queued by the system), so ping.cpp never polls this.
  reactor::native_handle fd() const noexcept { return reactor::invalid_handle; }

  // As on Linux; `listen_for` is the request's timeout.
  std::optional<claimed> claim(echo_listener& listener, std::uint32_t echo, std::size_t payload_size,
                               reactor::clock::duration listen_for);
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

  struct request;  // one echo in flight

 private:
  endpoint(HANDLE handle, int family);
  // The APC that IcmpSendEcho2Ex queues to the loop thread.
  static void WINAPI on_request_done(void* request, void* io_status_block, ULONG reserved);
  void deliver(request& r);

  struct slot {
    echo_listener* listener = nullptr;
    std::uint32_t echo = 0;
    std::uint32_t payload_size = 0;
    std::uint64_t cookie = 0;
    reactor::clock::duration listen_for{};
  };

  HANDLE handle_;  // IcmpCreateFile's
  int family_;
  std::unordered_set<request*> in_flight_;  // sent; their APC has not run yet
  std::vector<request*> done_;              // their APC has run; not yet delivered
  std::unordered_map<std::uint16_t, slot> outstanding_;
  std::uint16_t next_sequence_;
  std::uint64_t cookie_secret_;
  std::uint64_t cookie_counter_ = 0;
  std::uint64_t unmatched_ = 0;
  reactor::event completed_;  // set when done_ gets requests
};

}  // namespace jobs::icmp
