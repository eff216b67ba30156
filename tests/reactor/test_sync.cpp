// event, promise/future, channel.
#include <stdexcept>

#include "reactor/reactor.hpp"
#include "support/backends.hpp"

using namespace reactor;
using namespace std::chrono_literals;

class Sync : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(Sync);

TEST_P(Sync, EventWakesEveryWaiter) {
  event e;
  int woke = 0;
  l().run(open_scope([&](scope& s) -> task<void> {
    for (int i = 0; i < 3; ++i)
      s.spawn([&]() -> task<void> {
        co_await e.wait();
        ++woke;
      });
    co_await sleep_for(1ms);
    EXPECT_EQ(woke, 0);
    e.set();
    co_return;
  }));
  EXPECT_EQ(woke, 3);
}

TEST_P(Sync, WaitingOnASetEventDoesNotSuspend) {
  event e;
  e.set();
  l().run([&]() -> task<void> { co_await e.wait(); }());
  EXPECT_EQ(l().stats().blocking_waits, 0u);
}

TEST_P(Sync, CancelledEventWaiterLeavesTheEventUsable) {
  event e;
  bool second_woke = false;
  l().run(open_scope([&](scope& s) -> task<void> {
    child_handle first = s.spawn([&]() -> task<void> { co_await e.wait(); });
    s.spawn([&]() -> task<void> {
      co_await e.wait();
      second_woke = true;
    });
    co_await sleep_for(1ms);
    first.cancel();
    co_await sleep_for(1ms);
    e.set();
  }));
  EXPECT_TRUE(second_woke);
}

TEST_P(Sync, FutureDeliversTheValueToEveryAwaiter) {
  promise<int> p;
  future<int> f = p.get_future();
  int sum = 0;
  l().run(open_scope([&](scope& s) -> task<void> {
    for (int i = 0; i < 2; ++i) s.spawn([&]() -> task<void> { sum += co_await f; });
    co_await sleep_for(1ms);
    p.set_value(21);
  }));
  EXPECT_EQ(sum, 42);
  EXPECT_THROW(p.set_value(1), std::logic_error);
}

TEST_P(Sync, FutureDeliversTheException) {
  promise<int> p;
  future<int> f = p.get_future();
  p.set_exception(std::make_exception_ptr(std::runtime_error("nope")));
  EXPECT_THROW(l().run(f.get()), std::runtime_error);
}

TEST_P(Sync, ChannelIsBoundedAndKeepsOrder) {
  channel<int> ch(2);
  std::vector<int> got;
  int sent_before_first_receive = 0;
  l().run(open_scope([&](scope& s) -> task<void> {
    s.spawn([&]() -> task<void> {
      for (int i = 0; i < 5; ++i) {
        co_await ch.send(i);
        ++sent_before_first_receive;
      }
      ch.close();
    });
    co_await sleep_for(2ms);
    EXPECT_EQ(sent_before_first_receive, 2);  // the sender waits on a full channel
    while (auto v = co_await ch.receive()) got.push_back(*v);
  }));
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST_P(Sync, SendOnAClosedChannelThrows) {
  channel<int> ch(1);
  ch.close();
  EXPECT_THROW(l().run(ch.send(1)), channel_closed);
}

TEST_P(Sync, CancelAfterSetButBeforeResume_ResumesOnceAndKeepsOtherWaiters) {
  // set() queues both waiters; a cancel arriving in the same pass, before
  // they resume, must neither queue the first twice nor unlink the second.
  event e, later;
  int first_resumed = 0;
  bool later_woke = false;
  l().run(open_scope([&](scope& s) -> task<void> {
    child_handle first = s.spawn([&]() -> task<void> {
      try {
        co_await e.wait();
      } catch (cancelled_error const&) {
      }
      ++first_resumed;
    });
    s.spawn([&]() -> task<void> {
      co_await later.wait();
      later_woke = true;
    });
    co_await sleep_for(1ms);
    e.set();
    first.cancel();
    co_await sleep_for(1ms);
    later.set();
  }));
  EXPECT_EQ(first_resumed, 1);
  EXPECT_TRUE(later_woke);
}
