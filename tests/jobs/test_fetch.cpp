// fetch against a real nginx on 127.0.0.1 (plain and TLS): what a run
// reports, each expectation, connection reuse, cancellation. The hostile
// servers are in test_fetch_hostile.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "cert_date.hpp"
#include "support/backends.hpp"
#include "support/fetch_harness.hpp"
#include "support/nginx_suite.hpp"

using namespace std::chrono_literals;
using jobs::fetch_spec;
using jobs::outcome;
using jobs::run_result;

namespace {

class Fetch : public on_each_backend_with_nginx<nginx_tls::on> {};
REACTORD_ON_EACH_BACKEND(Fetch);

}  // namespace

TEST_P(Fetch, GetFromNginx_ReportsStatusBytesAndPhaseTimings) {
  run_result r = fetch_once(l(), get(web().url("/1k.bin")));
  ASSERT_EQ(r.result, outcome::success) << r.message;
  auto const& f = details(r);
  EXPECT_EQ(f.status, 200);
  EXPECT_EQ(f.bytes, 1024u);
  EXPECT_TRUE(f.failed_expectation.empty());
  EXPECT_GT(f.total.count(), 0);
  EXPECT_LE(f.connect, f.first_byte);
  EXPECT_LE(f.first_byte, f.total);
  EXPECT_EQ(f.tls.count(), 0);  // plain HTTP has no TLS phase
  EXPECT_FALSE(f.cert_expiry.has_value());
}

TEST_P(Fetch, SequentialRuns_OpenANewConnectionEachByDefault) {
  // nginx counts the requests made over the connection that asks: 1 every
  // time, so connect (and TLS) are measured on every run.
  std::vector<fetch_spec> specs(3, get(web().url("/conn")));
  for (auto& s : specs) s.options.edit().body_contains = "requests on this connection: 1\n";
  std::vector<run_result> rs = fetch_in_sequence(l(), specs);
  for (auto const& r : rs) EXPECT_EQ(r.result, outcome::success) << r.message;
}

TEST_P(Fetch, SequentialTlsRuns_HandshakeEveryTimeByDefault) {
  fetch_spec s = get(web().tls_url("/index.html"));
  s.options.edit().ca_file = web().ca_file();
  std::vector<run_result> rs = fetch_in_sequence(l(), {s, s, s});
  for (auto const& r : rs) {
    EXPECT_EQ(r.result, outcome::success) << r.message;
    EXPECT_GT(details(r).tls, details(r).connect) << "each run made its own TLS handshake";
    EXPECT_TRUE(details(r).cert_expiry.has_value());
  }
}

TEST_P(Fetch, SequentialRuns_ReuseOneConnectionWhenAsked) {
  std::vector<fetch_spec> specs;
  for (int i = 1; i <= 3; ++i) {
    fetch_spec s = get(web().url("/conn"));
    s.options.edit().reuse_connection = true;
    s.options.edit().body_contains = "requests on this connection: " + std::to_string(i) + "\n";
    specs.push_back(s);
  }
  std::vector<run_result> rs = fetch_in_sequence(l(), specs);
  for (auto const& r : rs) EXPECT_EQ(r.result, outcome::success) << r.message;
}

TEST_P(Fetch, UserAgent_IsReactordAndItsVersionUnlessAHeaderSaysOtherwise) {
  fetch_spec plain = get(web().url("/agent"));
  plain.options.edit().body_contains = "agent: reactord/" REACTORD_VERSION "\n";
  fetch_spec own = get(web().url("/agent"));
  own.options.edit().headers = {{"User-Agent", "my-probe/2"}};
  own.options.edit().body_contains = "agent: my-probe/2\n";
  std::vector<run_result> rs = fetch_in_sequence(l(), {plain, own});
  for (auto const& r : rs) EXPECT_EQ(r.result, outcome::success) << r.message;
}

TEST_P(Fetch, HostName_ResolvedThroughCurlsResolver) {
  // "localhost" goes through curl's resolver (whose threaded variant hands
  // us a socketpair fd we did not open), unlike a numeric address.
  fetch_spec s = get("http://localhost:" + std::to_string(web().port()) + "/index.html");
  s.options.edit().ip = jobs::ip_version::v4;
  run_result r = fetch_once(l(), s);
  EXPECT_EQ(r.result, outcome::success) << r.message;
}

