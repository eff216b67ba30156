// What every benchmark measures, and how it prints it.
//
//  cpu_time()          user + system CPU of this process so far (getrusage),
//                      the figure a benchmark divides by its unit of work.
//  in_child(fn)        runs fn in a forked child and returns what it wrote,
//                      with the child's own peak RSS. Each implementation
//                      compared gets its own child, so one never inherits
//                      another's peak (ru_maxrss only ever grows). Fork
//                      before allocating anything big: the child starts with
//                      the parent's resident pages.
//  print_figure(...)   one line, `name: value unit (peer: value unit,
//                      ratio: x)`, ratio = ours / peer's (STYLE.md).
//
// Benchmarks run on a shared 2-core machine; none of this asserts timings.
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <type_traits>

namespace bench {

inline std::chrono::nanoseconds cpu_time() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto to_ns = [](timeval t) { return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec); };
  return to_ns(u.ru_utime) + to_ns(u.ru_stime);
}

// What in_child() hands back: the child's result and its peak resident set.
template <class R>
struct child_outcome {
  R result{};
  long peak_rss_kib = 0;
  bool ok = false;  // the child wrote a whole result and exited with 0
};

// Runs `fn()` (returning a trivially copyable R) in a forked child.
template <class F>
auto in_child(F fn) -> child_outcome<std::invoke_result_t<F&>> {
  using R = std::invoke_result_t<F&>;
  static_assert(std::is_trivially_copyable_v<R>, "the result crosses a pipe");
  child_outcome<R> out;
  int fds[2];
  if (::pipe(fds) != 0) return out;
  std::fflush(nullptr);  // or the child would print the parent's buffer again
  pid_t pid = ::fork();
  if (pid < 0) return out;
  if (pid == 0) {
    ::close(fds[0]);
    R r = fn();
    bool written = ::write(fds[1], &r, sizeof r) == static_cast<ssize_t>(sizeof r);
    std::fflush(nullptr);
    std::_Exit(written ? 0 : 1);
  }
  ::close(fds[1]);
  bool complete = ::read(fds[0], &out.result, sizeof(R)) == static_cast<ssize_t>(sizeof(R));
  ::close(fds[0]);
  int status = 0;
  rusage usage{};
  ::wait4(pid, &status, 0, &usage);
  out.peak_rss_kib = usage.ru_maxrss;  // Linux reports kibibytes
  out.ok = complete && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return out;
}

inline void print_figure(std::string_view name, double value, std::string_view unit, std::string_view peer,
                         double peer_value, int decimals = 0) {
  char ratio[32] = "n/a";  // nothing to divide by
  if (peer_value != 0) std::snprintf(ratio, sizeof ratio, "%.2f", value / peer_value);
  std::printf("%.*s: %.*f %.*s (%.*s: %.*f %.*s, ratio: %s)\n", int(name.size()), name.data(), decimals, value,
              int(unit.size()), unit.data(), int(peer.size()), peer.data(), decimals, peer_value, int(unit.size()),
              unit.data(), ratio);
}

// A figure with no peer beside it (a count, a correctness check).
inline void print_figure(std::string_view name, double value, std::string_view unit, int decimals = 0) {
  std::printf("%.*s: %.*f %.*s\n", int(name.size()), name.data(), decimals, value, int(unit.size()), unit.data());
}

}  // namespace bench
