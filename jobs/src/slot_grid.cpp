#include "slot_grid.hpp"

#include <cstdint>

namespace jobs {

duration phase_of(std::string const& name, duration jitter) noexcept {
  if (jitter <= duration::zero()) return duration::zero();
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return duration(static_cast<duration::rep>(h % static_cast<std::uint64_t>(jitter.count())));
}

reactor::deadline wall_grid_anchor(reactor::deadline origin, std::chrono::system_clock::time_point wall,
                                   duration interval, duration phase) noexcept {
  if (interval <= duration::zero()) return origin + phase;
  auto since_epoch = std::chrono::duration_cast<duration>(wall.time_since_epoch()) - phase;
  auto off = since_epoch % interval;
  if (off < duration::zero()) off += interval;
  return origin + (interval - off) % interval;
}

reactor::deadline slot_after(reactor::deadline anchor, duration interval, reactor::deadline t) noexcept {
  auto k = (t - anchor) / interval;  // rounds toward zero: up before the anchor, down after it
  if (anchor + k * interval <= t) ++k;
  return anchor + k * interval;
}

reactor::deadline wake_instant(reactor::deadline due, duration cell) noexcept {
  auto c = cell.count();
  if (c <= 0) return due;
  auto past = due.time_since_epoch().count() % c;
  if (past == 0) return due;
  return due + duration(c - past + (past >> 12));
}

}  // namespace jobs
