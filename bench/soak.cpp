// soak: the real reactord under a steady mixed load for N minutes (jobs of
// every kind, a reload every 20 s, /metrics and /healthz scraped all the
// while), sampling its RSS, open fds and the lateness of its runs every 5 s.
// Prints the slope of each over time: a leak shows as a number, flat is 0.
//
//   build/release/bench/soak [MINUTES]        default 1
//
// The job file: 300 countdowns every 1 s, 100 pings of 127.0.0.1 every 2 s
// (ping sockets or CAP_NET_RAW needed; without them those runs fail, which
// is load too), 50 fetches of the daemon's own /healthz every 2 s with a
// body_matches, all spread by jitter. Every reload swaps two versions of the
// file in which a tenth of the jobs differ (written to a temporary file and
// renamed over it, then SIGHUP). The first 10 s are warm-up, not sampled.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "measure.hpp"
#include "support/loopback_http_client.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string job_file(std::uint16_t port, int version) {
  std::string s = "daemon: { status_listen: 127.0.0.1:" + std::to_string(port) + " }\njobs:\n";
  // A tenth of each kind differs between the two versions (changed by a reload).
  auto every = [&](int i, char const* a, char const* b) { return (i % 10 == 0 && version == 1) ? b : a; };
  for (int i = 0; i < 300; ++i)
    s += "  - { name: c" + std::to_string(i) +
         ", kind: countdown, from: 1, tick: 10ms, every: " + every(i, "1s", "2s") + ", jitter: 1s }\n";
  for (int i = 0; i < 100; ++i)
    s += "  - { name: p" + std::to_string(i) +
         ", kind: ping, target: 127.0.0.1, count: 1, every: " + every(i, "2s", "3s") + ", jitter: 2s }\n";
  for (int i = 0; i < 50; ++i)
    s += "  - { name: f" + std::to_string(i) + ", kind: fetch, url: \"http://127.0.0.1:" + std::to_string(port) +
         "/healthz\", body_matches: '\"jobs\":[0-9]+', every: " + every(i, "2s", "3s") + ", jitter: 2s }\n";
  return s;
}

void write_atomically(fs::path const& path, std::string const& text) {
  fs::path tmp = path.string() + ".tmp";
  std::ofstream(tmp) << text;
  fs::rename(tmp, path);
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
  return -1;
}

