// The status endpoint and the log formats, end to end on each backend.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <iconv.h>
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <tuple>
#include <utility>
#include <vector>

#include "support/daemon_process.hpp"
#include "support/nginx_server.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;

namespace {
std::string read_text(std::string const& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

class StatusAndLogs : public on_each_daemon_backend {
 protected:
  temp_dir dir;
  std::vector<std::string> args(std::string const& file) { return {"--config", file, "--backend", backend()}; }
  // A job file of the status endpoint on a free port and 1000 countdown
  // jobs j0 .. j999, one run each second (spread by jitter), `tick` apart.
  std::string thousand_jobs(std::string const& tick) {
    return dir.write("jobs.yaml", "daemon: { status_listen: 127.0.0.1:0 }\njobs:\n" +
                                      countdown_jobs(1000, "from: 1, tick: " + tick + ", every: 1s, jitter: 1s"));
  }
  // Sets `port` to d's status endpoint once it listens; a fatal failure if
  // it never does (call in ASSERT_NO_FATAL_FAILURE).
  static void wait_for_status_port(daemon_process& d, std::uint16_t& port) {
    auto listening = d.wait_for("status endpoint listening");
    ASSERT_TRUE(listening) << d.all_output();
    port = port_in(*listening);
  }
};
REACTORD_ON_EACH_BACKEND(StatusAndLogs);

TEST_P(StatusAndLogs, MetricsAndHealthzAnswerWhileAThousandJobsRun) {
  daemon_process d(args(thousand_jobs("10ms")));
  std::uint16_t port = 0;
  ASSERT_NO_FATAL_FAILURE(wait_for_status_port(d, port));
  ASSERT_TRUE(d.wait_for("result job=j999")) << "the jobs run";

  auto health = http_get(port, "/healthz");
  ASSERT_NE(health.find("HTTP/1.1 200 OK"), std::string::npos) << health;
  auto body = health.substr(health.find("\r\n\r\n") + 4);
  auto keys = json_check::object_keys(body.substr(0, body.find_last_not_of('\n') + 1));
  ASSERT_TRUE(keys) << body;
  EXPECT_TRUE(keys->count("backend") && keys->count("uptime_seconds") && keys->count("jobs")) << body;
  EXPECT_NE(body.find("\"jobs\":1000"), std::string::npos) << body;
  EXPECT_NE(body.find("\"backend\":\"" + backend() + "\""), std::string::npos) << body;

  auto metrics = http_get(port, "/metrics");
  ASSERT_NE(metrics.find("HTTP/1.1 200 OK"), std::string::npos) << metrics.substr(0, 200);
  EXPECT_NE(metrics.find("# TYPE reactord_job_runs_total counter"), std::string::npos);
  EXPECT_NE(metrics.find("reactord_job_runs_total{job_name=\"j999\",kind=\"countdown\"}"), std::string::npos);
  EXPECT_EQ(metrics.find("{job="), std::string::npos) << "Prometheus would rename it exported_job";
  EXPECT_NE(metrics.find("reactord_jobs 1000"), std::string::npos);
  EXPECT_NE(metrics.find("reactord_job_last_outcome{job_name=\"j999\",kind=\"countdown\",outcome=\"success\"} 1"),
            std::string::npos);
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << "exit after 1000 jobs";
}

TEST_P(StatusAndLogs, BadOversizedAndSilentRequestsAreAnsweredWithoutDisturbingTheJobs) {
  auto f = dir.write("jobs.yaml", R"(daemon: { status_listen: 127.0.0.1:0 }
jobs:
  - { name: steady, kind: countdown, from: 0, every: 100ms }
)");
  daemon_process d(args(f));
  std::uint16_t port = 0;
  ASSERT_NO_FATAL_FAILURE(wait_for_status_port(d, port));
  EXPECT_NE(http_exchange(port, "NONSENSE\x01\r\n\r\n").find("HTTP/1.1 400"), std::string::npos);
  // The whole answer arrives although the server stopped reading early (no
  // RST from closing on unread input).
  auto oversized = http_exchange(port, "GET / HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_NE(oversized.find("HTTP/1.1 400"), std::string::npos) << oversized;
  EXPECT_NE(oversized.find("request larger than"), std::string::npos) << oversized;
  EXPECT_NE(http_get(port, "/nothing").find("HTTP/1.1 404"), std::string::npos);
  EXPECT_NE(http_exchange(port, "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n")
                .find("HTTP/1.1 405"),
            std::string::npos);
  // A client that connects and says nothing is answered 408 and dropped
  // (after 5 s), while the job keeps its 100 ms schedule.
  auto before = d.count("result job=steady");
  auto silent = http_exchange(port, "");
  EXPECT_NE(silent.find("HTTP/1.1 408"), std::string::npos) << silent;
  d.read_for(300ms);
  EXPECT_GT(d.count("result job=steady"), before + 5) << "the job ran while the client was silent";
  auto metrics = http_get(port, "/metrics");
  EXPECT_NE(metrics.find("reactord_status_requests_total{code=\"400\"} 2"), std::string::npos);
  EXPECT_NE(metrics.find("reactord_status_requests_total{code=\"408\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("reactord_status_requests_total{code=\"404\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("reactord_status_requests_total{code=\"405\"} 1"), std::string::npos) << metrics;
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0);
}

namespace {
// An HTTP answer's head and body.
std::pair<std::string, std::string> head_and_body(std::string const& answer) {
  auto end = answer.find("\r\n\r\n");
  if (end == std::string::npos) return {answer, ""};
  return {answer.substr(0, end + 2), answer.substr(end + 4)};
}

std::size_t content_length(std::string const& head) {
  auto at = head.find("Content-Length: ");
  return at == std::string::npos ? std::string::npos : std::stoul(head.substr(at + 16));
}

// The series a page lists (each sample line up to its value), in order.
std::vector<std::string> series_of(std::string const& page) {
  std::vector<std::string> out;
  std::istringstream lines(page);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && line[0] != '#') out.push_back(line.substr(0, line.rfind(' ')));
  return out;
}
}  // namespace

// /metrics is held gzip-compressed: Prometheus (Accept-Encoding: gzip) gets
// those bytes, curl without --compressed the same page as text. Here a page
// of 1000 jobs, several MB, many times the pieces it is compressed and
// inflated in; gzip(1) reads what the daemon sent.
TEST_P(StatusAndLogs, MetricsGoGzipCompressedToAScraperThatAcceptsGzipAndAsTextToOthers) {
  daemon_process d(args(thousand_jobs("1ms")));
  std::uint16_t port = 0;
  ASSERT_NO_FATAL_FAILURE(wait_for_status_port(d, port));
  ASSERT_TRUE(d.wait_for("result job=j999")) << "the jobs run";
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(d.wait_for("result job=j" + std::to_string(i) + " ")) << i;

  auto [plain_head, plain] = head_and_body(http_get(port, "/metrics"));
  auto gzip_request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n";
  auto [gzip_head, gzipped] = head_and_body(http_exchange(port, gzip_request));

  EXPECT_NE(plain_head.find("HTTP/1.1 200 OK"), std::string::npos) << plain_head;
  EXPECT_EQ(plain_head.find("Content-Encoding"), std::string::npos) << plain_head;
  EXPECT_EQ(content_length(plain_head), plain.size()) << plain_head;
  EXPECT_GT(plain.size(), 2'000'000u) << "a page of many pieces";
  EXPECT_NE(gzip_head.find("HTTP/1.1 200 OK"), std::string::npos) << gzip_head;
  EXPECT_NE(gzip_head.find("Content-Encoding: gzip\r\n"), std::string::npos) << gzip_head;
  EXPECT_NE(gzip_head.find("Vary: Accept-Encoding\r\n"), std::string::npos) << gzip_head;
  EXPECT_EQ(content_length(gzip_head), gzipped.size()) << gzip_head;
  EXPECT_LT(gzipped.size() * 10, plain.size()) << "Prometheus text is mostly repeated labels";

  auto file = dir.write("page.gz", gzipped);
  ASSERT_EQ(std::system(("gzip -dc " + file + " > " + file + ".txt").c_str()), 0);
  auto unzipped = read_text(file + ".txt");
  EXPECT_EQ(series_of(unzipped), series_of(plain)) << "the same series, in the same order";
  EXPECT_NE(unzipped.find("reactord_job_runs_total{job_name=\"j999\",kind=\"countdown\"} "), std::string::npos);

  // HEAD: the head GET would get, with the length of the compressed body.
  auto head = http_exchange(port, "HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n\r\n");
  EXPECT_NE(head.find("Content-Encoding: gzip\r\n"), std::string::npos) << head;
  EXPECT_EQ(head_and_body(head).second, "") << "no body";
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0);
}

TEST_P(StatusAndLogs, JsonLogLinesEachParseWithStableFieldNames) {
  auto f = dir.write(
      "jobs.yaml",
      "daemon: { status_listen: off }\njobs:\n  - { name: a, kind: countdown, from: 1, tick: 10ms, every: 1h }\n");
  daemon_process d({"--config", f, "--backend", backend(), "--log-format", "json"});
  ASSERT_TRUE(d.wait_for("\"msg\":\"result\"")) << d.all_output();
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0);
  ASSERT_GE(d.out_lines().size(), 4u);
  for (auto const& line : d.out_lines()) {
    auto keys = json_check::object_keys(line);
    ASSERT_TRUE(keys) << "not JSON: " << line;
    EXPECT_TRUE(keys->count("ts") && keys->count("level") && keys->count("msg")) << line;
  }
  auto result = *d.wait_for("\"msg\":\"result\"", 0ms);
  auto keys = *json_check::object_keys(result);
  for (auto k : {"job", "kind", "outcome", "took_ms", "late_ms", "ticks"})
    EXPECT_TRUE(keys.count(k)) << k << ": " << result;
}

TEST_P(StatusAndLogs, JournalStdoutGetsSyslogPriorityPrefixes) {
  auto f = dir.write("jobs.yaml", R"(daemon: { status_listen: off }
jobs:
  - { name: fails, kind: fetch, url: "http://127.0.0.1:1/", every: 1h }
)");
  // JOURNAL_STREAM must name stdout itself: set it in the child, from the
  // pipe it really writes to.
  daemon_process d(args(f), {}, [] {
    struct stat st {};
    ::fstat(STDOUT_FILENO, &st);
    ::setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)).c_str(), 1);
  });
  ASSERT_TRUE(d.wait_for("result job=fails")) << d.all_output();
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0);
  EXPECT_EQ(d.out_lines().at(0).rfind("<6>info reactord starting", 0), 0u) << d.all_output();
  EXPECT_EQ(d.wait_for("result job=fails", 0ms)->rfind("<3>error result", 0), 0u) << d.all_output();
}

