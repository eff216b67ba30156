// The daemon's life, end to end on each backend: --once, SIGHUP reloads
// (good and broken), SIGTERM with a run in flight, and what systemd hears.
#include <gtest/gtest.h>

#include <algorithm>

#include <csignal>

#include "support/daemon_process.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;

class Lifecycle : public on_each_daemon_backend {
 protected:
  temp_dir dir;
  std::vector<std::string> args(std::string const& file) { return {"--config", file, "--backend", backend()}; }
};
REACTORD_ON_EACH_BACKEND(Lifecycle);

TEST_P(Lifecycle, FirstLogLineNamesTheJobFileAndBackend) {
  auto f = dir.write("jobs.yaml",
                     "daemon: { status_listen: off }\njobs:\n  - { name: a, kind: countdown, from: 0, every: 1h }\n");
  daemon_process d(args(f));
  ASSERT_TRUE(d.wait_for("ready")) << d.all_output();
  auto const& first = d.out_lines().at(0);
  EXPECT_NE(first.find("reactord starting"), std::string::npos) << first;
  EXPECT_NE(first.find("job_file=" + f), std::string::npos) << first;
  EXPECT_NE(first.find("backend=" + backend()), std::string::npos) << first;
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.all_output();
}

TEST_P(Lifecycle, OnceHonoursMaxConcurrency) {
  std::string text = "daemon: { status_listen: off, max_concurrency: 2 }\njobs:\n";
  for (int i = 0; i < 6; ++i)
    text += "  - { name: c" + std::to_string(i) + ", kind: countdown, from: 1, tick: 30ms }\n";
  auto f = dir.write("jobs.yaml", text);
  daemon_process once({"--once", "--config", f, "--backend", backend()});
  EXPECT_EQ(once.wait_exit(), 0) << once.all_output();
  // A countdown logs T-1 when it starts and liftoff when it ends; the log
  // is written in the loop's order, so it shows how many ran at once.
  int running = 0, most = 0;
  for (auto const& line : once.out_lines()) {
    if (line.find("event=T-1") != std::string::npos) most = std::max(most, ++running);
    if (line.find("event=liftoff") != std::string::npos) --running;
  }
  EXPECT_EQ(once.count("event=liftoff"), 6u) << once.all_output();
  EXPECT_EQ(most, 2) << once.all_output();
}

TEST_P(Lifecycle, OnceRunsEveryJobOnceAndExitsZeroWhenAllSucceed) {
  // status_listen off: the default port may be another test's (a taken
  // port stops start-up).
  auto f = dir.write("jobs.yaml", R"(daemon: { status_listen: off }
jobs:
  - { name: a, kind: countdown, from: 2, tick: 10ms }
  - { name: b, kind: countdown, from: 0 }
)");
  daemon_process d(args(f));  // a second start would prove nothing: --once is below
  d.signal(SIGKILL);
  d.wait_exit();
  daemon_process once({"--once", "--config", f, "--backend", backend()});
  EXPECT_EQ(once.wait_exit(), 0) << once.all_output();
  EXPECT_EQ(once.count("result job=a kind=countdown outcome=success"), 1u) << once.all_output();
  EXPECT_EQ(once.count("result job=b kind=countdown outcome=success"), 1u) << once.all_output();
  EXPECT_EQ(once.count("event job=a event=liftoff"), 1u) << once.all_output();
}

TEST_P(Lifecycle, OnceExitsOneWhenAJobFails) {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  auto f = dir.write("jobs.yaml", R"(daemon: { status_listen: off }
jobs:
  - { name: ok, kind: countdown, from: 0 }
  - { name: refused, kind: fetch, url: "http://127.0.0.1:1/", timeout: 5s, every: 1m }
)");
  daemon_process once({"--once", "--config", f, "--backend", backend()});
  EXPECT_EQ(once.wait_exit(), 1) << once.all_output();
  EXPECT_EQ(once.count("result job=refused kind=fetch outcome=failure"), 1u) << once.all_output();
  EXPECT_EQ(once.count("result job=ok kind=countdown outcome=success"), 1u) << once.all_output();
}

TEST_P(Lifecycle, ReloadAppliesTheDiffAndKeepsUnchangedJobsOnTheirSchedule) {
  // Every job runs once at start and then not for an hour: a job whose
  // schedule is kept does not run again at the reload; a new or changed
  // one starts at once.
  auto f = dir.write("jobs.yaml", R"(daemon: { status_listen: off }
jobs:
  - { name: kept, kind: countdown, from: 0, every: 1h }
  - { name: changed, kind: countdown, from: 0, every: 1h }
  - { name: removed, kind: countdown, from: 0, every: 1h }
)");
  daemon_process d(args(f));
  ASSERT_TRUE(d.wait_for("result job=kept")) << d.all_output();
  ASSERT_TRUE(d.wait_for("result job=changed")) << d.all_output();
  ASSERT_TRUE(d.wait_for("result job=removed")) << d.all_output();
  dir.write("jobs.yaml", R"(daemon: { status_listen: off }
jobs:
  - { name: kept, kind: countdown, from: 0, every: 1h }
  - { name: changed, kind: countdown, from: 1, tick: 10ms, every: 1h }
  - { name: added, kind: countdown, from: 0, every: 1h }
)");
  d.signal(SIGHUP);
  ASSERT_TRUE(d.wait_for("reload: 1 added, 1 changed, 1 removed, 1 unchanged")) << d.all_output();
  ASSERT_TRUE(d.wait_for("result job=added")) << d.all_output();
  ASSERT_TRUE(
      d.wait_for("result job=changed kind=countdown outcome=success took_ms", 20s, *d.wait_for_index("reload:")))
      << d.all_output();
  d.read_for(300ms);
  EXPECT_EQ(d.count("result job=kept"), 1u) << d.all_output();
  EXPECT_EQ(d.count("result job=changed"), 2u) << d.all_output();
  EXPECT_EQ(d.count("result job=removed"), 1u) << d.all_output();
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.all_output();
}

