// Random valid int8 networks for property tests and fuzz seeds.
//
// RandomGraph(seed) builds, deterministically from the seed, a stack of CONV_2D,
// DEPTHWISE_CONV_2D (depth multiplier 1 or 2), AVERAGE/MAX_POOL_2D and PAD layers with random
// square kernels 1..7, strides 1..2, SAME or VALID padding, dilations (SAME only: 1..3, or
// larger than the input so that some output rows read nothing but padding), channel counts
// and fused activations, residual ADDs (to an earlier tensor of the same shape, or around a fresh
// convolution block), over an input of random, often non-square, size; sometimes a
// classifier tail (global pool or MEAN, RESHAPE, FULLY_CONNECTED, SOFTMAX) and sometimes a
// second graph output taken from the middle of the stack. With modest probability
// (allow_zoo_ops) a body layer is instead a model-zoo operator that keeps 4-D activations
// (RESIZE_BILINEAR, windowable, so it may sit inside patch stages; STRIDED_SLICE; TILE; REDUCE_MAX
// or REDUCE_MIN with keep_dims; LEAKY_RELU, TANH, ELU, ABS; SUB, MAXIMUM or MINIMUM with a
// constant; SPACE_TO_DEPTH or DEPTH_TO_SPACE: the last three kinds windowable), the tail may reduce with REDUCE_MAX/MIN instead of pooling,
// and the classifier may end in PACK (and TILE) and LOG_SOFTMAX instead of SOFTMAX. Weights and quantization come from
// zoo::GraphBuilder (deterministic synthetic weights, per-channel filters) with a random input
// scale and zero point, so every graph has different requantization parameters.
// The result passes Graph::Validate().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tessera::test {

struct RandomGraphOptions {
  int min_layers = 2, max_layers = 9;  // body layers (a residual block counts as one)
  int min_hw = 3, max_hw = 28;         // input height and width (chosen independently)
  int max_channels = 12;
  bool allow_tail = true;              // classifier tail (pool/MEAN, RESHAPE, FC, SOFTMAX)
  bool allow_second_output = true;
  bool allow_zoo_ops = true;           // RESIZE_BILINEAR, STRIDED_SLICE, TILE, REDUCE_*, PACK, LOG_SOFTMAX, element-wise, space/depth
};

Graph RandomGraph(uint64_t seed, const RandomGraphOptions& options = {});

// A random valid 16x8 network (int16 activations with zero point 0, int8 per-channel or
// per-tensor weights, int64 biases), drawn by its own generator so RandomGraph's draws do not
// change: CONV_2D, DEPTHWISE_CONV_2D (depth multiplier 1 or 2), AVERAGE/MAX_POOL_2D, PAD,
// CONCATENATION (channels, with a pooled copy of the same quantization), LOGISTIC, TANH, MUL by
// a per-channel int16 constant, residual ADD / SUB, and sometimes a tail (pool, RESHAPE,
// FULLY_CONNECTED with an int64 bias or none, SOFTMAX int16). Scales follow a rough standard
// deviation of each activation so values spread over the int16 range. `options`:
// min/max_layers, min/max_hw, max_channels, allow_tail, allow_second_output (allow_zoo_ops is
// ignored). The input is int16 (uniform bytes from RandomInputs). Passes Graph::Validate().
Graph RandomGraphInt16(uint64_t seed, const RandomGraphOptions& options = {});

// One line describing a graph's layers, e.g. "in 1x13x9x3 | conv k5 s2 SAME 7 | ...".
std::string DescribeGraph(const Graph& g);

// Deterministic pseudo-random bytes for every graph input (int8 inputs: uniform bytes).
std::vector<std::vector<uint8_t>> RandomInputs(const Graph& g, uint64_t seed);

// The seed a property test uses for case `index` of a run started with `base`.
uint64_t CaseSeed(uint64_t base, int index);

}  // namespace tessera::test
