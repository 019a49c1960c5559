// Differential tests of the 16x8 operators against TensorFlow Lite 2.9's C library: random
// single-operator models (int16 activations with zero point 0, int8 per-channel filters,
// int64 biases), written by tessera's writer, run by TFLite and by tessera's executor (layer-by-layer
// plan). ADD, SUB and MUL int16 (general scales, broadcasts, fused
// activations), CONV_2D and DEPTHWISE_CONV_2D 16x8 (shapes, strides, dilations, padding,
// activations; depthwise multipliers, an int64 bias or none), FULLY_CONNECTED 16x8 (batches,
// keep_num_dims, an int64 bias), AVERAGE_POOL_2D, MAX_POOL_2D, PAD, CONCATENATION, LOGISTIC and TANH
// int16 (power-of-two and general input scales) and
// TRANSPOSE_CONV int8 (with and without bias) and 16x8 (with bias) (shapes, strides,
// SAME/VALID). Every
// output byte must equal TFLite's: both compute TFLM's arithmetic (the general int16 ADD
// rescaling with left_shift 15; ConvPerChannel with an int64 accumulator and the 64-bit
// MultiplyByQuantizedMultiplier; TransposeConv's sums requantized per channel).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "exec/executor.h"
#include "ir/graph.h"
#include "memory/greedy.h"
#include "support/ties.h"  // QuantizeMultiplier, Srdhm
#include "support/tflite_c.h"
#include "tflite/writer.h"

