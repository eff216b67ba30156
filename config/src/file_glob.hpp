// The files an `include:` pattern such as jobs.d/*.yaml names, sorted.
// POSIX: glob(3) (file_glob.cpp). Windows, which has no glob(3):
// file_glob_windows.cpp, with * and ? in the last component only.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace config::detail {

// The matching paths, sorted (none: an empty or missing directory, which is
// normal), or nothing if the directory exists but cannot be read.
[[nodiscard]] std::optional<std::vector<std::string>> glob_files(std::filesystem::path const& pattern);

}  // namespace config::detail