long open_fds(pid_t pid) {
  std::error_code ec;
  long n = 0;
  for (auto it = fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

// Reads what the log gained since `offset`: late_ms of each result, and the
// number of results and reloads.
struct log_reader {
  fs::path path;
  std::uintmax_t offset = 0;
  std::string partial;
  long results = 0, reloads = 0;
  std::vector<double> late_ms;  // since the last take()

  void read() {
    std::ifstream in(path, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(offset));
    std::string chunk((std::istreambuf_iterator<char>(in)), {});
    offset += chunk.size();
    partial += chunk;
    for (std::size_t nl; (nl = partial.find('\n')) != std::string::npos; partial.erase(0, nl + 1)) {
      std::string_view line(partial.data(), nl);
      if (line.find("\"msg\":\"reload:") != std::string_view::npos) ++reloads;
      if (line.find("\"msg\":\"result\"") == std::string_view::npos) continue;
      ++results;
      if (auto at = line.find("\"late_ms\":"); at != std::string_view::npos)
        late_ms.push_back(std::strtod(partial.c_str() + at + 10, nullptr));
    }
  }
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// Least-squares slope of y over x.
double slope(std::vector<double> const& x, std::vector<double> const& y) {
  double n = static_cast<double>(x.size());
  if (n < 2) return 0;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sx += x[i];
    sy += y[i];
    sxx += x[i] * x[i];
    sxy += x[i] * y[i];
  }
  double d = n * sxx - sx * sx;
  return d == 0 ? 0 : (n * sxy - sx * sy) / d;
}

}  // namespace

int main(int argc, char** argv) {
  double minutes = argc > 1 ? std::atof(argv[1]) : 1.0;
  if (!(minutes > 0)) {
    std::fprintf(stderr, "usage: soak [MINUTES]\n");
    return 2;
  }
  std::string dir_template = (fs::temp_directory_path() / "reactord-soak-XXXXXX").string();
  fs::path dir = ::mkdtemp(dir_template.data());
  std::uint16_t port = free_port();
  fs::path jobs = dir / "jobs.yaml", log = dir / "reactord.log";
  write_atomically(jobs, job_file(port, 0));

  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::execl(REACTORD_BINARY, REACTORD_BINARY, "--config", jobs.c_str(), "--log-format", "json", "--log-file",
            log.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }

  std::atomic<bool> stop{false};
  std::atomic<long> scrapes{0}, scrape_failures{0};
  std::vector<std::thread> scrapers;
  for (int i = 0; i < 4; ++i)
    scrapers.emplace_back([&, i] {
      std::this_thread::sleep_for(2s);  // the endpoint listens once the jobs are loaded
      while (!stop) {
        bool ok = http_get(port, i == 0 ? "/healthz" : "/metrics").starts_with("HTTP/1.1 200");
        (ok ? scrapes : scrape_failures) += 1;
        std::this_thread::sleep_for(250ms);
      }
    });

  log_reader reader;
  reader.path = log;
  std::vector<double> at_min, rss, fds, p50, p99;
  std::vector<double> all_late;
  auto start = steady::now();
  auto end =
      start + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double, std::ratio<60>>(minutes));
  auto next_sample = start + 10s, next_reload = start + 20s;
  int version = 0;
  bool alive = true;
  while (steady::now() < end && (alive = ::waitpid(pid, nullptr, WNOHANG) == 0)) {
    std::this_thread::sleep_for(250ms);
    reader.read();
    auto now = steady::now();
    if (now >= next_reload) {
      version ^= 1;
      write_atomically(jobs, job_file(port, version));
      ::kill(pid, SIGHUP);
      next_reload += 20s;
    }
    if (now >= next_sample) {
      next_sample += 5s;
      at_min.push_back(std::chrono::duration<double, std::ratio<60>>(now - start).count());
      rss.push_back(static_cast<double>(rss_kib(pid)));
      fds.push_back(static_cast<double>(open_fds(pid)));
      p50.push_back(percentile(reader.late_ms, 0.5));
      p99.push_back(percentile(reader.late_ms, 0.99));
      all_late.insert(all_late.end(), reader.late_ms.begin(), reader.late_ms.end());
      reader.late_ms.clear();
    }
  }
  stop = true;
  for (auto& t : scrapers) t.join();
  int status = -1;
  if (alive) {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, &status, 0);
  }
  reader.read();
  double took = std::chrono::duration<double>(steady::now() - start).count();

  bench::print_figure("soak_minutes", took / 60, "min", 1);
  bench::print_figure("soak_runs", static_cast<double>(reader.results), "results");
  bench::print_figure("soak_runs_per_second", static_cast<double>(reader.results) / took, "runs/s", 0);
  bench::print_figure("soak_reloads", static_cast<double>(reader.reloads), "reloads");
  bench::print_figure("soak_scrapes", static_cast<double>(scrapes), "pages", 0);
  bench::print_figure("soak_scrape_failures", static_cast<double>(scrape_failures), "pages", 0);
  if (!rss.empty()) {
    bench::print_figure("soak_rss_first", rss.front() / 1024, "MiB", 1);
    bench::print_figure("soak_rss_last", rss.back() / 1024, "MiB", 1);
    bench::print_figure("soak_fds_first", fds.front(), "fds");
    bench::print_figure("soak_fds_last", fds.back(), "fds");
  }
  // Flat is the goal: the peer is a slope of 0.
  bench::print_figure("soak_rss_slope", slope(at_min, rss), "KiB/min", "flat", 0, 1);
  bench::print_figure("soak_fds_slope", slope(at_min, fds), "fds/min", "flat", 0, 2);
  bench::print_figure("soak_lateness_p50_slope", slope(at_min, p50), "ms/min", "flat", 0, 3);
  bench::print_figure("soak_lateness_p99_slope", slope(at_min, p99), "ms/min", "flat", 0, 3);
  bench::print_figure("soak_lateness_p50", percentile(all_late, 0.5), "ms", 1);
  bench::print_figure("soak_lateness_p99", percentile(all_late, 0.99), "ms", 1);
  std::error_code ec;
  fs::remove_all(dir, ec);
  bool ok = alive && WIFEXITED(status) && WEXITSTATUS(status) == 0 && reader.results > 0 && !rss.empty();
  if (!ok) std::fprintf(stderr, "soak: the daemon %s\n", alive ? "did not exit cleanly or ran nothing" : "died");
  return ok ? 0 : 1;
}
