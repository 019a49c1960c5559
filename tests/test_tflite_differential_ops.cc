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

struct Tally {
  int cases = 0, failed_cases = 0;
  int64_t bytes = 0, equal = 0, exact_ties = 0, double_ties = 0, approx = 0, bad = 0;
};

class DifferentialOp : public ::testing::TestWithParam<OpType> {};

TEST_P(DifferentialOp, MatchesTfliteUpToProvenTies) {
  TESSERA_REQUIRE_TFLITE();
  const OpType type = GetParam();
  Tally t;
  int reported = 0;
  for (int k = 0; k < kCasesPerOp; ++k) {
    const uint64_t seed = static_cast<uint64_t>(static_cast<int>(type)) * 1000003ull + k;
    Rand r(seed);
    Case c = MakeCase(type, r);
    c.g.name = std::string(OpTypeName(type)) + "-" + std::to_string(seed);
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
    const bool is_float = c.g.tensors[c.g.outputs[0]].type == DType::kFloat32;
    std::map<int, std::vector<uint8_t>> activations;
    for (size_t i = 0; i < c.g.inputs.size(); ++i) activations[c.g.inputs[i]] = c.inputs[i];
    const std::vector<std::vector<uint8_t>> operands = test::OperandBytes(c.g, 0, activations);
    bool case_bad = false;
    for (size_t o = 0; o < ref.size(); ++o) {
      ASSERT_EQ(ref[o].size(), got[o].size()) << "seed " << seed;
      if (is_float) {
        t.bytes += ref[o].size();
        if (ref[o] == got[o]) {
          t.equal += ref[o].size();
        } else {
          case_bad = true;
          ++t.bad;
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
      "double-rounding ties %5lld  approximation %5lld  "
      "unexplained %6lld\n",
      OpTypeName(type), t.cases, t.failed_cases, static_cast<long long>(t.bytes),
      static_cast<long long>(t.equal), static_cast<long long>(t.exact_ties),
      static_cast<long long>(t.double_ties), static_cast<long long>(t.approx), static_cast<long long>(t.bad));
  EXPECT_EQ(t.failed_cases, 0);
  EXPECT_EQ(t.bad, 0);
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

}  // namespace
}  // namespace tessera
