#include <atomic>
#include <thread>

#include "reactor/reactor.hpp"
#include "support/backends.hpp"

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

#if defined(_WIN32)
// IOCP waits alertably: an APC queued to the loop thread (how IcmpSendEcho2Ex
// completes the ping job's echoes) runs inside the wait, on the loop thread,
// and what it makes ready runs at once rather than at the next timer.
TEST_P(Post, AnApcQueuedToTheLoopThreadRunsInItsWaitAndWakesIt) {
  struct apc_context {
    event* done;
    std::thread::id ran_on;
  };
  event done;
  apc_context context{&done, {}};
  HANDLE loop_thread = nullptr;
  ASSERT_TRUE(::DuplicateHandle(::GetCurrentProcess(), ::GetCurrentThread(), ::GetCurrentProcess(), &loop_thread, 0,
                                FALSE, DUPLICATE_SAME_ACCESS));
  bool woke = false;
  l().run([&]() -> task<void> {
    std::thread other([&] {
      std::this_thread::sleep_for(5ms);  // the loop is asleep by now
      ::QueueUserAPC(
          [](ULONG_PTR p) {
            auto& c = *reinterpret_cast<apc_context*>(p);
            c.ran_on = std::this_thread::get_id();
            c.done->set();
          },
          loop_thread, reinterpret_cast<ULONG_PTR>(&context));
    });
    co_await when_any(
        [&]() -> task<void> {
          co_await done.wait();
          woke = true;
        }(),
        []() -> task<void> { co_await sleep_for(10s); }());
    other.join();
  }());
  ::CloseHandle(loop_thread);
  EXPECT_TRUE(woke) << "the APC did not run until the 10 s timer";
  EXPECT_EQ(context.ran_on, std::this_thread::get_id());
}
#endif
