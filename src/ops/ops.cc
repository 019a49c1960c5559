#include "ops/ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace tessera::ops {
namespace {

[[noreturn]] void Fail(const std::string& label, const std::string& msg) {
  throw Error(label + ": " + msg);
}

std::string ShapeStr(const std::vector<int32_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += ',';
    r += std::to_string(s[i]);
  }
  r += ']';
  return r;
}

std::string WinStr(const Window& w) {
  return "rows [" + std::to_string(w.y0) + "," + std::to_string(w.y1) + ") x cols [" +
         std::to_string(w.x0) + "," + std::to_string(w.x1) + ")";
}

const Tensor& Operand(const Graph& g, const std::string& label, const Operator& o, int pos,
                      const char* role) {
  if (pos >= static_cast<int>(o.inputs.size()) || o.inputs[pos] == kNoTensor)
    Fail(label, std::string("missing operand ") + std::to_string(pos) + " (" + role + ")");
  const int t = o.inputs[pos];
  if (t < 0 || t >= static_cast<int>(g.tensors.size()))
    Fail(label, std::string(role) + " tensor index " + std::to_string(t) + " is out of range");
  return g.tensors[t];
}

const Tensor& OutputTensor(const Graph& g, const std::string& label, const Operator& o) {
  if (o.outputs.size() != 1) Fail(label, "expected exactly one output");
  const int t = o.outputs[0];
  if (t < 0 || t >= static_cast<int>(g.tensors.size()))
    Fail(label, "output tensor index " + std::to_string(t) + " is out of range");
  return g.tensors[t];
}

void RequireType(const std::string& label, const Tensor& t, DType want, const char* role) {
  if (t.type != want)
    Fail(label, std::string(role) + " tensor '" + t.name + "' is " + DTypeName(t.type) +
                    ", expected " + DTypeName(want));
}

void RequireConst(const std::string& label, const Tensor& t, const char* role) {
  if (!t.is_const) Fail(label, std::string(role) + " tensor '" + t.name + "' must be constant");
  if (static_cast<int64_t>(t.data.size()) < t.num_bytes())
    Fail(label, std::string(role) + " tensor '" + t.name + "' holds " +
                    std::to_string(t.data.size()) + " bytes, expected " +
                    std::to_string(t.num_bytes()));
}

void RequireRank(const std::string& label, const Tensor& t, size_t lo, size_t hi,
                 const char* role) {
  if (t.shape.size() < lo || t.shape.size() > hi)
    Fail(label, std::string(role) + " tensor '" + t.name + "' has shape " + ShapeStr(t.shape) +
                    " (rank " + std::to_string(t.shape.size()) + "), expected rank " +
                    (lo == hi ? std::to_string(lo)
                              : std::to_string(lo) + ".." + std::to_string(hi)));
  for (int32_t d : t.shape)
    if (d <= 0)
      Fail(label, std::string(role) + " tensor '" + t.name + "' has shape " + ShapeStr(t.shape) +
                      " with a non-positive dimension");
}

float Scale(const std::string& label, const Tensor& t, const char* role) {
  if (t.quant.scale.empty())
    Fail(label, std::string(role) + " tensor '" + t.name + "' is not quantized");
  if (t.quant.scale.size() != 1)
    Fail(label, std::string(role) + " tensor '" + t.name +
                    "' has per-channel quantization; expected one scale");
  const float s = t.quant.scale[0];
  if (!(s > 0.0f) || !std::isfinite(s))
    Fail(label, std::string(role) + " tensor '" + t.name + "' has scale " + std::to_string(s) +
                    ", expected a positive finite number");
  return s;
}

int32_t ZeroPoint(const std::string& label, const Tensor& t, const char* role) {
  if (t.quant.zero_point.empty()) return 0;
  const int64_t z = t.quant.zero_point[0];
  if (z < -128 || z > 127)
    Fail(label, std::string(role) + " tensor '" + t.name + "' has zero point " +
                    std::to_string(z) + ", outside the int8 range");
  return static_cast<int32_t>(z);
}

// Reads an int32 or int64 constant as int64 values.
std::vector<int64_t> ConstInts(const std::string& label, const Tensor& t, const char* role) {
  RequireConst(label, t, role);
  std::vector<int64_t> r(static_cast<size_t>(t.num_elements()));
  if (t.type == DType::kInt32) {
    for (size_t i = 0; i < r.size(); ++i) {
      int32_t v;
      std::memcpy(&v, t.data.data() + i * 4, 4);
      r[i] = v;
    }
  } else if (t.type == DType::kInt64) {
    for (size_t i = 0; i < r.size(); ++i) {
      int64_t v;
      std::memcpy(&v, t.data.data() + i * 8, 8);
      r[i] = v;
    }
  } else {
    Fail(label, std::string(role) + " tensor '" + t.name + "' is " + DTypeName(t.type) +
                    ", expected int32 or int64");
  }
  return r;
}

// TFLM's CalculateActivationRangeQuantized for int8 outputs.
void ActivationRange(const std::string& label, Activation a, const Tensor& out, int32_t* lo,
                     int32_t* hi) {
  const float scale = Scale(label, out, "output");
  const int32_t zp = ZeroPoint(label, out, "output");
  auto quantize = [&](float f) { return zp + static_cast<int32_t>(std::round(f / scale)); };
  *lo = -128;
  *hi = 127;
  switch (a) {
    case Activation::kNone: break;
    case Activation::kRelu: *lo = std::max(*lo, quantize(0.0f)); break;
    case Activation::kRelu6:
      *lo = std::max(*lo, quantize(0.0f));
      *hi = std::min(*hi, quantize(6.0f));
      break;
    case Activation::kReluN1To1:
      *lo = std::max(*lo, quantize(-1.0f));
      *hi = std::min(*hi, quantize(1.0f));
      break;
  }
  if (*lo > *hi)
    Fail(label, std::string("fused activation ") + ActivationName(a) +
                    " gives an empty range for output '" + out.name + "'");
}

void Multiplier(const std::string& label, double real, int32_t* m, int32_t* s,
                const std::string& what) {
  if (!(real >= 0.0) || !std::isfinite(real))
    Fail(label, "the " + what + " multiplier " + std::to_string(real) +
                    " is not a finite non-negative number");
  int shift = 0;
  QuantizeMultiplier(real, m, &shift);
  if (shift > 30)
    Fail(label, "the " + what + " multiplier " + std::to_string(real) + " is too large");
  *s = shift;
}

std::vector<int32_t> BiasVector(const std::string& label, const Graph& g, const Operator& o,
                                int pos, int32_t n) {
  if (pos >= static_cast<int>(o.inputs.size()) || o.inputs[pos] == kNoTensor) return {};
  const Tensor& b = Operand(g, label, o, pos, "bias");
  RequireType(label, b, DType::kInt32, "bias");
  RequireConst(label, b, "bias");
  if (b.num_elements() != n)
    Fail(label, "bias tensor '" + b.name + "' has " + std::to_string(b.num_elements()) +
                    " elements, expected " + std::to_string(n));
  std::vector<int32_t> r(static_cast<size_t>(n));
  std::memcpy(r.data(), b.data.data(), static_cast<size_t>(n) * 4);
  return r;
}

// Per-channel (or per-tensor) filter scales, with zero points that must be 0.
std::vector<float> FilterScales(const std::string& label, const Tensor& w, int32_t channels) {
  const auto& q = w.quant;
  if (q.scale.empty()) Fail(label, "filter tensor '" + w.name + "' is not quantized");
  if (q.scale.size() != 1 && static_cast<int32_t>(q.scale.size()) != channels)
    Fail(label, "filter tensor '" + w.name + "' has " + std::to_string(q.scale.size()) +
                    " scales, expected 1 or " + std::to_string(channels));
  for (int64_t z : q.zero_point)
    if (z != 0)
      Fail(label, "filter tensor '" + w.name + "' has zero point " + std::to_string(z) +
                      "; int8 convolution filters must be symmetric (zero point 0)");
  std::vector<float> r(static_cast<size_t>(channels));
  for (int32_t c = 0; c < channels; ++c) {
    r[c] = q.scale.size() == 1 ? q.scale[0] : q.scale[c];
    if (!(r[c] > 0.0f) || !std::isfinite(r[c]))
      Fail(label, "filter tensor '" + w.name + "' has a non-positive scale");
  }
  return r;
}

struct PadAmounts {
  int32_t top = 0, bottom = 0, left = 0, right = 0, c_before = 0, c_after = 0;
};

