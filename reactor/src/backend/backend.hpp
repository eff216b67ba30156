// The contract every backend implements: one file per backend in this folder
// (readiness backends share readiness.hpp), one row per backend in the table
// of backends.cpp. DESIGN.md, "The backend seam", says how the loop uses it.
//
//  submit(op)   start an operation. A readiness backend may perform the
//               syscall at once; if that finishes it, it sets op.result and
//               returns true, and the loop will not hear of op again.
//               Otherwise it returns false and later calls
//               loop::complete(op, result) exactly once.
//  cancel(op)   ask that a submitted, not yet completed op end early. Its
//               completion still comes through loop::complete (with
//               -ECANCELED, or its real result if it won the race).
//  wait(until)  submit what is queued, then deliver completions; block until
//               at least one arrives or `until` passes (until <= now: do not
//               block). Returns true if it blocked in the kernel.
//  wake()       thread-safe: make a blocked wait() return soon.
//
// One optional operation, for what only some pollers can wait for:
//  submit_signal(op)  wait for one of the signals in *(sigset_t const*)op.buf
//               (kqueue's EVFILT_SIGNAL, for signal_kqueue.cpp), as submit()
//               does; cancel() ends it. The default refuses it at once with
//               EOPNOTSUPP, so no other backend has to know it exists.
#pragma once

#include <cerrno>
#include <chrono>
#include <memory>
#include <span>
#include <string_view>

#include "reactor/clock.hpp"
#include "reactor/detail/operation.hpp"
#include "reactor/loop.hpp"

namespace reactor::detail {

class backend {
 public:
  virtual ~backend() = default;
  [[nodiscard]] virtual bool submit(operation& op) = 0;
  virtual void cancel(operation& op) = 0;
  virtual bool wait(deadline until) = 0;
  virtual void wake() = 0;
  [[nodiscard]] virtual bool submit_signal(operation& op) {
    op.result = -EOPNOTSUPP;
    return true;
  }
};

// Starts a backend on `owner`; throws std::system_error if it cannot start
// here (no io_uring in this kernel or sandbox, say).
using backend_factory = std::unique_ptr<backend> (*)(loop& owner);

// One row of the table of backends (backends.cpp).
struct backend_entry {
  backend_kind kind;
  std::string_view name;  // for REACTORD_BACKEND, the job file and the logs
  backend_factory make;   // null where this build does not have the backend
};

// Every backend_kind but `automatic`, in the order `automatic` tries them.
std::span<backend_entry const> backend_table() noexcept;

// The relative wait for `until` as seen at `now`, rounded up to whole
// microseconds (waking early would only cost a wasted pass).
inline long long wait_nanoseconds(deadline until, deadline now) {
  if (until <= now) return 0;
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(until - now).count();
  return (ns + 999) / 1000 * 1000;
}

// The timeout argument of a kernel wait that takes a timespec (epoll_pwait2,
// kevent, io_uring's __kernel_timespec): null to block with no limit
// (until == never), else `storage` filled with the wait for `until` as seen
// at `now` (zero if it has passed: do not block).
template <class Timespec>
Timespec* wait_timeout(deadline until, deadline now, Timespec& storage) {
  if (until == never) return nullptr;
  long long ns = wait_nanoseconds(until, now);
  storage.tv_sec = ns / 1'000'000'000;
  storage.tv_nsec = ns % 1'000'000'000;
  return &storage;
}

}  // namespace reactor::detail
