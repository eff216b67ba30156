#include <gtest/gtest.h>

#include <vector>

#include "config/suggest.hpp"

using config::closest_match;
using config::edit_distance;

TEST(Suggest, EditDistanceCountsEachKindOfEdit) {
  EXPECT_EQ(edit_distance("interval", "interval"), 0u);
  EXPECT_EQ(edit_distance("intervall", "interval"), 1u);  // insertion
  EXPECT_EQ(edit_distance("inteval", "interval"), 1u);    // deletion
  EXPECT_EQ(edit_distance("intarval", "interval"), 1u);   // substitution
  EXPECT_EQ(edit_distance("tiemout", "timeout"), 1u);     // adjacent swap
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(Suggest, NearMissGetsTheKnownWord) {
  std::vector<std::string> keys = {"target", "count", "interval", "echo_timeout"};
  EXPECT_EQ(closest_match("intervall", keys), "interval");
  EXPECT_EQ(closest_match("taget", keys), "target");
  EXPECT_EQ(closest_match("echo_timout", keys), "echo_timeout");
}

TEST(Suggest, FarWordGetsNoSuggestion) {
  std::vector<std::string> keys = {"target", "count", "interval"};
  EXPECT_FALSE(closest_match("colour", keys));
  EXPECT_FALSE(closest_match("x", std::vector<std::string>{"url"}));
}
