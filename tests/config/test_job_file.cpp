// The job file: what it accepts, and that each kind of mistake is reported
// with its place (line:col) and what was expected, all at once.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "config/job_file.hpp"
#include "support/temp_dir.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

config::job_file parse(std::string const& text, fs::path base = ".") {
  return config::parse_job_file(text, "jobs.yaml", base);
}

// The diagnostics of a file that must be rejected.
std::vector<config::diagnostic> errors_of(std::string const& text, fs::path base = ".") {
  try {
    parse(text, base);
  } catch (config::config_error const& e) {
    return e.diagnostics();
  }
  ADD_FAILURE() << "accepted:\n" << text;
  return {};
}

// Asserts there is an error at line:col whose message contains `words`.
void expect_error(std::vector<config::diagnostic> const& ds, int line, int col, std::string const& words) {
  for (auto const& d : ds)
    if (d.line == line && d.column == col && d.message.find(words) != std::string::npos) return;
  std::string all;
  for (auto const& d : ds) all += d.to_string() + "\n";
  ADD_FAILURE() << "no error at " << line << ":" << col << " containing '" << words << "'; got:\n" << all;
}

}  // namespace

TEST(JobFile, ReadsEveryKindWithItsFields) {
  auto f = parse(R"(
jobs:
  - name: count
    kind: countdown
    every: 1m
    from: 3
    tick: 250ms
  - name: lo4
    kind: ping
    every: 10s
    jitter: 2s
    timeout: 8s
    fail_after: 3
    recover_after: 2
    retest_every: 5s
    target: 127.0.0.1
    count: 4
    interval: 100ms
    payload_size: 1KiB
    echo_timeout: 500ms
    ip: 4
  - name: web
    kind: fetch
    url: http://127.0.0.1:8080/health
    method: post
    body: "{}"
    headers: { X-Probe: reactord }
    expect_status: [200, 3xx, 401-403]
    body_contains: ok
    body_matches: "^ok"
    max_body: 1MiB
    verify_tls: false
    follow_redirects: true
    ip: any
)");
  ASSERT_EQ(f.jobs.size(), 3u);
  auto const& c = std::get<jobs::countdown_spec>(f.jobs[0].kind);
  EXPECT_EQ(c.from, 3);
  EXPECT_EQ(c.tick, 250ms);
  EXPECT_EQ(f.jobs[0].schedule.interval, 60s);
  auto const& p = std::get<jobs::ping_spec>(f.jobs[1].kind);
  EXPECT_EQ(p.target, "127.0.0.1");
  EXPECT_EQ(p.options->count, 4);
  EXPECT_EQ(p.options->interval, 100ms);
  EXPECT_EQ(p.options->payload_size, 1024u);
  EXPECT_EQ(p.options->echo_timeout, 500ms);
  EXPECT_EQ(p.options->ip, jobs::ip_version::v4);
  auto const& s = f.jobs[1].schedule;
  EXPECT_EQ(s.interval, 10s);
  EXPECT_EQ(s.jitter, 2s);
  EXPECT_EQ(s.timeout, jobs::duration(8s));
  EXPECT_EQ(s.fail_after, 3);
  EXPECT_EQ(s.recover_after, 2);
  EXPECT_EQ(s.retest_interval, jobs::duration(5s));
  auto const& w = std::get<jobs::fetch_spec>(f.jobs[2].kind);
  EXPECT_EQ(w.options->method, "POST");
  EXPECT_EQ(w.options->body, "{}");
  ASSERT_EQ(w.options->headers.size(), 1u);
  EXPECT_EQ(w.options->headers[0].first, "X-Probe");
  ASSERT_EQ(w.options->expected_status.size(), 3u);
  EXPECT_EQ(w.options->expected_status[1], (jobs::status_range{300, 399}));
  EXPECT_EQ(w.options->expected_status[2], (jobs::status_range{401, 403}));
  EXPECT_EQ(w.options->body_contains, "ok");
  EXPECT_EQ(w.options->max_body_bytes, 1024u * 1024);
  EXPECT_FALSE(w.options->verify_tls);
  EXPECT_TRUE(w.options->follow_redirects);
}

