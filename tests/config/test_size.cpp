#include <gtest/gtest.h>

#include "config/size.hpp"

using config::parse_size;

TEST(Size, ReadsBinaryAndDecimalUnits) {
  std::string why;
  EXPECT_EQ(parse_size("10MiB", why), 10u * 1024 * 1024);
  EXPECT_EQ(parse_size("64KiB", why), 64u * 1024);
  EXPECT_EQ(parse_size("1GiB", why), 1024u * 1024 * 1024);
  EXPECT_EQ(parse_size("10MB", why), 10'000'000u);
  EXPECT_EQ(parse_size("1kB", why), 1000u);
  EXPECT_EQ(parse_size("512", why), 512u);
  EXPECT_EQ(parse_size("512B", why), 512u);
  EXPECT_EQ(parse_size("1.5KiB", why), 1536u);
}

TEST(Size, UnknownUnitIsRejectedWithTheUnitNamed) {
  std::string why;
  EXPECT_FALSE(parse_size("10MiBs", why));
  EXPECT_NE(why.find("'MiBs'"), std::string::npos) << why;
}

TEST(Size, NonNumbersAndNegativesAreRejected) {
  std::string why;
  EXPECT_FALSE(parse_size("big", why));
  EXPECT_FALSE(parse_size("-1MiB", why));
  EXPECT_FALSE(parse_size("", why));
}
