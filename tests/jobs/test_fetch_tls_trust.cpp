// fetch's CA certificates (tls_trust.hpp): read once for every handshake,
// and never on the loop, so a TLS job costs the jobs beside it nothing.
// Both are checked by what happens to the CA file, not by timings: how
// often it is opened (inotify), and whether a plain run still finishes
// while the file cannot be read yet (a FIFO nobody has written to).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/backends.hpp"
#include "support/fetch_harness.hpp"
#include "support/nginx_suite.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;
using jobs::fetch_spec;
using jobs::outcome;
using jobs::run_result;

namespace {

class FetchTlsTrust : public on_each_backend_with_nginx<nginx_tls::on> {
 protected:
  std::string ca_pem() {
    std::ifstream in(web().ca_file());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  temp_dir dir;
};
REACTORD_ON_EACH_BACKEND(FetchTlsTrust);

}  // namespace

// Nine runs of three jobs, each on a fresh connection with its own
// handshake: the CA file is opened once. (libcurl alone parsed it in every
// handshake: Debian's build sets a CA path, which turns its cache off.)
TEST_P(FetchTlsTrust, ManyHandshakes_ReadTheCaFileOnce) {
  std::string ca = dir.write("ca.pem", ca_pem());
  int watch = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  ASSERT_GE(watch, 0);
  // Closes too: inotify merges an event into an identical one still unread,
  // so opens are told apart only with a close between them.
  ASSERT_GE(::inotify_add_watch(watch, ca.c_str(), IN_OPEN | IN_CLOSE), 0);

  std::vector<fetch_spec> specs;
  for (char const* path : {"/index.html", "/1k.bin", "/conn"}) {
    fetch_spec s = get(web().tls_url(path));
    s.options.edit().ca_file = ca;
    specs.insert(specs.end(), 3, s);
  }
  auto rs = fetch_concurrently(l(), specs, 3);
  for (auto const& r : rs) {
    EXPECT_EQ(r.result, outcome::success) << r.message;
    EXPECT_GT(details(r).tls, details(r).connect) << "each run made its own TLS handshake";
  }

  int opens = 0;
  alignas(inotify_event) char buf[4096];
  for (ssize_t n; (n = ::read(watch, buf, sizeof buf)) > 0;)
    for (char* p = buf; p < buf + n; p += sizeof(inotify_event) + reinterpret_cast<inotify_event*>(p)->len)
      opens += (reinterpret_cast<inotify_event*>(p)->mask & IN_OPEN) != 0;
  ::close(watch);
  EXPECT_EQ(opens, 1) << "the CA file is read once for all " << specs.size() << " handshakes";
}

// The CA file is a FIFO that gets its certificate only once the plain run
// has finished: read on the loop, it would hold the loop (and the plain
// run) until the writer gave up waiting; read on a thread, the plain run
// finishes first and the TLS run after it.
TEST_P(FetchTlsTrust, PlainRun_FinishesWhileATlsRunsCaFileIsStillUnread) {
  std::string fifo = (dir.path / "ca.fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string pem = ca_pem();
  std::atomic<bool> reader_waiting{false}, plain_done{false};
  bool plain_done_when_written = false;
  bool written = false;

  // The writer: waits for a reader to open the FIFO, then for the plain
  // run to end (at most 20 s each: the limits only end a failing test).
  std::thread writer([&] {
    int fd = -1;
    for (auto until = std::chrono::steady_clock::now() + 20s; fd < 0 && std::chrono::steady_clock::now() < until;) {
      fd = ::open(fifo.c_str(),
                  O_WRONLY | O_NONBLOCK | O_CLOEXEC);  // ENXIO until a reader has it open
      if (fd < 0) std::this_thread::sleep_for(1ms);
    }
    if (fd < 0) return;
    reader_waiting = true;
    for (auto until = std::chrono::steady_clock::now() + 20s; !plain_done && std::chrono::steady_clock::now() < until;)
      std::this_thread::sleep_for(1ms);
    plain_done_when_written = plain_done;
    ::fcntl(fd, F_SETFL, 0);
    written = ::write(fd, pem.data(), pem.size()) == static_cast<ssize_t>(pem.size());
    ::close(fd);
  });

  fetch_spec tls = get(web().tls_url("/index.html"));
  tls.options.edit().ca_file = fifo;
  fetch_spec plain = get(web().url("/index.html"));
  std::optional<run_result> tls_result, plain_result;
  with_http_client(l(), [&](jobs::job_context& ctx) -> reactor::task<void> {
    co_await reactor::open_scope([&](reactor::scope& s) -> reactor::task<void> {
      s.spawn([](fetch_spec spec, jobs::job_context& ctx, std::optional<run_result>& out) -> reactor::task<void> {
        out = co_await fetch_until(spec, ctx, reactor::clock::now() + 60s);
      }(tls, ctx, tls_result));
      // The plain run starts once the TLS run is reading the CA file.
      for (auto until = reactor::clock::now() + 20s; !reader_waiting && reactor::clock::now() < until;)
        co_await reactor::sleep_for(1ms);
      plain_result = co_await fetch_task(plain, ctx);
      plain_done = true;
    });
  });
  writer.join();

  ASSERT_TRUE(written) << "nothing opened the CA file";
  ASSERT_TRUE(plain_result && tls_result);
  EXPECT_EQ(plain_result->result, outcome::success) << plain_result->message;
  EXPECT_EQ(tls_result->result, outcome::success) << tls_result->message;
  EXPECT_TRUE(plain_done_when_written) << "the plain run waited for the TLS run's CA file";
}
