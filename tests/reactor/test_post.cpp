#include <atomic>
#include <thread>

#include "backends.hpp"
#include "reactor/reactor.hpp"

using namespace reactor;
using namespace std::chrono_literals;

class Post : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(Post);

TEST_P(Post, FromAnotherThreadWakesASleepingLoopAndRunsOnItsThread) {
  event done;
  std::thread::id ran_on;
  int count = 0;
  l().run([&]() -> task<void> {
    std::thread other([&] {
      std::this_thread::sleep_for(5ms);  // the loop is asleep by now
      for (int i = 0; i < 1000; ++i)
        l().post([&] {
          ran_on = std::this_thread::get_id();
          if (++count == 1000) done.set();
        });
    });
    // Without the wake-up this would sleep for the full 10 s.
    co_await when_any([&]() -> task<void> { co_await done.wait(); }(),
                      []() -> task<void> { co_await sleep_for(10s); }());
    other.join();
  }());
  EXPECT_EQ(count, 1000);
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}
