#include "zoo/builder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

namespace tessera::zoo {

uint64_t Rng::Next() {
  uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double Rng::Uniform(double lo, double hi) {
  // 53 random bits -> [0, 1).
  const double u = static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0);
  return lo + (hi - lo) * u;
}

double Rng::Normal() {
  // Irwin-Hall: the sum of 4 uniforms has mean 2 and variance 1/3.
  double s = 0;
  for (int i = 0; i < 4; ++i) s += Uniform(0.0, 1.0);
  return (s - 2.0) * std::sqrt(3.0);
}

int32_t Rng::Int(int32_t lo, int32_t hi) {
  const uint64_t span = static_cast<uint64_t>(static_cast<int64_t>(hi) - lo + 1);
  return static_cast<int32_t>(lo + static_cast<int64_t>(Next() % span));
}

uint64_t HashName(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

double RoundSignificant3(double v) {
  if (!(v > 0) || !std::isfinite(v)) return v;
  const int e = static_cast<int>(std::floor(std::log10(v)));
  const double p = std::pow(10.0, e - 2);
  return std::round(v / p) * p;
}

namespace {

double Phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
double phi(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI); }

// Mean and variance of clamp(Z, lo, hi) for Z ~ N(m, v). hi may be +infinity.
std::pair<double, double> ClippedNormal(double m, double v, double lo, double hi) {
  const double s = std::sqrt(std::max(v, 0.0));
  if (s < 1e-12) {
    const double c = std::clamp(m, lo, hi);
    return {c, 0.0};
  }
  const double a = (lo - m) / s;
  const bool inf_hi = std::isinf(hi);
  const double b = inf_hi ? 0.0 : (hi - m) / s;
  const double Pa = Phi(a), pa = phi(a);
  const double Pb = inf_hi ? 1.0 : Phi(b), pb = inf_hi ? 0.0 : phi(b);
  const double bpb = inf_hi ? 0.0 : b * pb;
  const double tail_hi = inf_hi ? 0.0 : hi * (1.0 - Pb);
  const double tail_hi2 = inf_hi ? 0.0 : hi * hi * (1.0 - Pb);
  const double e1 = lo * Pa + tail_hi + m * (Pb - Pa) + s * (pa - pb);
  const double e2 = lo * lo * Pa + tail_hi2 + (m * m + v) * (Pb - Pa) + 2 * m * s * (pa - pb) +
                    v * (a * pa - bpb);
  return {e1, std::max(0.0, e2 - e1 * e1)};
}

std::vector<uint8_t> Int32Bytes(const std::vector<int32_t>& v) {
  std::vector<uint8_t> out(v.size() * 4);
  for (size_t i = 0; i < v.size(); ++i) {
    const uint32_t u = static_cast<uint32_t>(v[i]);
    out[4 * i + 0] = static_cast<uint8_t>(u);
    out[4 * i + 1] = static_cast<uint8_t>(u >> 8);
    out[4 * i + 2] = static_cast<uint8_t>(u >> 16);
    out[4 * i + 3] = static_cast<uint8_t>(u >> 24);
  }
  return out;
}

Quantization PerTensor(float scale, int64_t zp) {
  Quantization q;
  q.scale = {scale};
  q.zero_point = {zp};
  return q;
}

int32_t ClampToInt32(double v) {
  if (v > 2147483647.0) return std::numeric_limits<int32_t>::max();
  if (v < -2147483648.0) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(std::llround(v));
}

}  // namespace

GraphBuilder::GraphBuilder(std::string model_name, uint64_t seed) : rng_(seed) {
  g_.name = std::move(model_name);
}

int GraphBuilder::AddTensor(Tensor t) {
  g_.tensors.push_back(std::move(t));
  stats_.emplace_back();
  return static_cast<int>(g_.tensors.size()) - 1;
}

int GraphBuilder::AddActivation(const std::string& name, std::vector<int32_t> shape,
                                Quantization q) {
  Tensor t;
  t.name = name;
  t.type = DType::kInt8;
  t.shape = std::move(shape);
  t.quant = std::move(q);
  return AddTensor(std::move(t));
}

int GraphBuilder::AddConst(const std::string& name, DType type, std::vector<int32_t> shape,
                           std::vector<uint8_t> data, Quantization q) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  t.data = std::move(data);
  t.quant = std::move(q);
  t.is_const = true;
  return AddTensor(std::move(t));
}

