// What jobs/src/kinds.cpp's table holds besides the run, for the jobs
// layer's own use.
#pragma once

#include <cstddef>
#include <span>

#include "jobs/histogram.hpp"
#include "jobs/result.hpp"

namespace jobs::detail {

// Adds what a run of kind `kind` (kind_spec's index) measured to its own
// histograms (after run duration and lateness, in the spec's `histograms`
// order); nothing for a run with no details.
void observe_kind(std::size_t kind, kind_result const& details, std::span<histogram> own) noexcept;

}  // namespace jobs::detail
