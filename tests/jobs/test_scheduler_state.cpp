// The scheduler's per-job state machine, driven by fetch jobs against a tiny
// HTTP server on 127.0.0.1 that answers each request with the next status
// of a script: UP / DOWN after fail_after failures in a row, back UP after
// recover_after successes in a row, each change its own event, right after
// the result that caused it.
#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "jobs/scheduler.hpp"
#include "reactor/reactor.hpp"
#include "support/backends.hpp"
#include "support/recording_sink.hpp"

using namespace reactor;
using namespace std::chrono_literals;
using jobs::job_state;
using jobs::outcome;

namespace {

// Answers each request with the next scripted status (200 once the script
// is used up), then closes the connection.
struct scripted_http_server {
  reactor::socket listener = reactor::socket::listen_tcp(*socket_address::parse("127.0.0.1", 0));
  std::deque<int> script;
  std::deque<bool> slow;  // answer after 400 ms, per request (fast once used up)

  std::uint16_t port() const { return listener.local_address().port(); }

  task<void> serve() {
    for (;;) {
      auto conn = co_await listener.accept();
      if (!conn) continue;
      reactor::socket c = std::move(*conn);
      std::string request;
      std::byte buf[1024];
      while (request.find("\r\n\r\n") == std::string::npos) {
        auto n = co_await c.recv(buf);
        if (!n || *n == 0) break;
        request.append(reinterpret_cast<char const*>(buf), *n);
      }
      int status = 200;
      if (!script.empty()) {
        status = script.front();
        script.pop_front();
      }
      if (!slow.empty()) {
        if (slow.front()) co_await sleep_for(400ms);
        slow.pop_front();
      }
      std::string reply =
          "HTTP/1.1 " + std::to_string(status) + " Scripted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      co_await send_all(c, std::as_bytes(std::span(reply)));
      co_await c.close();
    }
  }
};

}  // namespace

class SchedulerState : public on_each_backend {
 protected:
  // A job "web" that fetches `server` every `interval`.
  static jobs::job_spec web_job(scripted_http_server const& server, jobs::duration interval) {
    jobs::job_spec j;
    j.name = "web";
    j.schedule.interval = interval;
    j.schedule.timeout = 5s;
    jobs::fetch_spec f;
    f.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
    j.kind = f;
    return j;
  }
  // Runs `s` beside `server` until `sink` has `n` results, then drains it.
  void run_until(jobs::scheduler& s, scripted_http_server& server, recording_sink const& sink, std::size_t n) {
    l().run(open_scope([&](scope& sc) -> task<void> {
      sc.spawn(server.serve());
      sc.spawn(s.run());
      while (sink.results.size() < n) co_await sleep_for(5ms);
      co_await s.drain(clock::now() + 5s);
      sc.cancel();
    }));
  }
  // The first results are `expected`, in order (call in ASSERT_NO_FATAL_FAILURE).
  static void expect_outcomes(recording_sink const& sink, std::vector<outcome> const& expected) {
    ASSERT_GE(sink.results.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i)
      EXPECT_EQ(sink.results[i].result, expected[i]) << "run " << i << ": " << sink.results[i].message;
  }
};
REACTORD_ON_EACH_BACKEND(SchedulerState);

TEST_P(SchedulerState, FailAfterAndRecoverAfter_CountRunsInARow) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  scripted_http_server server;
  // up; one failure (not enough); up; two failures: down; one success (not
  // enough); the second: up.
  server.script = {200, 503, 200, 503, 503, 200, 200};
  jobs::job_spec j = web_job(server, 30ms);
  j.schedule.fail_after = 2;
  j.schedule.recover_after = 2;
  s.apply({j});
  run_until(s, server, sink, 7);
  ASSERT_NO_FATAL_FAILURE(expect_outcomes(sink, {outcome::success, outcome::failure, outcome::success, outcome::failure,
                                                 outcome::failure, outcome::success, outcome::success}));
  ASSERT_EQ(sink.changes.size(), 3u);
  EXPECT_EQ(sink.changes[0].from, job_state::unknown);
  EXPECT_EQ(sink.changes[0].to, job_state::up);
  EXPECT_EQ(sink.runs_before_change[0], 1u);
  EXPECT_EQ(sink.changes[1].from, job_state::up);
  EXPECT_EQ(sink.changes[1].to, job_state::down);
  EXPECT_EQ(sink.runs_before_change[1], 5u) << "down on the second failure in a row";
  EXPECT_NE(sink.changes[1].reason.find("503"), std::string::npos) << sink.changes[1].reason;
  EXPECT_EQ(sink.changes[2].from, job_state::down);
  EXPECT_EQ(sink.changes[2].to, job_state::up);
  EXPECT_EQ(sink.runs_before_change[2], 7u) << "up on the second success in a row";
  auto st = s.status();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].state, job_state::up);
  EXPECT_EQ(st[0].failures, 3u);
  EXPECT_EQ(st[0].kind, "fetch");
}

TEST_P(SchedulerState, DegradedToUp_TakesRecoverAfterSuccessesInARow) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  scripted_http_server server;
  // fast: up; slow (over the job's 150 ms bar): degraded; fast: not yet
  // (recover_after 2); fast: up.
  server.slow = {false, true, false, false};
  jobs::job_spec j = web_job(server, 50ms);
  j.schedule.recover_after = 2;
  std::get<jobs::fetch_spec>(j.kind).options.edit().degraded_if.total_over = 150ms;
  s.apply({j});
  run_until(s, server, sink, 4);
  ASSERT_NO_FATAL_FAILURE(
      expect_outcomes(sink, {outcome::success, outcome::degraded, outcome::success, outcome::success}));
  EXPECT_EQ(sink.results[1].condition, "degraded_if.total_over");
  ASSERT_EQ(sink.changes.size(), 3u);
  EXPECT_EQ(sink.changes[1].to, job_state::degraded);
  EXPECT_EQ(sink.changes[2].from, job_state::degraded);
  EXPECT_EQ(sink.changes[2].to, job_state::up);
  EXPECT_EQ(sink.runs_before_change[2], 4u) << "up on the second success in a row, not the first";
}

TEST_P(SchedulerState, ClosedPort_IsAFailureAndTheJobGoesDown) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  // A port that was just free: bind, read the port, close.
  std::uint16_t port;
  {
    reactor::socket probe = reactor::socket::listen_tcp(*socket_address::parse("127.0.0.1", 0));
    port = probe.local_address().port();
  }
  jobs::job_spec j;
  j.name = "closed";
  j.schedule.interval = 1h;
  j.schedule.timeout = 5s;
  jobs::fetch_spec f;
  f.url = "http://127.0.0.1:" + std::to_string(port) + "/";
  j.kind = f;
  s.apply({j});
  l().run(open_scope([&](scope& sc) -> task<void> {
    sc.spawn(s.run());
    while (sink.results.empty()) co_await sleep_for(5ms);
    co_await s.drain(clock::now() + 5s);
  }));
  ASSERT_EQ(sink.results.size(), 1u);
  EXPECT_EQ(sink.results[0].result, outcome::failure) << sink.results[0].message;
  EXPECT_TRUE(std::holds_alternative<jobs::fetch_result>(sink.results[0].details));
  ASSERT_EQ(sink.changes.size(), 1u);
  EXPECT_EQ(sink.changes[0].to, job_state::down);
}