int GraphBuilder::AddInt32Const(const std::string& name, std::vector<int32_t> shape,
                                const std::vector<int32_t>& values) {
  return AddConst(name, DType::kInt32, std::move(shape), Int32Bytes(values));
}

double GraphBuilder::TargetStd(Activation act) const {
  switch (act) {
    case Activation::kRelu6: return 2.0;
    case Activation::kRelu: return 1.5;
    case Activation::kReluN1To1: return 0.7;
    case Activation::kNone: return linear_std_;
  }
  return linear_std_;
}

Quantization GraphBuilder::OutputQuant(const Stats& pre, Activation act, double sigmas) const {
  if (act == Activation::kRelu6) return PerTensor(6.0f / 255.0f, -128);
  if (act == Activation::kReluN1To1) return PerTensor(2.0f / 255.0f, 0);
  double lo = 0, hi = 0;
  for (size_t c = 0; c < pre.mean.size(); ++c) {
    const double s = std::sqrt(pre.var[c]);
    lo = std::min(lo, pre.mean[c] - sigmas * s);
    hi = std::max(hi, pre.mean[c] + sigmas * s);
  }
  if (act == Activation::kRelu) {
    const double scale = RoundSignificant3(std::max(hi, 1e-3) / 255.0);
    return PerTensor(static_cast<float>(scale), -128);
  }
  if (hi - lo < 1e-3) hi = lo + 1e-3;
  const float scale = static_cast<float>(RoundSignificant3((hi - lo) / 255.0));
  const int64_t zp = std::clamp<int64_t>(std::llround(-128.0 - lo / scale), -128, 127);
  return PerTensor(scale, zp);
}

GraphBuilder::Stats GraphBuilder::ApplyActivation(const Stats& pre, Activation act) const {
  double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
  switch (act) {
    case Activation::kNone: return pre;
    case Activation::kRelu: lo = 0; break;
    case Activation::kRelu6: lo = 0; hi = 6; break;
    case Activation::kReluN1To1: lo = -1; hi = 1; break;
  }
  Stats out;
  out.mean.resize(pre.mean.size());
  out.var.resize(pre.mean.size());
  for (size_t c = 0; c < pre.mean.size(); ++c) {
    auto [m, v] = ClippedNormal(pre.mean[c], pre.var[c], lo, hi);
    out.mean[c] = m;
    out.var[c] = v;
  }
  return out;
}

std::vector<int8_t> GraphBuilder::DrawWeights(int64_t rows, int64_t fan_in, bool per_channel) {
  std::vector<double> g(static_cast<size_t>(rows * fan_in));
  for (double& v : g) v = rng_.Normal();
  std::vector<int8_t> q(g.size());
  double global_max = 0;
  for (double v : g) global_max = std::max(global_max, std::fabs(v));
  for (int64_t r = 0; r < rows; ++r) {
    double m = global_max;
    if (per_channel) {
      m = 0;
      for (int64_t i = 0; i < fan_in; ++i) m = std::max(m, std::fabs(g[r * fan_in + i]));
    }
    if (m <= 0) m = 1;
    for (int64_t i = 0; i < fan_in; ++i)
      q[r * fan_in + i] = static_cast<int8_t>(std::lround(127.0 * g[r * fan_in + i] / m));
  }
  return q;
}

int GraphBuilder::Input(std::vector<int32_t> shape, float scale, int64_t zero_point) {
  const int c = AsNHWC(shape).c;
  const int t = AddActivation("input", std::move(shape), PerTensor(scale, zero_point));
  // Uniformly random int8 bytes: q has mean -1/2 and variance (256^2 - 1) / 12.
  const double mean = scale * (-0.5 - static_cast<double>(zero_point));
  const double var = static_cast<double>(scale) * scale * (65535.0 / 12.0);
  stats_[t].mean.assign(c, mean);
  stats_[t].var.assign(c, var);
  g_.inputs.push_back(t);
  return t;
}

