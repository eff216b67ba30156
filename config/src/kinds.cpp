// The config side of the kind registry (kinds.hpp): one entry per kind, in
// kind_spec's order, which the static_assert below holds it to.
#include "kinds.hpp"

namespace config::detail {

namespace {

struct entry {
  std::size_t index;  // in kind_spec
  void (*read)(mapping_reader&, jobs::kind_spec&);
  void (*check)(mapping_reader&, jobs::kind_spec const&, jobs::schedule_spec const&);
};

template <class Spec, void (*Read)(mapping_reader&, Spec&),
          void (*Check)(mapping_reader&, Spec const&, jobs::schedule_spec const&)>
constexpr entry kind() {
  return {jobs::kind_index<Spec>, [](mapping_reader& r, jobs::kind_spec& k) { Read(r, *std::get_if<Spec>(&k)); },
          [](mapping_reader& r, jobs::kind_spec const& k, jobs::schedule_spec const& s) {
            Check(r, *std::get_if<Spec>(&k), s);
          }};
}

constexpr entry registry[] = {
    kind<jobs::countdown_spec, read_countdown, check_countdown>(),
    kind<jobs::ping_spec, read_ping, check_ping>(),
    kind<jobs::fetch_spec, read_fetch, check_fetch>(),
};

static_assert(jobs::one_entry_per_kind_in_order(registry), "one entry per kind, in kind_spec's order (jobs/spec.hpp)");

}  // namespace

void read_kind_fields(mapping_reader& r, jobs::kind_spec& out) {
  registry[out.index()].read(r, out);
}

void check_kind_fields(mapping_reader& r, jobs::kind_spec const& kind, jobs::schedule_spec const& s) {
  registry[kind.index()].check(r, kind, s);
}

void read_ip_version(mapping_reader& r, jobs::ip_version& out) {
  std::string s;
  if (!r.read("ip", s)) return;
  if (s == "4")
    out = jobs::ip_version::v4;
  else if (s == "6")
    out = jobs::ip_version::v6;
  else if (s == "any")
    out = jobs::ip_version::any;
  else
    r.error(r.mark_of("ip"), "'ip' must be 4, 6 or any, got '" + s + "'");
}

}  // namespace config::detail
