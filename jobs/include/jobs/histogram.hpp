// Distributions of what a job's runs measured, for /metrics: a gauge of the
// last run shows one result in seven to a 15 s scrape of a 2 s job; a
// histogram counts them all.
//
// Every histogram has the same buckets, from 0.5 ms (loopback) to 10 s (a
// slow WAN run), about a factor 3 apart: few enough that a job costs a
// handful of series, fine enough for histogram_quantile to tell 1 ms from
// 5 ms or 100 ms from 300 ms.
//
// What a job keeps depends on its kind (the spec's `histograms`, named by
// the kind's own <kind>_series and observed by its observe_<kind>, its
// entry in jobs/src/kinds.cpp), and nothing before its first run:
//  - every kind: run duration, lateness;
//  - ping: the RTT of each echo reply;
//  - fetch: the time from the start of the request to the end of the
//    connect, TLS and first-byte phases, each counted only for runs that
//    went through that phase (a run on a reused connection made no
//    connect, a plain-HTTP run no handshake).
// The fetch total is the run duration; it has no histogram of its own.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <type_traits>
#include <variant>

#include "jobs/result.hpp"
#include "jobs/spec.hpp"

namespace jobs {

// The two histograms every job keeps. A kind's own are named by its
// <kind>_series (jobs/kinds/<kind>.hpp) and listed, in the order its
// observe_<kind> fills them, in its spec's `histograms`; a kind without
// histograms of its own lists none.
enum class series : std::uint8_t { run_duration, lateness };

// How many histograms of its own a kind keeps (Spec::histograms; none if
// it lists none).
template <class Spec>
constexpr std::size_t own_histogram_count() noexcept {
  if constexpr (requires { Spec::histograms; })
    return Spec::histograms.size();
  else
    return 0;
}

namespace detail {
// Whether Spec's `histograms` are named by the enum Own.
template <class Own, class Spec>
constexpr bool lists_histograms_named_by() noexcept {
  if constexpr (requires { Spec::histograms; })
    return std::is_same_v<typename std::remove_cvref_t<decltype(Spec::histograms)>::value_type, Own>;
  else
    return false;
}
template <class Own, class... Spec>
consteval std::size_t kind_naming_histograms_by(std::variant<Spec...> const*) {
  constexpr bool named[] = {lists_histograms_named_by<Own, Spec>()...};
  for (std::size_t i = 0; i < sizeof...(Spec); ++i)
    if (named[i]) return i;
  return sizeof...(Spec);
}
}  // namespace detail

// The place in kind_spec of the kind whose own histograms the enum Own
// names (ping_series: ping's); kind_count if none.
template <class Own>
inline constexpr std::size_t kind_of_series =
    detail::kind_naming_histograms_by<Own>(static_cast<kind_spec const*>(nullptr));

// How many histograms a job of kind Spec keeps: the two of `series`, then
// its own.
template <class Spec>
constexpr std::size_t histogram_count() noexcept {
  return 2 + own_histogram_count<Spec>();
}

// Upper bounds of the buckets, in seconds (Prometheus's `le`).
inline constexpr std::array<double, 10> histogram_bounds{0.0005, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10};

struct histogram {
  // counts[i]: observations in (bounds[i-1], bounds[i]]; the last, above
  // every bound. 32 bits: a counter that wraps reads as a counter reset,
  // which rate() and increase() take in their stride.
  std::array<std::uint32_t, histogram_bounds.size() + 1> counts{};
  double sum = 0;  // seconds

  void observe(duration d) noexcept;
  std::uint64_t count() const noexcept;
};

// Adds one run's figures to `all`, the histograms of a job of kind `kind`
// (kind_spec's index): histogram_count() of them, `series` first.
void observe_run(std::size_t kind, run_result const& r, std::span<histogram> all) noexcept;

// The histograms of one job. Empty (one pointer) until the first run, then
// one allocation holding only its kind's histograms. Copies are deep (a
// /metrics snapshot is rendered off the loop).
class run_histograms {
 public:
  run_histograms() noexcept;
  // A copy of the histograms of a job of kind `kind` (kind_spec's index)
  // kept elsewhere (the scheduler keeps them with the job's last result).
  run_histograms(std::size_t kind, std::span<histogram const> all);
  run_histograms(run_histograms const& other);
  run_histograms& operator=(run_histograms const& other);
  run_histograms(run_histograms&&) noexcept;
  run_histograms& operator=(run_histograms&&) noexcept;
  ~run_histograms();

  // Adds one run's figures; `r.kind` says which histograms the job has.
  void record(run_result const& r);

  // One every job keeps; null before the first run.
  histogram const* find(series s) const noexcept;
  // One of a kind's own (ping_series::rtt); null before the first run, or
  // when the job is of another kind.
  template <class Own>
  requires(kind_of_series<Own> < kind_count) histogram const* find(Own s) const noexcept {
    constexpr auto& listed = std::variant_alternative_t<kind_of_series<Own>, kind_spec>::histograms;
    for (std::size_t i = 0; i < listed.size(); ++i)
      if (listed[i] == s) return own(kind_of_series<Own>, i);
    return nullptr;
  }
  // What the histograms take on the heap (0 before the first run).
  std::size_t heap_bytes() const noexcept;

 private:
  // The i-th of the kind's own histograms (its spec's `histograms`), if
  // the job is of kind `kind` (kind_spec's index).
  histogram const* own(std::size_t kind, std::size_t i) const noexcept;

  struct block;
  template <std::size_t Kind>
  struct block_of;
  // The empty block of a job of kind `kind` (kind_count: none the registry knows).
  static std::unique_ptr<block> make_block(std::size_t kind);
  std::unique_ptr<block> block_;
};

}  // namespace jobs
