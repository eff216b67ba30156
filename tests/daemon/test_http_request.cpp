// The status endpoint's request reader (http-parser underneath).
#include <gtest/gtest.h>

#include "http_request.hpp"

using reactord::request_reader;

namespace {
request_reader::progress feed(request_reader& r, std::string const& s) {
  return r.feed(std::span(s.data(), s.size()));
}
}  // namespace

TEST(RequestReader, CompleteGetGivesMethodAndPathWithoutQuery) {
  request_reader r;
  EXPECT_EQ(feed(r, "GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"), request_reader::progress::complete);
  EXPECT_EQ(r.method(), "GET");
  EXPECT_EQ(r.path(), "/metrics");
}

TEST(RequestReader, RequestSplitAcrossReadsCompletesAtTheEnd) {
  request_reader r;
  EXPECT_EQ(feed(r, "GET /hea"), request_reader::progress::incomplete);
  EXPECT_EQ(feed(r, "lthz HTTP/1.1\r\nHost:"), request_reader::progress::incomplete);
  EXPECT_EQ(feed(r, " a\r\n\r\n"), request_reader::progress::complete);
  EXPECT_EQ(r.path(), "/healthz");
}

TEST(RequestReader, GarbageIsBad) {
  request_reader r;
  EXPECT_EQ(feed(r, "\x01\x02 nonsense\r\n\r\n"), request_reader::progress::bad);
  EXPECT_FALSE(r.error().empty());
}

TEST(RequestReader, OversizedRequestIsBad) {
  request_reader r(1024);
  std::string big = "GET / HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n";
  EXPECT_EQ(feed(r, big), request_reader::progress::bad);
  EXPECT_NE(r.error().find("larger than 1024"), std::string::npos);
}

TEST(RequestReader, ClosedBeforeTheEndIsBad) {
  request_reader r;
  feed(r, "GET / HTTP/1.1\r\n");
  EXPECT_EQ(r.finish(), request_reader::progress::bad);
}
