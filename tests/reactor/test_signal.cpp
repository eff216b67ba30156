#include <signal.h>
#include <unistd.h>

#include "backends.hpp"
#include "reactor/reactor.hpp"

using namespace reactor;
using namespace std::chrono_literals;

class Signal : public on_each_backend {};
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
