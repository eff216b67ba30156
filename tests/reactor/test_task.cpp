#include <stdexcept>

#include "reactor/reactor.hpp"
#include "support/backends.hpp"

using namespace reactor;
using namespace std::chrono_literals;

class Task : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(Task);

namespace {
task<int> forty_two() {
  co_return 42;
}
task<int> add_one(int x) {
  co_return x + 1;
}
task<void> throws() {
  throw std::runtime_error("boom");
  co_return;
}
task<long> count_ready(long n) {
  long sum = 0;
  for (long i = 0; i < n; ++i) sum += co_await add_one(0);
  co_return sum;
}
// Deep recursion of ready tasks (nesting, not sequence).
task<int> nest(int depth) {
  if (depth == 0) co_return 0;
  co_return 1 + co_await nest(depth - 1);
}
}  // namespace

TEST_P(Task, ValueReachesAwaiter) {
  EXPECT_EQ(l().run(forty_two()), 42);
}

TEST_P(Task, ExceptionTravelsToAwaiter) {
  auto outer = []() -> task<std::string> {
    try {
      co_await throws();
    } catch (std::runtime_error const& e) {
      co_return e.what();
    }
    co_return "not thrown";
  };
  EXPECT_EQ(l().run(outer()), "boom");
}

TEST_P(Task, IsLazyUntilAwaited) {
  bool ran = false;
  auto body = [&]() -> task<void> {
    ran = true;
    co_return;
  };
  auto t = body();
  EXPECT_FALSE(ran);
  l().run(std::move(t));
  EXPECT_TRUE(ran);
}

// 100,000 ready awaits in a row must not grow the stack: run them on a small
// thread stack, where recursion through resume() would overflow at once.
TEST_P(Task, HundredThousandSynchronousAwaits_DoNotGrowTheStack) {
  long result = 0;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  struct args {
    reactor::backend_kind kind;
    long* result;
  } a{GetParam(), &result};
  pthread_t th;
  ASSERT_EQ(0, pthread_create(
                   &th, &attr,
                   [](void* p) -> void* {
                     auto* a = static_cast<args*>(p);
                     reactor::loop lp(loop_options{a->kind});
                     *a->result = lp.run(count_ready(100'000));
                     return nullptr;
                   },
                   &a));
  pthread_join(th, nullptr);
  EXPECT_EQ(result, 100'000);
}

TEST_P(Task, NestedAwaitsReturnThroughEveryLevel) {
  EXPECT_EQ(l().run(nest(200)), 200);
}

TEST_P(Task, AwaitAfterSuspensionResumesTheAwaiter) {
  auto inner = []() -> task<int> {
    co_await sleep_for(1ms);
    co_return 7;
  };
  auto outer = [&]() -> task<int> {
    int a = co_await inner();
    int b = co_await inner();
    co_return a + b;
  };
  EXPECT_EQ(l().run(outer()), 14);
}
