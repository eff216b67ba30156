// The run side of the kind registry (kinds.hpp): one entry per kind, in
// kind_spec's order, which the static_assert below holds it to.
#include "jobs/kinds.hpp"

#include "jobs/countdown.hpp"
#include "jobs/fetch.hpp"
#include "jobs/ping.hpp"

namespace jobs {

namespace {

using run_fn = reactor::task<run_result> (*)(kind_spec const&, job_context&);

template <class Spec, reactor::task<run_result> (*Run)(Spec const&, job_context&)>
reactor::task<run_result> run_as(kind_spec const& kind, job_context& ctx) {
  return Run(*std::get_if<Spec>(&kind), ctx);
}

struct entry {
  std::size_t index;  // in kind_spec
  run_fn run;
};

template <class Spec, reactor::task<run_result> (*Run)(Spec const&, job_context&)>
constexpr entry kind() {
  return {kind_index<Spec>, &run_as<Spec, Run>};
}

constexpr entry registry[] = {
    kind<countdown_spec, run_countdown>(),
    kind<ping_spec, run_ping>(),
    kind<fetch_spec, run_fetch>(),
};

constexpr bool one_entry_per_kind_in_order() {
  if (std::size(registry) != kind_count) return false;
  for (std::size_t i = 0; i < kind_count; ++i)
    if (registry[i].index != i) return false;
  return true;
}
static_assert(one_entry_per_kind_in_order(), "one entry per kind, in kind_spec's order (spec.hpp)");

}  // namespace

reactor::task<run_result> run_kind(kind_spec const& kind, job_context& ctx) {
  return registry[kind.index()].run(kind, ctx);
}

}  // namespace jobs
