// Building blocks for the model zoo: a graph builder that creates int8 operators with
// deterministic synthetic weights and realistic quantization.
//
// Quantization follows what a post-training int8 converter produces:
//  - weights: per-channel symmetric int8 (zero point 0) for CONV_2D (axis 0) and
//    DEPTHWISE_CONV_2D (axis 3), per-tensor symmetric for FULLY_CONNECTED;
//  - biases: int32 with scale = input_scale * weight_scale of their channel, zero point 0;
//  - ReLU6 outputs: scale 6/255, zero point -128; ReLU outputs: [0, max] range;
//    linear outputs (bottlenecks, residual sums, logits): a range around the expected
//    values, always containing 0;
//  - pools, PAD and RESHAPE keep their input's quantization; SOFTMAX outputs scale 1/256,
//    zero point -128.
//
// Scales are chosen so that activations stay in a useful range for random inputs: the
// builder tracks, per channel, the mean and variance of every activation's real value under
// the assumption of independent inputs (a moment-propagation model of the network), draws
// weights, then picks each output channel's weight scale so the pre-activation standard
// deviation hits a target, and the bias so its mean lands at a chosen point. ReLU/ReLU6 are
// propagated through the moments of a clipped normal. Every real-valued parameter is rounded
// to three significant digits, so tiny floating-point differences cannot change the bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tessera::zoo {

// splitmix64: a fixed, portable pseudo-random generator.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next();
  double Uniform(double lo, double hi);  // [lo, hi)
  double Normal();                       // approximately standard normal (Irwin-Hall of 4)
  int32_t Int(int32_t lo, int32_t hi);   // uniform in [lo, hi]

 private:
  uint64_t s_;
};

// 64-bit FNV-1a: seeds derived from names.
uint64_t HashName(const std::string& s);

// Rounds a positive value to three significant decimal digits.
double RoundSignificant3(double v);

class GraphBuilder {
 public:
  GraphBuilder(std::string model_name, uint64_t seed);

  // The model input (int8, NHWC). Statistics are those of uniformly random int8 bytes.
  int Input(std::vector<int32_t> shape, float scale, int64_t zero_point);

  // CONV_2D with a square kernel.
  int Conv2D(const std::string& name, int x, int out_channels, int kernel, int stride,
             Activation act, Padding padding = Padding::kSame);
  int DepthwiseConv2D(const std::string& name, int x, int kernel, int stride, Activation act,
                      Padding padding = Padding::kSame, int depth_multiplier = 1);
  // PAD with a constant [4,2] paddings operand (batch and channel rows are 0).
  int Pad(const std::string& name, int x, int top, int bottom, int left, int right);
  int Add(const std::string& name, int a, int b, Activation act = Activation::kNone);
  int AveragePool2D(const std::string& name, int x, int filter, int stride,
                    Padding padding = Padding::kValid);
  int MaxPool2D(const std::string& name, int x, int filter, int stride,
                Padding padding = Padding::kValid);
  // AVERAGE_POOL_2D over the whole spatial extent (output [1,1,1,C]).
  int GlobalAveragePool(const std::string& name, int x);
  // MEAN over axes 1 and 2, with its own output quantization.
  int Mean(const std::string& name, int x, bool keep_dims);
  int Reshape(const std::string& name, int x, std::vector<int32_t> shape);
  int FullyConnected(const std::string& name, int x, int units, Activation act);
  int Softmax(const std::string& name, int x);
  // Operators that keep their input's quantization (TFLM does not rescale them); statistics
  // follow the input's (averaged over channels when the channel count changes).
  int ResizeBilinear(const std::string& name, int x, int out_h, int out_w, bool align_corners,
                     bool half_pixel_centers);
  // REDUCE_MAX (max) or REDUCE_MIN over `axes`.
  int ReduceMinMax(const std::string& name, int x, bool max, const std::vector<int32_t>& axes, bool keep_dims);
  // STRIDED_SLICE begin:end:stride per axis (0 <= begin < end <= dim, stride >= 1, no masks).
  int StridedSlice(const std::string& name, int x, const std::vector<int32_t>& begin,
                   const std::vector<int32_t>& end, const std::vector<int32_t>& strides);
  int Tile(const std::string& name, int x, const std::vector<int32_t>& multiples);
  // PACK of same-shape tensors along `axis`, in xs[0]'s quantization (pass tensors sharing it).
  int Pack(const std::string& name, const std::vector<int>& xs, int axis);
  // LOG_SOFTMAX over the last axis (int8: output scale 16/256, zero point 127).
  int LogSoftmax(const std::string& name, int x);
  // An element-wise unary operator (LEAKY_RELU, ELU, ABS: in the input's quantization; TANH:
  // TFLM's fixed int8 output scale 1/128, zero point 0). `options`: the operator's.
  int Unary(const std::string& name, OpType type, int x, OpOptions options = std::monostate{});
  // SUB, MAXIMUM or MINIMUM of x and a per-channel constant in x's quantization (the output
  // keeps it).
  int BinaryWithConstant(const std::string& name, OpType type, int x, OpOptions options = std::monostate{});
  // SPACE_TO_DEPTH (height and width divisible by the block) or DEPTH_TO_SPACE (channels
  // divisible by its square).
  int SpaceDepth(const std::string& name, OpType type, int x, int block);

  // Target standard deviation of the next layers' pre-activation values (default 2.0 before
  // ReLU6, 1.5 for linear outputs).
  void set_linear_std(double s) { linear_std_ = s; }

  const Graph& graph() const { return g_; }
  const std::vector<int32_t>& shape(int t) const { return g_.tensors[t].shape; }
  // Marks the graph outputs and returns the graph.
  Graph Finish(std::vector<int> outputs);

 private:
  struct Stats {
    std::vector<double> mean, var;  // per channel (last axis)
  };
  int AddTensor(Tensor t);
  int AddActivation(const std::string& name, std::vector<int32_t> shape, Quantization q);
  int AddConst(const std::string& name, DType type, std::vector<int32_t> shape,
               std::vector<uint8_t> data, Quantization q = {});
  int AddInt32Const(const std::string& name, std::vector<int32_t> shape,
                    const std::vector<int32_t>& values);
  // Quantization and post-activation statistics of an output whose pre-activation values
  // have the given per-channel statistics.
  // Linear ranges cover `sigmas` standard deviations around each channel's mean.
  Quantization OutputQuant(const Stats& pre, Activation act, double sigmas = 4.0) const;
  Stats ApplyActivation(const Stats& pre, Activation act) const;
  double TargetStd(Activation act) const;
  // Draws int8 weights for `rows` output channels of `fan_in` values each.
  std::vector<int8_t> DrawWeights(int64_t rows, int64_t fan_in, bool per_channel);
  const Tensor& T(int t) const { return g_.tensors[t]; }
  // Statistics s for `channels` channels (averaged when the count changes).
  static Stats Rechannel(Stats s, size_t channels);
  // An operator writing a new activation of `shape` in `inputs[0]`'s quantization.
  int SameQuantOp(const std::string& name, OpType type, std::vector<int> inputs, std::vector<int32_t> shape,
                  OpOptions options);

  Graph g_;
  Rng rng_;
  std::vector<Stats> stats_;  // per tensor (empty for constants)
  double linear_std_ = 1.5;
};

}  // namespace tessera::zoo
