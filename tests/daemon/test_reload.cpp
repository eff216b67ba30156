// Reloads as an operator meets them: `reactord --reload PID` (the unit's
// ExecReload) reports the daemon's own verdict; a reload that fails for any
// reason keeps the running jobs; the file is read off the loop, so the
// jobs go on while a big file loads.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <new>

#include "job_source.hpp"
#include "log.hpp"
#include "reactor/reactor.hpp"
#include "reload_verdict.hpp"
#include "service.hpp"
#include "support/daemon_process.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;

namespace {

std::string read_all(std::filesystem::path const& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `reactord --reload PID --runtime-dir DIR`, to its end.
struct reload_client_result {
  int status;
  std::string out, err;
};
reload_client_result reload_client(pid_t pid, std::string const& runtime_dir) {
  daemon_process c({"--reload", std::to_string(pid), "--runtime-dir", runtime_dir});
  reload_client_result r{c.wait_exit(60s), {}, {}};
  for (auto const& l : c.out_lines()) r.out += l + "\n";
  for (auto const& l : c.err_lines()) r.err += l + "\n";
  return r;
}

std::size_t count_in(std::string const& text, std::string const& what, std::size_t from = 0,
                     std::size_t to = std::string::npos) {
  std::size_t n = 0;
  for (auto at = text.find(what, from); at != std::string::npos && at < to; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

class Reload : public on_each_daemon_backend {
 protected:
  temp_dir dir;
  std::string runtime_dir() {
    std::filesystem::create_directories(dir.path / "run");
    return (dir.path / "run").string();
  }
};
REACTORD_ON_EACH_BACKEND(Reload);

TEST_P(Reload, ClientReportsAppliedAndRejectedWithTheDaemonsReason) {
  auto f = dir.write("jobs.yaml",
                     "daemon: { status_listen: off }\njobs:\n  - { name: a, kind: countdown, from: 0, every: 1h }\n");
  auto run = runtime_dir();
  daemon_process d({"--config", f, "--backend", backend(), "--runtime-dir", run});
  ASSERT_TRUE(d.wait_for("ready")) << d.all_output();

  dir.write("jobs.yaml",
            "daemon: { status_listen: off }\njobs:\n  - { name: a, kind: countdown, from: 0, every: 1h }\n"
            "  - { name: b, kind: countdown, from: 0, every: 1h }\n");
  auto good = reload_client(d.pid(), run);
  EXPECT_EQ(good.status, 0) << good.out << good.err << d.all_output();
  EXPECT_NE(good.out.find("reload applied: 1 added, 0 changed, 0 removed, 1 unchanged"), std::string::npos)
      << good.out << good.err;

  dir.write("jobs.yaml",
            "daemon: { status_listen: off }\njobs:\n  - { name: a, kind: countdown, from: 0, every: 1h }\n"
            "  - { name: c, kind: countdown, frum: 0 }\n");
  auto bad = reload_client(d.pid(), run);
  EXPECT_EQ(bad.status, 1) << bad.out << bad.err << d.all_output();
  EXPECT_NE(bad.err.find("reload rejected: 1 error (first: " + f + ":4:"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("unknown key 'frum'"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("the 2 running jobs are kept unchanged"), std::string::npos) << bad.err;

  // Each verdict is the daemon's: two reloads, one applied, one rejected.
  ASSERT_TRUE(d.wait_for("reload failed: 1 error")) << d.all_output();
  EXPECT_EQ(d.count("reload requested"), 2u) << d.all_output();
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.all_output();

  // A daemon that is gone gets no reload, and the client says so.
  auto gone = reload_client(d.pid(), run);
  EXPECT_EQ(gone.status, 1) << gone.out << gone.err;
}

TEST_P(Reload, ClientWithoutARuntimeDirectoryIsAUsageError) {
  daemon_process c({"--reload", std::to_string(::getpid()), "--runtime-dir", (dir.path / "missing").string()});
  EXPECT_EQ(c.wait_exit(), 2) << c.all_output();
}

// A reload that fails with something other than a validation error keeps
// the running jobs too: here the loader throws std::bad_alloc, as it would
// if the new file did not fit in memory. Run in this process, so that the
// failure comes when asked for.
reactor::task<void> signal_self_after(reactor::clock::duration after, int signo) {
  co_await reactor::sleep_for(after);
  ::kill(::getpid(), signo);
}

reactor::task<int> service_with_signals(reactord::job_source const& source, config::job_file first,
                                        reactord::event_log& log, reactor::signal_source& signals,
                                        std::filesystem::path verdicts) {
  int status = -1;
  co_await reactor::open_scope([&](reactor::scope& s) -> reactor::task<void> {
    s.spawn(signal_self_after(300ms, SIGHUP));
    s.spawn(signal_self_after(1200ms, SIGTERM));
    status = co_await reactord::run_service(source, std::move(first), log, signals, verdicts);
  });
  co_return status;
}

TEST_P(Reload, LoaderThatThrowsBadAllocKeepsTheRunningJobs) {
  auto first = config::parse_job_file(
      "daemon: { status_listen: off }\njobs:\n  - { name: tick, kind: countdown, from: 0, every: 50ms }\n", "jobs.yaml",
      dir.path);
  reactord::job_source source("jobs.yaml", []() -> config::job_file { throw std::bad_alloc(); });
  auto verdicts = std::filesystem::path(runtime_dir());
  auto log_file = (dir.path / "log").string();
  int status = -1;
  {
    reactor::signal_source signals{SIGTERM, SIGINT, SIGHUP};
    reactord::event_log log(reactord::log_options{reactord::log_format::text, log_file});
    reactor::loop loop(reactor::loop_options{GetParam()});
    status = loop.run(service_with_signals(source, std::move(first), log, signals, verdicts));
  }
  EXPECT_EQ(status, 0);
  auto text = read_all(log_file);
  auto failed = text.find(
      "reload failed: reading the job file failed: std::bad_alloc; the 1 running jobs are kept "
      "unchanged");
  ASSERT_NE(failed, std::string::npos) << text;
  EXPECT_GE(count_in(text, "result job=tick", failed), 3u) << "the job goes on after the failed reload:\n" << text;

  auto v = reactord::read_reload_verdict(verdicts);
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->applied);
  EXPECT_EQ(v->generation, 1u);
  EXPECT_NE(v->reason.find("std::bad_alloc"), std::string::npos) << v->reason;
}

// The new file is read and validated on a thread: while a big file loads,
// the loop goes on running jobs (results are logged between "reload
// requested" and "reload:"), where reading it on the loop would stall them.
TEST_P(Reload, BigFileLoadsOffTheLoopWhileJobsRun) {
  std::string small =
      "daemon: { status_listen: off }\njobs:\n  - { name: tick, kind: countdown, from: 0, every: 20ms }\n";
  auto f = dir.write("jobs.yaml", small);
  daemon_process d({"--config", f, "--backend", backend()});
  ASSERT_TRUE(d.wait_for("result job=tick")) << d.all_output();

  std::string big = small;
  for (int i = 0; i < 10000; ++i)
    big += "  - { name: idle-" + std::to_string(i) + ", kind: countdown, from: 1, tick: 1s, every: 1h, jitter: 1h }\n";
  dir.write("jobs.yaml", big);
  auto from = d.out_lines().size();
  d.signal(SIGHUP);
  auto requested = d.wait_for_index("reload requested", from);
  auto applied = d.wait_for_index("reload: 10000 added", from, 90s);
  ASSERT_TRUE(requested && applied) << d.all_output();
  std::size_t during = 0;
  for (auto i = *requested; i < *applied; ++i) during += d.out_lines()[i].find("result job=tick") != std::string::npos;
  EXPECT_GE(during, 2u) << "no job ran while the file loaded";
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(60s), 0);
}