namespace tessera {
namespace {

constexpr int kCases = 200;

struct Rand {
  std::mt19937_64 r;
  explicit Rand(uint64_t seed) : r(seed) {}
  int I(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(r); }
  double U(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(r); }
  bool P(double p) { return U(0, 1) < p; }
};

Quantization Q(float scale) {
  Quantization q;
  q.scale = {scale};
  q.zero_point = {0};
  return q;
}

int AddTensor(Graph& g, const std::string& name, DType type, std::vector<int32_t> shape, Quantization q,
              std::vector<uint8_t> data = {}) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  t.quant = std::move(q);
  t.is_const = !data.empty();
  t.data = std::move(data);
  g.tensors.push_back(std::move(t));
  return static_cast<int>(g.tensors.size()) - 1;
}

std::vector<uint8_t> Int16Bytes(Rand& r, int64_t n, int spread) {
  std::vector<uint8_t> b(static_cast<size_t>(n) * 2);
  for (int64_t i = 0; i < n; ++i) {
    const int16_t v = static_cast<int16_t>(r.I(-spread, std::min(spread, 32767)));
    std::memcpy(&b[static_cast<size_t>(i) * 2], &v, 2);
  }
  return b;
}

Activation RandAct(Rand& r) {
  switch (r.I(0, 3)) {
    case 0: return Activation::kNone;
    case 1: return Activation::kRelu;
    case 2: return Activation::kRelu6;
    default: return Activation::kReluN1To1;
  }
}

struct Case {
  Graph g;
  std::vector<std::vector<uint8_t>> inputs;
  std::string desc;
};

// ADD, SUB or MUL int16: general scales, broadcasts of the second operand, fused activations.
Case MakeBinary(Rand& r, OpType type) {
  Case c;
  Graph& g = c.g;
  const int h = r.I(1, 8), w = r.I(1, 8), ch = r.I(1, 10);
  std::vector<int32_t> sa = {1, h, w, ch}, sb = sa;
  if (r.P(0.3)) {  // broadcast the second operand along some axes
    if (r.P(0.5)) sb[1] = 1;
    if (r.P(0.5)) sb[2] = 1;
    if (r.P(0.5)) sb[3] = 1;
  }
  const float a_scale = static_cast<float>(std::pow(10.0, r.U(-4.5, -2.5)));
  const float b_scale = r.P(0.2) ? a_scale : static_cast<float>(std::pow(10.0, r.U(-4.5, -2.5)));
  // MUL: the product of two values of up to 2^15 steps, scaled back to about that range
  const float y_scale = type == OpType::kMul
                            ? static_cast<float>(static_cast<double>(a_scale) * b_scale * r.U(3000, 40000))
                            : static_cast<float>(std::max(a_scale, b_scale) * r.U(0.5, 3.0));
  const Activation act = r.P(0.5) ? Activation::kNone : RandAct(r);
  const int a = AddTensor(g, "a", DType::kInt16, sa, Q(a_scale));
  const int b = AddTensor(g, "b", DType::kInt16, sb, Q(b_scale));
  const int y = AddTensor(g, "y", DType::kInt16, sa, Q(y_scale));
  Operator op;
  op.type = type;
  op.inputs = {a, b};
  op.outputs = {y};
  if (type == OpType::kAdd) {
    AddOptions o;
    o.activation = act;
    op.options = o;
  } else if (type == OpType::kSub) {
    SubOptions o;
    o.activation = act;
    op.options = o;
  } else {
    MulOptions o;
    o.activation = act;
    op.options = o;
  }
  g.ops.push_back(op);
  g.inputs = {a, b};
  g.outputs = {y};
  const int spread = r.P(0.3) ? 300 : 32768;
  c.inputs = {Int16Bytes(r, static_cast<int64_t>(h) * w * ch, spread),
              Int16Bytes(r, static_cast<int64_t>(sb[1]) * sb[2] * sb[3], spread)};
  std::ostringstream d;
  d << OpTypeName(type) << " int16 " << h << "x" << w << "x" << ch << " b " << sb[1] << "x" << sb[2] << "x" << sb[3]
    << " act " << ActivationName(act);
  c.desc = d.str();
  return c;
}
// LOGISTIC or TANH int16: output scale 2^-15; input scales powers of two or general; inputs
// over the whole int16 range. Not 2^-12 nor 2^-11: there TFLite 2.9's builtin kernels
// (activations.cc) leave input_multiplier 0 and take their optimized gemmlowp path instead of
// reference_integer_ops (Eval: `kernel_type == kReference || input_multiplier > 0`), and their
// outputs differ from TFLM's table interpolation by up to about 8 steps (observed for both
// operators at both scales); those scales are checked against a naive TFLM model over every
// input in test_kernels_sigmoid_s16.cc.
Case MakeSigmoid(Rand& r, OpType type) {
  Case c;
  Graph& g = c.g;
  const int h = r.I(1, 8), w = r.I(1, 8), ch = r.I(1, 10);
  float scale;
  if (r.P(0.3)) {
    int e = r.I(-15, -11);
    if (e >= -12) e += 3;  // -9, -10 for -12, -11
    scale = std::ldexp(1.0f, e);
  } else {
    scale = static_cast<float>(std::pow(10.0, r.U(-4.5, -2.7)));
  }
  const int x = AddTensor(g, "x", DType::kInt16, {1, h, w, ch}, Q(scale));
  const int y = AddTensor(g, "y", DType::kInt16, {1, h, w, ch}, Q(1.0f / 32768));
  Operator op;
  op.type = type;
  op.inputs = {x};
  op.outputs = {y};
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {y};
  c.inputs = {Int16Bytes(r, static_cast<int64_t>(h) * w * ch, r.P(0.3) ? 3000 : 32768)};
  std::ostringstream d;
  d << OpTypeName(type) << " int16 " << h << "x" << w << "x" << ch << " input scale " << scale;
  c.desc = d.str();
  return c;
}
Case MakeLogistic(Rand& r) { return MakeSigmoid(r, OpType::kLogistic); }
Case MakeTanh(Rand& r) { return MakeSigmoid(r, OpType::kTanh); }
Case MakeAdd(Rand& r) { return MakeBinary(r, OpType::kAdd); }
Case MakeSub(Rand& r) { return MakeBinary(r, OpType::kSub); }
Case MakeMul(Rand& r) { return MakeBinary(r, OpType::kMul); }

Case MakeConv(Rand& r) {
  Case c;
  Graph& g = c.g;
  const int h = r.I(1, 10), w = r.I(1, 10), cin = r.I(1, 8), cout = r.I(1, 8);
  int kh, kw, sh, sw, dh, dw, oh, ow;
  Padding pad;
  do {
    kh = r.I(1, 5), kw = r.P(0.7) ? kh : r.I(1, 5);
    sh = r.I(1, 3), sw = r.P(0.7) ? sh : r.I(1, 3);
    dh = r.P(0.15) ? 2 : 1, dw = r.P(0.15) ? 2 : 1;
    pad = r.P(0.5) ? Padding::kSame : Padding::kValid;
    oh = ConvOutputSize(pad, h, kh, sh, dh);
    ow = ConvOutputSize(pad, w, kw, sw, dw);
  } while (oh <= 0 || ow <= 0);
  const Activation act = RandAct(r);
  const float in_scale = static_cast<float>(std::pow(10.0, r.U(-4.5, -2.5)));
  std::vector<float> ws(static_cast<size_t>(cout));
  for (float& s : ws) s = static_cast<float>(std::pow(10.0, r.U(-3, -1)));
  std::vector<uint8_t> wdata(static_cast<size_t>(cout) * kh * kw * cin);
  for (auto& b : wdata) b = static_cast<uint8_t>(static_cast<int8_t>(r.I(-127, 127)));
  std::vector<int64_t> bias(static_cast<size_t>(cout));
  for (int64_t& b : bias) b = r.I(-4000000, 4000000);
  std::vector<uint8_t> bias_bytes(bias.size() * 8);
  std::memcpy(bias_bytes.data(), bias.data(), bias_bytes.size());
  std::vector<float> sorted = ws;
  std::sort(sorted.begin(), sorted.end());
  const double acc_std = std::sqrt(static_cast<double>(kh * kw * cin)) * 74.0 * 18900.0;
  const float out_scale = static_cast<float>(in_scale * sorted[static_cast<size_t>(cout / 2)] * acc_std / r.U(5000, 30000));
  Quantization wq, bq;
  for (int o = 0; o < cout; ++o) {
    wq.scale.push_back(ws[static_cast<size_t>(o)]);
    wq.zero_point.push_back(0);
    bq.scale.push_back(static_cast<float>(static_cast<double>(in_scale) * ws[static_cast<size_t>(o)]));
    bq.zero_point.push_back(0);
  }
  wq.quantized_dimension = 0;
  const int x = AddTensor(g, "x", DType::kInt16, {1, h, w, cin}, Q(in_scale));
  const int wt = AddTensor(g, "w", DType::kInt8, {cout, kh, kw, cin}, wq, wdata);
  const int bt = AddTensor(g, "b", DType::kInt64, {cout}, bq, bias_bytes);
  const int y = AddTensor(g, "y", DType::kInt16, {1, oh, ow, cout}, Q(out_scale));
  Operator op;
  op.type = OpType::kConv2D;
  op.inputs = {x, wt, bt};
  op.outputs = {y};
  Conv2DOptions o;
  o.padding = pad;
  o.stride_h = sh, o.stride_w = sw, o.dilation_h = dh, o.dilation_w = dw;
  o.activation = act;
  op.options = o;
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {y};
  c.inputs = {Int16Bytes(r, static_cast<int64_t>(h) * w * cin, r.P(0.3) ? 500 : 32768)};
  std::ostringstream d;
  d << "conv 16x8 in " << h << "x" << w << "x" << cin << " out " << cout << " k " << kh << "x" << kw << " s " << sh
    << "x" << sw << " d " << dh << "x" << dw << (pad == Padding::kSame ? " SAME" : " VALID") << " act "
    << ActivationName(act);
  c.desc = d.str();
  return c;
}

// DEPTHWISE_CONV_2D 16x8: depth multipliers, strides, dilations, padding, activations, an int64
// bias or none.
Case MakeDepthwise(Rand& r) {
  Case c;
  Graph& g = c.g;
  const int h = r.I(1, 10), w = r.I(1, 10), cin = r.I(1, 8), dm = r.P(0.6) ? 1 : r.I(2, 3);
  const int cout = cin * dm;
  int kh, kw, sh, sw, dh, dw, oh, ow;
  Padding pad;
  do {
    kh = r.I(1, 5), kw = r.P(0.7) ? kh : r.I(1, 5);
    sh = r.I(1, 3), sw = r.P(0.7) ? sh : r.I(1, 3);
    dh = r.P(0.15) ? 2 : 1, dw = r.P(0.15) ? 2 : 1;
    pad = r.P(0.5) ? Padding::kSame : Padding::kValid;
    oh = ConvOutputSize(pad, h, kh, sh, dh);
    ow = ConvOutputSize(pad, w, kw, sw, dw);
  } while (oh <= 0 || ow <= 0);
  const Activation act = RandAct(r);
  const bool has_bias = r.P(0.8);
  const float in_scale = static_cast<float>(std::pow(10.0, r.U(-4.5, -2.5)));
  std::vector<float> ws(static_cast<size_t>(cout));
  for (float& s : ws) s = static_cast<float>(std::pow(10.0, r.U(-3, -1)));
  std::vector<uint8_t> wdata(static_cast<size_t>(kh) * kw * cout);
  for (auto& b : wdata) b = static_cast<uint8_t>(static_cast<int8_t>(r.I(-127, 127)));
  std::vector<int64_t> bias(static_cast<size_t>(cout));
  for (int64_t& b : bias) b = r.I(-4000000, 4000000);
  std::vector<uint8_t> bias_bytes(bias.size() * 8);
  std::memcpy(bias_bytes.data(), bias.data(), bias_bytes.size());
  std::vector<float> sorted = ws;
  std::sort(sorted.begin(), sorted.end());
  const double acc_std = std::sqrt(static_cast<double>(kh * kw)) * 74.0 * 18900.0;
  const float out_scale = static_cast<float>(in_scale * sorted[static_cast<size_t>(cout / 2)] * acc_std / r.U(5000, 30000));
  Quantization wq, bq;
  for (int o = 0; o < cout; ++o) {
    wq.scale.push_back(ws[static_cast<size_t>(o)]);
    wq.zero_point.push_back(0);
    bq.scale.push_back(static_cast<float>(static_cast<double>(in_scale) * ws[static_cast<size_t>(o)]));
    bq.zero_point.push_back(0);
  }
  wq.quantized_dimension = 3;
  const int x = AddTensor(g, "x", DType::kInt16, {1, h, w, cin}, Q(in_scale));
  const int wt = AddTensor(g, "w", DType::kInt8, {1, kh, kw, cout}, wq, wdata);
  const int bt = has_bias ? AddTensor(g, "b", DType::kInt64, {cout}, bq, bias_bytes) : kNoTensor;
  const int y = AddTensor(g, "y", DType::kInt16, {1, oh, ow, cout}, Q(out_scale));
  Operator op;
  op.type = OpType::kDepthwiseConv2D;
  op.inputs = {x, wt};
  if (has_bias) op.inputs.push_back(bt);
  op.outputs = {y};
  DepthwiseConv2DOptions o;
  o.padding = pad;
  o.stride_h = sh, o.stride_w = sw, o.dilation_h = dh, o.dilation_w = dw;
  o.depth_multiplier = dm;
  o.activation = act;
  op.options = o;
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {y};
  c.inputs = {Int16Bytes(r, static_cast<int64_t>(h) * w * cin, r.P(0.3) ? 500 : 32768)};
  std::ostringstream d;
  d << "depthwise 16x8 in " << h << "x" << w << "x" << cin << " dm " << dm << " k " << kh << "x" << kw << " s " << sh
    << "x" << sw << " d " << dh << "x" << dw << (pad == Padding::kSame ? " SAME" : " VALID") << " act "
    << ActivationName(act) << (has_bias ? "" : " no bias");
  c.desc = d.str();
  return c;
}

// FULLY_CONNECTED 16x8: per-tensor filter, an int64 bias, batches, keep_num_dims, activations.
// Always with a bias: without one, TensorFlow Lite 2.9 rounds differently from TFLM (one step
// on some elements, 6 of 200 cases when a fifth had none), as for TRANSPOSE_CONV; TFLM's
// no-bias arithmetic (int64 accumulator, 64-bit requantization) is tested against a naive
// implementation in test_kernels_int16.cc.
Case MakeFullyConnected(Rand& r) {
  Case c;
  Graph& g = c.g;
  const int batches = r.I(1, 4), depth = r.I(1, 64), units = r.I(1, 16);
  const bool keep = r.P(0.3);
  const Activation act = RandAct(r);
  const bool has_bias = true;
  const float in_scale = static_cast<float>(std::pow(10.0, r.U(-4.5, -2.5)));
  const float w_scale = static_cast<float>(std::pow(10.0, r.U(-3, -1)));
  std::vector<uint8_t> wdata(static_cast<size_t>(units) * depth);
  for (auto& b : wdata) b = static_cast<uint8_t>(static_cast<int8_t>(r.I(-127, 127)));
  std::vector<int64_t> bias(static_cast<size_t>(units));
  for (int64_t& b : bias) b = r.I(-4000000, 4000000);
  std::vector<uint8_t> bias_bytes(bias.size() * 8);
  std::memcpy(bias_bytes.data(), bias.data(), bias_bytes.size());
  const double acc_std = std::sqrt(static_cast<double>(depth)) * 74.0 * 18900.0;
  const float out_scale = static_cast<float>(in_scale * w_scale * acc_std / r.U(5000, 30000));
  Quantization wq = Q(w_scale);
  const std::vector<int32_t> in_shape = keep ? std::vector<int32_t>{1, batches, depth} : std::vector<int32_t>{batches, depth};
  const std::vector<int32_t> out_shape = keep ? std::vector<int32_t>{1, batches, units} : std::vector<int32_t>{batches, units};
  const int x = AddTensor(g, "x", DType::kInt16, in_shape, Q(in_scale));
  const int wt = AddTensor(g, "w", DType::kInt8, {units, depth}, wq, wdata);
  const int bt = has_bias ? AddTensor(g, "b", DType::kInt64, {units}, Q(in_scale * w_scale), bias_bytes) : kNoTensor;
  const int y = AddTensor(g, "y", DType::kInt16, out_shape, Q(out_scale));
  Operator op;
  op.type = OpType::kFullyConnected;
  op.inputs = {x, wt};
  if (has_bias) op.inputs.push_back(bt);
  op.outputs = {y};
  FullyConnectedOptions o;
  o.activation = act;
  o.keep_num_dims = keep;
  op.options = o;
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {y};
  c.inputs = {Int16Bytes(r, static_cast<int64_t>(batches) * depth, r.P(0.3) ? 500 : 32768)};
  std::ostringstream d;
  d << "fully_connected 16x8 " << batches << "x" << depth << " -> " << units << (keep ? " keep_num_dims" : "")
    << " act " << ActivationName(act) << (has_bias ? "" : " no bias");
  c.desc = d.str();
  return c;
}

// AVERAGE_POOL_2D or MAX_POOL_2D int16: filter sizes, strides, SAME/VALID, activations (the
// output keeps the input's quantization, as pools do).
Case MakePool(Rand& r, bool average) {
  Case c;
  Graph& g = c.g;
  const int h = r.I(1, 10), w = r.I(1, 10), ch = r.I(1, 8);
  int fh, fw, sh, sw, oh, ow;
  Padding pad;
  do {
    fh = r.I(1, 4), fw = r.P(0.7) ? fh : r.I(1, 4);
    sh = r.I(1, 3), sw = r.P(0.7) ? sh : r.I(1, 3);
    pad = r.P(0.5) ? Padding::kSame : Padding::kValid;
    oh = ConvOutputSize(pad, h, fh, sh, 1);
    ow = ConvOutputSize(pad, w, fw, sw, 1);
  } while (oh <= 0 || ow <= 0);
  const float scale = static_cast<float>(std::pow(10.0, r.U(-4.5, -2.5)));
  const Activation act = r.P(0.5) ? Activation::kNone : RandAct(r);
  const int x = AddTensor(g, "x", DType::kInt16, {1, h, w, ch}, Q(scale));
  const int y = AddTensor(g, "y", DType::kInt16, {1, oh, ow, ch}, Q(scale));
  Operator op;
  op.type = average ? OpType::kAveragePool2D : OpType::kMaxPool2D;
  op.inputs = {x};
  op.outputs = {y};
  Pool2DOptions o;
  o.padding = pad;
  o.filter_h = fh, o.filter_w = fw, o.stride_h = sh, o.stride_w = sw;
  o.activation = act;
  op.options = o;
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {y};
  c.inputs = {Int16Bytes(r, static_cast<int64_t>(h) * w * ch, r.P(0.3) ? 500 : 32768)};
  std::ostringstream d;
  d << (average ? "average" : "max") << " pool int16 " << h << "x" << w << "x" << ch << " f " << fh << "x" << fw
    << " s " << sh << "x" << sw << (pad == Padding::kSame ? " SAME" : " VALID") << " act " << ActivationName(act);
  c.desc = d.str();
  return c;
}
Case MakeAvgPool(Rand& r) { return MakePool(r, true); }
Case MakeMaxPool(Rand& r) { return MakePool(r, false); }

// PAD int16 (rank 4, batch unpadded; rows, columns and channels padded with the zero point 0).
Case MakePad(Rand& r) {
  Case c;
  Graph& g = c.g;
  const int h = r.I(1, 8), w = r.I(1, 8), ch = r.I(1, 6);
  int32_t pads[8] = {0, 0, r.I(0, 3), r.I(0, 3), r.I(0, 3), r.I(0, 3), 0, 0};
  if (r.P(0.3)) pads[6] = r.I(0, 2), pads[7] = r.I(0, 2);
  const float scale = static_cast<float>(std::pow(10.0, r.U(-4.5, -2.5)));
  std::vector<uint8_t> pad_bytes(32);
  std::memcpy(pad_bytes.data(), pads, 32);
  const int x = AddTensor(g, "x", DType::kInt16, {1, h, w, ch}, Q(scale));
  const int pt = AddTensor(g, "paddings", DType::kInt32, {4, 2}, {}, pad_bytes);
  const int y = AddTensor(g, "y", DType::kInt16, {1, h + pads[2] + pads[3], w + pads[4] + pads[5], ch + pads[6] + pads[7]},
                          Q(scale));
  Operator op;
  op.type = OpType::kPad;
  op.inputs = {x, pt};
  op.outputs = {y};
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {y};
  c.inputs = {Int16Bytes(r, static_cast<int64_t>(h) * w * ch, 32768)};
  std::ostringstream d;
  d << "pad int16 " << h << "x" << w << "x" << ch << " rows " << pads[2] << "/" << pads[3] << " cols " << pads[4]
    << "/" << pads[5] << " channels " << pads[6] << "/" << pads[7];
  c.desc = d.str();
  return c;
}

// CONCATENATION int16: two or three inputs (one may be a constant) along a random axis of a
// rank 2 to 4 shape, all sharing the output's quantization.
Case MakeConcat(Rand& r) {
  Case c;
  Graph& g = c.g;
  const int rank = r.I(2, 4), n = r.I(2, 3);
  std::vector<int32_t> shape(static_cast<size_t>(rank));
  for (auto& d : shape) d = r.I(1, 5);
  const int axis = r.I(0, rank - 1);
  const float scale = static_cast<float>(std::pow(10.0, r.U(-4.5, -2.5)));
  const int const_input = r.P(0.3) ? r.I(0, n - 1) : -1;
  std::vector<int> ins;
  int32_t total = 0;
  std::ostringstream d;
  d << "concatenation int16 axis " << axis << " of";
  for (int k = 0; k < n; ++k) {
    std::vector<int32_t> s = shape;
    s[static_cast<size_t>(axis)] = r.I(1, 4);
    total += s[static_cast<size_t>(axis)];
    int64_t elems = 1;
    for (int32_t v : s) elems *= v;
    const std::vector<uint8_t> bytes = Int16Bytes(r, elems, 32768);
    const bool is_const = k == const_input;
    ins.push_back(AddTensor(g, "in" + std::to_string(k), DType::kInt16, s, Q(scale),
                            is_const ? bytes : std::vector<uint8_t>{}));
    if (!is_const) {
      g.inputs.push_back(ins.back());
      c.inputs.push_back(bytes);
    }
    d << " " << ShapeStr(s) << (is_const ? " (constant)" : "");
  }
  std::vector<int32_t> ys = shape;
  ys[static_cast<size_t>(axis)] = total;
  const int y = AddTensor(g, "y", DType::kInt16, ys, Q(scale));
  Operator op;
  op.type = OpType::kConcatenation;
  op.inputs = ins;
  op.outputs = {y};
  ConcatenationOptions o;
  o.axis = r.P(0.3) ? axis - rank : axis;
  op.options = o;
  g.ops.push_back(op);
  g.outputs = {y};
  c.desc = d.str();
  return c;
}

// TRANSPOSE_CONV with a constant output shape: int8 (int32 bias, zero points) or 16x8.
Case MakeTransposeConv(Rand& r, bool s16) {
  Case c;
  Graph& g = c.g;
  const int h = r.I(1, 7), w = r.I(1, 7), cin = r.I(1, 6), cout = r.I(1, 6);
  const int kh = r.I(1, 5), kw = r.P(0.7) ? kh : r.I(1, 5);
  const int sh = r.I(1, 3), sw = r.P(0.7) ? sh : r.I(1, 3);
  const Padding pad = r.P(0.5) ? Padding::kSame : Padding::kValid;
  const int oh = pad == Padding::kSame ? h * sh : (h - 1) * sh + kh;
  const int ow = pad == Padding::kSame ? w * sw : (w - 1) * sw + kw;
  const float in_scale = static_cast<float>(std::pow(10.0, s16 ? r.U(-4.5, -2.5) : r.U(-2.5, -0.5)));
  std::vector<float> ws(static_cast<size_t>(cout));
  for (float& x : ws) x = static_cast<float>(std::pow(10.0, r.U(-3, -1)));
  std::vector<uint8_t> wdata(static_cast<size_t>(cout) * kh * kw * cin);
  for (auto& b : wdata) b = static_cast<uint8_t>(static_cast<int8_t>(r.I(-127, 127)));
  // 16x8 always with a bias: without one, TensorFlow Lite 2.9 rounds differently from TFLM (one
  // step on some elements, seen on every such case); TFLM's no-bias arithmetic (int64
  // accumulator, 64-bit requantization) is tested against a naive scatter in
  // test_kernels_int16.cc.
  const bool has_bias = s16 || r.P(0.7);
  std::vector<uint8_t> bias_bytes;
  for (int o = 0; o < cout; ++o) {
    if (s16) {
      const int64_t b = r.I(-4000000, 4000000);
      bias_bytes.insert(bias_bytes.end(), reinterpret_cast<const uint8_t*>(&b), reinterpret_cast<const uint8_t*>(&b) + 8);
    } else {
      const int32_t b = r.I(-20000, 20000);
      bias_bytes.insert(bias_bytes.end(), reinterpret_cast<const uint8_t*>(&b), reinterpret_cast<const uint8_t*>(&b) + 4);
    }
  }
  std::vector<float> sorted = ws;
  std::sort(sorted.begin(), sorted.end());
  const double taps = std::max(1.0, static_cast<double>(kh * kw * cin) / (sh * sw));
  const double acc_std = std::sqrt(taps) * 74.0 * (s16 ? 18900.0 : 74.0);
  const float out_scale = static_cast<float>(in_scale * sorted[static_cast<size_t>(cout / 2)] * acc_std /
                                             (s16 ? r.U(5000, 30000) : r.U(20, 80)));
  Quantization wq, bq;
  for (int o = 0; o < cout; ++o) {
    wq.scale.push_back(ws[static_cast<size_t>(o)]);
    wq.zero_point.push_back(0);
    bq.scale.push_back(static_cast<float>(static_cast<double>(in_scale) * ws[static_cast<size_t>(o)]));
    bq.zero_point.push_back(0);
  }
  wq.quantized_dimension = 0;
  Quantization in_q = Q(in_scale), out_q = Q(out_scale);
  if (!s16) {
    in_q.zero_point = {r.I(-128, 127)};
    out_q.zero_point = {r.I(-128, 127)};
  }
  std::vector<uint8_t> shape_bytes(16);
  const int32_t shape[4] = {1, oh, ow, cout};
  std::memcpy(shape_bytes.data(), shape, 16);
  const int st = AddTensor(g, "output_shape", DType::kInt32, {4}, {}, shape_bytes);
  const int wt = AddTensor(g, "w", DType::kInt8, {cout, kh, kw, cin}, wq, wdata);
  const DType act = s16 ? DType::kInt16 : DType::kInt8;
  const int x = AddTensor(g, "x", act, {1, h, w, cin}, in_q);
  const int bt = has_bias ? AddTensor(g, "b", s16 ? DType::kInt64 : DType::kInt32, {cout}, bq, bias_bytes) : kNoTensor;
  const int y = AddTensor(g, "y", act, {1, oh, ow, cout}, out_q);
  Operator op;
  op.type = OpType::kTransposeConv;
  op.inputs = {st, wt, x};
  if (has_bias) op.inputs.push_back(bt);
  op.outputs = {y};
  TransposeConvOptions o;
  o.padding = pad;
  o.stride_h = sh, o.stride_w = sw;
  op.options = o;
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {y};
  const int64_t n = static_cast<int64_t>(h) * w * cin;
  if (s16) {
    c.inputs = {Int16Bytes(r, n, r.P(0.3) ? 500 : 32768)};
  } else {
    std::vector<uint8_t> b(static_cast<size_t>(n));
    for (auto& v : b) v = static_cast<uint8_t>(r.I(0, 255));
    c.inputs = {b};
  }
  std::ostringstream d;
  d << "transpose_conv " << (s16 ? "16x8" : "int8") << " in " << h << "x" << w << "x" << cin << " out " << oh << "x"
    << ow << "x" << cout << " k " << kh << "x" << kw << " s " << sh << "x" << sw
    << (pad == Padding::kSame ? " SAME" : " VALID") << (has_bias ? "" : " no bias");
  c.desc = d.str();
  return c;
}
Case MakeTransposeConv8(Rand& r) { return MakeTransposeConv(r, false); }
Case MakeTransposeConv16(Rand& r) { return MakeTransposeConv(r, true); }


// TFLM's 32-bit MultiplyByQuantizedMultiplier, written from its definition (rounding doubling
// high multiply, then rounding divide by 2^-shift).
int32_t Mbqm32(int32_t x, test::QMul q) {
  const int left = q.shift > 0 ? q.shift : 0, right = q.shift > 0 ? 0 : -q.shift;
  const int32_t hi = test::Srdhm(static_cast<int32_t>(static_cast<uint32_t>(x) << left), q.m);
  if (right == 0) return hi;
  const int64_t mask = (int64_t{1} << right) - 1, rem = hi & mask;
  return static_cast<int32_t>((hi >> right) + (rem > (mask >> 1) + (hi < 0 ? 1 : 0) ? 1 : 0));
}

// Whether a one-step difference of MUL or SUB int16 element e is TensorFlow Lite 2.9's
// Prepare-time multipliers: TFLite 2.9 forms MUL's real multiplier
// input1_scale * input2_scale / output_scale in float arithmetic, TFLM in double; SUB's ratios
// (input scale / twice the larger, twice the larger / (2^15 output scale)) in double, TFLM in
// float. Accepted only when TFLM's arithmetic with TFLM's multipliers gives tessera's value and
// the same arithmetic with TFLite 2.9's gives TFLite's (no activation clamps on either side).
bool Tflite29MultiplierExplains(const Case& c, size_t e, int tessera_value, int tflite_value) {
  const Graph& g = c.g;
  const OpType type = g.ops.size() == 1 ? g.ops[0].type : OpType::kAdd;
  if ((type != OpType::kMul && type != OpType::kSub) || std::abs(tessera_value - tflite_value) != 1) return false;
  const Tensor& ta = g.tensors[g.ops[0].inputs[0]];
  const Tensor& tb = g.tensors[g.ops[0].inputs[1]];
  const Tensor& ty = g.tensors[g.ops[0].outputs[0]];
  const Shape4 ys = AsNHWC(ty.shape), as = AsNHWC(ta.shape), bs = AsNHWC(tb.shape);
  const int64_t ch = static_cast<int64_t>(e % static_cast<size_t>(ys.c));
  const int64_t x = static_cast<int64_t>(e / static_cast<size_t>(ys.c)) % ys.w;
  const int64_t y = static_cast<int64_t>(e / static_cast<size_t>(ys.c) / static_cast<size_t>(ys.w));
  auto at = [&](const std::vector<uint8_t>& v, const Shape4& s) {
    const int64_t i = ((s.h == 1 ? 0 : y) * s.w + (s.w == 1 ? 0 : x)) * s.c + (s.c == 1 ? 0 : ch);
    int16_t r;
    std::memcpy(&r, &v[static_cast<size_t>(i) * 2], 2);
    return static_cast<int32_t>(r);
  };
  const int32_t va = at(c.inputs[0], as), vb = at(c.inputs[1], bs);
  const float sa = ta.quant.scale[0], sb = tb.quant.scale[0], sy = ty.quant.scale[0];
  if (type == OpType::kMul) {
    const int32_t tflm = Mbqm32(va * vb, test::QuantizeMultiplier(static_cast<double>(sa) * sb / sy));
    const int32_t tfl29 = Mbqm32(va * vb, test::QuantizeMultiplier(static_cast<double>(sa * sb / sy)));
    return tflm == tessera_value && tfl29 == tflite_value;
  }
  auto sub = [&](double r1, double r2, double ro) {
    const int32_t s1 = Mbqm32(va * (1 << 15), test::QuantizeMultiplier(r1));
    const int32_t s2 = Mbqm32(vb * (1 << 15), test::QuantizeMultiplier(r2));
    return Mbqm32(s1 - s2, test::QuantizeMultiplier(ro));
  };
  const float tm_f = 2 * std::max(sa, sb);
  const int32_t tflm = sub(static_cast<double>(sa / tm_f), static_cast<double>(sb / tm_f),
                           static_cast<double>(tm_f / (static_cast<float>(1 << 15) * sy)));
  const double tm_d = 2 * static_cast<double>(std::max(sa, sb));
  const int32_t tfl29 = sub(sa / tm_d, sb / tm_d, tm_d / ((1 << 15) * static_cast<double>(sy)));
  return tflm == tessera_value && tfl29 == tflite_value;
}

// Every output element equal to TFLite's; with `multipliers` (MUL, SUB), a one-step difference
// is accepted, and counted, when Tflite29MultiplierExplains it.
void RunCases(Case (*make)(Rand&), uint64_t seed_base, const char* label, int elem_bytes = 2,
              bool multipliers = false) {
  int equal_cases = 0, multiplier_elements = 0;
  int64_t elements = 0, interior = 0;  // interior: outputs not at the output type's limits
  for (int k = 0; k < kCases; ++k) {
    const uint64_t seed = seed_base + static_cast<uint64_t>(k);
    Rand r(seed);
    Case c = make(r);
    c.g.name = std::string(label) + "-" + std::to_string(seed);
    std::vector<std::vector<uint8_t>> ref, got;
    try {
      c.g.Validate();
      ref = test::RunTflite(WriteTflite(c.g), c.inputs);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "seed " << seed << " (" << c.desc << "): TFLite/validation: " << e.what();
      continue;
    }
    try {
      got = RunPlan(c.g, PlanLayerByLayer(c.g), c.inputs);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "seed " << seed << " (" << c.desc << "): tessera: " << e.what();
      continue;
    }
    ASSERT_EQ(ref.size(), 1u);
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(ref[0].size(), got[0].size()) << c.desc;
    const size_t eb = static_cast<size_t>(elem_bytes);
    auto value = [&](const std::vector<uint8_t>& v, size_t e) {
      if (eb == 1) return static_cast<int>(static_cast<int8_t>(v[e]));
      int16_t x;
      std::memcpy(&x, &v[e * 2], 2);
      return static_cast<int>(x);
    };
    const int lo = eb == 1 ? -128 : -32768, hi = eb == 1 ? 127 : 32767;
    size_t diffs = 0, first = 0;
    for (size_t e = 0; e < ref[0].size() / eb; ++e) {
      if (value(ref[0], e) != value(got[0], e) && multipliers &&
          Tflite29MultiplierExplains(c, e, value(got[0], e), value(ref[0], e))) {
        ++multiplier_elements;
        continue;
      }
      if (value(ref[0], e) != value(got[0], e) && diffs++ == 0) first = e;
      if (value(ref[0], e) != lo && value(ref[0], e) != hi) ++interior;
    }
    elements += static_cast<int64_t>(ref[0].size() / eb);
    if (diffs == 0) {
      ++equal_cases;
    } else {
      ADD_FAILURE() << "seed " << seed << " (" << c.desc << "): " << diffs << " elements differ, first " << first
                    << " (tessera " << value(got[0], first) << ", TFLite " << value(ref[0], first) << ")";
    }
  }
  std::printf("%s: %d of %d cases equal to TFLite %s (%lld elements, %lld not at the type's limits, %d one-step "
              "differences explained by TFLite 2.9's multipliers)\n",
              label, equal_cases, kCases, test::TfliteVersion().c_str(), static_cast<long long>(elements),
              static_cast<long long>(interior), multiplier_elements);
  EXPECT_LT(multiplier_elements * 1000, elements) << "explained differences should be rare";
  EXPECT_EQ(equal_cases, kCases);
  EXPECT_GT(interior * 2, elements) << "the random quantization should mostly not saturate";
}

TEST(TfliteDifferentialInt16, AddEqualsTflite) {
  TESSERA_REQUIRE_TFLITE();
  RunCases(MakeAdd, 160000, "ADD int16");
}

TEST(TfliteDifferentialInt16, SubEqualsTflite) {
  TESSERA_REQUIRE_TFLITE();
  RunCases(MakeSub, 161000, "SUB int16", 2, true);
}

TEST(TfliteDifferentialInt16, MulEqualsTflite) {
  TESSERA_REQUIRE_TFLITE();
  RunCases(MakeMul, 162000, "MUL int16", 2, true);
}

TEST(TfliteDifferentialInt16, Conv2D16x8EqualsTflite) {
  TESSERA_REQUIRE_TFLITE();
  RunCases(MakeConv, 168000, "CONV_2D 16x8");
}

TEST(TfliteDifferentialInt16, DepthwiseConv2D16x8EqualsTflite) {
  TESSERA_REQUIRE_TFLITE();
  RunCases(MakeDepthwise, 169000, "DEPTHWISE_CONV_2D 16x8");
}

TEST(TfliteDifferentialInt16, FullyConnected16x8EqualsTflite) {
  TESSERA_REQUIRE_TFLITE();
  RunCases(MakeFullyConnected, 172000, "FULLY_CONNECTED 16x8");
}

TEST(TfliteDifferentialInt16, AveragePool2DEqualsTflite) {
  TESSERA_REQUIRE_TFLITE();
  RunCases(MakeAvgPool, 173000, "AVERAGE_POOL_2D int16");
}

TEST(TfliteDifferentialInt16, MaxPool2DEqualsTflite) {
  TESSERA_REQUIRE_TFLITE();
  RunCases(MakeMaxPool, 174000, "MAX_POOL_2D int16");
}

TEST(TfliteDifferentialInt16, PadEqualsTflite) {
  TESSERA_REQUIRE_TFLITE();
  RunCases(MakePad, 175000, "PAD int16");
}

TEST(TfliteDifferentialInt16, ConcatenationEqualsTflite) {
  TESSERA_REQUIRE_TFLITE();
  RunCases(MakeConcat, 176000, "CONCATENATION int16");
}

TEST(TfliteDifferentialInt16, LogisticEqualsTflite) {
  TESSERA_REQUIRE_TFLITE();
  RunCases(MakeLogistic, 177000, "LOGISTIC int16");
}

TEST(TfliteDifferentialInt16, TanhEqualsTflite) {
  TESSERA_REQUIRE_TFLITE();
  RunCases(MakeTanh, 178000, "TANH int16");
}

TEST(TfliteDifferentialInt16, TransposeConvInt8EqualsTflite) {
  TESSERA_REQUIRE_TFLITE();
  RunCases(MakeTransposeConv8, 170000, "TRANSPOSE_CONV int8", 1);
}

TEST(TfliteDifferentialInt16, TransposeConv16x8EqualsTflite) {
  TESSERA_REQUIRE_TFLITE();
  RunCases(MakeTransposeConv16, 171000, "TRANSPOSE_CONV 16x8");
}

// int16 variants still unsupported fail at validation with an error naming the operator and
// the type; an int16 tensor with a nonzero zero point fails naming the tensor.
TEST(Int16Unsupported, ClearErrors) {
  auto expect_error = [](Graph g, const std::vector<std::string>& parts) {
    try {
      g.Validate();
      std::vector<std::vector<uint8_t>> in;
      for (int t : g.inputs) in.emplace_back(static_cast<size_t>(g.tensors[t].num_bytes()), 0);
      RunPlan(g, PlanLayerByLayer(g), in);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
  };
  {  // MUL with int16 inputs and an int8 output (TFLM's int16 -> int8 MUL is not supported)
    Graph g;
    const int a = AddTensor(g, "a", DType::kInt16, {1, 2, 2, 3}, Q(0.001f));
    const int b = AddTensor(g, "b", DType::kInt16, {1, 2, 2, 3}, Q(0.001f));
    const int y = AddTensor(g, "y", DType::kInt8, {1, 2, 2, 3}, Q(0.001f));
    Operator op;
    op.type = OpType::kMul;
    op.inputs = {a, b};
    op.outputs = {y};
    op.options = MulOptions{};
    g.ops.push_back(op);
    g.inputs = {a, b};
    g.outputs = {y};
    expect_error(g, {"MUL", "int16", "expected int8"});
  }
  {  // SUB of an int8 and an int16 input into int16
    Graph g;
    const int a = AddTensor(g, "a", DType::kInt8, {1, 2, 2, 3}, Q(0.001f));
    const int b = AddTensor(g, "b", DType::kInt16, {1, 2, 2, 3}, Q(0.001f));
    const int y = AddTensor(g, "y", DType::kInt16, {1, 2, 2, 3}, Q(0.001f));
    Operator op;
    op.type = OpType::kSub;
    op.inputs = {a, b};
    op.outputs = {y};
    op.options = SubOptions{};
    g.ops.push_back(op);
    g.inputs = {a, b};
    g.outputs = {y};
    expect_error(g, {"SUB", "'a'", "int8", "expected int16"});
  }
  {  // DEPTHWISE_CONV_2D 16x8 with an int32 bias (TFLM's int16 path reads an int64 one)
    Graph g;
    Quantization wq = Q(0.01f);
    wq.quantized_dimension = 3;
    std::vector<uint8_t> w(9 * 3, 1), bias(3 * 4, 0);
    const int x = AddTensor(g, "x", DType::kInt16, {1, 4, 4, 3}, Q(0.001f));
    const int wt = AddTensor(g, "w", DType::kInt8, {1, 3, 3, 3}, wq, w);
    const int bt = AddTensor(g, "b", DType::kInt32, {3}, Q(0.00001f), bias);
    const int y = AddTensor(g, "y", DType::kInt16, {1, 4, 4, 3}, Q(0.001f));
    Operator op;
    op.type = OpType::kDepthwiseConv2D;
    op.inputs = {x, wt, bt};
    op.outputs = {y};
    DepthwiseConv2DOptions o;
    o.padding = Padding::kSame;
    op.options = o;
    g.ops.push_back(op);
    g.inputs = {x};
    g.outputs = {y};
    expect_error(g, {"DEPTHWISE_CONV_2D", "bias", "int32", "expected int64"});
  }
  {  // DEPTHWISE_CONV_2D with an int16 input and an int8 output
    Graph g;
    Quantization wq = Q(0.01f);
    wq.quantized_dimension = 3;
    std::vector<uint8_t> w(9 * 3, 1);
    const int x = AddTensor(g, "x", DType::kInt16, {1, 4, 4, 3}, Q(0.001f));
    const int wt = AddTensor(g, "w", DType::kInt8, {1, 3, 3, 3}, wq, w);
    const int y = AddTensor(g, "y", DType::kInt8, {1, 4, 4, 3}, Q(0.001f));
    Operator op;
    op.type = OpType::kDepthwiseConv2D;
    op.inputs = {x, wt};
    op.outputs = {y};
    DepthwiseConv2DOptions o;
    o.padding = Padding::kSame;
    op.options = o;
    g.ops.push_back(op);
    g.inputs = {x};
    g.outputs = {y};
    expect_error(g, {"DEPTHWISE_CONV_2D", "output", "int8", "expected int16"});
  }
  {  // FULLY_CONNECTED 16x8 with a per-channel filter (TFLM's per-channel path is int8 only)
    Graph g;
    Quantization wq;
    wq.scale = {0.01f, 0.02f};
    wq.zero_point = {0, 0};
    const int x = AddTensor(g, "x", DType::kInt16, {1, 4}, Q(0.001f));
    const int wt = AddTensor(g, "w", DType::kInt8, {2, 4}, wq, std::vector<uint8_t>(8, 1));
    const int y = AddTensor(g, "y", DType::kInt16, {1, 2}, Q(0.001f));
    Operator op;
    op.type = OpType::kFullyConnected;
    op.inputs = {x, wt};
    op.outputs = {y};
    op.options = FullyConnectedOptions{};
    g.ops.push_back(op);
    g.inputs = {x};
    g.outputs = {y};
    expect_error(g, {"FULLY_CONNECTED", "'w'", "per channel", "16x8"});
  }
  {  // SOFTMAX int16 -> int16 needs output scale 1/32768 (within TFLM's 0.1%) and zero point 0;
     // an int16 input takes an int16 output only (TFLM's Prepare)
    struct Bad {
      DType out_type;
      float out_scale;
      int64_t out_zp;
      std::vector<std::string> parts;
    };
    const std::vector<Bad> bads = {
        {DType::kInt16, 1.0f / 16384, 0, {"SOFTMAX", "'y'", "1/32768", "zero point 0"}},
        {DType::kInt16, 1.0f / 32768 * 1.002f, 0, {"SOFTMAX", "'y'", "1/32768"}},
        {DType::kInt16, 1.0f / 32768, 5, {"SOFTMAX", "'y'", "zero point 0"}},
        {DType::kInt8, 1.0f / 256, -128, {"SOFTMAX", "'y'", "int8", "expected int16"}},
    };
    for (const Bad& bad : bads) {
      Graph g;
      const int x = AddTensor(g, "x", DType::kInt16, {1, 2, 2, 3}, Q(0.001f));
      Quantization yq = Q(bad.out_scale);
      yq.zero_point = {bad.out_zp};
      const int y = AddTensor(g, "y", bad.out_type, {1, 2, 2, 3}, yq);
      Operator op;
      op.type = OpType::kSoftmax;
      op.inputs = {x};
      op.outputs = {y};
      op.options = SoftmaxOptions{1.0f};
      g.ops.push_back(op);
      g.inputs = {x};
      g.outputs = {y};
      expect_error(g, bad.parts);
    }
    // Within the tolerance it runs.
    Graph g;
    const int x = AddTensor(g, "x", DType::kInt16, {1, 2, 2, 3}, Q(0.001f));
    const int y = AddTensor(g, "y", DType::kInt16, {1, 2, 2, 3}, Q(1.0f / 32768 * 1.0005f));
    Operator op;
    op.type = OpType::kSoftmax;
    op.inputs = {x};
    op.outputs = {y};
    op.options = SoftmaxOptions{1.0f};
    g.ops.push_back(op);
    g.inputs = {x};
    g.outputs = {y};
    g.Validate();
    EXPECT_NO_THROW(RunPlan(g, PlanLayerByLayer(g), {std::vector<uint8_t>(24, 0)}));
  }
  {  // QUANTIZE float32 -> int16 and int8 -> int16 run; float32 -> int32 and int8 -> int32 do not
    for (DType in_t : {DType::kFloat32, DType::kInt8}) {
      Graph g;
      const int x = in_t == DType::kFloat32 ? AddTensor(g, "x", in_t, {1, 4}, Quantization{})
                                            : AddTensor(g, "x", in_t, {1, 4}, Q(0.01f));
      const int y = AddTensor(g, "y", DType::kInt32, {1, 4}, Q(0.001f));
      Operator op;
      op.type = OpType::kQuantize;
      op.inputs = {x};
      op.outputs = {y};
      g.ops.push_back(op);
      g.inputs = {x};
      g.outputs = {y};
      expect_error(g, {"QUANTIZE", "int32", "from int16 only"});
    }
  }
  {  // LOGISTIC and TANH int16 need output scale 2^-15 and zero points 0 (TFLM's Prepare)
    for (OpType type : {OpType::kLogistic, OpType::kTanh}) {
      for (int bad = 0; bad < 2; ++bad) {
        Graph g;
        Quantization yq = Q(bad == 0 ? 1.0f / 16384 : 1.0f / 32768);
        if (bad == 1) yq.zero_point = {3};
        const int x = AddTensor(g, "x", DType::kInt16, {1, 2, 2, 3}, Q(0.001f));
        const int y = AddTensor(g, "y", DType::kInt16, {1, 2, 2, 3}, yq);
        Operator op;
        op.type = type;
        op.inputs = {x};
        op.outputs = {y};
        g.ops.push_back(op);
        g.inputs = {x};
        g.outputs = {y};
        expect_error(g, {OpTypeName(type), "'y'", bad == 0 ? "2^-15" : "zero point"});
      }
    }
  }
  {  // ADD int16 with a nonzero zero point
    Graph g;
    Quantization zq = Q(0.001f);
    zq.zero_point = {5};
    const int a = AddTensor(g, "a", DType::kInt16, {1, 2, 2, 3}, zq);
    const int b = AddTensor(g, "b", DType::kInt16, {1, 2, 2, 3}, Q(0.001f));
    const int y = AddTensor(g, "y", DType::kInt16, {1, 2, 2, 3}, Q(0.002f));
    Operator op;
    op.type = OpType::kAdd;
    op.inputs = {a, b};
    op.outputs = {y};
    op.options = AddOptions{};
    g.ops.push_back(op);
    g.inputs = {a, b};
    g.outputs = {y};
    expect_error(g, {"ADD", "'a'", "zero point 5", "int16"});
  }
}

}  // namespace
}  // namespace tessera