// PAD operator's paddings mapped onto NHWC (ranks < 4 are aligned to the right).
PadAmounts ReadPaddings(const Graph& g, int pad_op) {
  const std::string label = OpLabel(g, pad_op);
  const Operator& o = g.ops[pad_op];
  const Tensor& x = Operand(g, label, o, 0, "input");
  const Tensor& pt = Operand(g, label, o, 1, "paddings");
  RequireRank(label, x, 1, 4, "input");
  const int rank = static_cast<int>(x.shape.size());
  if (pt.shape.size() != 2 || pt.shape[0] != rank || pt.shape[1] != 2)
    Fail(label, "paddings tensor '" + pt.name + "' has shape " + ShapeStr(pt.shape) +
                    ", expected [" + std::to_string(rank) + ",2]");
  const std::vector<int64_t> v = ConstInts(label, pt, "paddings");
  int64_t before[4] = {0, 0, 0, 0}, after[4] = {0, 0, 0, 0};
  for (int i = 0; i < rank; ++i) {
    before[4 - rank + i] = v[2 * i];
    after[4 - rank + i] = v[2 * i + 1];
  }
  for (int i = 0; i < 4; ++i)
    if (before[i] < 0 || after[i] < 0 || before[i] > (1 << 20) || after[i] > (1 << 20))
      Fail(label, "paddings tensor '" + pt.name + "' holds a negative or huge padding");
  if (before[0] != 0 || after[0] != 0) Fail(label, "padding the batch axis is not supported");
  PadAmounts p;
  p.top = static_cast<int32_t>(before[1]);
  p.bottom = static_cast<int32_t>(after[1]);
  p.left = static_cast<int32_t>(before[2]);
  p.right = static_cast<int32_t>(after[2]);
  p.c_before = static_cast<int32_t>(before[3]);
  p.c_after = static_cast<int32_t>(after[3]);
  return p;
}

Shape4 Nhwc(const std::string& label, const Tensor& t, const char* role) {
  RequireRank(label, t, 0, 4, role);
  const Shape4 s = AsNHWC(t.shape);
  if (s.n != 1)
    Fail(label, std::string(role) + " tensor '" + t.name + "' has batch " + std::to_string(s.n) +
                    "; only batch 1 is supported");
  return s;
}

int ElemBytes(DType t) { return DTypeSize(t); }

// ---------------------------------------------------------------------------------------

// CONV_2D channels whose filter weights are all zero and whose parameters are unusual (a
// multiplier of at most 2^30, a shift outside [-24, -1] or |bias| of 2^29 or more) get the
// canonical requantization (ConstantChannelBias in ops.h): the same output bytes.
void CanonicalizeConstantChannels(PreparedOp& p) {
  const ts_conv_params& c = p.conv;
  const int64_t per_channel = static_cast<int64_t>(c.filter_h) * c.filter_w * c.filter_in_c;
  for (int32_t ch = 0; ch < c.out_c; ++ch) {
    const int8_t* f = p.filter + ch * per_channel;
    if (std::any_of(f, f + per_channel, [](int8_t v) { return v != 0; })) continue;
    const int32_t bias = p.bias.empty() ? 0 : p.bias[ch];
    if (p.multipliers[ch] > (1 << 30) && p.shifts[ch] >= -24 && p.shifts[ch] <= -1 && bias > -(1 << 29) &&
        bias < (1 << 29))
      continue;  // already usual parameters: left as TFLM prepares them
    int32_t b = 0;
    if (!ConstantChannelBias(bias, p.multipliers[ch], p.shifts[ch],
                             c.output_offset, c.act_min, c.act_max, &b))
      continue;
    if (!p.bias.empty()) p.bias[ch] = b;
    p.multipliers[ch] = kConstantMultiplier;
    p.shifts[ch] = kConstantShift;
    ++p.constant_channels;
  }
}

void PrepareConvLike(const Graph& g, const Operator& o, PreparedOp& p, int fused_pad) {
  const std::string& label = p.label;
  const bool depthwise = o.type == OpType::kDepthwiseConv2D;
  const Tensor& x = Operand(g, label, o, operand::kInput, "input");
  const Tensor& w = Operand(g, label, o, operand::kFilter, "filter");
  const Tensor& y = OutputTensor(g, label, o);
  RequireType(label, x, DType::kInt8, "input");
  RequireType(label, w, DType::kInt8, "filter");
  RequireType(label, y, DType::kInt8, "output");
  RequireConst(label, w, "filter");
  RequireRank(label, x, 4, 4, "input");
  RequireRank(label, w, 4, 4, "filter");
  RequireRank(label, y, 4, 4, "output");
  const Shape4 xs = Nhwc(label, x, "input");
  const Shape4 ys = Nhwc(label, y, "output");

  Padding padding;
  int32_t sh, sw, dh, dw;
  Activation act;
  if (depthwise) {
    const auto& opt = o.opts<DepthwiseConv2DOptions>();
    padding = opt.padding;
    sh = opt.stride_h, sw = opt.stride_w, dh = opt.dilation_h, dw = opt.dilation_w;
    act = opt.activation;
  } else {
    const auto& opt = o.opts<Conv2DOptions>();
    padding = opt.padding;
    sh = opt.stride_h, sw = opt.stride_w, dh = opt.dilation_h, dw = opt.dilation_w;
    act = opt.activation;
  }
  if (sh < 1 || sw < 1 || dh < 1 || dw < 1 || sh > 1024 || sw > 1024 || dh > 1024 || dw > 1024)
    Fail(label, "strides and dilations must be in 1..1024");

  const int32_t kh = w.shape[1], kw = w.shape[2];
  int32_t oc;
  ts_conv_params& c = p.conv;
  if (depthwise) {
    if (w.shape[0] != 1)
      Fail(label, "filter tensor '" + w.name + "' has shape " + ShapeStr(w.shape) +
                      ", expected [1,kh,kw,out_channels]");
    oc = w.shape[3];
    if (oc != ys.c || oc % xs.c != 0)
      Fail(label, "filter tensor '" + w.name + "' has " + std::to_string(oc) +
                      " output channels; expected the output's " + std::to_string(ys.c) +
                      ", a multiple of the input's " + std::to_string(xs.c));
    c.depth_multiplier = oc / xs.c;
    c.filter_in_c = 1;
  } else {
    oc = w.shape[0];
    const int32_t fic = w.shape[3];
    if (oc != ys.c)
      Fail(label, "filter tensor '" + w.name + "' has " + std::to_string(oc) +
                      " output channels, the output '" + y.name + "' has " + std::to_string(ys.c));
    if (xs.c % fic != 0 || oc % (xs.c / fic) != 0)
      Fail(label, "filter tensor '" + w.name + "' has " + std::to_string(fic) +
                      " input channels, which does not divide the input's " +
                      std::to_string(xs.c) + " into groups");
    c.filter_in_c = fic;
    c.depth_multiplier = 1;
  }
  const int32_t exp_h = ConvOutputSize(padding, xs.h, kh, sh, dh);
  const int32_t exp_w = ConvOutputSize(padding, xs.w, kw, sw, dw);
  if (exp_h != ys.h || exp_w != ys.w)
    Fail(label, "output '" + y.name + "' is " + std::to_string(ys.h) + "x" + std::to_string(ys.w) +
                    ", the input and filter give " + std::to_string(exp_h) + "x" +
                    std::to_string(exp_w));
  c.in_h = xs.h;
  c.in_w = xs.w;
  c.in_c = xs.c;
  c.out_h = ys.h;
  c.out_w = ys.w;
  c.out_c = oc;
  c.filter_h = kh;
  c.filter_w = kw;
  c.stride_h = sh;
  c.stride_w = sw;
  c.dilation_h = dh;
  c.dilation_w = dw;
  c.pad_top = ConvPaddingBefore(padding, xs.h, kh, sh, dh, ys.h);
  c.pad_left = ConvPaddingBefore(padding, xs.w, kw, sw, dw, ys.w);

  const float in_scale = Scale(label, x, "input");
  const float out_scale = Scale(label, y, "output");
  c.input_offset = -ZeroPoint(label, x, "input");
  c.output_offset = ZeroPoint(label, y, "output");
  ActivationRange(label, act, y, &c.act_min, &c.act_max);
  const std::vector<float> fs = FilterScales(label, w, oc);
  p.multipliers.resize(oc);
  p.shifts.resize(oc);
  for (int32_t i = 0; i < oc; ++i)
    Multiplier(label,
               static_cast<double>(in_scale) * static_cast<double>(fs[i]) /
                   static_cast<double>(out_scale),
               &p.multipliers[i], &p.shifts[i], "output channel " + std::to_string(i));
  p.bias = BiasVector(label, g, o, operand::kBias, oc);
  p.filter = reinterpret_cast<const int8_t*>(w.data.data());
  if (!depthwise) CanonicalizeConstantChannels(p);

  p.in_shape = xs;
  p.inputs = {o.inputs[0]};
  if (fused_pad >= 0) {
    const Operator& pad = g.ops[fused_pad];
    const PadAmounts pa = ReadPaddings(g, fused_pad);
    const Tensor& px = Operand(g, OpLabel(g, fused_pad), pad, 0, "input");
    const Shape4 ps = Nhwc(OpLabel(g, fused_pad), px, "input");
    c.in_h = ps.h;
    c.in_w = ps.w;
    c.pad_top += pa.top;
    c.pad_left += pa.left;
    p.in_shape = ps;
    p.inputs = {pad.inputs[0]};
  }
  p.kind = Kind::kSpatial;
  p.impl = depthwise ? Impl::kDepthwise : Impl::kConv;
}