int GraphBuilder::Conv2D(const std::string& name, int x, int out_channels, int kernel, int stride,
                         Activation act, Padding padding) {
  const Shape4 s = AsNHWC(T(x).shape);
  const int ic = s.c, oc = out_channels;
  const int oh = ConvOutputSize(padding, s.h, kernel, stride, 1);
  const int ow = ConvOutputSize(padding, s.w, kernel, stride, 1);
  const int64_t fan_in = static_cast<int64_t>(kernel) * kernel * ic;
  const float in_scale = T(x).quant.scale.at(0);
  const std::vector<int8_t> q = DrawWeights(oc, fan_in, true);
  const Stats xs = stats_[x];
  const double target = TargetStd(act);

  Quantization wq, bq;
  std::vector<int32_t> bias(oc);
  Stats pre;
  pre.mean.resize(oc);
  pre.var.resize(oc);
  for (int o = 0; o < oc; ++o) {
    double sq = 0, mw = 0;
    for (int64_t i = 0; i < fan_in; ++i) {
      const int c = static_cast<int>(i % ic);
      const double w = q[o * fan_in + i];
      sq += w * w * xs.var[c];
      mw += w * xs.mean[c];
    }
    sq = std::max(sq, 1e-12);
    const double jitter = rng_.Uniform(0.75, 1.25);
    const float ws = static_cast<float>(RoundSignificant3(target * jitter / std::sqrt(sq)));
    const double desired = target * (act == Activation::kNone ? rng_.Uniform(-0.25, 0.25)
                                                              : rng_.Uniform(-0.3, 0.8));
    const float bs = static_cast<float>(static_cast<double>(in_scale) * ws);
    bias[o] = ClampToInt32((desired - ws * mw) / bs);
    pre.mean[o] = bias[o] * static_cast<double>(bs) + ws * mw;
    pre.var[o] = static_cast<double>(ws) * ws * sq;
    wq.scale.push_back(ws);
    wq.zero_point.push_back(0);
    bq.scale.push_back(bs);
    bq.zero_point.push_back(0);
  }
  wq.quantized_dimension = 0;
  bq.quantized_dimension = 0;
  std::vector<uint8_t> wdata(q.size());
  std::memcpy(wdata.data(), q.data(), q.size());
  const int w = AddConst(name + "/weights", DType::kInt8, {oc, kernel, kernel, ic}, std::move(wdata),
                         std::move(wq));
  const int b = AddConst(name + "/bias", DType::kInt32, {oc}, Int32Bytes(bias), std::move(bq));
  const int y = AddActivation(name, {1, oh, ow, oc}, OutputQuant(pre, act));
  stats_[y] = ApplyActivation(pre, act);

  Operator op;
  op.type = OpType::kConv2D;
  op.inputs = {x, w, b};
  op.outputs = {y};
  Conv2DOptions o;
  o.padding = padding;
  o.stride_h = o.stride_w = stride;
  o.activation = act;
  op.options = o;
  g_.ops.push_back(std::move(op));
  return y;
}

