// The long-running daemon: the scheduler, the status endpoint, the
// watchdog, and the signals that reload or stop it.
//
//  - SIGHUP: re-read the job source. Invalid: every error is logged and the
//    running jobs are left untouched. Valid: scheduler.apply() diffs by name
//    and one line says `reload: 2 added, 1 changed, 1 removed, 40 unchanged`.
//    systemd hears RELOADING=1 before and READY=1 after, either way.
//  - SIGTERM / SIGINT: STOPPING=1, no new runs, in-flight runs get the
//    grace period (daemon.shutdown_grace), then are cancelled; exit 0.
//  - Daemon settings (status_listen, grace, concurrency) are read at start;
//    a reload that changes them says they apply at the next restart.
#pragma once

#include <optional>

#include "config/job_file.hpp"
#include "job_source.hpp"
#include "log.hpp"
#include "notify.hpp"
#include "reactor/signal.hpp"
#include "reactor/socket.hpp"
#include "reactor/task.hpp"

namespace reactord {

// The status endpoint's listener, or none if it is off or cannot listen
// (logged; the jobs matter more than their dashboard).
std::optional<reactor::socket> open_status_listener(config::listen_address const& a, event_log& log);

// Runs until SIGTERM or SIGINT; returns the exit status.
reactor::task<int> run_service(job_source const& source, config::job_file first, event_log& log,
                               reactor::signal_source& signals);

}  // namespace reactord
