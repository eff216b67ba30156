// systemd's notification protocol (sd_notify), for Type=notify units.
//
// READY=1 once the jobs are scheduled; RELOADING=1 with MONOTONIC_USEC and
// READY=1 again around a reload; STOPPING=1 at shutdown; STATUS= a short
// summary that `systemctl status` shows; WATCHDOG=1 from the loop itself
// (watchdog_loop), so a loop that stops turning stops the pings and systemd
// restarts the service. Without NOTIFY_SOCKET every call does nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "reactor/clock.hpp"
#include "reactor/task.hpp"

namespace reactord {

class service_notifier {
 public:
  void ready(std::string const& status);
  void reloading(std::uint64_t monotonic_usec);  // CLOCK_MONOTONIC, when the reload began
  void stopping(std::string const& status);
  void status(std::string const& status);
  void watchdog();
  // How long a stop may take (daemon.shutdown_grace), said once before
  // ready(): Windows' Service Control Manager waits that long (plus a
  // margin) in STOP_PENDING. systemd has TimeoutStopSec in the unit, so
  // nothing is sent on Linux.
  void shutdown_grace(reactor::clock::duration grace);

  // Half the interval systemd expects pings at (WATCHDOG_USEC, checked
  // against WATCHDOG_PID), or nothing if the watchdog is off.
  static std::optional<reactor::clock::duration> watchdog_period();

 private:
  void send(std::string const& message);
};

// Pings the watchdog every `period` until cancelled.
reactor::task<void> watchdog_loop(service_notifier& n, reactor::clock::duration period);

}  // namespace reactord
