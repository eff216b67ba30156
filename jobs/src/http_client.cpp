// http_client: libcurl's multi_socket API on the reactor. The rules are in
// http_client.hpp; this file is the callbacks and the watcher coroutines.
#include "http_client.hpp"

#include <cerrno>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "reactor/error.hpp"
#include "reactor/socket.hpp"

namespace jobs {

namespace {

// curl_global_init is thread-safe only since 7.84 and only on some builds;
// do it once per process, before the first handle.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
  });
}

// Sockets are opened and closed through reactor::socket, which knows each
// platform's way (non-blocking and close-on-exec at once on Linux,
// overlapped and not inherited on Windows).
void close_socket(curl_socket_t fd) noexcept {
  reactor::socket closes_it(fd);
}

unsigned poll_mask_of(int what) {
  switch (what) {
    case CURL_POLL_IN: return POLLIN;
    case CURL_POLL_OUT: return POLLOUT;
    case CURL_POLL_INOUT: return POLLIN | POLLOUT;
    default: return 0;  // CURL_POLL_REMOVE (and CURL_POLL_NONE)
  }
}

int curl_events_of(int ready, unsigned wanted) {
  // An error or hang-up also counts as the readiness curl waited for, as
  // libuv does: a read or write on that socket fails at once, with the
  // real error. A poll can complete with POLLERR alone (a reset wakes
  // waiters before the kernel marks the socket shut, and io_uring reports
  // the wake-up's mask), and curl takes a bare CURL_CSELECT_ERR as
  // "select/poll returned error", never reading the "reset by peer".
  if (ready & (POLLERR | POLLHUP)) ready |= static_cast<int>(wanted & (POLLIN | POLLOUT));
  int ev = 0;
  if (ready & POLLIN) ev |= CURL_CSELECT_IN;
  if (ready & POLLOUT) ev |= CURL_CSELECT_OUT;
  if (ready & (POLLERR | POLLHUP)) ev |= CURL_CSELECT_ERR;
  return ev;
}

}  // namespace

http_client::impl::impl(reactor::loop& l) : loop(l) {
  init_curl_once();
  multi = curl_multi_init();
  if (!multi) throw std::runtime_error("curl_multi_init failed");
  timer.owner = this;
  timer.on_fire = [](reactor::timer_node& n) {
    static_cast<curl_timer&>(n).owner->socket_action(CURL_SOCKET_TIMEOUT, 0);
  };
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &impl::on_socket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &impl::on_timer);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
}

http_client::impl::~impl() {
  // Every run has ended (they live in a scope that ends before the client),
  // so only idle cached connections remain; cleanup closes them through
  // on_close, and no watcher is left to poll them.
  curl_multi_cleanup(multi);
  loop.disarm(timer);
  easy_handles.clear();
  for (auto& [fd, s] : sockets)
    if (s->owned) close_socket(fd);
}

CURLMcode http_client::impl::start(curl_transfer& t) {
  curl_easy_setopt(t.easy, CURLOPT_PRIVATE, &t);
  // Set on every run, even of a pooled handle: cheap, and a handle must
  // never open a socket we do not own.
  curl_easy_setopt(t.easy, CURLOPT_OPENSOCKETFUNCTION, &impl::on_open);
  curl_easy_setopt(t.easy, CURLOPT_OPENSOCKETDATA, this);
  curl_easy_setopt(t.easy, CURLOPT_CLOSESOCKETFUNCTION, &impl::on_close);
  curl_easy_setopt(t.easy, CURLOPT_CLOSESOCKETDATA, this);
  // curl_multi_add_handle only sets a 0 ms timeout (through on_timer); the
  // transfer starts when that timer fires on the loop.
  return curl_multi_add_handle(multi, t.easy);
}

void http_client::impl::stop(curl_transfer& t) noexcept {
  // Removing a transfer mid-flight makes curl close its connection (through
  // on_close) or keep it, and may call on_socket/on_timer: all deferred.
  curl_multi_remove_handle(multi, t.easy);
}

void http_client::impl::socket_action(curl_socket_t fd, int ev_bitmask, std::error_code taken) {
  int running = 0;
  curl_multi_socket_action(multi, fd, ev_bitmask, &running);
  read_messages(fd, taken);
}

void http_client::impl::read_messages(curl_socket_t acted_on, std::error_code taken) {
  int left = 0;
  while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
    if (m->msg != CURLMSG_DONE) continue;
    curl_transfer* t = nullptr;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &t);
    if (!t) continue;
    t->code = m->data.result;
    if (taken && t->fd == acted_on) t->socket_error = taken;
    t->done.set();  // resumes its run_fetch from the loop, not here
  }
}

reactor::task<void> http_client::impl::watch(std::shared_ptr<curl_socket> s) {
  // However the watcher ends (curl closed the socket, or serve() was
  // cancelled), the reactor holds no poll on the fd by then: a socket curl
  // has closed may now really be closed. One curl still uses stays open
  // (unwatched) until on_close or the client's destructor.
  struct unwatch {
    impl& self;
    curl_socket& s;
    ~unwatch() {
      s.watched = false;
      if (s.closing) self.close_now(s);
    }
  } guard{*this, *s};
  s->watched = true;
  while (!s->closing) {
    if (s->wanted == 0) {
      s->wake.clear();
      co_await s->wake.wait();
      continue;
    }
    unsigned wanted = s->wanted;
    auto ready = co_await s->watch.wait(wanted);
    if (s->closing) break;
    // Interrupted: curl changed the mask; wait again with the new one.
    if (ready.error() == std::errc::operation_canceled) continue;
    socket_action(s->fd, ready ? curl_events_of(static_cast<int>(*ready), wanted) : CURL_CSELECT_ERR,
                  s->watch.taken_error());
  }
}