void PreparePool(const Graph& g, const Operator& o, PreparedOp& p) {
  const std::string& label = p.label;
  const Tensor& x = Operand(g, label, o, 0, "input");
  const Tensor& y = OutputTensor(g, label, o);
  RequireType(label, x, DType::kInt8, "input");
  RequireType(label, y, DType::kInt8, "output");
  RequireRank(label, x, 4, 4, "input");
  RequireRank(label, y, 4, 4, "output");
  const Shape4 xs = Nhwc(label, x, "input"), ys = Nhwc(label, y, "output");
  const auto& opt = o.opts<Pool2DOptions>();
  if (opt.stride_h < 1 || opt.stride_w < 1 || opt.filter_h < 1 || opt.filter_w < 1)
    Fail(label, "strides and filter sizes must be positive");
  if (xs.c != ys.c) Fail(label, "input and output channel counts differ");
  const int32_t eh = ConvOutputSize(opt.padding, xs.h, opt.filter_h, opt.stride_h, 1);
  const int32_t ew = ConvOutputSize(opt.padding, xs.w, opt.filter_w, opt.stride_w, 1);
  if (eh != ys.h || ew != ys.w)
    Fail(label, "output '" + y.name + "' is " + std::to_string(ys.h) + "x" + std::to_string(ys.w) +
                    ", the input and filter give " + std::to_string(eh) + "x" + std::to_string(ew));
  ts_pool_params& q = p.pool;
  q.in_h = xs.h;
  q.in_w = xs.w;
  q.channels = xs.c;
  q.out_h = ys.h;
  q.out_w = ys.w;
  q.filter_h = opt.filter_h;
  q.filter_w = opt.filter_w;
  q.stride_h = opt.stride_h;
  q.stride_w = opt.stride_w;
  q.pad_top = ConvPaddingBefore(opt.padding, xs.h, opt.filter_h, opt.stride_h, 1, ys.h);
  q.pad_left = ConvPaddingBefore(opt.padding, xs.w, opt.filter_w, opt.stride_w, 1, ys.w);
  ActivationRange(label, opt.activation, y, &q.act_min, &q.act_max);
  p.in_shape = xs;
  p.inputs = {o.inputs[0]};
  p.kind = Kind::kSpatial;
  p.impl = o.type == OpType::kAveragePool2D ? Impl::kAvgPool : Impl::kMaxPool;
}

void PrepareFullyConnected(const Graph& g, const Operator& o, PreparedOp& p) {
  const std::string& label = p.label;
  const Tensor& x = Operand(g, label, o, operand::kInput, "input");
  const Tensor& w = Operand(g, label, o, operand::kFilter, "filter");
  const Tensor& y = OutputTensor(g, label, o);
  RequireType(label, x, DType::kInt8, "input");
  RequireType(label, w, DType::kInt8, "filter");
  RequireType(label, y, DType::kInt8, "output");
  RequireConst(label, w, "filter");
  RequireRank(label, w, 2, 2, "filter");
  RequireRank(label, x, 1, 4, "input");
  RequireRank(label, y, 1, 4, "output");
  const int32_t out_depth = w.shape[0], depth = w.shape[1];
  if (x.num_elements() % depth != 0)
    Fail(label, "input '" + x.name + "' has " + std::to_string(x.num_elements()) +
                    " elements, not a multiple of the filter's depth " + std::to_string(depth));
  const int64_t batches = x.num_elements() / depth;
  if (y.num_elements() != batches * out_depth)
    Fail(label, "output '" + y.name + "' has " + std::to_string(y.num_elements()) +
                    " elements, expected " + std::to_string(batches * out_depth));
  ts_fc_params& f = p.fc;
  f.batches = static_cast<int32_t>(batches);
  f.in_depth = depth;
  f.out_depth = out_depth;
  f.input_offset = -ZeroPoint(label, x, "input");
  f.output_offset = ZeroPoint(label, y, "output");
  const auto& wq = w.quant;
  if (wq.scale.empty()) Fail(label, "filter tensor '" + w.name + "' is not quantized");
  const bool per_channel = wq.scale.size() > 1;
  if (per_channel && static_cast<int32_t>(wq.scale.size()) != out_depth)
    Fail(label, "filter tensor '" + w.name + "' has " + std::to_string(wq.scale.size()) +
                    " scales, expected 1 or " + std::to_string(out_depth));
  if (per_channel) {
    for (int64_t z : wq.zero_point)
      if (z != 0) Fail(label, "per-channel filter '" + w.name + "' must have zero points 0");
    f.filter_offset = 0;
  } else {
    f.filter_offset = -ZeroPoint(label, w, "filter");
  }
  f.per_channel = per_channel ? 1 : 0;
  const float in_scale = Scale(label, x, "input"), out_scale = Scale(label, y, "output");
  const size_t n = per_channel ? static_cast<size_t>(out_depth) : 1;
  p.multipliers.resize(n);
  p.shifts.resize(n);
  for (size_t i = 0; i < n; ++i)
    Multiplier(label,
               static_cast<double>(in_scale) * static_cast<double>(wq.scale[i]) /
                   static_cast<double>(out_scale),
               &p.multipliers[i], &p.shifts[i], "output");
  ActivationRange(label, o.opts<FullyConnectedOptions>().activation, y, &f.act_min, &f.act_max);
  p.bias = BiasVector(label, g, o, operand::kBias, out_depth);
  p.filter = reinterpret_cast<const int8_t*>(w.data.data());
  p.inputs = {o.inputs[0]};
  p.in_shape = AsNHWC(x.shape);
  p.kind = Kind::kWhole;
  p.impl = Impl::kFullyConnected;
}

// ADD / MUL operands with broadcasting against the output's NHWC view.
void PrepareBinaryOperands(const Graph& g, const Operator& o, PreparedOp& p) {
  const std::string& label = p.label;
  if (o.inputs.size() != 2) Fail(label, "expected two inputs");
  for (int i = 0; i < 2; ++i) {
    const char* role = i == 0 ? "input 0" : "input 1";
    const Tensor& t = Operand(g, label, o, i, role);
    RequireType(label, t, DType::kInt8, role);
    RequireRank(label, t, 0, 4, role);
    ops::Operand op;
    op.tensor = o.inputs[i];
    op.shape = AsNHWC(t.shape);
    const Shape4& s = op.shape;
    const Shape4& os = p.out_shape;
    if (s.n != 1 || (s.h != os.h && s.h != 1) || (s.w != os.w && s.w != 1) ||
        (s.c != os.c && s.c != 1))
      Fail(label, std::string(role) + " tensor '" + t.name + "' of shape " + ShapeStr(t.shape) +
                      " does not broadcast to the output's shape");
    if (t.is_const) {
      RequireConst(label, t, role);
      op.const_data = t.data.data();
    } else {
      op.view = static_cast<int>(p.inputs.size());
      p.inputs.push_back(o.inputs[i]);
    }
    p.operands.push_back(op);
  }
  if (!p.inputs.empty()) p.in_shape = AsNHWC(g.tensors[p.inputs[0]].shape);
}

