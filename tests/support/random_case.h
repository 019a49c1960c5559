// Building blocks of random single-operator test models (differential tests against TensorFlow
// Lite, plan tests): a seeded random source, per-tensor quantizations, tensors added to a Graph
// and random input bytes.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tessera::test {

struct Rand {
  std::mt19937_64 r;
  explicit Rand(uint64_t seed) : r(seed) {}
  int I(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(r); }
  double U(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(r); }
  bool P(double p) { return U(0, 1) < p; }
};

// Per-tensor quantization.
Quantization Q(float scale, int64_t zero_point);
// A scale of 10^[-2.5, -0.5] and a zero point in the int8 range.
Quantization RandQ(Rand& r);
Activation RandAct(Rand& r);

// Adds a tensor to g (a constant when `data` is not empty); returns its index.
int AddTensor(Graph& g, const std::string& name, DType type, std::vector<int32_t> shape, Quantization q,
              std::vector<uint8_t> data = {});

std::vector<uint8_t> RandomBytes(Rand& r, int64_t n);
// int8 bytes in [lo, hi] (clamped to the int8 range).
std::vector<uint8_t> RangeBytes(Rand& r, int64_t n, int lo, int hi);

}  // namespace tessera::test
