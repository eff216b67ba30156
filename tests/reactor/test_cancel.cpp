#if !defined(_WIN32)
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include <tuple>

#include "reactor/reactor.hpp"
#include "support/backends.hpp"
#include "test_sockets.hpp"

using namespace reactor;
using namespace std::chrono_literals;

class Cancel : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(Cancel);

namespace {
struct socket_pair {
  reactor::socket a, b;
  socket_pair() { std::tie(a, b) = connected_pair(); }
};

// Cancels `victim` after `after`, from a sibling.
[[maybe_unused]] task<void> cancel_later(cancel_node& victim, std::chrono::milliseconds after) {
  co_await sleep_for(after);
  victim.cancel();
}
}  // namespace

TEST_P(Cancel, CancelledSleepResumesWithCancelledError) {
  bool cancelled = false;
  l().run([&]() -> task<void> {
    co_await open_scope([&](scope& s) -> task<void> {
      s.spawn([&]() -> task<void> {
        try {
          co_await sleep_for(10s);
        } catch (cancelled_error const&) {
          cancelled = true;
          throw;
        }
      });
      co_await sleep_for(2ms);
      s.cancel();
    });
  }());
  EXPECT_TRUE(cancelled);
}

TEST_P(Cancel, CancelWhileRecvPending_ResumesAfterKernelRelease) {
  socket_pair p;
  std::uint64_t in_flight_at_resume = 99;
  l().run([&]() -> task<void> {
    co_await open_scope([&](scope& s) -> task<void> {
      s.spawn([&]() -> task<void> {
        std::byte buf[64];
        try {
          co_await p.a.recv(buf);
        } catch (cancelled_error const&) {
          in_flight_at_resume = l().stats().operations_in_flight;
        }
      });
      co_await sleep_for(2ms);
      s.cancel();
    });
    // Had the cancelled recv still been armed in the kernel, it would eat
    // these bytes (into a freed frame); a fresh recv must get them.
    std::byte msg[3] = {std::byte{1}, std::byte{2}, std::byte{3}};
    co_await p.b.send(msg);
    std::byte buf[8];
    auto n = co_await p.a.recv(buf);
    EXPECT_EQ(*n, 3u);
  }());
  EXPECT_EQ(in_flight_at_resume, 0u);
}

TEST_P(Cancel, CancelWhilePollPending_ResumesAfterKernelRelease) {
  socket_pair p;
  std::uint64_t in_flight_at_resume = 99;
  l().run([&]() -> task<void> {
    co_await open_scope([&](scope& s) -> task<void> {
      s.spawn([&]() -> task<void> {
        try {
          co_await poll(p.a.fd(), POLLIN);
        } catch (cancelled_error const&) {
          in_flight_at_resume = l().stats().operations_in_flight;
        }
      });
      co_await sleep_for(2ms);
      s.cancel();
    });
  }());
  EXPECT_EQ(in_flight_at_resume, 0u);
}

// POSIX only: it relies on Linux dropping SYNs to a full accept queue.
#if !defined(_WIN32)
TEST_P(Cancel, CancelWhileConnectPending_ResumesAfterKernelRelease) {
  // A listener whose accept queue is full drops further SYNs, so a connect
  // to it stays pending (loopback only).
  reactor::socket listener = reactor::socket::listen_tcp(*socket_address::parse("127.0.0.1"), 0);
  socket_address at = listener.local_address();
  std::vector<int> fillers;
  for (int i = 0; i < 4; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ::connect(fd, at.data(), at.size());
    fillers.push_back(fd);
  }
  ::usleep(20'000);
  bool connect_finished = false;
  std::uint64_t in_flight_at_resume = 99;
  l().run([&]() -> task<void> {
    co_await open_scope([&](scope& s) -> task<void> {
      s.spawn([&]() -> task<void> {
        reactor::socket c = reactor::socket::open(AF_INET, SOCK_STREAM);
        try {
          co_await c.connect(at);
          connect_finished = true;
        } catch (cancelled_error const&) {
          in_flight_at_resume = l().stats().operations_in_flight;
        }
      });
      co_await sleep_for(50ms);
      s.cancel();
    });
  }());
  for (int fd : fillers) ::close(fd);
  ASSERT_FALSE(connect_finished) << "the connect was not pending; the test proves nothing";
  EXPECT_EQ(in_flight_at_resume, 0u);
}
#endif

TEST_P(Cancel, CancellationIsSticky) {
  int awaits_that_threw = 0;
  l().run([&]() -> task<void> {
    co_await open_scope([&](scope& s) -> task<void> {
      s.spawn([&]() -> task<void> {
        for (int i = 0; i < 3; ++i) {
          try {
            co_await sleep_for(1s);
          } catch (cancelled_error const&) {
            ++awaits_that_threw;
          }
        }
      });
      co_await sleep_for(1ms);
      s.cancel();
    });
  }());
  EXPECT_EQ(awaits_that_threw, 3);
}

TEST_P(Cancel, CancellingAParentCancelsItsSubtree) {
  int ended = 0;
  bool parent_saw_cancel = false;
  l().run([&]() -> task<void> {
    co_await open_scope([&](scope& outer) -> task<void> {
      child_handle parent = outer.spawn([&]() -> task<void> {
        try {
          co_await open_scope([&](scope& inner) -> task<void> {
            for (int i = 0; i < 5; ++i)
              inner.spawn([&]() -> task<void> {
                try {
                  co_await sleep_for(10s);
                } catch (cancelled_error const&) {
                  ++ended;
                  throw;
                }
              });
            co_await sleep_for(10s);
          });
        } catch (cancelled_error const&) {
          parent_saw_cancel = true;
          throw;
        }
      });
      co_await sleep_for(2ms);
      parent.cancel();
    });
  }());
  EXPECT_EQ(ended, 5);
  EXPECT_TRUE(parent_saw_cancel);
}

TEST_P(Cancel, WithTimeoutCancelsTheTaskAndThrowsTimeoutError) {
  bool inner_cancelled = false;
  bool timed_out = false;
  l().run([&]() -> task<void> {
    try {
      co_await with_timeout(clock::now() + 5ms, [&]() -> task<void> {
        try {
          co_await sleep_for(10s);
        } catch (cancelled_error const&) {
          inner_cancelled = true;
          throw;
        }
      }());
    } catch (timeout_error const&) {
      timed_out = true;
    }
    // The caller itself is not cancelled: it can keep awaiting.
    co_await sleep_for(1ms);
  }());
  EXPECT_TRUE(inner_cancelled);
  EXPECT_TRUE(timed_out);
}

TEST_P(Cancel, WithTimeoutReturnsTheValueWhenInTime) {
  int v = l().run([&]() -> task<int> {
    co_return co_await with_timeout(clock::now() + 1s, []() -> task<int> {
      co_await sleep_for(1ms);
      co_return 5;
    }());
  }());
  EXPECT_EQ(v, 5);
}

TEST_P(Cancel, WithTimeoutInsideACancelledParentReportsCancellationNotTimeout) {
  bool saw_cancelled = false;
  l().run([&]() -> task<void> {
    co_await open_scope([&](scope& s) -> task<void> {
      s.spawn([&]() -> task<void> {
        try {
          co_await with_timeout(clock::now() + 10s, []() -> task<void> { co_await sleep_for(10s); }());
        } catch (timeout_error const&) {
          ADD_FAILURE() << "a cancelled caller saw timeout_error";
        } catch (cancelled_error const&) {
          saw_cancelled = true;
        }
      });
      co_await sleep_for(1ms);
      s.cancel();
    });
  }());
  EXPECT_TRUE(saw_cancelled);
}