void PrepareAdd(const Graph& g, const Operator& o, PreparedOp& p) {
  const std::string& label = p.label;
  const Tensor& y = OutputTensor(g, label, o);
  RequireType(label, y, DType::kInt8, "output");
  p.out_shape = Nhwc(label, y, "output");
  PrepareBinaryOperands(g, o, p);
  const Tensor& a = g.tensors[o.inputs[0]];
  const Tensor& b = g.tensors[o.inputs[1]];
  const float sa = Scale(label, a, "input 0"), sb = Scale(label, b, "input 1");
  const float sy = Scale(label, y, "output");
  ts_add_params& q = p.add;
  q.input1_offset = -ZeroPoint(label, a, "input 0");
  q.input2_offset = -ZeroPoint(label, b, "input 1");
  q.output_offset = ZeroPoint(label, y, "output");
  q.left_shift = 20;
  const double twice_max = 2 * static_cast<double>(std::max(sa, sb));
  const double r1 = static_cast<double>(sa) / twice_max;
  const double r2 = static_cast<double>(sb) / twice_max;
  const double ro = twice_max / ((1 << q.left_shift) * static_cast<double>(sy));
  Multiplier(label, r1, &q.input1_multiplier, &q.input1_shift, "input 0");
  Multiplier(label, r2, &q.input2_multiplier, &q.input2_shift, "input 1");
  Multiplier(label, ro, &q.output_multiplier, &q.output_shift, "output");
  if (q.input1_shift > 0 || q.input2_shift > 0 || q.output_shift > 0)
    Fail(label, "the scales give a rescaling multiplier of 1 or more (TFLM requires < 1)");
  ActivationRange(label, o.opts<AddOptions>().activation, y, &q.act_min, &q.act_max);
  p.kind = Kind::kElementwise;
  p.impl = Impl::kAdd;
}

void PrepareMul(const Graph& g, const Operator& o, PreparedOp& p) {
  const std::string& label = p.label;
  const Tensor& y = OutputTensor(g, label, o);
  RequireType(label, y, DType::kInt8, "output");
  p.out_shape = Nhwc(label, y, "output");
  PrepareBinaryOperands(g, o, p);
  const Tensor& a = g.tensors[o.inputs[0]];
  const Tensor& b = g.tensors[o.inputs[1]];
  ts_mul_params& q = p.mul;
  q.input1_offset = -ZeroPoint(label, a, "input 0");
  q.input2_offset = -ZeroPoint(label, b, "input 1");
  q.output_offset = ZeroPoint(label, y, "output");
  Multiplier(label,
             static_cast<double>(Scale(label, a, "input 0")) *
                 static_cast<double>(Scale(label, b, "input 1")) /
                 static_cast<double>(Scale(label, y, "output")),
             &q.output_multiplier, &q.output_shift, "output");
  ActivationRange(label, o.opts<MulOptions>().activation, y, &q.act_min, &q.act_max);
  p.kind = Kind::kElementwise;
  p.impl = Impl::kMul;
}

// Unary element-wise operators: input 0 -> output, same shape.
void PrepareUnary(const Graph& g, const Operator& o, PreparedOp& p, const Tensor** x,
                  const Tensor** y) {
  const std::string& label = p.label;
  *x = &Operand(g, label, o, 0, "input");
  *y = &OutputTensor(g, label, o);
  RequireRank(label, **x, 0, 4, "input");
  if ((*x)->shape != (*y)->shape)
    Fail(label, "input shape " + ShapeStr((*x)->shape) + " differs from output shape " +
                    ShapeStr((*y)->shape));
  p.in_shape = Nhwc(label, **x, "input");
  p.inputs = {o.inputs[0]};
  p.kind = Kind::kElementwise;
  p.in_elem_bytes = ElemBytes((*x)->type);
  p.out_elem_bytes = ElemBytes((*y)->type);
}

void PrepareActivation(const Graph& g, const Operator& o, PreparedOp& p) {
  const std::string& label = p.label;
  const Tensor *x, *y;
  PrepareUnary(g, o, p, &x, &y);
  RequireType(label, *x, DType::kInt8, "input");
  RequireType(label, *y, DType::kInt8, "output");
  const float sx = Scale(label, *x, "input"), sy = Scale(label, *y, "output");
  const int32_t zx = ZeroPoint(label, *x, "input"), zy = ZeroPoint(label, *y, "output");
  switch (o.type) {
    case OpType::kRelu: {
      ts_requant_params& r = p.requant;
      r.input_zero_point = zx;
      r.output_zero_point = zy;
      Multiplier(label, static_cast<double>(sx) / static_cast<double>(sy), &r.multiplier,
                 &r.shift, "output");
      r.act_min = std::max<int32_t>(-128, zy + static_cast<int32_t>(std::round(0.0f / sy)));
      r.act_max = 127;
      p.impl = Impl::kRequantize;
      break;
    }
    case OpType::kRelu6: {
      // TFLM's int8 RELU6 clamps to [zero point, quantize(6)] in the input's quantization.
      const int32_t six = static_cast<int32_t>(std::round(6.0f / sx)) + zx;
      p.clamp_lo = static_cast<int8_t>(zx);
      p.clamp_hi = static_cast<int8_t>(std::clamp<int32_t>(six, -128, 127));
      p.impl = Impl::kClamp;
      break;
    }
    case OpType::kLogistic: {
      if (zy != -128 || sy != 1.0f / 256)
        Fail(label, "int8 LOGISTIC needs output scale 1/256 and zero point -128 (output '" +
                        y->name + "')");
      ts_logistic_params& l = p.logistic;
      const double real = static_cast<double>(sx) * static_cast<double>(1 << (31 - 4));
      int left_shift = 0;
      const double q = std::frexp(real, &left_shift);
      const double qf = std::round(q * static_cast<double>(1ll << 31));
      // TFLM casts this double to int32 directly; 2^31 (q rounding up to 1) wraps on x86.
      l.input_multiplier = qf >= 2147483648.0 ? std::numeric_limits<int32_t>::min()
                                              : static_cast<int32_t>(qf);
      l.input_left_shift = left_shift;
      if (left_shift > 30) Fail(label, "input scale too large");
      l.input_zero_point = zx;
      // CalculateInputRadius(4, left_shift, 31)
      const double max_input_rescaled = 1.0 * ((1 << 4) - 1) *
                                        static_cast<double>(1ll << (31 - 4)) /
                                        std::ldexp(1.0, left_shift);
      l.input_range_radius = static_cast<int32_t>(std::floor(max_input_rescaled));
      p.impl = Impl::kLogistic;
      break;
    }
    case OpType::kHardSwish: {
      ts_hard_swish_params& h = p.hard_swish;
      h.input_zero_point = zx;
      h.output_zero_point = zy;
      const float hires_input_scale = (1.0f / 128.0f) * sx;
      const float reluish_scale = 3.0f / 32768.0f;
      auto down16 = [](int32_t m) -> int16_t {
        constexpr int32_t kRound = 1 << 15;
        if (m >= std::numeric_limits<int32_t>::max() - kRound) return 32767;
        return static_cast<int16_t>((m + kRound) >> 16);
      };
      int32_t m32 = 0;
      int shift = 0;
      QuantizeMultiplier(static_cast<double>(hires_input_scale / sy), &m32, &shift);
      h.output_multiplier_fixedpoint_int16 = down16(m32);
      h.output_multiplier_exponent = shift;
      if (shift > 0) Fail(label, "output scale too small relative to the input's (TFLM requires it)");
      QuantizeMultiplier(static_cast<double>(hires_input_scale / reluish_scale), &m32, &shift);
      h.reluish_multiplier_fixedpoint_int16 = down16(m32);
      h.reluish_multiplier_exponent = shift;
      if (shift > 15 || shift < -15) Fail(label, "input scale out of the supported range");
      p.impl = Impl::kHardSwish;
      break;
    }
    default: Fail(label, "not an activation");
  }
}

void PrepareQuantize(const Graph& g, const Operator& o, PreparedOp& p) {
  const std::string& label = p.label;
  const Tensor *x, *y;
  PrepareUnary(g, o, p, &x, &y);
  RequireType(label, *y, DType::kInt8, "output");
  const float sy = Scale(label, *y, "output");
  const int32_t zy = ZeroPoint(label, *y, "output");
  if (x->type == DType::kFloat32) {
    p.quant_scale = static_cast<double>(sy);
    p.quant_zero_point = zy;
    p.impl = Impl::kQuantizeF32;
  } else if (x->type == DType::kInt8) {
    ts_requant_params& r = p.requant;
    r.input_zero_point = ZeroPoint(label, *x, "input");
    r.output_zero_point = zy;
    Multiplier(label, static_cast<double>(Scale(label, *x, "input")) / static_cast<double>(sy),
               &r.multiplier, &r.shift, "requantization");
    r.act_min = -128;
    r.act_max = 127;
    p.impl = Impl::kRequantize;
  } else {
    Fail(label, std::string("QUANTIZE from ") + DTypeName(x->type) +
                    " is not supported (float32 or int8 to int8 only)");
  }
}

