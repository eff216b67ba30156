// What more than one kind's spec uses.
#pragma once

#include "jobs/duration.hpp"

namespace jobs {

enum class ip_version { any, v4, v6 };  // any: the resolver's first answer

}  // namespace jobs
