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
// A run never matches on the loop's thread: see run_fetch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace re2 {
class RE2;
}

namespace jobs {

class body_pattern {
 public:
  static constexpr std::size_t max_source_bytes = 4096;
  static constexpr int max_program_size = 10'000;
  static constexpr std::int64_t max_memory_bytes = 8 << 20;

  // The pattern, or why it was refused (RE2's reason, or the limit passed).
  static std::variant<body_pattern, std::string> compile(std::string source);

  // compile(), throwing std::invalid_argument on a refused pattern (tests,
  // code that builds specs by hand).
  explicit body_pattern(std::string source);

  std::string const& source() const noexcept { return source_; }
  // Whether the pattern matches anywhere in `text` (a search, not a full
  // match). Safe to call from any thread, concurrently.
  bool found_in(std::string_view text) const;

  // Two patterns are the same job setting when their text is the same.
  bool operator==(body_pattern const& other) const noexcept { return source_ == other.source_; }

 private:
  body_pattern(std::string source, std::shared_ptr<re2::RE2 const> compiled);
  std::string source_;
  std::shared_ptr<re2::RE2 const> compiled_;
};

}  // namespace jobs
