#include <stdexcept>

#include "reactor/reactor.hpp"
#include "support/backends.hpp"

using namespace reactor;
using namespace std::chrono_literals;

class Generator : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(Generator);

namespace {
generator<int> countdown(int from, std::chrono::milliseconds tick) {
  for (int i = from; i >= 0; --i) {
    if (tick.count()) co_await sleep_for(tick);
    co_yield i;
  }
}
generator<int> fails_after_one() {
  co_yield 1;
  throw std::runtime_error("generator failed");
}
}  // namespace

TEST_P(Generator, YieldsEveryValueThenEnds) {
  std::vector<int> got;
  l().run([&]() -> task<void> {
    auto g = countdown(3, 1ms);
    while (auto v = co_await g.next()) got.push_back(*v);
  }());
  EXPECT_EQ(got, (std::vector<int>{3, 2, 1, 0}));
}

TEST_P(Generator, SynchronousValuesDoNotGrowTheStack) {
  long n = l().run([&]() -> task<long> {
    auto g = countdown(100'000, 0ms);
    long count = 0;
    while (co_await g.next()) ++count;
    co_return count;
  }());
  EXPECT_EQ(n, 100'001);
}

TEST_P(Generator, ExceptionReachesTheConsumer) {
  l().run([&]() -> task<void> {
    auto g = fails_after_one();
    EXPECT_EQ(*co_await g.next(), 1);
    EXPECT_THROW(co_await g.next(), std::runtime_error);
  }());
}

TEST_P(Generator, CancellingTheConsumerCancelsTheBody) {
  bool body_cancelled = false;
  auto slow = [&]() -> generator<int> {
    try {
      co_await sleep_for(10s);
    } catch (cancelled_error const&) {
      body_cancelled = true;
      throw;
    }
    co_yield 1;
  };
  l().run(open_scope([&](scope& s) -> task<void> {
    s.spawn([&]() -> task<void> {
      auto g = slow();
      co_await g.next();
    });
    co_await sleep_for(1ms);
    s.cancel();
  }));
  EXPECT_TRUE(body_cancelled);
}
