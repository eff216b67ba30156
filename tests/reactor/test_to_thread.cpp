// to_thread: a blocking call on its own thread, awaited without blocking the
// loop; its exception comes back; cancelling the await abandons the call,
// which then finishes alone without touching the coroutine or the loop.
#include <future>
#include <stdexcept>
#include <thread>

#include "reactor/reactor.hpp"
#include "support/backends.hpp"

using namespace reactor;
using namespace std::chrono_literals;

class ToThread : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(ToThread);

TEST_P(ToThread, TheCallRunsElsewhereWhileTheLoopGoesOn) {
  // The call blocks until the loop has run a sleep after starting it: if
  // to_thread blocked the loop, neither would ever finish.
  std::promise<void> loop_ran;
  std::shared_future<void> released = loop_ran.get_future().share();
  std::thread::id call_thread;
  int result = 0;
  l().run(open_scope([&](scope& s) -> task<void> {
    s.spawn([&]() -> task<void> {
      co_await sleep_for(1ms);
      loop_ran.set_value();
    });
    auto call = [released, &call_thread] {
      released.wait();
      call_thread = std::this_thread::get_id();
      return 42;
    };
    result = co_await to_thread(std::move(call));
  }));
  EXPECT_EQ(result, 42);
  EXPECT_NE(call_thread, std::this_thread::get_id());
}

TEST_P(ToThread, ACallThatOwnsAStringReturnsOneBuilt) {
  // What ping's name lookup does: the callable owns its input, the result
  // owns its output, and both cross threads intact (ASan checks the frees).
  std::string got;
  l().run([&]() -> task<void> {
    std::string name = "localhost";  // short: the string's own buffer
    auto call = [name, longer = std::string(100, 'n')] { return name + "/" + longer; };
    got = co_await to_thread(std::move(call));
  }());
  EXPECT_EQ(got, "localhost/" + std::string(100, 'n'));
}

TEST_P(ToThread, TheCallsExceptionIsRethrownInTheCoroutine) {
  std::string caught;
  l().run([&]() -> task<void> {
    try {
      co_await to_thread([]() -> int { throw std::runtime_error("no such name"); });
    } catch (std::runtime_error const& e) {
      caught = e.what();
    }
  }());
  EXPECT_EQ(caught, "no such name");
}

namespace {
// A result that says when the thread has dropped it: the thread destroys an
// abandoned result only after it has looked at the handover, so once this
// fires, the thread has nothing left to do with the loop.
struct reports_its_end {
  std::shared_ptr<std::promise<void>> ended;
  explicit reports_its_end(std::shared_ptr<std::promise<void>> p) : ended(std::move(p)) {}
  reports_its_end(reports_its_end&& other) noexcept : ended(std::move(other.ended)) {}
  ~reports_its_end() {
    if (ended) ended->set_value();
  }
};
}  // namespace

TEST_P(ToThread, CancelledAwaitResumesAtOnceAndTheCallFinishesAlone) {
  // The call blocks until the test lets it go, which is after the await
  // was cut short and after the loop is gone: the abandoned thread must
  // then touch neither (ASan would see it).
  std::promise<void> go;
  std::shared_future<void> released = go.get_future().share();
  auto ended = std::make_shared<std::promise<void>>();
  std::future<void> result_dropped = ended->get_future();
  bool timed_out = false;
  {
    loop own(loop_options{GetParam()});
    own.run([&]() -> task<void> {
      try {
        auto call = [released, ended] {
          released.wait();
          return reports_its_end(ended);
        };
        co_await with_timeout(clock::now() + 10ms, to_thread(std::move(call)));
      } catch (timeout_error const&) {
        timed_out = true;
      }
    }());
  }
  EXPECT_TRUE(timed_out);
  go.set_value();
  EXPECT_EQ(result_dropped.wait_for(10s), std::future_status::ready);
}
