// /metrics as Prometheus itself reads it: `promtool check metrics` finds
// nothing to say, and a real Prometheus (Debian's, on loopback, its storage
// in a temporary directory) scraping the daemon finds a job's series by the
// job's own label, with the scraper's `job` label left to the scraper.
// Both on each backend, with a job of each kind (an HTTPS fetch, so every
// fetch phase has its histogram).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <csignal>
#include <thread>

#include "support/daemon_process.hpp"
#include "support/nginx_server.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;

namespace {

// Runs a program to its end with stdin from `input_file` (or /dev/null),
// stdout and stderr into `output_file`; returns its exit status.
int run_program(std::vector<std::string> argv, std::string const& input_file, std::string const& output_file) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open(input_file.empty() ? "/dev/null" : input_file.c_str(), O_RDONLY);
    int out = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string file_text(std::string const& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string body_of(std::string const& response) {
  auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? std::string() : response.substr(at + 4);
}

// A port that was free a moment ago (Prometheus cannot report one it picked).
std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Prometheus keeps an HTTP/1.1 connection open: without "Connection:
// close" each answer would end only at the client's 10 s receive timeout.
std::string get_and_close(std::uint16_t port, std::string const& path) {
  return http_exchange(port, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
}

bool have(char const* program) {
  return run_program({"sh", "-c", std::string("command -v ") + program}, "", "/dev/null") == 0;
}

// A job of each kind with a label of its own, its metrics address once
// each has run.
struct labelled_daemon {
  explicit labelled_daemon(std::string const& backend) : d({"--config", file, "--backend", backend}) {}
  temp_dir dir;
  nginx_server web{[] {
    nginx_options o;
    o.tls = true;
    return o;
  }()};
  std::string file = dir.write("jobs.yaml", R"(daemon: { status_listen: 127.0.0.1:0 }
jobs:
  - { name: x, kind: countdown, from: 1, tick: 10ms, every: 1s, labels: { site: lab } }
  - { name: p, kind: ping, target: 127.0.0.1, count: 2, interval: 10ms, every: 1h, labels: { site: lab } }
  - { name: s, kind: fetch, url: ")" + web.tls_url("/index.html") +
                                                R"(", ca_file: ")" + web.ca_file() +
                                                R"(", every: 1h, labels: { site: lab } }
)");
  daemon_process d;
  std::uint16_t port = 0;
  bool start() {
    auto listening = d.wait_for("status endpoint listening");
    if (!listening) return false;
    port = port_in(*listening);
    for (char const* job : {"x", "p", "s"})
      if (!d.wait_for(std::string("result job=") + job + " ")) return false;
    return true;
  }
};

}  // namespace

class Prometheus : public on_each_daemon_backend {};
REACTORD_ON_EACH_BACKEND(Prometheus);

TEST_P(Prometheus, PromtoolFindsNoProblemInTheMetrics) {
  if (!have("promtool")) GTEST_SKIP() << "promtool (Debian package prometheus) is not installed";
  labelled_daemon ld(backend());
  ASSERT_TRUE(ld.start()) << ld.d.all_output();
  std::string text = body_of(http_get(ld.port, "/metrics"));
  // Every kind's own families are there to be checked.
  for (char const* family :
       {"reactord_job_duration_seconds_bucket{job_name=\"x\"", "reactord_ping_echo_rtt_seconds_bucket{job_name=\"p\"",
        "reactord_fetch_phase_end_seconds_bucket{job_name=\"s\",kind=\"fetch\",site=\"lab\",phase=\"tls\""})
    EXPECT_NE(text.find(family), std::string::npos) << family << "\n" << text;
  std::string metrics = ld.dir.write("metrics.txt", text);
  std::string report = (ld.dir.path / "promtool.txt").string();
  int status = run_program({"promtool", "check", "metrics"}, metrics, report);
  EXPECT_EQ(status, 0) << file_text(report) << "\n" << file_text(metrics);
  EXPECT_EQ(file_text(report), "") << file_text(metrics);
  ld.d.signal(SIGTERM);
  EXPECT_EQ(ld.d.wait_exit(), 0);
}

TEST_P(Prometheus, ARealPrometheusFindsTheJobByItsOwnLabel) {
  if (!have("prometheus")) GTEST_SKIP() << "prometheus (Debian package prometheus) is not installed";
  labelled_daemon ld(backend());
  ASSERT_TRUE(ld.start()) << ld.d.all_output();
  std::uint16_t web = free_port();
  std::string config = ld.dir.write("prometheus.yml",
                                    "global: { scrape_interval: 1s, evaluation_interval: 1m }\n"
                                    "scrape_configs:\n"
                                    "  - job_name: reactord\n"
                                    "    static_configs: [{ targets: ['127.0.0.1:" +
                                        std::to_string(ld.port) + "'] }]\n");
  std::string log = (ld.dir.path / "prometheus.log").string();
  pid_t prom = ::fork();
  if (prom == 0) {
    int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    std::string storage = "--storage.tsdb.path=" + (ld.dir.path / "data").string();
    std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(web);
    std::string cfg = "--config.file=" + config;
    ::execlp("prometheus", "prometheus", cfg.c_str(), storage.c_str(), listen.c_str(), "--log.level=warn",
             static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ASSERT_GT(prom, 0);
  // Prometheus starts, scrapes every second; give it at most 60 s.
  auto until = std::chrono::steady_clock::now() + 60s;
  auto ask = [&](std::string const& query) {
    std::string answer;
    while (std::chrono::steady_clock::now() < until) {
      answer = body_of(get_and_close(web, "/api/v1/query?query=" + query));
      if (answer.find("\"result\":[{") != std::string::npos) break;
      std::this_thread::sleep_for(250ms);
    }
    return answer;
  };
  std::string answer = ask("reactord_job_runs_total%7Bsite%3D%22lab%22%7D");
  // The run duration as a histogram: a quantile from its buckets.
  std::string quantile = ask("histogram_quantile(0.5,reactord_job_duration_seconds_bucket%7Bsite%3D%22lab%22%7D)");
  ::kill(prom, SIGTERM);
  int status = 0;
  ::waitpid(prom, &status, 0);
  EXPECT_NE(answer.find("\"result\":[{"), std::string::npos) << answer << "\n" << file_text(log);
  // The scrape's own job label, and ours under its own name: nothing renamed.
  EXPECT_NE(answer.find("\"job\":\"reactord\""), std::string::npos) << answer;
  EXPECT_NE(answer.find("\"job_name\":\"x\""), std::string::npos) << answer;
  EXPECT_EQ(answer.find("exported_job"), std::string::npos) << answer;
  // One run of a 10 ms countdown: the median is within its bucket, not NaN.
  EXPECT_NE(quantile.find("\"result\":[{"), std::string::npos) << quantile << "\n" << file_text(log);
  EXPECT_EQ(quantile.find("NaN"), std::string::npos) << quantile;
  ld.d.signal(SIGTERM);
  EXPECT_EQ(ld.d.wait_exit(), 0);
}
