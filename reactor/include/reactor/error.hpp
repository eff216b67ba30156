// The reactor's exceptions. I/O errors are values (io_result); only
// cancellation and time-outs travel as exceptions, because they must unwind
// the whole coroutine chain the way asyncio.CancelledError does.
#pragma once

#include <stdexcept>
#include <system_error>
#include <utility>

namespace reactor {

// Thrown at an await point of a coroutine whose chain has been cancelled.
// Cancellation is sticky: once a chain is cancelled, every later await in it
// throws this too (trio's rule), so a loop that catches it once cannot keep
// running by accident.
struct cancelled_error : std::runtime_error {
  cancelled_error() : std::runtime_error("operation cancelled") {}
};

// Thrown by with_timeout() when the deadline passed before the task ended.
struct timeout_error : std::runtime_error {
  timeout_error() : std::runtime_error("deadline exceeded") {}
};

// The category of the errno values I/O results carry. On POSIX that is the
// system category (the OS's own codes are errno values). On Windows the
// system category means Win32 error codes (libstdc++ 13+) or fails to map to
// std::errc at all (libstdc++ 12), and the reactor reports POSIX errno names
// there too (see detail/native.hpp), so the generic category is the right one.
inline std::error_category const& errno_category() noexcept {
#if defined(_WIN32)
  return std::generic_category();
#else
  return std::system_category();
#endif
}

// The result of one I/O operation: a value (byte count, ready mask, new
// socket) on success, an error code otherwise. Never both.
template <class T>
class [[nodiscard]] io_result {
 public:
  io_result(T value) : value_(std::move(value)) {}
  io_result(std::error_code error) : error_(error) {}
  // For integral results: a syscall-style int (>= 0, or -errno).
  static io_result from_syscall(int res) {
    if (res < 0) return std::error_code(-res, errno_category());
    return static_cast<T>(res);
  }

  explicit operator bool() const noexcept { return !error_; }
  std::error_code error() const noexcept { return error_; }
  // Throws std::system_error if there is no value.
  T& value() & {
    if (error_) throw std::system_error(error_);
    return value_;
  }
  T&& value() && {
    if (error_) throw std::system_error(error_);
    return std::move(value_);
  }
  T& operator*() & { return value(); }

 private:
  T value_{};
  std::error_code error_{};
};

}  // namespace reactor
