// Certificate expiry dates in both spellings curl's CURLINFO_CERTINFO uses
// (OpenSSL's on Linux, x509asn1's under Schannel on Windows).
#include <gtest/gtest.h>

#include "cert_date.hpp"

using namespace std::chrono;

namespace {
system_clock::time_point utc(int y, unsigned m, unsigned d, int h, int mi, int s) {
  return sys_days(year(y) / month(m) / day(d)) + hours(h) + minutes(mi) + seconds(s);
}
}  // namespace

TEST(CertDate, OpenSslSpelling) {
  EXPECT_EQ(jobs::parse_cert_date("Jan  1 00:00:00 2030 GMT"), utc(2030, 1, 1, 0, 0, 0));
  EXPECT_EQ(jobs::parse_cert_date("Dec 31 23:59:58 2031 GMT"), utc(2031, 12, 31, 23, 59, 58));
}

TEST(CertDate, X509Asn1Spelling) {
  EXPECT_EQ(jobs::parse_cert_date("2030-01-01 00:00:00 GMT"), utc(2030, 1, 1, 0, 0, 0));
  EXPECT_EQ(jobs::parse_cert_date("2031-02-28 12:34:56 GMT"), utc(2031, 2, 28, 12, 34, 56));
}

TEST(CertDate, Garbage_IsNoDate) {
  EXPECT_FALSE(jobs::parse_cert_date(""));
  EXPECT_FALSE(jobs::parse_cert_date("Foo  1 00:00:00 2030 GMT"));
  EXPECT_FALSE(jobs::parse_cert_date("2030-02-30 00:00:00 GMT"));
}
