// bench/scheduler: N scheduled jobs (default 100,000) on reactord's scheduler,
// against the same number of libuv timers driving the same work (the peer a
// user would write by hand: one uv_timer_t per job re-armed at the job's next
// grid instant, plus one per-job tick timer for the countdown's work).
//
// Figures, each measured in its own forked child (bench/measure.hpp):
//  - bytes per idle job: the heap (mallinfo2) grown by N jobs that are
//    scheduled but not due, divided by N, for each kind (countdown, ping to
//    127.0.0.1, fetch to a closed port on 127.0.0.1; idle jobs never touch
//    the network). The spec's own heap strings are reported beside it and
//    subtracted for the "beyond the spec" figure (target <= 1 KiB). The
//    libuv peer keeps a uv_timer_t pair, a copy of the spec and its
//    counters per job.
//  - lateness of starts (start - scheduled instant), p50 and p99, for
//    countdown jobs (T-1, one 10 ms tick, liftoff) spread by jitter over
//    the interval, on io_uring and epoll, against libuv. libuv's timers
//    have millisecond resolution: its lateness includes up to 1 ms of
//    rounding, which is the price of that peer, not an artefact.
//
//   scheduler [--jobs N] [--interval-s S] [--seconds T]
#include <malloc.h>
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "jobs/scheduler.hpp"
#include "measure.hpp"
#include "reactor/reactor.hpp"

namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

struct options {
  std::size_t jobs = 100'000;
  nanoseconds interval = 5s;  // lateness runs: 100k jobs every 5 s = 20k runs/s
  nanoseconds length = 11s;   // two full rounds and a bit
};

// Bytes handed out by malloc: small chunks (uordblks) plus the big ones it
// mmaps by themselves (hblkhd), such as a 100,000-entry vector.
std::size_t heap_in_use() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

std::string job_name(char const* kind, std::size_t i) {
  char text[32];
  std::snprintf(text, sizeof text, "%s-%06zu", kind, i);  // <= 15 chars: no heap
  return text;
}

// A port nothing listens on, for idle fetch jobs (they never run here).
constexpr int closed_port = 9;

jobs::kind_spec kind_for(int kind) {
  if (kind == 0) return jobs::countdown_spec{1, 10ms};
  if (kind == 1) return jobs::ping_spec{"127.0.0.1", jobs::ping_options{1, 1s, 56, 1s, jobs::ip_version::v4, {}, {}}};
  jobs::fetch_spec f;
  f.url = "http://127.0.0.1:" + std::to_string(closed_port) + "/";
  return f;
}
char const* kind_label(int kind) {
  return kind == 0 ? "countdown" : kind == 1 ? "ping" : "fetch";
}

std::vector<jobs::job_spec> make_specs(int kind, std::size_t n, nanoseconds interval, nanoseconds jitter) {
  std::vector<jobs::job_spec> specs;
  specs.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    jobs::job_spec j;
    j.name = job_name(kind_label(kind), i);
    j.schedule.interval = interval;
    j.schedule.jitter = jitter;
    j.kind = kind_for(kind);
    specs.push_back(std::move(j));
  }
  return specs;
}

// --- reactord's scheduler ----------------------------------------------------

struct counting_sink : jobs::result_sink {
  std::vector<std::int64_t> lateness_ns;
  std::uint64_t events = 0, skipped = 0, failed = 0;
  void on_result(jobs::run_result const& r) override {
    lateness_ns.push_back(r.lateness.count());
    if (r.result != jobs::outcome::success) ++failed;
  }
  void on_state_change(jobs::state_change const&) override {}
  void on_event(jobs::job_spec const&, std::string const&) override { ++events; }
  void on_skipped(jobs::job_spec const&, reactor::deadline, std::size_t slots, jobs::skip_reason) override {
    skipped += slots;
  }
};

struct memory_report {
  double bytes_per_job = 0;
  double spec_heap_per_job = 0;  // the spec's own heap strings / vectors
  std::uint64_t armed = 0;
};

