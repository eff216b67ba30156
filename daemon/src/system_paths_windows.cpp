// %ProgramData% (C:\ProgramData on a default install) is where Windows
// keeps a service's machine-wide data; reactord's folder is its own there.
#include <cstdlib>
#include <filesystem>

#include "system_paths.hpp"

namespace reactord {

namespace {

std::filesystem::path data_folder() {
  char const* program_data = std::getenv("ProgramData");
  std::filesystem::path base = program_data && *program_data ? program_data : "C:\\ProgramData";
  return base / "reactord";
}

}  // namespace

std::string system_job_file() {
  return (data_folder() / "jobs.yaml").string();
}

std::string service_log_file() {
  std::filesystem::path logs = data_folder() / "logs";
  std::error_code ec;
  std::filesystem::create_directories(logs, ec);  // if it fails, opening the log says why
  return (logs / "reactord.log").string();
}

}  // namespace reactord
