// How the fetch tests run fetches: the way the scheduler does, with one
// http_client whose serve() runs in a scope beside the runs, and each run
// optionally under with_timeout (the run's deadline).
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "jobs/context.hpp"
#include "jobs/fetch.hpp"
#include "jobs/ping.hpp"
#include "reactor/reactor.hpp"

// A GET of `url`, every other key at its default.
inline jobs::fetch_spec get(std::string url) {
  jobs::fetch_spec s;
  s.url = std::move(url);
  return s;
}

// An http:// URL on a port a `Server` (nginx_server, loopback_http_server)
// has just freed: nothing listens there.
template <class Server>
std::string freed_port_url() {
  std::uint16_t port;
  {
    Server gone;
    port = gone.port();
  }
  return "http://127.0.0.1:" + std::to_string(port) + "/";
}

inline jobs::fetch_result const& details(jobs::run_result const& r) {
  static jobs::fetch_result const none;
  auto const* f = std::get_if<jobs::fetch_result>(&r.details);
  EXPECT_NE(f, nullptr) << "run_result without fetch details: " << r.message;
  return f ? *f : none;
}

// Runs body(ctx) (a task<void>) with an http_client serving beside it.
template <class Body>
void with_http_client(reactor::loop& l, Body body) {
  l.run([](reactor::loop& l, Body body) -> reactor::task<void> {
    jobs::http_client http(l);
    jobs::icmp_service icmp(l);  // opens nothing: fetches do not use it
    jobs::job_context ctx{l, icmp, http, {}};
    co_await reactor::open_scope([&](reactor::scope& s) -> reactor::task<void> {
      s.spawn(http.serve());
      co_await body(ctx);
      s.cancel();
    });
  }(l, std::move(body)));
}

inline reactor::task<jobs::run_result> fetch_task(jobs::fetch_spec spec, jobs::job_context& ctx) {
  co_return co_await jobs::run_fetch(spec, ctx);
}

// A run under a deadline: the result, or nullopt if the deadline passed
// (with_timeout threw timeout_error, as the scheduler sees it).
inline reactor::task<std::optional<jobs::run_result>> fetch_until(jobs::fetch_spec spec, jobs::job_context& ctx,
                                                                  reactor::deadline limit) {
  try {
    co_return co_await reactor::with_timeout(limit, fetch_task(std::move(spec), ctx));
  } catch (reactor::timeout_error const&) {
    co_return std::nullopt;
  }
}

inline std::vector<jobs::run_result> fetch_in_sequence(reactor::loop& l, std::vector<jobs::fetch_spec> specs) {
  std::vector<jobs::run_result> out;
  with_http_client(l, [&](jobs::job_context& ctx) -> reactor::task<void> {
    for (auto const& s : specs) out.push_back(co_await fetch_task(s, ctx));
  });
  return out;
}

inline jobs::run_result fetch_once(reactor::loop& l, jobs::fetch_spec spec) {
  return fetch_in_sequence(l, {std::move(spec)}).at(0);
}

// Runs every spec, at most `in_flight` at a time; results in spec order.
inline std::vector<jobs::run_result> fetch_concurrently(reactor::loop& l, std::vector<jobs::fetch_spec> specs,
                                                        std::size_t in_flight) {
  std::vector<jobs::run_result> out(specs.size());
  with_http_client(l, [&](jobs::job_context& ctx) -> reactor::task<void> {
    std::size_t next = 0;
    auto worker = [&]() -> reactor::task<void> {
      while (next < specs.size()) {
        std::size_t i = next++;
        out[i] = co_await fetch_task(specs[i], ctx);
      }
    };
    std::vector<reactor::task<void>> workers;
    for (std::size_t w = 0; w < in_flight; ++w) workers.push_back(worker());
    co_await reactor::when_all(std::move(workers));
  });
  return out;
}
