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

// Accept-Encoding (RFC 9110 12.5.3): a /metrics page goes out gzip-compressed
// only to a client that lists gzip, or *, with a q-value above 0.
TEST(RequestReader, AcceptsGzipOnlyWhenAcceptEncodingListsItAboveQZero) {
  auto accepts = [](std::string const& headers) {
    request_reader r;
    EXPECT_EQ(feed(r, "GET /metrics HTTP/1.1\r\nHost: a\r\n" + headers + "\r\n"), request_reader::progress::complete);
    return r.accepts_gzip();
  };
  EXPECT_TRUE(accepts("Accept-Encoding: gzip\r\n"));  // Prometheus
  EXPECT_TRUE(accepts("accept-encoding: deflate, GZIP;q=0.5\r\n"));
  EXPECT_TRUE(accepts("Accept-Encoding: br\r\nAccept-Encoding: x-gzip\r\n"));
  EXPECT_TRUE(accepts("Accept-Encoding: *\r\n"));
  EXPECT_FALSE(accepts(""));
  EXPECT_FALSE(accepts("Accept-Encoding: identity\r\n"));
  EXPECT_FALSE(accepts("Accept-Encoding: gzip;q=0\r\n"));
  EXPECT_FALSE(accepts("Accept-Encoding: gzip; q=0.000, *\r\n"));
  EXPECT_FALSE(accepts("Accept-Encoding: gzipped\r\n"));
  EXPECT_FALSE(accepts("X-Accept-Encoding: gzip\r\n"));
  EXPECT_FALSE(accepts("Accept: gzip\r\n"));
}

TEST(RequestReader, AcceptEncodingSplitAcrossReadsIsStillSeen) {
  request_reader r;
  for (std::string piece : {"GET /metrics HTTP/1.1\r\nAccept-Enc", "oding: deflate, g", "zip\r\nHost: a\r\n\r\n"})
    feed(r, piece);
  EXPECT_EQ(r.finish(), request_reader::progress::complete);
  EXPECT_TRUE(r.accepts_gzip());
}