int GraphBuilder::DepthwiseConv2D(const std::string& name, int x, int kernel, int stride,
                                  Activation act, Padding padding, int depth_multiplier) {
  const Shape4 s = AsNHWC(T(x).shape);
  const int ic = s.c, oc = s.c * depth_multiplier;
  const int oh = ConvOutputSize(padding, s.h, kernel, stride, 1);
  const int ow = ConvOutputSize(padding, s.w, kernel, stride, 1);
  const int64_t taps = static_cast<int64_t>(kernel) * kernel;
  const float in_scale = T(x).quant.scale.at(0);
  const std::vector<int8_t> q = DrawWeights(oc, taps, true);  // [oc][taps]
  const Stats xs = stats_[x];
  const double target = TargetStd(act);

  Quantization wq, bq;
  std::vector<int32_t> bias(oc);
  Stats pre;
  pre.mean.resize(oc);
  pre.var.resize(oc);
  for (int o = 0; o < oc; ++o) {
    const int c = o / depth_multiplier;
    double sq = 0, mw = 0;
    for (int64_t i = 0; i < taps; ++i) {
      const double w = q[o * taps + i];
      sq += w * w * xs.var[c];
      mw += w * xs.mean[c];
    }
    sq = std::max(sq, 1e-12);
    const double jitter = rng_.Uniform(0.75, 1.25);
    const float ws = static_cast<float>(RoundSignificant3(target * jitter / std::sqrt(sq)));
    const double desired = target * (act == Activation::kNone ? rng_.Uniform(-0.25, 0.25)
                                                              : rng_.Uniform(-0.3, 0.8));
    const float bs = static_cast<float>(static_cast<double>(in_scale) * ws);
    bias[o] = ClampToInt32((desired - ws * mw) / bs);
    pre.mean[o] = bias[o] * static_cast<double>(bs) + ws * mw;
    pre.var[o] = static_cast<double>(ws) * ws * sq;
    wq.scale.push_back(ws);
    wq.zero_point.push_back(0);
    bq.scale.push_back(bs);
    bq.zero_point.push_back(0);
  }
  (void)ic;
  wq.quantized_dimension = 3;
  bq.quantized_dimension = 0;
  // Filter layout [1, kh, kw, oc].
  std::vector<uint8_t> wdata(q.size());
  for (int o = 0; o < oc; ++o)
    for (int64_t i = 0; i < taps; ++i)
      wdata[i * oc + o] = static_cast<uint8_t>(q[o * taps + i]);
  const int w = AddConst(name + "/weights", DType::kInt8, {1, kernel, kernel, oc},
                         std::move(wdata), std::move(wq));
  const int b = AddConst(name + "/bias", DType::kInt32, {oc}, Int32Bytes(bias), std::move(bq));
  const int y = AddActivation(name, {1, oh, ow, oc}, OutputQuant(pre, act));
  stats_[y] = ApplyActivation(pre, act);

  Operator op;
  op.type = OpType::kDepthwiseConv2D;
  op.inputs = {x, w, b};
  op.outputs = {y};
  DepthwiseConv2DOptions o;
  o.padding = padding;
  o.stride_h = o.stride_w = stride;
  o.depth_multiplier = depth_multiplier;
  o.activation = act;
  op.options = o;
  g_.ops.push_back(std::move(op));
  return y;
}

int GraphBuilder::Pad(const std::string& name, int x, int top, int bottom, int left, int right) {
  const Shape4 s = AsNHWC(T(x).shape);
  const int p = AddInt32Const(name + "/paddings", {4, 2}, {0, 0, top, bottom, left, right, 0, 0});
  const int y = AddActivation(name, {1, s.h + top + bottom, s.w + left + right, s.c}, T(x).quant);
  stats_[y] = stats_[x];
  Operator op;
  op.type = OpType::kPad;
  op.inputs = {x, p};
  op.outputs = {y};
  g_.ops.push_back(std::move(op));
  return y;
}

int GraphBuilder::Add(const std::string& name, int a, int b, Activation act) {
  Stats pre = stats_[a];
  const Stats& sb = stats_[b];
  for (size_t c = 0; c < pre.mean.size() && c < sb.mean.size(); ++c) {
    pre.mean[c] += sb.mean[c];
    pre.var[c] += sb.var[c];
  }
  const int y = AddActivation(name, T(a).shape, OutputQuant(pre, act));
  stats_[y] = ApplyActivation(pre, act);
  Operator op;
  op.type = OpType::kAdd;
  op.inputs = {a, b};
  op.outputs = {y};
  AddOptions o;
  o.activation = act;
  op.options = o;
  g_.ops.push_back(std::move(op));
  return y;
}

int GraphBuilder::AveragePool2D(const std::string& name, int x, int filter, int stride,
                                Padding padding) {
  const Shape4 s = AsNHWC(T(x).shape);
  const int oh = ConvOutputSize(padding, s.h, filter, stride, 1);
  const int ow = ConvOutputSize(padding, s.w, filter, stride, 1);
  const int y = AddActivation(name, {1, oh, ow, s.c}, T(x).quant);
  Stats st = stats_[x];
  for (double& v : st.var) v /= static_cast<double>(filter) * filter;
  stats_[y] = st;
  Operator op;
  op.type = OpType::kAveragePool2D;
  op.inputs = {x};
  op.outputs = {y};
  Pool2DOptions o;
  o.padding = padding;
  o.stride_h = o.stride_w = stride;
  o.filter_h = o.filter_w = filter;
  op.options = o;
  g_.ops.push_back(std::move(op));
  return y;
}

