// The job file reactord runs when it is given none and
// /etc/reactord/jobs.yaml does not exist: one job of each kind, all on
// loopback, so a fresh install shows what it does on any machine.
#pragma once

#include <string_view>

namespace reactord {

inline constexpr std::string_view default_job_file_name = "<built-in default job file>";

inline constexpr std::string_view default_job_file = R"(# reactord's built-in job file (loopback only).
daemon:
  status_listen: 127.0.0.1:9817
jobs:
  - name: countdown
    kind: countdown
    every: 1m
    from: 5
    tick: 1s
  - name: ping-loopback-v4
    kind: ping
    every: 30s
    target: 127.0.0.1
    ip: 4
  - name: ping-loopback-v6
    kind: ping
    every: 30s
    target: "::1"
    ip: 6
  - name: own-status
    kind: fetch
    every: 30s
    url: http://127.0.0.1:9817/healthz
    body_contains: '"status":"ok"'
)";

}  // namespace reactord