// Heap grown by N idle jobs of `kind` in a running scheduler. The loop and
// the scheduler exist before the first reading, so only per-job costs count.
memory_report ours_idle_memory(int kind, std::size_t n) {
  reactor::loop l;
  counting_sink sink;
  jobs::scheduler s(l, {}, sink);
  std::size_t base = heap_in_use();
  // Every spec's first slot is `origin + phase`, the phase within an hour:
  // in the 100 ms measured, about N / 36,000 of them come due.
  auto specs = make_specs(kind, n, 1h, 1h);
  std::size_t spec_heap = heap_in_use() - base - n * sizeof(jobs::job_spec);
  s.apply(std::move(specs));
  std::size_t grown = 0;
  l.run(reactor::open_scope([&](reactor::scope& sc) -> reactor::task<void> {
    sc.spawn(s.run());
    co_await reactor::sleep_for(100ms);
    grown = heap_in_use() - base;
    co_await s.drain(reactor::clock::now() + 2s);
  }));
  return {double(grown) / double(n), double(spec_heap) / double(n), n};
}

struct lateness_report {
  double p50_us = 0, p99_us = 0, max_us = 0;
  std::uint64_t runs = 0, skipped = 0, failed = 0;
  double cpu_s = 0;
};

lateness_report percentiles(std::vector<std::int64_t>& ns) {
  lateness_report r;
  if (ns.empty()) return r;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) { return double(ns[std::size_t(q * double(ns.size() - 1))]) / 1e3; };
  r.p50_us = at(0.50);
  r.p99_us = at(0.99);
  r.max_us = double(ns.back()) / 1e3;
  r.runs = ns.size();
  return r;
}

lateness_report ours_lateness(reactor::backend_kind k, options const& o) {
  reactor::loop l(reactor::loop_options{k});
  counting_sink sink;
  sink.lateness_ns.reserve(o.jobs * std::size_t(o.length / o.interval + 2));
  jobs::scheduler s(l, jobs::scheduler_options{4096}, sink);
  s.apply(make_specs(0, o.jobs, o.interval, o.interval));
  auto cpu0 = bench::cpu_time();
  l.run(reactor::open_scope([&](reactor::scope& sc) -> reactor::task<void> {
    sc.spawn(s.run());
    co_await reactor::sleep_for(o.length);
    co_await s.drain(reactor::clock::now() + 5s);
  }));
  auto r = percentiles(sink.lateness_ns);
  r.cpu_s = std::chrono::duration<double>(bench::cpu_time() - cpu0).count();
  r.skipped = sink.skipped;
  r.failed = sink.failed;
  return r;
}

// --- the libuv peer ------------------------------------------------------------

struct uv_job {
  uv_timer_t slot;  // fires at each grid instant
  uv_timer_t tick;  // the countdown's one tick
  jobs::job_spec spec;
  std::chrono::steady_clock::time_point next_due;
  std::uint64_t runs = 0, skipped = 0;
  bool running = false;
};

struct uv_bench {
  uv_loop_t loop;
  std::vector<std::unique_ptr<uv_job>> jobs;
  std::vector<std::int64_t> lateness_ns;
  std::uint64_t events = 0, skipped = 0;
  std::chrono::steady_clock::time_point stop_at;
  bool draining = false;
};
uv_bench* current = nullptr;

// A libuv timeout (whole ms from the loop's cached uv_now) that fires no
// earlier than `t`: refresh uv_now first (it is cached per iteration and
// can be far behind after a long batch of callbacks), round up, and add 1 ms
// for uv_now being the floor of the real time.
std::uint64_t ms_until(uv_loop_t* loop, std::chrono::steady_clock::time_point t) {
  uv_update_time(loop);
  auto d = t - std::chrono::steady_clock::now();
  if (d <= nanoseconds::zero()) return 0;
  return std::uint64_t(std::chrono::ceil<std::chrono::milliseconds>(d).count()) + 1;
}

void uv_emit(std::string const& message) {
  current->events += message.empty() ? 0 : 1;
}

void uv_tick_fired(uv_timer_t* t) {
  auto* j = static_cast<uv_job*>(t->data);
  uv_emit("liftoff");
  j->running = false;
  ++j->runs;
}

