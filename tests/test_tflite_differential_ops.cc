// Differential tests of single operators against TensorFlow Lite 2.9's C library (an
// interpreter nobody here wrote): hundreds of random single-operator models per operator type
// (random shapes, strides, paddings, kernel sizes, depth multipliers, quantization, fused
// activations), written by tessera's writer, run by TFLite and by tessera's executor.
//
// Every output byte must equal TFLite's, or differ by exactly one where the test PROVES the
// element is a rounding tie. The proof recomputes the element from the inputs in exact integer
// arithmetic (int64 accumulator, the quantized multiplier as the exact fraction
// m * 2^(shift-31)) and accepts the difference only when
//  - the exact value lies exactly on .5 of the output grid ("exact tie": TFLM's reference
//    rounds half away from zero, TFLite's optimized kernels round half up), or
//  - TFLM's two-stage requantization (rounding doubling high multiply, then rounding divide by
//    2^right) sees an exact .5 at its second stage ("double-rounding tie": the exact value is
//    then within 2^-(right+1) of .5, and TFLite's single-rounding kernels may land on the
//    other side).
// One operator is computed differently by TFLite 2.9 and by TFLM (whose reference kernels
// tessera reproduces): int8 MEAN (TFLite truncates sum / count when input and output share
// their quantization, TFLM always folds 1/count into a truncated multiplier). For MEAN a
// difference is accepted, and counted as "approximation", only when it is one step and both
// bytes are within one step of the exact real value. This is weaker than bit-exactness; TFLM's
// own outputs are the bar there (tests against ../shared/reference). SOFTMAX and LOGISTIC
// keep a (dormant) check of the same kind: a one-step difference where TFLite's byte is the
// correctly rounded real value and tessera's is within one step of it.
// Anything else fails, printing the seed of the case and the element. A summary table per
// operator is printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "exec/executor.h"
#include "ir/graph.h"
#include "memory/greedy.h"
#include "support/ties.h"
#include "support/tflite_c.h"
#include "tflite/reader.h"
#include "tflite/writer.h"

