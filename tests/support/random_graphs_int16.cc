// RandomGraphInt16 (random_graphs.h): random valid 16x8 networks, apart from the int8
// generator (its draws stay as they are).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "support/random_case.h"
#include "support/random_graphs.h"
#include "zoo/builder.h"

namespace tessera::test {
namespace {

// Builds the graph with a rough real-valued standard deviation per activation, so scales keep
// values inside the int16 range without saturating everything.
class Int16Builder {
 public:
  Int16Builder(Graph& g, zoo::Rng& r) : g_(g), r_(r) {}

  int Input(std::vector<int32_t> shape, float scale) {
    const int t = Act("x", std::move(shape), scale);
    std_[t] = scale * 18918.0;  // uniform int16 bytes
    return t;
  }

  // A weighted layer's output scale: ~4 standard deviations over the int16 range.
  float ScaleFor(double sd) const { return static_cast<float>(zoo::RoundSignificant3(std::max(sd, 1e-6) * 4.0 / 32767.0)); }

  int Conv(const std::string& n, int x, int out_c, int k, int stride, Padding pad, Activation act) {
    const Shape4 s = AsNHWC(T(x).shape);
    Conv2DOptions o;
    o.padding = pad;
    o.stride_h = o.stride_w = stride;
    o.activation = act;
    const int32_t oh = OutDim(s.h, k, stride, pad), ow = OutDim(s.w, k, stride, pad);
    const int64_t fan_in = int64_t{k} * k * s.c;
    const int w = Weights(n + "_w", {out_c, k, k, s.c}, 0, out_c, fan_in);
    const int b = Bias64(n + "_b", x, w, out_c);
    const double sd = std_[x] * WeightGain();
    const int y = Act(n, {1, oh, ow, out_c}, ScaleFor(sd));
    std_[y] = sd;
    Op(OpType::kConv2D, {x, w, b}, y, o);
    return y;
  }

  int Depthwise(const std::string& n, int x, int k, int stride, Padding pad, Activation act, int dm) {
    const Shape4 s = AsNHWC(T(x).shape);
    DepthwiseConv2DOptions o;
    o.padding = pad;
    o.stride_h = o.stride_w = stride;
    o.activation = act;
    o.depth_multiplier = dm;
    const int32_t oh = OutDim(s.h, k, stride, pad), ow = OutDim(s.w, k, stride, pad);
    const int oc = s.c * dm;
    const int w = Weights(n + "_w", {1, k, k, oc}, 3, oc, int64_t{k} * k);
    const int b = Bias64(n + "_b", x, w, oc);
    const double sd = std_[x] * WeightGain();
    const int y = Act(n, {1, oh, ow, oc}, ScaleFor(sd));
    std_[y] = sd;
    Op(OpType::kDepthwiseConv2D, {x, w, b}, y, o);
    return y;
  }

  int FullyConnected(const std::string& n, int x, int units) {
    const int64_t k = T(x).shape.back();
    std::vector<uint8_t> wb(static_cast<size_t>(units * k));
    for (auto& v : wb) v = static_cast<uint8_t>(static_cast<int8_t>(r_.Int(-127, 127)));
    const float ws = static_cast<float>(zoo::RoundSignificant3(1.0 / (73.0 * std::sqrt(static_cast<double>(k)))));
    const int w = AddTensor(g_, n + "_w", DType::kInt8, {units, static_cast<int32_t>(k)}, Q(ws, 0), wb);
    const int b = r_.Int(0, 2) == 0 ? -1 : Bias64(n + "_b", x, w, units);
    const double sd = std_[x] * WeightGain();
    const int y = Act(n, {1, units}, ScaleFor(sd));
    std_[y] = sd;
    FullyConnectedOptions o;
    std::vector<int> ins = {x, w};
    if (b >= 0) ins.push_back(b);
    Op(OpType::kFullyConnected, ins, y, o);
    return y;
  }