void http_client::impl::start_watcher(std::shared_ptr<curl_socket> const& s) {
  if (s->watched || !watchers) return;
  s->watched = true;  // so a second call before it starts does not spawn twice
  watchers->spawn(watch(s));
}

void http_client::impl::retire(std::shared_ptr<curl_socket> const& s) {
  s->closing = true;
  s->wanted = 0;
  if (s->watched) {
    s->watch.interrupt();
    s->wake.set();
  } else {
    close_now(*s);
  }
}

void http_client::impl::close_now(curl_socket& s) noexcept {
  if (s.fd == CURL_SOCKET_BAD) return;
  curl_socket_t fd = std::exchange(s.fd, CURL_SOCKET_BAD);
  auto it = sockets.find(fd);
  if (it != sockets.end() && it->second.get() == &s) sockets.erase(it);
  if (s.owned) close_socket(fd);
}

int http_client::impl::on_socket(CURL* easy, curl_socket_t fd, int what, void* clientp, void*) {
  auto& self = *static_cast<impl*>(clientp);
  if (curl_transfer* t = nullptr;
      easy && what != CURL_POLL_REMOVE && curl_easy_getinfo(easy, CURLINFO_PRIVATE, &t) == CURLE_OK && t)
    t->fd = fd;  // the transfer's socket now (after the resolver's, if any)
  auto it = self.sockets.find(fd);
  if (it == self.sockets.end()) {
    // An unknown REMOVE (e.g. a second one after the close) is harmless.
    if (what == CURL_POLL_REMOVE) return 0;
    // An fd we did not open: the threaded resolver's socketpair (curl 7.88
    // asyn-thread.c) is watched too, and curl closes it itself.
    it = self.sockets.emplace(fd, std::make_shared<curl_socket>(fd, false)).first;
  }
  std::shared_ptr<curl_socket> s = it->second;
  if (s->closing) return 0;
  if (what == CURL_POLL_REMOVE && !s->owned) {
    // curl may close a foreign fd right after this: stop watching it now,
    // and forget its number so a new socket can take it.
    self.sockets.erase(it);
    self.retire(s);
    return 0;
  }
  s->wanted = poll_mask_of(what);
  if (s->watch.waiting() && s->watch.events() != s->wanted) s->watch.interrupt();
  if (s->wanted != 0) {
    if (s->watched)
      s->wake.set();
    else
      self.start_watcher(s);
  }
  return 0;
}

int http_client::impl::on_timer(CURLM*, long timeout_ms, void* clientp) {
  auto& self = *static_cast<impl*>(clientp);
  if (timeout_ms < 0)
    self.loop.disarm(self.timer);
  else
    self.loop.arm(self.timer, reactor::clock::now() + std::chrono::milliseconds(timeout_ms));
  return 0;
}

curl_socket_t http_client::impl::on_open(void* clientp, curlsocktype, curl_sockaddr* address) {
  auto& self = *static_cast<impl*>(clientp);
  curl_socket_t fd = CURL_SOCKET_BAD;
  try {
    fd = reactor::socket::open(address->family, address->socktype, address->protocol).release();
  } catch (std::system_error const&) {
    return CURL_SOCKET_BAD;  // curl reports the connect as failed
  }
  // A foreign fd that had this number was closed by curl without a REMOVE;
  // its state (and watcher, if any) is stale.
  if (auto old = self.sockets.find(fd); old != self.sockets.end()) {
    auto stale = old->second;
    self.sockets.erase(old);
    stale->owned = false;
    self.retire(stale);
  }
  self.sockets.emplace(fd, std::make_shared<curl_socket>(fd, true));
  return fd;
}

int http_client::impl::on_close(void* clientp, curl_socket_t fd) {
  auto& self = *static_cast<impl*>(clientp);
  auto it = self.sockets.find(fd);
  if (it == self.sockets.end()) {
    close_socket(fd);
    return 0;
  }
  std::shared_ptr<curl_socket> s = it->second;
  self.retire(s);  // closes now, or once the reactor has let go of it
  return 0;
}

// ---- http_client --------------------------------------------------------

http_client::http_client(reactor::loop& loop) : impl_(std::make_unique<impl>(loop)) {}
http_client::~http_client() = default;

reactor::task<void> http_client::serve() {
  impl& self = *impl_;
  co_await reactor::open_scope([&self](reactor::scope& s) -> reactor::task<void> {
    struct serving {
      impl& self;
      ~serving() {
        self.watchers = nullptr;
        self.serving.clear();
      }
    } guard{self};
    self.watchers = &s;
    self.serving.set();
    for (auto& [fd, sock] : self.sockets)
      if (sock->wanted != 0 || sock->closing) self.start_watcher(sock);
    reactor::event never_set;
    co_await never_set.wait();  // until cancelled
  });
}

}  // namespace jobs