namespace tessera {
namespace {

constexpr int kCasesPerOp = 300;
using test::Tie;

// ---- random case construction ----
struct Rand {
  std::mt19937_64 r;
  explicit Rand(uint64_t seed) : r(seed) {}
  int I(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(r); }
  double U(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(r); }
  bool P(double p) { return U(0, 1) < p; }
};

Quantization Q(float scale, int64_t zp) {
  Quantization q;
  q.scale = {scale};
  q.zero_point = {zp};
  return q;
}

Quantization RandQ(Rand& r) {
  return Q(static_cast<float>(std::pow(10.0, r.U(-2.5, -0.5))), r.I(-128, 127));
}

Activation RandAct(Rand& r) {
  switch (r.I(0, 3)) {
    case 0: return Activation::kNone;
    case 1: return Activation::kRelu;
    case 2: return Activation::kRelu6;
    default: return Activation::kReluN1To1;
  }
}

std::vector<uint8_t> I32Bytes(const std::vector<int32_t>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

struct Case {
  Graph g;
  std::vector<std::vector<uint8_t>> inputs;
  std::string desc;
};

int AddTensor(Graph& g, const std::string& name, DType type, std::vector<int32_t> shape,
              Quantization q, std::vector<uint8_t> data = {}) {
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

std::vector<uint8_t> RandomBytes(Rand& r, int64_t n) {
  std::vector<uint8_t> v(static_cast<size_t>(n));
  for (auto& b : v) b = static_cast<uint8_t>(r.I(0, 255));
  return v;
}


// Inputs near the zero point (what trained layers see): small accumulators, so the output
// multiplier is large and TFLM's second rounding stage shifts by few bits, where
// double-rounding ties are frequent (about 2^-right of the elements).
std::vector<uint8_t> NarrowBytes(Rand& r, int64_t n, int64_t zp, int spread) {
  std::vector<uint8_t> v(static_cast<size_t>(n));
  for (auto& b : v)
    b = static_cast<uint8_t>(static_cast<int8_t>(std::clamp<int64_t>(zp + r.I(-spread, spread), -128, 127)));
  return v;
}

// CONV_2D (depthwise = false) or DEPTHWISE_CONV_2D.
Case MakeConv(Rand& r, bool depthwise) {
  Case c;
  Graph& g = c.g;
  const int h = r.I(1, 12), w = r.I(1, 12), cin = r.I(1, depthwise ? 6 : 8);
  const int mult = depthwise ? r.I(1, 3) : 1;
  const int cout = depthwise ? cin * mult : r.I(1, 8);
  int kh, kw, sh, sw, dh, dw;
  Padding pad;
  int oh, ow;
  do {
    kh = r.I(1, 5), kw = r.P(0.7) ? kh : r.I(1, 5);
    sh = r.I(1, 3), sw = r.P(0.7) ? sh : r.I(1, 3);
    dh = r.P(0.15) ? 2 : 1, dw = r.P(0.15) ? 2 : 1;
    pad = r.P(0.5) ? Padding::kSame : Padding::kValid;
    oh = ConvOutputSize(pad, h, kh, sh, dh);
    ow = ConvOutputSize(pad, w, kw, sw, dw);
  } while (oh <= 0 || ow <= 0);
  const Activation act = RandAct(r);
  const Quantization in_q = RandQ(r);
  std::vector<float> ws(cout);
  for (float& s : ws) s = static_cast<float>(std::pow(10.0, r.U(-3, -1)));
  const int taps = kh * kw * (depthwise ? 1 : cin);
  std::vector<uint8_t> wdata(static_cast<size_t>(cout) * kh * kw * (depthwise ? 1 : cin));
  const bool narrow = r.P(0.3);
  const int wmax = narrow ? 16 : 127, spread = narrow ? 4 : 0;
  for (auto& b : wdata) b = static_cast<uint8_t>(static_cast<int8_t>(r.I(-wmax, wmax)));
  const bool has_bias = true;  // TFLite 2.9 requires the bias of int8 convolutions
  std::vector<int32_t> bias(cout);
  for (int32_t& b : bias) b = has_bias ? (narrow ? r.I(-200, 200) : r.I(-20000, 20000)) : 0;
  std::vector<float> sorted = ws;
  std::sort(sorted.begin(), sorted.end());
  const double acc_std = std::sqrt(static_cast<double>(taps)) * (narrow ? 2.6 * 9.2 : 74.0 * 74.0);
  const float out_scale = static_cast<float>(in_q.scale[0] * sorted[cout / 2] * acc_std / r.U(10, 80));
  const Quantization out_q = Q(out_scale, r.I(-128, 127));

  const int x = AddTensor(g, "x", DType::kInt8, {1, h, w, cin}, in_q);
  Quantization wq, bq;
  for (int o = 0; o < cout; ++o) {
    wq.scale.push_back(ws[o]);
    wq.zero_point.push_back(0);
    bq.scale.push_back(static_cast<float>(static_cast<double>(in_q.scale[0]) * ws[o]));
    bq.zero_point.push_back(0);
  }
  wq.quantized_dimension = depthwise ? 3 : 0;
  const int wt = AddTensor(g, "w", DType::kInt8,
                           depthwise ? std::vector<int32_t>{1, kh, kw, cout}
                                     : std::vector<int32_t>{cout, kh, kw, cin},
                           wq, wdata);
  const int bt = has_bias ? AddTensor(g, "b", DType::kInt32, {cout}, bq, I32Bytes(bias)) : kNoTensor;
  const int y = AddTensor(g, "y", DType::kInt8, {1, oh, ow, cout}, out_q);
  Operator op;
  op.inputs = {x, wt, bt};
  op.outputs = {y};
  if (depthwise) {
    op.type = OpType::kDepthwiseConv2D;
    DepthwiseConv2DOptions o;
    o.padding = pad;
    o.stride_h = sh, o.stride_w = sw, o.dilation_h = dh, o.dilation_w = dw;
    o.depth_multiplier = mult;
    o.activation = act;
    op.options = o;
  } else {
    op.type = OpType::kConv2D;
    Conv2DOptions o;
    o.padding = pad;
    o.stride_h = sh, o.stride_w = sw, o.dilation_h = dh, o.dilation_w = dw;
    o.activation = act;
    op.options = o;
  }
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {y};
  c.inputs = {narrow ? NarrowBytes(r, static_cast<int64_t>(h) * w * cin, in_q.zero_point[0], spread)
                     : RandomBytes(r, static_cast<int64_t>(h) * w * cin)};
  std::ostringstream d;
  d << (depthwise ? "dw" : "conv") << " in " << h << "x" << w << "x" << cin << " k " << kh << "x"
    << kw << " s " << sh << "x" << sw << " d " << dh << "x" << dw << " mult " << mult
    << (pad == Padding::kSame ? " SAME" : " VALID") << " act " << ActivationName(act)
    << (narrow ? " narrow" : "");
  c.desc = d.str();
  return c;
}

Case MakeFullyConnected(Rand& r) {
  Case c;
  Graph& g = c.g;
  const int rows = r.I(1, 3), k = r.I(1, 64), units = r.I(1, 32);
  const Quantization in_q = RandQ(r);
  const float ws = static_cast<float>(std::pow(10.0, r.U(-3, -1)));
  std::vector<uint8_t> wdata(static_cast<size_t>(units) * k);
  const bool narrow = r.P(0.3);
  const int wmax = narrow ? 16 : 127;
  for (auto& b : wdata) b = static_cast<uint8_t>(static_cast<int8_t>(r.I(-wmax, wmax)));
  std::vector<int32_t> bias(units);
  for (int32_t& b : bias) b = narrow ? r.I(-200, 200) : r.I(-20000, 20000);
  const float out_scale = static_cast<float>(in_q.scale[0] * ws * std::sqrt(static_cast<double>(k)) *
                                             (narrow ? 2.6 * 9.2 : 74.0 * 74.0) / r.U(10, 80));
  const Activation act = RandAct(r);
  const int x = AddTensor(g, "x", DType::kInt8, {rows, k}, in_q);
  const int wt = AddTensor(g, "w", DType::kInt8, {units, k}, Q(ws, 0), wdata);
  const int bt = AddTensor(g, "b", DType::kInt32, {units},
                           Q(static_cast<float>(static_cast<double>(in_q.scale[0]) * ws), 0),
                           I32Bytes(bias));
  const int y = AddTensor(g, "y", DType::kInt8, {rows, units}, Q(out_scale, r.I(-128, 127)));
  Operator op;
  op.type = OpType::kFullyConnected;
  op.inputs = {x, wt, bt};
  op.outputs = {y};
  FullyConnectedOptions o;
  o.activation = act;
  op.options = o;
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {y};
  c.inputs = {narrow ? NarrowBytes(r, static_cast<int64_t>(rows) * k, in_q.zero_point[0], 4)
                     : RandomBytes(r, static_cast<int64_t>(rows) * k)};
  c.desc = "fc rows " + std::to_string(rows) + " k " + std::to_string(k) + " units " +
           std::to_string(units) + " act " + ActivationName(act);
  return c;
}

Case MakePool(Rand& r, bool average) {
  Case c;
  Graph& g = c.g;
  const int h = r.I(1, 12), w = r.I(1, 12), ch = r.I(1, 8);
  int fh, fw, sh, sw, oh, ow;
  Padding pad;
  do {
    fh = r.I(1, 4), fw = r.P(0.7) ? fh : r.I(1, 4);
    sh = r.I(1, 3), sw = r.P(0.7) ? sh : r.I(1, 3);
    pad = r.P(0.5) ? Padding::kSame : Padding::kValid;
    oh = ConvOutputSize(pad, h, fh, sh, 1);
    ow = ConvOutputSize(pad, w, fw, sw, 1);
  } while (oh <= 0 || ow <= 0);
  const Activation act = r.P(0.5) ? Activation::kNone : (r.P(0.5) ? Activation::kRelu : Activation::kRelu6);
  const Quantization q = RandQ(r);
  const int x = AddTensor(g, "x", DType::kInt8, {1, h, w, ch}, q);
  const int y = AddTensor(g, "y", DType::kInt8, {1, oh, ow, ch}, q);
  Operator op;
  op.type = average ? OpType::kAveragePool2D : OpType::kMaxPool2D;
  op.inputs = {x};
  op.outputs = {y};
  Pool2DOptions o;
  o.padding = pad;
  o.stride_h = sh, o.stride_w = sw, o.filter_h = fh, o.filter_w = fw, o.activation = act;
  op.options = o;
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {y};
  c.inputs = {RandomBytes(r, static_cast<int64_t>(h) * w * ch)};
  c.desc = std::string(average ? "avgpool" : "maxpool") + " in " + std::to_string(h) + "x" +
           std::to_string(w) + "x" + std::to_string(ch) + " f " + std::to_string(fh) + "x" +
           std::to_string(fw) + " s " + std::to_string(sh) + "x" + std::to_string(sw) +
           (pad == Padding::kSame ? " SAME" : " VALID") + " act " + ActivationName(act);
  return c;
}

// ADD or MUL of two activations of the same shape.
Case MakeBinary(Rand& r, OpType type) {
  Case c;
  Graph& g = c.g;
  const int h = r.I(1, 8), w = r.I(1, 8), ch = r.I(1, 8);
  const Quantization qa = RandQ(r), qb = RandQ(r);
  float out_scale;
  if (type == OpType::kAdd)
    out_scale = static_cast<float>(std::max(qa.scale[0], qb.scale[0]) * r.U(0.5, 3.0));
  else
    out_scale = static_cast<float>(qa.scale[0] * qb.scale[0] * 74 * 74 / r.U(10, 80));
  const Activation act = r.P(0.5) ? Activation::kNone : RandAct(r);
  const int a = AddTensor(g, "a", DType::kInt8, {1, h, w, ch}, qa);
  const int b = AddTensor(g, "b", DType::kInt8, {1, h, w, ch}, qb);
  const int y = AddTensor(g, "y", DType::kInt8, {1, h, w, ch}, Q(out_scale, r.I(-128, 127)));
  Operator op;
  op.type = type;
  op.inputs = {a, b};
  op.outputs = {y};
  if (type == OpType::kAdd) {
    AddOptions o;
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
  c.inputs = {RandomBytes(r, static_cast<int64_t>(h) * w * ch), RandomBytes(r, static_cast<int64_t>(h) * w * ch)};
  c.desc = std::string(OpTypeName(type)) + " " + std::to_string(h) + "x" + std::to_string(w) + "x" +
           std::to_string(ch) + " act " + ActivationName(act);
  return c;
}

Case MakeMean(Rand& r) {
  Case c;
  Graph& g = c.g;
  const int h = r.I(1, 10), w = r.I(1, 10), ch = r.I(1, 8);
  const bool keep = r.P(0.5);
  const Quantization qi = RandQ(r);
  const Quantization qo = r.P(0.3) ? qi : RandQ(r);
  const int x = AddTensor(g, "x", DType::kInt8, {1, h, w, ch}, qi);
  const int axes = AddTensor(g, "axes", DType::kInt32, {2}, {}, I32Bytes({1, 2}));
  const int y = AddTensor(g, "y", DType::kInt8,
                          keep ? std::vector<int32_t>{1, 1, 1, ch} : std::vector<int32_t>{1, ch}, qo);
  Operator op;
  op.type = OpType::kMean;
  op.inputs = {x, axes};
  op.outputs = {y};
  MeanOptions o;
  o.keep_dims = keep;
  op.options = o;
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {y};
  c.inputs = {RandomBytes(r, static_cast<int64_t>(h) * w * ch)};
  c.desc = "mean " + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(ch) +
           (keep ? " keep_dims" : "") + (qi.scale == qo.scale && qi.zero_point == qo.zero_point ? " same-quant" : "");
  return c;
}

Case MakePad(Rand& r) {
  Case c;
  Graph& g = c.g;
  const int h = r.I(1, 10), w = r.I(1, 10), ch = r.I(1, 8);
  const int t = r.I(0, 3), b = r.I(0, 3), l = r.I(0, 3), rt = r.I(0, 3);
  const Quantization q = RandQ(r);
  const int x = AddTensor(g, "x", DType::kInt8, {1, h, w, ch}, q);
  const int p = AddTensor(g, "paddings", DType::kInt32, {4, 2}, {}, I32Bytes({0, 0, t, b, l, rt, 0, 0}));
  const int y = AddTensor(g, "y", DType::kInt8, {1, h + t + b, w + l + rt, ch}, q);
  Operator op;
  op.type = OpType::kPad;
  op.inputs = {x, p};
  op.outputs = {y};
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {y};
  c.inputs = {RandomBytes(r, static_cast<int64_t>(h) * w * ch)};
  c.desc = "pad";
  return c;
}

// Unary operators on [1,H,W,C] (SOFTMAX also on [1,N]).
Case MakeUnary(Rand& r, OpType type) {
  Case c;
  Graph& g = c.g;
  std::vector<int32_t> shape = {1, r.I(1, 6), r.I(1, 6), r.I(1, 12)};
  if (type == OpType::kSoftmax && r.P(0.5)) shape = {1, r.I(1, 64)};
  const Quantization qi = RandQ(r);
  Quantization qo = RandQ(r);
  DType in_type = DType::kInt8, out_type = DType::kInt8;
  if (type == OpType::kSoftmax || type == OpType::kLogistic) qo = Q(1.0f / 256.0f, -128);
  if (type == OpType::kRelu6) qo = qi;  // TFLM's RELU6 clamps in the input's quantization
  bool float_in = false;
  if (type == OpType::kQuantize && r.P(0.7)) {
    float_in = true;
    in_type = DType::kFloat32;
  }
  if (type == OpType::kDequantize) out_type = DType::kFloat32;
  const int x = AddTensor(g, "x", in_type, shape, float_in ? Quantization{} : qi);
  const int y = AddTensor(g, "y", out_type, shape, out_type == DType::kFloat32 ? Quantization{} : qo);
  Operator op;
  op.type = type;
  op.inputs = {x};
  op.outputs = {y};
  if (type == OpType::kSoftmax) {
    SoftmaxOptions o;
    o.beta = r.P(0.6) ? 1.0f : static_cast<float>(r.U(0.25, 2.0));
    op.options = o;
  }
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {y};
  int64_t n = 1;
  (void)n;
  for (int32_t d : shape) n *= d;
  if (float_in) {
    // Values on and off the output grid, including exact .5 points.
    std::vector<uint8_t> bytes(static_cast<size_t>(n) * 4);
    for (int64_t i = 0; i < n; ++i) {
      float f;
      if (r.P(0.3))
        f = static_cast<float>((r.I(-140, 140) + 0.5) * qo.scale[0]);
      else
        f = static_cast<float>(r.U(-140, 140) * qo.scale[0]);
      std::memcpy(&bytes[static_cast<size_t>(i) * 4], &f, 4);
    }
    c.inputs = {bytes};
  } else {
    c.inputs = {RandomBytes(r, n)};
  }
  c.desc = std::string(OpTypeName(type)) + (float_in ? " float input" : "");
  return c;
}

Case MakeConcat(Rand& r) {
  Case c;
  Graph& g = c.g;
  const int axis = r.I(1, 3);
  const int n = r.I(2, 3);
  std::vector<int32_t> base = {1, r.I(1, 6), r.I(1, 6), r.I(1, 8)};
  const Quantization q = RandQ(r);
  std::vector<int32_t> out = base;
  out[axis] = 0;
  Operator op;
  op.type = OpType::kConcatenation;
  for (int i = 0; i < n; ++i) {
    std::vector<int32_t> s = base;
    s[axis] = r.I(1, 5);
    out[axis] += s[axis];
    const int t = AddTensor(g, std::string(1, 'x').append(std::to_string(i)), DType::kInt8, s, q);
    op.inputs.push_back(t);
    g.inputs.push_back(t);
    c.inputs.push_back(RandomBytes(r, static_cast<int64_t>(s[0]) * s[1] * s[2] * s[3]));
  }
  const int y = AddTensor(g, "y", DType::kInt8, out, q);
  op.outputs = {y};
  ConcatenationOptions o;
  o.axis = axis;
  op.options = o;
  g.ops.push_back(op);
  g.outputs = {y};
  c.desc = "concat axis " + std::to_string(axis) + " of " + std::to_string(n);
  return c;
}

Case MakeTranspose(Rand& r) {
  Case c;
  Graph& g = c.g;
  std::vector<int32_t> shape = {1, r.I(1, 6), r.I(1, 6), r.I(1, 8)};
  std::vector<int32_t> perm = {0, 1, 2, 3};
  std::shuffle(perm.begin(), perm.end(), r.r);
  std::vector<int32_t> out(4);
  for (int i = 0; i < 4; ++i) out[i] = shape[perm[i]];
  const Quantization q = RandQ(r);
  const int x = AddTensor(g, "x", DType::kInt8, shape, q);
  const int p = AddTensor(g, "perm", DType::kInt32, {4}, {}, I32Bytes(perm));
  const int y = AddTensor(g, "y", DType::kInt8, out, q);
  Operator op;
  op.type = OpType::kTranspose;
  op.inputs = {x, p};
  op.outputs = {y};
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {y};
  c.inputs = {RandomBytes(r, static_cast<int64_t>(shape[1]) * shape[2] * shape[3])};
  c.desc = "transpose";
  return c;
}

Case MakeResize(Rand& r) {
  Case c;
  Graph& g = c.g;
  const int h = r.I(1, 8), w = r.I(1, 8), ch = r.I(1, 6), oh = r.I(1, 20), ow = r.I(1, 20);
  const Quantization q = RandQ(r);
  const int x = AddTensor(g, "x", DType::kInt8, {1, h, w, ch}, q);
  const int s = AddTensor(g, "size", DType::kInt32, {2}, {}, I32Bytes({oh, ow}));
  const int y = AddTensor(g, "y", DType::kInt8, {1, oh, ow, ch}, q);
  Operator op;
  op.type = OpType::kResizeNearestNeighbor;
  op.inputs = {x, s};
  op.outputs = {y};
  ResizeNearestNeighborOptions o;
  const int mode = r.I(0, 2);
  o.align_corners = mode == 1;
  o.half_pixel_centers = mode == 2;
  op.options = o;
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {y};
  c.inputs = {RandomBytes(r, static_cast<int64_t>(h) * w * ch)};
  c.desc = "resize " + std::to_string(h) + "x" + std::to_string(w) + "->" + std::to_string(oh) +
           "x" + std::to_string(ow) + " mode " + std::to_string(mode);
  return c;
}

Case MakeCase(OpType type, Rand& r) {
  switch (type) {
    case OpType::kConv2D: return MakeConv(r, false);
    case OpType::kDepthwiseConv2D: return MakeConv(r, true);
    case OpType::kFullyConnected: return MakeFullyConnected(r);
    case OpType::kAdd:
    case OpType::kMul: return MakeBinary(r, type);
    case OpType::kAveragePool2D: return MakePool(r, true);
    case OpType::kMaxPool2D: return MakePool(r, false);
    case OpType::kMean: return MakeMean(r);
    case OpType::kPad: return MakePad(r);
    case OpType::kConcatenation: return MakeConcat(r);
    case OpType::kTranspose: return MakeTranspose(r);
    case OpType::kResizeNearestNeighbor: return MakeResize(r);
    default: return MakeUnary(r, type);
  }
}

using FloatClose = std::function<bool(const Case&, size_t element, float tessera, float tflite)>;
using TflmBytes = std::function<std::vector<uint8_t>(const Case&)>;

// ---- the model-zoo operators (QUANTIZE / DEQUANTIZE with uint8, STRIDED_SLICE, PACK,
// REDUCE_MAX / REDUCE_MIN, TILE, RESIZE_BILINEAR, LOG_SOFTMAX) ----

int64_t Count(const std::vector<int32_t>& shape) {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

std::vector<int32_t> RandShape(Rand& r, int rank, int max_dim) {
  std::vector<int32_t> s(static_cast<size_t>(rank));
  for (int32_t& d : s) d = r.I(1, max_dim);
  return s;
}

std::string Dims(const std::vector<int32_t>& s) {
  std::ostringstream d;
  d << '[';
  for (size_t i = 0; i < s.size(); ++i) d << (i ? "," : "") << s[i];
  d << ']';
  return d.str();
}

// A uint8 zero point: often at the ends of the range, where TFLite's and TFLM's clamping show.
int64_t U8ZeroPoint(Rand& r) {
  switch (r.I(0, 2)) {
    case 0: return 0;
    case 1: return 255;
    default: return r.I(0, 255);
  }
}

float RandScale(Rand& r) { return static_cast<float>(std::pow(10.0, r.U(-2.5, -0.5))); }

// One operator `type` reading `ins` (tensor indices; graph inputs are the activations among
// them, fed `data`) and writing a new tensor of `out_type`, `out_shape` and `out_q`.
Case OneOp(Graph g, OpType type, const std::vector<int>& ins, std::vector<std::vector<uint8_t>> data, DType out_type,
           std::vector<int32_t> out_shape, Quantization out_q, OpOptions options, std::string desc) {
  Case c;
  const int y = AddTensor(g, "y", out_type, std::move(out_shape), std::move(out_q));
  Operator op;
  op.type = type;
  op.inputs = ins;
  op.outputs = {y};
  op.options = std::move(options);
  g.ops.push_back(op);
  for (int t : ins)
    if (!g.tensors[t].is_const) g.inputs.push_back(t);
  g.outputs = {y};
  c.g = std::move(g);
  c.inputs = std::move(data);
  c.desc = std::move(desc);
  return c;
}

// QUANTIZE uint8 -> int8 (to_u8 false) or int8 -> uint8: equal scales (sometimes with zero points
// 128 apart, a plain re-biasing) or unequal ones.
// An activation shape of rank 1..4 whose batch (the first of four axes) is 1, as tessera's
// element-wise operators require.
std::vector<int32_t> ElementwiseShape(Rand& r) {
  std::vector<int32_t> shape = RandShape(r, r.I(1, 4), 6);
  if (shape.size() == 4) shape[0] = 1;
  return shape;
}

Case MakeQuantizeU8(Rand& r, bool to_u8) {
  Graph g;
  const std::vector<int32_t> shape = ElementwiseShape(r);
  const float si = RandScale(r);
  const bool equal = r.P(0.4);
  const float so = equal ? si : RandScale(r);
  const int64_t zu = U8ZeroPoint(r);
  int64_t zs = r.I(-128, 127);
  if (equal && r.P(0.5)) zs = zu - 128;
  const int x = AddTensor(g, "x", to_u8 ? DType::kInt8 : DType::kUInt8, shape, Q(si, to_u8 ? zs : zu));
  return OneOp(std::move(g), OpType::kQuantize, {x}, {RandomBytes(r, Count(shape))},
               to_u8 ? DType::kUInt8 : DType::kInt8, shape, Q(so, to_u8 ? zu : zs), std::monostate{},
               std::string(to_u8 ? "s8->u8 " : "u8->s8 ") + Dims(shape) + (equal ? " equal scales" : "") +
                   " zp u8 " + std::to_string(zu) + " s8 " + std::to_string(zs));
}

Case MakeDequantizeU8(Rand& r) {
  Graph g;
  const std::vector<int32_t> shape = ElementwiseShape(r);
  const int64_t zp = U8ZeroPoint(r);
  const int x = AddTensor(g, "x", DType::kUInt8, shape, Q(RandScale(r), zp));
  return OneOp(std::move(g), OpType::kDequantize, {x}, {RandomBytes(r, Count(shape))}, DType::kFloat32, shape, {},
               std::monostate{}, "u8 " + Dims(shape) + " zp " + std::to_string(zp));
}

// STRIDED_SLICE of an int8 activation: random begin / end (negative, past either end), strides
// (negative too), begin / end / shrink masks. The output shape is computed here from
// TensorFlow's slice semantics (Python's index normalization; a shrunk axis takes one element).
Case MakeStridedSlice(Rand& r) {
  Graph g;
  const std::vector<int32_t> shape = RandShape(r, r.I(1, 4), 6);
  const int rank = static_cast<int>(shape.size());
  std::vector<int32_t> begin, end, strides, out;
  StridedSliceOptions o;
  for (;;) {
    const int n = r.P(0.8) ? rank : r.I(1, rank);  // axes past n are whole
    begin.assign(n, 0), end.assign(n, 0), strides.assign(n, 1);
    o = StridedSliceOptions{};
    out.clear();
    bool empty = false;
    for (int i = 0; i < rank; ++i) {
      const int d = shape[i];
      if (i >= n) {
        out.push_back(d);
        continue;
      }
      if (r.P(0.15)) {  // shrink: one index, in range
        o.shrink_axis_mask |= 1 << i;
        begin[i] = r.I(-d, d - 1);
        end[i] = begin[i] + 1;
        continue;
      }
      int s = r.I(-3, 3);
      if (s == 0) s = 1;
      strides[i] = s;
      begin[i] = r.I(-d - 2, d + 2);
      end[i] = r.I(-d - 2, d + 2);
      const bool bm = r.P(0.25), em = r.P(0.25);
      if (bm) o.begin_mask |= 1 << i;
      if (em) o.end_mask |= 1 << i;
      auto norm = [&](int v) {
        if (v < 0) v += d;
        return s > 0 ? std::clamp(v, 0, d) : std::clamp(v, -1, d - 1);
      };
      const int start = bm ? (s > 0 ? 0 : d - 1) : norm(begin[i]);
      const int stop = em ? (s > 0 ? d : -1) : norm(end[i]);
      const int cnt = s > 0 ? (stop > start ? (stop - start + s - 1) / s : 0)
                            : (start > stop ? (start - stop - s - 1) / -s : 0);
      if (cnt == 0) empty = true;
      out.push_back(cnt);
    }
    if (!empty) break;
  }
  const Quantization q = RandQ(r);
  const int x = AddTensor(g, "x", DType::kInt8, shape, q);
  const int n = static_cast<int>(begin.size());
  const int b = AddTensor(g, "begin", DType::kInt32, {n}, {}, I32Bytes(begin));
  const int e = AddTensor(g, "end", DType::kInt32, {n}, {}, I32Bytes(end));
  const int st = AddTensor(g, "strides", DType::kInt32, {n}, {}, I32Bytes(strides));
  std::string d = Dims(shape) + " begin " + Dims(begin) + " end " + Dims(end) + " strides " + Dims(strides) +
                  " masks b" + std::to_string(o.begin_mask) + " e" + std::to_string(o.end_mask) + " s" +
                  std::to_string(o.shrink_axis_mask);
  return OneOp(std::move(g), OpType::kStridedSlice, {x, b, e, st}, {RandomBytes(r, Count(shape))}, DType::kInt8, out,
               q, o, d);
}

// PACK of 1..4 activations (one quantization, as TFLite requires) along a random axis,
// negative ones included.
Case MakePack(Rand& r) {
  Graph g;
  const std::vector<int32_t> shape = RandShape(r, r.I(1, 4), 5);
  const int rank = static_cast<int>(shape.size());
  const int k = r.I(1, 4);
  const int axis = r.I(-(rank + 1), rank);
  const Quantization q = RandQ(r);
  std::vector<int> ins;
  std::vector<std::vector<uint8_t>> data;
  for (int i = 0; i < k; ++i) {
    ins.push_back(AddTensor(g, std::string(1, 'x').append(std::to_string(i)), DType::kInt8, shape, q));
    data.push_back(RandomBytes(r, Count(shape)));
  }
  std::vector<int32_t> out = shape;
  out.insert(out.begin() + (axis < 0 ? axis + rank + 1 : axis), k);
  PackOptions o;
  o.values_count = k;
  o.axis = axis;
  return OneOp(std::move(g), OpType::kPack, ins, std::move(data), DType::kInt8, out, q, o,
               Dims({k}) + " x " + Dims(shape) + " axis " + std::to_string(axis));
}

// REDUCE_MAX / REDUCE_MIN over a random set of axes (negative and repeated ones too), with or
// without keep_dims; input and output share their quantization (TFLM does not rescale).
Case MakeReduceMinMax(Rand& r, OpType type) {
  Graph g;
  const std::vector<int32_t> shape = RandShape(r, r.I(1, 4), 6);
  const int rank = static_cast<int>(shape.size());
  std::vector<int32_t> order(rank);
  for (int i = 0; i < rank; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), r.r);
  std::vector<int32_t> axes(order.begin(), order.begin() + r.I(1, rank));
  std::vector<bool> reduced(rank, false);
  for (int32_t& a : axes) {
    reduced[a] = true;
    if (r.P(0.3)) a -= rank;
  }
  if (r.P(0.1)) axes.push_back(axes.front());
  const bool keep = r.P(0.5);
  std::vector<int32_t> out;
  for (int i = 0; i < rank; ++i) {
    if (!reduced[i]) out.push_back(shape[i]);
    else if (keep) out.push_back(1);
  }
  const Quantization q = RandQ(r);
  const int x = AddTensor(g, "x", DType::kInt8, shape, q);
  const bool scalar = axes.size() == 1 && r.P(0.3);
  const int a = AddTensor(g, "axes", DType::kInt32,
                          scalar ? std::vector<int32_t>{} : std::vector<int32_t>{static_cast<int32_t>(axes.size())},
                          {}, I32Bytes(axes));
  MeanOptions o;
  o.keep_dims = keep;
  return OneOp(std::move(g), type, {x, a}, {RandomBytes(r, Count(shape))}, DType::kInt8, out, q, o,
               Dims(shape) + " axes " + Dims(axes) + (keep ? " keep_dims" : ""));
}

// TILE of an int8 activation of rank 1..5 by multiples 1..3.
Case MakeTile(Rand& r) {
  Graph g;
  const std::vector<int32_t> shape = RandShape(r, r.I(1, 5), 4);
  std::vector<int32_t> mult(shape.size()), out(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    mult[i] = r.I(1, 3);
    out[i] = shape[i] * mult[i];
  }
  const Quantization q = RandQ(r);
  const int x = AddTensor(g, "x", DType::kInt8, shape, q);
  const int m = AddTensor(g, "multiples", DType::kInt32, {static_cast<int32_t>(mult.size())}, {}, I32Bytes(mult));
  return OneOp(std::move(g), OpType::kTile, {x, m}, {RandomBytes(r, Count(shape))}, DType::kInt8, out, q,
               std::monostate{}, Dims(shape) + " multiples " + Dims(mult));
}

// RESIZE_BILINEAR, up and down, with align_corners, half_pixel_centers or neither.
Case MakeResizeBilinear(Rand& r) {
  Graph g;
  const int h = r.I(1, 10), w = r.I(1, 10), ch = r.I(1, 6), oh = r.I(1, 20), ow = r.I(1, 20);
  const Quantization q = RandQ(r);
  const int x = AddTensor(g, "x", DType::kInt8, {1, h, w, ch}, q);
  const int s = AddTensor(g, "size", DType::kInt32, {2}, {}, I32Bytes({oh, ow}));
  ResizeBilinearOptions o;
  const int mode = r.I(0, 2);
  o.align_corners = mode == 1;
  o.half_pixel_centers = mode == 2;
  return OneOp(std::move(g), OpType::kResizeBilinear, {x, s}, {RandomBytes(r, static_cast<int64_t>(h) * w * ch)},
               DType::kInt8, {1, oh, ow, ch}, q, o,
               std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(ch) + "->" + std::to_string(oh) +
                   "x" + std::to_string(ow) + (mode == 1 ? " align_corners" : mode == 2 ? " half_pixel_centers" : ""));
}

// LOG_SOFTMAX over the last axis: int8 (output scale 16/256, zero point 127, as TFLite and
// TFLM require) or float32.
Case MakeLogSoftmax(Rand& r, bool is_float) {
  Graph g;
  std::vector<int32_t> shape = r.P(0.5) ? std::vector<int32_t>{1, r.I(1, 64)} : RandShape(r, 4, 6);
  shape[0] = 1;
  const int64_t n = Count(shape);
  if (is_float) {
    const int x = AddTensor(g, "x", DType::kFloat32, shape, {});
    const double spread = r.P(0.5) ? 10.0 : 100.0;
    std::vector<uint8_t> bytes(static_cast<size_t>(n) * 4);
    for (int64_t i = 0; i < n; ++i) {
      const float f = static_cast<float>(r.U(-spread, spread));
      std::memcpy(&bytes[static_cast<size_t>(i) * 4], &f, 4);
    }
    return OneOp(std::move(g), OpType::kLogSoftmax, {x}, {bytes}, DType::kFloat32, shape, {}, std::monostate{},
                 "float " + Dims(shape) + " spread " + std::to_string(static_cast<int>(spread)));
  }
  const Quantization qi = Q(static_cast<float>(std::pow(10.0, r.U(-2.5, 0.0))), r.I(-128, 127));
  const int x = AddTensor(g, "x", DType::kInt8, shape, qi);
  return OneOp(std::move(g), OpType::kLogSoftmax, {x}, {RandomBytes(r, n)}, DType::kInt8, shape, Q(16.0f / 256, 127),
               std::monostate{}, "int8 " + Dims(shape) + " in scale " + std::to_string(qi.scale[0]));
}

// TFLM's float LOG_SOFTMAX (reference_ops::LogSoftmax in
// tensorflow/lite/kernels/internal/reference/log_softmax.h, which TFLM's log_softmax.cc calls),
// per row of the last axis in float: the maximum, the float sum of exp(x - max), its log, and
// x - max - log(sum).
std::vector<uint8_t> TflmLogSoftmaxF32(const Case& c) {
  const Tensor& x = c.g.tensors[c.g.inputs[0]];
  const size_t depth = static_cast<size_t>(x.shape.back());
  const size_t n = c.inputs[0].size() / 4;
  std::vector<float> in(n), out(n);
  std::memcpy(in.data(), c.inputs[0].data(), n * 4);
  for (size_t row = 0; row < n; row += depth) {
    float mx = std::numeric_limits<float>::lowest();
    for (size_t i = 0; i < depth; ++i) mx = std::max(mx, in[row + i]);
    float sum = 0.0f;
    for (size_t i = 0; i < depth; ++i) sum += std::exp(in[row + i] - mx);
    const float log_sum = std::log(sum);
    for (size_t i = 0; i < depth; ++i) out[row + i] = in[row + i] - mx - log_sum;
  }
  std::vector<uint8_t> b(n * 4);
  std::memcpy(b.data(), out.data(), b.size());
  return b;
}

// Float LOG_SOFTMAX element i is x_i - max - log(sum), computed in float: TFLM subtracts the
// terms one by one, TFLite may first add max + log(sum). Every rounding is relative to the
// magnitudes involved, so two float implementations agree to a few epsilons of
// |x_i| + |max| + log(sum), not of the (possibly tiny) result.
bool LogSoftmaxClose(const Case& c, size_t i, float tessera, float tflite) {
  const Tensor& x = c.g.tensors[c.g.inputs[0]];
  const size_t depth = static_cast<size_t>(x.shape.back());
  const size_t row = i / depth * depth;
  std::vector<float> in(depth);
  std::memcpy(in.data(), c.inputs[0].data() + row * 4, depth * 4);
  const double mx = *std::max_element(in.begin(), in.end());
  double sum = 0;
  for (float v : in) sum += std::exp(v - mx);
  const double scale = std::fabs(in[i - row]) + std::fabs(mx) + std::log(sum);
  return std::fabs(static_cast<double>(tessera) - tflite) <= 8 * std::numeric_limits<float>::epsilon() * scale;
}

struct ZooCase {
  const char* name;
  std::function<Case(Rand&)> make;
  // Where TFLite 2.9 computes differently from TFLM: how close its float outputs must be, and
  // TFLM's arithmetic (computed here), which tessera must equal byte for byte.
  FloatClose float_close = {};
  TflmBytes tflm = {};
};

const std::vector<ZooCase>& ZooCases() {
  static const std::vector<ZooCase> cases = {
      {"QUANTIZE_u8_s8", [](Rand& r) { return MakeQuantizeU8(r, false); }},
      {"QUANTIZE_s8_u8", [](Rand& r) { return MakeQuantizeU8(r, true); }},
      {"DEQUANTIZE_u8", MakeDequantizeU8},
      {"STRIDED_SLICE", MakeStridedSlice},
      {"PACK", MakePack},
      {"REDUCE_MAX", [](Rand& r) { return MakeReduceMinMax(r, OpType::kReduceMax); }},
      {"REDUCE_MIN", [](Rand& r) { return MakeReduceMinMax(r, OpType::kReduceMin); }},
      {"TILE", MakeTile},
      {"RESIZE_BILINEAR", MakeResizeBilinear},
      {"LOG_SOFTMAX_int8", [](Rand& r) { return MakeLogSoftmax(r, false); }},
      // TFLite 2.9's float LOG_SOFTMAX is its optimized kernel (vectorized exp and log), whose
      // results differ from std::exp / std::log in the last bits; TFLM runs the reference
      // kernel. tessera must equal TFLM's arithmetic exactly and TFLite within 8 float epsilons
      // of the magnitudes it subtracts (LogSoftmaxClose).
      {"LOG_SOFTMAX_float32", [](Rand& r) { return MakeLogSoftmax(r, true); }, LogSoftmaxClose, TflmLogSoftmaxF32},
  };
  return cases;
}

struct Tally {
  int cases = 0, failed_cases = 0;
  int64_t bytes = 0, equal = 0, exact_ties = 0, double_ties = 0, approx = 0, bad = 0;
};

// Runs kCasesPerOp cases made by `make` from seeds seed_base + k, comparing tessera's output
// bytes with TFLite's (see the file comment), and prints a summary line labelled `label`.
// Float outputs must be equal byte for byte, or (when `float_close` is given, documented by the
// caller) close as it decides element by element; `tflm` (when given) is TFLM's arithmetic
// computed by the test, which tessera's output must then equal byte for byte.
void RunDifferential(const std::string& label, uint64_t seed_base, const std::function<Case(Rand&)>& make,
                     const FloatClose& float_close = {}, const TflmBytes& tflm = {}) {
  Tally t;
  int reported = 0;
  int64_t float_near = 0;
  for (int k = 0; k < kCasesPerOp; ++k) {
    const uint64_t seed = seed_base + k;
    Rand r(seed);
    Case c = make(r);
    c.g.name = label + "-" + std::to_string(seed);
    ++t.cases;
    std::vector<std::vector<uint8_t>> ref, got;
    try {
      c.g.Validate();
      ref = test::RunTflite(WriteTflite(c.g), c.inputs);
    } catch (const std::exception& e) {
      ++t.failed_cases;
      ADD_FAILURE() << "seed " << seed << " (" << c.desc << "): TFLite/validation: " << e.what();
      continue;
    }
    try {
      got = RunPlan(c.g, PlanLayerByLayer(c.g), c.inputs);
    } catch (const std::exception& e) {
      ++t.failed_cases;
      ADD_FAILURE() << "seed " << seed << " (" << c.desc << "): tessera: " << e.what();
      continue;
    }
    ASSERT_EQ(ref.size(), got.size());
    if (tflm && got[0] != tflm(c)) {
      ++t.failed_cases;
      ADD_FAILURE() << "seed " << seed << " (" << c.desc << "): tessera differs from TFLM's arithmetic";
      continue;
    }
    const bool is_float = c.g.tensors[c.g.outputs[0]].type == DType::kFloat32;
    std::map<int, std::vector<uint8_t>> activations;
    for (size_t i = 0; i < c.g.inputs.size(); ++i) activations[c.g.inputs[i]] = c.inputs[i];
    const std::vector<std::vector<uint8_t>> operands = test::OperandBytes(c.g, 0, activations);
    bool case_bad = false;
    for (size_t o = 0; o < ref.size(); ++o) {
      ASSERT_EQ(ref[o].size(), got[o].size()) << "seed " << seed << " (" << c.desc << ")";
      if (is_float) {
        t.bytes += ref[o].size();
        if (ref[o] == got[o]) {
          t.equal += ref[o].size();
          continue;
        }
        for (size_t i = 0; i + 4 <= ref[o].size(); i += 4) {
          float fa, fb;
          std::memcpy(&fa, &got[o][i], 4);
          std::memcpy(&fb, &ref[o][i], 4);
          if (std::memcmp(&fa, &fb, 4) == 0) {
            t.equal += 4;
            continue;
          }
          if (float_close && float_close(c, i / 4, fa, fb)) {
            float_near += 4;
            continue;
          }
          ++t.bad;
          case_bad = true;
          if (reported < 8) {
            ++reported;
            ADD_FAILURE() << "seed " << seed << " (" << c.desc << "): output float " << i / 4 << " tessera "
                          << fa << " TFLite " << fb;
          }
        }
        continue;
      }
      for (size_t i = 0; i < ref[o].size(); ++i) {
        ++t.bytes;
        const int a = static_cast<int8_t>(got[o][i]), b = static_cast<int8_t>(ref[o][i]);
        if (a == b) {
          ++t.equal;
          continue;
        }
        const Tie tie = o == 0 ? test::ProveTie(c.g, 0, operands, i, a, b) : Tie::kNone;
        if (tie == Tie::kExact) {
          ++t.exact_ties;
        } else if (tie == Tie::kDoubleRounding) {
          ++t.double_ties;
        } else if (tie == Tie::kApproximation) {
          ++t.approx;
        } else {
          ++t.bad;
          case_bad = true;
          if (reported < 8) {
            ++reported;
            ADD_FAILURE() << "seed " << seed << " (" << c.desc << "): output byte " << i
                          << " tessera " << a << " TFLite " << b << " (not a proven tie)";
          }
        }
      }
    }
    if (case_bad) ++t.failed_cases;
  }
  std::printf(
      "%-24s cases %4d  failed %4d  bytes %8lld  equal %8lld  exact ties %5lld  "
      "double-rounding ties %5lld  approximation %5lld  unexplained %6lld",
      label.c_str(), t.cases, t.failed_cases, static_cast<long long>(t.bytes),
      static_cast<long long>(t.equal), static_cast<long long>(t.exact_ties),
      static_cast<long long>(t.double_ties), static_cast<long long>(t.approx), static_cast<long long>(t.bad));
  if (float_close) std::printf("  float bytes close %lld", static_cast<long long>(float_near));
  std::printf("\n");
  EXPECT_EQ(t.failed_cases, 0);
  EXPECT_EQ(t.bad, 0);
}

class DifferentialOp : public ::testing::TestWithParam<OpType> {};

TEST_P(DifferentialOp, MatchesTfliteUpToProvenTies) {
  TESSERA_REQUIRE_TFLITE();
  const OpType type = GetParam();
  RunDifferential(OpTypeName(type), static_cast<uint64_t>(static_cast<int>(type)) * 1000003ull,
                  [type](Rand& r) { return MakeCase(type, r); });
}

INSTANTIATE_TEST_SUITE_P(
    Ops, DifferentialOp,
    ::testing::Values(OpType::kConv2D, OpType::kDepthwiseConv2D, OpType::kFullyConnected,
                      OpType::kAdd, OpType::kMul, OpType::kAveragePool2D, OpType::kMaxPool2D,
                      OpType::kMean, OpType::kPad, OpType::kSoftmax, OpType::kLogistic,
                      OpType::kHardSwish, OpType::kRelu, OpType::kRelu6, OpType::kConcatenation,
                      OpType::kTranspose, OpType::kResizeNearestNeighbor, OpType::kQuantize,
                      OpType::kDequantize),
    [](const ::testing::TestParamInfo<OpType>& p) { return std::string(OpTypeName(p.param)); });

// SHAPE never runs (tessera folds it at load time), so it cannot be a single-operator model:
// RESHAPE(x, PACK(STRIDED_SLICE(SHAPE(x))[0], -1, c)), as Keras exports a flatten, written by
// tessera's writer and read back. The reader folds SHAPE, STRIDED_SLICE and PACK into the
// RESHAPE's constant shape operand; TFLite runs all four at run time. Both give x's bytes.
TEST(DifferentialFold, ShapeSliceAndPackFoldIntoTheReshape) {
  TESSERA_REQUIRE_TFLITE();
  for (int k = 0; k < 20; ++k) {
    Rand r(0xF01Dull + k);
    Graph g;
    const int h = r.I(1, 6), w = r.I(1, 6), ch = r.I(1, 5);
    const Quantization q = RandQ(r);
    const int x = AddTensor(g, "x", DType::kInt8, {1, h, w, ch}, q);
    const int shape = AddTensor(g, "shape", DType::kInt32, {4}, {});
    const int b = AddTensor(g, "begin", DType::kInt32, {1}, {}, I32Bytes({0}));
    const int e = AddTensor(g, "end", DType::kInt32, {1}, {}, I32Bytes({1}));
    const int s = AddTensor(g, "strides", DType::kInt32, {1}, {}, I32Bytes({1}));
    const int batch = AddTensor(g, "batch", DType::kInt32, {}, {});
    const int minus1 = AddTensor(g, "minus1", DType::kInt32, {}, {}, I32Bytes({-1}));
    const int chans = AddTensor(g, "chans", DType::kInt32, {}, {}, I32Bytes({ch}));
    const int packed = AddTensor(g, "packed", DType::kInt32, {3}, {});
    const int y = AddTensor(g, "y", DType::kInt8, {1, h * w, ch}, q);
    Operator op_shape;
    op_shape.type = OpType::kShape;
    op_shape.inputs = {x};
    op_shape.outputs = {shape};
    op_shape.options = ShapeOptions{};
    Operator op_slice;
    op_slice.type = OpType::kStridedSlice;
    op_slice.inputs = {shape, b, e, s};
    op_slice.outputs = {batch};
    StridedSliceOptions so;
    so.shrink_axis_mask = 1;
    op_slice.options = so;
    Operator op_pack;
    op_pack.type = OpType::kPack;
    op_pack.inputs = {batch, minus1, chans};
    op_pack.outputs = {packed};
    op_pack.options = PackOptions{3, 0};
    Operator op_reshape;
    op_reshape.type = OpType::kReshape;
    op_reshape.inputs = {x, packed};
    op_reshape.outputs = {y};
    op_reshape.options = ReshapeOptions{};
    g.ops = {op_shape, op_slice, op_pack, op_reshape};
    g.inputs = {x};
    g.outputs = {y};
    g.name = "fold-" + std::to_string(k);

    const std::vector<uint8_t> model = WriteTflite(g);
    const Graph back = ReadTfliteBytes(model.data(), model.size(), g.name);
    ASSERT_EQ(back.ops.size(), 1u);
    EXPECT_EQ(back.ops[0].type, OpType::kReshape);
    ASSERT_EQ(back.folded.size(), 3u);
    EXPECT_NE(back.folded[0].find("SHAPE"), std::string::npos) << back.folded[0];
    EXPECT_NE(back.folded[1].find("STRIDED_SLICE"), std::string::npos) << back.folded[1];
    EXPECT_NE(back.folded[2].find("PACK"), std::string::npos) << back.folded[2];
    const Tensor& st = back.tensors[back.ops[0].inputs[1]];
    EXPECT_TRUE(st.is_const);
    EXPECT_EQ(st.data, I32Bytes({1, -1, ch}));
    EXPECT_EQ(back.tensors[back.ops[0].outputs[0]].shape, (std::vector<int32_t>{1, h * w, ch}));

    const std::vector<std::vector<uint8_t>> in = {RandomBytes(r, static_cast<int64_t>(h) * w * ch)};
    const auto ref = test::RunTflite(model, in);
    const auto got = RunPlan(back, PlanLayerByLayer(back), in);
    ASSERT_EQ(ref.size(), 1u);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(ref[0], in[0]) << "TFLite's reshape is a copy";
    EXPECT_EQ(got[0], ref[0]);
  }
}

class DifferentialZooOp : public ::testing::TestWithParam<size_t> {};

TEST_P(DifferentialZooOp, MatchesTfliteUpToProvenTies) {
  TESSERA_REQUIRE_TFLITE();
  const ZooCase& z = ZooCases()[GetParam()];
  RunDifferential(z.name, (1000 + GetParam()) * 1000003ull, z.make, z.float_close, z.tflm);
}

INSTANTIATE_TEST_SUITE_P(Zoo, DifferentialZooOp, ::testing::Range<size_t>(0, ZooCases().size()),
                         [](const ::testing::TestParamInfo<size_t>& p) { return std::string(ZooCases()[p.param].name); });

}  // namespace
}  // namespace tessera
