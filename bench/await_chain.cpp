// bench/await_chain: what one nested `co_await` of a ready task<int> costs,
// against the plain function call it replaces.
//
//  - nested: a chain of coroutines, each awaiting the next, `depth` deep,
//    the last returning at once; run `rounds` times. A level costs its frame
//    (allocate + free), the inline start from await_suspend, the hand-back
//    at final_suspend and taking the value.
//  - loop: one coroutine awaiting a fresh ready task<int> in a loop.
//  - peer: the same chain of noinline plain functions (the asm barrier after
//    the call keeps GCC from turning the recursion into a loop).
//
// Each figure is the median of several trials, in thread CPU time (the
// machine is shared; time spent preempted is not the await's). The coroutines run inside loop::run
// on each backend, although no await here reaches the backend.
//
//   await_chain [--depth N] [--awaits TOTAL]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "measure.hpp"
#include "reactor/reactor.hpp"

namespace {

using reactor::task;

constexpr int trials = 7;

task<int> nested(int depth) {
  if (depth == 0) co_return 1;
  int below = co_await nested(depth - 1);
  co_return below + 1;
}

task<int> ready(int v) {
  co_return v;
}

__attribute__((noinline)) int plain_chain(int depth) {
  if (depth == 0) return 1;
  int below = plain_chain(depth - 1);
  asm volatile("" : "+r"(below));  // a real call and return per level
  return below + 1;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// This thread's CPU time: unlike the wall clock, it does not count the time
// the shared machine gave the core to someone else.
std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

template <class F>
double ns_per_unit(F body, std::uint64_t units) {
  std::vector<double> samples;
  for (int t = 0; t < trials; ++t) {
    auto start = thread_cpu_time();
    body();
    auto took = thread_cpu_time() - start;
    samples.push_back(double(took.count()) / double(units));
  }
  return median(samples);
}

}  // namespace

int main(int argc, char** argv) {
  int depth = 64;
  std::uint64_t total_awaits = 5'000'000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--depth") == 0 && i + 1 < argc) {
      depth = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--awaits") == 0 && i + 1 < argc) {
      total_awaits = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: %s [--depth N] [--awaits TOTAL]\n", argv[0]);
      return 2;
    }
  }
  if (depth < 1 || total_awaits < std::uint64_t(depth)) {
    std::fprintf(stderr, "await_chain: need --depth >= 1 and --awaits >= depth\n");
    return 2;
  }
  std::uint64_t rounds = total_awaits / std::uint64_t(depth);
  std::uint64_t awaits = rounds * std::uint64_t(depth);

  // The peer: the same chain as plain calls.
  volatile int sink = 0;
  double plain_ns = ns_per_unit(
      [&] {
        for (std::uint64_t r = 0; r < rounds; ++r) sink = plain_chain(depth);
      },
      awaits);

  bool all_right = true;
  std::printf("await_chain.shape: depth %d, %llu rounds, median of %d trials\n", depth, (unsigned long long)rounds,
              trials);
  for (auto backend : {reactor::backend_kind::io_uring, reactor::backend_kind::epoll}) {
    std::string name(reactor::to_string(backend));
    try {
      reactor::loop l(reactor::loop_options{backend});
      double nested_ns = ns_per_unit(
          [&] {
            int got = l.run([&]() -> task<int> {
              int last = 0;
              for (std::uint64_t r = 0; r < rounds; ++r) last = co_await nested(depth);
              co_return last;
            }());
            all_right = all_right && got == depth + 1;
          },
          awaits);
      double loop_ns = ns_per_unit(
          [&] {
            std::uint64_t sum = l.run([&]() -> task<std::uint64_t> {
              std::uint64_t s = 0;
              for (std::uint64_t i = 0; i < awaits; ++i) s += std::uint64_t(co_await ready(1));
              co_return s;
            }());
            all_right = all_right && sum == awaits;
          },
          awaits);
      bench::print_figure("await_chain.ns_per_nested_await." + name, nested_ns, "ns", "noinline call", plain_ns, 1);
      bench::print_figure("await_chain.ns_per_await_in_loop." + name, loop_ns, "ns", "noinline call", plain_ns, 1);
    } catch (std::system_error const& e) {
      std::printf("await_chain.%s: not run (%s)\n", name.c_str(), e.what());
    }
  }
  if (!all_right) std::printf("await_chain.correct: NO (a chain returned the wrong value)\n");
  return all_right ? 0 : 1;
}
