// What jobs/src/kinds.cpp's table holds besides the run, for the jobs
// layer's own use.
#pragma once

#include <cstddef>
#include <span>
#include <type_traits>
#include <utility>

#include "jobs/histogram.hpp"
#include "jobs/result.hpp"

namespace jobs::detail {

// Adds what a run of kind `kind` (kind_spec's index) measured to its own
// histograms (after run duration and lateness, in the spec's `histograms`
// order); nothing for a run with no details.
void observe_kind(std::size_t kind, kind_result const& details, std::span<histogram> own) noexcept;

// Calls f(std::integral_constant<std::size_t, K>{}) for the K in [0, Count)
// equal to `index`, and nothing if none is: how a kind index known at run
// time picks what is made for that kind at compile time (a job_record, a
// histogram block, a blank kind_spec).
template <std::size_t Count, class F>
void with_index(std::size_t index, F&& f) {
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    ((K == index ? (f(std::integral_constant<std::size_t, K>{}), true) : false) || ...);
  }
  (std::make_index_sequence<Count>{});
}

}  // namespace jobs::detail
