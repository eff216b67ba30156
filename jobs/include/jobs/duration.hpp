// jobs::duration: the unit of every time in a spec or a result.
#pragma once

#include <chrono>

namespace jobs {

using duration = std::chrono::nanoseconds;
using namespace std::chrono_literals;

}  // namespace jobs
