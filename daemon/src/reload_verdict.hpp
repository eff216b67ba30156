// How `systemctl reload` learns whether the daemon took the new job file.
//
// systemd 252 has no Type=notify-reload, and a bare `kill -HUP` as
// ExecReload succeeds whatever the daemon then makes of the file. The
// sshd/nginx convention (`--check && kill -HUP`) validates a copy of the
// file that may be edited again between the check and the signal. Instead,
// ExecReload runs `reactord --reload $MAINPID`, which signals the daemon and
// waits for the daemon's own verdict on the very reload that signal caused:
//
//  - the daemon, after taking a SIGHUP off its signalfd and before reading
//    the file, notes the CLOCK_MONOTONIC instant; when the reload is applied
//    or rejected it writes a verdict (that instant, applied or not, one line
//    of reason) to <runtime dir>/reload-verdict, atomically (temporary file
//    + rename);
//  - the client notes the instant before it sends SIGHUP, and waits for a
//    verdict that began at or after it. A signal that arrives while another
//    reload runs stays pending and starts a later one, so the verdict it
//    accepts is always of a read that came after its signal, and after the
//    operator's edit.
//
// The client exits 0 if the file was applied, 1 if rejected (the reason on
// stderr, so in the journal next to systemd's "Reload failed"), 1 if the
// daemon died or gave no verdict in time, 2 on a usage error.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

namespace reactord {

struct reload_verdict {
  std::uint64_t generation = 0;  // 1 for the first reload since start
  std::uint64_t began_usec = 0;  // CLOCK_MONOTONIC, when the daemon took the signal
  bool applied = false;
  std::string reason;  // one line: the `reload: ...` summary, or why it was rejected
};

// CLOCK_MONOTONIC in microseconds (the clock of RELOADING=1's MONOTONIC_USEC).
std::uint64_t monotonic_usec();

inline constexpr char const* reload_verdict_file = "reload-verdict";

// Replaces <dir>/reload-verdict atomically. Empty, or why it could not.
[[nodiscard]] std::error_code write_reload_verdict(std::filesystem::path const& dir, reload_verdict const& v);
// Empty when there is none yet, or what is there does not read as one.
[[nodiscard]] std::optional<reload_verdict> read_reload_verdict(std::filesystem::path const& dir);

// `reactord --reload PID`: the client described above. Returns the exit status.
int request_reload(pid_t pid, std::filesystem::path const& dir, std::chrono::milliseconds timeout);

}  // namespace reactord
