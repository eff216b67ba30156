#include "system_paths.hpp"

namespace reactord {

std::string system_job_file() {
  return "/etc/reactord/jobs.yaml";
}
std::string service_log_file() {
  return {};
}

}  // namespace reactord
