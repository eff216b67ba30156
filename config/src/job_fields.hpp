// The keys of a job: its schedule, and each kind's own fields. Each reader
// reads over what `out` already holds (the defaults), and check_* does the
// checks that involve several fields once the job is complete.
#pragma once

#include "jobs/spec.hpp"
#include "mapping_reader.hpp"

namespace config::detail {

void read_schedule(mapping_reader& r, jobs::schedule_spec& out);
void read_countdown(mapping_reader& r, jobs::countdown_spec& out);
void read_ping(mapping_reader& r, jobs::ping_spec& out);
void read_fetch(mapping_reader& r, jobs::fetch_spec& out);
void read_labels(mapping_reader& r, jobs::label_set& out);
void read_ping_bars(mapping_reader& r, jobs::ping_bars& out);
void read_fetch_bars(mapping_reader& r, jobs::fetch_bars& out);

// Reads the schedule and the fields of the kind `out` holds.
void read_job_fields(mapping_reader& r, jobs::job_spec& out);

// Cross-field checks on a complete job (required fields, the ping floor,
// a timeout that would make every run collide with its next slot).
void check_job(mapping_reader& r, jobs::job_spec const& job);

}  // namespace config::detail
