// reactord --check and --print-schedule: validate or preview, then exit.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "support/daemon_process.hpp"
#include "test_support.hpp"

TEST(Check, GoodFileExitsZeroAndCountsJobs) {
  temp_dir d;
  auto f =
      d.write("jobs.yaml",
              "jobs:\n  - { name: a, kind: countdown, from: 1 }\n  - { name: b, kind: ping, target: 127.0.0.1 }\n");
  daemon_process p({"--check", f});
  EXPECT_EQ(p.wait_exit(), 0) << p.all_output();
  EXPECT_TRUE(p.wait_for("ok, 2 jobs", std::chrono::milliseconds(100))) << p.all_output();
}

TEST(Check, BrokenFileExitsTwoWithEveryErrorLocated) {
  temp_dir d;
  auto f = d.write("jobs.yaml", R"(jobs:
  - name: a
    kind: ping
    target: 127.0.0.1
    intervall: 1s
  - name: a
    kind: fetch
    url: ftp://127.0.0.1/
)");
  daemon_process p({"--check", "--config", f});
  EXPECT_EQ(p.wait_exit(), 2) << p.all_output();
  std::string err;
  for (auto const& l : p.err_lines()) err += l + "\n";
  EXPECT_NE(err.find(f + ":5:5: job 'a': unknown key 'intervall'; did you mean 'interval'?"), std::string::npos) << err;
  EXPECT_NE(err.find(f + ":6:11: "), std::string::npos) << err;  // duplicate name
  EXPECT_NE(err.find(f + ":8:10: "), std::string::npos) << err;  // bad URL
  EXPECT_NE(err.find("3 errors"), std::string::npos) << err;
}

TEST(Check, EmptyFileIsAnError) {
  temp_dir d;
  auto f = d.write("jobs.yaml", "");
  daemon_process p({"--check", f});
  EXPECT_EQ(p.wait_exit(), 2);
  ASSERT_FALSE(p.err_lines().empty());
  EXPECT_NE(p.err_lines()[0].find(":1:1: the job file is empty"), std::string::npos) << p.all_output();
}

TEST(Check, ExampleJobFileIsValid) {
  daemon_process p({"--check", std::string(REACTORD_SOURCE_DIR) + "/systemd/jobs.example.yaml"});
  EXPECT_EQ(p.wait_exit(), 0) << p.all_output();
}

TEST(PrintSchedule, PrintsNInstantsPerJobAndExits) {
  temp_dir d;
  auto f = d.write("jobs.yaml",
                   "jobs:\n  - { name: a, kind: countdown, from: 1, every: 1m }\n  - { name: b, kind: countdown, from: "
                   "1, every: 2h }\n");
  daemon_process p({"--config", f, "--print-schedule", "3"});
  EXPECT_EQ(p.wait_exit(), 0) << p.all_output();
  auto a = p.wait_for("a: ", std::chrono::milliseconds(100));
  auto b = p.wait_for("b: ", std::chrono::milliseconds(100));
  ASSERT_TRUE(a && b) << p.all_output();
  // Three ISO instants each: "2026-..Z" three times.
  EXPECT_EQ(std::count(a->begin(), a->end(), 'Z'), 3) << *a;
  EXPECT_EQ(std::count(b->begin(), b->end(), 'Z'), 3) << *b;
}

// After the start-up run, runs are due at multiples of `every` since the
// Unix epoch (plus the phase): a job without jitter on whole minutes, one
// with jitter at the same instants in every invocation (and on any machine).
TEST(PrintSchedule, LaterRunsAreOnTheWallClockGridTheSameInEveryInvocation) {
  temp_dir d;
  auto f = d.write("jobs.yaml",
                   "jobs:\n  - { name: a, kind: countdown, from: 1, every: 1m }\n"
                   "  - { name: b, kind: countdown, from: 1, every: 2h, jitter: 10m }\n");
  auto instants = [&](std::string const& job) {
    daemon_process p({"--config", f, "--print-schedule", "3"});
    EXPECT_EQ(p.wait_exit(), 0) << p.all_output();
    auto line = p.wait_for(job + ": ", std::chrono::milliseconds(100));
    std::vector<std::string> out;
    std::istringstream words(line ? line->substr(job.size() + 2) : "");
    for (std::string w; words >> w;) out.push_back(w);
    EXPECT_EQ(out.size(), 3u) << p.all_output();
    out.resize(3);
    return out;
  };
  auto a = instants("a");
  for (std::size_t i : {1, 2}) EXPECT_TRUE(a[i].ends_with(":00.000Z")) << a[i] << " is not on a whole minute";
  auto b = instants("b");
  auto b_again = instants("b");
  // "2026-12-05T08:08:19.090Z": the hour is even (2 h since the epoch) plus the phase.
  for (std::size_t i : {1, 2}) {
    EXPECT_EQ(b[i], b_again[i]) << "run " << i + 1 << " moved between invocations";
    EXPECT_EQ(b[i].substr(13), b[1].substr(13)) << "runs 2 and 3 are not 2 h apart: " << b[1] << " " << b[i];
  }
}

