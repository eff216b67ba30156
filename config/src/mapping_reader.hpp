// Reading one YAML mapping field by field, collecting problems instead of
// stopping at the first. Every read names a key, which makes that key
// "known"; finish() then reports the keys nobody asked for (typos, with a
// suggestion) and keys written twice. A read of an absent key leaves the
// output as it was, which is how defaults work: start from the default
// value, read over it.
//
// A key is a std::string_view that the reader keeps until finish(): name
// it with text that outlives the reader (a literal, or a static table such
// as the kinds' names). At 50,000 jobs of some 25 keys read each, a
// std::string per read and their sort were a tenth of `--check`.
#pragma once

#include <yaml-cpp/mark.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.hpp"
#include "jobs/spec.hpp"
#include "yaml_tree.hpp"

namespace config::detail {

// The problems found in one file.
class problems {
 public:
  problems(std::vector<diagnostic>& out, std::string file) : out_(out), file_(std::move(file)) {}
  void at(YAML::Mark const& mark, std::string message);
  void at(yaml_node const& node, std::string message) { at(node.mark(), std::move(message)); }
  std::string const& file() const noexcept { return file_; }
  std::vector<diagnostic>& all() noexcept { return out_; }

 private:
  std::vector<diagnostic>& out_;
  std::string file_;
};

class mapping_reader {
 public:
  // `what` names the mapping in messages: "job 'gateway'", "defaults.ping".
  mapping_reader(yaml_node map, std::string what, problems& p);

  bool valid() const noexcept { return valid_; }
  std::string const& what() const noexcept { return what_; }
  problems& report() noexcept { return problems_; }
  yaml_node const& map() const noexcept { return map_; }

  // Each returns true if the key was present and its value valid.
  bool read(std::string_view key, std::string& out);
  bool read(std::string_view key, std::optional<std::string>& out);
  bool read(std::string_view key, bool& out);
  bool read(std::string_view key, int& out, int min, int max);
  bool read(std::string_view key, std::size_t& out, std::size_t min, std::size_t max);
  bool read(std::string_view key, jobs::duration& out, jobs::duration min, jobs::duration max);
  bool read(std::string_view key, std::optional<jobs::duration>& out, jobs::duration min, jobs::duration max);
  bool read_size(std::string_view key, std::size_t& out, std::size_t min, std::size_t max);

  // The raw value, for shapes of their own (lists, maps); an invalid node
  // if absent. Marks the key known.
  yaml_node node(std::string_view key);
  // Where to point at for a problem with `key`: its value, or the mapping.
  YAML::Mark mark_of(std::string_view key) const;

  void error(yaml_node const& at, std::string const& message);
  void error(YAML::Mark const& at, std::string const& message);

  // The text of `value` if it is one line (a scalar with no CR or LF, as a
  // label or header value must be); else nullopt and an error at it, "the
  // value of <what> must be a single line of text".
  std::optional<std::string> single_line(yaml_node const& value, std::string const& what);

  // Reports unknown keys (with "did you mean") and duplicate keys.
  void finish();

 private:
  // The scalar text of `key`, or nullopt (absent, or reported as not a scalar).
  std::optional<std::string_view> scalar(std::string_view key, yaml_node& value);
  // Every read with a range: the scalar of `key` read by `parse` (the value,
  // or what follows the key's name in the message), then held to
  // [min, max]; `unit` follows the upper bound in the message (" bytes").
  // Defined in mapping_reader.cpp, its only user.
  template <class T, class Out, class Parse>
  bool read_ranged(std::string_view key, Out& out, T min, T max, Parse parse, char const* unit = "");

  yaml_node map_;
  std::string what_;
  problems& problems_;
  bool valid_ = true;
  std::vector<std::string_view> known_;  // in the order read, repeats kept
};

}  // namespace config::detail
