// run_fetch: one HTTP(S) request on the loop's http_client, checked against
// the spec's expectations.
//
// The run's deadline is the caller's (the scheduler wraps the run in
// with_timeout): a cancelled run removes its easy handle from the multi
// handle while unwinding and frees everything, and curl closes or keeps the
// connection as it sees fit. The body is kept only when an expectation needs
// it, and never beyond max_body_bytes: the write callback aborts the
// transfer past it.
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "bars.hpp"
#include "http_client.hpp"
#include "jobs/fetch.hpp"
#include "peer_certificate.hpp"
#include "reactor/clock.hpp"
#include "reactor/to_thread.hpp"

namespace jobs {

namespace {

// What one request collects while it runs.
struct request_state {
  std::size_t max_body = 0;
  bool keep_body = false;
  bool too_large = false;
  std::size_t bytes = 0;
  std::string body;
  char error[CURL_ERROR_SIZE] = {};
  CURL* reads_certificate = nullptr;  // the handle, if the run may make a TLS handshake
  std::optional<std::chrono::system_clock::time_point> cert_expiry;
};

std::size_t on_body(char* data, std::size_t, std::size_t n, void* userdata) {
  auto& r = *static_cast<request_state*>(userdata);
  if (n > r.max_body - r.bytes) {
    r.too_large = true;
    r.bytes += n;  // received, though not kept: the log says how much came
    return 0;      // curl aborts the transfer with CURLE_WRITE_ERROR
  }
  r.bytes += n;
  if (r.keep_body) r.body.append(data, n);
  return n;
}

// Each header line of each response (a redirect's too). At a status line
// the handshake, if any, is done and its connection still open: the one
// moment the server's certificates can be read (peer_certificate.hpp).
std::size_t on_header(char* data, std::size_t, std::size_t n, void* userdata) {
  auto& r = *static_cast<request_state*>(userdata);
  if (r.reads_certificate && std::string_view(data, n).starts_with("HTTP/"))
    if (auto when = peer_certificate::earliest_expiry(r.reads_certificate)) r.cert_expiry = when;
  return n;
}

// The transfer's resources, released however the run ends (cancellation
// included): the easy handle leaves the multi handle before it is reused.
struct transfer_guard {
  http_client::impl& client;
  pooled_easy handle;
  curl_transfer t;
  bool added = false;
  transfer_guard(http_client::impl& c, fetch_spec const& spec) : client(c), handle(c.easy_handles.take(spec)) {
    t.easy = handle.easy;
  }
  ~transfer_guard() {
    if (added) client.stop(t);
    client.easy_handles.give_back(std::move(handle));
  }
};

std::string describe(std::vector<status_range> const& ranges) {
  std::string s;
  for (auto const& r : ranges) {
    if (!s.empty()) s += ", ";
    s += std::to_string(r.low);
    if (r.high != r.low) s += "-" + std::to_string(r.high);
  }
  return s;
}

duration info_time(CURL* e, CURLINFO what) {
  curl_off_t us = 0;
  curl_easy_getinfo(e, what, &us);
  return std::chrono::microseconds(us);
}

// "https://host:port" of the URL the transfer ended at: the key of the
// certificate cache.
std::string origin_of(CURL* e) {
  char* url = nullptr;
  curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url);
  if (!url) return {};
  std::string_view u = url;
  auto scheme_end = u.find("://");
  if (scheme_end == std::string_view::npos) return std::string(u);
  auto path = u.find('/', scheme_end + 3);
  return std::string(u.substr(0, path));
}

// Whether a run of `spec` can make a TLS handshake: an https URL, or one
// that may be redirected (to https). Only such runs need the CA store.
bool may_handshake(fetch_spec const& spec) {
  return spec.url.starts_with("https:") || spec.options->follow_redirects;
}

// Returns an error message, or empty if the options were accepted.
// The options that follow from the spec alone (kept by a pooled handle).
// `trust`: the client's CA store for the spec (null: curl loads its own).
std::string configure(CURL* e, fetch_spec const& spec, curl_slist*& headers, tls_trust::store* trust) {
  fetch_options const& o = *spec.options;
  auto set = [&](CURLoption o, auto v) { return curl_easy_setopt(e, o, v) == CURLE_OK; };
  if (!set(CURLOPT_URL, spec.url.c_str())) return "url: not accepted by curl";
  // Only http and https, for the first request and for redirects.
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  set(CURLOPT_NOSIGNAL, 1L);
  // A new connection per run unless the job asks for reuse: a server that
  // stops accepting connections, or whose new TLS handshakes fail, must not
  // go unnoticed behind a connection opened long ago.
  set(CURLOPT_FRESH_CONNECT, o.reuse_connection ? 0L : 1L);
  set(CURLOPT_FORBID_REUSE, o.reuse_connection ? 0L : 1L);
  // Some servers reject requests without one; a User-Agent in `headers`
  // replaces it (curl lets a custom header override its own).
  set(CURLOPT_USERAGENT, "reactord/" REACTORD_VERSION);
  set(CURLOPT_WRITEFUNCTION, &on_body);
  // No CURLOPT_MAXFILESIZE: it refuses a declared Content-Length past the
  // limit before any byte, and the run would say bytes=0. The write
  // callback aborts at the limit whatever the server declared, so the
  // memory and the bytes read stay bounded either way.
  set(CURLOPT_FOLLOWLOCATION, o.follow_redirects ? 1L : 0L);
  set(CURLOPT_MAXREDIRS, 10L);
  set(CURLOPT_SSL_VERIFYPEER, o.verify_tls ? 1L : 0L);
  set(CURLOPT_SSL_VERIFYHOST, o.verify_tls ? 2L : 0L);
  if (!o.ca_file.empty()) set(CURLOPT_CAINFO, o.ca_file.c_str());
  tls_trust::use(e, trust);
  if (!may_handshake(spec)) {
    // No handshake can happen: nothing for curl to copy into each new
    // connection's TLS settings (7.88 strdups the CA file and directory
    // per connection, Curl_clone_primary_ssl_config).
    set(CURLOPT_CAINFO, nullptr);
    set(CURLOPT_CAPATH, nullptr);
  }
  set(CURLOPT_HEADERFUNCTION, &on_header);
  peer_certificate::prepare(e);
  switch (o.ip) {
    case ip_version::any: set(CURLOPT_IPRESOLVE, long(CURL_IPRESOLVE_WHATEVER)); break;
    case ip_version::v4: set(CURLOPT_IPRESOLVE, long(CURL_IPRESOLVE_V4)); break;
    case ip_version::v6: set(CURLOPT_IPRESOLVE, long(CURL_IPRESOLVE_V6)); break;
  }
  if (o.method == "HEAD") {
    set(CURLOPT_NOBODY, 1L);
  } else if (o.method == "POST") {
    set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(o.body.size()));
    set(CURLOPT_COPYPOSTFIELDS, o.body.c_str());
  } else if (o.method != "GET") {
    return "method: " + o.method + " is not one of GET, HEAD, POST";
  }
  for (auto const& [name, value] : o.headers) {
    curl_slist* more = curl_slist_append(headers, (name + ": " + value).c_str());
    if (!more) return "headers: out of memory";
    headers = more;
  }
  if (headers) set(CURLOPT_HTTPHEADER, headers);
  return {};
}

