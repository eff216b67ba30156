#include "jobs/histogram.hpp"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <utility>

#include "kinds_detail.hpp"

namespace jobs {

namespace {

// The bounds as durations, so an observation is placed with integer
// compares.
constexpr auto bound_durations = [] {
  std::array<duration, histogram_bounds.size()> out{};
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = duration(static_cast<duration::rep>(histogram_bounds[i] * 1e9 + 0.5));
  return out;
}();

// How many histograms a job of kind `Kind` (kind_spec's index) keeps: the
// two every job has, in `series` order, then its own. The index kind_count
// stands for a kind name the registry does not know, which keeps the two.
constexpr std::size_t common_count = 2;
template <std::size_t Kind>
constexpr std::size_t histograms_of() noexcept {
  if constexpr (Kind < kind_count)
    return histogram_count<std::variant_alternative_t<Kind, kind_spec>>();
  else
    return common_count;
}

}  // namespace

void histogram::observe(duration d) noexcept {
  auto at = std::lower_bound(bound_durations.begin(), bound_durations.end(), d) - bound_durations.begin();
  ++counts[static_cast<std::size_t>(at)];
  sum += std::chrono::duration<double>(d).count();
}

std::uint64_t histogram::count() const noexcept {
  return std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
}

// A kind's histograms in one allocation: the base says how many there are,
// the derived type holds exactly that many.
struct run_histograms::block {
  virtual ~block() = default;
  virtual std::size_t kind() const noexcept = 0;  // kind_spec's index
  virtual std::span<histogram> all() noexcept = 0;
  virtual std::unique_ptr<block> clone() const = 0;
  virtual std::size_t bytes() const noexcept = 0;
};

template <std::size_t Kind>
struct run_histograms::block_of final : block {
  std::array<histogram, histograms_of<Kind>()> h{};
  std::size_t kind() const noexcept override { return Kind; }
  std::span<histogram> all() noexcept override { return h; }
  std::unique_ptr<block> clone() const override { return std::make_unique<block_of>(*this); }
  std::size_t bytes() const noexcept override { return sizeof *this; }
};

run_histograms::run_histograms(run_histograms const& other) : block_(other.block_ ? other.block_->clone() : nullptr) {}

run_histograms& run_histograms::operator=(run_histograms const& other) {
  if (this != &other) block_ = other.block_ ? other.block_->clone() : nullptr;
  return *this;
}

run_histograms::run_histograms() noexcept = default;

std::unique_ptr<run_histograms::block> run_histograms::make_block(std::size_t kind) {
  std::unique_ptr<block> out;
  detail::with_index<kind_count + 1>(kind, [&out](auto k) { out = std::make_unique<block_of<decltype(k)::value>>(); });
  return out;
}

run_histograms::run_histograms(std::size_t kind, std::span<histogram const> all) : block_(make_block(kind)) {
  auto h = block_->all();
  std::copy_n(all.begin(), std::min(all.size(), h.size()), h.begin());
}
run_histograms::run_histograms(run_histograms&&) noexcept = default;
run_histograms& run_histograms::operator=(run_histograms&&) noexcept = default;
run_histograms::~run_histograms() = default;

void run_histograms::record(run_result const& r) {
  // One allocation holding exactly the kind's histograms.
  if (!block_) block_ = make_block(kind_index_named(r.kind));
  observe_run(block_->kind(), r, block_->all());
}

void observe_run(std::size_t kind, run_result const& r, std::span<histogram> all) noexcept {
  all[static_cast<std::size_t>(series::run_duration)].observe(r.took);
  all[static_cast<std::size_t>(series::lateness)].observe(r.lateness);
  // A run that timed out or was cancelled carries no details: its
  // duration and lateness count, its echoes and phases are unknown.
  if (kind < kind_count) detail::observe_kind(kind, r.details, all.subspan(common_count));
}

histogram const* run_histograms::find(series s) const noexcept {
  return block_ ? &block_->all()[static_cast<std::size_t>(s)] : nullptr;
}

histogram const* run_histograms::own(std::size_t kind, std::size_t i) const noexcept {
  return block_ && block_->kind() == kind ? &block_->all()[common_count + i] : nullptr;
}

std::size_t run_histograms::heap_bytes() const noexcept {
  return block_ ? block_->bytes() : 0;
}

}  // namespace jobs
