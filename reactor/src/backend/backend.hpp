// The contract every backend implements (one file per backend in this
// folder; nothing platform-specific lives outside it).
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
#pragma once

#include <memory>
#include <string>

#include "reactor/clock.hpp"
#include "reactor/detail/operation.hpp"
#include "reactor/loop.hpp"

namespace reactor::detail {

class backend {
 public:
  virtual ~backend() = default;
  virtual bool submit(operation& op) = 0;
  virtual void cancel(operation& op) = 0;
  virtual bool wait(deadline until) = 0;
  virtual void wake() = 0;
};

// Each factory throws std::system_error if the backend cannot start here.
std::unique_ptr<backend> make_io_uring_backend(loop& owner);
std::unique_ptr<backend> make_epoll_backend(loop& owner);
std::unique_ptr<backend> make_kqueue_backend(loop& owner);
std::unique_ptr<backend> make_iocp_backend(loop& owner);

// The relative wait for `until` as seen at `now`, rounded up to whole
// microseconds (waking early would only cost a wasted pass).
inline long long wait_nanoseconds(deadline until, deadline now) {
  if (until <= now) return 0;
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(until - now).count();
  return (ns + 999) / 1000 * 1000;
}

}  // namespace reactor::detail
