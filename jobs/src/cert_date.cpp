#include "cert_date.hpp"

#include <array>
#include <cstdio>
#include <string>

namespace jobs {

std::optional<std::chrono::system_clock::time_point> parse_cert_date(std::string_view text) {
  using namespace std::chrono;
  std::string s(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  char month_name[4] = {};
  if (std::sscanf(s.c_str(), "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6) {
    if (std::sscanf(s.c_str(), "%3s %d %d:%d:%d %d", month_name, &d, &h, &mi, &sec, &y) != 6) return std::nullopt;
    static constexpr std::array<std::string_view, 12> names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == month_name) mo = static_cast<int>(i) + 1;
  }
  year_month_day date{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!date.ok() || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return std::nullopt;
  return sys_days(date) + hours(h) + minutes(mi) + seconds(sec);
}

}  // namespace jobs