void PrepareDequantize(const Graph& g, const Operator& o, PreparedOp& p) {
  const std::string& label = p.label;
  const Tensor *x, *y;
  PrepareUnary(g, o, p, &x, &y);
  RequireType(label, *x, DType::kInt8, "input");
  RequireType(label, *y, DType::kFloat32, "output");
  p.quant_scale = static_cast<double>(Scale(label, *x, "input"));
  p.quant_zero_point = ZeroPoint(label, *x, "input");
  p.impl = Impl::kDequantize;
}

void PreparePad(const Graph& g, const Operator& o, PreparedOp& p) {
  const std::string& label = p.label;
  const Tensor& x = Operand(g, label, o, 0, "input");
  const Tensor& y = OutputTensor(g, label, o);
  if (x.type != y.type) Fail(label, "input and output types differ");
  if (x.type != DType::kInt8 && x.type != DType::kFloat32)
    Fail(label, std::string("PAD of ") + DTypeName(x.type) + " is not supported");
  if (o.inputs.size() > 2 && o.inputs[2] != kNoTensor)
    Fail(label, "a constant_values operand is not supported");
  const PadAmounts pa = ReadPaddings(g, p.op);
  const Shape4 xs = Nhwc(label, x, "input"), ys = Nhwc(label, y, "output");
  if (ys.h != xs.h + pa.top + pa.bottom || ys.w != xs.w + pa.left + pa.right ||
      ys.c != xs.c + pa.c_before + pa.c_after)
    Fail(label, "output '" + y.name + "' has shape " + ShapeStr(y.shape) +
                    ", which the input and paddings do not give");
  ts_pad_params& q = p.pad;
  q.in_h = xs.h;
  q.in_w = xs.w;
  q.in_c = xs.c;
  q.out_h = ys.h;
  q.out_w = ys.w;
  q.out_c = ys.c;
  q.pad_top = pa.top;
  q.pad_left = pa.left;
  q.pad_c = pa.c_before;
  q.elem_bytes = ElemBytes(x.type);
  // TFLM pads quantized tensors with the output zero point, floats with 0.
  q.pad_value = x.type == DType::kInt8 ? static_cast<int8_t>(ZeroPoint(label, y, "output")) : 0;
  p.in_shape = xs;
  p.inputs = {o.inputs[0]};
  p.in_elem_bytes = p.out_elem_bytes = q.elem_bytes;
  p.kind = Kind::kSpatial;
  p.impl = Impl::kPad;
}

void PrepareResize(const Graph& g, const Operator& o, PreparedOp& p) {
  const std::string& label = p.label;
  const Tensor& x = Operand(g, label, o, 0, "input");
  const Tensor& y = OutputTensor(g, label, o);
  if (x.type != y.type) Fail(label, "input and output types differ");
  RequireRank(label, x, 4, 4, "input");
  RequireRank(label, y, 4, 4, "output");
  const Shape4 xs = Nhwc(label, x, "input"), ys = Nhwc(label, y, "output");
  if (xs.c != ys.c) Fail(label, "input and output channel counts differ");
  if (x.type == DType::kInt8 &&
      (Scale(label, x, "input") != Scale(label, y, "output") ||
       ZeroPoint(label, x, "input") != ZeroPoint(label, y, "output")))
    Fail(label, "input and output quantization differ (TFLM copies bytes)");
  const auto& opt = o.opts<ResizeNearestNeighborOptions>();
  ts_resize_params& r = p.resize;
  r.in_h = xs.h;
  r.in_w = xs.w;
  r.channels = xs.c;
  r.out_h = ys.h;
  r.out_w = ys.w;
  r.align_corners = opt.align_corners ? 1 : 0;
  r.half_pixel_centers = opt.half_pixel_centers ? 1 : 0;
  r.elem_bytes = ElemBytes(x.type);
  p.in_shape = xs;
  p.inputs = {o.inputs[0]};
  p.in_elem_bytes = p.out_elem_bytes = r.elem_bytes;
  p.kind = Kind::kSpatial;
  p.impl = Impl::kResize;
}

void PrepareSoftmax(const Graph& g, const Operator& o, PreparedOp& p) {
  const std::string& label = p.label;
  const Tensor& x = Operand(g, label, o, 0, "input");
  const Tensor& y = OutputTensor(g, label, o);
  RequireType(label, x, DType::kInt8, "input");
  RequireType(label, y, DType::kInt8, "output");
  RequireRank(label, x, 1, TS_MAX_DIMS, "input");
  if (x.shape != y.shape) Fail(label, "input and output shapes differ");
  if (ZeroPoint(label, y, "output") != -128 || Scale(label, y, "output") != 1.0f / 256)
    Fail(label, "int8 SOFTMAX needs output scale 1/256 and zero point -128 (output '" + y.name +
                    "')");
  const double beta = o.opts<SoftmaxOptions>().beta;
  const double in_scale = Scale(label, x, "input");
  // PreprocessSoftmaxScaling(beta, input_scale, 5): Q5.26 input.
  const double real = std::min<double>(beta * in_scale * static_cast<double>(1 << (31 - 5)),
                                       static_cast<double>((1ll << 31) - 1));
  if (!(real > 1.0))
    Fail(label, "beta * input scale is too small for TFLM's int8 softmax (needs > 2^-26)");
  int32_t m;
  int shift;
  QuantizeMultiplier(real, &m, &shift);
  ts_softmax_params& s = p.softmax;
  s.input_multiplier = m;
  s.input_left_shift = shift;
  // CalculateInputRadius(5, shift, 31)
  const double max_input_rescaled =
      1.0 * ((1 << 5) - 1) * static_cast<double>(1ll << (31 - 5)) / std::ldexp(1.0, shift);
  s.diff_min = -static_cast<int32_t>(std::floor(max_input_rescaled));
  p.softmax_depth = x.shape.back();
  p.softmax_rows = static_cast<int32_t>(x.num_elements() / p.softmax_depth);
  p.inputs = {o.inputs[0]};
  p.in_shape = AsNHWC(x.shape);
  p.kind = Kind::kWhole;
  p.impl = Impl::kSoftmax;
}

void PrepareMean(const Graph& g, const Operator& o, PreparedOp& p) {
  const std::string& label = p.label;
  const Tensor& x = Operand(g, label, o, 0, "input");
  const Tensor& ax = Operand(g, label, o, 1, "axes");
  const Tensor& y = OutputTensor(g, label, o);
  RequireType(label, x, DType::kInt8, "input");
  RequireType(label, y, DType::kInt8, "output");
  RequireRank(label, x, 1, TS_MAX_DIMS, "input");
  const int rank = static_cast<int>(x.shape.size());
  ts_mean_params& m = p.mean;
  m.rank = rank;
  int64_t kept = 1;
  for (int i = 0; i < rank; ++i) m.dims[i] = x.shape[i];
  for (int64_t a : ConstInts(label, ax, "axes")) {
    const int64_t r = a < 0 ? a + rank : a;
    if (r < 0 || r >= rank)
      Fail(label, "axis " + std::to_string(a) + " is out of range for input '" + x.name +
                      "' of rank " + std::to_string(rank));
    m.reduce[r] = 1;
  }
  for (int i = 0; i < rank; ++i)
    if (!m.reduce[i]) kept *= m.dims[i];
  if (y.num_elements() != kept)
    Fail(label, "output '" + y.name + "' has " + std::to_string(y.num_elements()) +
                    " elements, the reduction gives " + std::to_string(kept));
  const float sx = Scale(label, x, "input"), sy = Scale(label, y, "output");
  m.input_zero_point = ZeroPoint(label, x, "input");
  m.output_zero_point = ZeroPoint(label, y, "output");
  // TFLM's EvalIntegerMean always takes the requantizing path (QuantizedMeanOrSum), even
  // when input and output share quantization.
  m.requantize = 1;
  int32_t s = 0;
  Multiplier(label, static_cast<double>(sx) / static_cast<double>(sy), &m.multiplier, &s,
             "output");
  m.shift = s;
  p.inputs = {o.inputs[0]};
  p.in_shape = AsNHWC(x.shape);
  p.kind = Kind::kWhole;
  p.impl = Impl::kMean;
}

