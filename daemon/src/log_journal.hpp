// What the daemon does for the systemd journal when stdout is connected to
// it: detect that (JOURNAL_STREAM), and start each line with its syslog
// priority (`<6>`) so `journalctl -p warning` works. The journal adds its
// own timestamp, so the pattern leaves the time out there (log.cpp).
#pragma once

#include <spdlog/pattern_formatter.h>

namespace reactord {

// Registers `%<flag>` in `f`: the record's syslog priority prefix, `<7>`
// (debug) to `<2>` (critical).
void add_syslog_priority_flag(spdlog::pattern_formatter& f, char flag);

}  // namespace reactord