TEST(JobFile, DefaultsApplyPerKindAndJobsOverrideThem) {
  auto f = parse(R"(
defaults:
  ping: { count: 5, every: 30s, interval: 200ms }
jobs:
  - { name: a, kind: ping, target: 127.0.0.1 }
  - { name: b, kind: ping, target: "::1", count: 2 }
  - { name: c, kind: countdown, from: 1 }
)");
  ASSERT_EQ(f.jobs.size(), 3u);
  EXPECT_EQ(std::get<jobs::ping_spec>(f.jobs[0].kind).options->count, 5);
  EXPECT_EQ(f.jobs[0].schedule.interval, 30s);
  EXPECT_EQ(std::get<jobs::ping_spec>(f.jobs[1].kind).options->count, 2);
  EXPECT_EQ(std::get<jobs::ping_spec>(f.jobs[1].kind).options->interval, 200ms);
  EXPECT_EQ(f.jobs[2].schedule.interval, 60s);  // ping defaults do not leak into other kinds
}

TEST(JobFile, DaemonSettingsAreRead) {
  auto f = parse(R"(
daemon:
  status_listen: "[::1]:0"
  shutdown_grace: 3s
  max_concurrency: 7
jobs: []
)");
  EXPECT_EQ(f.settings.status_listen, (config::listen_address{true, "::1", 0}));
  EXPECT_EQ(f.settings.shutdown_grace, 3s);
  EXPECT_EQ(f.settings.max_concurrency, 7u);
  EXPECT_FALSE(parse("daemon: { status_listen: off }\njobs: []\n").settings.status_listen.enabled);
}

TEST(JobFile, UnknownKeyGetsADidYouMean) {
  auto ds = errors_of(R"(jobs:
  - name: a
    kind: ping
    target: 127.0.0.1
    intervall: 1s
)");
  expect_error(ds, 5, 5, "did you mean 'interval'?");
}

TEST(JobFile, UnknownKindGetsADidYouMean) {
  expect_error(errors_of("jobs:\n  - { name: a, kind: pnig }\n"), 2, 22, "did you mean 'ping'?");
}

TEST(JobFile, EmptyFileIsAnError) {
  expect_error(errors_of(""), 1, 1, "empty");
  expect_error(errors_of("# only a comment\n"), 1, 1, "empty");
}

TEST(JobFile, YamlSyntaxErrorIsLocated) {
  auto ds = errors_of("jobs:\n  - name: a\n    kind: [ping\n");
  ASSERT_FALSE(ds.empty());
  EXPECT_NE(ds[0].message.find("not valid YAML"), std::string::npos);
  EXPECT_GT(ds[0].line, 0);
}

TEST(JobFile, EveryProblemIsReportedAtOnce) {
  auto ds = errors_of(R"(jobs:
  - name: a
    kind: ping
    target: 127.0.0.1
    count: 0
    interval: 1ms
  - name: a
    kind: fetch
    url: ftp://127.0.0.1/
  - name: c
    kind: countdown
    from: many
    tick: 5
  - name: d
    kind: fetch
    url: http://127.0.0.1:99999/
    verify_tls: maybe
)");
  expect_error(ds, 5, 12, "between 1 and 10000");
  expect_error(ds, 7, 11, "duplicate job name 'a'");
  expect_error(ds, 9, 10, "http:// or https://");
  expect_error(ds, 12, 11, "whole number");
  expect_error(ds, 13, 11, "no unit");
  expect_error(ds, 16, 10, "port");
  expect_error(ds, 17, 17, "true or false");
}

TEST(JobFile, PingIntervalUnderTheFloorIsAnError) {
  auto ds = errors_of(R"(jobs:
  - name: fast
    kind: ping
    target: 127.0.0.1
    count: 5
    interval: 1ms
)");
  expect_error(ds, 6, 15, "under the floor");
}

TEST(JobFile, PingThatCannotFinishWithinItsTimeoutIsAnError) {
  auto ds = errors_of(R"(jobs:
  - name: slow
    kind: ping
    target: 127.0.0.1
    every: 5s
    count: 10
    interval: 1s
)");
  expect_error(ds, 6, 12, "more than the run may last");
}

