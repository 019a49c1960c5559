// Single-SVDF (or chained SVDF) graphs for tests: int8 input [batch, input_size], int8
// weights_feature, int16 or int8 weights_time and state (the state a variable tensor, initial
// value zeros or given), int32 bias (optional), int8 output; random weights and quantization
// from a seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tessera::test {

struct SvdfSpec {
  int batch = 1, input_size = 8, units = 4, rank = 1, memory = 4;
  bool state16 = true;   // int16 weights_time and state (else int8 both)
  bool bias = true;
  int32_t state_zero_point = 0;   // int8 state only
  bool random_initial_state = false;  // else TFLM's reset value (zero point for int8)
  int layers = 1;        // SVDFs chained (each layer's units feed the next's input)
  // The fused activation option (TFLM's integer SVDF ignores it; TensorFlow Lite 2.9's
  // integer SVDF insists on RELU).
  Activation activation = Activation::kNone;
};

// The graph and a description ("svdf b1 in8 u4 r1 m4 s16 ...").
Graph SvdfGraph(const SvdfSpec& s, uint64_t seed, std::string* desc = nullptr);

}  // namespace tessera::test
