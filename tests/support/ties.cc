#include "support/ties.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tessera::test {

const char* TieName(Tie t) {
  switch (t) {
    case Tie::kNone: return "none";
    case Tie::kExact: return "exact tie";
    case Tie::kDoubleRounding: return "double-rounding tie";
    case Tie::kApproximation: return "approximation";
  }
  return "?";
}

// ---- exact requantization arithmetic (written from TFLite's documented QuantizeMultiplier) --
QMul QuantizeMultiplier(double real) {
  QMul q;
  if (real == 0.0) return q;
  int shift = 0;
  const double frac = std::frexp(real, &shift);
  int64_t m = static_cast<int64_t>(std::round(frac * (1ll << 31)));
  if (m == (1ll << 31)) {
    m /= 2;
    ++shift;
  }
  if (shift < -31) {
    shift = 0;
    m = 0;
  }
  q.m = static_cast<int32_t>(m);
  q.shift = shift;
  return q;
}

int32_t Srdhm(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  const int64_t ab = static_cast<int64_t>(a) * b;
  const int64_t nudge = ab >= 0 ? (1ll << 30) : (1 - (1ll << 30));
  return static_cast<int32_t>((ab + nudge) / (1ll << 31));
}

Tie RequantTie(int64_t acc, QMul q) {
  const int k = 31 - q.shift;  // value = N / 2^k
  __int128 n = static_cast<__int128>(acc) * q.m;
  if (n < 0) n = -n;
  if (k >= 1 && k < 120) {
    const __int128 mask = (static_cast<__int128>(1) << k) - 1;
    if ((n & mask) == (static_cast<__int128>(1) << (k - 1))) return Tie::kExact;
  }
  const int left = q.shift > 0 ? q.shift : 0;
  const int right = q.shift > 0 ? 0 : -q.shift;
  if (right > 0 && acc >= INT32_MIN && acc <= INT32_MAX) {
    const int32_t x = static_cast<int32_t>(static_cast<uint32_t>(static_cast<int32_t>(acc)) << left);
    int64_t r1 = Srdhm(x, q.m);
    if (r1 < 0) r1 = -r1;
    const int64_t mask = (1ll << right) - 1;
    if ((r1 & mask) == (1ll << (right - 1))) return Tie::kDoubleRounding;
  }
  return Tie::kNone;
}

std::vector<std::vector<uint8_t>> OperandBytes(const Graph& g, int op,
                                               const std::map<int, std::vector<uint8_t>>& activations) {
  std::vector<std::vector<uint8_t>> r;
  for (int t : g.ops[static_cast<size_t>(op)].inputs) {
    if (t == kNoTensor) {
      r.emplace_back();
    } else if (g.tensors[static_cast<size_t>(t)].is_const) {
      r.push_back(g.tensors[static_cast<size_t>(t)].data);
    } else {
      auto it = activations.find(t);
      if (it == activations.end())
        throw std::runtime_error("OperandBytes: no bytes for activation tensor '" +
                                 g.tensors[static_cast<size_t>(t)].name + "'");
      r.push_back(it->second);
    }
  }
  return r;
}

