#include "jobs/histogram.hpp"

#include <algorithm>
#include <chrono>
#include <numeric>

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

// Where series `s` is in a block of `n` histograms: every kind's block
// starts with the two every job has, then its own; npos if it has none.
constexpr std::size_t npos = ~std::size_t{0};
std::size_t index_of(series s, std::size_t n) noexcept {
  switch (s) {
    case series::run_duration:
      return 0;
    case series::lateness:
      return 1;
    case series::ping_rtt:
      return n == 3 ? 2 : npos;
    case series::fetch_connect:
      return n == 5 ? 2 : npos;
    case series::fetch_tls:
      return n == 5 ? 3 : npos;
    case series::fetch_first_byte:
      return n == 5 ? 4 : npos;
  }
  return npos;
}

}  // namespace

void histogram::observe(duration d) noexcept {
  auto at =
      std::lower_bound(bound_durations.begin(), bound_durations.end(), d) - bound_durations.begin();
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
  virtual std::span<histogram> all() noexcept = 0;
  virtual std::unique_ptr<block> clone() const = 0;
  virtual std::size_t bytes() const noexcept = 0;
};

template <std::size_t N>
struct run_histograms::block_of final : block {
  std::array<histogram, N> h{};
  std::span<histogram> all() noexcept override { return h; }
  std::unique_ptr<block> clone() const override { return std::make_unique<block_of>(*this); }
  std::size_t bytes() const noexcept override { return sizeof *this; }
};

run_histograms::run_histograms(run_histograms const& other)
    : block_(other.block_ ? other.block_->clone() : nullptr) {}

run_histograms& run_histograms::operator=(run_histograms const& other) {
  if (this != &other) block_ = other.block_ ? other.block_->clone() : nullptr;
  return *this;
}

run_histograms::run_histograms() noexcept = default;
run_histograms::run_histograms(run_histograms&&) noexcept = default;
run_histograms& run_histograms::operator=(run_histograms&&) noexcept = default;
run_histograms::~run_histograms() = default;

void run_histograms::record(run_result const& r) {
  if (!block_) {
    if (r.kind == "fetch")
      block_ = std::make_unique<block_of<5>>();
    else if (r.kind == "ping")
      block_ = std::make_unique<block_of<3>>();
    else
      block_ = std::make_unique<block_of<2>>();
  }
  auto observe = [this](series s, duration d) {
    auto h = block_->all();
    if (auto i = index_of(s, h.size()); i != npos) h[i].observe(d);
  };
  observe(series::run_duration, r.took);
  observe(series::lateness, r.lateness);
  // A run that timed out or was cancelled carries no details: its
  // duration and lateness count, its echoes and phases are unknown.
  if (auto const* p = std::get_if<ping_result>(&r.details)) {
    for (duration rtt : p->rtts) observe(series::ping_rtt, rtt);
  } else if (auto const* f = std::get_if<fetch_result>(&r.details)) {
    if (f->connect > duration::zero()) observe(series::fetch_connect, f->connect);
    if (f->tls > duration::zero()) observe(series::fetch_tls, f->tls);
    if (f->first_byte > duration::zero()) observe(series::fetch_first_byte, f->first_byte);
  }
}

histogram const* run_histograms::find(series s) const noexcept {
  if (!block_) return nullptr;
  auto h = block_->all();
  auto i = index_of(s, h.size());
  return i == npos ? nullptr : &h[i];
}

std::size_t run_histograms::heap_bytes() const noexcept {
  return block_ ? block_->bytes() : 0;
}

}  // namespace jobs