void PrepareReshape(const Graph& g, const Operator& o, PreparedOp& p) {
  const std::string& label = p.label;
  const Tensor& x = Operand(g, label, o, 0, "input");
  const Tensor& y = OutputTensor(g, label, o);
  if (x.type != y.type) Fail(label, "input and output types differ");
  if (x.num_elements() != y.num_elements())
    Fail(label, "input '" + x.name + "' has " + std::to_string(x.num_elements()) +
                    " elements, output '" + y.name + "' has " + std::to_string(y.num_elements()));
  p.copy_bytes = x.num_bytes();
  p.inputs = {o.inputs[0]};
  p.in_shape = AsNHWC(x.shape);
  p.in_elem_bytes = p.out_elem_bytes = ElemBytes(x.type);
  p.kind = Kind::kWhole;
  p.impl = Impl::kCopy;
}

void PrepareTranspose(const Graph& g, const Operator& o, PreparedOp& p) {
  const std::string& label = p.label;
  const Tensor& x = Operand(g, label, o, 0, "input");
  const Tensor& pt = Operand(g, label, o, 1, "perm");
  const Tensor& y = OutputTensor(g, label, o);
  if (x.type != y.type) Fail(label, "input and output types differ");
  if (x.type != DType::kInt8 && x.type != DType::kFloat32)
    Fail(label, std::string("TRANSPOSE of ") + DTypeName(x.type) + " is not supported");
  RequireRank(label, x, 1, TS_MAX_DIMS, "input");
  const int rank = static_cast<int>(x.shape.size());
  const std::vector<int64_t> perm = ConstInts(label, pt, "perm");
  if (static_cast<int>(perm.size()) != rank)
    Fail(label, "perm tensor '" + pt.name + "' has " + std::to_string(perm.size()) +
                    " entries, the input has rank " + std::to_string(rank));
  ts_transpose_params& t = p.transpose;
  t.rank = rank;
  t.elem_bytes = ElemBytes(x.type);
  std::vector<bool> seen(rank, false);
  std::vector<int32_t> out_shape(rank);
  for (int i = 0; i < rank; ++i) {
    const int64_t v = perm[i] < 0 ? perm[i] + rank : perm[i];
    if (v < 0 || v >= rank || seen[v])
      Fail(label, "perm tensor '" + pt.name + "' is not a permutation of 0.." +
                      std::to_string(rank - 1));
    seen[v] = true;
    t.perm[i] = static_cast<int32_t>(v);
    t.in_dims[i] = x.shape[i];
  }
  for (int i = 0; i < rank; ++i) out_shape[i] = x.shape[t.perm[i]];
  if (out_shape != y.shape)
    Fail(label, "output '" + y.name + "' has shape " + ShapeStr(y.shape) +
                    ", the permutation gives " + ShapeStr(out_shape));
  p.inputs = {o.inputs[0]};
  p.in_shape = AsNHWC(x.shape);
  p.in_elem_bytes = p.out_elem_bytes = t.elem_bytes;
  // Rank <= 4 with batch 1 on both sides: any output window reads a rectangle of the input
  // (ts_transpose_input_window), so the operator runs over windows like a spatial one.
  p.kind = ts_transpose_windowable(&t) ? Kind::kSpatial : Kind::kWhole;
  p.impl = Impl::kTranspose;
}

void PrepareConcat(const Graph& g, const Operator& o, PreparedOp& p) {
  const std::string& label = p.label;
  const Tensor& y = OutputTensor(g, label, o);
  RequireRank(label, y, 1, TS_MAX_DIMS, "output");
  const int rank = static_cast<int>(y.shape.size());
  const auto& opt = o.opts<ConcatenationOptions>();
  const int axis = opt.axis < 0 ? opt.axis + rank : opt.axis;
  if (axis < 0 || axis >= rank)
    Fail(label, "axis " + std::to_string(opt.axis) + " is out of range for rank " +
                    std::to_string(rank));
  if (opt.activation != Activation::kNone)
    Fail(label, "a fused activation on CONCATENATION is not supported");
  if (o.inputs.empty()) Fail(label, "no inputs");
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= y.shape[i];
  for (int i = axis + 1; i < rank; ++i) inner *= y.shape[i];
  int64_t axis_total = 0;
  for (size_t i = 0; i < o.inputs.size(); ++i) {
    const std::string role = "input " + std::to_string(i);
    const Tensor& t = Operand(g, label, o, static_cast<int>(i), role.c_str());
    if (t.type != y.type) Fail(label, role + " type differs from the output's");
    if (t.shape.size() != y.shape.size())
      Fail(label, role + " '" + t.name + "' has rank " + std::to_string(t.shape.size()) +
                      ", the output " + std::to_string(rank));
    for (int d = 0; d < rank; ++d)
      if (d != axis && t.shape[d] != y.shape[d])
        Fail(label, role + " '" + t.name + "' has shape " + ShapeStr(t.shape) +
                        ", incompatible with output " + ShapeStr(y.shape));
    // TFLM's int8 concatenation copies bytes; it does not rescale inputs whose
    // quantization differs from the output's.
    ops::Operand op;
    op.tensor = o.inputs[i];
    op.shape = AsNHWC(t.shape);
    if (t.is_const) {
      RequireConst(label, t, role.c_str());
      op.const_data = t.data.data();
    } else {
      op.view = static_cast<int>(p.inputs.size());
      p.inputs.push_back(o.inputs[i]);
    }
    p.operands.push_back(op);
    p.concat_axis_sizes.push_back(t.shape[axis]);
    axis_total += t.shape[axis];
  }
  if (axis_total != y.shape[axis])
    Fail(label, "the inputs' sizes along axis " + std::to_string(axis) + " add up to " +
                    std::to_string(axis_total) + ", the output has " +
                    std::to_string(y.shape[axis]));
  p.concat_outer = static_cast<int32_t>(outer);
  p.concat_inner_bytes = static_cast<int32_t>(inner * ElemBytes(y.type));
  if (!p.inputs.empty()) p.in_shape = AsNHWC(g.tensors[p.inputs[0]].shape);
  p.in_elem_bytes = p.out_elem_bytes = ElemBytes(y.type);
  p.kind = Kind::kWhole;
  p.impl = Impl::kConcat;
}

// ---------------------------------------------------------------------------------------

Window FullOf(const Shape4& s) { return Window{0, s.h, 0, s.w}; }

ts_cbuf CBuf(const ConstView& v) {
  return ts_cbuf{reinterpret_cast<const int8_t*>(v.data), v.window.y0, v.window.x0, v.window.h(),
                 v.window.w()};
}
ts_buf Buf(const MutView& v) {
  return ts_buf{reinterpret_cast<int8_t*>(v.data), v.window.y0, v.window.x0, v.window.h(),
                v.window.w()};
}
ts_window KWin(const Window& w) { return ts_window{w.y0, w.y1, w.x0, w.x1}; }

void Clip(int32_t lo, int32_t hi, int32_t size, int32_t* a, int32_t* b) {
  lo = std::max(lo, 0);
  hi = std::min(hi, size);
  if (hi < lo) hi = lo;
  *a = lo;
  *b = hi;
}

// Input rows [*a, *b) that output rows [o0, o1) of a convolution read: output row o reads rows
// o*stride - pad + k*dilation (k < filter) inside [0, size). With dilation > 1 the taps can
// step over the whole input (every tap of a row in the padding), so the span is the union of
// each output row's in-bounds taps, not the clipped bounding box. Empty when nothing is read.
void ConvSpan(int32_t o0, int32_t o1, int32_t stride, int32_t pad, int32_t filter, int32_t dilation,
              int32_t size, int32_t* a, int32_t* b) {
  if (dilation <= 1) {
    Clip(o0 * stride - pad, (o1 - 1) * stride - pad + (filter - 1) * dilation + 1, size, a, b);
    return;
  }
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (int64_t o = o0; o < o1; ++o) {
    const int64_t base = o * stride - pad;
    const int64_t k0 = base >= 0 ? 0 : (-base + dilation - 1) / dilation;
    const int64_t k1 = base > size - 1 ? -1 : std::min<int64_t>(filter - 1, (size - 1 - base) / dilation);
    if (k0 > k1) continue;
    lo = std::min(lo, base + k0 * dilation);
    hi = std::max(hi, base + k1 * dilation + 1);
  }
  if (lo >= hi) lo = hi = 0;
  *a = static_cast<int32_t>(lo);
  *b = static_cast<int32_t>(hi);
}

}  // namespace

