#include "mapping_reader.hpp"

#include <algorithm>
#include <map>

#include "config/duration.hpp"
#include "config/size.hpp"
#include "config/suggest.hpp"

namespace config::detail {

void problems::at(YAML::Mark const& mark, std::string message) {
  // yaml-cpp counts from 0; editors and compilers count from 1.
  int line = mark.line >= 0 ? mark.line + 1 : 0;
  int column = mark.column >= 0 ? mark.column + 1 : 0;
  out_.push_back(diagnostic{file_, line, column, std::move(message)});
}

mapping_reader::mapping_reader(YAML::Node map, std::string what, problems& p)
    : map_(std::move(map)), what_(std::move(what)), problems_(p) {
  if (!map_.IsMap()) {
    valid_ = false;
    problems_.at(map_, what_ + ": expected a mapping of key: value lines");
  }
}

void mapping_reader::error(YAML::Node const& at, std::string const& message) {
  problems_.at(at, what_ + ": " + message);
}
void mapping_reader::error(YAML::Mark const& at, std::string const& message) {
  problems_.at(at, what_ + ": " + message);
}

YAML::Node mapping_reader::node(std::string const& key) {
  known_.push_back(key);
  if (!valid_) return YAML::Node(YAML::NodeType::Undefined);
  YAML::Node const& m = map_;
  YAML::Node v = m[key];
  // yaml-cpp hands back an "invalid" node for an absent key, which throws
  // when assigned or reset; an undefined node is the safe spelling.
  if (!v.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
  return v;
}

YAML::Mark mapping_reader::mark_of(std::string const& key) const {
  if (valid_) {
    YAML::Node const& m = map_;
    if (auto v = m[key]; v.IsDefined()) return v.Mark();
  }
  return map_.Mark();
}

std::optional<std::string> mapping_reader::scalar(std::string const& key, YAML::Node& value) {
  value.reset(node(key));
  if (!value.IsDefined()) return std::nullopt;
  if (value.IsNull()) {
    // yaml-cpp places an empty value where the next token starts (often
    // the next line); the key is where the operator looks.
    YAML::Mark at = value.Mark();
    for (auto const& kv : map_)
      if (kv.first.IsScalar() && kv.first.Scalar() == key) at = kv.first.Mark();
    error(at, "'" + key + "' has no value");
    return std::nullopt;
  }
  if (!value.IsScalar()) {
    error(value, "'" + key + "' must be a single value, not a " + (value.IsSequence() ? "list" : "mapping"));
    return std::nullopt;
  }
  return value.Scalar();
}

bool mapping_reader::read(std::string const& key, std::string& out) {
  YAML::Node v;
  auto s = scalar(key, v);
  if (!s) return false;
  out = *s;
  return true;
}

bool mapping_reader::read(std::string const& key, std::optional<std::string>& out) {
  std::string s;
  if (!read(key, s)) return false;
  out = std::move(s);
  return true;
}

bool mapping_reader::read(std::string const& key, bool& out) {
  YAML::Node v;
  auto s = scalar(key, v);
  if (!s) return false;
  bool b = false;
  if (!YAML::convert<bool>::decode(v, b)) {
    error(v, "'" + key + "' must be true or false, got '" + *s + "'");
    return false;
  }
  out = b;
  return true;
}

namespace {
// A whole-number reading that rejects "1.5", "3x" and overflow.
std::optional<long long> parse_integer(std::string const& s) {
  if (s.empty()) return std::nullopt;
  std::size_t used = 0;
  try {
    long long v = std::stoll(s, &used, 10);
    if (used != s.size()) return std::nullopt;
    return v;
  } catch (std::exception const&) {
    return std::nullopt;
  }
}
}  // namespace

bool mapping_reader::read(std::string const& key, int& out, int min, int max) {
  YAML::Node v;
  auto s = scalar(key, v);
  if (!s) return false;
  auto n = parse_integer(*s);
  if (!n) {
    error(v, "'" + key + "' must be a whole number, got '" + *s + "'");
    return false;
  }
  if (*n < min || *n > max) {
    error(v, "'" + key + "' must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                 *s);
    return false;
  }
  out = static_cast<int>(*n);
  return true;
}

bool mapping_reader::read(std::string const& key, std::size_t& out, std::size_t min, std::size_t max) {
  YAML::Node v;
  auto s = scalar(key, v);
  if (!s) return false;
  auto n = parse_integer(*s);
  if (!n) {
    error(v, "'" + key + "' must be a whole number, got '" + *s + "'");
    return false;
  }
  if (*n < 0 || static_cast<std::size_t>(*n) < min || static_cast<std::size_t>(*n) > max) {
    error(v, "'" + key + "' must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                 *s);
    return false;
  }
  out = static_cast<std::size_t>(*n);
  return true;
}

bool mapping_reader::read(std::string const& key, jobs::duration& out, jobs::duration min, jobs::duration max) {
  std::optional<jobs::duration> d;
  if (!read(key, d, min, max)) return false;
  out = *d;
  return true;
}

bool mapping_reader::read(std::string const& key, std::optional<jobs::duration>& out, jobs::duration min,
                          jobs::duration max) {
  YAML::Node v;
  auto s = scalar(key, v);
  if (!s) return false;
  std::string why;
  auto d = parse_duration(*s, why);
  if (!d) {
    error(v, "'" + key + "': " + why);
    return false;
  }
  if (*d < min || *d > max) {
    error(v, "'" + key + "' must be between " + format_duration(min) + " and " + format_duration(max) + ", got " +
                 *s);
    return false;
  }
  out = *d;
  return true;
}

bool mapping_reader::read_size(std::string const& key, std::size_t& out, std::size_t min, std::size_t max) {
  YAML::Node v;
  auto s = scalar(key, v);
  if (!s) return false;
  std::string why;
  auto n = parse_size(*s, why);
  if (!n) {
    error(v, "'" + key + "': " + why);
    return false;
  }
  if (*n < min || *n > max) {
    error(v, "'" + key + "' must be between " + std::to_string(min) + " and " + std::to_string(max) +
                 " bytes, got " + *s);
    return false;
  }
  out = *n;
  return true;
}

void mapping_reader::finish() {
  if (!valid_) return;
  std::sort(known_.begin(), known_.end());
  known_.erase(std::unique(known_.begin(), known_.end()), known_.end());
  std::map<std::string, YAML::Mark> seen;
  for (auto const& kv : map_) {
    YAML::Node const& k = kv.first;
    if (!k.IsScalar()) {
      error(k, "keys must be plain words");
      continue;
    }
    std::string const& key = k.Scalar();
    if (auto [it, fresh] = seen.emplace(key, k.Mark()); !fresh) {
      error(k, "'" + key + "' is given twice (first at line " + std::to_string(it->second.line + 1) + ")");
      continue;
    }
    if (std::binary_search(known_.begin(), known_.end(), key)) continue;
    std::string message = "unknown key '" + key + "'";
    if (auto near = closest_match(key, known_))
      message += "; did you mean '" + *near + "'?";
    else {
      message += "; expected one of:";
      for (auto const& c : known_) message += " " + c;
    }
    error(k, message);
  }
}

}  // namespace config::detail
