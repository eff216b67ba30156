// The log's hand-off to its writer thread: with a loop attached, the records
// of one pass reach the writer in one batch (one thread wake-up), not one
// wake-up per line; nothing is lost either way.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "log.hpp"
#include "reactor/reactor.hpp"

namespace {

std::size_t lines_in(std::string const& path) {
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) n += line.find("\"msg\":\"result\"") != std::string::npos;
  return n;
}

struct log_file {
  std::string dir;
  std::string path;
  log_file() {
    char tmpl[] = "/tmp/reactord-log-writer-XXXXXX";
    dir = ::mkdtemp(tmpl);
    path = dir + "/reactord.log";
  }
  ~log_file() {
    std::string cmd = "rm -rf '" + dir + "'";
    [[maybe_unused]] int rc = std::system(cmd.c_str());
  }
};

}  // namespace

TEST(LogWriter, RecordsOfOnePassReachTheWriterInOneBatch) {
  log_file f;
  reactord::log_options o{reactord::log_format::json, f.path};
  o.handoff_interval = std::chrono::milliseconds(0);  // every pass that wrote
  reactord::event_log log(o);
  reactor::loop l;
  log.attach(l);
  auto before = log.handoffs();
  l.run([&]() -> reactor::task<void> {
    for (int pass = 0; pass < 3; ++pass) {
      for (int i = 0; i < 100; ++i) log.info("result", {{"job", "j"}, {"i", i}});
      co_await reactor::sleep_for(std::chrono::milliseconds(20));  // the hand-off fires in the next pass
    }
  }());
  auto handoffs = log.handoffs() - before;
  log.detach();
  log.flush();
  EXPECT_EQ(lines_in(f.path), 300u);
  EXPECT_EQ(log.dropped(), 0u);
  // One hand-off per pass that wrote (three), not one per line (300).
  EXPECT_EQ(handoffs, 3u);
}

// After a quiet spell the first records go at once (no wake-up of the loop
// of its own); the passes that follow within the interval share the next
// hand-off on the interval's grid (at 100 results/s, one per scheduler
// cell was ten thread switches and writes a second).
TEST(LogWriter, PassesWithinTheHandoffIntervalShareOneHandoff) {
  log_file f;
  reactord::log_options o{reactord::log_format::json, f.path};
  o.handoff_interval = std::chrono::seconds(3600);
  reactord::event_log log(o);
  reactor::loop l;
  log.attach(l);
  auto before = log.handoffs();
  std::uint64_t after_first_pass = 0;
  l.run([&]() -> reactor::task<void> {
    for (int pass = 0; pass < 3; ++pass) {
      for (int i = 0; i < 100; ++i) log.info("result", {{"job", "j"}, {"i", i}});
      co_await reactor::sleep_for(std::chrono::milliseconds(20));
      if (pass == 0) after_first_pass = log.handoffs() - before;
    }
  }());
  auto handoffs = log.handoffs() - before;
  log.detach();  // hands off what is still pending
  log.flush();
  EXPECT_EQ(lines_in(f.path), 300u);
  EXPECT_EQ(log.dropped(), 0u);
  EXPECT_EQ(after_first_pass, 1u);
  // The first pass's, and one more only if the passes straddle a multiple
  // of the interval; not one per pass (three).
  EXPECT_LE(handoffs, 2u);
}

TEST(LogWriter, WithoutALoopEachRecordIsHandedOffAtOnce) {
  log_file f;
  reactord::event_log log(reactord::log_options{reactord::log_format::json, f.path});
  for (int i = 0; i < 50; ++i) {
    log.info("result", {{"i", i}});
    log.flush();  // written before flush returns: no pass is needed
    EXPECT_EQ(lines_in(f.path), std::size_t(i + 1));
  }
}