TEST(JobFile, MissingRequiredFieldsAreNamed) {
  auto ds = errors_of(R"(jobs:
  - kind: ping
  - name: p
    kind: ping
  - name: f
    kind: fetch
  - name: k
)");
  expect_error(ds, 2, 5, "needs a 'name'");
  expect_error(ds, 3, 5, "needs a 'target'");
  expect_error(ds, 5, 5, "needs a 'url'");
  expect_error(ds, 7, 5, "needs a 'kind'");
}

TEST(JobFile, WrongShapesAreReported) {
  auto ds = errors_of(R"(jobs:
  - name: a
    kind: fetch
    url: [http://127.0.0.1/]
    headers: just-one
    expect_status: 2xy
    body_matches: "(unclosed"
    every: 
)");
  expect_error(ds, 4, 10, "single value, not a list");
  expect_error(ds, 5, 14, "mapping of Header-Name");
  expect_error(ds, 6, 20, "expect_status");
  expect_error(ds, 7, 19, "regular expression");
  expect_error(ds, 8, 5, "'every' has no value");
}

TEST(JobFile, DuplicateKeyIsReported) {
  expect_error(errors_of("jobs:\n  - name: a\n    kind: countdown\n    from: 1\n    from: 2\n"), 5, 5, "given twice");
}

// Past a few dozen keys the keys seen are looked up another way: a repeat
// there is still found, and named with its first line.
TEST(JobFile, DuplicateKeyInALongMappingIsReported) {
  std::string text = "jobs:\n  - name: a\n    kind: countdown\n";
  for (int i = 0; i < 40; ++i) text += "    k" + std::to_string(i) + ": x\n";
  text += "    k35: y\n    k3: y\n";
  auto ds = errors_of(text);
  expect_error(ds, 44, 5, "'k35' is given twice (first at line 39)");
  expect_error(ds, 45, 5, "'k3' is given twice (first at line 7)");
  expect_error(ds, 43, 5, "unknown key 'k39'");
}

// A key too far from any known one for a suggestion lists them all, each
// once, in order.
TEST(JobFile, UnknownKeyWithNoNearOneListsTheKnownKeys) {
  expect_error(errors_of("daemon:\n  zzzzzzzzzz: 1\njobs: []\n"), 2, 3,
               "unknown key 'zzzzzzzzzz'; expected one of: max_concurrency shutdown_grace status_listen");
}

TEST(JobFile, JitterLongerThanThePeriodIsAnError) {
  expect_error(errors_of("jobs:\n  - { name: a, kind: countdown, from: 1, every: 1s, jitter: 2s }\n"), 2, 61,
               "must not exceed 'every'");
}

TEST(JobFile, BadStatusListenIsReported) {
  expect_error(errors_of("daemon:\n  status_listen: localhost:80\njobs: []\n"), 2, 18, "numeric address");
}

TEST(JobFile, DropInsAreReadInOrderAndTheirErrorsNameTheirFile) {
  temp_dir d;
  d.write("jobs.yaml", "include: jobs.d/*.yaml\njobs:\n  - { name: main, kind: countdown, from: 1 }\n");
  d.write("jobs.d/b.yaml", "jobs:\n  - { name: b, kind: countdown, from: 1 }\n");
  d.write("jobs.d/a.yaml", "jobs:\n  - { name: a, kind: countdown, from: 1 }\n");
  auto f = config::load_job_file(d.path / "jobs.yaml");
  ASSERT_EQ(f.jobs.size(), 3u);
  EXPECT_EQ(f.jobs[0].name, "main");
  EXPECT_EQ(f.jobs[1].name, "a");
  EXPECT_EQ(f.jobs[2].name, "b");
  EXPECT_EQ(f.drop_ins.size(), 2u);

  d.write("jobs.d/c.yaml", "jobs:\n  - { name: main, kind: countdown, from: 1 }\n");
  try {
    config::load_job_file(d.path / "jobs.yaml");
    ADD_FAILURE() << "a duplicate across files was accepted";
  } catch (config::config_error const& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].file, (d.path / "jobs.d" / "c.yaml").string());
    EXPECT_NE(e.diagnostics()[0].message.find("first defined at"), std::string::npos);
  }
}

