#include "mapping_reader.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <type_traits>
#include <utility>

#include "config/duration.hpp"
#include "config/size.hpp"
#include "config/suggest.hpp"

namespace config::detail {

namespace {
// 'text', as messages name a key or quote a value.
std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

// As yaml-cpp's convert<bool>: y/n, yes/no, true/false, on/off, written all
// lower case, all upper case, or capitalised.
[[nodiscard]] std::optional<bool> decode_bool(std::string_view s) {
  auto all = [](std::string_view t, char lo, char hi) {
    return std::all_of(t.begin(), t.end(), [&](char c) { return c >= lo && c <= hi; });
  };
  bool flexible = s.empty() || all(s, 'a', 'z') ||
                  (all(s.substr(0, 1), 'A', 'Z') && (all(s.substr(1), 'a', 'z') || all(s.substr(1), 'A', 'Z')));
  if (!flexible) return std::nullopt;
  std::string lower(s);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::pair<std::string_view, std::string_view> names[] = {
      {"y", "n"}, {"yes", "no"}, {"true", "false"}, {"on", "off"}};
  for (auto const& [yes, no] : names) {
    if (lower == yes) return true;
    if (lower == no) return false;
  }
  return std::nullopt;
}
}  // namespace

void problems::at(YAML::Mark const& mark, std::string message) {
  // yaml-cpp counts from 0; editors and compilers count from 1.
  int line = mark.line >= 0 ? mark.line + 1 : 0;
  int column = mark.column >= 0 ? mark.column + 1 : 0;
  out_.push_back(diagnostic{file_, line, column, std::move(message)});
}

mapping_reader::mapping_reader(yaml_node map, std::string what, problems& p)
    : map_(std::move(map)), what_(std::move(what)), problems_(p) {
  if (!map_.is_map()) {
    valid_ = false;
    problems_.at(map_, what_ + ": expected a mapping of key: value lines");
  }
  known_.reserve(32);  // one block for the keys a kind reads
}

void mapping_reader::error(yaml_node const& at, std::string const& message) {
  problems_.at(at, what_ + ": " + message);
}
void mapping_reader::error(YAML::Mark const& at, std::string const& message) {
  problems_.at(at, what_ + ": " + message);
}

yaml_node mapping_reader::node(std::string_view key) {
  known_.push_back(key);
  if (!valid_) return {};
  return map_[key];
}

YAML::Mark mapping_reader::mark_of(std::string_view key) const {
  if (valid_) {
    if (auto v = map_[key]; v.is_defined()) return v.mark();
  }
  return map_.mark();
}

std::optional<std::string> mapping_reader::single_line(yaml_node const& value, std::string const& what) {
  if (value.is_scalar()) {
    std::string text(value.scalar());
    if (text.find_first_of("\r\n") == std::string::npos) return text;
  }
  error(value, "the value of " + what + " must be a single line of text");
  return std::nullopt;
}

std::optional<std::string_view> mapping_reader::scalar(std::string_view key, yaml_node& value) {
  value = node(key);
  if (!value.is_defined()) return std::nullopt;
  if (value.is_null()) {
    // yaml-cpp places an empty value where the next token starts (often
    // the next line); the key is where the operator looks.
    YAML::Mark at = value.mark();
    for (auto const& kv : map_.entries())
      if (kv.first.is_scalar() && kv.first.scalar() == key) at = kv.first.mark();
    error(at, quoted(key) + " has no value");
    return std::nullopt;
  }
  if (!value.is_scalar()) {
    error(value, quoted(key) + " must be a single value, not a " + (value.is_sequence() ? "list" : "mapping"));
    return std::nullopt;
  }
  return value.scalar();
}

bool mapping_reader::read(std::string_view key, std::string& out) {
  yaml_node v;
  auto s = scalar(key, v);
  if (!s) return false;
  out.assign(*s);
  return true;
}

bool mapping_reader::read(std::string_view key, std::optional<std::string>& out) {
  std::string s;
  if (!read(key, s)) return false;
  out = std::move(s);
  return true;
}

bool mapping_reader::read(std::string_view key, bool& out) {
  yaml_node v;
  auto s = scalar(key, v);
  if (!s) return false;
  auto b = decode_bool(*s);
  if (!b) {
    error(v, quoted(key) + " must be true or false, got " + quoted(*s));
    return false;
  }
  out = *b;
  return true;
}

namespace {
// A whole-number reading that rejects "1.5", "3x" and overflow.
std::optional<long long> parse_integer(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::string s(text);
  std::size_t used = 0;
  try {
    long long v = std::stoll(s, &used, 10);
    if (used != s.size()) return std::nullopt;
    return v;
  } catch (std::exception const&) {
    return std::nullopt;
  }
}

// The readings read_ranged takes: the value, or what follows the key's
// name in the message.
jobs::expected<long long> whole_number(std::string_view s) {
  if (auto n = parse_integer(s)) return *n;
  return jobs::unexpected(" must be a whole number, got " + quoted(s));
}
template <auto Parse>
auto with_reason(std::string_view s) -> decltype(Parse(s)) {
  auto v = Parse(s);
  if (!v) return jobs::unexpected(": " + v.error());
  return v;
}

// Compares a reading with a bound of another integer type by value
// (a negative reading is below any std::size_t bound).
template <class A, class B>
bool less(A a, B b) {
  if constexpr (std::is_integral_v<A> && std::is_integral_v<B>)
    return std::cmp_less(a, b);
  else
    return a < b;
}

// A bound as the messages write it.
template <class T>
std::string bound_text(T bound) {
  if constexpr (std::is_arithmetic_v<T>)
    return std::to_string(bound);
  else
    return format_duration(bound);
}
}  // namespace

template <class T, class Out, class Parse>
bool mapping_reader::read_ranged(std::string_view key, Out& out, T min, T max, Parse parse, char const* unit) {
  yaml_node v;
  auto s = scalar(key, v);
  if (!s) return false;
  auto n = parse(*s);
  if (!n) {
    error(v, quoted(key) + n.error());
    return false;
  }
  if (less(*n, min) || less(max, *n)) {
    error(v, quoted(key) + " must be between " + bound_text(min) + " and " + bound_text(max) + unit + ", got " +
                 std::string(*s));
    return false;
  }
  out = static_cast<T>(*n);
  return true;
}

bool mapping_reader::read(std::string_view key, int& out, int min, int max) {
  return read_ranged(key, out, min, max, whole_number);
}

bool mapping_reader::read(std::string_view key, std::size_t& out, std::size_t min, std::size_t max) {
  return read_ranged(key, out, min, max, whole_number);
}

bool mapping_reader::read(std::string_view key, jobs::duration& out, jobs::duration min, jobs::duration max) {
  return read_ranged(key, out, min, max, with_reason<parse_duration>);
}

bool mapping_reader::read(std::string_view key, std::optional<jobs::duration>& out, jobs::duration min,
                          jobs::duration max) {
  return read_ranged(key, out, min, max, with_reason<parse_duration>);
}

bool mapping_reader::read_size(std::string_view key, std::size_t& out, std::size_t min, std::size_t max) {
  return read_ranged(key, out, min, max, with_reason<parse_size>, " bytes");
}

void mapping_reader::finish() {
  if (!valid_) return;
  // The keys so far, for "given twice": looked for along a short list (a
  // job has a few keys), in a map once the mapping is long.
  std::vector<std::pair<std::string_view, YAML::Mark>> seen;
  seen.reserve(16);
  std::map<std::string_view, YAML::Mark> many;
  constexpr std::size_t scan_up_to = 32;
  auto first_of = [&](std::string_view key) -> YAML::Mark const* {
    for (auto const& [k, m] : seen)
      if (k == key) return &m;
    auto it = many.find(key);
    return it != many.end() ? &it->second : nullptr;
  };
  auto remember = [&](std::string_view key, YAML::Mark mark) {
    if (seen.size() < scan_up_to)
      seen.emplace_back(key, mark);
    else
      many.emplace(key, mark);
  };
  std::vector<std::string> known;
  for (auto const& kv : map_.entries()) {
    yaml_node k = kv.first;
    if (!k.is_scalar()) {
      error(k, "keys must be plain words");
      continue;
    }
    std::string_view key = k.scalar();
    if (auto first = first_of(key)) {
      error(k, quoted(key) + " is given twice (first at line " + std::to_string(first->line + 1) + ")");
      continue;
    }
    remember(key, k.mark());
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    if (known.empty()) {  // sorted, once, for the messages
      known.assign(known_.begin(), known_.end());
      std::sort(known.begin(), known.end());
      known.erase(std::unique(known.begin(), known.end()), known.end());
    }
    std::string message = "unknown key " + quoted(key);
    if (auto near = closest_match(key, known))
      message += "; did you mean '" + *near + "'?";
    else {
      message += "; expected one of:";
      for (auto const& c : known) message += " " + c;
    }
    error(k, message);
  }
}

}  // namespace config::detail