namespace {

int8_t S8(const std::vector<uint8_t>& v, int64_t i) { return static_cast<int8_t>(v[static_cast<size_t>(i)]); }

int32_t I32(const std::vector<uint8_t>& v, int64_t i) {
  uint32_t u = 0;
  for (int b = 0; b < 4; ++b) u |= static_cast<uint32_t>(v[static_cast<size_t>(i * 4 + b)]) << (8 * b);
  return static_cast<int32_t>(u);
}

double Scale(const Tensor& t, int64_t channel = 0) {
  if (t.quant.scale.empty()) return 0.0;
  return static_cast<double>(t.quant.scale[t.quant.per_channel() ? static_cast<size_t>(channel) : 0]);
}

int64_t ZeroPoint(const Tensor& t, int64_t channel = 0) {
  if (t.quant.zero_point.empty()) return 0;
  return t.quant.zero_point[t.quant.per_channel() ? static_cast<size_t>(channel) : 0];
}

// CONV_2D (grouped when the filter has fewer input channels) and DEPTHWISE_CONV_2D.
Tie ConvTie(const Graph& g, const Operator& op, const std::vector<std::vector<uint8_t>>& in,
            size_t idx) {
  const bool depthwise = op.type == OpType::kDepthwiseConv2D;
  const Tensor& x = g.tensors[static_cast<size_t>(op.inputs[0])];
  const Tensor& f = g.tensors[static_cast<size_t>(op.inputs[1])];
  const Tensor& y = g.tensors[static_cast<size_t>(op.outputs[0])];
  const Shape4 xs = AsNHWC(x.shape), ys = AsNHWC(y.shape);
  const int h = xs.h, w = xs.w, cin = xs.c, oh = ys.h, ow = ys.w, cout = ys.c;
  const int kh = f.shape[1], kw = f.shape[2];
  Padding pad;
  int sh, sw, dh, dw;
  if (depthwise) {
    const auto& o = op.opts<DepthwiseConv2DOptions>();
    pad = o.padding, sh = o.stride_h, sw = o.stride_w, dh = o.dilation_h, dw = o.dilation_w;
  } else {
    const auto& o = op.opts<Conv2DOptions>();
    pad = o.padding, sh = o.stride_h, sw = o.stride_w, dh = o.dilation_h, dw = o.dilation_w;
  }
  const int pt = ConvPaddingBefore(pad, h, kh, sh, dh, oh);
  const int pl = ConvPaddingBefore(pad, w, kw, sw, dw, ow);
  const int oc = static_cast<int>(idx % cout);
  const int ox = static_cast<int>((idx / cout) % ow);
  const int oy = static_cast<int>((idx / cout / ow) % oh);
  const int64_t batch = static_cast<int64_t>(idx / cout / ow / oh);  // images of a batch above 1
  const int64_t zp_in = ZeroPoint(x);
  const std::vector<uint8_t>& xin = in[0];
  const std::vector<uint8_t>& wd = in[1];
  const int fic = depthwise ? 1 : f.shape[3];
  const int groups = depthwise ? 1 : cin / fic;
  const int per_group = depthwise ? 1 : cout / groups;
  const int mult = depthwise ? cout / cin : 1;
  int64_t acc = in.size() > 2 && !in[2].empty() ? I32(in[2], oc) : 0;
  for (int ky = 0; ky < kh; ++ky)
    for (int kx = 0; kx < kw; ++kx) {
      const int iy = oy * sh - pt + ky * dh, ix = ox * sw - pl + kx * dw;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      const int64_t pix = ((batch * h + iy) * w + ix) * cin;
      if (depthwise) {
        acc += (S8(xin, pix + oc / mult) - zp_in) *
               static_cast<int64_t>(S8(wd, (static_cast<int64_t>(ky) * kw + kx) * cout + oc));
      } else {
        const int ic0 = (oc / per_group) * fic;
        for (int ic = 0; ic < fic; ++ic)
          acc += (S8(xin, pix + ic0 + ic) - zp_in) *
                 static_cast<int64_t>(S8(wd, ((static_cast<int64_t>(oc) * kh + ky) * kw + kx) * fic + ic));
      }
    }
  return RequantTie(acc, QuantizeMultiplier(Scale(x) * Scale(f, oc) / Scale(y)));
}

Tie FullyConnectedTie(const Graph& g, const Operator& op,
                      const std::vector<std::vector<uint8_t>>& in, size_t idx) {
  const Tensor& x = g.tensors[static_cast<size_t>(op.inputs[0])];
  const Tensor& f = g.tensors[static_cast<size_t>(op.inputs[1])];
  const Tensor& y = g.tensors[static_cast<size_t>(op.outputs[0])];
  const int64_t units = f.shape[0], k = f.shape[1];
  const int64_t u = static_cast<int64_t>(idx) % units, row = static_cast<int64_t>(idx) / units;
  const int64_t zx = ZeroPoint(x), zf = ZeroPoint(f);
  int64_t acc = in.size() > 2 && !in[2].empty() ? I32(in[2], u) : 0;
  for (int64_t i = 0; i < k; ++i)
    acc += (S8(in[0], row * k + i) - zx) * (S8(in[1], u * k + i) - zf);
  return RequantTie(acc, QuantizeMultiplier(Scale(x) * Scale(f) / Scale(y)));
}

// Flat index of the element of a (broadcast) NHWC operand that output element idx reads.
int64_t BroadcastIndex(const Shape4& in, const Shape4& out, size_t idx) {
  const int64_t c = static_cast<int64_t>(idx) % out.c;
  const int64_t x = (static_cast<int64_t>(idx) / out.c) % out.w;
  const int64_t y = (static_cast<int64_t>(idx) / out.c / out.w) % out.h;
  const int64_t n = static_cast<int64_t>(idx) / out.c / out.w / out.h;
  const int64_t iy = in.h == 1 ? 0 : y, ix = in.w == 1 ? 0 : x, ic = in.c == 1 ? 0 : c,
                in_ = in.n == 1 ? 0 : n;
  return ((in_ * in.h + iy) * in.w + ix) * in.c + ic;
}

Tie MulTie(const Graph& g, const Operator& op, const std::vector<std::vector<uint8_t>>& in,
           size_t idx) {
  const Tensor& a = g.tensors[static_cast<size_t>(op.inputs[0])];
  const Tensor& b = g.tensors[static_cast<size_t>(op.inputs[1])];
  const Tensor& y = g.tensors[static_cast<size_t>(op.outputs[0])];
  if (a.shape.size() > 4 || b.shape.size() > 4 || y.shape.size() > 4) return Tie::kNone;
  const Shape4 ys = AsNHWC(y.shape);
  const int64_t prod = (S8(in[0], BroadcastIndex(AsNHWC(a.shape), ys, idx)) - ZeroPoint(a)) *
                       (S8(in[1], BroadcastIndex(AsNHWC(b.shape), ys, idx)) - ZeroPoint(b));
  return RequantTie(prod, QuantizeMultiplier(Scale(a) * Scale(b) / Scale(y)));
}

// AVERAGE_POOL_2D: sum / count exactly on .5.
Tie AveragePoolTie(const Graph& g, const Operator& op, const std::vector<std::vector<uint8_t>>& in,
                   size_t idx) {
  const Tensor& x = g.tensors[static_cast<size_t>(op.inputs[0])];
  const Tensor& y = g.tensors[static_cast<size_t>(op.outputs[0])];
  const auto& o = op.opts<Pool2DOptions>();
  const Shape4 xs = AsNHWC(x.shape), ys = AsNHWC(y.shape);
  const int h = xs.h, w = xs.w, ch = xs.c, oh = ys.h, ow = ys.w;
  const int pt = ConvPaddingBefore(o.padding, h, o.filter_h, o.stride_h, 1, oh);
  const int pl = ConvPaddingBefore(o.padding, w, o.filter_w, o.stride_w, 1, ow);
  const int cc = static_cast<int>(idx % ch), ox = static_cast<int>((idx / ch) % ow),
            oy = static_cast<int>(idx / ch / ow);
  int64_t sum = 0, count = 0;
  for (int ky = 0; ky < o.filter_h; ++ky)
    for (int kx = 0; kx < o.filter_w; ++kx) {
      const int iy = oy * o.stride_h - pt + ky, ix = ox * o.stride_w - pl + kx;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      sum += S8(in[0], (static_cast<int64_t>(iy) * w + ix) * ch + cc);
      ++count;
    }
  return count > 0 && (2 * sum) % count == 0 && sum % count != 0 ? Tie::kExact : Tie::kNone;
}

// MEAN: both bytes within one step of the exact real mean (see the header).
Tie MeanApproximation(const Graph& g, const Operator& op,
                      const std::vector<std::vector<uint8_t>>& in, size_t idx, int tessera,
                      int tflite) {
  const Tensor& x = g.tensors[static_cast<size_t>(op.inputs[0])];
  const Tensor& y = g.tensors[static_cast<size_t>(op.outputs[0])];
  const int rank = static_cast<int>(x.shape.size());
  std::vector<bool> reduce(static_cast<size_t>(rank), false);
  const std::vector<uint8_t>& axes = in[1];
  for (size_t i = 0; i + 4 <= axes.size(); i += 4) {
    int a = I32(axes, static_cast<int64_t>(i / 4));
    if (a < 0) a += rank;
    if (a < 0 || a >= rank) return Tie::kNone;
    reduce[static_cast<size_t>(a)] = true;
  }
  int64_t sum = 0, count = 0;
  std::vector<int64_t> coord(static_cast<size_t>(rank), 0);
  const int64_t n = x.num_elements();
  for (int64_t e = 0; e < n; ++e) {
    // Flat index over the kept axes of element e.
    int64_t rem = e, kept = 0, kept_stride = 1;
    for (int d = rank - 1; d >= 0; --d) {
      const int64_t c = rem % x.shape[static_cast<size_t>(d)];
      rem /= x.shape[static_cast<size_t>(d)];
      if (!reduce[static_cast<size_t>(d)]) {
        kept += c * kept_stride;
        kept_stride *= x.shape[static_cast<size_t>(d)];
      }
    }
    if (kept != static_cast<int64_t>(idx)) continue;
    sum += S8(in[0], e);
    ++count;
  }
  if (count == 0) return Tie::kNone;
  double exact = static_cast<double>(sum - count * ZeroPoint(x)) / static_cast<double>(count) *
                     Scale(x) / Scale(y) + static_cast<double>(ZeroPoint(y));
  exact = std::clamp(exact, -128.0, 127.0);
  const bool tflite_close = std::fabs(tflite - exact) < 1.0;
  const bool tessera_close = std::fabs(tessera - exact) < 1.0;
  return tflite_close && tessera_close ? Tie::kApproximation : Tie::kNone;
}

// SOFTMAX (last axis) and LOGISTIC: TFLite's byte correctly rounded, tessera's within one step.
Tie TableApproximation(const Graph& g, const Operator& op,
                       const std::vector<std::vector<uint8_t>>& in, size_t idx, int tessera,
                       int tflite) {
  const Tensor& x = g.tensors[static_cast<size_t>(op.inputs[0])];
  const Tensor& y = g.tensors[static_cast<size_t>(op.outputs[0])];
  const double si = Scale(x), so = Scale(y);
  const int64_t zi = ZeroPoint(x), zo = ZeroPoint(y);
  double real;
  if (op.type == OpType::kLogistic) {
    real = 1.0 / (1.0 + std::exp(-si * (S8(in[0], static_cast<int64_t>(idx)) - zi)));
  } else {
    const double beta = op.opts<SoftmaxOptions>().beta;
    const int64_t depth = x.shape.back();
    const int64_t row = static_cast<int64_t>(idx) / depth;
    double mx = -1e300, den = 0;
    for (int64_t j = 0; j < depth; ++j) mx = std::max(mx, si * (S8(in[0], row * depth + j) - zi));
    for (int64_t j = 0; j < depth; ++j)
      den += std::exp(beta * (si * (S8(in[0], row * depth + j) - zi) - mx));
    real = std::exp(beta * (si * (S8(in[0], static_cast<int64_t>(idx)) - zi) - mx)) / den;
  }
  double exact = real / so + static_cast<double>(zo);  // in output steps
  exact = std::min(exact, 127.0);
  const bool tflite_rounded = std::fabs(tflite - exact) <= 0.5 + 1e-9;
  const bool tessera_close = std::fabs(tessera - exact) < 1.0;
  return tflite_rounded && tessera_close ? Tie::kApproximation : Tie::kNone;
}

// QUANTIZE float32 -> int8: TFLM's AffineQuantize divides the float by the float scale in
// single precision and rounds that quotient (TfLiteRound<float>); TensorFlow Lite 2.9's kernel
// divides by the scale widened to double. Accepted when tessera's byte is exactly the float
// formula's and TFLite's exactly the double formula's (both written here from the two
// definitions) and the two formulas differ for this value.
Tie FloatQuantizeApproximation(const Tensor& y, const std::vector<uint8_t>& in, size_t index, int tessera_value,
                               int tflite_value) {
  if (in.size() < (index + 1) * 4) return Tie::kNone;
  float v;
  std::memcpy(&v, &in[index * 4], 4);
  if (std::isnan(v)) return Tie::kNone;
  const float s = static_cast<float>(Scale(y));
  const int64_t zp = ZeroPoint(y);
  auto clamp8 = [&](double r) { return static_cast<int>(std::clamp(r + static_cast<double>(zp), -128.0, 127.0)); };
  const int by_float = clamp8(static_cast<double>(std::round(v / s)));
  const int by_double = clamp8(std::round(static_cast<double>(v) / static_cast<double>(s)));
  if (by_float == by_double || tessera_value != by_float || tflite_value != by_double) return Tie::kNone;
  return Tie::kApproximation;
}

}  // namespace

