// The random id, first sequence number and per-echo cookies an ICMP
// endpoint uses, the same on every platform's endpoint.
#pragma once

#include <cstdint>
#include <random>

namespace jobs::icmp {

inline std::uint64_t random64() {
  std::random_device rd;
  return (std::uint64_t(rd()) << 32) ^ rd();
}

// splitmix64: turns a counter into well-spread cookies.
inline std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace jobs::icmp
