// fetch against a server of the test's own on 127.0.0.1, on every platform
// and backend (on Windows: libcurl with Schannel, its sockets polled
// through IOCP's AFD poll). The nginx-based suites (test_fetch.cpp) go
// further on Linux.
#include <gtest/gtest.h>

#include <string>

#include "support/backends.hpp"
#include "support/fetch_harness.hpp"
#include "support/loopback_http_server.hpp"

using namespace jobs;

class FetchLoopback : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(FetchLoopback);

TEST_P(FetchLoopback, Get_ReportsStatusBytesAndBody) {
  loopback_http_server server;
  fetch_spec spec = get(server.url("/"));
  spec.options.edit().body_contains = "hello from loopback";
  run_result r = fetch_once(l(), spec);
  EXPECT_EQ(r.result, outcome::success) << r.message;
  EXPECT_EQ(details(r).status, 200);
  EXPECT_EQ(details(r).bytes, std::string("hello from loopback\n").size());
  EXPECT_GT(details(r).total, details(r).connect);
  EXPECT_EQ(server.requests(), 1);
}

TEST_P(FetchLoopback, SequentialRuns_EachAnswered) {
  loopback_http_server server;
  auto results = fetch_in_sequence(l(), {get(server.url("/a")), get(server.url("/b")), get(server.url("/c"))});
  for (auto const& r : results) EXPECT_EQ(r.result, outcome::success) << r.message;
  EXPECT_EQ(server.requests(), 3);
}

TEST_P(FetchLoopback, LargeBody_ArrivesWhole) {
  // Many readiness waits on one socket, each re-armed after curl reads.
  loopback_http_server server;
  run_result r = fetch_once(l(), get(server.url("/bytes/4194304")));
  EXPECT_EQ(r.result, outcome::success) << r.message;
  EXPECT_EQ(details(r).bytes, 4194304u);
}

TEST_P(FetchLoopback, ConcurrentRuns_AllSucceed) {
  loopback_http_server server;
  std::vector<fetch_spec> specs;
  for (int i = 0; i < 40; ++i) specs.push_back(get(server.url("/bytes/" + std::to_string(1000 + i))));
  auto results = fetch_concurrently(l(), specs, 8);
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].result, outcome::success) << results[i].message;
    EXPECT_EQ(details(results[i]).bytes, 1000 + i);
  }
  EXPECT_EQ(server.requests(), 40);
}

TEST_P(FetchLoopback, ClosedPort_FailsSayingTheConnectFailed) {
  run_result r = fetch_once(l(), get(freed_port_url<loopback_http_server>()));
  EXPECT_EQ(r.result, outcome::failure);
  EXPECT_NE(r.message.find("onnect"), std::string::npos) << r.message;
}
