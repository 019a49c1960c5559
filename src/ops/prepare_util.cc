// Helpers of the operator units' Prepare and Run (see prepare_util.h).
#include "ops/prepare_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace tessera::ops {

[[noreturn]] void Fail(const std::string& label, const std::string& msg) {
  throw Error(label + ": " + msg);
}

std::string WinStr(const Window& w) {
  return "rows [" + std::to_string(w.y0) + "," + std::to_string(w.y1) + ") x cols [" +
         std::to_string(w.x0) + "," + std::to_string(w.x1) + ")";
}

const Tensor& OperandTensor(const Graph& g, const std::string& label, const Operator& o, int pos,
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

int32_t ZeroPointInRange(const std::string& label, const Tensor& t, const char* role) {
  if (t.quant.zero_point.empty()) return 0;
  const int64_t z = t.quant.zero_point[0];
  int64_t lo = -128, hi = 127;
  if (t.type == DType::kUInt8) lo = 0, hi = 255;
  if (t.type == DType::kInt16) lo = -32768, hi = 32767;
  if (t.type == DType::kInt32) lo = INT32_MIN, hi = INT32_MAX;
  if (z < lo || z > hi)
    Fail(label, std::string(role) + " tensor '" + t.name + "' has zero point " + std::to_string(z) +
                    ", outside the " + DTypeName(t.type) + " range");
  return static_cast<int32_t>(z);
}

int32_t ZeroPoint(const std::string& label, const Tensor& t, const char* role) {
  if (t.quant.zero_point.empty()) return 0;
  const int64_t z = t.quant.zero_point[0];
  const bool u8 = t.type == DType::kUInt8, s16 = t.type == DType::kInt16;
  if (s16) {
    // int16 activations are symmetric (TFLite's 16x8 scheme; TFLM's int16 kernels assume it)
    if (z != 0)
      Fail(label, std::string(role) + " tensor '" + t.name + "' is int16 with zero point " + std::to_string(z) +
                      "; int16 tensors need zero point 0");
    return 0;
  }
  if (z < (u8 ? 0 : -128) || z > (u8 ? 255 : 127))
    Fail(label, std::string(role) + " tensor '" + t.name + "' has zero point " +
                    std::to_string(z) + ", outside the " + (u8 ? "uint8" : "int8") + " range");
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
  *lo = out.type == DType::kInt16 ? -32768 : -128;
  *hi = out.type == DType::kInt16 ? 32767 : 127;
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
  const Tensor& b = OperandTensor(g, label, o, pos, "bias");
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

// PAD operator's paddings mapped onto NHWC (ranks < 4 are aligned to the right).
PadAmounts ReadPaddings(const Graph& g, int pad_op) {
  const std::string label = OpLabel(g, pad_op);
  const Operator& o = g.ops[pad_op];
  const Tensor& x = OperandTensor(g, label, o, 0, "input");
  const Tensor& pt = OperandTensor(g, label, o, 1, "paddings");
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

void PrepareBinaryOperands(const Graph& g, const Operator& o, PreparedOp& p, DType type) {
  const std::string& label = p.label;
  if (o.inputs.size() != 2) Fail(label, "expected two inputs");
  for (int i = 0; i < 2; ++i) {
    const char* role = i == 0 ? "input 0" : "input 1";
    const Tensor& t = OperandTensor(g, label, o, i, role);
    RequireType(label, t, type, role);
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

void PrepareUnary(const Graph& g, const Operator& o, PreparedOp& p, const Tensor** x,
                  const Tensor** y) {
  const std::string& label = p.label;
  *x = &OperandTensor(g, label, o, 0, "input");
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

}  // namespace tessera::ops

namespace tessera::ops {

// Float arithmetic throughout, as TFLM's template with FloatT = float (built without FMA
// contraction: the host target has none, and TFLM's reference build had none either).
void GenLutInt16(float (*func)(float), float input_min, float input_max, float output_min, float output_max,
                 int16_t* lut) {
  const int nb_steps = 512;
  const float step = (input_max - input_min) / static_cast<float>(nb_steps);
  const float half_step = step / 2.0f;
  const float output_scaling_inv = 65536.0f / (output_max - output_min);
  auto clamp16 = [](float v) { return static_cast<int16_t>(std::min(std::max(v, -32768.0f), 32767.0f)); };
  for (int i = 0; i < nb_steps; ++i) {
    const float at = input_min + static_cast<float>(i) * step;
    const float val = func(at);
    const float val_midpoint = func(at + half_step);
    const float val_next = func(input_min + static_cast<float>(i + 1) * step);
    const float sample_val = std::round(val * output_scaling_inv);
    const float midpoint_interp_val = std::round((val_next * output_scaling_inv + sample_val) / 2.0f);
    const float midpoint_val = std::round(val_midpoint * output_scaling_inv);
    const float midpoint_err = midpoint_interp_val - midpoint_val;
    const float bias = std::round(midpoint_err / 2.0f);
    lut[i] = clamp16(sample_val - bias);
  }
  lut[nb_steps] = clamp16(std::round(func(input_max) * output_scaling_inv));
}

void SoftmaxInt16Tables(std::vector<int16_t>* exp_lut, std::vector<int16_t>* one_over_one_plus_x_lut) {
  exp_lut->assign(513, 0);
  one_over_one_plus_x_lut->assign(513, 0);
  GenLutInt16([](float v) { return std::exp(v); }, -10.0f, 0.0f, -1.0f, 1.0f, exp_lut->data());
  GenLutInt16([](float v) { return 1.0f / (1.0f + v); }, 0.0f, 1.0f, -1.0f, 1.0f, one_over_one_plus_x_lut->data());
}

}  // namespace tessera::ops
