// A located problem in a job file, and the exception that carries all of
// them. Loading collects every problem it can find before throwing, so an
// operator fixes a file in one pass instead of one error per --check.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace config {

struct diagnostic {
  std::string file;
  int line = 0;         // 1-based; 0 when the problem has no single place (a missing file)
  int column = 0;       // 1-based
  std::string message;  // says what was found and what was expected

  // "jobs.yaml:12:5: unknown key 'intervall' ...", the compiler convention
  // that editors and `grep -n` understand.
  std::string to_string() const;
};

class config_error : public std::runtime_error {
 public:
  explicit config_error(std::vector<diagnostic> diagnostics);
  std::vector<diagnostic> const& diagnostics() const noexcept { return diagnostics_; }

 private:
  std::vector<diagnostic> diagnostics_;
};

}  // namespace config
