// What a job set must satisfy before apply() touches anything: unique,
// non-empty names and a schedule the grid can run. config/ checks the same
// with file:line:col; this is the jobs layer's own guard for any caller.
#include <stdexcept>
#include <string_view>
#include <unordered_set>

#include "scheduler_impl.hpp"

namespace jobs {

void scheduler::impl::validate(std::vector<job_spec> const& specs) {
  std::unordered_set<std::string_view> names;
  names.reserve(specs.size());
  for (auto const& j : specs) {
    auto fail = [&j](char const* what) { throw std::invalid_argument("job \"" + j.name + "\": " + what); };
    if (j.name.empty()) throw std::invalid_argument("a job has an empty name");
    if (!names.insert(j.name).second) fail("the name is used twice");
    schedule_spec const& s = j.schedule;
    if (s.interval <= duration::zero()) fail("interval must be positive");
    if (s.jitter < duration::zero()) fail("jitter must not be negative");
    if (s.timeout && *s.timeout <= duration::zero()) fail("timeout must be positive");
    if (s.retest_interval && *s.retest_interval <= duration::zero()) fail("retest interval must be positive");
  }
}

}  // namespace jobs