TEST_P(StatusAndLogs, UnwritableLogFileIsReportedAndTheJobsStillRun) {
  auto f = dir.write("jobs.yaml", R"(daemon: { status_listen: off }
jobs:
  - { name: a, kind: countdown, from: 0, every: 100ms }
)");
  // The log "file" is a directory: it cannot be opened for writing.
  std::filesystem::create_directory(dir.path / "a-dir");
  daemon_process d({"--config", f, "--backend", backend(), "--log-file", (dir.path / "a-dir").string()});
  ASSERT_TRUE(d.wait_for("result job=a")) << d.all_output();
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0);
  ASSERT_FALSE(d.err_lines().empty());
  EXPECT_NE(d.err_lines()[0].find("cannot open log file"), std::string::npos) << d.all_output();
}

TEST_P(StatusAndLogs, LogFileReceivesTheLines) {
  auto f = dir.write("jobs.yaml",
                     "daemon: { status_listen: off }\njobs:\n  - { name: a, kind: countdown, from: 0, every: 1h }\n");
  auto log = (dir.path / "reactord.log").string();
  daemon_process d({"--config", f, "--backend", backend(), "--log-file", log});
  for (int i = 0; i < 200 && read_text(log).find("result job=a") == std::string::npos; ++i)
    std::this_thread::sleep_for(50ms);
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0);
  auto text = read_text(log);
  EXPECT_NE(text.find("reactord starting"), std::string::npos) << text;
  EXPECT_NE(text.find("result job=a"), std::string::npos) << text;
  EXPECT_TRUE(d.out_lines().empty()) << d.all_output();
}

