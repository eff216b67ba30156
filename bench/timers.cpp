// bench/timers: N one-shot timers (default 1,000,000) with random deadlines
// 0-100 ms, armed in batches of 1024 while the loop runs, on reactord's
// io_uring and epoll loops and on libuv (the peer, uv_timer_t), with the same
// loop shape (PEERS.md, "Timers"):
//
//  - every timer is a struct embedding the implementation's timer (a
//    reactor::timer_node armed with loop::arm, a uv_timer_t) plus a fire
//    count; all N live in one array allocated before the clock starts;
//  - a feeder arms the next 1024 timers once per loop iteration (reactord: a
//    timer_node re-armed for "now", which the loop runs in the next pass;
//    libuv: a uv_idle_t, since a uv_timer re-armed with 0 ms from its own
//    callback runs again in the same uv__run_timers call in libuv 1.44);
//  - the run ends when the last timer has fired.
//
// Figures: CPU (user + sys) per timer over arm + fire, and the peak RSS of a
// child process per implementation. The benchmark also checks that every
// timer fired exactly once and never before its deadline, and exits 1 if not.
//
//   timers [--timers N]
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>

#include "measure.hpp"
#include "reactor/reactor.hpp"

namespace {

using namespace std::chrono_literals;

constexpr std::size_t batch_size = 1024;
constexpr std::chrono::nanoseconds longest_delay = 100ms;

// The same pseudo-random delays for every implementation (xorshift64*: a
// few cycles per draw, so the generator does not weigh on the figure).
struct delay_source {
  std::uint64_t state = 0x9e3779b97f4a7c15ull;
  std::chrono::nanoseconds next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    std::uint64_t r = state * 0x2545f4914f6cdd1dull;
    return std::chrono::nanoseconds(r % (longest_delay.count() + 1));
  }
};

// What one child reports back to the parent.
struct run_result {
  std::uint64_t timers = 0;
  std::uint64_t fired_once = 0;
  std::uint64_t fired_more = 0;  // fired twice or more: a defect
  std::uint64_t never_fired = 0;
  std::uint64_t early = 0;  // fired before its deadline: a defect
  double cpu_ns_per_timer = 0;
  double mean_lateness_us = 0;  // how long after its deadline a timer fired
  double max_lateness_us = 0;
  double wall_ms = 0;
  std::uint64_t loop_iterations = 0;
  bool started = false;  // false if the backend could not start here
};

// ---- reactord --------------------------------------------------------------

struct reactord_timer {
  reactor::timer_node node;  // node.when is the deadline
  std::uint8_t fires = 0;
};

struct reactord_run {
  reactord_run(reactor::loop& l, std::size_t n) : loop(l), timers(std::make_unique<reactord_timer[]>(n)), count(n) {}
  reactor::loop& loop;
  std::unique_ptr<reactord_timer[]> timers;
  std::size_t count = 0;
  std::size_t armed = 0;
  std::size_t fired = 0;
  std::uint64_t early = 0;
  std::chrono::nanoseconds lateness{0};
  std::chrono::nanoseconds max_lateness{0};
  delay_source delays;
  reactor::timer_node feeder;
};
// timer_node's callback takes only the node (like a uv_timer_t without its
// data pointer); the run it belongs to is this one.
reactord_run* current_reactord_run = nullptr;

void reactord_timer_fired(reactor::timer_node& node) {
  reactord_run& run = *current_reactord_run;
  auto& t = reinterpret_cast<reactord_timer&>(node);  // node is the first member
  ++t.fires;
  auto late = reactor::clock::now() - node.when;
  if (late < 0ns) ++run.early;
  run.lateness += late;
  run.max_lateness = std::max(run.max_lateness, late);
  if (++run.fired == run.count) run.loop.stop();
}

void reactord_arm_batch(reactor::timer_node&) {
  reactord_run& run = *current_reactord_run;
  reactor::deadline now = run.loop.now();
  std::size_t end = std::min(run.count, run.armed + batch_size);
  for (; run.armed < end; ++run.armed) {
    reactord_timer& t = run.timers[run.armed];
    t.node.on_fire = &reactord_timer_fired;
    run.loop.arm(t.node, now + run.delays.next());
  }
  if (run.armed < run.count) run.loop.arm(run.feeder, now);  // again next pass
}

