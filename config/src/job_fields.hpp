// The keys of a job: its schedule and labels, which every kind has, and
// its kind's own fields (kinds.hpp). Each reader reads over what `out`
// already holds (the defaults), and check_job does the checks that involve
// several fields once the job is complete.
#pragma once

#include "jobs/spec.hpp"
#include "mapping_reader.hpp"

namespace config::detail {

void read_schedule(mapping_reader& r, jobs::schedule_spec& out);
void read_labels(mapping_reader& r, jobs::label_set& out);

// Reads the schedule and the fields of the kind `out` holds.
void read_job_fields(mapping_reader& r, jobs::job_spec& out);

// Cross-field checks on a complete job (required fields, the ping floor,
// a timeout that would make every run collide with its next slot).
void check_job(mapping_reader& r, jobs::job_spec const& job);

}  // namespace config::detail