TEST_P(StatusAndLogs, FetchAgainstALocalNginxSucceeds) {
  nginx_server web;
  auto f = dir.write("jobs.yaml", "daemon: { status_listen: off }\njobs:\n  - { name: web, kind: fetch, url: \"" +
                                      web.url("/index.html") + "\", body_contains: hello, every: 1h }\n");
  daemon_process once({"--once", "--config", f, "--backend", backend()});
  EXPECT_EQ(once.wait_exit(), 0) << once.all_output();
  auto line = once.wait_for("result job=web", 0ms);
  ASSERT_TRUE(line) << once.all_output();
  EXPECT_NE(line->find("outcome=success"), std::string::npos) << *line;
  EXPECT_NE(line->find("status=200"), std::string::npos) << *line;
}

TEST_P(StatusAndLogs, LabelsAreOnEveryLogLineOfTheJobAndOnItsSeries) {
  auto f = dir.write("jobs.yaml", R"(daemon: { status_listen: 127.0.0.1:0 }
jobs:
  - { name: a, kind: countdown, from: 1, tick: 10ms, every: 1h, labels: { site: par1, team: "net ops" } }
)");
  daemon_process d(args(f));
  auto listening = d.wait_for("status endpoint listening");
  ASSERT_TRUE(listening) << d.all_output();
  ASSERT_TRUE(d.wait_for("state job=a")) << d.all_output();
  for (auto const& line : d.out_lines()) {
    if (line.find("job=a") != std::string::npos) {
      EXPECT_NE(line.find(" labels.site=par1 labels.team=\"net ops\""), std::string::npos) << line;
    }
  }
  EXPECT_EQ(d.count("labels.site=par1"), 4u) << "tick, liftoff, result and state: " << d.all_output();
  auto metrics = http_get(port_in(*listening), "/metrics");
  EXPECT_NE(metrics.find("reactord_job_runs_total{job_name=\"a\",kind=\"countdown\",site=\"par1\",team=\"net ops\"} 1"),
            std::string::npos)
      << metrics;
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0);
}

