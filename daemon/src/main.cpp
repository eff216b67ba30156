// reactord's entry point: read the command line and the job file, then run
// one of the modes (--check, --print-schedule, --once, or the service).
// Start-up errors are thrown by the layers below and caught here, once,
// with a clear message. Exit statuses: command_line.hpp (0 ok, 1 failure,
// 2 usage or job-file error).
#include <cstdio>
#include <ctime>
#include <iostream>

#include "command_line.hpp"
#include "config/job_file.hpp"
#include "job_source.hpp"
#include "jobs/checked.hpp"
#include "jobs/scheduler.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "once.hpp"
#include "process_setup.hpp"
#include "reactor/loop.hpp"
#include "reactor/signal.hpp"
#include "reload_verdict.hpp"
#include "result_log.hpp"
#include "service.hpp"
#include "system_paths.hpp"
#if defined(_WIN32)
#include "windows_service.hpp"
#endif

#ifndef REACTORD_VERSION
#define REACTORD_VERSION "unknown"
#endif

namespace {

using namespace reactord;

// Every error, then the count, on stderr. Under systemd (stderr is the
// journal) each line carries the error priority, so that
// `journalctl -u reactord -p warning` says why the service did not start.
void print_errors(config::config_error const& e, bool starting) {
  char const* prefix = stdout_is_journal() ? "<3>" : "";
  for (auto const& d : e.diagnostics()) std::cerr << prefix << d.to_string() << "\n";
  std::cerr << prefix << e.diagnostics().size() << (e.diagnostics().size() == 1 ? " error" : " errors");
  if (starting) std::cerr << "; not starting (exit status 2: a job file error, not retried)";
  std::cerr << "\n";
}

// --print-schedule runs no job, so nothing reaches this sink.
class no_results final : public jobs::result_sink {
 public:
  void on_result(jobs::run_result const&) override {}
  void on_state_change(jobs::state_change const&) override {}
  void on_event(jobs::job_spec const&, std::string const&) override {}
  void on_skipped(jobs::job_spec const&, reactor::deadline, std::size_t, jobs::skip_reason) override {}
};

// --print-schedule N: wall-clock instants (UTC), from the scheduler's own
// plan, on stdout; a header line names the job file.
reactor::task<void> print_schedule(std::string const& file, std::vector<jobs::job_spec> specs, std::size_t n) {
  reactor::loop& l = (co_await reactor::this_node()).owner();
  no_results sink;
  jobs::scheduler s(l, {}, sink);
  s.apply(std::move(specs));
  std::cout << "# the next " << n << " runs of each job in " << file << " (" << s.job_count() << " jobs), UTC\n";
  auto steady_now = reactor::clock::now();
  auto wall_now = std::chrono::system_clock::now();
  for (auto const& [name, instants] : s.next_runs(n)) {
    std::cout << name << ":";
    for (auto when : instants) {
      // Instants past what the wall clock can represent (the year 2262) end the line.
      auto maybe_wall = jobs::checked_add(
          wall_now, std::chrono::duration_cast<std::chrono::system_clock::duration>(when - steady_now));
      if (!maybe_wall) break;
      // To the nearest millisecond: the scheduler's steady-to-wall offset
      // and this one are sampled apart, so a grid instant can come out a few
      // microseconds early, and truncated it read 05:22:59.999, not 05:23:00.000.
      auto wall = std::chrono::round<std::chrono::milliseconds>(*maybe_wall);
      auto t = std::chrono::system_clock::to_time_t(wall);
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch()).count() % 1000;
      std::tm tm{};
#if defined(_WIN32)
      gmtime_s(&tm, &t);
#else
      gmtime_r(&t, &tm);
#endif
      char buf[96];
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
      std::cout << " " << buf;
    }
    std::cout << "\n";
  }
  std::cout.flush();
  co_return;
}

