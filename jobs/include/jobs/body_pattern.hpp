// body_pattern: a regular expression that a fetch job's body must (or must
// not) match, compiled once when the job file is read and shared by every
// run of the job.
//
// Bodies come from servers the daemon does not control, so the engine is
// RE2 (Debian's libre2): matching takes time linear in the body, never
// recurses on it, and uses bounded memory; there are no backreferences or
// lookaround (RE2 syntax, close to ECMAScript/PCRE otherwise). Patterns come
// from a hand-edited file, so compiling is bounded too: at most
// max_source_bytes of pattern, at most max_program_size compiled
// instructions, at most max_memory_bytes of RE2 memory (program and DFA
// cache). Past a limit, compile() says which one.
//
// Matching takes at most (body length x compiled instructions) steps, and
// RE2's DFA usually needs far fewer; a pattern whose DFA outgrows its memory
// on some body falls back to the NFA, which takes all of them (10 MiB x
// 2,000 instructions: minutes of one core). So a run never matches on the
// loop's thread (see run_fetch), and a pattern is matched by one thread at a
// time: claim() fails while a match that outlived its run's deadline is
// still going, and the job's next runs report that instead of piling more
// threads on it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "jobs/expected.hpp"

namespace re2 {
class RE2;
}

namespace jobs {

class body_pattern {
 public:
  static constexpr std::size_t max_source_bytes = 4096;
  static constexpr int max_program_size = 2'000;
  static constexpr std::int64_t max_memory_bytes = 8 << 20;

  // The pattern, or why it was refused (RE2's reason, or the limit passed).
  [[nodiscard]] static expected<body_pattern> compile(std::string source);

  // compile(), throwing std::invalid_argument on a refused pattern (tests,
  // code that builds specs by hand).
  explicit body_pattern(std::string source);

  std::string const& source() const noexcept;
  // Whether the pattern matches anywhere in `text` (a search, not a full
  // match). Safe to call from any thread, concurrently.
  bool found_in(std::string_view text) const;

  // The right to match this pattern (any copy of it) on some thread; it
  // ends when the claim is destroyed, on whatever thread.
  class claim {
   public:
    explicit claim(std::shared_ptr<std::atomic<bool>> busy) : busy_(std::move(busy)) {}
    claim(claim&&) noexcept = default;
    claim& operator=(claim&&) = delete;
    ~claim() {
      if (busy_) busy_->store(false);
    }

   private:
    std::shared_ptr<std::atomic<bool>> busy_;
  };
  // Empty while another claim on the pattern lives.
  std::optional<claim> try_claim() const;

  // Two patterns are the same job setting when their text is the same.
  bool operator==(body_pattern const& other) const noexcept { return source() == other.source(); }

 private:
  // The text, RE2's program and whether a thread is matching it, in one
  // block shared by every copy: a pattern is 16 bytes in a fetch_spec, and
  // every job's spec is as large as the largest kind's (kind_spec).
  struct compiled;
  explicit body_pattern(std::shared_ptr<compiled> c) noexcept : compiled_(std::move(c)) {}
  std::shared_ptr<compiled> compiled_;
};

}  // namespace jobs