TEST_P(StatusAndLogs, DebugShowsEachEchoAndFetchPhaseTraceEachRunInfoNeither) {
  auto f = dir.write("jobs.yaml", R"(daemon: { status_listen: off }
jobs:
  - { name: p, kind: ping, target: 127.0.0.1, count: 2, interval: 10ms, echo_timeout: 500ms, every: 1h }
  - { name: f, kind: fetch, url: "http://127.0.0.1:1/", timeout: 5s, every: 1h }
)");
  daemon_process debug({"--config", f, "--backend", backend(), "--once", "--log-level", "debug"});
  debug.wait_exit();
  daemon_process info({"--config", f, "--backend", backend(), "--once"});
  info.wait_exit();
  daemon_process trace({"--config", f, "--backend", backend(), "--once", "--log-level", "trace"});
  trace.wait_exit();
  ASSERT_EQ(debug.count("result job=p"), 1u) << debug.all_output();
  if (debug.count("result job=p kind=ping outcome=success") == 1) {
    EXPECT_EQ(debug.count("echo job=p reply="), 2u) << debug.all_output();
    EXPECT_NE(debug.all_output().find("rtts_ms="), std::string::npos) << debug.all_output();
  }
  EXPECT_EQ(debug.count("phase job=f phase="), 5u) << debug.all_output();
  EXPECT_EQ(info.count("echo job=p"), 0u) << info.all_output();
  EXPECT_EQ(info.count("phase job=f"), 0u) << info.all_output();
  // trace: debug's lines, and the scheduler's account of each run.
  EXPECT_EQ(trace.count("phase job=f phase="), 5u) << trace.all_output();
  for (char const* job : {"p", "f"}) {
    EXPECT_EQ(trace.count(std::string("trace run job=") + job + " late_ms="), 1u) << job << "\n" << trace.all_output();
    EXPECT_EQ(debug.count(std::string("run job=") + job + " "), 0u) << job << "\n" << debug.all_output();
  }
}

