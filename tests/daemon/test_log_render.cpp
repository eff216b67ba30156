// The log record's text and JSON forms.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <iconv.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "log.hpp"
#include "test_support.hpp"

using reactord::log_format;
using reactord::render;

TEST(LogRender, TextIsMessageThenKeyValuePairsQuotedWhenNeeded) {
  auto s = render(log_format::text, "result", {{"job", "a"}, {"reason", "no route to host"}, {"n", 3}, {"ok", true}});
  EXPECT_EQ(s, "result job=a reason=\"no route to host\" n=3 ok=true");
}

TEST(LogRender, JsonIsValidAndEscapesControlCharacters) {
  auto body = render(log_format::json, "he said \"hi\"\n", {{"job", "a\tb"}, {"took_ms", 1.5}, {"bytes", 42}});
  auto keys = json_check::object_keys("{" + body + "}");
  ASSERT_TRUE(keys) << body;
  EXPECT_EQ(*keys, (std::set<std::string>{"msg", "job", "took_ms", "bytes"}));
  EXPECT_NE(body.find("\\n"), std::string::npos);
  EXPECT_NE(body.find("\\t"), std::string::npos);
}

namespace {
// glibc's iconv is the judge, not our own reader: UTF-8 to UTF-8 fails on
// any invalid sequence.
bool valid_utf8(std::string const& s) {
  iconv_t cd = ::iconv_open("UTF-8", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  std::string in = s, out(s.size() * 4 + 4, '\0');
  char* ip = in.data();
  char* op = out.data();
  std::size_t il = in.size(), ol = out.size();
  bool ok = ::iconv(cd, &ip, &il, &op, &ol) != static_cast<std::size_t>(-1) && il == 0;
  ::iconv_close(cd);
  return ok;
}
}  // namespace

TEST(LogRender, InvalidUtf8BytesBecomeReplacementCharactersValidOnesStay) {
  // 0xFF 0xFE (a broken job file), an overlong '/', a UTF-16 surrogate, a
  // truncated sequence at the end; and a valid "é" and "€" that must stay.
  std::string bad =
      "a\xFF\xFE"
      "b \xC0\xAF \xED\xA0\x80 caf\xC3\xA9 \xE2\x82\xAC \xE2\x82";
  ASSERT_FALSE(valid_utf8(bad));
  auto json = render(log_format::json, "reload failed", {{"reason", std::string_view(bad)}});
  EXPECT_TRUE(valid_utf8(json)) << json;
  EXPECT_TRUE(json_check::object_keys("{" + json + "}")) << json;
  EXPECT_NE(json.find("a\xEF\xBF\xBD\xEF\xBF\xBD"
                      "b"),
            std::string::npos)
      << json;  // U+FFFD twice
  EXPECT_NE(json.find("caf\xC3\xA9 \xE2\x82\xAC"), std::string::npos) << json;
  auto text = render(log_format::text, "reload failed", {{"reason", std::string_view(bad)}});
  EXPECT_TRUE(valid_utf8(text)) << text;
  EXPECT_NE(text.find("caf\xC3\xA9"), std::string::npos) << text;
}

TEST(LogRender, LabelsNestInJsonAndArePrefixedInText) {
  reactord::string_pairs labels = {{"site", "par 1"}, {"team", "net"}};
  auto json = render(log_format::json, "result", {{"job", "a"}, {"labels", &labels}, {"n", 1}});
  EXPECT_NE(json.find(R"("labels":{"site":"par 1","team":"net"})"), std::string::npos) << json;
  EXPECT_TRUE(json_check::object_keys("{" + json + "}")) << json;
  auto text = render(log_format::text, "result", {{"job", "a"}, {"labels", &labels}, {"n", 1}});
  EXPECT_EQ(text, "result job=a labels.site=\"par 1\" labels.team=net n=1");
  reactord::string_pairs none;
  EXPECT_EQ(render(log_format::text, "result", {{"job", "a"}, {"labels", &none}}), "result job=a");
}

TEST(LogRender, NumberListsAreJsonArraysAndCommaSeparatedInText) {
  auto json = render(log_format::json, "result", {{"rtts_ms", std::vector<double>{0.1, 2.25}}});
  EXPECT_NE(json.find(R"("rtts_ms":[0.100,2.250])"), std::string::npos) << json;
  EXPECT_TRUE(json_check::object_keys("{" + json + "}")) << json;
  EXPECT_EQ(render(log_format::text, "result", {{"rtts_ms", std::vector<double>{0.1, 2.25}}}),
            "result rtts_ms=0.100,2.250");
}

// render() writes numbers as fmt's {:.3f} does, digit for digit, through
// its own faster path for the values a log holds (log_render.cpp) and fmt's
// for the rest: ties, huge values, NaN and infinities, negative zero.
TEST(LogRender, NumbersAreWrittenExactlyAsFixedThreeDecimals) {
  std::vector<double> values = {0.0,
                                -0.0,
                                0.0005,
                                0.0015,
                                1.0005,
                                2.5e-4,
                                -0.0001,
                                0.001,
                                0.999,
                                0.9995,
                                1e-9,
                                123.456,
                                1e6,
                                8.589934591e6,
                                8.6e6,
                                1e300,
                                -1e300,
                                4.2e-310,
                                std::numeric_limits<double>::quiet_NaN(),
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity()};
  std::mt19937_64 random(42);
  std::uniform_real_distribution<double> exponent(-9, 11);
  for (int i = 0; i < 200000; ++i) {
    double v = std::pow(10.0, exponent(random));
    values.push_back(i % 3 == 0 ? -v : v);
    // Round thousandths and exact ties in milliseconds, as durations give.
    values.push_back(static_cast<double>(random() % 100000000) / 1e6);
    values.push_back((static_cast<double>(random() % 100000) + 0.5) / 1000);
  }
  int wrong = 0;
  for (double v : values) {
    std::string got = render(log_format::text, "m", {{"x", v}});
    std::string want = "m x=" + fmt::format("{:.3f}", v);
    if (got != want && ++wrong <= 10) ADD_FAILURE() << fmt::format("{:.17g}", v) << ": " << got << ", fmt: " << want;
  }
  EXPECT_EQ(wrong, 0);
}