TEST_P(Lifecycle, BrokenReloadLogsEveryErrorAndKeepsTheOldJobsRunning) {
  auto f = dir.write("jobs.yaml", R"(daemon: { status_listen: off }
jobs:
  - { name: steady, kind: countdown, from: 0, every: 100ms }
)");
  daemon_process d(args(f));
  ASSERT_TRUE(d.wait_for("result job=steady")) << d.all_output();
  dir.write("jobs.yaml", "jobs:\n  - name: steady\n    kind: countdown\n    form: 1\n  - { name: x, kind: pnig }\n");
  d.signal(SIGHUP);
  auto failed = d.wait_for("reload failed: 2 errors (first: " + f + ":4:5: job 'steady': unknown key 'form'");
  ASSERT_TRUE(failed) << d.all_output();
  EXPECT_NE(failed->find("; the 1 running jobs are kept unchanged"), std::string::npos) << *failed;
  EXPECT_TRUE(d.wait_for("line=4 column=5 error=\"job 'steady': unknown key 'form'; did you mean 'from'?\""))
      << d.all_output();
  EXPECT_TRUE(d.wait_for("line=5 column=22")) << d.all_output();
  // The old job keeps its 100 ms schedule: more results after the failure.
  auto after = *d.wait_for_index("reload failed");
  auto more = d.wait_for_index("result job=steady", after + 1);
  ASSERT_TRUE(more) << d.all_output();
  EXPECT_TRUE(d.wait_for_index("result job=steady", *more + 1)) << d.all_output();
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.all_output();
}

TEST_P(Lifecycle, SigtermLetsARunInFlightFinishWithinTheGracePeriod) {
  auto f = dir.write("jobs.yaml", R"(daemon: { status_listen: off, shutdown_grace: 20s }
jobs:
  - { name: slow, kind: countdown, from: 3, tick: 200ms, every: 1h }
)");
  daemon_process d(args(f));
  ASSERT_TRUE(d.wait_for("event job=slow event=T-3")) << d.all_output();
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.all_output();
  auto stopping = d.wait_for_index("stopping");
  auto result = d.wait_for_index("result job=slow kind=countdown outcome=success");
  auto stopped = d.wait_for_index("stopped");
  ASSERT_TRUE(stopping && result && stopped) << d.all_output();
  EXPECT_LT(*stopping, *result);
  EXPECT_LT(*result, *stopped);
  EXPECT_NE(d.out_lines()[*stopping].find("signal=TERM"), std::string::npos);
}

TEST_P(Lifecycle, SigtermCancelsARunThatOutlastsTheGracePeriod) {
  auto f = dir.write("jobs.yaml", R"(daemon: { status_listen: off, shutdown_grace: 100ms }
jobs:
  - { name: endless, kind: countdown, from: 600, tick: 100ms, every: 1h, timeout: 1h }
)");
  daemon_process d(args(f));
  ASSERT_TRUE(d.wait_for("event job=endless event=T-600")) << d.all_output();
  d.signal(SIGINT);
  EXPECT_EQ(d.wait_exit(20s), 0) << d.all_output();
  EXPECT_TRUE(d.wait_for("result job=endless kind=countdown outcome=cancelled", 100ms)) << d.all_output();
  EXPECT_TRUE(d.wait_for("stopped", 100ms)) << d.all_output();
}

TEST_P(Lifecycle, SystemdHearsReadyWatchdogReloadingAndStopping) {
  auto f = dir.write("jobs.yaml", R"(daemon: { status_listen: off }
jobs:
  - { name: a, kind: countdown, from: 0, every: 1h }
)");
  notify_listener systemd(dir.path / "notify.sock");
  daemon_process d(args(f), {{"NOTIFY_SOCKET", systemd.path()}, {"WATCHDOG_USEC", "400000"}});
  ASSERT_TRUE(systemd.wait_for("READY=1")) << d.all_output();
  EXPECT_NE(systemd.messages.back().find("STATUS=1 jobs:"), std::string::npos) << systemd.messages.back();
  // Half of 400 ms: several pings come while we wait.
  ASSERT_TRUE(systemd.wait_for("WATCHDOG=1"));
  ASSERT_TRUE(systemd.wait_for("WATCHDOG=1"));
  d.signal(SIGHUP);
  ASSERT_TRUE(systemd.wait_for("RELOADING=1"));
  EXPECT_NE(systemd.messages.back().find("MONOTONIC_USEC="), std::string::npos) << systemd.messages.back();
  ASSERT_TRUE(systemd.wait_for("READY=1"));
  d.signal(SIGTERM);
  ASSERT_TRUE(systemd.wait_for("STOPPING=1"));
  EXPECT_EQ(d.wait_exit(), 0) << d.all_output();
}
