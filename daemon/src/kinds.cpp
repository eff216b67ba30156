// The daemon side of the kind registry (kinds.hpp): one entry per kind, in
// kind_spec's order, which the static_assert below holds it to.
#include "kinds.hpp"

namespace reactord {

namespace {

struct entry {
  std::size_t index;  // in kind_spec
  void (*fields)(std::vector<field>&, jobs::kind_result const&);
  void (*records)(event_log&, jobs::run_result const&);
  void (*metrics)(metrics_page_writer&, std::vector<jobs::job_status> const&);
};

// A kind's entry: its fields, and where it has them its debug records and
// metric families. (Two overloads rather than null defaults: GCC 12 under
// -fsanitize=undefined does not treat `Records == nullptr` as a constant.)
template <class Spec, void (*Fields)(std::vector<field>&, typename Spec::result const&)>
constexpr entry kind() {
  return {jobs::kind_index<Spec>,
          [](std::vector<field>& f, jobs::kind_result const& d) { Fields(f, *std::get_if<typename Spec::result>(&d)); },
          nullptr, nullptr};
}
template <class Spec, void (*Fields)(std::vector<field>&, typename Spec::result const&),
          void (*Records)(event_log&, jobs::run_result const&, typename Spec::result const&),
          void (*Metrics)(metrics_page_writer&, std::vector<jobs::job_status> const&)>
constexpr entry kind() {
  entry e = kind<Spec, Fields>();
  e.records = [](event_log& log, jobs::run_result const& r) {
    Records(log, r, *std::get_if<typename Spec::result>(&r.details));
  };
  e.metrics = Metrics;
  return e;
}

constexpr entry registry[] = {
    kind<jobs::countdown_spec, countdown_fields>(),
    kind<jobs::ping_spec, ping_fields, ping_records, ping_metrics>(),
    kind<jobs::fetch_spec, fetch_fields, fetch_records, fetch_metrics>(),
};

static_assert(jobs::one_entry_per_kind_in_order(registry), "one entry per kind, in kind_spec's order (jobs/spec.hpp)");

// The entry of the kind that reported `details`; null for no details.
entry const* entry_of(jobs::kind_result const& details) {
  return details.index() == 0 ? nullptr : &registry[details.index() - 1];
}

}  // namespace

void add_kind_fields(std::vector<field>& f, jobs::kind_result const& details) {
  if (auto const* e = entry_of(details)) e->fields(f, details);
}

void write_kind_records(event_log& log, jobs::run_result const& r) {
  if (auto const* e = entry_of(r.details); e && e->records) e->records(log, r);
}

void render_kind_metrics(metrics_page_writer& out, std::vector<jobs::job_status> const& js) {
  for (auto const& e : registry)
    if (e.metrics) e.metrics(out, js);
}

}  // namespace reactord