int run(command_line const& cli) {
  if (cli.reload_pid) return request_reload(*cli.reload_pid, cli.runtime_dir, std::chrono::seconds(60));
  job_source source = job_source::choose(cli.config);
  config::job_file file;
  try {
    file = cli.check ? source.read_in_place() : source.load();
  } catch (config::config_error const& e) {
    print_errors(e, !cli.check && !cli.print_schedule && !cli.once);
    return exit_usage;
  }
  if (cli.print_schedule) {
    reactor::loop loop(reactor::loop_options{cli.backend});
    loop.run(print_schedule(source.name(), std::move(file.jobs), *cli.print_schedule));
    return 0;
  }
  if (cli.check) {
    std::cout << source.name() << ": ok, " << file.jobs.size() << " jobs";
    if (!file.drop_ins.empty()) std::cout << " (with " << file.drop_ins.size() << " drop-ins)";
    std::cout << "\n";
    return 0;
  }

  // Before any thread starts (the log's writer thread), so that every
  // thread inherits the blocked mask and signals reach only the signalfd.
  reactor::signal_source signals{SIGTERM, SIGINT, SIGHUP, SIGUSR1};
  event_log log(log_options{cli.format, cli.log_file, cli.log_level});

  std::optional<reactor::loop> loop;
  try {
    loop.emplace(reactor::loop_options{cli.backend});
  } catch (std::system_error const& e) {
    log.error("cannot start the reactor", {{"backend", reactor::to_string(cli.backend)}, {"error", e.what()}});
    return exit_failure;
  }
  std::vector<field> first_line = {{"version", REACTORD_VERSION},
                                   {"job_file", source.name()},
                                   {"jobs", file.jobs.size()},
                                   {"backend", loop->backend_name()}};
  if (!file.drop_ins.empty()) first_line.emplace_back("drop_ins", file.drop_ins.size());
  if (!loop->fallback_reason().empty())
    first_line.emplace_back("backend_fallback", std::string_view(loop->fallback_reason()));
  log.info("reactord starting", first_line);

  if (cli.once) {
    result_log sink(log);
    auto listener = open_status_listener(file.settings.status_listen, log);
    status_counters requests;
    auto started = reactor::clock::now();
    auto figures = [&] {
      process_figures p;
      p.backend = std::string(loop->backend_name());
      p.uptime_seconds = std::chrono::duration<double>(reactor::clock::now() - started).count();
      p.loop = loop->stats();
      p.requests = requests;
      return p;
    };
    status_pages pages{[&] { return render_healthz({}, figures()); },
                       [&] { return [figures = figures()] { return render_metrics({}, figures); }; }};
    bool ok = loop->run(run_each_job_once(file.jobs, file.settings.max_concurrency, sink,
                                          listener ? &*listener : nullptr, pages, requests));
    log.info(ok ? "once: every job succeeded" : "once: some jobs did not succeed",
             {{"results", sink.results()}, {"unsuccessful", sink.unsuccessful()}});
    return ok ? exit_ok : exit_failure;
  }
  std::optional<std::filesystem::path> verdicts;
  if (!cli.runtime_dir.empty()) verdicts = cli.runtime_dir;
  return loop->run(run_service(source, std::move(file), log, signals, verdicts));
}

}  // namespace

int main(int argc, char** argv) {
  // First, before the command line or the job file is read (process_setup.hpp).
  reactord::make_standard_fds_safe();
  reactord::block_signals_for_life();
  reactord::keep_heap_trimmed();
  auto parsed = reactord::parse_command_line(argc, argv);
  if (auto const* code = std::get_if<int>(&parsed)) return *code;
  auto& cli = std::get<reactord::command_line>(parsed);
  auto run_reporting_errors = [&cli]() -> int {
    try {
      return run(cli);
    } catch (reactord::startup_error const&) {
      return reactord::exit_failure;  // already logged, with the reason
    } catch (std::exception const& e) {
      std::cerr << "reactord: " << e.what() << "\n";
      return reactord::exit_failure;
    }
  };
#if defined(_WIN32)
  if (cli.service) {
    // A service has no console: it logs to a file unless told otherwise.
    if (cli.log_file.empty()) cli.log_file = reactord::service_log_file();
    return reactord::windows_service::run(run_reporting_errors);
  }
#endif
  return run_reporting_errors();
}
