// glob_files on Windows: the directory part is taken literally, the last
// component may hold * and ? (what `include: jobs.d/*.yaml` needs).
// Matching ignores case, as Windows file names do.
#include <algorithm>
#include <cctype>
#include <string_view>
#include <system_error>

#include "file_glob.hpp"

namespace config::detail {

namespace {

bool matches(std::string_view pattern, std::string_view name) {
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  // The classic two-pointer wildcard match, backtracking to the last *.
  std::size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || lower(pattern[p]) == lower(name[n]))) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace

std::optional<std::vector<std::string>> glob_files(std::filesystem::path const& pattern) {
  std::vector<std::string> out;
  std::filesystem::path dir = pattern.parent_path();
  std::string wanted = pattern.filename().string();
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;  // a missing directory is no drop-ins
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    // glob(3) skips hidden files unless the pattern names them; so do we.
    if (name.starts_with('.') && !wanted.starts_with('.')) continue;
    if (matches(wanted, name)) out.push_back(it->path().string());
  }
  if (ec) return std::nullopt;
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace config::detail