bool ConstantChannelBias(int32_t bias, int32_t multiplier, int32_t shift, int32_t output_offset,
                         int32_t act_min, int32_t act_max, int32_t* canonical_bias) {
  if (output_offset < -128 || output_offset > 127 || act_min < -128 || act_max > 127 ||
      act_min > act_max || shift < -31 || shift > 31)
    return false;
  const int64_t r =
      static_cast<int64_t>(ts_multiply_by_quantized_multiplier(bias, multiplier, shift)) + output_offset;
  if (r < std::numeric_limits<int32_t>::min() || r > std::numeric_limits<int32_t>::max()) return false;
  const int64_t v = std::clamp<int64_t>(r, act_min, act_max);
  *canonical_bias = static_cast<int32_t>(2 * (v - output_offset));
  return true;
}

void QuantizeMultiplier(double real, int32_t* multiplier, int* shift) {
  if (real == 0.0) {
    *multiplier = 0;
    *shift = 0;
    return;
  }
  const double q = std::frexp(real, shift);
  int64_t q_fixed = static_cast<int64_t>(std::round(q * static_cast<double>(1ll << 31)));
  if (q_fixed == (1ll << 31)) {
    q_fixed /= 2;
    ++*shift;
  }
  if (*shift < -31) {
    *shift = 0;
    q_fixed = 0;
  }
  *multiplier = static_cast<int32_t>(q_fixed);
}

bool CanFusePad(const Graph& g, int pad_op, int op, std::string* why) {
  auto no = [&](const std::string& m) {
    if (why) *why = m;
    return false;
  };
  if (pad_op < 0 || pad_op >= static_cast<int>(g.ops.size()) || op < 0 ||
      op >= static_cast<int>(g.ops.size()))
    return no("operator index out of range");
  const Operator& pad = g.ops[pad_op];
  const Operator& o = g.ops[op];
  if (pad.type != OpType::kPad) return no(OpLabel(g, pad_op) + " is not a PAD");
  if (o.type != OpType::kConv2D && o.type != OpType::kDepthwiseConv2D)
    return no(OpLabel(g, op) + ": only CONV_2D and DEPTHWISE_CONV_2D can absorb a PAD (a pool's "
                             "result depends on how many padded elements it counts)");
  if (pad.outputs.size() != 1 || o.inputs.empty() || o.inputs[0] != pad.outputs[0])
    return no(OpLabel(g, op) + ": its input 0 is not the output of " + OpLabel(g, pad_op));
  if (pad.inputs.size() > 2 && pad.inputs[2] != kNoTensor)
    return no(OpLabel(g, pad_op) + " has a constant_values operand");
  try {
    const PadAmounts pa = ReadPaddings(g, pad_op);
    if (pa.c_before != 0 || pa.c_after != 0)
      return no(OpLabel(g, pad_op) + " pads the channel axis");
    const Tensor& x = g.tensors.at(pad.inputs.at(0));
    if (x.type != DType::kInt8 || x.shape.size() != 4)
      return no(OpLabel(g, pad_op) + ": input is not a rank-4 int8 tensor");
  } catch (const Error& e) {
    return no(e.what());
  }
  // The PAD's fill value is its output's zero point, which is the convolution's input zero
  // point: padded taps contribute (zp - zp) * w = 0, exactly what an implicit pad does.
  return true;
}

PreparedOp PrepareOp(const Graph& g, int op_index, int fused_pad_op) {
  if (op_index < 0 || op_index >= static_cast<int>(g.ops.size()))
    throw Error("operator index " + std::to_string(op_index) + " is out of range (the graph has " +
                std::to_string(g.ops.size()) + " operators)");
  const Operator& o = g.ops[op_index];
  PreparedOp p;
  p.op = op_index;
  p.type = o.type;
  p.label = OpLabel(g, op_index);
  if (fused_pad_op >= 0) {
    std::string why;
    if (!CanFusePad(g, fused_pad_op, op_index, &why))
      Fail(p.label, "cannot fuse PAD: " + why);
    p.fused_pad = fused_pad_op;
  }
  const Tensor& y = OutputTensor(g, p.label, o);
  p.output = o.outputs[0];
  p.out_shape = AsNHWC(y.shape);
  p.out_elem_bytes = ElemBytes(y.type);
  try {
    switch (o.type) {
      case OpType::kConv2D:
      case OpType::kDepthwiseConv2D: PrepareConvLike(g, o, p, fused_pad_op); break;
      case OpType::kFullyConnected: PrepareFullyConnected(g, o, p); break;
      case OpType::kAdd: PrepareAdd(g, o, p); break;
      case OpType::kMul: PrepareMul(g, o, p); break;
      case OpType::kAveragePool2D:
      case OpType::kMaxPool2D: PreparePool(g, o, p); break;
      case OpType::kMean: PrepareMean(g, o, p); break;
      case OpType::kPad: PreparePad(g, o, p); break;
      case OpType::kReshape: PrepareReshape(g, o, p); break;
      case OpType::kSoftmax: PrepareSoftmax(g, o, p); break;
      case OpType::kLogistic:
      case OpType::kHardSwish:
      case OpType::kRelu:
      case OpType::kRelu6: PrepareActivation(g, o, p); break;
      case OpType::kConcatenation: PrepareConcat(g, o, p); break;
      case OpType::kTranspose: PrepareTranspose(g, o, p); break;
      case OpType::kResizeNearestNeighbor: PrepareResize(g, o, p); break;
      case OpType::kQuantize: PrepareQuantize(g, o, p); break;
      case OpType::kDequantize: PrepareDequantize(g, o, p); break;
    }
  } catch (const std::bad_variant_access&) {
    Fail(p.label, "its options are missing or of the wrong kind");
  }
  if (p.kind != Kind::kWhole && y.shape.size() > 4)
    Fail(p.label, "output of rank " + std::to_string(y.shape.size()) + " is not supported");
  return p;
}

int64_t ScratchBytes(const PreparedOp& p) {
  switch (p.impl) {
    case Impl::kConv:
    case Impl::kDepthwise: return p.conv.out_c;
    case Impl::kAvgPool:
    case Impl::kMaxPool: return p.pool.channels;
    case Impl::kPad: return static_cast<int64_t>(p.pad.out_c) * p.pad.elem_bytes;
    case Impl::kResize: return static_cast<int64_t>(p.resize.channels) * p.resize.elem_bytes;
    case Impl::kFullyConnected: return p.fc.out_depth;
    case Impl::kSoftmax: return p.softmax_depth;
    case Impl::kMean: return static_cast<int64_t>(ts_mean_s8_scratch_bytes(&p.mean));
    default: return 0;
  }
}

Window OutputWindow(const PreparedOp& p) { return FullOf(p.out_shape); }

Window RequiredInputWindow(const PreparedOp& p, int input, Window win) {
  if (input < 0 || input >= static_cast<int>(p.inputs.size()))
    Fail(p.label, "input " + std::to_string(input) + " is out of range");
  Window r;
  switch (p.impl) {
    case Impl::kConv:
    case Impl::kDepthwise: {
      const ts_conv_params& c = p.conv;
      ConvSpan(win.y0, win.y1, c.stride_h, c.pad_top, c.filter_h, c.dilation_h, c.in_h, &r.y0, &r.y1);
      ConvSpan(win.x0, win.x1, c.stride_w, c.pad_left, c.filter_w, c.dilation_w, c.in_w, &r.x0, &r.x1);
      return r;
    }
    case Impl::kAvgPool:
    case Impl::kMaxPool: {
      const ts_pool_params& q = p.pool;
      Clip(win.y0 * q.stride_h - q.pad_top, (win.y1 - 1) * q.stride_h - q.pad_top + q.filter_h,
           q.in_h, &r.y0, &r.y1);
      Clip(win.x0 * q.stride_w - q.pad_left, (win.x1 - 1) * q.stride_w - q.pad_left + q.filter_w,
           q.in_w, &r.x0, &r.x1);
      return r;
    }
    case Impl::kPad:
      Clip(win.y0 - p.pad.pad_top, win.y1 - p.pad.pad_top, p.pad.in_h, &r.y0, &r.y1);
      Clip(win.x0 - p.pad.pad_left, win.x1 - p.pad.pad_left, p.pad.in_w, &r.x0, &r.x1);
      return r;
    case Impl::kResize: {
      const ts_resize_params& q = p.resize;
      if (win.empty()) return Window{};
      r.y0 = ts_resize_nearest_source(win.y0, q.in_h, q.out_h, q.align_corners, q.half_pixel_centers);
      r.y1 = ts_resize_nearest_source(win.y1 - 1, q.in_h, q.out_h, q.align_corners,
                                      q.half_pixel_centers) + 1;
      r.x0 = ts_resize_nearest_source(win.x0, q.in_w, q.out_w, q.align_corners, q.half_pixel_centers);
      r.x1 = ts_resize_nearest_source(win.x1 - 1, q.in_w, q.out_w, q.align_corners,
                                      q.half_pixel_centers) + 1;
      return r;
    }
    case Impl::kTranspose: {
      if (p.kind != Kind::kSpatial) break;
      const ts_window k = ts_transpose_input_window(&p.transpose, KWin(win));
      r = Window{k.y0, k.y1, k.x0, k.x1};
      if (r.empty()) return Window{};
      return r;
    }
    default: break;
  }
  if (p.kind == Kind::kElementwise) {
    Shape4 s = p.in_shape;
    if (p.impl == Impl::kAdd || p.impl == Impl::kMul) {
      for (const auto& op : p.operands)
        if (op.view == input) s = op.shape;
    }
    r.y0 = s.h == 1 ? 0 : win.y0;
    r.y1 = s.h == 1 ? 1 : win.y1;
    r.x0 = s.w == 1 ? 0 : win.x0;
    r.x1 = s.w == 1 ? 1 : win.x1;
    return r;
  }
  // Whole-tensor operators read all of every input.
  Shape4 s = p.in_shape;
  for (const auto& op : p.operands)
    if (op.view == input) s = op.shape;
  return FullOf(s);
}

