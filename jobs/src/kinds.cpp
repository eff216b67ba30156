// The run side of the kind registry (kinds.hpp): one entry per kind, in
// kind_spec's order, which the static_assert below holds it to.
#include "jobs/kinds.hpp"

#include "jobs/countdown.hpp"
#include "jobs/fetch.hpp"
#include "jobs/ping.hpp"
#include "kinds_detail.hpp"

namespace jobs {

namespace {

using run_fn = reactor::task<run_result> (*)(kind_spec const&, job_context&);

template <class Spec, reactor::task<run_result> (*Run)(Spec const&, job_context&)>
reactor::task<run_result> run_as(kind_spec const& kind, job_context& ctx) {
  return Run(*std::get_if<Spec>(&kind), ctx);
}

using observe_fn = void (*)(kind_result const&, std::span<histogram>) noexcept;

template <class Spec, void (*Observe)(typename Spec::result const&, std::span<histogram>) noexcept>
void observe_as(kind_result const& details, std::span<histogram> own) noexcept {
  if (auto const* r = std::get_if<typename Spec::result>(&details)) Observe(*r, own);
}

struct entry {
  std::size_t index;  // in kind_spec
  run_fn run;
  observe_fn observe;  // null: no histograms of its own
};

// A kind's entry; Observe fills the spec's `histograms`, and a kind with
// none has none. (Two overloads rather than a null default: GCC 12 under
// -fsanitize=undefined does not treat `Observe == nullptr` as a constant.)
template <class Spec, reactor::task<run_result> (*Run)(Spec const&, job_context&)>
constexpr entry kind() {
  static_assert(own_histogram_count<Spec>() == 0, "a kind with histograms says how it observes them");
  return {kind_index<Spec>, &run_as<Spec, Run>, nullptr};
}
template <class Spec, reactor::task<run_result> (*Run)(Spec const&, job_context&),
          void (*Observe)(typename Spec::result const&, std::span<histogram>) noexcept>
constexpr entry kind() {
  static_assert(own_histogram_count<Spec>() > 0, "a kind observes only histograms it lists");
  return {kind_index<Spec>, &run_as<Spec, Run>, &observe_as<Spec, Observe>};
}

constexpr entry registry[] = {
    kind<countdown_spec, run_countdown>(),
    kind<ping_spec, run_ping, observe_ping>(),
    kind<fetch_spec, run_fetch, observe_fetch>(),
};

static_assert(one_entry_per_kind_in_order(registry), "one entry per kind, in kind_spec's order (spec.hpp)");

}  // namespace

reactor::task<run_result> run_kind(kind_spec const& kind, job_context& ctx) {
  return registry[kind.index()].run(kind, ctx);
}

void detail::observe_kind(std::size_t kind, kind_result const& details, std::span<histogram> own) noexcept {
  if (auto observe = registry[kind].observe) observe(details, own);
}

}  // namespace jobs