bool status_expected(int status, std::vector<status_range> const& ranges) {
  for (auto const& r : ranges)
    if (status >= r.low && status <= r.high) return true;
  return false;
}

// Checks the body expectations; returns {name, why} of the first that
// failed, or an empty name.
//
// The regexes never run on the loop's thread. RE2 is linear in the body,
// but the body may be max_body_bytes (10 MiB by default) and a pattern whose
// DFA outgrows its memory falls back to RE2's slower NFA (time: body length
// x program size, both bounded, see body_pattern.hpp): milliseconds to
// minutes that every other job would wait. On a thread of its own the match
// is also under the run's deadline: a run that times out stops waiting, and
// the thread finishes alone (it owns copies of the body and the patterns,
// and the claim that keeps the job's later runs from starting another).
reactor::task<std::pair<std::string, std::string>> check_body(fetch_spec const& spec, std::string body) {
  fetch_options const& o = *spec.options;
  if (o.body_contains && body.find(*o.body_contains) == std::string::npos)
    co_return std::pair<std::string, std::string>{"body_contains",
                                                  "body does not contain \"" + *o.body_contains + "\""};
  if (!o.body_matches && !o.body_not_matches) co_return std::pair<std::string, std::string>{};
  auto const& first = o.body_matches ? *o.body_matches : *o.body_not_matches;
  auto claim = first.try_claim();
  if (!claim)
    co_return std::pair<std::string, std::string>{
        o.body_matches ? "body_matches" : "body_not_matches",
        "an earlier run's match of /" + first.source() +
            "/ is still going past its deadline (the pattern is too slow for such a body); not matched"};
  auto match = [body = std::move(body), matches = o.body_matches, not_matches = o.body_not_matches,
                claim = std::move(*claim)] {
    return std::pair<bool, bool>{!matches || matches->found_in(body), not_matches && not_matches->found_in(body)};
  };
  auto const [matched, forbidden_matched] = co_await reactor::to_thread(std::move(match));  // named: see to_thread.hpp
  if (!matched)
    co_return std::pair<std::string, std::string>{"body_matches",
                                                  "body does not match /" + o.body_matches->source() + "/"};
  if (forbidden_matched)
    co_return std::pair<std::string, std::string>{"body_not_matches",
                                                  "body matches /" + o.body_not_matches->source() + "/"};
  co_return std::pair<std::string, std::string>{};
}

}  // namespace

