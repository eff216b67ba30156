#include <stdexcept>

#include "reactor/reactor.hpp"
#include "support/backends.hpp"

using namespace reactor;
using namespace std::chrono_literals;

class When : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(When);

namespace {
task<int> after(std::chrono::milliseconds d, int v) {
  co_await sleep_for(d);
  co_return v;
}
}  // namespace

TEST_P(When, AllReturnsEveryResultInOrder) {
  std::vector<task<int>> ts;
  ts.push_back(after(3ms, 1));
  ts.push_back(after(1ms, 2));
  ts.push_back(after(2ms, 3));
  auto v = l().run(when_all(std::move(ts)));
  EXPECT_EQ(v, (std::vector<int>{1, 2, 3}));
}

TEST_P(When, AllOfMixedTypes) {
  auto [a, b] = l().run(when_all(after(1ms, 4), []() -> task<void> { co_await sleep_for(1ms); }()));
  EXPECT_EQ(a, 4);
  (void)b;
}

TEST_P(When, AllCancelsTheOthersWhenOneFails) {
  bool other_cancelled = false;
  auto failing = []() -> task<int> {
    co_await sleep_for(1ms);
    throw std::runtime_error("bad");
  };
  auto slow = [&]() -> task<int> {
    try {
      co_await sleep_for(10s);
    } catch (cancelled_error const&) {
      other_cancelled = true;
      throw;
    }
    co_return 0;
  };
  EXPECT_THROW(l().run(when_all(failing(), slow())), std::runtime_error);
  EXPECT_TRUE(other_cancelled);
}

TEST_P(When, AnyReturnsTheFirstAndCancelsTheLosers) {
  int losers_cancelled = 0;
  auto loser = [&]() -> task<int> {
    try {
      co_await sleep_for(10s);
    } catch (cancelled_error const&) {
      ++losers_cancelled;
      throw;
    }
    co_return -1;
  };
  std::vector<task<int>> ts;
  ts.push_back(loser());
  ts.push_back(after(2ms, 9));
  ts.push_back(loser());
  auto r = l().run([&]() -> task<when_any_result<int>> {
    auto w = co_await when_any(std::move(ts));
    // The losers have ended by the time when_any returns.
    EXPECT_EQ(losers_cancelled, 2);
    co_return w;
  }());
  EXPECT_EQ(r.index, 1u);
  EXPECT_EQ(r.value, 9);
}

TEST_P(When, AnyOfAPackGivesAVariant) {
  auto r = l().run(when_any(after(20ms, 1), []() -> task<void> { co_await sleep_for(1ms); }()));
  EXPECT_EQ(r.index(), 1u);
}