Tie ProveTie(const Graph& g, int op_index, const std::vector<std::vector<uint8_t>>& operands,
             size_t index, int tessera_value, int tflite_value) {
  if (std::abs(tessera_value - tflite_value) != 1) return Tie::kNone;
  const Operator& op = g.ops[static_cast<size_t>(op_index)];
  if (op.outputs.empty() || op.inputs.empty() || operands.size() != op.inputs.size())
    return Tie::kNone;
  const Tensor& x = g.tensors[static_cast<size_t>(op.inputs[0])];
  const Tensor& y = g.tensors[static_cast<size_t>(op.outputs[0])];
  if (y.type != DType::kInt8) return Tie::kNone;
  switch (op.type) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D:
      return ConvTie(g, op, operands, index);
    case OpType::kFullyConnected:
      return FullyConnectedTie(g, op, operands, index);
    case OpType::kMul:
      return MulTie(g, op, operands, index);
    case OpType::kAveragePool2D:
      return AveragePoolTie(g, op, operands, index);
    case OpType::kMean:
      return MeanApproximation(g, op, operands, index, tessera_value, tflite_value);
    case OpType::kSoftmax:
    case OpType::kLogistic:
      return TableApproximation(g, op, operands, index, tessera_value, tflite_value);
    case OpType::kQuantize:
      if (x.type == DType::kFloat32) return FloatQuantizeApproximation(y, operands[0], index, tessera_value, tflite_value);
      [[fallthrough]];
    case OpType::kRelu:
      // Requantization of (x - zero point) by input scale / output scale.
      if (x.type != DType::kInt8) return Tie::kNone;
      return RequantTie(S8(operands[0], static_cast<int64_t>(index)) - ZeroPoint(x),
                        QuantizeMultiplier(Scale(x) / Scale(y)));
    default:
      return Tie::kNone;
  }
}

}  // namespace tessera::test
