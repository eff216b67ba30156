// Where reactord looks for its files when the command line does not say:
// the platform's convention (system_paths.cpp on POSIX,
// system_paths_windows.cpp on Windows).
#pragma once

#include <string>

namespace reactord {

// The job file read when there is no --config (if it exists):
// /etc/reactord/jobs.yaml; on Windows %ProgramData%\reactord\jobs.yaml.
std::string system_job_file();

// The log file of a Windows service run without --log-file (a service has
// no console): %ProgramData%\reactord\logs\reactord.log. Empty on POSIX,
// where the service logs to stdout and systemd's journal keeps it.
std::string service_log_file();

}  // namespace reactord
