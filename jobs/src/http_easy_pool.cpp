#include "http_easy_pool.hpp"

#include <iterator>
#include <utility>

namespace jobs {

pooled_easy easy_pool::take(fetch_spec const& spec) {
  // The most recently returned handles first; a short look is enough when
  // one spec runs many times at once (a benchmark, a busy job).
  // One variable for every return (NRVO): GCC 12 takes the moves of a
  // disengaged optional<fetch_spec> for reads of uninitialized strings.
  pooled_easy e;
  std::size_t looked = 0;
  auto same_options = idle_.rend();
  for (auto it = idle_.rbegin(); it != idle_.rend() && looked < 8; ++it, ++looked) {
    if (!it->configured_for) continue;
    if (*it->configured_for == spec) {
      e = std::move(*it);
      idle_.erase(std::next(it).base());
      return e;
    }
    if (same_options == idle_.rend() && same_options_as(*it->configured_for, spec)) same_options = it;
  }
  if (same_options != idle_.rend()) {
    e = std::move(*same_options);
    idle_.erase(std::next(same_options).base());
    return e;
  }
  if (idle_.empty()) {
    e.easy = curl_easy_init();
    return e;
  }
  e = std::move(idle_.back());
  idle_.pop_back();
  if (e.configured_for) {
    curl_easy_reset(e.easy);
    curl_slist_free_all(std::exchange(e.headers, nullptr));
    e.configured_for.reset();
  }
  return e;
}

bool easy_pool::same_options_as(fetch_spec const& a, fetch_spec const& b) {
  auto https = [](fetch_spec const& s) { return s.url.starts_with("https:"); };
  return a.options == b.options && https(a) == https(b);
}

void easy_pool::give_back(pooled_easy e) noexcept {
  if (!e.easy) return;
  // These pointed into the finished run's frame.
  curl_easy_setopt(e.easy, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(e.easy, CURLOPT_WRITEDATA, nullptr);
  curl_easy_setopt(e.easy, CURLOPT_HEADERDATA, nullptr);
  curl_easy_setopt(e.easy, CURLOPT_PRIVATE, nullptr);
  if (!e.configured_for) {
    curl_easy_reset(e.easy);
    curl_slist_free_all(std::exchange(e.headers, nullptr));
  }
  if (idle_.size() >= max_idle) {
    curl_easy_cleanup(e.easy);
    curl_slist_free_all(e.headers);
    return;
  }
  idle_.push_back(std::move(e));
}

void easy_pool::clear() noexcept {
  for (pooled_easy& e : idle_) {
    curl_easy_cleanup(e.easy);
    curl_slist_free_all(e.headers);
  }
  idle_.clear();
}

}  // namespace jobs
