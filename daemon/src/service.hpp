// The long-running daemon: the scheduler, the status endpoint, the
// watchdog, and the signals that reload or stop it.
//
//  - SIGHUP: re-read the job source, on a thread (the loop keeps running
//    jobs). Invalid, or any other failure to load it: every error is logged
//    and the running jobs are left untouched. Valid: scheduler.apply() diffs
//    by name on the loop, and one line says `reload: 2 added, 1 changed,
//    1 removed, 40 unchanged`. systemd hears RELOADING=1 before and READY=1
//    after, either way; the verdict file tells `reactord --reload` which.
//  - SIGTERM / SIGINT: STOPPING=1, no new runs, in-flight runs get the
//    grace period (daemon.shutdown_grace), then are cancelled; exit 0.
//  - Daemon settings (status_listen, grace, concurrency) are read at start;
//    a reload that changes them says they apply at the next restart.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>

#include "config/job_file.hpp"
#include "job_source.hpp"
#include "log.hpp"
#include "notify.hpp"
#include "reactor/signal.hpp"
#include "reactor/socket.hpp"
#include "reactor/task.hpp"

namespace reactord {

// Start-up stopped for a reason that is already logged (exit status 1).
struct startup_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The status endpoint's listener, or none if it is off. One that cannot
// listen (port taken, address not on this host) stops start-up, as
// exporters do: logged, then startup_error. A daemon that ran on silently
// without /metrics would look healthy to nobody.
std::optional<reactor::socket> open_status_listener(config::listen_address const& a, event_log& log);

// Runs until SIGTERM or SIGINT; returns the exit status. With a
// `verdict_dir`, each reload's verdict is written there (reload_verdict.hpp).
reactor::task<int> run_service(job_source const& source, config::job_file first, event_log& log,
                               reactor::signal_source& signals,
                               std::optional<std::filesystem::path> verdict_dir = std::nullopt);

}  // namespace reactord
