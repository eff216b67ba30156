// kqueue platforms (macOS, the BSDs): signals arrive through the kqueue
// backend's EVFILT_SIGNAL filters (loop::submit_signal, see backend/kqueue.cpp).
//
// As with the signalfd version (signal_linux.cpp), the signals are blocked, not
// ignored: a blocked signal stays pending in the kernel from construction
// on, which is the record the backend takes them from, so none is lost
// before the first next() or between two. SIG_IGN would not do: FreeBSD
// and macOS discard an ignored signal at once (kqueue(2) still reports it,
// but only to a filter that exists at that moment), and an ignored SIGCHLD
// is not reported at all. Default actions cannot run while the signals are
// blocked; a signal still pending when the source is destroyed is
// delivered when the previous mask comes back, as with a signalfd.
//
// Only a loop on the kqueue backend can wait for signals this way. A build
// that has this file and other backends too (Linux with libkqueue and
// REACTORD_KQUEUE_SIGNALS=ON, for testing) answers next() on those with
// operation_not_supported: every other backend refuses submit_signal.
#include <cerrno>
#include <system_error>

#include "reactor/signal.hpp"

namespace reactor {
namespace {

class signal_awaitable final : public detail::io_awaitable<int> {
 public:
  explicit signal_awaitable(sigset_t const& signals) { op_.buf = const_cast<sigset_t*>(&signals); }
  template <detail::reactor_promise P>
  bool await_suspend(std::coroutine_handle<P> h) {
    return start<&loop::submit_signal>(h);
  }
};

}  // namespace

signal_source::signal_source(std::initializer_list<int> signals) {
  sigemptyset(&signals_);
  for (int s : signals) sigaddset(&signals_, s);
  if (int e = pthread_sigmask(SIG_BLOCK, &signals_, &previous_mask_))
    throw std::system_error(e, std::system_category(), "pthread_sigmask");
}

signal_source::~signal_source() {
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

task<io_result<int>> signal_source::next() {
  co_return co_await signal_awaitable(signals_);
}

}  // namespace reactor
