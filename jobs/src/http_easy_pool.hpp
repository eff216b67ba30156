// fetch's curl easy handles between runs, kept by http_client (one pool per
// client, used on its loop's thread only).
//
// A run takes a handle and gives it back when it ends, however it ends. A
// handle keeps the options of the spec it last ran: a run of an equal spec
// (the usual case: a job sends the same request every interval) reuses them
// as they are, skipping curl_easy_reset and the setopt calls. The
// connections themselves are not here: they stay in the multi handle's cache.
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

  // One set for an equal spec if there is one, else a reset one, else a
  // new one (its easy is null if curl_easy_init failed).
  pooled_easy take(fetch_spec const& spec);
  // Keeps `e` for the next runs; one without configured_for is reset first.
  void give_back(pooled_easy e) noexcept;
  // Cleans up every idle handle.
  void clear() noexcept;

 private:
  std::vector<pooled_easy> idle_;  // the most recently given back last
};

}  // namespace jobs