// A crossed bar, end to end: the result line names the condition, the
// measured value and the bar; the job's labels (its own over the
// defaults') and each echo's RTT are JSON; --once says a job failed.
TEST_P(StatusAndLogs, ResultNamesTheCrossedConditionWithValueAndBar) {
  auto f = dir.write("jobs.yaml", R"(daemon: { status_listen: off }
defaults:
  ping: { failed_if: { rtt_max_over: 0ms }, labels: { team: net, site: any } }
jobs:
  - { name: p, kind: ping, target: 127.0.0.1, count: 2, interval: 10ms, echo_timeout: 500ms, labels: { site: lab } }
)");
  daemon_process once({"--config", f, "--backend", backend(), "--once", "--log-format", "json"});
  EXPECT_EQ(once.wait_exit(), 1) << once.all_output();
  auto line = once.wait_for("\"msg\":\"result\"", 0ms);
  ASSERT_TRUE(line) << once.all_output();
  EXPECT_TRUE(json_check::object_keys(*line)) << "not JSON: " << *line;
  EXPECT_NE(line->find(R"("labels":{"site":"lab","team":"net"})"), std::string::npos) << *line;
  if (line->find(R"("received":2)") == std::string::npos)
    GTEST_SKIP() << "the echoes were not answered here: " << *line;
  EXPECT_NE(line->find(R"("outcome":"failure")"), std::string::npos) << *line;
  EXPECT_NE(line->find(R"("condition":"failed_if.rtt_max_over")"), std::string::npos) << *line;
  EXPECT_NE(line->find(R"(, over 0ms (failed_if.rtt_max_over))"), std::string::npos) << *line;
  auto rtts = line->find(R"("rtts_ms":[)");
  ASSERT_NE(rtts, std::string::npos) << *line;
  auto list = line->substr(rtts, line->find(']', rtts) - rtts);
  EXPECT_EQ(std::count(list.begin(), list.end(), ','), 1) << "two echoes, two RTTs: " << *line;
}

TEST_P(StatusAndLogs, LogFileInAMissingDirectoryIsAnErrorAndNoDirectoryIsMade) {
  auto f = dir.write("jobs.yaml",
                     "daemon: { status_listen: off }\njobs:\n  - { name: a, kind: countdown, from: 0, every: 1h }\n");
  auto missing = dir.path / "no-such-dir";
  daemon_process d({"--config", f, "--backend", backend(), "--log-file", (missing / "reactord.log").string()});
  EXPECT_NE(d.wait_exit(), 0) << d.all_output();
  EXPECT_NE(d.all_output().find("does not exist"), std::string::npos) << d.all_output();
  EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_P(StatusAndLogs, JsonLinesStayValidUtf8WhenAReloadedFileHasBrokenBytes) {
  auto f = dir.write("jobs.yaml",
                     "daemon: { status_listen: off }\njobs:\n  - { name: a, kind: countdown, from: 0, every: 1h }\n");
  daemon_process d({"--config", f, "--backend", backend(), "--log-format", "json"});
  ASSERT_TRUE(d.wait_for("\"msg\":\"result\"")) << d.all_output();
  dir.write(
      "jobs.yaml",
      "daemon: { status_listen: off }\njobs:\n  - { name: \"a\xFF\xFE\", kind: countdown, from: 0, every: 1h }\n");
  d.signal(SIGHUP);
  ASSERT_TRUE(d.wait_for("reload")) << d.all_output();
  d.read_for(300ms);
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0);
  bool saw_failure = false;
  for (auto const& line : d.out_lines()) {
    EXPECT_TRUE(json_check::object_keys(line)) << "not JSON: " << line;
    iconv_t cd = ::iconv_open("UTF-8", "UTF-8");
    std::string in = line, out(line.size() * 4 + 4, '\0');
    char* ip = in.data();
    char* op = out.data();
    std::size_t il = in.size(), ol = out.size();
    EXPECT_NE(::iconv(cd, &ip, &il, &op, &ol), static_cast<std::size_t>(-1)) << "not UTF-8: " << line;
    ::iconv_close(cd);
    saw_failure = saw_failure || line.find("\"level\":\"error\"") != std::string::npos;
  }
  EXPECT_TRUE(saw_failure) << "the reload was rejected: " << d.all_output();
}

