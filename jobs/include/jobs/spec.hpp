// Job specs: plain structs saying what a job does and when. No YAML here;
// config/ fills these, the scheduler runs them. Every struct compares with
// ==, which is how a reload tells a changed job from an unchanged one.
// Each kind's own spec and result are in jobs/kinds/<kind>.hpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "jobs/duration.hpp"
#include "jobs/kinds/countdown.hpp"
#include "jobs/kinds/fetch.hpp"
#include "jobs/kinds/ping.hpp"

namespace jobs {

// Operator-chosen labels of a job (site, team ...), sorted by name: on
// every log line of the job and on every one of its series in /metrics.
// config/ checks the names are Prometheus label names.
using label_set = std::vector<std::pair<std::string, std::string>>;

// When a job runs.
struct schedule_spec {
  duration interval = 60s;
  duration jitter = 0s;  // a random but stable per-job phase in [0, jitter)
  // The run's deadline, measured from its start. Empty: the default, which
  // is shorter than the interval (see scheduler.hpp).
  std::optional<duration> timeout;
  int fail_after = 1;                       // consecutive failures before DOWN
  int recover_after = 1;                    // consecutive successes before UP again
  std::optional<duration> retest_interval;  // a shorter interval while failing
  bool allow_overlap = false;
  bool operator==(schedule_spec const&) const = default;
};

// The kinds: the registry. One alternative per kind, each naming itself
// (`kind_name`) and what it reports (`result`, kind_result's alternative
// in result.hpp); the other layers' tables follow this order, one entry per
// kind each (jobs/src/kinds.cpp: its run; config/src/kinds.cpp: its keys
// and checks; daemon/src/kinds.cpp: its log fields and metrics), and
// static_assert it. CONTRIBUTING.md has the steps to add one.
using kind_spec = std::variant<countdown_spec, ping_spec, fetch_spec>;
inline constexpr std::size_t kind_count = std::variant_size_v<kind_spec>;

namespace detail {
template <class S, class... T>
consteval std::size_t index_in(std::variant<T...> const*) {
  constexpr bool same[] = {std::is_same_v<S, T>...};
  for (std::size_t i = 0; i < sizeof...(T); ++i)
    if (same[i]) return i;
  return sizeof...(T);
}
}  // namespace detail

// The place of spec type S in kind_spec (kind_count if it is not a kind).
template <class S>
inline constexpr std::size_t kind_index = detail::index_in<S>(static_cast<kind_spec const*>(nullptr));

// Whether a layer's table has one entry per kind, in kind_spec's order
// (each entry's `index`): every table static_asserts it.
template <class Entry, std::size_t N>
consteval bool one_entry_per_kind_in_order(Entry const (&table)[N]) {
  if (N != kind_count) return false;
  for (std::size_t i = 0; i < N; ++i)
    if (table[i].index != i) return false;
  return true;
}

struct job_spec {
  std::string name;  // unique within a job file
  schedule_spec schedule;
  kind_spec kind;
  label_set labels;
  bool operator==(job_spec const&) const = default;
};

// "countdown", "ping" or "fetch".
char const* kind_name(kind_spec const& k) noexcept;
// The name of the kind at `index` in kind_spec's order (index < kind_count).
char const* kind_name(std::size_t index) noexcept;
// The place in kind_spec of the kind named `name`; kind_count for none.
std::size_t kind_index_named(std::string_view name) noexcept;
// A spec of the named kind, holding its defaults; empty for no such kind.
[[nodiscard]] std::optional<kind_spec> kind_from_name(std::string_view name);
// The names in kind_spec's order, as a message lists them:
// "countdown, ping or fetch".
std::string kind_names_listed();

}  // namespace jobs