  // ADD or SUB of two same-shape activations, or MUL by one or a per-channel constant.
  int Binary(const std::string& n, OpType type, int a, int b) {
    const double sa = std_[a], sb = b >= 0 ? std_[b] : 1.0;
    if (b < 0) {  // MUL by a per-channel int16 constant
      const int32_t c = T(a).shape.back();
      std::vector<uint8_t> kb(static_cast<size_t>(c) * 2);
      for (int32_t i = 0; i < c; ++i) {
        const int16_t v = static_cast<int16_t>(r_.Int(-32767, 32767));
        std::memcpy(&kb[static_cast<size_t>(i) * 2], &v, 2);
      }
      b = AddTensor(g_, n + "_k", DType::kInt16, {c}, Q(static_cast<float>(zoo::RoundSignificant3(1.0 / 18918.0)), 0), kb);
    }
    const double sd = type == OpType::kMul ? sa * sb : std::sqrt(sa * sa + sb * sb);
    const int y = Act(n, T(a).shape, ScaleFor(sd));
    std_[y] = sd;
    if (type == OpType::kAdd) Op(type, {a, b}, y, AddOptions{RandAct()});
    else if (type == OpType::kSub) Op(type, {a, b}, y, SubOptions{RandAct()});
    else Op(type, {a, b}, y, MulOptions{RandAct()});
    return y;
  }

  int Pool(const std::string& n, OpType type, int x, int f, int stride, Padding pad) {
    const Shape4 s = AsNHWC(T(x).shape);
    Pool2DOptions o;
    o.padding = pad;
    o.stride_h = o.stride_w = stride;
    o.filter_h = o.filter_w = f;
    o.activation = r_.Int(0, 3) == 0 ? Activation::kRelu : Activation::kNone;
    const int y = Same(n, x, {1, OutDim(s.h, f, stride, pad), OutDim(s.w, f, stride, pad), s.c});
    Op(type, {x}, y, o);
    return y;
  }

  int Pad(const std::string& n, int x, int t, int b, int l, int rr) {
    const Shape4 s = AsNHWC(T(x).shape);
    std::vector<uint8_t> pb(32);
    const int32_t p[8] = {0, 0, t, b, l, rr, 0, 0};
    std::memcpy(pb.data(), p, 32);
    const int pt = AddTensor(g_, n + "_paddings", DType::kInt32, {4, 2}, {}, pb);
    const int y = Same(n, x, {1, s.h + t + b, s.w + l + rr, s.c});
    Op(OpType::kPad, {x, pt}, y, std::monostate{});
    return y;
  }

  // CONCATENATION along the channels of x and a MAX_POOL_2D (3x3 SAME, stride 1) of x: both in
  // x's quantization (TFLM's int16 concatenation does not rescale).
  int Concat(const std::string& n, int x) {
    const int p = Pool(n + "_branch", OpType::kMaxPool2D, x, 3, 1, Padding::kSame);
    const Shape4 s = AsNHWC(T(x).shape);
    const int y = Same(n, x, {1, s.h, s.w, 2 * s.c});
    ConcatenationOptions o;
    o.axis = 3;
    Op(OpType::kConcatenation, r_.Int(0, 1) ? std::vector<int>{x, p} : std::vector<int>{p, x}, y, o);
    return y;
  }

  // LOGISTIC or TANH: output scale 2^-15, zero point 0 (TFLM's int16 requirement).
  int Unary(const std::string& n, OpType type, int x) {
    const int y = Act(n, T(x).shape, 1.0f / 32768);
    std_[y] = 0.3;
    Op(type, {x}, y, std::monostate{});
    return y;
  }

  int Reshape(const std::string& n, int x, std::vector<int32_t> shape) {
    std::vector<uint8_t> sb(shape.size() * 4);
    std::memcpy(sb.data(), shape.data(), sb.size());
    const int st = AddTensor(g_, n + "_shape", DType::kInt32, {static_cast<int32_t>(shape.size())}, {}, sb);
    const int y = Same(n, x, shape);
    ReshapeOptions o;
    o.new_shape = shape;
    Op(OpType::kReshape, {x, st}, y, o);
    return y;
  }

  int Softmax(const std::string& n, int x) {
    const int y = Act(n, T(x).shape, 1.0f / 32768);
    std_[y] = 0.3;
    SoftmaxOptions o;
    o.beta = static_cast<float>(zoo::RoundSignificant3(r_.Uniform(0.5, 2.0)));
    Op(OpType::kSoftmax, {x}, y, o);
    return y;
  }

  const Tensor& T(int t) const { return g_.tensors[t]; }