namespace {

void CheckView(const PreparedOp& p, const char* what, int i, const Window& held,
               const Window& need, const void* data) {
  if (!data) Fail(p.label, std::string(what) + " " + std::to_string(i) + " has no data");
  if (!need.empty() && !held.contains(need))
    Fail(p.label, std::string(what) + " " + std::to_string(i) + " holds " + WinStr(held) +
                      " but " + WinStr(need) + " is needed");
}

ts_operand MakeOperand(const PreparedOp& p, const ops::Operand& op,
                       const std::vector<ConstView>& inputs) {
  const Shape4& s = op.shape;
  const Shape4& o = p.out_shape;
  ts_operand r{};
  Window held = FullOf(s);
  if (op.view >= 0) {
    r.data = reinterpret_cast<const int8_t*>(inputs[op.view].data);
    held = inputs[op.view].window;
  } else {
    r.data = reinterpret_cast<const int8_t*>(op.const_data);
  }
  r.y0 = held.y0;
  r.x0 = held.x0;
  r.sc = (s.c == o.c) ? 1 : 0;
  r.sx = (s.w == o.w) ? s.c : 0;
  r.sy = (s.h == o.h) ? held.w() * s.c : 0;
  return r;
}

}  // namespace

void RunOp(const PreparedOp& p, const std::vector<ConstView>& inputs,
           const std::vector<MutView>& outputs, Window win, uint8_t* scratch) {
  if (inputs.size() != p.inputs.size())
    Fail(p.label, "got " + std::to_string(inputs.size()) + " input buffers, expected " +
                      std::to_string(p.inputs.size()));
  if (outputs.size() != 1)
    Fail(p.label, "got " + std::to_string(outputs.size()) + " output buffers, expected 1");
  const Window full = OutputWindow(p);
  if (win.empty()) return;
  if (!full.contains(win))
    Fail(p.label, "output window " + WinStr(win) + " is outside the output " + WinStr(full));
  if (p.kind == Kind::kWhole && win != full)
    Fail(p.label, "runs only over its whole output " + WinStr(full) + ", not " + WinStr(win));
  CheckView(p, "output buffer", 0, outputs[0].window, win, outputs[0].data);
  for (size_t i = 0; i < inputs.size(); ++i)
    CheckView(p, "input buffer", static_cast<int>(i), inputs[i].window,
              RequiredInputWindow(p, static_cast<int>(i), win), inputs[i].data);
  if (p.kind == Kind::kWhole) {
    for (size_t i = 0; i < inputs.size(); ++i)
      if (inputs[i].window != RequiredInputWindow(p, static_cast<int>(i), win))
        Fail(p.label, "input buffer " + std::to_string(i) + " must hold the whole tensor");
    if (outputs[0].window != full) Fail(p.label, "the output buffer must hold the whole tensor");
  }
  int8_t* sc = reinterpret_cast<int8_t*>(scratch);
  const ts_window kw = KWin(win);
  const ts_buf out = Buf(outputs[0]);
  const int32_t channels = p.out_shape.c;
  switch (p.impl) {
    case Impl::kConv:
    case Impl::kDepthwise: {
      ts_conv_params c = p.conv;
      c.output_multiplier = p.multipliers.data();
      c.output_shift = p.shifts.data();
      const int32_t* bias = p.bias.empty() ? nullptr : p.bias.data();
      if (p.impl == Impl::kConv)
        ts_conv2d_s8(&c, CBuf(inputs[0]), p.filter, bias, out, kw, sc);
      else
        ts_depthwise_conv2d_s8(&c, CBuf(inputs[0]), p.filter, bias, out, kw, sc);
      return;
    }
    case Impl::kAvgPool: ts_avg_pool2d_s8(&p.pool, CBuf(inputs[0]), out, kw, sc); return;
    case Impl::kMaxPool: ts_max_pool2d_s8(&p.pool, CBuf(inputs[0]), out, kw, sc); return;
    case Impl::kPad: ts_pad(&p.pad, CBuf(inputs[0]), out, kw, sc); return;
    case Impl::kResize: ts_resize_nearest(&p.resize, CBuf(inputs[0]), out, kw, sc); return;
    case Impl::kAdd:
      ts_add_s8(&p.add, MakeOperand(p, p.operands[0], inputs), MakeOperand(p, p.operands[1], inputs),
                out, channels, kw);
      return;
    case Impl::kMul:
      ts_mul_s8(&p.mul, MakeOperand(p, p.operands[0], inputs), MakeOperand(p, p.operands[1], inputs),
                out, channels, kw);
      return;
    case Impl::kRequantize: ts_requantize_s8(&p.requant, CBuf(inputs[0]), out, channels, kw); return;
    case Impl::kClamp: ts_clamp_s8(p.clamp_lo, p.clamp_hi, CBuf(inputs[0]), out, channels, kw); return;
    case Impl::kLogistic: ts_logistic_s8(&p.logistic, CBuf(inputs[0]), out, channels, kw); return;
    case Impl::kHardSwish: ts_hard_swish_s8(&p.hard_swish, CBuf(inputs[0]), out, channels, kw); return;
    case Impl::kQuantizeF32:
      ts_quantize_f32_s8(p.quant_scale, p.quant_zero_point, CBuf(inputs[0]), out, channels, kw);
      return;
    case Impl::kDequantize:
      ts_dequantize_s8_f32(p.quant_scale, p.quant_zero_point, CBuf(inputs[0]), out, channels, kw);
      return;
    case Impl::kFullyConnected: {
      ts_fc_params f = p.fc;
      f.output_multiplier = p.multipliers.data();
      f.output_shift = p.shifts.data();
      ts_fully_connected_s8(&f, reinterpret_cast<const int8_t*>(inputs[0].data), p.filter,
                            p.bias.empty() ? nullptr : p.bias.data(), out.data, sc);
      return;
    }
    case Impl::kSoftmax:
      ts_softmax_s8(&p.softmax, reinterpret_cast<const int8_t*>(inputs[0].data), out.data,
                    p.softmax_rows, p.softmax_depth, sc);
      return;
    case Impl::kMean:
      ts_mean_s8(&p.mean, reinterpret_cast<const int8_t*>(inputs[0].data), out.data, sc);
      return;
    case Impl::kCopy:
      ts_copy_bytes(inputs[0].data, outputs[0].data, static_cast<size_t>(p.copy_bytes));
      return;
    case Impl::kTranspose:
      if (p.kind == Kind::kSpatial)
        ts_transpose_window(&p.transpose, CBuf(inputs[0]), out, kw);
      else
        ts_transpose(&p.transpose, inputs[0].data, outputs[0].data);
      return;
    case Impl::kConcat: {
      std::vector<const void*> ptrs;
      for (const auto& op : p.operands)
        ptrs.push_back(op.view >= 0 ? static_cast<const void*>(inputs[op.view].data)
                                    : static_cast<const void*>(op.const_data));
      ts_concatenation(ptrs.data(), p.concat_axis_sizes.data(),
                       static_cast<int32_t>(ptrs.size()), p.concat_outer, p.concat_inner_bytes,
                       outputs[0].data);
      return;
    }
  }
  Fail(p.label, "no kernel");
}

}  // namespace tessera::ops
