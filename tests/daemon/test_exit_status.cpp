// The exit statuses an operator and systemd see: 0 ok, 1 a failure (a --once
// job did not succeed, the daemon could not start), 2 a usage or job-file
// error. CLI11's own codes (105, 109 ...) never reach the shell.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "support/daemon_process.hpp"
#include "test_support.hpp"

namespace {

std::string const broken = "jobs:\n  - { name: a, kind: countdown, from: 1, tik: 1s }\n";

// A backend this build cannot run here (kqueue on a plain Linux build, but a
// build against libkqueue has it; iocp never runs where these tests do).
std::string missing_backend() {
  auto have = reactor::available_backends();
  for (auto kind : {reactor::backend_kind::kqueue, reactor::backend_kind::iocp})
    if (std::find(have.begin(), have.end(), kind) == have.end()) return std::string(reactor::to_string(kind));
  ADD_FAILURE() << "every backend is available";
  return "none";
}

}  // namespace

TEST(ExitStatus, HelpAndVersionExitZero) {
  daemon_process help({"--help"});
  EXPECT_EQ(help.wait_exit(), 0) << help.all_output();
  daemon_process version({"--version"});
  EXPECT_EQ(version.wait_exit(), 0) << version.all_output();
}

TEST(ExitStatus, UsageErrorsExitTwoNotCli11sCodes) {
  // CLI11 says 109 (ExtrasError), 105 (ValidationError), 106 (RequiredError) ...
  for (std::vector<std::string> args : {std::vector<std::string>{"--frobnicate"},
                                        {"--backend", missing_backend()},
                                        {"--print-schedule", "0"},
                                        {"--log-level"},
                                        {"a.yaml", "b.yaml"},
                                        {"--config", "a.yaml", "b.yaml"}}) {
    daemon_process p(args);
    EXPECT_EQ(p.wait_exit(), 2) << args.at(0) << "\n" << p.all_output();
    EXPECT_FALSE(p.err_lines().empty()) << args.at(0) << ": says nothing";
  }
}

TEST(ExitStatus, BrokenJobFileExitsTwoInEveryMode) {
  temp_dir d;
  auto f = d.write("jobs.yaml", broken);
  for (std::vector<std::string> args : {std::vector<std::string>{"--check", f},
                                        {"--once", "--config", f},
                                        {"--print-schedule", "1", "--config", f},
                                        {"--config", f}}) {
    daemon_process p(args);
    EXPECT_EQ(p.wait_exit(), 2) << args.at(0) << "\n" << p.all_output();
    std::string err;
    for (auto const& l : p.err_lines()) err += l + "\n";
    EXPECT_NE(err.find(f + ":2:"), std::string::npos) << err;
    EXPECT_NE(err.find("unknown key 'tik'"), std::string::npos) << err;
  }
}

TEST(ExitStatus, DaemonWithABrokenFileSaysItIsNotStarting) {
  temp_dir d;
  auto f = d.write("jobs.yaml", broken);
  daemon_process p({"--config", f});
  EXPECT_EQ(p.wait_exit(), 2) << p.all_output();
  ASSERT_FALSE(p.err_lines().empty());
  EXPECT_NE(p.err_lines().back().find("1 error; not starting"), std::string::npos) << p.all_output();
}

TEST(ExitStatus, MissingJobFileExitsTwo) {
  daemon_process p({"--config", "/nonexistent/reactord/jobs.yaml"});
  EXPECT_EQ(p.wait_exit(), 2) << p.all_output();
}

// A status port that is taken stops start-up with a clear error, as
// exporters do, before any job runs; `off` needs no port. On each backend.
class StatusPort : public on_each_daemon_backend {};
REACTORD_ON_EACH_BACKEND(StatusPort);

TEST_P(StatusPort, ThatCannotBeBoundStopsStartUp) {
  int taken = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(taken, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(taken, 1), 0);
  socklen_t len = sizeof a;
  ::getsockname(taken, reinterpret_cast<sockaddr*>(&a), &len);
  auto port = std::to_string(ntohs(a.sin_port));

  temp_dir d;
  auto f = d.write("jobs.yaml", "daemon: { status_listen: \"127.0.0.1:" + port +
                                    "\" }\njobs:\n  - { name: a, kind: countdown, from: 0, every: 1s }\n");
  daemon_process p({"--config", f, "--backend", backend()});
  EXPECT_EQ(p.wait_exit(), 1) << p.all_output();
  auto line = p.wait_for("status endpoint cannot listen; not starting", std::chrono::milliseconds(100));
  ASSERT_TRUE(line) << p.all_output();
  EXPECT_NE(line->find("127.0.0.1:" + port), std::string::npos) << *line;
  EXPECT_EQ(p.count("result job=a"), 0u) << "a job ran:\n" << p.all_output();
  EXPECT_FALSE(p.wait_for("info ready", std::chrono::milliseconds(0))) << p.all_output();

  daemon_process once({"--once", "--config", f, "--backend", backend()});
  EXPECT_EQ(once.wait_exit(), 1) << once.all_output();
  EXPECT_TRUE(once.wait_for("status endpoint cannot listen", std::chrono::milliseconds(100))) << once.all_output();
  ::close(taken);

  auto off =
      d.write("off.yaml", "daemon: { status_listen: \"off\" }\njobs:\n  - { name: a, kind: countdown, from: 0 }\n");
  daemon_process no_port({"--once", "--config", off, "--backend", backend()});
  EXPECT_EQ(no_port.wait_exit(), 0) << no_port.all_output();
}
