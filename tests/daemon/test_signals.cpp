// Signals and descriptors the daemon may be started with or sent: none of
// them kills it, and each does what its convention says (process_setup.hpp,
// log_file.hpp).
#include <gtest/gtest.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/daemon_process.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

class Signals : public on_each_daemon_backend {
 protected:
  temp_dir dir;
  std::vector<std::string> args(std::string const& file) { return {"--config", file, "--backend", backend()}; }
  std::string every_100ms() {
    return dir.write(
        "jobs.yaml",
        "daemon: { status_listen: off }\njobs:\n  - { name: a, kind: countdown, from: 0, every: 100ms }\n");
  }
  static std::string read_file(fs::path const& p) {
    std::ifstream in(p);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  // Waits up to 20 s for `path` to contain `text`.
  static bool file_gets(fs::path const& path, std::string const& text) {
    for (int i = 0; i < 400; ++i) {
      if (read_file(path).find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
};
REACTORD_ON_EACH_BACKEND(Signals);

}  // namespace

TEST_P(Signals, SighupWhileTheJobFileIsReadDoesNotKill) {
  // A big file takes milliseconds to read; SIGHUP is sent the moment the
  // daemon opens it (inotify), before the service loop exists. The jobs are
  // spread over their hour: all 5000 at once would log 15,000 lines in a
  // burst, and the log queue, full, may drop the very "reload" line looked
  // for here (it drops the oldest records; it did once in 120 runs).
  auto f = dir.write(
      "jobs.yaml", "daemon: { status_listen: off }\njobs:\n" + countdown_jobs(5000, "from: 0, every: 1h, jitter: 1h"));
  int watch = ::inotify_init1(IN_CLOEXEC);
  ASSERT_GE(watch, 0);
  ASSERT_GE(::inotify_add_watch(watch, f.c_str(), IN_OPEN), 0);
  daemon_process d(args(f));
  pollfd p{watch, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 20'000), 1) << "the daemon never opened its job file";
  d.signal(SIGHUP);
  ::close(watch);
  ASSERT_TRUE(d.wait_for("ready")) << d.all_output();
  EXPECT_TRUE(d.wait_for("reload")) << d.all_output();  // the SIGHUP, handled once the loop runs
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.all_output();
}

TEST_P(Signals, Usr1Usr2AndAlarmDoNotKill) {
  daemon_process d(args(every_100ms()));
  ASSERT_TRUE(d.wait_for("ready")) << d.all_output();
  for (int s : {SIGUSR1, SIGUSR2, SIGALRM}) d.signal(s);
  auto after = d.out_lines().size();
  ASSERT_TRUE(d.wait_for_index("result job=a", after)) << "no result after the signals\n" << d.all_output();
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.all_output();
}

TEST_P(Signals, StdoutClosedByItsReaderDoesNotKill) {
  // `reactord | head -1`: the reader goes away after the first line.
  daemon_process d(args(every_100ms()));
  ASSERT_TRUE(d.wait_for("ready")) << d.all_output();
  d.close_stdout();
  std::this_thread::sleep_for(500ms);  // five results written into the closed pipe
  EXPECT_EQ(::kill(d.pid(), 0), 0) << "the daemon died of SIGPIPE";
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.all_output();
}

TEST_P(Signals, SecondSigtermWhileDrainingKeepsTheCleanExit) {
  auto f = dir.write("jobs.yaml", R"(daemon: { status_listen: off, shutdown_grace: 10s }
jobs:
  - { name: slow, kind: countdown, from: 2, tick: 500ms, every: 1h }
)");
  daemon_process d(args(f));
  ASSERT_TRUE(d.wait_for("event job=slow")) << d.all_output();  // a run is in flight
  d.signal(SIGTERM);
  ASSERT_TRUE(d.wait_for("stopping")) << d.all_output();
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.all_output();
  EXPECT_EQ(d.count("result job=slow kind=countdown outcome=success"), 1u) << d.all_output();
}

TEST_P(Signals, ClosedStandardDescriptorsAreNotReusedForOtherFiles) {
  // Started with stdin and stdout closed: they must not become the
  // signalfd or the reactor's descriptors, or every log line goes there.
  auto log = (dir.path / "reactord.log").string();
  daemon_process d({"--config", every_100ms(), "--backend", backend(), "--log-file", log}, {}, [] {
    ::close(STDIN_FILENO);
    ::close(STDOUT_FILENO);
  });
  ASSERT_TRUE(file_gets(log, "result job=a")) << read_file(log);
  auto target = [&](int fd) {
    return fs::read_symlink("/proc/" + std::to_string(d.pid()) + "/fd/" + std::to_string(fd));
  };
  EXPECT_EQ(target(0), "/dev/null");
  EXPECT_EQ(target(1), "/dev/null");
  d.signal(SIGHUP);  // the signalfd works: a reload is logged
  EXPECT_TRUE(file_gets(log, "reload")) << read_file(log);
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.all_output();
}

TEST_P(Signals, DeletedLogFileIsNoticedAndReopened) {
  auto log = dir.path / "reactord.log";
  daemon_process d({"--config", every_100ms(), "--backend", backend(), "--log-file", log.string()});
  ASSERT_TRUE(file_gets(log, "result job=a")) << d.all_output();
  fs::remove(log);
  ASSERT_TRUE(file_gets(log, "log file reopened reason=\"the log file was deleted\"")) << d.all_output();
  EXPECT_TRUE(file_gets(log, "result job=a"));
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.all_output();
  bool said = false;
  for (auto const& l : d.err_lines()) said = said || l.find("the log file was deleted") != std::string::npos;
  EXPECT_TRUE(said) << d.all_output();
}

TEST_P(Signals, Usr1ReopensTheLogFileAfterLogrotateMovedIt) {
  auto log = dir.path / "reactord.log";
  daemon_process d({"--config", every_100ms(), "--backend", backend(), "--log-file", log.string()});
  ASSERT_TRUE(file_gets(log, "result job=a")) << d.all_output();
  fs::rename(log, dir.path / "reactord.log.1");
  std::ofstream{log};  // logrotate's `create`: a new empty file at the path
  d.signal(SIGUSR1);
  ASSERT_TRUE(file_gets(log, "log file reopened")) << d.all_output();
  EXPECT_TRUE(file_gets(log, "result job=a"));
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.all_output();
}