TEST_P(Fetch, HeadRequest_HasStatusAndNoBody) {
  fetch_spec s = get(web().url("/1k.bin"));
  s.options.edit().method = "HEAD";
  run_result r = fetch_once(l(), s);
  ASSERT_EQ(r.result, outcome::success) << r.message;
  EXPECT_EQ(details(r).status, 200);
  EXPECT_EQ(details(r).bytes, 0u);
}

TEST_P(Fetch, PostWithBodyAndHeaders_ReachesTheServer) {
  fetch_spec s = get(web().url("/echo"));
  s.options.edit().method = "POST";
  s.options.edit().body = "hello";
  s.options.edit().headers = {{"X-Probe", "from-the-test"}};
  s.options.edit().body_contains = "POST 5 from-the-test\n";
  run_result r = fetch_once(l(), s);
  EXPECT_EQ(r.result, outcome::success) << r.message;
}

TEST_P(Fetch, SequentialRunsOfOtherUrls_EachGetsItsOwn) {
  // One pooled handle serves them all, set again for the URL alone
  // (http_easy_pool.hpp); a plain URL's handle never serves an https one.
  fetch_spec tls = get(web().tls_url("/index.html"));
  tls.options.edit().ca_file = web().ca_file();
  fetch_spec plain = get(web().url("/status/404"));
  plain.options = tls.options;
  fetch_spec plain_1k = get(web().url("/1k.bin"));
  plain_1k.options = tls.options;
  std::vector<run_result> rs = fetch_in_sequence(l(), {plain, plain_1k, tls, plain, tls});
  ASSERT_EQ(rs.size(), 5u);
  EXPECT_EQ(details(rs[0]).status, 404);
  EXPECT_EQ(rs[1].result, outcome::success) << rs[1].message;
  EXPECT_EQ(details(rs[1]).bytes, 1024u);
  EXPECT_EQ(rs[2].result, outcome::success) << rs[2].message;
  EXPECT_EQ(details(rs[3]).status, 404);
  EXPECT_EQ(rs[4].result, outcome::success) << rs[4].message;
}

TEST_P(Fetch, UnsupportedMethod_FailsWithoutSending) {
  fetch_spec s = get(web().url("/echo"));
  s.options.edit().method = "DELETE";
  run_result r = fetch_once(l(), s);
  EXPECT_EQ(r.result, outcome::failure);
  EXPECT_NE(r.message.find("DELETE"), std::string::npos) << r.message;
}

