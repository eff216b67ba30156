#include "service.hpp"

#include <csignal>
#include <filesystem>

#include "jobs/scheduler.hpp"
#include "metrics.hpp"
#include "reactor/address.hpp"
#include "reactor/error.hpp"
#include "reactor/loop.hpp"
#include "reactor/scope.hpp"
#include "reactor/sleep.hpp"
#include "reactor/socket.hpp"
#include "reactor/to_thread.hpp"
#include "reload_verdict.hpp"
#include "result_log.hpp"
#include "status_endpoint.hpp"

namespace reactord {

namespace {

// What the running daemon holds, for the pages and the reload.
struct running_state {
  reactor::loop& loop;
  event_log& log;
  job_source const& source;
  config::daemon_settings settings;
  jobs::scheduler& scheduler;
  service_notifier notifier;
  status_counters requests;
  std::optional<std::filesystem::path> verdict_dir;  // where `reactord --reload` reads verdicts
  std::uint64_t reloads = 0, reloads_ok = 0, reloads_failed = 0;
  reactor::deadline started = reactor::clock::now();

  process_figures figures() const {
    process_figures p;
    p.backend = std::string(loop.backend_name());
    p.uptime_seconds = std::chrono::duration<double>(reactor::clock::now() - started).count();
    p.log_dropped = log.dropped();
    p.log_write_errors = log.write_errors();
    p.reloads_ok = reloads_ok;
    p.reloads_failed = reloads_failed;
    p.loop = loop.stats();
    p.requests = requests;
    return p;
  }

  // "42 jobs: 40 up, 1 degraded, 1 down" for STATUS= and the log.
  std::string summary() const {
    // Every 10 s: counts only, no copy of 50,000 jobs' last results.
    auto n = scheduler.state_counts();
    std::string s = std::to_string(scheduler.job_count()) + " jobs: " + std::to_string(n[1]) + " up, " +
                    std::to_string(n[2]) + " degraded, " + std::to_string(n[3]) + " down";
    if (n[0]) s += ", " + std::to_string(n[0]) + " not run yet";
    return s;
  }

