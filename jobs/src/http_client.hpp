// The inside of http_client: one libcurl multi handle driven by the reactor
// through curl's multi_socket API (libcurl's "multi-event" model).
//
// How curl and the reactor talk:
//  - CURLMOPT_SOCKETFUNCTION says which fds curl wants watched, and for
//    what. Each fd gets one watcher coroutine (spawned in serve()'s scope)
//    that waits with the reactor's one-shot poll, calls
//    curl_multi_socket_action when the fd is ready, and polls again with
//    whatever mask curl wants by then. A mask change while a poll is in
//    flight cancels that poll (the watcher re-polls with the new mask).
//  - CURLMOPT_TIMERFUNCTION sets a timer_node on the loop; when it fires,
//    curl_multi_socket_action(CURL_SOCKET_TIMEOUT).
//  - CURLOPT_OPENSOCKETFUNCTION / CURLOPT_CLOSESOCKETFUNCTION give us the
//    sockets' lifetimes. curl's close is deferred: the fd stays open until
//    the reactor has let go of it (the pending poll is cancelled and its
//    completion has arrived), so the kernel never polls a closed or reused
//    fd number.
//  - Transfers that end are read with curl_multi_info_read after each
//    socket_action; each wakes its run_fetch through an event.
//  - A socket error the reactor had to take off the socket to report it
//    (fd_watch::taken_error: kqueue on Linux) would reach curl as a plain
//    end of stream, a reset as an "empty reply". It goes with the
//    socket_action to the transfer curl last watched that socket for
//    (on_socket says which), and run_fetch reports it as curl's failed recv
//    would have on every other backend.
//
// Re-entrancy: curl's callbacks run inside curl_multi_* calls, so they only
// record what curl wants and wake coroutines (which the loop resumes later);
// they never call curl_multi_* themselves.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <system_error>
#include <unordered_map>

#include "http_easy_pool.hpp"
#include "jobs/fetch.hpp"
#include "reactor/event.hpp"
#include "reactor/fd_watch.hpp"
#include "reactor/loop.hpp"
#include "reactor/scope.hpp"
#include "reactor/task.hpp"
#include "reactor/timer.hpp"
#include "tls_trust.hpp"

namespace jobs {

// One socket curl uses, as the reactor sees it.
struct curl_socket {
  curl_socket(curl_socket_t s, bool we_own) noexcept : fd(s), owned(we_own), watch(s) {}

  curl_socket_t fd;         // CURL_SOCKET_BAD once closed
  bool owned = false;       // opened by our OPENSOCKETFUNCTION, so we close it
  unsigned wanted = 0;      // POLLIN | POLLOUT as curl last asked; 0: not now
  bool closing = false;     // curl is done with it: the watcher ends (and closes it)
  bool watched = false;     // a watcher coroutine runs for it
  reactor::event wake;      // an idle watcher waits here for a mask or a close
  reactor::fd_watch watch;  // the one readiness wait in flight
};

// One request in flight: what run_fetch waits for.
struct curl_transfer {
  CURL* easy = nullptr;
  CURLcode code = CURLE_OK;
  reactor::event done;
  curl_socket_t fd = CURL_SOCKET_BAD;  // the socket curl last asked us to watch for it
  std::error_code socket_error;        // taken off that socket as it ended (see above)
};

struct http_client::impl {
  explicit impl(reactor::loop& l);
  ~impl();
  impl(impl const&) = delete;

  reactor::loop& loop;
  CURLM* multi = nullptr;
  reactor::scope* watchers = nullptr;  // serve()'s scope while it runs
  reactor::event serving;              // set while serve() runs
  std::unordered_map<curl_socket_t, std::shared_ptr<curl_socket>> sockets;
  easy_pool easy_handles;  // finished handles kept for the next runs (http_easy_pool.hpp)

  struct curl_timer : reactor::timer_node {
    impl* owner = nullptr;
  } timer;

  // TLS certificate expiry by "scheme://host:port": where it comes from
  // CURLINFO_CERTINFO (peer_certificate.hpp), curl reports it only for the
  // transfer that made the handshake, so a run on a reused connection takes
  // it from here.
  std::map<std::string, std::chrono::system_clock::time_point> cert_expiry;

  // The CA certificates, read once per CA file off the loop and shared by
  // every handle (a handshake used to parse the bundle on the loop).
  tls_trust trust;

  // Adds a transfer to the multi handle; the result comes through t.done.
  CURLMcode start(curl_transfer& t);
  // Removes it (finished or not); safe to call for a finished transfer.
  void stop(curl_transfer& t) noexcept;

  // Called from the loop (never from a curl callback).
  // `taken`: the socket error fd's readiness came with, if the reactor had
  // to take it off the socket (fd_watch::taken_error).
  void socket_action(curl_socket_t fd, int ev_bitmask, std::error_code taken = {});

  reactor::task<void> watch(std::shared_ptr<curl_socket> s);
  void start_watcher(std::shared_ptr<curl_socket> const& s);
  // Ends our interest in `s`: cancels its poll or wakes its watcher, or,
  // with no watcher left, closes it now.
  void retire(std::shared_ptr<curl_socket> const& s);
  void close_now(curl_socket& s) noexcept;
  void read_messages(curl_socket_t acted_on, std::error_code taken);

  // curl's callbacks.
  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* clientp, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* clientp);
  static curl_socket_t on_open(void* clientp, curlsocktype purpose, curl_sockaddr* address);
  static int on_close(void* clientp, curl_socket_t fd);
};

}  // namespace jobs
