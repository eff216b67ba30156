// read_job_file_text and changed_since on Windows (the rules are in
// file_text.hpp). A file's version is what GetFileInformationByHandle says:
// the volume's serial number and the file's index (Windows' device and
// inode), its size, and its last write time (there is no change time).
// Anything but a file on disk (a pipe, a console, a device) is refused
// before a byte is read.
#include <windows.h>

#include <algorithm>
#include <optional>
#include <system_error>
#include <thread>

#include "config/job_file.hpp"
#include "file_text.hpp"

namespace config::detail {

namespace {

struct handle_closer {
  HANDLE h;
  ~handle_closer() { ::CloseHandle(h); }
};

std::string last_error_text() {
  return std::system_category().message(static_cast<int>(::GetLastError()));
}

// FILETIME counts 100 ns from 1601-01-01; the Unix epoch is 11644473600 s later.
std::chrono::nanoseconds since_epoch(FILETIME t) {
  auto ticks = (static_cast<std::int64_t>(t.dwHighDateTime) << 32) | t.dwLowDateTime;
  return std::chrono::nanoseconds((ticks - 116444736000000000LL) * 100);
}

// Empty if the handle cannot say (GetLastError has why).
[[nodiscard]] std::optional<file_version> version_of(HANDLE h) {
  BY_HANDLE_FILE_INFORMATION i{};
  if (!::GetFileInformationByHandle(h, &i)) return std::nullopt;
  file_version out;
  out.device = i.dwVolumeSerialNumber;
  out.inode = (static_cast<std::uint64_t>(i.nFileIndexHigh) << 32) | i.nFileIndexLow;
  out.size = static_cast<std::int64_t>((static_cast<std::uint64_t>(i.nFileSizeHigh) << 32) | i.nFileSizeLow);
  out.modified = out.changed = since_epoch(i.ftLastWriteTime);
  return out;
}

HANDLE open_shared(std::filesystem::path const& path) {
  // Shared with writers: an editor may hold the file open; a change while
  // it is read is caught by comparing versions.
  return ::CreateFileW(path.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                       OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
}

std::string mib(std::size_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
}

}  // namespace

jobs::expected<file_text> read_job_file_text(std::filesystem::path const& path) {
  auto refused = [](std::string why) { return jobs::unexpected(std::move(why)); };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return refused("is a directory; expected a regular YAML job file");
  HANDLE h = open_shared(path);
  if (h == INVALID_HANDLE_VALUE) return refused("cannot open: " + last_error_text());
  handle_closer closer{h};
  if (::GetFileType(h) != FILE_TYPE_DISK) return refused("is not a regular file; expected a regular YAML job file");
  auto before = version_of(h);
  if (!before) return refused("cannot stat: " + last_error_text());
  if (static_cast<std::uintmax_t>(before->size) > max_job_file_bytes)
    return refused("is " + std::to_string(before->size) + " bytes, over the limit of " + mib(max_job_file_bytes) +
                   " for a job file");
  // One byte more than its size: a file that grew is caught here too.
  std::string text(static_cast<std::size_t>(before->size) + 1, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    DWORD n = 0;
    if (!::ReadFile(h, text.data() + got, static_cast<DWORD>(text.size() - got), &n, nullptr))
      return refused("cannot read: " + last_error_text());
    if (n == 0) break;
    got += n;
  }
  auto after = version_of(h);
  if (!after) return refused("cannot stat: " + last_error_text());
  if (got != static_cast<std::size_t>(before->size) || !(*before == *after)) return refused(changed_while_read);
  text.resize(got);
  return file_text{std::move(text), *after};
}

bool changed_since(std::filesystem::path const& path, file_version const& version) {
  auto changed = [&] {
    HANDLE h = open_shared(path);
    if (h == INVALID_HANDLE_VALUE) return true;
    handle_closer closer{h};
    auto now = version_of(h);
    return !now || !(*now == version);
  };
  if (changed()) return true;
  auto age = std::chrono::system_clock::now().time_since_epoch() - std::max(version.modified, version.changed);
  if (age >= settle_time) return false;
  std::this_thread::sleep_for(age < std::chrono::nanoseconds(0) ? std::chrono::nanoseconds(settle_time)
                                                                : settle_time - age);
  return changed();
}

}  // namespace config::detail
