#include <gtest/gtest.h>

#include "config/size.hpp"

using config::parse_size;

TEST(Size, ReadsBinaryAndDecimalUnits) {
  EXPECT_EQ(parse_size("10MiB"), 10u * 1024 * 1024);
  EXPECT_EQ(parse_size("64KiB"), 64u * 1024);
  EXPECT_EQ(parse_size("1GiB"), 1024u * 1024 * 1024);
  EXPECT_EQ(parse_size("10MB"), 10'000'000u);
  EXPECT_EQ(parse_size("1kB"), 1000u);
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("512B"), 512u);
  EXPECT_EQ(parse_size("1.5KiB"), 1536u);
}

TEST(Size, UnknownUnitIsRejectedWithTheUnitNamed) {
  auto n = parse_size("10MiBs");
  ASSERT_FALSE(n);
  EXPECT_NE(n.error().find("'MiBs'"), std::string::npos) << n.error();
}

TEST(Size, NonNumbersAndNegativesAreRejected) {
  EXPECT_FALSE(parse_size("big"));
  EXPECT_FALSE(parse_size("-1MiB"));
  EXPECT_FALSE(parse_size(""));
}
