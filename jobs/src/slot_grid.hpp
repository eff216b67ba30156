// The slot grid: when a job is due, as arithmetic on instants and nothing
// else (no job, no loop), so each rule can be read and tested on its own.
//
// A job's slots are anchor + k * interval. The anchor is the first
// wall-clock grid point (a multiple of the interval since the Unix epoch,
// plus the job's phase) at or after the scheduler's start, so two daemons,
// or one before and after a restart, run a job at the same wall-clock
// instants (as Telegraf's round_interval does). The phase is a stable
// per-job offset in [0, jitter), taken from the job's name.
#pragma once

#include <chrono>
#include <string>

#include "jobs/spec.hpp"
#include "reactor/clock.hpp"

namespace jobs {

// The job's stable phase in [0, jitter): FNV-1a of its name, so the same
// name lands on the same offset after a reload or a restart.
duration phase_of(std::string const& name, duration jitter) noexcept;

// The steady-clock instant of the first wall-clock grid point at or after
// `origin` (which is `wall` on the system clock).
reactor::deadline wall_grid_anchor(reactor::deadline origin, std::chrono::system_clock::time_point wall,
                                   duration interval, duration phase) noexcept;

// The first slot of the grid (anchor, interval) strictly after `t`. The
// grid runs both ways from the anchor, which may lie ahead of `t`.
reactor::deadline slot_after(reactor::deadline anchor, duration interval, reactor::deadline t) noexcept;

// When the loop wakes for a slot due at `due`: the end of its cell on the
// accuracy grid (cells of `cell`, on the steady clock), so neighbouring
// slots share a wake-up; plus the slot's place in its cell scaled down 4096
// times (at most 25 us for a 100 ms cell). The loop fires due timers in
// deadline order, so the runs of one wake-up still start, and queue for a
// concurrency slot, in the order of their slots. `cell` <= 0: `due` itself.
reactor::deadline wake_instant(reactor::deadline due, duration cell) noexcept;

}  // namespace jobs
