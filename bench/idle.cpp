// bench/idle: a loop that is mostly idle must sleep. 10,000 periodic sleepers
// (default), each due every 60 s at its own random phase, watched for 10 s
// (PEERS.md, "Idle"). The loop may wake only when something is due, so its
// wake-ups are compared with the number of distinct due instants in the
// window (phases are whole milliseconds, as libuv's timers are, so both
// implementations see the same instants and some sleepers share one).
//
//  - reactord: one coroutine per sleeper, `co_await sleep_until(next)` with
//    next += period, spawned in a scope; wake-ups are the loop's
//    stats().blocking_waits.
//  - libuv (the peer): one repeating uv_timer_t per sleeper; wake-ups are
//    loop iterations whose poll has a non-zero timeout (counted by a
//    uv_prepare_t reading uv_backend_timeout, the timeout uv_run passes on).
//
// Every implementation runs in its own child process (its own peak RSS). The
// window starts at a common instant `base` (200 ms after start-up, once every
// sleeper is armed) and ends at base + duration; a timer of the benchmark's
// own marks the end, so that instant counts as due too. CPU % is user + sys
// over the window, of one core.
//
//   idle [--seconds S] [--sleepers N] [--period-ms P]
#include <uv.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "measure.hpp"
#include "reactor/reactor.hpp"