int GraphBuilder::MaxPool2D(const std::string& name, int x, int filter, int stride,
                            Padding padding) {
  const Shape4 s = AsNHWC(T(x).shape);
  const int oh = ConvOutputSize(padding, s.h, filter, stride, 1);
  const int ow = ConvOutputSize(padding, s.w, filter, stride, 1);
  const int y = AddActivation(name, {1, oh, ow, s.c}, T(x).quant);
  stats_[y] = stats_[x];
  Operator op;
  op.type = OpType::kMaxPool2D;
  op.inputs = {x};
  op.outputs = {y};
  Pool2DOptions o;
  o.padding = padding;
  o.stride_h = o.stride_w = stride;
  o.filter_h = o.filter_w = filter;
  op.options = o;
  g_.ops.push_back(std::move(op));
  return y;
}

int GraphBuilder::GlobalAveragePool(const std::string& name, int x) {
  const Shape4 s = AsNHWC(T(x).shape);
  const int y = AddActivation(name, {1, 1, 1, s.c}, T(x).quant);
  Stats st = stats_[x];
  for (double& v : st.var) v /= static_cast<double>(s.h) * s.w;
  stats_[y] = st;
  Operator op;
  op.type = OpType::kAveragePool2D;
  op.inputs = {x};
  op.outputs = {y};
  Pool2DOptions o;
  o.padding = Padding::kValid;
  o.stride_h = o.stride_w = 1;
  o.filter_h = s.h;
  o.filter_w = s.w;
  op.options = o;
  g_.ops.push_back(std::move(op));
  return y;
}

int GraphBuilder::Mean(const std::string& name, int x, bool keep_dims) {
  const Shape4 s = AsNHWC(T(x).shape);
  const int axes = AddInt32Const(name + "/axes", {2}, {1, 2});
  Stats st = stats_[x];
  for (double& v : st.var) v /= static_cast<double>(s.h) * s.w;
  std::vector<int32_t> shape = keep_dims ? std::vector<int32_t>{1, 1, 1, s.c}
                                         : std::vector<int32_t>{1, s.c};
  const int y = AddActivation(name, std::move(shape), OutputQuant(st, Activation::kNone));
  stats_[y] = st;
  Operator op;
  op.type = OpType::kMean;
  op.inputs = {x, axes};
  op.outputs = {y};
  MeanOptions o;
  o.keep_dims = keep_dims;
  op.options = o;
  g_.ops.push_back(std::move(op));
  return y;
}

int GraphBuilder::Reshape(const std::string& name, int x, std::vector<int32_t> shape) {
  const int st = AddInt32Const(name + "/shape", {static_cast<int32_t>(shape.size())}, shape);
  const int y = AddActivation(name, shape, T(x).quant);
  stats_[y] = Rechannel(stats_[x], static_cast<size_t>(shape.empty() ? 1 : shape.back()));
  Operator op;
  op.type = OpType::kReshape;
  op.inputs = {x, st};
  op.outputs = {y};
  ReshapeOptions o;
  o.new_shape = std::move(shape);
  op.options = o;
  g_.ops.push_back(std::move(op));
  return y;
}

int GraphBuilder::FullyConnected(const std::string& name, int x, int units, Activation act) {
  const Shape4 s = AsNHWC(T(x).shape);
  const int k = s.c;  // the input is [1, K] or [1, 1, 1, K]
  const float in_scale = T(x).quant.scale.at(0);
  const std::vector<int8_t> q = DrawWeights(units, k, false);
  const Stats xs = stats_[x];
  const double target = act == Activation::kNone ? 2.0 : TargetStd(act);
  std::vector<double> sq(units, 0.0), mw(units, 0.0);
  double mean_sq = 0;
  for (int o = 0; o < units; ++o) {
    for (int i = 0; i < k; ++i) {
      const double w = q[static_cast<int64_t>(o) * k + i];
      sq[o] += w * w * xs.var[i];
      mw[o] += w * xs.mean[i];
    }
    mean_sq += sq[o] / units;
  }
  const float ws =
      static_cast<float>(RoundSignificant3(target / std::sqrt(std::max(mean_sq, 1e-12))));
  const float bs = static_cast<float>(static_cast<double>(in_scale) * ws);
  std::vector<int32_t> bias(units);
  Stats pre;
  pre.mean.resize(units);
  pre.var.resize(units);
  for (int o = 0; o < units; ++o) {
    const double desired = target * rng_.Uniform(-0.3, 0.3);
    bias[o] = ClampToInt32((desired - ws * mw[o]) / bs);
    pre.mean[o] = bias[o] * static_cast<double>(bs) + ws * mw[o];
    pre.var[o] = static_cast<double>(ws) * ws * sq[o];
  }
  std::vector<uint8_t> wdata(q.size());
  std::memcpy(wdata.data(), q.data(), q.size());
  const int w = AddConst(name + "/weights", DType::kInt8, {units, k}, std::move(wdata),
                         PerTensor(ws, 0));
  const int b = AddConst(name + "/bias", DType::kInt32, {units}, Int32Bytes(bias),
                         PerTensor(bs, 0));
  // Logits: a wider range, since pooled features vary more than independent positions would.
  const int y = AddActivation(name, {1, units}, OutputQuant(pre, act, 6.0));
  stats_[y] = ApplyActivation(pre, act);
  Operator op;
  op.type = OpType::kFullyConnected;
  op.inputs = {x, w, b};
  op.outputs = {y};
  FullyConnectedOptions o;
  o.activation = act;
  op.options = o;
  g_.ops.push_back(std::move(op));
  return y;
}

