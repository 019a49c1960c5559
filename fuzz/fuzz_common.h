// Shared by the libFuzzer targets: the small helpers every target uses.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tessera::fuzz {

// A finding that is not a crash (a plan the checker rejects, different output bytes): print
// it and abort, so libFuzzer records the input like any crash.
[[noreturn]] inline void Finding(const std::string& what) {
  std::fprintf(stderr, "tessera fuzz finding: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// FNV-1a of the input bytes: seeds the model inputs, so a reproducer replays exactly.
inline uint64_t HashBytes(const uint8_t* data, size_t size) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

// Deterministic bytes for every graph input: uniform bytes for integer tensors, finite floats
// in [-2, 2) for float32 tensors (the model input a user would give).
inline std::vector<std::vector<uint8_t>> FuzzInputs(const Graph& g, uint64_t seed) {
  std::vector<std::vector<uint8_t>> in;
  uint64_t s = seed;
  auto next = [&s] {
    s += 0x9E3779B97F4A7C15ull;
    uint64_t z = s;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  for (int t : g.inputs) {
    const Tensor& x = g.tensors[t];
    std::vector<uint8_t> v(static_cast<size_t>(x.num_bytes()));
    if (x.type == DType::kFloat32) {
      for (size_t i = 0; i + 4 <= v.size(); i += 4) {
        const float f = static_cast<float>(static_cast<double>(next() >> 11) * 0x1.0p-53 * 4.0 - 2.0);
        __builtin_memcpy(v.data() + i, &f, 4);
      }
    } else {
      for (auto& b : v) b = static_cast<uint8_t>(next() >> 56);
    }
    in.push_back(std::move(v));
  }
  return in;
}

}  // namespace tessera::fuzz
