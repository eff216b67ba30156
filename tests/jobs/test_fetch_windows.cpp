// fetch on Windows, where this build has no libcurl (jobs/src/fetch_windows.cpp):
// a run fails at once, naming the reason, and the client's serve() ends
// when cancelled like the real one.
#include <gtest/gtest.h>

#include <string>

#include "backends.hpp"
#include "jobs/fetch.hpp"
#include "jobs/ping.hpp"
#include "reactor/reactor.hpp"

using namespace std::chrono_literals;

class FetchWithoutCurl : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(FetchWithoutCurl);

TEST_P(FetchWithoutCurl, RunFailsAtOnceNamingLibcurl) {
  reactor::loop& l = this->l();
  jobs::icmp_service icmp(l);
  jobs::http_client http(l);
  jobs::job_context ctx{l, icmp, http, [](std::string const&) {}};
  jobs::fetch_spec spec;
  spec.url = "http://127.0.0.1:1/";
  jobs::run_result r;
  l.run(reactor::open_scope([&](reactor::scope& s) -> reactor::task<void> {
    s.spawn(http.serve());
    r = co_await jobs::run_fetch(spec, ctx);
    s.cancel();
  }));
  EXPECT_EQ(r.result, jobs::outcome::failure);
  EXPECT_EQ(r.kind, "fetch");
  EXPECT_NE(r.message.find("no libcurl"), std::string::npos) << r.message;
  ASSERT_TRUE(std::holds_alternative<jobs::fetch_result>(r.details));
  EXPECT_EQ(std::get<jobs::fetch_result>(r.details).status, 0);
}