  // The reload that a SIGHUP asks for. The file is read and validated on a
  // thread of its own (a 5 MB file takes seconds; the loop must go on
  // running jobs and feeding the watchdog meanwhile) and applied on the
  // loop. Any failure -- a validation error, or anything else the loader
  // throws (std::bad_alloc, a thread that cannot start ...) -- keeps the
  // running jobs. The verdict goes to the log, to systemd (RELOADING=1,
  // READY=1), and to the verdict file that `reactord --reload` waits for.
  reactor::task<void> reload() {
    auto began = monotonic_usec();  // after the signal was taken: see reload_verdict.hpp
    log.info("reload requested", {{"job_file", source.name()}});
    notifier.reloading(began);
    reload_verdict verdict{++reloads, began, false, {}};
    auto kept = [this] {
      return "; the " + std::to_string(scheduler.job_count()) + " running jobs are kept unchanged";
    };
    bool applying = false;
    try {
      auto load = [src = source] { return src.load(); };  // named first: see to_thread.hpp
      config::job_file f = co_await reactor::to_thread(std::move(load));
      if (!(f.settings == settings))
        log.warn("daemon settings changed in the job file; they apply at the next restart");
      auto jobs = f.jobs.size();
      applying = true;
      auto s = scheduler.apply(std::move(f.jobs));
      ++reloads_ok;
      verdict.applied = true;
      verdict.reason = std::to_string(s.added) + " added, " + std::to_string(s.changed) + " changed, " +
                       std::to_string(s.removed) + " removed, " + std::to_string(s.unchanged) + " unchanged";
      log.info("reload: " + verdict.reason, {{"added", s.added},
                                             {"changed", s.changed},
                                             {"removed", s.removed},
                                             {"unchanged", s.unchanged},
                                             {"jobs", jobs}});
    } catch (config::config_error const& e) {
      ++reloads_failed;
      auto const& all = e.diagnostics();
      for (auto const& d : all)
        log.error("reload rejected", {{"file", std::string_view(d.file)},
                                      {"line", d.line},
                                      {"column", d.column},
                                      {"error", std::string_view(d.message)}});
      verdict.reason = std::to_string(all.size()) + (all.size() == 1 ? " error" : " errors");
      if (!all.empty()) verdict.reason += " (first: " + all.front().to_string() + ")";
      verdict.reason += kept();
      log.error("reload failed: " + verdict.reason, {{"errors", all.size()}});
    } catch (reactor::cancelled_error const&) {
      throw;  // the service is stopping
    } catch (std::exception const& e) {
      ++reloads_failed;
      verdict.reason = std::string(applying ? "applying the new jobs failed: " : "reading the job file failed: ") +
                       e.what() + (applying ? "; the jobs may be partly updated" : kept());
      log.error("reload failed: " + verdict.reason, {{"error", e.what()}});
    }
    // READY=1 first: when `reactord --reload` (ExecReload) sees the verdict
    // and exits, systemd has already heard that the reload is over.
    notifier.ready(summary());
    if (std::error_code failed = verdict_dir ? write_reload_verdict(*verdict_dir, verdict) : std::error_code())
      log.warn("cannot write the reload verdict; `reactord --reload` will time out",
               {{"file", (*verdict_dir / reload_verdict_file).string()}, {"error", failed.message()}});
    // What the parse and the copy of the file needed is free now, spread
    // through the heap (12 MB at 50,000 jobs): give its pages back, off the
    // loop, after the verdict.
    auto trim = [] {
      return_freed_memory();
      return true;
    };  // named first: see to_thread.hpp
    co_await reactor::to_thread(std::move(trim));
  }
};

// Reports log drops and keeps STATUS= current, without a word when nothing
// changed.
reactor::task<void> housekeeping(running_state& st) {
  std::uint64_t reported_drops = 0;
  std::uint64_t pages_served = 0;
  std::string last_status;
  for (;;) {
    co_await reactor::sleep_for(std::chrono::seconds(10));
    // A /metrics page of 50,000 jobs needs a snapshot of every job (and a
    // 13 MB compressed page): freed after, but glibc keeps the pages
    // (measured: 116 -> 182 MB resident after one scrape). Give them
    // back, off the loop.
    if (st.requests.ok != pages_served) {
      pages_served = st.requests.ok;
      auto trim = [] {
        return_freed_memory();
        return true;
      };  // named first: see to_thread.hpp
      co_await reactor::to_thread(std::move(trim));
    }
    if (auto d = st.log.dropped(); d != reported_drops) {
      st.log.warn("log queue overflowed; records were dropped",
                  {{"dropped", d - reported_drops}, {"dropped_total", d}});
      reported_drops = d;
    }
    if (auto s = st.summary(); s != last_status) {
      st.notifier.status(s);
      last_status = std::move(s);
    }
  }
}

// Reloads on SIGHUP, reopens the log file on SIGUSR1; on SIGTERM or SIGINT
// drains the scheduler and returns.
reactor::task<void> handle_signals(running_state& st, reactor::signal_source& signals) {
  int signo = 0;
  for (;;) {
    auto next = co_await signals.next();
    if (!next) {
      st.log.error("reading signals failed; stopping", {{"error", next.error().message()}});
      break;
    }
    signo = *next;
    if (signo == SIGUSR1) {  // logrotate has moved the file: write to a new one
      st.log.reopen();
      continue;
    }
    if (signo != SIGHUP) break;
    co_await st.reload();
  }
  auto grace = st.settings.shutdown_grace;
  st.log.info("stopping", {{"signal", signo ? reactor::signal_name(signo) : "none"},
                           {"grace_ms", std::chrono::duration<double, std::milli>(grace).count()}});
  st.notifier.stopping("stopping: letting runs in flight finish");
  co_await st.scheduler.drain(reactor::clock::now() + std::chrono::duration_cast<reactor::clock::duration>(grace));
}

}  // namespace

std::optional<reactor::socket> open_status_listener(config::listen_address const& a, event_log& log) {
  if (!a.enabled) {
    log.info("status endpoint off");
    return std::nullopt;
  }
  auto addr = reactor::socket_address::parse(a.ip, a.port);
  if (!addr) {
    log.error("status endpoint: not an address; not starting", {{"address", std::string_view(a.ip)}});
    throw startup_error("status endpoint: not an address");
  }
  try {
    auto s = reactor::socket::listen_tcp(*addr);
    log.info("status endpoint listening", {{"address", s.local_address().to_string()}});
    return s;
  } catch (std::system_error const& e) {
    log.error(
        "status endpoint cannot listen; not starting (free the port, or set daemon.status_listen to "
        "another address or to off)",
        {{"address", addr->to_string()}, {"error", e.what()}});
    throw startup_error("status endpoint cannot listen");
  }
}

reactor::task<int> run_service(job_source const& source, config::job_file first, event_log& log,
                               reactor::signal_source& signals, std::optional<std::filesystem::path> verdict_dir) {
  reactor::loop& l = (co_await reactor::this_node()).owner();
  // Log lines reach the writer thread once per loop pass, not one by one.
  log.attach(l);
  struct detach_on_exit {
    event_log& log;
    ~detach_on_exit() { log.detach(); }
  } detach{log};
  result_log sink(log);
  jobs::scheduler scheduler(l, jobs::scheduler_options{first.settings.max_concurrency}, sink);
  running_state st{l, log, source, first.settings, scheduler, {}, {}, std::move(verdict_dir)};
  // Before any job runs: a listener that fails stops start-up.
  auto listener = open_status_listener(st.settings.status_listen, log);
  scheduler.apply(std::move(first.jobs));
  status_pages pages{[&st] { return render_healthz(st.scheduler.status(), st.figures()); },
                     [&st] {  // a snapshot now, rendered off the loop
                       return [jobs = st.scheduler.status(), figures = st.figures()] {
                         return render_metrics(jobs, figures);
                       };
                     }};

  co_await reactor::open_scope([&](reactor::scope& s) -> reactor::task<void> {
    if (listener) s.spawn(serve_status(*listener, pages, st.requests));
    if (auto period = service_notifier::watchdog_period()) {
      log.info("systemd watchdog on", {{"ping_every_ms", std::chrono::duration<double, std::milli>(*period).count()}});
      s.spawn(watchdog_loop(st.notifier, *period));
    }
    s.spawn(housekeeping(st));
    s.spawn(handle_signals(st, signals));
    st.notifier.shutdown_grace(st.settings.shutdown_grace);
    st.notifier.ready(st.summary());
    log.info("ready", {{"jobs", scheduler.job_count()}});
    // Returns once handle_signals has drained it. The scheduler runs in the
    // body rather than as a child so that it has ended, not merely been
    // told to end, before the other children (the status endpoint among
    // them, which reads its state) are cancelled.
    co_await scheduler.run();
    s.cancel();  // the endpoint, the watchdog, housekeeping
  });
  if (listener) co_await listener->close();
  log.info("stopped");
  co_return 0;
}

}  // namespace reactord
