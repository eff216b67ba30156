// The config side of the kind registry: each kind's keys (read over the
// defaults its spec already holds, so `defaults:` and a job share one
// reader) and its checks on a complete job. One file per kind under
// kinds/, one entry per kind in kinds.cpp's table, in kind_spec's order
// (jobs/spec.hpp), which a static_assert there holds it to.
#pragma once

#include <string>
#include <string_view>

#include "jobs/spec.hpp"
#include "mapping_reader.hpp"

namespace config::detail {

// Reads the fields of the kind `out` holds.
void read_kind_fields(mapping_reader& r, jobs::kind_spec& out);
// The kind's checks on a complete job (required keys, whether a run fits
// the time it may take).
void check_kind_fields(mapping_reader& r, jobs::kind_spec const& kind, jobs::schedule_spec const& s);

// --- each kind's half, in kinds/<kind>.cpp ------------------------------------
void read_countdown(mapping_reader& r, jobs::countdown_spec& out);
void check_countdown(mapping_reader& r, jobs::countdown_spec const& c, jobs::schedule_spec const& s);
void read_ping(mapping_reader& r, jobs::ping_spec& out);
void check_ping(mapping_reader& r, jobs::ping_spec const& p, jobs::schedule_spec const& s);
void read_fetch(mapping_reader& r, jobs::fetch_spec& out);
void check_fetch(mapping_reader& r, jobs::fetch_spec const& f, jobs::schedule_spec const& s);

// --- what kinds share ----------------------------------------------------------
// How long a run may last: its timeout, or else its interval.
inline jobs::duration run_budget(jobs::schedule_spec const& s) {
  return s.timeout ? *s.timeout : s.interval;
}

// ip: 4 | 6 | any.
void read_ip_version(mapping_reader& r, jobs::ip_version& out);

// degraded_if / failed_if: a job's own bars, a mapping like any other, so
// unknown keys get a "did you mean" and every error its place.
//   ping:  degraded_if: { loss_over: 10%, rtt_avg_over: 20ms, rtt_max_over: 100ms }
//   fetch: failed_if: { total_over: 2s, first_byte_over: 1s, cert_expires_within: 7d }
template <class Read>
void read_bars(mapping_reader& r, std::string_view key, Read read) {
  yaml_node n = r.node(key);
  if (!n.is_defined()) return;
  mapping_reader bars(n, r.what() + "." + std::string(key), r.report());
  if (!bars.valid()) return;
  read(bars);
  bars.finish();
}

}  // namespace config::detail
