// What more than one kind's spec uses.
#pragma once

#include <utility>

#include "jobs/duration.hpp"

namespace jobs {

enum class ip_version { any, v4, v6 };  // any: the resolver's first answer

// A kind's settings that most jobs leave at their defaults, kept out of the
// spec: every job's spec is as large as the largest kind's (kind_spec), and
// the scheduler keeps one spec per job, so a setting held inline costs its
// bytes in every job of every kind. Here it costs one pointer. A job that
// sets none of them points at one immutable instance of the defaults, shared
// by all; one that sets any owns a copy.
//
// A value, read through * and ->: copies are deep (a copy is allocated by
// the thread that makes it, which is how the job file's parse leaves its
// thread's arena: daemon/src/job_source.cpp), == compares the settings.
// To change them, assign settings (equal to the defaults, they go back to
// the shared instance), or edit() in place:
//   auto o = *spec.options;  o.count = 5;  spec.options = std::move(o);
//   spec.options.edit().count = 5;
template <class T>
class out_of_line {
 public:
  out_of_line() noexcept : p_(&defaults()) {}
  out_of_line(T value) : p_(value == defaults() ? &defaults() : new T(std::move(value))) {}
  out_of_line(out_of_line const& other) : p_(other.is_default() ? &defaults() : new T(*other.p_)) {}
  out_of_line(out_of_line&& other) noexcept : p_(std::exchange(other.p_, &defaults())) {}
  out_of_line& operator=(out_of_line other) noexcept {
    std::swap(p_, other.p_);
    return *this;
  }
  ~out_of_line() {
    if (!is_default()) delete p_;
  }

  T const& operator*() const noexcept { return *p_; }
  T const* operator->() const noexcept { return p_; }
  bool operator==(out_of_line const& other) const { return p_ == other.p_ || *p_ == *other.p_; }

  // The settings, to change in place; a job that had the shared defaults
  // gets a copy of its own first (and keeps it, whatever is changed).
  T& edit() {
    if (is_default()) p_ = new T(*p_);
    return *p_;
  }

 private:
  // A function's static, not a static member: specs built by other static
  // initializers (tests, benchmarks) must find it constructed.
  static T& defaults() {
    static T instance{};  // never changed: edit() copies it first
    return instance;
  }
  bool is_default() const noexcept { return p_ == &defaults(); }
  T* p_;
};

}  // namespace jobs
