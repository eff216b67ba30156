#include "file_text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "config/job_file.hpp"
#include "large_buffer.hpp"

namespace config::detail {

namespace {

struct fd_closer {
  int fd;
  ~fd_closer() { ::close(fd); }
};

char const* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::chrono::nanoseconds since_epoch(timespec t) {
  return std::chrono::seconds(t.tv_sec) + std::chrono::nanoseconds(t.tv_nsec);
}

file_version version_of(struct stat const& s) {
  return {s.st_dev, s.st_ino, s.st_size, since_epoch(s.st_mtim), since_epoch(s.st_ctim)};
}

std::string mib(std::size_t bytes) {
  return std::to_string(bytes >> 20) + " MiB";
}

}  // namespace

jobs::expected<file_text> read_job_file_text(std::filesystem::path const& path) {
  auto refused = [](std::string why) { return jobs::unexpected(std::move(why)); };
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return refused(std::string("cannot open: ") + std::strerror(errno));
  fd_closer closer{fd};
  struct stat before {};
  if (::fstat(fd, &before) != 0) return refused(std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(before.st_mode))
    return refused(std::string("is ") + kind_of(before.st_mode) + "; expected a regular YAML job file");
  if (static_cast<std::uintmax_t>(before.st_size) > max_job_file_bytes)
    return refused("is " + std::to_string(before.st_size) + " bytes, over the limit of " + mib(max_job_file_bytes) +
                   " for a job file");
  // One byte more than its size: a file that grew is caught here too.
  // (Sized once: a resize past the capacity copied the whole text.)
  std::string text;
  text.reserve(static_cast<std::size_t>(before.st_size) + 1);
  prefer_huge_pages(text.data(), text.capacity());  // before the pages are first written
  text.resize(static_cast<std::size_t>(before.st_size) + 1);
  std::size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return refused(std::string("cannot read: ") + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  struct stat after {};
  if (::fstat(fd, &after) != 0) return refused(std::string("cannot stat: ") + std::strerror(errno));
  if (got != static_cast<std::size_t>(before.st_size) || !(version_of(before) == version_of(after)))
    return refused(changed_while_read);
  text.resize(got);
  return file_text{std::move(text), version_of(after)};
}

bool changed_since(std::filesystem::path const& path, file_version const& version) {
  auto changed = [&] {
    struct stat now {};
    return ::stat(path.c_str(), &now) != 0 || !(version_of(now) == version);
  };
  if (changed()) return true;
  auto last_write = std::max(version.modified, version.changed);
  auto age = std::chrono::system_clock::now().time_since_epoch() - last_write;
  if (age >= settle_time) return false;
  // Modified a moment ago (or in the future, by a clock step): perhaps
  // still being written. Sleep out the rest of settle_time and look again.
  std::this_thread::sleep_for(age < std::chrono::nanoseconds(0) ? std::chrono::nanoseconds(settle_time)
                                                                : settle_time - age);
  return changed();
}

}  // namespace config::detail