namespace {

using namespace std::chrono_literals;
using reactor::task;

struct shape {
  std::uint64_t sleepers = 10'000;
  std::uint64_t period_ms = 60'000;
  std::uint64_t window_ms = 10'000;
};
constexpr std::uint64_t settle_ms = 200;  // from start-up to the window's start

// Phase of each sleeper in whole ms, in [1, period]: none is due exactly at
// the window's start, where the snapshot is taken.
std::vector<std::uint64_t> make_phases(shape const& s) {
  std::vector<std::uint64_t> phases(s.sleepers);
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  for (auto& p : phases) {
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    p = 1 + (x * 0x2545f4914f6cdd1dull) % s.period_ms;
  }
  return phases;
}

// What the window should hold: distinct due instants in (base, base+window]
// (the end included, where the benchmark's own timer is), and how many sleeper
// fires. Fires at exactly the end may land either side of the final snapshot.
struct expectation {
  std::uint64_t due_instants = 0;
  std::uint64_t fires_before_end = 0;
  std::uint64_t fires_at_end = 0;
};

expectation expect(shape const& s, std::vector<std::uint64_t> const& phases) {
  std::vector<bool> due(s.window_ms + 1, false);
  expectation e;
  for (std::uint64_t p : phases) {
    for (std::uint64_t t = p; t <= s.window_ms; t += s.period_ms) {
      due[t] = true;
      (t == s.window_ms ? e.fires_at_end : e.fires_before_end) += 1;
    }
  }
  due[s.window_ms] = true;
  for (bool d : due) e.due_instants += d;
  return e;
}

// What one child reports.
struct window_result {
  bool started = false;
  std::uint64_t wakeups = 0;
  std::uint64_t fires = 0;
  double cpu_percent = 0;
  double wall_s = 0;
};

// ---- reactord --------------------------------------------------------------

task<void> sleeper(reactor::deadline first, std::chrono::milliseconds period, std::uint64_t& fires) {
  for (reactor::deadline next = first;; next += period) {
    co_await reactor::sleep_until(next);
    ++fires;
  }
}

window_result run_reactord(reactor::backend_kind backend, shape const& s, std::vector<std::uint64_t> const& phases) {
  window_result r;
  std::unique_ptr<reactor::loop> l;
  try {
    l = std::make_unique<reactor::loop>(reactor::loop_options{backend});
  } catch (std::system_error const& e) {
    std::fprintf(stderr, "idle: %s unavailable: %s\n", std::string(reactor::to_string(backend)).c_str(), e.what());
    return r;
  }
  std::uint64_t fires = 0;
  reactor::deadline base = reactor::clock::now() + std::chrono::milliseconds(settle_ms);
  reactor::deadline end = base + std::chrono::milliseconds(s.window_ms);
  l->run(reactor::open_scope([&](reactor::scope& sc) -> task<void> {
    for (std::uint64_t p : phases)
      sc.spawn(sleeper(base + std::chrono::milliseconds(p), std::chrono::milliseconds(s.period_ms), fires));
    co_await reactor::sleep_until(base);
    std::uint64_t waits_at_start = l->stats().blocking_waits;
    std::uint64_t fires_at_start = fires;
    auto cpu_at_start = bench::cpu_time();
    auto wall_at_start = reactor::clock::now();

    co_await reactor::sleep_until(end);
    auto cpu = bench::cpu_time() - cpu_at_start;
    auto wall = reactor::clock::now() - wall_at_start;
    r.wakeups = l->stats().blocking_waits - waits_at_start;
    r.fires = fires - fires_at_start;
    r.wall_s = std::chrono::duration<double>(wall).count();
    r.cpu_percent = 100.0 * std::chrono::duration<double>(cpu).count() / r.wall_s;
    sc.cancel();
  }));
  r.started = true;
  return r;
}

// ---- libuv -----------------------------------------------------------------

struct libuv_run {
  uv_loop_t loop;
  std::vector<uv_timer_t> sleepers;
  uv_timer_t window_start;
  uv_timer_t window_end;
  uv_prepare_t wait_counter;
  std::uint64_t blocking_polls = 0;
  std::uint64_t fires = 0;
  std::uint64_t polls_at_start = 0;
  std::uint64_t fires_at_start = 0;
  std::chrono::nanoseconds cpu_at_start{0};
  reactor::deadline wall_at_start;
  window_result result;
};

libuv_run& run_of(void* handle) {
  return *static_cast<libuv_run*>(static_cast<uv_handle_t*>(handle)->data);
}

window_result run_libuv(shape const& s, std::vector<std::uint64_t> const& phases) {
  auto run = std::make_unique<libuv_run>();
  uv_loop_t* loop = &run->loop;
  uv_loop_init(loop);
  run->sleepers.resize(s.sleepers);
  // Every timeout below is relative to one reading of libuv's clock, so all
  // timers share the base instant.
  uv_update_time(loop);
  for (std::size_t i = 0; i < run->sleepers.size(); ++i) {
    uv_timer_t& t = run->sleepers[i];
    uv_timer_init(loop, &t);
    t.data = run.get();
    uv_timer_start(
        &t, [](uv_timer_t* h) { ++run_of(h).fires; }, settle_ms + phases[i], s.period_ms);
  }
  uv_prepare_init(loop, &run->wait_counter);
  run->wait_counter.data = run.get();
  uv_prepare_start(&run->wait_counter, [](uv_prepare_t* h) {
    if (uv_backend_timeout(h->loop) != 0) ++run_of(h).blocking_polls;
  });
  uv_timer_init(loop, &run->window_start);
  run->window_start.data = run.get();
  uv_timer_start(
      &run->window_start,
      [](uv_timer_t* h) {
        libuv_run& r = run_of(h);
        r.polls_at_start = r.blocking_polls;
        r.fires_at_start = r.fires;
        r.cpu_at_start = bench::cpu_time();
        r.wall_at_start = reactor::clock::now();
      },
      settle_ms, 0);
  uv_timer_init(loop, &run->window_end);
  run->window_end.data = run.get();
  uv_timer_start(
      &run->window_end,
      [](uv_timer_t* h) {
        libuv_run& r = run_of(h);
        auto cpu = bench::cpu_time() - r.cpu_at_start;
        auto wall = reactor::clock::now() - r.wall_at_start;
        r.result.wakeups = r.blocking_polls - r.polls_at_start;
        r.result.fires = r.fires - r.fires_at_start;
        r.result.wall_s = std::chrono::duration<double>(wall).count();
        r.result.cpu_percent = 100.0 * std::chrono::duration<double>(cpu).count() / r.result.wall_s;
        uv_stop(h->loop);
      },
      settle_ms + s.window_ms, 0);
  uv_run(loop, UV_RUN_DEFAULT);
  run->result.started = true;
  return run->result;
}

// ---- report ----------------------------------------------------------------

bool fires_as_expected(window_result const& r, expectation const& e) {
  return r.fires >= e.fires_before_end && r.fires <= e.fires_before_end + e.fires_at_end;
}

}  // namespace

