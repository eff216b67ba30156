// bench/fetch: HTTP requests per second and client CPU µs per request
// against a local nginx (1 worker, access_log off, 1 KiB file), 64 requests
// in flight, in three modes:
//   reused:      keep-alive, connections kept between requests;
//   fresh:       a new TCP connection per request (reactord's default);
//   fresh_tls:   a new connection and TLS handshake per request, verified
//                against the test CA.
//   ours: run_fetch on reactord's http_client, on each backend;
//   peer: a bare libcurl multi loop (curl_multi_poll), 64 easy handles
//         re-added as they finish, set up for the same mode (fresh:
//         CURLOPT_FRESH_CONNECT + CURLOPT_FORBID_REUSE; TLS: CAINFO the
//         CA file and no CA path, so libcurl's own CA cache works): the
//         floor for any libcurl-based client.
// Both in this process, one after the other, against the same nginx; each
// figure is the median of `rounds` rounds (peer and ours alternate, so a
// noisy neighbour hurts both alike).
//
//   fetch [requests per round = 100000] [rounds = 3] [mode ...]
//   (fresh: a fifth of them; fresh_tls: a fiftieth; modes named: only those)
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "jobs/context.hpp"
#include "jobs/fetch.hpp"
#include "jobs/ping.hpp"
#include "measure.hpp"
#include "reactor/reactor.hpp"
#include "support/nginx_server.hpp"

namespace {

constexpr int in_flight = 64;

struct figures {
  double requests_per_second = 0;
  double cpu_us_per_request = 0;
  long failures = 0;
};

figures measure(long requests, auto&& run) {
  auto cpu0 = bench::cpu_time();
  auto t0 = std::chrono::steady_clock::now();
  long failures = run();
  auto wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto cpu = std::chrono::duration<double, std::micro>(bench::cpu_time() - cpu0).count();
  return {requests / wall, cpu / requests, failures};
}

std::size_t discard(char*, std::size_t, std::size_t n, void*) {
  return n;
}

// One way of fetching: the URL, a new connection per request or not, the
// CA file for https.
struct mode {
  std::string name;
  std::string url;
  bool fresh = false;
  std::string ca_file;
  long requests = 0;
};

// The peer: the libcurl documentation's multi loop, tuned the way a C
// programmer would (handles reused, not reset).
long bare_curl_multi(mode const& m, long requests) {
  CURLM* multi = curl_multi_init();
  std::vector<CURL*> easy(in_flight);
  long started = 0, finished = 0, failures = 0;
  for (CURL*& e : easy) {
    e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, m.url.c_str());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &discard);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, m.fresh ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, m.fresh ? 1L : 0L);
    if (!m.ca_file.empty()) {
      curl_easy_setopt(e, CURLOPT_CAINFO, m.ca_file.c_str());
      // No CA path: Debian's default one turns libcurl's CA cache off.
      curl_easy_setopt(e, CURLOPT_CAPATH, nullptr);
    }
    if (started < requests) {
      curl_multi_add_handle(multi, e);
      ++started;
    }
  }
  while (finished < requests) {
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
      if (m->msg != CURLMSG_DONE) continue;
      ++finished;
      long status = 0;
      curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
      failures += m->data.result != CURLE_OK || status != 200;
      CURL* e = m->easy_handle;
      curl_multi_remove_handle(multi, e);
      if (started < requests) {
        curl_multi_add_handle(multi, e);
        ++started;
      }
    }
    if (finished < requests) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  for (CURL* e : easy) curl_easy_cleanup(e);
  curl_multi_cleanup(multi);
  return failures;
}

// Ours: 64 coroutines, each running fetches back to back on one client.
long reactord_fetch(reactor::backend_kind backend, mode const& m, long requests) {
  reactor::loop l(reactor::loop_options{backend});
  return l.run([](reactor::loop& l, mode m, long requests) -> reactor::task<long> {
    jobs::http_client http(l);
    jobs::icmp_service icmp(l);  // opens nothing: fetches do not use it
    jobs::job_context ctx{l, icmp, http, {}};
    jobs::fetch_spec spec;
    spec.url = m.url;
    spec.options.edit().reuse_connection = !m.fresh;
    spec.options.edit().ca_file = m.ca_file;
    long started = 0, failures = 0;
    co_await reactor::open_scope([&](reactor::scope& s) -> reactor::task<void> {
      auto serving = s.spawn(http.serve());
      auto worker = [&]() -> reactor::task<void> {
        while (started < requests) {
          ++started;
          jobs::run_result r = co_await jobs::run_fetch(spec, ctx);
          failures += r.result != jobs::outcome::success;
        }
      };
      std::vector<reactor::task<void>> workers;
      for (int i = 0; i < in_flight; ++i) workers.push_back(worker());
      co_await reactor::when_all(std::move(workers));
      serving.cancel();
    });
    co_return failures;
  }(l, m, requests));
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  long requests = argc > 1 ? std::atol(argv[1]) : 100000;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  nginx_options with_tls;
  with_tls.tls = true;
  nginx_server web(with_tls);  // 1 worker (single process), access_log off, unlimited keep-alive
  std::vector<mode> modes{
      {"reused", web.url("/1k.bin"), false, "", requests},
      {"fresh", web.url("/1k.bin"), true, "", std::max(1L, requests / 5)},
      {"fresh_tls", web.tls_url("/1k.bin"), true, web.ca_file(), std::max(1L, requests / 50)},
  };

  if (argc > 3)
    std::erase_if(modes, [&](mode const& m) { return std::find(argv + 3, argv + argc, m.name) == argv + argc; });

  std::vector<reactor::backend_kind> backends = reactor::available_backends();
  long failures = 0;
  for (mode const& m : modes) {
    std::vector<double> peer_rps, peer_cpu;
    std::vector<std::vector<double>> rps(backends.size()), cpu(backends.size());
    // One short warm-up of each (page cache, nginx's first connections).
    bare_curl_multi(m, m.requests / 20 + 1);
    for (auto b : backends) reactord_fetch(b, m, m.requests / 20 + 1);
    for (int round = 0; round < rounds; ++round) {
      figures p = measure(m.requests, [&] { return bare_curl_multi(m, m.requests); });
      peer_rps.push_back(p.requests_per_second);
      peer_cpu.push_back(p.cpu_us_per_request);
      failures += p.failures;
      for (std::size_t i = 0; i < backends.size(); ++i) {
        figures o = measure(m.requests, [&] { return reactord_fetch(backends[i], m, m.requests); });
        rps[i].push_back(o.requests_per_second);
        cpu[i].push_back(o.cpu_us_per_request);
        failures += o.failures;
      }
    }
    std::string peer = "bare curl_multi_poll, " + m.name;
    for (std::size_t i = 0; i < backends.size(); ++i) {
      std::string name = m.name + "_" + std::string(reactor::to_string(backends[i]));
      bench::print_figure("fetch_requests_per_second_" + name, median(rps[i]), "req/s", peer, median(peer_rps));
      bench::print_figure("fetch_cpu_per_request_" + name, median(cpu[i]), "us", peer, median(peer_cpu), 1);
    }
    std::fflush(stdout);
  }
  bench::print_figure("fetch_failed_requests", double(failures), "requests");
  curl_global_cleanup();
  return failures == 0 ? 0 : 1;
}
