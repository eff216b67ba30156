#include "job_source.hpp"

#include <filesystem>

#include "default_job_file.hpp"

namespace reactord {

job_source job_source::choose(std::optional<std::string> const& config_flag) {
  if (config_flag) return job_source(config_flag);
  std::error_code ec;
  if (std::filesystem::exists("/etc/reactord/jobs.yaml", ec)) return job_source("/etc/reactord/jobs.yaml");
  return job_source(std::nullopt);
}

config::job_file job_source::load() const {
  if (path_) return config::load_job_file(*path_);
  return config::parse_job_file(default_job_file, std::string(default_job_file_name), ".");
}

std::string job_source::name() const { return path_ ? *path_ : std::string(default_job_file_name); }

}  // namespace reactord
