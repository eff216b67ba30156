// The log record's text and JSON forms.
#include <gtest/gtest.h>

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
