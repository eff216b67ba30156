#include <algorithm>
#include <random>
#include <thread>
#include <vector>

#include "reactor/reactor.hpp"
#include "support/backends.hpp"
#include "test_sockets.hpp"

using namespace reactor;
using namespace std::chrono_literals;

class Timer : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(Timer);

namespace {
struct recorded_timer : timer_node {
  int id = 0;
  std::vector<int>* order = nullptr;
};
void record(timer_node& t) {
  auto& r = static_cast<recorded_timer&>(t);
  r.order->push_back(r.id);
}
// Makes `t` push `id` onto `order` when it fires.
void record_into(recorded_timer& t, int id, std::vector<int>& order) {
  t.id = id;
  t.order = &order;
  t.on_fire = record;
}
}  // namespace

TEST_P(Timer, FireInDeadlineOrder) {
  std::vector<recorded_timer> timers(200);
  std::vector<int> order;
  std::mt19937 rng(42);
  deadline base = clock::now() + 5ms;
  for (int i = 0; i < 200; ++i) {
    record_into(timers[i], i, order);
    l().arm(timers[i], base + std::chrono::microseconds(rng() % 20'000));
  }
  l().run([&]() -> task<void> { co_await sleep_until(base + 40ms); }());
  ASSERT_EQ(order.size(), 200u);
  for (std::size_t i = 1; i < order.size(); ++i)
    EXPECT_LE(timers[order[i - 1]].when, timers[order[i]].when) << "at " << i;
}

TEST_P(Timer, DisarmedTimerNeverFires) {
  std::vector<int> order;
  recorded_timer kept, dropped;
  record_into(kept, 1, order);
  record_into(dropped, 2, order);
  l().arm(kept, clock::now() + 2ms);
  l().arm(dropped, clock::now() + 1ms);
  l().disarm(dropped);
  EXPECT_FALSE(dropped.armed());
  l().run([&]() -> task<void> { co_await sleep_for(10ms); }());
  EXPECT_EQ(order, std::vector<int>{1});
}

TEST_P(Timer, RearmMovesTheDeadline) {
  std::vector<int> order;
  recorded_timer a, b;
  record_into(a, 1, order);
  record_into(b, 2, order);
  l().arm(a, clock::now() + 1ms);
  l().arm(b, clock::now() + 3ms);
  l().arm(a, clock::now() + 6ms);  // now after b
  l().run([&]() -> task<void> { co_await sleep_for(15ms); }());
  EXPECT_EQ(order, (std::vector<int>{2, 1}));
}

TEST_P(Timer, CancelInTheMiddleOfAManyTimerHeap) {
  std::vector<recorded_timer> timers(1000);
  std::vector<int> order;
  deadline base = clock::now() + 2ms;
  for (int i = 0; i < 1000; ++i) {
    record_into(timers[i], i, order);
    l().arm(timers[i], base + std::chrono::microseconds((i * 7919) % 5000));
  }
  for (int i = 0; i < 1000; i += 3) l().disarm(timers[i]);
  l().run([&]() -> task<void> { co_await sleep_until(base + 20ms); }());
  EXPECT_EQ(order.size(), 1000u - 334u);
  for (int id : order) EXPECT_NE(id % 3, 0);
}

TEST_P(Timer, SleepNeverWakesEarly_AndReportsItsLateness) {
  std::vector<std::chrono::nanoseconds> late;
  l().run([&]() -> task<void> {
    for (auto d : {1ms, 2ms, 5ms, 10ms}) {
      deadline due = clock::now() + d;
      co_await sleep_until(due);
      auto now = clock::now();
      EXPECT_GE(now, due);
      late.push_back(now - due);
    }
  }());
  for (auto l : late) std::printf("[   INFO   ] sleep woke %lld us late\n", (long long)(l.count() / 1000));
}

TEST_P(Timer, ZeroDelayRearmDoesNotStarveIo) {
  // A timer that re-arms itself for "now" on every firing must still let a
  // ready socket through: expired timers are snapshotted each pass.
  struct spinner : timer_node {
    loop* owner = nullptr;
    int fired = 0;
  } spin;
  spin.owner = &l();
  spin.on_fire = [](timer_node& t) {
    auto& s = static_cast<spinner&>(t);
    ++s.fired;
    s.owner->arm(s, clock::now());
  };
  auto [a, b] = connected_pair();
  l().arm(spin, clock::now());
  // The receiver waits first, so the bytes arrive as a completion while the
  // timer keeps the loop busy.
  std::size_t got = 0;
  l().run(open_scope([&](scope& s) -> task<void> {
    s.spawn([&]() -> task<void> {
      std::byte buf[4];
      auto n = co_await b.recv(buf);
      got = *n;
    });
    co_await sleep_for(1ms);
    std::byte msg[4] = {};
    co_await a.send(msg);
  }));
  l().disarm(spin);
  EXPECT_EQ(got, 4u);
  std::printf("[   INFO   ] the spinning timer fired %d times meanwhile\n", spin.fired);
}

TEST_P(Timer, IdleLoopSleepsUntilTheNextDeadline) {
  // 50 ms of sleeping on one deadline must not turn into many wake-ups.
  // Measured on a fresh thread: this one has used (and destroyed) io_uring
  // rings in earlier tests, and the kernel's asynchronous ring teardown
  // interrupts its waits with EINTR (see ~io_uring_backend).
  std::uint64_t waits = 0;
  std::thread([&] {
    loop fresh(loop_options{GetParam()});
    fresh.run([]() -> task<void> { co_await sleep_for(50ms); }());
    waits = fresh.stats().blocking_waits;
  }).join();
  EXPECT_LE(waits, 3u);
}
