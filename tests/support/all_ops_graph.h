// Hand-built graphs for the reader/writer/validation tests, made with a tiny builder that
// sets every field explicitly (no dependency on the zoo). Weights are deterministic bytes;
// quantization satisfies what TensorFlow Lite checks when it prepares int8 operators
// (bias scale = input scale x filter scale, softmax/logistic outputs 1/256 and -128).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tessera::test {

class IrBuilder {
 public:
  explicit IrBuilder(std::string name) { g.name = std::move(name); }
  Graph g;

  // An int8 activation with per-tensor quantization (float32: no quantization).
  int Act(const std::string& name, std::vector<int32_t> shape, float scale = 0.05f,
          int64_t zero_point = 0, DType type = DType::kInt8);
  // A constant int8 weight tensor with deterministic bytes; per-channel along `axis` when
  // axis >= 0 (one scale per slice), per-tensor otherwise.
  int Weights(const std::string& name, std::vector<int32_t> shape, int axis, float scale = 0.01f);
  // A constant int32 bias with scale in_scale * filter scale of each channel.
  int Bias(const std::string& name, int filter, int axis, float in_scale);
  // A constant int32 (or int64) 1-D / 2-D operand.
  int Ints(const std::string& name, std::vector<int64_t> values, std::vector<int32_t> shape = {},
           DType type = DType::kInt32);
  int Op(OpType t, std::vector<int> in, int out, OpOptions o = {});
};

// One graph with all 20 operator types tessera supports, float input and output:
// QUANTIZE, CONV_2D, DEPTHWISE_CONV_2D (depth multiplier 2), PAD, AVERAGE_POOL_2D,
// MAX_POOL_2D, RESIZE_NEAREST_NEIGHBOR, HARD_SWISH, RELU, RELU6, LOGISTIC, MUL, ADD,
// CONCATENATION, TRANSPOSE, MEAN, RESHAPE (-1), FULLY_CONNECTED, SOFTMAX, DEQUANTIZE.
// It passes Graph::Validate().
Graph AllOpsGraph();

// A small NCHW network: TRANSPOSE (perm [0,2,3,1]) of a 1x3x20x18 input, a stride-2 conv, a
// depthwise conv, a pointwise conv, MEAN and FULLY_CONNECTED.
Graph SmallNchwGraph();

}  // namespace tessera::test