int GraphBuilder::Softmax(const std::string& name, int x) {
  const int y = AddActivation(name, T(x).shape, PerTensor(1.0f / 256.0f, -128));
  stats_[y].mean.assign(stats_[x].mean.size(), 0.0);
  stats_[y].var.assign(stats_[x].mean.size(), 0.0);
  Operator op;
  op.type = OpType::kSoftmax;
  op.inputs = {x};
  op.outputs = {y};
  SoftmaxOptions o;
  o.beta = 1.0f;
  op.options = o;
  g_.ops.push_back(std::move(op));
  return y;
}

GraphBuilder::Stats GraphBuilder::Rechannel(Stats s, size_t channels) {
  if (s.mean.size() == channels) return s;
  double m = 0, v = 0;
  for (size_t c = 0; c < s.mean.size(); ++c) {
    m += s.mean[c];
    v += s.var[c];
  }
  const double n = std::max<double>(1.0, static_cast<double>(s.mean.size()));
  s.mean.assign(channels, m / n);
  s.var.assign(channels, v / n);
  return s;
}

int GraphBuilder::SameQuantOp(const std::string& name, OpType type, std::vector<int> inputs,
                              std::vector<int32_t> shape, OpOptions options) {
  const size_t channels = static_cast<size_t>(shape.empty() ? 1 : shape.back());
  const int y = AddActivation(name, std::move(shape), T(inputs[0]).quant);
  stats_[y] = Rechannel(stats_[inputs[0]], channels);
  Operator op;
  op.type = type;
  op.inputs = std::move(inputs);
  op.outputs = {y};
  op.options = std::move(options);
  g_.ops.push_back(std::move(op));
  return y;
}

int GraphBuilder::ResizeBilinear(const std::string& name, int x, int out_h, int out_w, bool align_corners,
                                 bool half_pixel_centers) {
  const Shape4 s = AsNHWC(T(x).shape);
  const int size = AddInt32Const(name + "/size", {2}, {out_h, out_w});
  ResizeBilinearOptions o;
  o.align_corners = align_corners;
  o.half_pixel_centers = half_pixel_centers;
  return SameQuantOp(name, OpType::kResizeBilinear, {x, size}, {1, out_h, out_w, s.c}, o);
}

int GraphBuilder::ReduceMinMax(const std::string& name, int x, bool max, const std::vector<int32_t>& axes,
                               bool keep_dims) {
  const std::vector<int32_t>& in = T(x).shape;
  const int rank = static_cast<int>(in.size());
  std::vector<bool> reduced(in.size(), false);
  for (int32_t a : axes) reduced[static_cast<size_t>((a % rank + rank) % rank)] = true;
  std::vector<int32_t> out;
  for (size_t d = 0; d < in.size(); ++d) {
    if (!reduced[d]) out.push_back(in[d]);
    else if (keep_dims) out.push_back(1);
  }
  const int a = AddInt32Const(name + "/axes", {static_cast<int32_t>(axes.size())}, axes);
  MeanOptions o;
  o.keep_dims = keep_dims;
  return SameQuantOp(name, max ? OpType::kReduceMax : OpType::kReduceMin, {x, a}, out, o);
}

