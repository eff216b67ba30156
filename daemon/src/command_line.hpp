// The command line (CLI11):
//   reactord [--config FILE] [--check] [--once] [--backend auto|io_uring|epoll]
//            [--log-format text|json] [--log-file PATH] [--log-level LEVEL]
//            [--print-schedule N] [--runtime-dir DIR] [--reload PID]
//            [--version] [--help] [FILE]
//   Windows also: [--service] (started by the Service Control Manager)
// A bare FILE is the same as --config FILE, so `reactord --check FILE` works.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>

#include "log.hpp"
#include "reactor/loop.hpp"

namespace reactord {

// The process's exit statuses, the same in every mode. Usage and job-file
// errors get their own status so that systemd can tell a configuration
// error (not worth retrying: RestartPreventExitStatus=2) from a failure.
enum exit_status : int {
  exit_ok = 0,
  exit_failure = 1,  // --once: a job did not succeed; the daemon: it could not start or keep running
  exit_usage = 2,    // a bad command line, or a job file that does not validate
};

struct command_line {
  std::optional<std::string> config;
  bool check = false;
  bool once = false;
  reactor::backend_kind backend = reactor::backend_kind::automatic;
  log_format format = log_format::text;
  std::string log_file;
  std::string log_level = "info";
  std::optional<std::size_t> print_schedule;
  // --reload PID: ask that daemon to reload and wait for its verdict (the
  // unit's ExecReload; see reload_verdict.hpp).
  std::optional<int> reload_pid;
  // Where the daemon writes its reload verdicts and --reload reads them;
  // default $RUNTIME_DIRECTORY (systemd's RuntimeDirectory=), else none.
  std::string runtime_dir;
  bool service = false;  // Windows: run under the Service Control Manager
};

// The options, or the exit status to leave with: exit_ok after --help or
// --version, exit_usage after a usage error (already printed). CLI11's own
// codes (105, 109 ...) never reach the shell.
[[nodiscard]] std::variant<command_line, int> parse_command_line(int argc, char** argv);

}  // namespace reactord