 private:
  static int32_t OutDim(int32_t in, int k, int stride, Padding p) {
    return p == Padding::kSame ? (in + stride - 1) / stride : (in - k + stride) / stride;
  }
  Activation RandAct() {
    switch (r_.Int(0, 4)) {
      case 0: return Activation::kRelu;
      case 1: return Activation::kRelu6;
      default: return Activation::kNone;
    }
  }
  // The factor a layer multiplies the standard deviation by (weights scaled to about 1).
  double WeightGain() { return r_.Uniform(0.7, 1.4); }

  int Act(const std::string& name, std::vector<int32_t> shape, float scale) {
    const int t = AddTensor(g_, name, DType::kInt16, std::move(shape), Q(scale, 0));
    std_.resize(g_.tensors.size(), 1.0);
    return t;
  }
  // A new activation in x's quantization.
  int Same(const std::string& name, int x, std::vector<int32_t> shape) {
    const int t = Act(name, std::move(shape), T(x).quant.scale[0]);
    std_[t] = std_[x];
    return t;
  }
  // Per-channel int8 weights (axis `axis`, `n` channels) scaled so each output's standard
  // deviation about equals its input's.
  int Weights(const std::string& name, std::vector<int32_t> shape, int axis, int n, int64_t fan_in) {
    int64_t count = 1;
    for (int32_t d : shape) count *= d;
    std::vector<uint8_t> wb(static_cast<size_t>(count));
    for (auto& v : wb) v = static_cast<uint8_t>(static_cast<int8_t>(r_.Int(-127, 127)));
    Quantization q;
    for (int i = 0; i < n; ++i) {
      q.scale.push_back(static_cast<float>(
          zoo::RoundSignificant3(r_.Uniform(0.7, 1.4) / (73.0 * std::sqrt(static_cast<double>(fan_in))))));
      q.zero_point.push_back(0);
    }
    q.quantized_dimension = axis;
    const int t = AddTensor(g_, name, DType::kInt8, std::move(shape), q, wb);
    std_.resize(g_.tensors.size(), 1.0);
    return t;
  }
  // An int64 bias in scale input_scale * weight_scale (per channel), a fraction of a standard
  // deviation.
  int Bias64(const std::string& name, int x, int w, int n) {
    Quantization q;
    std::vector<uint8_t> bb(static_cast<size_t>(n) * 8);
    const auto& ws = T(w).quant.scale;
    for (int i = 0; i < n; ++i) {
      const double s = static_cast<double>(T(x).quant.scale[0]) * ws[ws.size() == 1 ? 0 : static_cast<size_t>(i)];
      q.scale.push_back(static_cast<float>(s));
      q.zero_point.push_back(0);
      const int64_t v = static_cast<int64_t>(std::llround(r_.Uniform(-0.5, 0.5) * std_[x] / s));
      std::memcpy(&bb[static_cast<size_t>(i) * 8], &v, 8);
    }
    const int t = AddTensor(g_, name, DType::kInt64, {n}, q, bb);
    std_.resize(g_.tensors.size(), 1.0);
    return t;
  }
  void Op(OpType type, std::vector<int> ins, int out, OpOptions o) {
    Operator op;
    op.type = type;
    op.inputs = std::move(ins);
    op.outputs = {out};
    op.options = std::move(o);
    g_.ops.push_back(op);
  }

