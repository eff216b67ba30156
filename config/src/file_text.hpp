// Reading a job file or drop-in from disk, as a file edited by hand (and
// perhaps by an adversary) must be read. (POSIX: file_text.cpp; Windows:
// file_text_windows.cpp, the same rules through Win32 calls.)
//
// - Only a regular file (or a symlink to one): a FIFO, a device such as
//   /dev/zero, a socket or a directory is refused before a byte is read. The
//   file is opened with O_NONBLOCK, so opening a FIFO that nobody writes to
//   returns at once instead of blocking the daemon.
// - At most max_job_file_bytes: past it the error names the limit.
// - Not a file that changed while it was read (an editor or a script
//   rewriting it in place while a reload reads it): its size, modification
//   and change times and inode before and after the read must agree, and the
//   bytes read must be its size. A script that writes in pieces may pause
//   between two of them for longer than the read takes, so the loader checks
//   again after parsing and validating every file (see changed_since), and
//   a file modified less than settle_time before that check is watched for
//   the rest of settle_time first. Still the same version, or refused. A
//   refused reload keeps the jobs that run; the next SIGHUP reads the
//   finished file. (A writer that pauses longer than that cannot be told
//   from one that has finished: write a temporary file and rename it.)
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "jobs/expected.hpp"

namespace config::detail {

// What tells one version of a file from the next.
// (POSIX: st_dev, st_ino, st_size, st_mtim, st_ctim; Windows, which has no
// change time: the volume serial number, the file index, the size, the last
// write time twice; file_text_windows.cpp.)
struct file_version {
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::int64_t size = 0;
  std::chrono::nanoseconds modified{}, changed{};  // since the Unix epoch
  bool operator==(file_version const&) const = default;
};

struct file_text {
  std::string text;
  file_version version;
};

inline std::string const changed_while_read =
    "changed while it was read (written to in place?); not loaded. Write the new version to a temporary file and "
    "rename it over this one, then reload";

// The file's text, or why it was refused (a sentence, without the path).
[[nodiscard]] jobs::expected<file_text> read_job_file_text(std::filesystem::path const& path);

inline constexpr std::chrono::milliseconds settle_time{50};

// Whether `path` is no longer `version` (changed, replaced or gone), now or,
// if it was modified less than settle_time ago, by the end of settle_time
// (the calling thread sleeps meanwhile).
bool changed_since(std::filesystem::path const& path, file_version const& version);

}  // namespace config::detail
