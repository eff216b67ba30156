// body_pattern: RE2 under limits. Patterns from a hand-edited file are
// refused with the reason when they pass a limit; matching is linear in the
// body, so bodies that overflowed std::regex's stack are matched at once.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "jobs/body_pattern.hpp"

using jobs::body_pattern;

namespace {

std::string refusal(std::string pattern) {
  auto p = body_pattern::compile(std::move(pattern));
  return p ? std::string() : p.error();
}

}  // namespace

TEST(BodyPattern, SearchesAnywhereInTheBody) {
  body_pattern p("\"jobs\":[0-9]+");
  EXPECT_TRUE(p.found_in("{\"up\":1,\"jobs\":12}"));
  EXPECT_FALSE(p.found_in("{\"jobs\":\"none\"}"));
  EXPECT_TRUE(body_pattern("^ok$").found_in("ok"));
  EXPECT_FALSE(body_pattern("^ok$").found_in("not ok"));
}

TEST(BodyPattern, SameTextIsTheSameSetting) {
  EXPECT_EQ(body_pattern("a+"), body_pattern("a+"));
  EXPECT_NE(body_pattern("a+"), body_pattern("a*"));
}

TEST(BodyPattern, HugeBodiesThatOverflowedStdRegexAreMatched) {
  EXPECT_TRUE(body_pattern("\"status\":\"ok\".*").found_in("\"status\":\"ok\"" + std::string(1 << 20, 'x')));
  EXPECT_TRUE(body_pattern("\"jobs\":[0-9]+").found_in("{\"jobs\":" + std::string(1 << 20, '1') + "}"));
  EXPECT_FALSE(body_pattern(R"(^(\w+\s?)*$)").found_in(std::string(10'000, 'a') + "!"));
}

TEST(BodyPattern, DeeplyNestedGroupsAreRefused) {
  std::string nested = std::string(25'000, '(') + "a" + std::string(25'000, ')');
  EXPECT_FALSE(refusal(nested).empty());
}

TEST(BodyPattern, HugeBackreferenceNumberIsRefused) {
  EXPECT_FALSE(refusal("(a)\\" + std::string(40, '9')).empty());
}

TEST(BodyPattern, PatternLongerThanTheLimitIsRefusedSayingSo) {
  auto why = refusal(std::string(body_pattern::max_source_bytes + 1, 'a'));
  EXPECT_NE(why.find("over the limit of " + std::to_string(body_pattern::max_source_bytes)), std::string::npos) << why;
  // At the limit, and compiling small (one character class).
  EXPECT_TRUE(refusal("[" + std::string(body_pattern::max_source_bytes - 2, 'a') + "]").empty());
}

TEST(BodyPattern, PatternThatCompilesTooLargeIsRefusedSayingSo) {
  // 300 bytes of pattern, tens of thousands of instructions.
  std::string big;
  for (int i = 0; i < 30; ++i) big += "[a-z]{1000}";
  auto why = refusal(big);
  EXPECT_NE(why.find("limit"), std::string::npos) << why;
}

TEST(BodyPattern, ConstructorThrowsOnARefusedPattern) {
  EXPECT_THROW(body_pattern("(unclosed"), std::invalid_argument);
}

TEST(BodyPattern, OneClaimAtATimeSharedByEveryCopy) {
  body_pattern p("a+");
  body_pattern copy = p;
  auto first = p.try_claim();
  ASSERT_TRUE(first);
  EXPECT_FALSE(copy.try_claim()) << "a copy (another run of the job) shares the claim";
  first.reset();
  EXPECT_TRUE(copy.try_claim());
  EXPECT_TRUE(body_pattern("a+").try_claim()) << "the same text compiled again (a reload) is another pattern";
}
