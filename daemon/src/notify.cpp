#include "notify.hpp"

#include <systemd/sd-daemon.h>

#include <algorithm>

#include "reactor/sleep.hpp"

namespace reactord {

void service_notifier::send(std::string const& message) {
  // unset_environment = 0: a reload or a second READY needs NOTIFY_SOCKET
  // again. Errors are ignored on purpose: no socket means no systemd.
  (void)sd_notify(0, message.c_str());
}

void service_notifier::ready(std::string const& s) {
  send("READY=1\nSTATUS=" + s);
}

void service_notifier::reloading(std::uint64_t monotonic_usec) {
  // systemd (>= 253) wants the reload's start time, so it can tell this
  // reload's READY=1 from an earlier one.
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec));
}

void service_notifier::stopping(std::string const& s) {
  send("STOPPING=1\nSTATUS=" + s);
}
void service_notifier::status(std::string const& s) {
  send("STATUS=" + s);
}
void service_notifier::watchdog() {
  send("WATCHDOG=1");
}
void service_notifier::shutdown_grace(reactor::clock::duration) {}

std::optional<reactor::clock::duration> service_notifier::watchdog_period() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec / 2);
}

reactor::task<void> watchdog_loop(service_notifier& n, reactor::clock::duration period) {
  // Each ping is due on a fixed grid, so a late pass does not push every
  // later ping back; after a stall, one ping at once, not a burst.
  auto next = reactor::clock::now();
  for (;;) {
    n.watchdog();
    next = std::max(next + period, reactor::clock::now());
    co_await reactor::sleep_until(next);
  }
}

}  // namespace reactord
