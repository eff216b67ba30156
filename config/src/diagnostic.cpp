#include "config/diagnostic.hpp"

namespace config {

std::string diagnostic::to_string() const {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace {
std::string summarise(std::vector<diagnostic> const& ds) {
  std::string s = std::to_string(ds.size()) + (ds.size() == 1 ? " error" : " errors") + " in the job file";
  for (auto const& d : ds) s += "\n" + d.to_string();
  return s;
}
}  // namespace

config_error::config_error(std::vector<diagnostic> diagnostics)
    : std::runtime_error(summarise(diagnostics)), diagnostics_(std::move(diagnostics)) {}

}  // namespace config
