// A log record's body as text (`message key=value ...`, logfmt) or as the
// members of one JSON object (`"msg":...,"key":value`); the writer's
// pattern adds the timestamp and level around it (log.cpp).
#include <fmt/compile.h>
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <iterator>
#include <utility>

#include "json_string.hpp"
#include "log.hpp"

namespace reactord {

namespace {

// Text values are bare words when they can be, quoted otherwise, so that
// `key=value` pairs split on spaces (logfmt).
void append_text_value(std::string& out, std::string_view s) {
  bool bare = !s.empty();
  for (unsigned char c : s) bare = bare && c > ' ' && c < 0x7f && c != '"' && c != '=' && c != '\\';
  if (bare)
    out += s;
  else
    append_json_string(out, s);
}

// fmt, not printf: no locale, no varargs parsing; a tenth of the time.
// FMT_COMPILE turns the format into code at compile time (FMT_STRING only
// checks it, and parses it again for every number: a fifth of render()'s
// time with a ping result's ten numbers); format_int is fmt's fastest path
// for integers. Both write to a stack buffer, appended at once.
//
// Even so, fmt's fixed precision takes its exact-decimal path for every
// double (3% of the daemon's CPU on the ping load, with ten per result),
// while a log's numbers are milliseconds and percentages: below 2^33
// thousandths, |v| * 1000 is within half an ulp (2^-21) of the exact
// product, so rounding it to an integer gives {:.3f}'s digits, unless the
// exact product is that close to a tie (x.5), which fmt settles instead;
// so do large and non-finite values.
void append_number(std::string& out, double v) {
  double scaled = std::fabs(v) * 1000.0;
  if (scaled < 0x1p33) {
    double whole = std::floor(scaled);
    double fraction = scaled - whole;  // exact
    if (std::fabs(fraction - 0.5) > 1e-5) {
      auto thousandths = static_cast<std::uint64_t>(whole) + (fraction > 0.5 ? 1 : 0);
      char buf[24];
      char* p = std::end(buf);
      for (int digit = 0; digit < 3; ++digit, thousandths /= 10) *--p = static_cast<char>('0' + thousandths % 10);
      *--p = '.';
      do *--p = static_cast<char>('0' + thousandths % 10);
      while (thousandths /= 10);
      if (std::signbit(v)) *--p = '-';  // as fmt: -0.0001 is "-0.000"
      out.append(p, static_cast<std::size_t>(std::end(buf) - p));
      return;
    }
  }
  fmt::format_to(std::back_inserter(out), FMT_COMPILE("{:.3f}"), v);  // all of it: 1e300 has 301 digits
}
void append_number(std::string& out, long long v) {
  fmt::format_int text(v);
  out.append(text.data(), text.size());
}

}  // namespace

std::string render(log_format style, std::string_view message, std::vector<field> const& fields) {
  std::string out;
  out.reserve(64 + 24 * fields.size());
  if (style == log_format::json) {
    out += "\"msg\":";
    append_json_string(out, message);
  } else {
    out += message;
  }
  for (auto const& f : fields) {
    if (auto const* pairs = std::get_if<string_pairs const*>(&f.value)) {
      if (!*pairs || (*pairs)->empty()) continue;
      if (style == log_format::json) {
        out += ',';
        append_json_string(out, f.key);
        out += ":{";
        bool first = true;
        for (auto const& [name, value] : **pairs) {
          if (!std::exchange(first, false)) out += ',';
          append_json_string(out, name);
          out += ':';
          append_json_string(out, value);
        }
        out += '}';
      } else {
        for (auto const& [name, value] : **pairs) {
          out += ' ';
          out += f.key;
          out += '.';
          out += name;
          out += '=';
          append_text_value(out, value);
        }
      }
      continue;
    }
    out += style == log_format::json ? "," : " ";
    if (style == log_format::json) {
      append_json_string(out, f.key);
      out += ':';
    } else {
      out += f.key;
      out += '=';
    }
    std::visit(
        [&](auto const& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, bool>)
            out += v ? "true" : "false";
          else if constexpr (std::is_same_v<V, long long> || std::is_same_v<V, double>)
            append_number(out, v);
          else if constexpr (std::is_same_v<V, std::vector<double>>) {
            if (style == log_format::json) out += '[';
            for (std::size_t i = 0; i < v.size(); ++i) {
              if (i) out += ',';
              append_number(out, v[i]);
            }
            if (style == log_format::json)
              out += ']';
            else if (v.empty())
              out += "\"\"";
          } else if constexpr (std::is_same_v<V, string_pairs const*>) {
          } else if (style == log_format::json)
            append_json_string(out, v);
          else
            append_text_value(out, v);
        },
        f.value);
  }
  return out;
}

}  // namespace reactord
