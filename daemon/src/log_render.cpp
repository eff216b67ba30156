// A log record's body as text (`message key=value ...`, logfmt) or as the
// members of one JSON object (`"msg":...,"key":value`); the writer's
// pattern adds the timestamp and level around it (log.cpp).
#include <fmt/compile.h>
#include <fmt/format.h>

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
void append_number(std::string& out, double v) {
  char buf[64];
  auto end = fmt::format_to_n(buf, sizeof buf, FMT_COMPILE("{:.3f}"), v).out;
  out.append(buf, static_cast<std::size_t>(end - buf));
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
