// What the scheduler keeps of a job's runs for status(): its last result
// and every run's histograms, in one allocation sized for the job's kind.
//
// Kept apart, the last result was a run_result less name, kind and labels
// whose details were a kind_result, as large as the largest kind's (a
// ping's 144 bytes, also in a countdown), and the histograms a second
// allocation: 384 bytes of malloc blocks for a countdown that has run, 448
// for a ping, 560 for a fetch. Here: 192, 384 and 464 (issue 13: "<= 1 KB
// of RSS per configured job"). Nothing exists before the job's first run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "jobs/histogram.hpp"
#include "jobs/result.hpp"
#include "jobs/spec.hpp"

namespace jobs {

class job_record {
 public:
  // Deletes the record as the kind it was made for: no vtable pointer in
  // each record, the kind is a byte.
  struct deleter {
    void operator()(job_record* r) const noexcept;
  };
  using pointer = std::unique_ptr<job_record, deleter>;

  // The record of a job of kind `kind` (kind_spec's index).
  static pointer make(std::size_t kind);

  // Adds a run's figures to the histograms (before the sink sees it).
  void observe(run_result const& r) noexcept;
  // Keeps r as the last result, in the storage of the previous one.
  void keep(run_result&& r);

  // The last result as status() reports it, the spec giving what it does
  // not repeat (name, kind, labels; lateness is started - scheduled).
  run_result last(job_spec const& job) const;
  // A copy of the histograms, for status().
  run_histograms histograms_copy() const;

 protected:
  explicit job_record(std::uint8_t kind) noexcept : kind_(kind) {}
  ~job_record() = default;

 private:
  reactor::deadline scheduled_{}, started_{};
  duration took_{};
  // The message, then the condition: one string, where two cost 32 bytes
  // more each (the condition is rare, and short).
  std::string text_;
  std::uint32_t message_size_ = 0;
  std::uint8_t result_ = 0;  // an outcome
  std::uint8_t kind_;        // kind_spec's index: which record_of this is
};

}  // namespace jobs