TEST_P(Fetch, StatusOutsideExpected_FailsNamingTheStatus) {
  run_result r = fetch_once(l(), get(web().url("/status/404")));
  EXPECT_EQ(r.result, outcome::failure);
  EXPECT_EQ(details(r).status, 404);
  EXPECT_EQ(details(r).failed_expectation, "expected_status");
  EXPECT_NE(r.message.find("404"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("200-299"), std::string::npos) << r.message;
}

TEST_P(Fetch, StatusInExpectedList_Succeeds) {
  fetch_spec s = get(web().url("/status/404"));
  s.options.edit().expected_status = {{200, 200}, {404, 404}};
  run_result r = fetch_once(l(), s);
  EXPECT_EQ(r.result, outcome::success) << r.message;
}

TEST_P(Fetch, BodyExpectations_EachFailsWithItsName) {
  fetch_spec contains = get(web().url("/index.html"));
  contains.options.edit().body_contains = "not in the page";
  fetch_spec matches = get(web().url("/index.html"));
  matches.options.edit().body_matches = jobs::body_pattern("^bye");
  fetch_spec not_matches = get(web().url("/index.html"));
  not_matches.options.edit().body_not_matches = jobs::body_pattern("hel+o");
  fetch_spec all_hold = get(web().url("/index.html"));
  all_hold.options.edit().body_contains = "from nginx";
  all_hold.options.edit().body_matches = jobs::body_pattern("^hello\\s+from");
  all_hold.options.edit().body_not_matches = jobs::body_pattern("error");
  auto rs = fetch_in_sequence(l(), {contains, matches, not_matches, all_hold});
  EXPECT_EQ(details(rs[0]).failed_expectation, "body_contains");
  EXPECT_EQ(details(rs[1]).failed_expectation, "body_matches");
  EXPECT_EQ(details(rs[2]).failed_expectation, "body_not_matches");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(rs[i].result, outcome::failure);
  EXPECT_EQ(rs[3].result, outcome::success) << rs[3].message;
}

TEST_P(Fetch, Redirect_NotFollowedByDefault_FollowedWhenAsked) {
  fetch_spec plain = get(web().url("/redirect"));
  fetch_spec follow = plain;
  follow.options.edit().follow_redirects = true;
  follow.options.edit().body_contains = "hello from nginx";
  auto rs = fetch_in_sequence(l(), {plain, follow});
  EXPECT_EQ(rs[0].result, outcome::failure);
  EXPECT_EQ(details(rs[0]).status, 302);
  EXPECT_EQ(rs[1].result, outcome::success) << rs[1].message;
  EXPECT_EQ(details(rs[1]).status, 200);
}

TEST_P(Fetch, BodyPastMaxBodyBytes_FailsAndKeepsNoMore) {
  fetch_spec s = get(web().url("/1k.bin"));
  s.options.edit().max_body_bytes = 100;
  run_result r = fetch_once(l(), s);
  EXPECT_EQ(r.result, outcome::failure);
  EXPECT_EQ(details(r).failed_expectation, "max_body_bytes");
  // What arrived before the abort, not 0: more than the limit, at most the file.
  EXPECT_GT(details(r).bytes, 100u);
  EXPECT_LE(details(r).bytes, 1024u);
}

TEST_P(Fetch, FailedIfAndDegradedIf_NameTheBarTheValueAndTheCondition) {
  fetch_spec slow_total = get(web().url("/index.html"));
  slow_total.options.edit().failed_if.total_over = 0ms;  // any real request takes longer
  fetch_spec slow_first = get(web().url("/index.html"));
  slow_first.options.edit().degraded_if.first_byte_over = 0ms;
  fetch_spec within = get(web().url("/index.html"));
  within.options.edit().failed_if.total_over = 1h;
  within.options.edit().degraded_if.first_byte_over = 1h;
  auto rs = fetch_in_sequence(l(), {slow_total, slow_first, within});
  EXPECT_EQ(rs[0].result, outcome::failure) << rs[0].message;
  EXPECT_EQ(rs[0].condition, "failed_if.total_over");
  EXPECT_NE(rs[0].message.find("is over 0ms (failed_if.total_over)"), std::string::npos) << rs[0].message;
  EXPECT_EQ(rs[1].result, outcome::degraded) << rs[1].message;
  EXPECT_EQ(rs[1].condition, "degraded_if.first_byte_over");
  EXPECT_EQ(rs[2].result, outcome::success) << rs[2].message;
  EXPECT_TRUE(rs[2].condition.empty());
}

TEST_P(Fetch, CertExpiresWithin_CheckedAlsoWithoutVerification) {
  // nginx's certificate is valid for 30 days.
  fetch_spec soon = get(web().tls_url("/index.html"));
  soon.options.edit().verify_tls = false;
  soon.options.edit().failed_if.cert_expires_within = std::chrono::hours(24 * 60);
  fetch_spec later = soon;
  later.options.edit().failed_if.cert_expires_within = std::chrono::hours(24 * 7);
  auto rs = fetch_in_sequence(l(), {soon, later});
  EXPECT_EQ(rs[0].result, outcome::failure) << rs[0].message;
  EXPECT_EQ(rs[0].condition, "failed_if.cert_expires_within");
  EXPECT_NE(rs[0].message.find("the certificate expires in "), std::string::npos) << rs[0].message;
  EXPECT_NE(rs[0].message.find("within 60d"), std::string::npos) << rs[0].message;
  EXPECT_EQ(rs[1].result, outcome::success) << rs[1].message;
}

TEST_P(Fetch, NonHttpSchemes_AreRefused) {
  auto rs =
      fetch_in_sequence(l(), {get("file:///etc/hostname"), get("ftp://127.0.0.1:1/"), get("gopher://127.0.0.1:1/")});
  for (auto const& r : rs) {
    EXPECT_EQ(r.result, outcome::failure);
    EXPECT_NE(r.message.find("protocol"), std::string::npos) << r.message;
  }
}

TEST_P(Fetch, ClosedPort_FailsWithConnectionRefused) {
  run_result r = fetch_once(l(), get(freed_port_url<nginx_server>()));
  EXPECT_EQ(r.result, outcome::failure);
  EXPECT_NE(r.message.find("onnect"), std::string::npos) << r.message;
}

TEST_P(Fetch, SelfSignedTls_FailsWithoutCaFile_SucceedsWithIt) {
  fetch_spec no_ca = get(web().tls_url("/index.html"));
  fetch_spec with_ca = no_ca;
  with_ca.options.edit().ca_file = web().ca_file();
  fetch_spec unverified = no_ca;
  unverified.options.edit().verify_tls = false;
  auto rs = fetch_in_sequence(l(), {no_ca, with_ca, unverified});
  EXPECT_EQ(rs[0].result, outcome::failure);
  EXPECT_EQ(details(rs[0]).failed_expectation, "verify_tls") << rs[0].message;
  EXPECT_EQ(rs[1].result, outcome::success) << rs[1].message;
  EXPECT_GT(details(rs[1]).tls, details(rs[1]).connect);
  EXPECT_EQ(rs[2].result, outcome::success) << rs[2].message;
}

TEST_P(Fetch, TlsCertificateExpiry_ReportedAlsoOnReusedConnection) {
  fetch_spec s = get(web().tls_url("/index.html"));
  s.options.edit().ca_file = web().ca_file();
  s.options.edit().reuse_connection = true;
  auto rs = fetch_in_sequence(l(), {s, s});
  auto now = std::chrono::system_clock::now();
  for (auto const& r : rs) {
    ASSERT_EQ(r.result, outcome::success) << r.message;
    ASSERT_TRUE(details(r).cert_expiry.has_value());
    // The certificate was made for 30 days, minutes ago.
    auto left = *details(r).cert_expiry - now;
    EXPECT_GT(left, std::chrono::hours(24 * 29));
    EXPECT_LT(left, std::chrono::hours(24 * 31));
  }
}

// The date is the certificate's own notAfter to the second, as openssl
// prints it from the file nginx serves, and comes with verification off too.
TEST_P(Fetch, TlsCertificateExpiry_IsTheServedCertificatesNotAfter) {
  std::string command = "openssl x509 -noout -enddate -in '" + web().ca_file() + "'";
  FILE* out = popen(command.c_str(), "r");
  ASSERT_NE(out, nullptr);
  char line[128] = {};
  bool read = std::fgets(line, sizeof line, out) != nullptr;
  pclose(out);
  ASSERT_TRUE(read) << command;
  std::string_view text = line;  // "notAfter=Jan  5 06:53:10 2027 GMT\n"
  ASSERT_TRUE(text.starts_with("notAfter=")) << text;
  text.remove_prefix(9);
  while (text.ends_with('\n')) text.remove_suffix(1);
  auto not_after = jobs::parse_cert_date(text);
  ASSERT_TRUE(not_after) << text;

  for (bool verify : {true, false}) {
    fetch_spec s = get(web().tls_url("/index.html"));
    s.options.edit().ca_file = web().ca_file();
    s.options.edit().verify_tls = verify;
    run_result r = fetch_once(l(), s);
    ASSERT_EQ(r.result, outcome::success) << r.message;
    EXPECT_EQ(details(r).cert_expiry, not_after) << "verify_tls: " << verify;
  }
}

TEST_P(Fetch, CertificateForAnotherName_FailsVerification) {
  fetch_spec s = get(web().wrong_name_url("/index.html"));
  s.options.edit().ca_file = web().ca_file();
  run_result r = fetch_once(l(), s);
  EXPECT_EQ(r.result, outcome::failure);
  EXPECT_EQ(details(r).failed_expectation, "verify_tls") << r.message;
}

TEST_P(Fetch, ManyConcurrentRuns_AllSucceedOverFewConnections) {
  std::vector<fetch_spec> specs(200, get(web().url("/conn")));
  for (auto& s : specs) s.options.edit().body_matches = jobs::body_pattern("requests on this connection: [0-9]+");
  auto rs = fetch_concurrently(l(), specs, 32);
  int ok = 0;
  for (auto const& r : rs) ok += r.result == outcome::success;
  EXPECT_EQ(ok, 200);
}

TEST_P(Fetch, RunStartedBeforeServe_WaitsForIt) {
  std::optional<run_result> r;
  l().run([](reactor::loop& l, fetch_spec spec, std::optional<run_result>& r) -> reactor::task<void> {
    jobs::http_client http(l);
    jobs::icmp_service icmp(l);
    jobs::job_context ctx{l, icmp, http, {}};
    co_await reactor::open_scope([&](reactor::scope& s) -> reactor::task<void> {
      s.spawn([](fetch_spec spec, jobs::job_context& ctx, std::optional<run_result>& r) -> reactor::task<void> {
        r = co_await jobs::run_fetch(spec, ctx);
      }(spec, ctx, r));
      co_await reactor::sleep_for(20ms);  // the run is waiting by now
      auto serving = s.spawn(http.serve());
      while (!r) co_await reactor::sleep_for(5ms);
      serving.cancel();
    });
  }(l(), get(web().url("/index.html")), r));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->result, outcome::success) << r->message;
}