  Graph& g_;
  zoo::Rng& r_;
  std::vector<double> std_;
};

}  // namespace

Graph RandomGraphInt16(uint64_t seed, const RandomGraphOptions& o) {
  zoo::Rng r(seed ^ 0x16B1700D16ull);
  Graph g;
  char name[48];
  std::snprintf(name, sizeof name, "random16_%016llx", static_cast<unsigned long long>(seed));
  g.name = name;
  Int16Builder b(g, r);
  const int max_c = std::max(1, o.max_channels);
  const int32_t h0 = r.Int(o.min_hw, o.max_hw), w0 = r.Int(o.min_hw, o.max_hw);
  const int32_t c0 = r.Int(1, std::min(4, max_c));
  const float in_scale = static_cast<float>(zoo::RoundSignificant3(r.Uniform(1e-4, 1e-3)));
  int x = b.Input({1, h0, w0, c0}, in_scale);
  auto act = [&] {
    switch (r.Int(0, 3)) {
      case 0: return Activation::kNone;
      case 1: return Activation::kRelu;
      default: return Activation::kRelu6;
    }
  };
  auto padding = [&](const Shape4& s, int k) {
    if (k <= s.h && k <= s.w && r.Int(0, 2) == 0) return Padding::kValid;
    return Padding::kSame;
  };
  auto stride = [&](const Shape4& s) { return (s.h >= 3 && s.w >= 3 && r.Int(0, 2) == 0) ? 2 : 1; };
  std::vector<int> made;
  int second = -1;
  const int layers = r.Int(o.min_layers, o.max_layers);
  for (int i = 0; i < layers; ++i) {
    const Shape4 s = AsNHWC(b.T(x).shape);
    const std::string n = "l" + std::to_string(i);
    const int kind = r.Int(0, 12);
    if (kind <= 2) {
      const int k = r.Int(1, 5);
      x = b.Conv(n + "_conv", x, r.Int(1, max_c), k, stride(s), padding(s, k), act());
    } else if (kind <= 4) {
      const int k = r.Int(1, 5);
      const int dm = (s.c * 2 <= max_c && r.Int(0, 3) == 0) ? 2 : 1;
      x = b.Depthwise(n + "_dw", x, k, stride(s), padding(s, k), act(), dm);
    } else if (kind == 5) {
      const int f = r.Int(1, 3);
      const int st = stride(s);
      const Padding p = padding(s, f);
      x = b.Pool(n + (r.Int(0, 1) ? "_avgpool" : "_maxpool"), r.Int(0, 1) ? OpType::kAveragePool2D : OpType::kMaxPool2D,
                 x, f, st, p);
    } else if (kind == 6) {
      x = b.Pad(n + "_pad", x, r.Int(0, 2), r.Int(0, 2), r.Int(0, 2), r.Int(0, 2));
    } else if (kind == 7 && s.c * 2 <= 2 * max_c) {
      x = b.Concat(n + "_concat", x);
    } else if (kind == 8) {
      x = b.Unary(n + (r.Int(0, 1) ? "_logistic" : "_tanh"), r.Int(0, 1) ? OpType::kLogistic : OpType::kTanh, x);
    } else if (kind == 9) {
      x = b.Binary(n + "_mul", OpType::kMul, x, -1);
    } else {
      // ADD or SUB with an earlier tensor of the same shape, or around a fresh convolution.
      std::vector<int> partners;
      for (int t : made)
        if (t != x && b.T(t).shape == b.T(x).shape) partners.push_back(t);
      const OpType type = r.Int(0, 2) == 0 ? OpType::kSub : OpType::kAdd;
      int y;
      if (!partners.empty() && r.Int(0, 1)) {
        y = partners[static_cast<size_t>(r.Int(0, static_cast<int>(partners.size()) - 1))];
      } else {
        const int k = 2 * r.Int(0, 1) + 1;
        y = r.Int(0, 1) ? b.Conv(n + "_res_conv", x, s.c, k, 1, Padding::kSame, act())
                        : b.Depthwise(n + "_res_dw", x, k, 1, Padding::kSame, act(), 1);
      }
      x = r.Int(0, 1) ? b.Binary(n + (type == OpType::kAdd ? "_add" : "_sub"), type, x, y)
                      : b.Binary(n + (type == OpType::kAdd ? "_add" : "_sub"), type, y, x);
    }
    made.push_back(x);
    if (o.allow_second_output && second < 0 && i + 1 < layers && r.Int(0, 5) == 0) second = x;
  }
  if (o.allow_tail && r.Int(0, 2) == 0) {
    const Shape4 s = AsNHWC(b.T(x).shape);
    int p = b.Pool("tail_pool", OpType::kAveragePool2D, x, 1, 1, Padding::kValid);
    if (s.h <= 8 && s.w <= 8) {  // a global pool where its filter stays small
      Pool2DOptions& po = g.ops.back().opts<Pool2DOptions>();
      po.filter_h = s.h;
      po.filter_w = s.w;
      g.tensors[p].shape = {1, 1, 1, s.c};
    }
    p = b.Reshape("tail_reshape", p, {1, static_cast<int32_t>(b.T(p).num_elements())});
    p = b.FullyConnected("tail_fc", p, r.Int(2, 10));
    if (r.Int(0, 2) != 0) p = b.Softmax("tail_softmax", p);
    x = p;
  }
  g.inputs = {0};  // the first tensor made
  g.outputs = {x};
  if (second >= 0 && second != x) g.outputs.push_back(second);
  g.Validate();
  return g;
}

}  // namespace tessera::test