int GraphBuilder::StridedSlice(const std::string& name, int x, const std::vector<int32_t>& begin,
                               const std::vector<int32_t>& end, const std::vector<int32_t>& strides) {
  const int32_t n = static_cast<int32_t>(begin.size());
  std::vector<int32_t> out = T(x).shape;
  for (int32_t d = 0; d < n; ++d) out[static_cast<size_t>(d)] = (end[d] - begin[d] + strides[d] - 1) / strides[d];
  const int b = AddInt32Const(name + "/begin", {n}, begin);
  const int e = AddInt32Const(name + "/end", {n}, end);
  const int st = AddInt32Const(name + "/strides", {n}, strides);
  return SameQuantOp(name, OpType::kStridedSlice, {x, b, e, st}, out, StridedSliceOptions{});
}

int GraphBuilder::Tile(const std::string& name, int x, const std::vector<int32_t>& multiples) {
  std::vector<int32_t> out = T(x).shape;
  for (size_t d = 0; d < out.size(); ++d) out[d] *= multiples[d];
  const int m = AddInt32Const(name + "/multiples", {static_cast<int32_t>(multiples.size())}, multiples);
  return SameQuantOp(name, OpType::kTile, {x, m}, out, std::monostate{});
}

int GraphBuilder::Pack(const std::string& name, const std::vector<int>& xs, int axis) {
  std::vector<int32_t> out = T(xs[0]).shape;
  const int rank = static_cast<int>(out.size());
  out.insert(out.begin() + (axis < 0 ? axis + rank + 1 : axis), static_cast<int32_t>(xs.size()));
  PackOptions o;
  o.values_count = static_cast<int32_t>(xs.size());
  o.axis = axis;
  return SameQuantOp(name, OpType::kPack, xs, out, o);
}

int GraphBuilder::LogSoftmax(const std::string& name, int x) {
  const int y = AddActivation(name, T(x).shape, PerTensor(16.0f / 256.0f, 127));
  stats_[y].mean.assign(stats_[x].mean.size(), 0.0);
  stats_[y].var.assign(stats_[x].mean.size(), 0.0);
  Operator op;
  op.type = OpType::kLogSoftmax;
  op.inputs = {x};
  op.outputs = {y};
  g_.ops.push_back(std::move(op));
  return y;
}

int GraphBuilder::Unary(const std::string& name, OpType type, int x, OpOptions options) {
  if (type != OpType::kTanh) return SameQuantOp(name, type, {x}, T(x).shape, std::move(options));
  const int y = AddActivation(name, T(x).shape, PerTensor(1.0f / 128.0f, 0));
  stats_[y].mean.assign(stats_[x].mean.size(), 0.0);
  stats_[y].var.assign(stats_[x].mean.size(), 0.25);
  Operator op;
  op.type = type;
  op.inputs = {x};
  op.outputs = {y};
  op.options = std::move(options);
  g_.ops.push_back(std::move(op));
  return y;
}

int GraphBuilder::BinaryWithConstant(const std::string& name, OpType type, int x, OpOptions options) {
  const int32_t c = T(x).shape.back();
  std::vector<int8_t> v(static_cast<size_t>(c));
  for (int8_t& b : v) b = static_cast<int8_t>(rng_.Int(-128, 127));
  const int k = AddConst(name + "/constant", DType::kInt8, {c}, std::vector<uint8_t>(v.begin(), v.end()),
                         T(x).quant);
  return SameQuantOp(name, type, {x, k}, T(x).shape, std::move(options));
}

int GraphBuilder::SpaceDepth(const std::string& name, OpType type, int x, int block) {
  const Shape4 s = AsNHWC(T(x).shape);
  SpaceDepthOptions o;
  o.block_size = block;
  const std::vector<int32_t> out = type == OpType::kSpaceToDepth
                                       ? std::vector<int32_t>{1, s.h / block, s.w / block, s.c * block * block}
                                       : std::vector<int32_t>{1, s.h * block, s.w * block, s.c / (block * block)};
  return SameQuantOp(name, type, {x}, out, o);
}

Graph GraphBuilder::Finish(std::vector<int> outputs) {
  g_.outputs = std::move(outputs);
  return g_;
}

}  // namespace tessera::zoo