int main(int argc, char** argv) {
  shape s;
  for (int i = 1; i < argc; ++i) {
    auto number = [&] { return std::strtoull(argv[++i], nullptr, 10); };
    if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      s.window_ms = number() * 1000;
    } else if (std::strcmp(argv[i], "--sleepers") == 0 && i + 1 < argc) {
      s.sleepers = number();
    } else if (std::strcmp(argv[i], "--period-ms") == 0 && i + 1 < argc) {
      s.period_ms = number();
    } else {
      std::fprintf(stderr, "usage: %s [--seconds S] [--sleepers N] [--period-ms P]\n", argv[0]);
      return 2;
    }
  }
  if (s.window_ms == 0 || s.sleepers == 0 || s.period_ms == 0) {
    std::fprintf(stderr, "idle: --seconds, --sleepers and --period-ms must be at least 1\n");
    return 2;
  }

  auto phases = make_phases(s);
  expectation e = expect(s, phases);
  double seconds = double(s.window_ms) / 1000.0;
  auto mib = [](long kib) { return double(kib) / 1024.0; };

  std::printf("idle.shape: %llu sleepers, period %llu ms, window %.0f s\n", (unsigned long long)s.sleepers,
              (unsigned long long)s.period_ms, seconds);
  bench::print_figure("idle.due_instants_per_s", double(e.due_instants) / seconds, "/s", 1);

  auto uv = bench::in_child([&] { return run_libuv(s, phases); });
  bool all_right = uv.ok && fires_as_expected(uv.result, e);
  for (auto backend : {reactor::backend_kind::io_uring, reactor::backend_kind::epoll}) {
    std::string name(reactor::to_string(backend));
    auto ours = bench::in_child([&] { return run_reactord(backend, s, phases); });
    if (!ours.ok || !ours.result.started) {
      std::printf("idle.%s: not run (backend unavailable or the child failed)\n", name.c_str());
      all_right = false;
      continue;
    }
    window_result const& r = ours.result;
    bench::print_figure("idle.wakeups_per_s." + name, double(r.wakeups) / seconds, "/s", "libuv",
                        double(uv.result.wakeups) / seconds, 1);
    // Beyond the due instants: the target is none (negative: late wake-ups
    // that caught several instants at once).
    std::printf("idle.extra_wakeups.%s: %lld beyond %llu due instants (libuv: %lld)\n", name.c_str(),
                (long long)r.wakeups - (long long)e.due_instants, (unsigned long long)e.due_instants,
                (long long)uv.result.wakeups - (long long)e.due_instants);
    bench::print_figure("idle.cpu_percent." + name, r.cpu_percent, "%", "libuv", uv.result.cpu_percent, 3);
    bench::print_figure("idle.peak_rss." + name, mib(ours.peak_rss_kib), "MiB", "libuv", mib(uv.peak_rss_kib), 1);
    std::printf("idle.fires.%s: %llu (expected %llu to %llu; libuv: %llu)\n", name.c_str(), (unsigned long long)r.fires,
                (unsigned long long)e.fires_before_end, (unsigned long long)(e.fires_before_end + e.fires_at_end),
                (unsigned long long)uv.result.fires);
    all_right = all_right && fires_as_expected(r, e);
  }
  if (!all_right) std::printf("idle.correct: NO (a sleeper fired too often or too rarely)\n");
  return all_right ? 0 : 1;
}