reactor::task<run_result> run_fetch(fetch_spec const& spec, job_context& ctx) {
  fetch_options const& o = *spec.options;
  http_client::impl& client = *ctx.http.impl_;
  run_result out;
  out.kind = "fetch";
  fetch_result& fr = out.details.emplace<fetch_result>();
  auto fail = [&](std::string what, std::string why) {
    out.result = outcome::failure;
    out.message = what + ": " + why;
    fr.failed_expectation = std::move(what);
  };
  // A run started in the same pass as serve() (spawned just before it, say)
  // waits for it to begin: curl's sockets need its watchers.
  if (!client.serving.is_set()) co_await client.serving.wait();

  // The CA certificates, read on a thread by the first run that needs them
  // (the others wait for that read, and later runs find them ready): a
  // handshake never parses the bundle on the loop. A plain-HTTP run that
  // may be redirected takes them too.
  tls_trust::store* trust = nullptr;
  if (o.verify_tls && may_handshake(spec)) {
    try {
      trust = co_await client.trust.store_for(o.ca_file);
    } catch (std::runtime_error const& e) {
      out.result = outcome::failure;
      out.message = e.what();
      co_return out;
    }
  }

  request_state r;
  r.max_body = o.max_body_bytes;
  r.keep_body = o.body_contains || o.body_matches || o.body_not_matches;
  transfer_guard g(client, spec);
  if (!g.t.easy) {
    out.result = outcome::failure;
    out.message = "curl_easy_init failed";
    co_return out;
  }
  if (!g.handle.configured_for) {
    if (std::string bad = configure(g.t.easy, spec, g.handle.headers, trust); !bad.empty()) {
      out.result = outcome::failure;
      out.message = std::move(bad);
      co_return out;
    }
    g.handle.configured_for = spec;
  } else if (g.handle.configured_for->url != spec.url) {
    // Set for the same options (easy_pool::take): the URL alone differs.
    if (curl_easy_setopt(g.t.easy, CURLOPT_URL, spec.url.c_str()) != CURLE_OK) {
      g.handle.configured_for.reset();  // reset when given back
      out.result = outcome::failure;
      out.message = "url: not accepted by curl";
      co_return out;
    }
    g.handle.configured_for->url = spec.url;
  }
  // The options that point into this run's frame.
  curl_easy_setopt(g.t.easy, CURLOPT_ERRORBUFFER, r.error);
  curl_easy_setopt(g.t.easy, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(g.t.easy, CURLOPT_HEADERDATA, &r);
  if (may_handshake(spec)) r.reads_certificate = g.t.easy;
  if (CURLMcode m = client.start(g.t); m != CURLM_OK) {
    out.result = outcome::failure;
    out.message = std::string("curl_multi_add_handle: ") + curl_multi_strerror(m);
    co_return out;
  }
  g.added = true;
  co_await g.t.done.wait();  // cancellation unwinds through transfer_guard

  CURL* e = g.t.easy;
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  fr.status = static_cast<int>(status);
  fr.bytes = r.bytes;
  if (curl_off_t got = 0; curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &got) == CURLE_OK && got > 0)
    fr.bytes = std::max(fr.bytes, static_cast<std::size_t>(got));
  fr.dns = info_time(e, CURLINFO_NAMELOOKUP_TIME_T);
  fr.connect = info_time(e, CURLINFO_CONNECT_TIME_T);
  fr.tls = info_time(e, CURLINFO_APPCONNECT_TIME_T);
  fr.first_byte = info_time(e, CURLINFO_STARTTRANSFER_TIME_T);
  fr.total = info_time(e, CURLINFO_TOTAL_TIME_T);
  if (spec.url.starts_with("https") || fr.tls.count() > 0) {
    std::string origin = origin_of(e);
    if (r.cert_expiry) {
      fr.cert_expiry = r.cert_expiry;
      client.cert_expiry[origin] = *r.cert_expiry;
    } else if (auto it = client.cert_expiry.find(origin); it != client.cert_expiry.end()) {
      fr.cert_expiry = it->second;  // a reused connection: no new handshake
    }
  }

  CURLcode code = g.t.code;
  if (r.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    fail("max_body_bytes", "body larger than " + std::to_string(o.max_body_bytes) + " bytes, transfer aborted after " +
                               std::to_string(fr.bytes) + " bytes");
  } else if (code == CURLE_PEER_FAILED_VERIFICATION) {
    fail("verify_tls", std::string("TLS verification failed: ") + (r.error[0] ? r.error : curl_easy_strerror(code)));
  } else if (g.t.socket_error &&
             (code == CURLE_GOT_NOTHING || code == CURLE_PARTIAL_FILE || code == CURLE_RECV_ERROR)) {
    // curl read an end of stream where its recv would have failed: the
    // reactor took the socket's error first (http_client.hpp). Said as curl
    // says it on the other backends.
    out.result = outcome::failure;
    out.message = std::string(curl_easy_strerror(CURLE_RECV_ERROR)) + ": Recv failure: " + g.t.socket_error.message();
  } else if (code != CURLE_OK) {
    out.result = outcome::failure;
    out.message = std::string(curl_easy_strerror(code)) + (r.error[0] ? ": " : "") + r.error;
  } else if (!status_expected(fr.status, o.expected_status)) {
    fail("expected_status", "status " + std::to_string(fr.status) + " is not in " + describe(o.expected_status));
  } else if (r.keep_body) {
    if (auto [what, why] = co_await check_body(spec, std::move(r.body)); !what.empty())
      fail(std::move(what), std::move(why));
  }
  apply_bars(spec, out, std::chrono::system_clock::now());
  co_return out;
}

