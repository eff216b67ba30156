// Windows: no POSIX signals. A console control handler (which Windows runs
// on a thread of its own) turns Ctrl-C into SIGINT and Ctrl-Break, closing
// the console, log-off and shut-down into SIGTERM; signal_source::deliver()
// lets other threads (a service's control handler) do the same. Either way
// the number is queued under a lock and the loop that waits in next() is
// woken through post(), the loop's one thread-safe entry.
//
// Windows ends a process soon after the handler returns from a close,
// log-off or shut-down event (5 to 20 s); Ctrl-C and Ctrl-Break wait as
// long as the daemon needs.
#include <algorithm>
#include <deque>
#include <mutex>
#include <vector>

#include "reactor/event.hpp"
#include "reactor/loop.hpp"
#include "reactor/signal.hpp"

namespace reactor {

struct signal_source::windows_state {
  std::vector<int> signals;  // the ones this source takes

  std::mutex mutex;  // guards the two below
  std::deque<int> pending;
  loop* waiting = nullptr;  // the loop of the last next(), woken by post()

  event arrived;  // on the loop's thread only
};

namespace {

std::mutex sources_mutex;
std::vector<std::shared_ptr<signal_source::windows_state>> sources;

void deliver_to_sources(int signo) {
  std::lock_guard lock(sources_mutex);
  for (auto const& state : sources) {
    if (std::find(state->signals.begin(), state->signals.end(), signo) == state->signals.end()) continue;
    std::lock_guard state_lock(state->mutex);
    state->pending.push_back(signo);
    if (state->waiting) state->waiting->post([state] { state->arrived.set(); });
  }
}

BOOL WINAPI on_console_event(DWORD type) {
  switch (type) {
    case CTRL_C_EVENT: deliver_to_sources(SIGINT); return TRUE;
    case CTRL_BREAK_EVENT:
    case CTRL_CLOSE_EVENT:
    case CTRL_LOGOFF_EVENT:
    case CTRL_SHUTDOWN_EVENT: deliver_to_sources(SIGTERM); return TRUE;
    default: return FALSE;
  }
}

}  // namespace

signal_source::signal_source(std::initializer_list<int> signals) : state_(std::make_shared<windows_state>()) {
  state_->signals.assign(signals.begin(), signals.end());
  std::lock_guard lock(sources_mutex);
  if (sources.empty()) ::SetConsoleCtrlHandler(on_console_event, TRUE);
  sources.push_back(state_);
}

signal_source::~signal_source() {
  std::lock_guard lock(sources_mutex);
  std::erase(sources, state_);
  if (sources.empty()) ::SetConsoleCtrlHandler(on_console_event, FALSE);
}

void signal_source::deliver(int signo) {
  deliver_to_sources(signo);
}

task<io_result<int>> signal_source::next() {
  loop& l = (co_await this_node()).owner();
  for (;;) {
    {
      std::lock_guard lock(state_->mutex);
      if (!state_->pending.empty()) {
        int signo = state_->pending.front();
        state_->pending.pop_front();
        co_return signo;
      }
      state_->waiting = &l;
      state_->arrived.clear();
    }
    co_await state_->arrived.wait();
  }
}

}  // namespace reactor