run_result run_reactord(reactor::backend_kind backend, std::size_t count) {
  run_result r;
  std::unique_ptr<reactor::loop> loop;
  try {
    loop = std::make_unique<reactor::loop>(reactor::loop_options{backend});
  } catch (std::system_error const& e) {
    std::fprintf(stderr, "timers: %s unavailable: %s\n", std::string(reactor::to_string(backend)).c_str(), e.what());
    return r;
  }
  reactord_run run(*loop, count);
  current_reactord_run = &run;

  auto cpu_start = bench::cpu_time();
  auto wall_start = reactor::clock::now();
  run.feeder.on_fire = &reactord_arm_batch;
  loop->arm(run.feeder, loop->now());
  loop->run_until_stopped();
  auto cpu = bench::cpu_time() - cpu_start;
  auto wall = reactor::clock::now() - wall_start;

  r.started = true;
  r.timers = count;
  for (std::size_t i = 0; i < count; ++i) {
    std::uint8_t f = run.timers[i].fires;
    r.fired_once += f == 1;
    r.fired_more += f > 1;
    r.never_fired += f == 0;
  }
  r.early = run.early;
  r.cpu_ns_per_timer = double(cpu.count()) / double(count);
  r.mean_lateness_us = double(run.lateness.count()) / 1e3 / double(count);
  r.max_lateness_us = double(run.max_lateness.count()) / 1e3;
  r.wall_ms = std::chrono::duration<double, std::milli>(wall).count();
  r.loop_iterations = loop->stats().passes;
  return r;
}

// ---- libuv -----------------------------------------------------------------

struct libuv_timer {
  uv_timer_t handle;
  std::uint64_t due_ms = 0;  // on libuv's clock (uv_now), its own deadline unit
  std::uint8_t fires = 0;
};

struct libuv_run {
  uv_loop_t loop;
  std::unique_ptr<libuv_timer[]> timers;
  std::size_t count = 0;
  std::size_t armed = 0;
  std::size_t fired = 0;
  std::uint64_t early = 0;
  std::int64_t lateness_ns = 0;
  std::int64_t max_lateness_ns = 0;
  std::uint64_t iterations = 0;
  delay_source delays;
  uv_idle_t feeder;
  uv_check_t iteration_counter;
};
libuv_run* current_libuv_run = nullptr;

void libuv_timer_fired(uv_timer_t* handle) {
  libuv_run& run = *current_libuv_run;
  auto* t = reinterpret_cast<libuv_timer*>(handle);  // handle is the first member
  ++t->fires;
  if (uv_now(&run.loop) < t->due_ms) ++run.early;
  // Lateness on the same clock as reactord's (CLOCK_MONOTONIC), against the
  // millisecond deadline libuv works with.
  std::int64_t late = std::int64_t(uv_hrtime()) - std::int64_t(t->due_ms * 1'000'000);
  run.lateness_ns += late;
  run.max_lateness_ns = std::max(run.max_lateness_ns, late);
  ++run.fired;
}

void libuv_arm_batch(uv_idle_t* feeder) {
  libuv_run& run = *current_libuv_run;
  std::size_t end = std::min(run.count, run.armed + batch_size);
  for (; run.armed < end; ++run.armed) {
    libuv_timer& t = run.timers[run.armed];
    auto delay_ms = std::uint64_t(run.delays.next().count() / 1'000'000);
    uv_timer_init(&run.loop, &t.handle);
    t.due_ms = uv_now(&run.loop) + delay_ms;
    uv_timer_start(&t.handle, &libuv_timer_fired, delay_ms, 0);
  }
  if (run.armed == run.count) uv_idle_stop(feeder);
}

