// The job file: YAML in, validated job specs out.
//
//   daemon:                       # optional; settings read at start-up
//     status_listen: 127.0.0.1:9817   # or "off"
//     shutdown_grace: 10s
//     max_concurrency: 512
//   include: jobs.d/*.yaml        # optional; a glob or a list of globs,
//                                 # relative to this file; drop-ins hold `jobs:` only
//   defaults:                     # optional; per kind, any job key but name/kind
//     ping: { count: 5, every: 30s }
//   jobs:
//     - name: loopback            # unique; letters, digits, . _ - :
//       kind: ping                # countdown | ping | fetch
//       every: 10s                # the schedule (see read_schedule in job_fields.cpp)
//       target: 127.0.0.1         # the kind's own fields
//
// Loading never stops at the first problem: every problem it can find is
// collected, located (file:line:col) and thrown together as config_error.
// systemd/jobs.example.yaml documents every key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.hpp"
#include "jobs/spec.hpp"

namespace config {

// Where the status endpoint listens; disabled with "off".
struct listen_address {
  bool enabled = true;
  std::string ip = "127.0.0.1";  // numeric IPv4 or IPv6
  std::uint16_t port = 9817;     // 0: any free port (the daemon logs which)
  bool operator==(listen_address const&) const = default;
};

// Settings of the daemon itself (read at start-up; a reload changes jobs only).
struct daemon_settings {
  listen_address status_listen;
  jobs::duration shutdown_grace = std::chrono::seconds(10);
  std::size_t max_concurrency = 512;
  bool operator==(daemon_settings const&) const = default;
};

struct job_file {
  std::string path;                   // what was loaded, as given
  std::vector<std::string> drop_ins;  // included files, in the order read
  daemon_settings settings;
  std::vector<jobs::job_spec> jobs;  // main file's first, then each drop-in's
};

// The shortest per-echo interval a ping job may ask for: below it a job
// floods rather than probes.
inline constexpr jobs::duration ping_interval_floor = std::chrono::milliseconds(10);

// What one job file or drop-in may cost; past a limit the file is refused
// with an error naming it (see file_text.hpp and yaml_tree.hpp).
inline constexpr std::size_t max_job_file_bytes = std::size_t(16) << 20;
// Nodes as the reader meets them, an alias counting the tree it stands for.
// A job is about 15; the reader keeps each in a 24-byte record.
inline constexpr std::uint64_t max_yaml_nodes = 2'000'000;
inline constexpr std::uint64_t max_yaml_aliases = 10'000;

// Reads and validates `path` and its drop-ins. Throws config_error.
job_file load_job_file(std::filesystem::path const& path);

// The same from text already in memory (the embedded default job file).
// `name` is used in messages; includes are relative to `base_dir`.
job_file parse_job_file(std::string_view text, std::string const& name, std::filesystem::path const& base_dir);

}  // namespace config
