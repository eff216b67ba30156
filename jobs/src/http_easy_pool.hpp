// fetch's curl easy handles between runs, kept by http_client (one pool per
// client, used on its loop's thread only).
//
// A run takes a handle and gives it back when it ends, however it ends. A
// handle keeps the options of the spec it last ran: a run of an equal spec
// (a job sends the same request every interval) reuses them as they are,
// skipping curl_easy_reset and the setopt calls, and a run of a spec that
// differs only in its URL (many jobs with the default options, the usual
// case: with more jobs than idle handles an equal spec is rarely found)
// sets CURLOPT_URL alone (same_options_as). The connections themselves are
// not here: they stay in the multi handle's cache.
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <optional>
#include <vector>

#include "jobs/fetch.hpp"

namespace jobs {

// An easy handle between runs, with the spec its options were set for.
struct pooled_easy {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;             // CURLOPT_HTTPHEADER points here
  std::optional<fetch_spec> configured_for;  // empty: fresh or reset
};

class easy_pool {
 public:
  // Past this many idle handles, a handle given back is cleaned up.
  static constexpr std::size_t max_idle = 256;

  easy_pool() = default;
  ~easy_pool() { clear(); }
  easy_pool(easy_pool const&) = delete;
  easy_pool& operator=(easy_pool const&) = delete;

  // One set for an equal spec if there is one, else one set for a spec with
  // the same options (its configured_for says which URL it has), else a
  // reset one, else a new one (its easy is null if curl_easy_init failed).
  pooled_easy take(fetch_spec const& spec);

  // Whether a handle set for `a` is set for `b` but for CURLOPT_URL: the
  // same options, and the same scheme (an https URL takes the CA store,
  // tls_trust, where a plain one that is not redirected does not).
  static bool same_options_as(fetch_spec const& a, fetch_spec const& b);
  // Keeps `e` for the next runs; one without configured_for is reset first.
  void give_back(pooled_easy e) noexcept;
  // Cleans up every idle handle.
  void clear() noexcept;

 private:
  std::vector<pooled_easy> idle_;  // the most recently given back last
};

}  // namespace jobs