namespace {

// The first crossed bar of `bars` on a fetch result, or false.
bool check_fetch(fetch_bars const& bars, fetch_result const& f, run_result& r, outcome o, char const* level,
                 std::chrono::system_clock::time_point now) {
  if (bars.total_over && f.total > *bars.total_over) {
    crossed(r, o, level, "total_over", "total " + ms_text(f.total) + " is over " + bar_text(*bars.total_over));
    return true;
  }
  if (bars.first_byte_over && f.first_byte > *bars.first_byte_over) {
    crossed(r, o, level, "first_byte_over",
            "first byte after " + ms_text(f.first_byte) + ", over " + bar_text(*bars.first_byte_over));
    return true;
  }
  if (bars.cert_expires_within && f.cert_expiry) {
    auto left = std::chrono::duration_cast<duration>(*f.cert_expiry - now);
    if (left < *bars.cert_expires_within) {
      char days[40];
      std::snprintf(days, sizeof days, "%.1f", std::chrono::duration<double, std::ratio<86400>>(left).count());
      crossed(r, o, level, "cert_expires_within",
              left < duration::zero() ? std::string("the certificate expired ") + (days + 1) + " days ago, within " +
                                            bar_text(*bars.cert_expires_within)
                                      : std::string("the certificate expires in ") + days + " days, within " +
                                            bar_text(*bars.cert_expires_within));
      return true;
    }
  }
  return false;
}

}  // namespace

void apply_bars(fetch_spec const& spec, run_result& r, std::chrono::system_clock::time_point now) {
  auto const* f = std::get_if<fetch_result>(&r.details);
  if (!f || r.result != outcome::success) return;
  if (check_fetch(spec.options->failed_if, *f, r, outcome::failure, "failed_if", now)) return;
  check_fetch(spec.options->degraded_if, *f, r, outcome::degraded, "degraded_if", now);
}

void observe_fetch(fetch_result const& r, std::span<histogram> own) noexcept {
  if (r.connect > duration::zero()) own[0].observe(r.connect);
  if (r.tls > duration::zero()) own[1].observe(r.tls);
  if (r.first_byte > duration::zero()) own[2].observe(r.first_byte);
}

}  // namespace jobs
