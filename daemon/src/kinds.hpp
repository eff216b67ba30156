// The daemon side of the kind registry: how a kind's results show in the
// log and in /metrics. One file per kind under kinds/, one entry per kind
// in kinds.cpp's table, in kind_spec's order (jobs/spec.hpp), which a
// static_assert there holds it to. What every kind shares (the result
// line's job, kind, outcome, took_ms ...; the runs, outcome and duration
// families) is written by result_log.cpp and metrics.cpp, not here.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "jobs/result.hpp"
#include "jobs/scheduler.hpp"
#include "log.hpp"
#include "metrics_page.hpp"

namespace reactord {

// The kind's fields on a result line, after the common ones; none for a
// run with no details (one that timed out or was cancelled first).
void add_kind_fields(std::vector<field>& f, jobs::kind_result const& details);
// The kind's debug records for one result (ping: one per echo; fetch: one
// per phase); the caller checks that debug is enabled.
void write_kind_records(event_log& log, jobs::run_result const& r);
// Each kind's own metric families, in kind_spec's order.
void render_kind_metrics(metrics_page_writer& out, std::vector<jobs::job_status> const& js);

// --- each kind's half, in kinds/<kind>.cpp --------------------------------------
// <kind>_fields is required; _records and _metrics only where the kind has
// any (an entry says nullptr otherwise).
void countdown_fields(std::vector<field>& f, jobs::countdown_result const& c);
void ping_fields(std::vector<field>& f, jobs::ping_result const& p);
void ping_records(event_log& log, jobs::run_result const& r, jobs::ping_result const& p);
void ping_metrics(metrics_page_writer& out, std::vector<jobs::job_status> const& js);
void fetch_fields(std::vector<field>& f, jobs::fetch_result const& h);
void fetch_records(event_log& log, jobs::run_result const& r, jobs::fetch_result const& h);
void fetch_metrics(metrics_page_writer& out, std::vector<jobs::job_status> const& js);

// --- what kinds share -------------------------------------------------------------
// Milliseconds, as log fields give times.
inline double ms(jobs::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace reactord