void uv_slot_fired(uv_timer_t* t) {
  auto* j = static_cast<uv_job*>(t->data);
  auto now = std::chrono::steady_clock::now();
  auto slot = j->next_due;
  if (current->draining) return;
  if (now < slot) {  // early after all: wait for the rest
    uv_timer_start(&j->slot, uv_slot_fired, ms_until(&current->loop, slot), 0);
    return;
  }
  // Re-arm at the next grid instant (aligned, like the scheduler).
  auto iv = j->spec.schedule.interval;
  while (j->next_due <= now) j->next_due += iv;
  uv_timer_start(&j->slot, uv_slot_fired, ms_until(&current->loop, j->next_due), 0);
  if (j->running) {
    ++j->skipped;
    ++current->skipped;
    return;
  }
  current->lateness_ns.push_back((now - slot).count());
  j->running = true;
  uv_emit("T-1");
  auto const& c = std::get<jobs::countdown_spec>(j->spec.kind);
  uv_timer_start(&j->tick, uv_tick_fired, std::uint64_t(std::chrono::ceil<std::chrono::milliseconds>(c.tick).count()),
                 0);
}

std::size_t uv_schedule(uv_bench& b, std::vector<jobs::job_spec> specs) {
  auto origin = std::chrono::steady_clock::now();
  std::size_t n = specs.size();
  for (auto& spec : specs) {
    auto j = std::make_unique<uv_job>();
    uv_timer_init(&b.loop, &j->slot);
    uv_timer_init(&b.loop, &j->tick);
    j->slot.data = j->tick.data = j.get();
    // The same stable phase as the scheduler's (FNV-1a of the name).
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char ch : spec.name) h = (h ^ ch) * 0x100000001b3ull;
    auto jitter = spec.schedule.jitter.count();
    j->next_due = origin + nanoseconds(jitter > 0 ? std::int64_t(h % std::uint64_t(jitter)) : 0);
    j->spec = std::move(spec);
    uv_timer_start(&j->slot, uv_slot_fired, ms_until(&b.loop, j->next_due), 0);
    b.jobs.push_back(std::move(j));
  }
  return n;
}

void uv_close_all(uv_bench& b) {
  for (auto& j : b.jobs) {
    uv_close(reinterpret_cast<uv_handle_t*>(&j->slot), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&j->tick), nullptr);
  }
  uv_run(&b.loop, UV_RUN_DEFAULT);
  uv_loop_close(&b.loop);
}

memory_report uv_idle_memory(int kind, std::size_t n) {
  uv_bench b;
  current = &b;
  uv_loop_init(&b.loop);
  std::size_t base = heap_in_use();
  auto specs = make_specs(kind, n, 1h, 1h);
  std::size_t spec_heap = heap_in_use() - base - n * sizeof(jobs::job_spec);
  b.jobs.reserve(n);
  uv_schedule(b, std::move(specs));
  auto until = std::chrono::steady_clock::now() + 100ms;
  b.draining = true;  // idle: a job that comes due is not run
  while (std::chrono::steady_clock::now() < until) uv_run(&b.loop, UV_RUN_NOWAIT);
  std::size_t grown = heap_in_use() - base;
  uv_close_all(b);
  return {double(grown) / double(n), double(spec_heap) / double(n), n};
}

