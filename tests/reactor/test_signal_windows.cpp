// signal_source on Windows: console control events and deliver() (what a
// service's control handler calls) arrive in next(), on the loop.
#include <thread>

#include "reactor/reactor.hpp"
#include "reactor/signal.hpp"
#include "support/backends.hpp"

using namespace reactor;
using namespace std::chrono_literals;

class SignalWindows : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(SignalWindows);

TEST_P(SignalWindows, DeliverFromAnotherThread_WakesTheWaitingLoop) {
  signal_source signals{SIGTERM, SIGINT, SIGHUP};
  int got = 0;
  l().run([&]() -> task<void> {
    std::thread other([] {
      std::this_thread::sleep_for(20ms);
      signal_source::deliver(SIGHUP);
    });
    auto s = co_await signals.next();
    got = s ? *s : -1;
    other.join();
  }());
  EXPECT_EQ(got, SIGHUP);
}

TEST_P(SignalWindows, DeliveredBeforeNext_IsKeptInOrder_OnlyTheSignalsTaken) {
  signal_source signals{SIGTERM, SIGHUP};
  signal_source::deliver(SIGINT);  // not taken by this source
  signal_source::deliver(SIGHUP);
  signal_source::deliver(SIGTERM);
  std::vector<int> got;
  l().run([&]() -> task<void> {
    for (int i = 0; i < 2; ++i) got.push_back((co_await signals.next()).value());
  }());
  EXPECT_EQ(got, (std::vector<int>{SIGHUP, SIGTERM}));
}

namespace {
bool under_wine() {
  return ::GetProcAddress(::GetModuleHandleA("ntdll.dll"), "wine_get_version") != nullptr;
}
}  // namespace

TEST_P(SignalWindows, CtrlC_ArrivesAsSigint) {
  signal_source signals{SIGTERM, SIGINT};
  int got = 0;
  l().run([&]() -> task<void> {
    // Console events need a console; under ctest (and wine) the test runs
    // with pipes for stdio and has none, so it makes one. The event goes to
    // every process on this console, this one included; the handler runs
    // on a thread Windows starts for it.
    ::AllocConsole();
    if (!::GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0)) {
      got = -static_cast<int>(::GetLastError());
      co_return;
    }
    got = (co_await with_timeout(clock::now() + 10s, signals.next())).value();
  }());
  if (got == -ERROR_INVALID_ACCESS && under_wine())
    GTEST_SKIP() << "wine 8.0 refuses GenerateConsoleCtrlEvent here (ERROR_INVALID_ACCESS: its console is not a "
                    "real one); deliver() above takes the same path from the handler on";
  EXPECT_EQ(got, SIGINT);
}
