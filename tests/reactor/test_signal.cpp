// signal_source on each backend. On Linux it reads a signalfd, which any
// backend can wait on; on kqueue platforms (and a Linux build with libkqueue
// and REACTORD_KQUEUE_SIGNALS=ON) it waits with EVFILT_SIGNAL in the loop's
// kqueue, so there the other backends must refuse it plainly.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>

#include "reactor/reactor.hpp"
#include "support/backends.hpp"

using namespace reactor;
using namespace std::chrono_literals;

class Signal : public on_each_backend {
 protected:
  void SetUp() override {
    on_each_backend::SetUp();
#if defined(REACTORD_SIGNALS_THROUGH_KQUEUE)
    if (GetParam() != backend_kind::kqueue)
      GTEST_SKIP() << "signal_source waits in the kqueue backend in this build "
                      "(see NotSupportedOnOtherBackends)";
#endif
  }
};
REACTORD_ON_EACH_BACKEND(Signal);

TEST_P(Signal, ArrivesAsAnAwaitableValueNotInAHandler) {
  signal_source sigs{SIGUSR1, SIGUSR2};
  int got = l().run([&]() -> task<int> {
    ::kill(::getpid(), SIGUSR2);
    auto s = co_await sigs.next();
    co_return *s;
  }());
  EXPECT_EQ(got, SIGUSR2);
}

// Raised before the first next(): kept (blocked, pending), one per signal.
TEST_P(Signal, SignalsRaisedBeforeNextAreKept) {
  signal_source sigs{SIGUSR1, SIGUSR2};
  ::kill(::getpid(), SIGUSR1);
  ::kill(::getpid(), SIGUSR2);
  std::multiset<int> got = l().run([&]() -> task<std::multiset<int>> {
    std::multiset<int> seen;
    for (int i = 0; i < 2; ++i) seen.insert((co_await sigs.next()).value());
    co_return seen;
  }());
  EXPECT_EQ(got, (std::multiset<int>{SIGUSR1, SIGUSR2}));
}

// The loop is asleep in the kernel when the signal comes (on kqueue: the
// EVFILT_SIGNAL wake-up, not the pending check at submit).
TEST_P(Signal, WakesALoopWaitingForIt) {
  signal_source sigs{SIGUSR1};
  // Started after the source: the thread inherits the blocked mask, so the
  // signal stays pending for the process instead of running its default.
  std::thread raiser([] {
    std::this_thread::sleep_for(50ms);
    ::kill(::getpid(), SIGUSR1);
  });
  auto got = l().run(with_timeout(clock::now() + 5s, sigs.next()));
  raiser.join();
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(*got, SIGUSR1);
}

// A cancelled next() leaves nothing behind: the next one still gets the
// signal, and only the signals asked for.
TEST_P(Signal, CancelledNextThenTheSignalStillArrives) {
  signal_source sigs{SIGUSR1};
  EXPECT_THROW((void)l().run(with_timeout(clock::now() + 20ms, sigs.next())), timeout_error);
  ::kill(::getpid(), SIGUSR1);
  auto got = l().run(with_timeout(clock::now() + 5s, sigs.next()));
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(*got, SIGUSR1);
}

#if defined(REACTORD_SIGNALS_THROUGH_KQUEUE)
class SignalElsewhere : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(SignalElsewhere);

TEST_P(SignalElsewhere, NotSupportedOnOtherBackends) {
  if (GetParam() == backend_kind::kqueue) GTEST_SKIP() << "the kqueue backend is the one that works";
  signal_source sigs{SIGUSR1};
  auto got = l().run(sigs.next());
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error(), std::errc::operation_not_supported);
}
#endif
