#include "file_glob.hpp"

#include <glob.h>

namespace config::detail {

std::optional<std::vector<std::string>> glob_files(std::filesystem::path const& pattern) {
  glob_t g{};
  int rc = ::glob(pattern.c_str(), 0, nullptr, &g);  // a missing directory is no drop-ins
  std::optional<std::vector<std::string>> out;
  if (rc == 0 || rc == GLOB_NOMATCH) {
    out.emplace();
    for (std::size_t i = 0; rc == 0 && i < g.gl_pathc; ++i) out->push_back(g.gl_pathv[i]);  // glob() sorts its answer
  }
  globfree(&g);
  return out;
}

}  // namespace config::detail
