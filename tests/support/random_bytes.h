// Random numbers for kernel tests: a seeded engine, uniform integers, random int8 data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace tessera::test {

using Rng = std::mt19937;

inline int32_t Uniform(Rng& r, int32_t lo, int32_t hi) { return std::uniform_int_distribution<int32_t>(lo, hi)(r); }

inline std::vector<int8_t> RandomBytes(Rng& r, size_t n) {
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(Uniform(r, -128, 127));
  return v;
}

}  // namespace tessera::test