// What a job costs in /metrics, counted from a real scrape: one job of each
// kind (an HTTPS fetch costs the tls histogram more than a plain one), each
// after one run. The figures are the README's ("Series per job"), read from
// it, so the README cannot drift from what the daemon emits.
TEST_P(StatusAndLogs, SeriesPerJobAreWhatTheReadmeSaysAndHistogramsCountEveryRun) {
  nginx_options with_tls;
  with_tls.tls = true;
  nginx_server web(with_tls);
  auto f = dir.write("jobs.yaml",
                     "daemon: { status_listen: 127.0.0.1:0 }\njobs:\n"
                     "  - { name: c, kind: countdown, from: 1, tick: 1ms, every: 1h }\n"
                     "  - { name: p, kind: ping, target: 127.0.0.1, count: 3, interval: 10ms, "
                     "echo_timeout: 1s, every: 1h }\n"
                     "  - { name: h, kind: fetch, url: \"" +
                         web.url("/index.html") +
                         "\", every: 1h }\n"
                         "  - { name: s, kind: fetch, url: \"" +
                         web.tls_url("/index.html") + "\", ca_file: \"" + web.ca_file() + "\", every: 1h }\n");
  daemon_process d(args(f));
  auto listening = d.wait_for("status endpoint listening");
  ASSERT_TRUE(listening) << d.all_output();
  for (char const* job : {"c", "p", "h", "s"})
    ASSERT_TRUE(d.wait_for(std::string("result job=") + job + " ")) << d.all_output();
  ASSERT_EQ(d.count("outcome=success"), 4u) << "every run succeeds (ping needs ICMP rights): " << d.all_output();
  auto metrics = http_get(port_in(*listening), "/metrics");

  // Samples by job: the value of each "name{labels} value" line.
  std::map<std::string, std::map<std::string, double>> samples;
  std::istringstream lines(metrics.substr(metrics.find("\r\n\r\n") + 4));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto at = line.find("job_name=\"");
    if (at == std::string::npos) continue;
    auto job = line.substr(at + 10, line.find('"', at + 10) - at - 10);
    auto space = line.rfind(' ');
    samples[job][line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  auto value = [&](std::string const& job, std::string const& series) {
    auto const& s = samples[job];
    auto it = s.find(series);
    return it == s.end() ? -1.0 : it->second;
  };

  // The README's table: "| countdown | 41 | ..." and so on.
  std::map<std::string, std::size_t> readme;
  std::istringstream doc(read_text(REACTORD_SOURCE_DIR "/README.md"));
  for (std::string line; std::getline(doc, line);) {
    for (auto [kind, job] :
         {std::pair{"countdown", "c"}, {"ping", "p"}, {"fetch (http)", "h"}, {"fetch (https)", "s"}}) {
      std::string head = std::string("| ") + kind + " | ";
      auto text = line.substr(std::min(line.find_first_not_of(' '), line.size()));
      if (text.starts_with(head)) readme[job] = std::stoul(text.substr(head.size()));
    }
  }
  ASSERT_EQ(readme.size(), 4u) << "the README's series table has a row per kind";
  for (auto const& [job, n] : readme) EXPECT_EQ(samples[job].size(), n) << "series of job " << job << "\n" << metrics;

  // Each run counted once in the run histograms; each echo, each phase.
  std::string c = "job_name=\"c\",kind=\"countdown\"";
  EXPECT_EQ(value("c", "reactord_job_duration_seconds_count{" + c + "}"), 1) << metrics;
  EXPECT_EQ(value("c", "reactord_job_duration_seconds_bucket{" + c + ",le=\"+Inf\"}"), 1) << metrics;
  EXPECT_EQ(value("c", "reactord_job_lateness_seconds_count{" + c + "}"), 1) << metrics;
  EXPECT_EQ(value("c", "reactord_job_duration_seconds_bucket{" + c + ",le=\"0.0005\"}"), 0)
      << "a 1 ms countdown takes more than 0.5 ms\n"
      << metrics;
  EXPECT_EQ(value("p", "reactord_ping_echo_rtt_seconds_count{job_name=\"p\",kind=\"ping\"}"), 3) << metrics;
  EXPECT_EQ(value("p", "reactord_ping_echo_rtt_seconds_bucket{job_name=\"p\",kind=\"ping\",le=\"10\"}"), 3) << metrics;
  for (auto [job, phase, n] : {std::tuple{"h", "connect", 1},
                               {"h", "first_byte", 1},
                               {"s", "connect", 1},
                               {"s", "tls", 1},
                               {"s", "first_byte", 1},
                               {"h", "tls", -1}})
    EXPECT_EQ(value(job, std::string("reactord_fetch_phase_end_seconds_count{job_name=\"") + job +
                             "\",kind=\"fetch\",phase=\"" + phase + "\"}"),
              n)
        << job << " " << phase << "\n"
        << metrics;
  d.signal(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0);
}