TEST(DefaultJobFile, IsUsedAndNamedInTheFirstLineWithoutAConfig) {
  if (std::filesystem::exists("/etc/reactord/jobs.yaml")) GTEST_SKIP() << "/etc/reactord/jobs.yaml exists here";
  daemon_process p({"--print-schedule", "1"});
  EXPECT_EQ(p.wait_exit(), 0) << p.all_output();
  ASSERT_FALSE(p.out_lines().empty());
  EXPECT_NE(p.out_lines()[0].find("<built-in default job file> (4 jobs)"), std::string::npos) << p.all_output();
  for (auto job : {"countdown:", "ping-loopback-v4:", "ping-loopback-v6:", "own-status:"})
    EXPECT_TRUE(p.wait_for(job, std::chrono::milliseconds(100))) << job << "\n" << p.all_output();
}

// The built-in file's fetch checks the daemon's own status endpoint, so
// --once must serve it while the jobs run. (Uses the built-in file's fixed
// port 127.0.0.1:9817; the only test that listens there.)
TEST(DefaultJobFile, OnceRunsEveryBuiltInJobSuccessfully) {
  if (std::filesystem::exists("/etc/reactord/jobs.yaml")) GTEST_SKIP() << "/etc/reactord/jobs.yaml exists here";
  daemon_process p({"--once"});
  EXPECT_EQ(p.wait_exit(std::chrono::seconds(30)), 0) << p.all_output();
  EXPECT_TRUE(p.wait_for("result job=own-status kind=fetch outcome=success", std::chrono::milliseconds(100)))
      << p.all_output();
  EXPECT_TRUE(p.wait_for("once: every job succeeded", std::chrono::milliseconds(100))) << p.all_output();
}

TEST(Check, RegexWithTwentyFiveThousandNestedGroupsIsRejectedCleanly) {
  // std::regex's recursive compiler overflowed the stack on it (SIGSEGV).
  temp_dir d;
  auto f = d.write("jobs.yaml", "jobs:\n  - name: a\n    kind: fetch\n    url: http://127.0.0.1/\n    body_matches: '" +
                                    std::string(25'000, '(') + "a" + std::string(25'000, ')') + "'\n");
  daemon_process p({"--check", f});
  EXPECT_EQ(p.wait_exit(), 2) << p.all_output();
  std::string err;
  for (auto const& l : p.err_lines()) err += l + "\n";
  EXPECT_NE(err.find(f + ":5:19: job 'a': 'body_matches' is not a valid regular expression"), std::string::npos)
      << err.substr(0, 2000);
}

TEST(PrintSchedule, InstantsPastTheYear2262AreLeftOutNotWrapped) {
  // 10,000 slots a year apart: the later ones are past what int64
  // nanoseconds hold, and were printed wrapped (the year 1677).
  temp_dir d;
  auto f = d.write("jobs.yaml", "jobs:\n  - { name: a, kind: countdown, from: 1, every: 366d }\n");
  daemon_process p({"--config", f, "--print-schedule", "10000"});
  EXPECT_EQ(p.wait_exit(), 0) << p.all_output();
  auto line = p.wait_for("a: ", std::chrono::milliseconds(100));
  ASSERT_TRUE(line) << p.all_output();
  std::istringstream words(line->substr(3));
  std::string previous, instant;
  int n = 0;
  while (words >> instant) {
    EXPECT_GT(instant, previous) << "instant " << n << " goes back in time";
    previous = instant;
    ++n;
  }
  EXPECT_GT(n, 100);
  EXPECT_LT(n, 10000);
  EXPECT_LT(previous, "2263") << previous;
}
