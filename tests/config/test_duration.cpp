#include <gtest/gtest.h>

#include "config/duration.hpp"

using namespace std::chrono_literals;
using config::parse_duration;

namespace {
jobs::duration ok(std::string_view s) {
  auto d = parse_duration(s);
  EXPECT_TRUE(d) << s << ": " << (d ? std::string() : d.error());
  return d.value_or(jobs::duration(-1));
}
std::string rejected(std::string_view s) {
  auto d = parse_duration(s);
  EXPECT_FALSE(d) << s;
  return d ? std::string() : d.error();
}
}  // namespace

TEST(Duration, ReadsEachUnit) {
  EXPECT_EQ(ok("250ms"), 250ms);
  EXPECT_EQ(ok("1.5s"), 1500ms);
  EXPECT_EQ(ok("2m"), 120s);
  EXPECT_EQ(ok("1h"), 3600s);
  EXPECT_EQ(ok("1d"), 24h);
  EXPECT_EQ(ok("10us"), 10us);
  EXPECT_EQ(ok("7ns"), 7ns);
  EXPECT_EQ(ok("0s"), 0s);
}

TEST(Duration, ReadsSums) {
  EXPECT_EQ(ok("1m30s"), 90s);
  EXPECT_EQ(ok("1h0.5m"), 3630s);
}

TEST(Duration, BareNumberNeedsAUnit) {
  EXPECT_NE(rejected("5").find("no unit"), std::string::npos);
}

TEST(Duration, UnknownUnitIsNamed) {
  EXPECT_NE(rejected("5sec").find("'sec'"), std::string::npos);
}

TEST(Duration, NegativeIsRejected) {
  EXPECT_NE(rejected("-1s").find("negative"), std::string::npos);
}

TEST(Duration, GarbageAndEmptyAreRejected) {
  rejected("");
  rejected("fast");
  rejected("s");
  rejected("1..5s");
}

TEST(Duration, AbsurdlyLongIsRejected) {
  EXPECT_NE(rejected("400d").find("too long"), std::string::npos);
}

TEST(Duration, FormatReadsBack) {
  for (jobs::duration d : {jobs::duration(250ms), jobs::duration(90s), jobs::duration(3h), jobs::duration(7ns)})
    EXPECT_EQ(ok(config::format_duration(d)), d);
  EXPECT_EQ(config::format_duration(90s), "1m30s");
}
