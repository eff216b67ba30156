// What main() does before anything else, so that nothing the process is
// started with can kill it or misdirect its output while it starts.
//
//  - Standard descriptors: a daemon started with stdin, stdout or stderr
//    closed would hand that number to the next file it opens (the signalfd
//    became fd 1, and every log line went into it). Each closed one of 0-2
//    is opened on /dev/null first.
//  - Signals: every signal whose default is to end the process, other than
//    the faults a program raises itself (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
//    SIGABRT, SIGTRAP, SIGSYS) and SIGQUIT (asked for a core dump on
//    purpose), is blocked for the life of the process; threads started later
//    inherit the mask. SIGHUP, SIGTERM, SIGINT and SIGUSR1 are then read by
//    the service loop (reactor::signal_source); the others stay pending and
//    harmless (SIGUSR2, SIGALRM, ...). A SIGHUP or SIGTERM during start-up
//    waits for the loop. SIGPIPE is ignored: a closed pipe is an EPIPE
//    error on the write (`reactord | head -1`), never the end of the daemon.
//    Nothing unblocks them at exit, so a second SIGTERM while draining
//    cannot turn a clean exit into death by signal (status 143).
#pragma once

namespace reactord {

void make_standard_fds_safe() noexcept;
void block_signals_for_life() noexcept;

}  // namespace reactord