TEST(JobFile, MissingFileIsReportedNotThrownAsSomethingElse) {
  try {
    config::load_job_file("/nonexistent/reactord/jobs.yaml");
    ADD_FAILURE();
  } catch (config::config_error const& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_NE(e.diagnostics()[0].message.find("cannot open"), std::string::npos);
  }
}

// body_matches is compiled by RE2 under limits, when the file is read; what
// crashed or overflowed std::regex is an error at the pattern's place.
TEST(JobFile, RegexWithDeepNestingIsAnErrorAtItsPlace) {
  std::string nested = std::string(25'000, '(') + "a" + std::string(25'000, ')');
  expect_error(errors_of("jobs:\n  - name: a\n    kind: fetch\n    url: http://127.0.0.1/\n    body_matches: '" +
                         nested + "'\n"),
               5, 19, "regular expression");
}

TEST(JobFile, RegexWithAHugeBackreferenceIsAnErrorAtItsPlace) {
  expect_error(errors_of("jobs:\n  - name: a\n    kind: fetch\n    url: http://127.0.0.1/\n"
                         "    body_not_matches: '(a)\\99999999999999999999999'\n"),
               5, 23, "regular expression");
}

TEST(JobFile, RegexLongerThanTheLimitIsAnErrorNamingIt) {
  expect_error(errors_of("jobs:\n  - name: a\n    kind: fetch\n    url: http://127.0.0.1/\n    body_matches: '" +
                         std::string(5000, 'a') + "'\n"),
               5, 19, "over the limit of 4096");
}

TEST(JobFile, CountdownWhoseLengthOverflowsIsAnError) {
  // 1,000,000 ticks of 24 h: 2,700 years, past int64 nanoseconds (it wrapped
  // to a negative length and passed).
  expect_error(errors_of("jobs:\n  - name: a\n    kind: countdown\n    from: 1000000\n    tick: 24h\n"
                         "    every: 366d\n"),
               4, 11, "more than 292 years");
}

TEST(JobFile, LabelsAreReadSortedAndMergedOverTheDefaults) {
  auto f = parse(R"(
defaults:
  ping: { labels: { site: par1, team: net } }
jobs:
  - { name: gw, kind: ping, target: 127.0.0.1, labels: { team: ops, rack: "b 2" } }
  - { name: other, kind: ping, target: 127.0.0.1 }
  - { name: web, kind: fetch, url: "http://127.0.0.1/", reuse_connection: true }
)");
  ASSERT_EQ(f.jobs.size(), 3u);
  EXPECT_EQ(f.jobs[0].labels, (jobs::label_set{{"rack", "b 2"}, {"site", "par1"}, {"team", "ops"}}));
  EXPECT_EQ(f.jobs[1].labels, (jobs::label_set{{"site", "par1"}, {"team", "net"}}));
  EXPECT_TRUE(f.jobs[2].labels.empty());
  EXPECT_TRUE(std::get<jobs::fetch_spec>(f.jobs[2].kind).options->reuse_connection);
  EXPECT_FALSE(jobs::fetch_spec{}.options->reuse_connection) << "a new connection per run by default";
}

TEST(JobFile, LabelNamesMustBePrometheusNamesAndNotOursOrTheScrapers) {
  auto ds = errors_of(R"(jobs:
  - name: a
    kind: countdown
    labels: { 9lives: x, __meta: x, job: x, instance: x, job_name: x, ok_name: [1, 2], "bad-dash": x }
)");
  expect_error(ds, 4, 15, "label names are letters, digits and '_'");
  expect_error(ds, 4, 26, "label names are letters, digits and '_'");
  expect_error(ds, 4, 37, "'job' is a label reactord or Prometheus sets itself");
  expect_error(ds, 4, 45, "'instance' is a label");
  expect_error(ds, 4, 58, "'job_name' is a label");
  expect_error(ds, 4, 80, "the value of label 'ok_name' must be a single line");
  expect_error(ds, 4, 88, "label names are letters");
}

// Each of a job's series repeats its labels: their number and length bound
// what one job adds to /metrics.
TEST(JobFile, LabelsAreAtMostTenOfBoundedLength) {
  std::string long_name(65, 'n'), long_value(129, 'v');
  auto ds = errors_of(
      "defaults:\n  countdown: { labels: { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 } }\njobs:\n"
      "  - { name: a, kind: countdown, labels: { " +
      long_name + ": x, ok: " + long_value +
      " } }\n"
      "  - { name: b, kind: countdown, labels: { g: 7, h: 8, i: 9, j: 10, k: 11 } }\n"
      "  - { name: c, kind: countdown, labels: { g: 7, h: 8, i: 9, " +
      std::string(64, 'm') + ": " + std::string(128, 'w') + " } }\n");
  expect_error(ds, 4, 43, "label names are at most 64 bytes, got 65");
  expect_error(ds, 4, 117, "the value of label 'ok' is 129 bytes, over the limit of 128");
  expect_error(ds, 5, 41, "a job has at most 10 labels (with those from defaults), got 11");
  EXPECT_EQ(ds.size(), 3u) << "ten labels, a 64-byte name and a 128-byte value are fine";
}

TEST(JobFile, HeaderAndLabelValuesAreOneLineOfText) {
  // A CR or LF in a header value would split the request; in a label value,
  // the /metrics line.
  auto ds = errors_of(R"(jobs:
  - name: a
    kind: fetch
    url: http://127.0.0.1/
    headers: { X-List: [1, 2], X-Split: "a\r\nX-Injected: b", X-Fine: ok }
    labels: { site: "two\nlines" }
)");
  expect_error(ds, 5, 24, "the value of header 'X-List' must be a single line");
  expect_error(ds, 5, 41, "the value of header 'X-Split' must be a single line");
  expect_error(ds, 6, 21, "the value of label 'site' must be a single line");
  EXPECT_EQ(ds.size(), 3u);
}

TEST(JobFile, DegradedIfAndFailedIfAreReadPerKindOverTheDefaults) {
  auto f = parse(R"(
defaults:
  ping: { failed_if: { loss_over: 50% } }
jobs:
  - name: gw
    kind: ping
    target: 127.0.0.1
    degraded_if: { loss_over: 10, rtt_avg_over: 20ms, rtt_max_over: 100ms }
    failed_if: { rtt_avg_over: 200ms }
  - name: web
    kind: fetch
    url: "http://127.0.0.1/"
    degraded_if: { total_over: 300ms, first_byte_over: 200ms }
    failed_if: { total_over: 2s, cert_expires_within: 7d }
)");
  auto const& p = std::get<jobs::ping_spec>(f.jobs[0].kind);
  EXPECT_EQ(p.options->degraded_if.loss_over_percent, 10.0);
  EXPECT_EQ(p.options->degraded_if.rtt_avg_over, 20ms);
  EXPECT_EQ(p.options->degraded_if.rtt_max_over, 100ms);
  EXPECT_EQ(p.options->failed_if.loss_over_percent, 50.0) << "from the defaults";
  EXPECT_EQ(p.options->failed_if.rtt_avg_over, 200ms);
  auto const& w = std::get<jobs::fetch_spec>(f.jobs[1].kind);
  EXPECT_EQ(w.options->degraded_if.total_over, 300ms);
  EXPECT_EQ(w.options->degraded_if.first_byte_over, 200ms);
  EXPECT_EQ(w.options->failed_if.total_over, 2s);
  EXPECT_EQ(w.options->failed_if.cert_expires_within, std::chrono::hours(24 * 7));
}

TEST(JobFile, ConditionMistakesAreReportedAtTheirPlace) {
  auto ds = errors_of(R"(jobs:
  - name: gw
    kind: ping
    target: 127.0.0.1
    degraded_if: { loss_over: 120%, rtt_avg_ovr: 20ms }
    failed_if: { total_over: 1s }
  - name: c
    kind: countdown
    failed_if: { took_over: 1s }
)");
  expect_error(ds, 5, 31, "'loss_over' is a share of echoes from 0% to 100%, got '120%'");
  expect_error(ds, 5, 37, "rtt_avg_over");
  expect_error(ds, 6, 18, "total_over");
  expect_error(ds, 9, 5, "failed_if");
}