lateness_report uv_lateness(options const& o) {
  uv_bench b;
  current = &b;
  uv_loop_init(&b.loop);
  b.lateness_ns.reserve(o.jobs * std::size_t(o.length / o.interval + 2));
  b.jobs.reserve(o.jobs);
  uv_schedule(b, make_specs(0, o.jobs, o.interval, o.interval));
  uv_timer_t stop;
  uv_timer_init(&b.loop, &stop);
  auto cpu0 = bench::cpu_time();
  uv_timer_start(
      &stop, [](uv_timer_t*) { current->draining = true; },
      std::uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(o.length).count()), 0);
  while (!b.draining) uv_run(&b.loop, UV_RUN_ONCE);
  // Let the runs in flight end (one tick at most), as drain() does.
  auto grace = std::chrono::steady_clock::now() + 100ms;
  while (std::chrono::steady_clock::now() < grace) uv_run(&b.loop, UV_RUN_NOWAIT);
  auto r = percentiles(b.lateness_ns);
  r.cpu_s = std::chrono::duration<double>(bench::cpu_time() - cpu0).count();
  r.skipped = b.skipped;
  uv_close(reinterpret_cast<uv_handle_t*>(&stop), nullptr);
  uv_close_all(b);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--jobs")
      o.jobs = std::strtoull(argv[i + 1], nullptr, 10);
    else if (flag == "--interval-s")
      o.interval = nanoseconds(std::llround(std::atof(argv[i + 1]) * 1e9));
    else if (flag == "--seconds")
      o.length = nanoseconds(std::llround(std::atof(argv[i + 1]) * 1e9));
    else {
      std::fprintf(stderr, "usage: scheduler [--jobs N] [--interval-s S] [--seconds T]\n");
      return 2;
    }
  }
  std::printf("# %zu jobs per kind; lateness: countdown jobs every %.1f s, jitter = interval, %.1f s\n", o.jobs,
              std::chrono::duration<double>(o.interval).count(), std::chrono::duration<double>(o.length).count());
  std::printf("# sizeof(job_spec) = %zu bytes (part of every job's cost below)\n", sizeof(jobs::job_spec));
  int status = 0;

  for (int kind = 0; kind < 3; ++kind) {
    auto ours = bench::in_child([&] { return ours_idle_memory(kind, o.jobs); });
    auto peer = bench::in_child([&] { return uv_idle_memory(kind, o.jobs); });
    if (!ours.ok || !peer.ok) {
      std::printf("%s: a child failed\n", kind_label(kind));
      status = 1;
      continue;
    }
    std::string label = std::string("idle_bytes_per_job_") + kind_label(kind);
    bench::print_figure(label, ours.result.bytes_per_job, "B", "libuv", peer.result.bytes_per_job);
    bench::print_figure(label + "_beyond_spec_strings", ours.result.bytes_per_job - ours.result.spec_heap_per_job, "B",
                        "libuv", peer.result.bytes_per_job - peer.result.spec_heap_per_job);
    bench::print_figure(label + "_spec_strings", ours.result.spec_heap_per_job, "B");
    bench::print_figure(std::string("peak_rss_idle_") + kind_label(kind), double(ours.peak_rss_kib) / 1024, "MiB",
                        "libuv", double(peer.peak_rss_kib) / 1024, 1);
  }

  auto peer = bench::in_child([&] { return uv_lateness(o); });
  if (!peer.ok) {
    std::printf("libuv lateness child failed\n");
    return 1;
  }
  std::printf("# libuv: %llu runs, %llu skipped, %.2f s CPU\n", static_cast<unsigned long long>(peer.result.runs),
              static_cast<unsigned long long>(peer.result.skipped), peer.result.cpu_s);
  for (auto k : reactor::available_backends()) {
    auto ours = bench::in_child([&] { return ours_lateness(k, o); });
    if (!ours.ok) {
      std::printf("%s lateness child failed\n", std::string(reactor::to_string(k)).c_str());
      status = 1;
      continue;
    }
    std::string b(reactor::to_string(k));
    std::printf("# %s: %llu runs, %llu skipped, %llu not successful, %.2f s CPU\n", b.c_str(),
                static_cast<unsigned long long>(ours.result.runs), static_cast<unsigned long long>(ours.result.skipped),
                static_cast<unsigned long long>(ours.result.failed), ours.result.cpu_s);
    bench::print_figure("lateness_p50_countdown_" + b, ours.result.p50_us, "us", "libuv", peer.result.p50_us, 1);
    bench::print_figure("lateness_p99_countdown_" + b, ours.result.p99_us, "us", "libuv", peer.result.p99_us, 1);
    bench::print_figure("lateness_max_countdown_" + b, ours.result.max_us, "us", "libuv", peer.result.max_us, 1);
    bench::print_figure("cpu_per_run_countdown_" + b,
                        ours.result.runs ? ours.result.cpu_s * 1e6 / double(ours.result.runs) : 0, "us", "libuv",
                        peer.result.runs ? peer.result.cpu_s * 1e6 / double(peer.result.runs) : 0, 2);
  }
  return status;
}
