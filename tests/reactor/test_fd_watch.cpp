// fd_watch: re-armable readiness waits that a library's callback can end
// without cancelling the waiting coroutine (what libcurl's socket watchers
// need), on every backend.
#if !defined(_WIN32)
#include <poll.h>
#include <sys/socket.h>
#endif

#include "reactor/fd_watch.hpp"
#include "reactor/reactor.hpp"
#include "support/backends.hpp"
#include "test_sockets.hpp"

using namespace reactor;
using namespace std::chrono_literals;

class FdWatch : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(FdWatch);

TEST_P(FdWatch, WaitYieldsTheReadyMask_AndRearmsWithAnotherMask) {
  auto [a, b] = connected_pair();
  fd_watch watch(a.fd());
  l().run([&]() -> task<void> {
    auto writable = co_await watch.wait(POLLOUT);
    EXPECT_TRUE(writable && (*writable & POLLOUT));
    EXPECT_FALSE(watch.waiting());
    co_await open_scope([&](scope& s) -> task<void> {
      s.spawn([&]() -> task<void> {
        auto readable = co_await watch.wait(POLLIN);
        EXPECT_TRUE(readable && (*readable & POLLIN));
      });
      co_await sleep_for(1ms);
      EXPECT_TRUE(watch.waiting());
      EXPECT_EQ(watch.events(), unsigned{POLLIN});
      std::byte one[1] = {};
      co_await b.send(one);
    });
  }());
  EXPECT_EQ(l().stats().operations_in_flight, 0u);
}

// epoll keeps a poll's entry one-shot (the kernel disarms it as it reports
// it, epoll.cpp): the next wait must arm it again, even for the same mask,
// and a closed fd's number must serve the next socket that gets it.
TEST_P(FdWatch, WaitsAgainWithTheSameMask_AndOnTheNextSocketOfThatNumber) {
  auto [a, b] = connected_pair();
  native_handle number = a.fd();
  l().run([&]() -> task<void> {
    fd_watch watch(a.fd());
    for (int i = 0; i < 3; ++i) {
      auto writable = co_await watch.wait(POLLOUT);
      EXPECT_TRUE(writable && (*writable & POLLOUT)) << "wait " << i;
    }
  }());
  a = {};
  b = {};
  auto [c, d] = connected_pair();
  if (c.fd() != number) std::swap(c, d);
  l().run([&]() -> task<void> {
    fd_watch watch(c.fd());
    std::byte one[1] = {};
    co_await d.send(one);
    auto readable = co_await watch.wait(POLLIN);
    EXPECT_TRUE(readable && (*readable & POLLIN));
  }());
  EXPECT_EQ(l().stats().operations_in_flight, 0u);
}

TEST_P(FdWatch, InterruptEndsTheWait_TheWaiterGoesOn) {
  auto [a, b] = connected_pair();
  fd_watch watch(a.fd());
  int waits_ended = 0;
  l().run([&]() -> task<void> {
    co_await open_scope([&](scope& s) -> task<void> {
      s.spawn([&]() -> task<void> {
        // Nothing to read: only interrupt() ends this wait.
        auto first = co_await watch.wait(POLLIN);
        ++waits_ended;
        EXPECT_EQ(first.error(), std::errc::operation_canceled);
        // The coroutine was not cancelled: it waits again, for another mask.
        auto second = co_await watch.wait(POLLOUT);
        ++waits_ended;
        EXPECT_TRUE(second && (*second & POLLOUT));
      });
      co_await sleep_for(1ms);
      EXPECT_TRUE(watch.waiting());
      watch.interrupt();
      watch.interrupt();  // a second request for the same wait is harmless
    });
  }());
  EXPECT_EQ(waits_ended, 2);
  EXPECT_FALSE(watch.waiting());
  EXPECT_EQ(l().stats().operations_in_flight, 0u);
}

TEST_P(FdWatch, CancellingTheWaiter_ThrowsCancelledOnceTheBackendLetGo) {
  auto [a, b] = connected_pair();
  fd_watch watch(a.fd());
  bool threw_cancelled = false;
  l().run([&]() -> task<void> {
    co_await open_scope([&](scope& s) -> task<void> {
      s.spawn([&]() -> task<void> {
        try {
          co_await watch.wait(POLLIN);
        } catch (cancelled_error const&) {
          threw_cancelled = true;
          EXPECT_FALSE(watch.waiting());
          throw;
        }
      });
      co_await sleep_for(1ms);
      s.cancel();
    });
  }());
  EXPECT_TRUE(threw_cancelled);
  EXPECT_EQ(l().stats().operations_in_flight, 0u);
}

TEST_P(FdWatch, InterruptWithNoWaitInFlight_DoesNothing) {
  auto [a, b] = connected_pair();
  fd_watch watch(a.fd());
  watch.interrupt();
  l().run([&]() -> task<void> {
    auto writable = co_await watch.wait(POLLOUT);
    EXPECT_TRUE(writable && (*writable & POLLOUT));
  }());
}

#if !defined(_WIN32)
// The peer resets the connection while a watch waits: the socket's owner
// still learns the reset, from the socket (SO_ERROR, as its recv would) or,
// where the poller had to take the error off the socket to report it
// (kqueue on Linux), from taken_error(). POSIX only: a Windows socket keeps
// no SO_ERROR for a reset (its next recv fails with it), and IOCP takes
// nothing.
TEST_P(FdWatch, PeerResetWhileAWatchWaits_TheOwnerStillLearnsTheReset) {
  reactor::socket listener = reactor::socket::listen_tcp(*socket_address::parse("127.0.0.1"));
  socket_address at = listener.local_address();
  reactor::socket c = reactor::socket::open(AF_INET, SOCK_STREAM);
  fd_watch watch(c.fd());
  std::error_code learnt;
  l().run(open_scope([&](scope& s) -> task<void> {
    event watch_waits;
    s.spawn([&]() -> task<void> {
      reactor::socket conn = (co_await listener.accept()).value();
      co_await watch_waits.wait();  // resumed from the ready queue: the wait is submitted
      linger hard{1, 0};            // a close with a zero linger sends RST
      ::setsockopt(conn.fd(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
      co_await conn.close();
    });
    EXPECT_FALSE(co_await c.connect(at));
    watch_waits.set();
    auto ready = co_await watch.wait(POLLIN);
    EXPECT_TRUE(ready && (*ready & POLLERR));
    learnt = watch.taken_error();
    if (!learnt) {
      int error = 0;
      socklen_t len = sizeof error;
      ::getsockopt(c.fd(), SOL_SOCKET, SO_ERROR, &error, &len);
      learnt = std::error_code(error, std::system_category());
    }
  }));
  EXPECT_EQ(learnt, std::errc::connection_reset) << learnt.message();
}
#endif
