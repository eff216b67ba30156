// countdown's log fields and metrics.
//   result line: ticks
//   metrics: none of its own (runs, outcome and duration are common)
#include "../kinds.hpp"

namespace reactord {

void countdown_fields(std::vector<field>& f, jobs::countdown_result const& c) {
  f.emplace_back("ticks", c.ticks);
}

}  // namespace reactord