run_result run_libuv(std::size_t count) {
  run_result r;
  auto run = std::make_unique<libuv_run>();
  run->timers = std::make_unique<libuv_timer[]>(count);
  run->count = count;
  current_libuv_run = run.get();
  uv_loop_init(&run->loop);

  auto cpu_start = bench::cpu_time();
  auto wall_start = reactor::clock::now();
  uv_idle_init(&run->loop, &run->feeder);
  uv_idle_start(&run->feeder, &libuv_arm_batch);
  uv_check_init(&run->loop, &run->iteration_counter);
  uv_check_start(&run->iteration_counter, [](uv_check_t*) { ++current_libuv_run->iterations; });
  uv_unref(reinterpret_cast<uv_handle_t*>(&run->iteration_counter));  // does not keep it alive
  uv_run(&run->loop, UV_RUN_DEFAULT);  // returns when the feeder and every timer are done
  auto cpu = bench::cpu_time() - cpu_start;
  auto wall = reactor::clock::now() - wall_start;

  r.started = true;
  r.timers = count;
  for (std::size_t i = 0; i < count; ++i) {
    std::uint8_t f = run->timers[i].fires;
    r.fired_once += f == 1;
    r.fired_more += f > 1;
    r.never_fired += f == 0;
  }
  r.early = run->early;
  r.cpu_ns_per_timer = double(cpu.count()) / double(count);
  r.mean_lateness_us = double(run->lateness_ns) / 1e3 / double(count);
  r.max_lateness_us = double(run->max_lateness_ns) / 1e3;
  r.wall_ms = std::chrono::duration<double, std::milli>(wall).count();
  r.loop_iterations = run->iterations;
  return r;
}

// ---- report ----------------------------------------------------------------

bool correct(run_result const& r) {
  return r.started && r.fired_once == r.timers && r.fired_more == 0 && r.never_fired == 0 && r.early == 0;
}

void print_correctness(char const* name, run_result const& r) {
  std::printf(
      "timers.correct.%s: %s (%llu of %llu fired exactly once, %llu twice or more, "
      "%llu never, %llu before their deadline)\n",
      name, correct(r) ? "yes" : "NO", (unsigned long long)r.fired_once, (unsigned long long)r.timers,
      (unsigned long long)r.fired_more, (unsigned long long)r.never_fired, (unsigned long long)r.early);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t count = 1'000'000;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--timers") == 0 && i + 1 < argc) {
      count = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: %s [--timers N]\n", argv[0]);
      return 2;
    }
  }
  if (count == 0) {
    std::fprintf(stderr, "timers: --timers must be at least 1\n");
    return 2;
  }

  // One child per implementation, peer first.
  auto uv = bench::in_child([&] { return run_libuv(count); });
  auto mib = [](long kib) { return double(kib) / 1024.0; };
  bool all_correct = uv.ok && correct(uv.result);

  std::printf("timers.count: %zu timers, deadlines 0-100 ms, armed %zu per loop iteration\n", count, batch_size);
  for (auto backend : {reactor::backend_kind::io_uring, reactor::backend_kind::epoll}) {
    std::string name(reactor::to_string(backend));
    auto ours = bench::in_child([&] { return run_reactord(backend, count); });
    if (!ours.ok || !ours.result.started) {
      std::printf("timers.%s: not run (backend unavailable or the child failed)\n", name.c_str());
      all_correct = false;
      continue;
    }
    run_result const& r = ours.result;
    bench::print_figure("timers.cpu_ns_per_timer." + name, r.cpu_ns_per_timer, "ns", "libuv",
                        uv.result.cpu_ns_per_timer);
    bench::print_figure("timers.peak_rss." + name, mib(ours.peak_rss_kib), "MiB", "libuv", mib(uv.peak_rss_kib), 1);
    bench::print_figure("timers.mean_lateness." + name, r.mean_lateness_us, "us", "libuv", uv.result.mean_lateness_us,
                        1);
    bench::print_figure("timers.max_lateness." + name, r.max_lateness_us, "us", "libuv", uv.result.max_lateness_us, 1);
    bench::print_figure("timers.wall." + name, r.wall_ms, "ms", "libuv", uv.result.wall_ms, 0);
    bench::print_figure("timers.loop_iterations." + name, double(r.loop_iterations), "iterations", "libuv",
                        double(uv.result.loop_iterations));
    print_correctness(name.c_str(), r);
    all_correct = all_correct && correct(r);
  }
  print_correctness("libuv", uv.result);
  return all_correct ? 0 : 1;
}
