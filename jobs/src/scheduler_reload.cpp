// apply(): the diff of the running job set against the next one, by name.
// An unchanged job keeps its entry (timer, grid, counters, state); a changed
// one is a new entry (a newcomer after the first apply) and the old one is
// retired; a removed one is retired. Retired entries start nothing more,
// their runs in flight are cancelled, and they are kept until those end.
#include <algorithm>
#include <chrono>
#include <string_view>
#include <unordered_map>

#include "scheduler_impl.hpp"

namespace jobs {

reload_summary scheduler::impl::apply(std::vector<job_spec> specs) {
  validate(specs);
  reload_summary summary;
  reactor::deadline origin = reactor::clock::now();
  auto wall = std::chrono::system_clock::now();
  std::unordered_map<std::string_view, std::size_t> index;  // name -> position in `jobs`
  index.reserve(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) index.emplace(jobs[i]->spec.name, i);
  std::vector<std::unique_ptr<job_entry>> next;
  next.reserve(specs.size());
  for (auto& spec : specs) {
    auto it = index.find(spec.name);
    if (it == index.end()) {
      ++summary.added;
    } else if (jobs[it->second]->spec == spec) {
      next.push_back(std::move(jobs[it->second]));  // keeps its timer, grid and state
      ++summary.unchanged;
      continue;
    } else {
      ++summary.changed;  // the old entry stays in `jobs`, to be retired below
    }
    next.push_back(std::make_unique<job_entry>(*this, std::move(spec), origin, wall));
    next.back()->newcomer = applied;
    if (scheduling()) arm(*next.back());
  }
  applied = true;
  // What is left in `jobs` was changed or removed: it starts nothing more,
  // and its runs in flight are cancelled.
  for (auto& old : jobs) {
    if (!old) continue;
    old->retired = true;
    loop.disarm(*old);
  }
  auto left = std::count_if(jobs.begin(), jobs.end(), [](auto const& j) { return j != nullptr; });
  summary.removed = static_cast<int>(left) - summary.changed;
  cancel_runs([](job_entry const& j) { return j.retired; }, "job removed or changed by a reload");
  auto drop_retired = [](pending_run const& p) {
    if (!p.job->retired) return false;
    --p.job->queued;
    return true;
  };
  std::erase_if(waiting, drop_retired);
  std::erase_if(waiting_first, drop_retired);
  for (auto& old : jobs)
    if (old && old->running > 0) retired.push_back(std::move(old));
  jobs = std::move(next);
  return summary;
}

}  // namespace jobs
