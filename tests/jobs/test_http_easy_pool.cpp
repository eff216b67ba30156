// fetch's easy-handle pool: which handle a run gets, and whether it comes
// with the options it had (run_fetch then sets the URL alone) or reset.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "http_easy_pool.hpp"

namespace {

jobs::fetch_spec spec_for(std::string url) {
  jobs::fetch_spec s;
  s.url = std::move(url);
  return s;
}

// Takes a handle for `s` and gives it back as a run of `s` leaves it.
CURL* run_once(jobs::easy_pool& pool, jobs::fetch_spec const& s) {
  jobs::pooled_easy e = pool.take(s);
  CURL* easy = e.easy;
  if (!e.configured_for) e.configured_for = s;
  pool.give_back(std::move(e));
  return easy;
}

}  // namespace

TEST(EasyPool, EqualSpec_GetsTheHandleSetForIt) {
  jobs::easy_pool pool;
  auto a = spec_for("http://127.0.0.1:1/a");
  CURL* easy = run_once(pool, a);
  ASSERT_NE(easy, nullptr);
  jobs::pooled_easy e = pool.take(a);
  EXPECT_EQ(e.easy, easy);
  ASSERT_TRUE(e.configured_for);
  EXPECT_EQ(*e.configured_for, a);
  pool.give_back(std::move(e));
}

TEST(EasyPool, OtherUrlSameOptions_KeepsTheOptionsNotTheUrl) {
  // Many jobs with the default options and their own URLs: each run finds
  // a handle set for another URL, and only the URL is set again.
  jobs::easy_pool pool;
  auto a = spec_for("http://127.0.0.1:1/a");
  CURL* easy = run_once(pool, a);
  jobs::pooled_easy e = pool.take(spec_for("http://127.0.0.1:1/b"));
  EXPECT_EQ(e.easy, easy);
  ASSERT_TRUE(e.configured_for) << "reset, so every option was set again";
  EXPECT_EQ(e.configured_for->url, a.url) << "its URL says which one curl has";
  pool.give_back(std::move(e));
}

TEST(EasyPool, OtherOptionsOrScheme_GetsAResetHandle) {
  jobs::easy_pool pool;
  auto a = spec_for("http://127.0.0.1:1/a");
  run_once(pool, a);
  auto head = spec_for("http://127.0.0.1:1/a");
  head.options.edit().method = "HEAD";
  jobs::pooled_easy e = pool.take(head);
  EXPECT_FALSE(e.configured_for);
  pool.give_back(std::move(e));

  run_once(pool, a);
  // Same options, but https takes the CA store a plain URL does not.
  e = pool.take(spec_for("https://127.0.0.1:1/a"));
  EXPECT_FALSE(e.configured_for);
  pool.give_back(std::move(e));
}
