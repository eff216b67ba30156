// reactord as a Windows service (service_control_windows.cpp).
//
// `reactord --service` is what the Service Control Manager starts (see the
// README for `sc create`). The SCM's controls become the daemon's signals,
// handed to its signal_source, so the service runs exactly the code the
// console daemon runs:
//   stop, shutdown                     -> SIGTERM (graceful drain, same grace)
//   paramchange, or user control 128   -> SIGHUP  (reload the job file)
// and the daemon's readiness reports become the service's states:
// service_notifier::ready() -> SERVICE_RUNNING, stopping() ->
// SERVICE_STOP_PENDING, the end of run() -> SERVICE_STOPPED with its exit
// status.
#pragma once

#include <chrono>
#include <functional>

namespace reactord::windows_service {

// The user-defined control code (128-255) that reloads, for
// `sc control reactord 128`.
inline constexpr unsigned long reload_control = 128;

// Connects to the SCM and runs `body` (the daemon) as the service; returns
// its exit status, or 1 after saying why if the SCM did not start us.
int run(std::function<int()> body);

// Inside run(): tell the SCM. Outside: do nothing.
void report_running();
void report_stopping();

// The daemon's shutdown grace: STOP_PENDING then asks the SCM to wait that
// long and stop_margin more (for the drain's end and the log's last
// lines), from the stop control on. Until it is known: 30 s, the SCM's
// usual wait.
inline constexpr std::chrono::milliseconds stop_margin{5'000};
void set_shutdown_grace(std::chrono::milliseconds grace);

}  // namespace reactord::windows_service
