// The work a YAML text may cause, counted before it is loaded.
//
// YAML aliases let a small file stand for a huge tree ("billion laughs":
// each level of aliases multiplies the one below), and yaml-cpp spends
// about a kilobyte per node it builds. So the text is first parsed as a
// stream of events, which builds nothing, counting its nodes as the reader
// would walk them (an alias counts the whole tree it stands for) and its
// aliases; past max_yaml_nodes or max_yaml_aliases it is refused at the
// place where the limit was passed, before anything is built.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <utility>

namespace config::detail {

struct yaml_over_budget {
  YAML::Mark where;
  std::string message;
};

// Throws YAML::Exception (as YAML::Load would) on text that is not YAML.
std::optional<yaml_over_budget> check_yaml_budget(std::string const& text);

}  // namespace config::detail
