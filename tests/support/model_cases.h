// A model with inputs and the layer-by-layer plan's outputs, for tests that compare other
// plans' bytes with it. "shared:STEM" reads ../shared/models/STEM.tflite with the reference
// input of case 0 (float inputs need real floats); any other name is a zoo model with
// pseudo-random inputs from `seed`. Cached per (name, seed); thread-safe.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tessera::test {
struct ModelCase {
  Graph g;
  std::vector<std::vector<uint8_t>> inputs;
  std::vector<std::vector<uint8_t>> expected;  // the layer-by-layer plan's outputs
};
const ModelCase& LoadModelCase(const std::string& name, uint64_t seed);
// n deterministic pseudo-random bytes (a 64-bit LCG, top byte).
std::vector<uint8_t> PseudoRandomBytes(size_t n, uint64_t seed);
}  // namespace tessera::test
