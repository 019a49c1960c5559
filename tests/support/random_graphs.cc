#include "support/random_graphs.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "zoo/builder.h"

namespace tessera::test {
namespace {

std::string Dims(const std::vector<int32_t>& s) {
  std::string r;
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "x" : "") + std::to_string(s[i]);
  return r;
}

const char* ActName(Activation a) {
  switch (a) {
    case Activation::kNone: return "";
    case Activation::kRelu: return " relu";
    case Activation::kReluN1To1: return " relu1";
    case Activation::kRelu6: return " relu6";
  }
  return "";
}

const char* PadName(Padding p) { return p == Padding::kSame ? "SAME" : "VALID"; }

// A body layer that keeps the activation 4-D: RESIZE_BILINEAR (twice as likely: it is the
// windowable one), STRIDED_SLICE, TILE, REDUCE_MAX / REDUCE_MIN with keep_dims, an
// element-wise unary operator, SUB / MAXIMUM / MINIMUM with a per-channel constant, or
// SPACE_TO_DEPTH / DEPTH_TO_SPACE where the shape allows (windowable, like the element-wise ones).
int ZooLayer(zoo::GraphBuilder& b, zoo::Rng& r, int x, const std::string& n, int max_c) {
  const Shape4 s = AsNHWC(b.shape(x));
  switch (r.Int(0, 8)) {
    case 0:
    case 1: {
      const int mode = r.Int(0, 2);
      const int oh = r.Int(std::max(1, s.h / 2), std::min(2 * s.h, 40));
      const int ow = r.Int(std::max(1, s.w / 2), std::min(2 * s.w, 40));
      return b.ResizeBilinear(n + "_bilinear", x, oh, ow, mode == 1, mode == 2);
    }
    case 2: {
      const std::vector<int32_t> dims = {s.n, s.h, s.w, s.c};
      std::vector<int32_t> begin(4, 0), end = dims, strides(4, 1);
      for (int d = 1; d < 4; ++d) {
        if (r.Int(0, 1)) continue;  // whole axis
        begin[d] = r.Int(0, dims[d] - 1);
        end[d] = r.Int(begin[d] + 1, dims[d]);
        strides[d] = r.Int(1, 2);
      }
      return b.StridedSlice(n + "_slice", x, begin, end, strides);
    }
    case 3: {
      const int mh = s.h * 2 <= 40 ? r.Int(1, 2) : 1, mw = s.w * 2 <= 40 ? r.Int(1, 2) : 1;
      const int mc = s.c * 2 <= max_c ? r.Int(1, 2) : 1;
      return b.Tile(n + "_tile", x, {1, mh, mw, mc});
    }
    case 5: {
      switch (r.Int(0, 3)) {
        case 0: {
          LeakyReluOptions o;
          o.alpha = static_cast<float>(r.Uniform(0.05, 0.5));
          return b.Unary(n + "_leaky_relu", OpType::kLeakyRelu, x, o);
        }
        case 1: return b.Unary(n + "_tanh", OpType::kTanh, x);
        case 2: return b.Unary(n + "_elu", OpType::kElu, x);
        default: return b.Unary(n + "_abs", OpType::kAbs, x);
      }
    }
    case 6: {
      switch (r.Int(0, 2)) {
        case 0: {
          SubOptions o;
          o.activation = r.Int(0, 1) ? Activation::kRelu : Activation::kNone;
          return b.BinaryWithConstant(n + "_sub", OpType::kSub, x, o);
        }
        case 1: return b.BinaryWithConstant(n + "_maximum", OpType::kMaximum, x);
        default: return b.BinaryWithConstant(n + "_minimum", OpType::kMinimum, x);
      }
    }
    case 7:
    case 8: {
      const bool to_space = s.c % 4 == 0 && s.h * 2 <= 40 && s.w * 2 <= 40;
      const bool to_depth = s.h % 2 == 0 && s.w % 2 == 0 && s.c * 4 <= 2 * max_c;
      if (to_space && (!to_depth || r.Int(0, 1)))
        return b.SpaceDepth(n + "_depth_to_space", OpType::kDepthToSpace, x, 2);
      if (to_depth) return b.SpaceDepth(n + "_space_to_depth", OpType::kSpaceToDepth, x, 2);
      return b.Unary(n + "_leaky_relu", OpType::kLeakyRelu, x, LeakyReluOptions{0.25f});
    }
    default: {
      static const std::vector<std::vector<int32_t>> kAxes = {{1}, {2}, {-2}, {-3}, {1, 2}};
      const bool max = r.Int(0, 1) == 1;
      return b.ReduceMinMax(n + (max ? "_reduce_max" : "_reduce_min"), x, max, kAxes[static_cast<size_t>(r.Int(0, 4))],
                            true);
    }
  }
}

}  // namespace

uint64_t CaseSeed(uint64_t base, int index) {
  zoo::Rng r(base + 0x9E3779B97F4A7C15ull * static_cast<uint64_t>(index + 1));
  return r.Next();
}

Graph RandomGraph(uint64_t seed, const RandomGraphOptions& o) {
  zoo::Rng r(seed ^ 0xA5A5F00DCAFEull);
  char name[40];
  std::snprintf(name, sizeof name, "random_%016llx", static_cast<unsigned long long>(seed));
  zoo::GraphBuilder b(name, seed);
  const int max_c = std::max(1, o.max_channels);
  const int32_t h0 = r.Int(o.min_hw, o.max_hw), w0 = r.Int(o.min_hw, o.max_hw);
  const int32_t c0 = r.Int(1, std::min(4, max_c));
  const float in_scale = static_cast<float>(zoo::RoundSignificant3(r.Uniform(0.004, 0.05)));
  const int x0 = b.Input({1, h0, w0, c0}, in_scale, r.Int(-128, 127));

  auto act = [&] {
    switch (r.Int(0, 3)) {
      case 0: return Activation::kNone;
      case 1: return Activation::kRelu;
      default: return Activation::kRelu6;
    }
  };
  // SAME, or VALID when the filter fits the input.
  auto padding = [&](const Shape4& s, int k) {
    if (k <= s.h && k <= s.w && r.Int(0, 2) == 0) return Padding::kValid;
    return Padding::kSame;
  };
  // Stride 2 only while the tensor is still larger than a couple of pixels.
  auto stride = [&](const Shape4& s) { return (s.h >= 3 && s.w >= 3 && r.Int(0, 2) == 0) ? 2 : 1; };

  int x = x0;
  std::vector<int> made;  // activations produced so far (residual partners)
  int second = -1;
  const int layers = r.Int(o.min_layers, o.max_layers);
  for (int i = 0; i < layers; ++i) {
    const Shape4 s = AsNHWC(b.shape(x));
    const std::string n = "l" + std::to_string(i);
    const int kind = (o.allow_zoo_ops && r.Int(0, 3) == 0) ? 10 : r.Int(0, 9);
    if (kind == 10) {
      x = ZooLayer(b, r, x, n, max_c);
    } else if (kind <= 2) {
      const int k = r.Int(1, 7);
      x = b.Conv2D(n + "_conv", x, r.Int(1, max_c), k, stride(s), act(), padding(s, k));
    } else if (kind <= 4) {
      const int k = r.Int(1, 7);
      const int dm = (s.c * 2 <= max_c && r.Int(0, 3) == 0) ? 2 : 1;
      x = b.DepthwiseConv2D(n + "_dw", x, k, stride(s), act(), padding(s, k), dm);
    } else if (kind == 5) {
      const int f = r.Int(1, 3);
      const int st = stride(s);
      const Padding p = padding(s, f);
      x = r.Int(0, 1) ? b.AveragePool2D(n + "_avgpool", x, f, st, p)
                      : b.MaxPool2D(n + "_maxpool", x, f, st, p);
    } else if (kind == 6) {
      x = b.Pad(n + "_pad", x, r.Int(0, 2), r.Int(0, 2), r.Int(0, 2), r.Int(0, 2));
    } else {
      // Residual ADD: with an earlier tensor of the same shape when there is one, else around
      // a fresh block of one or two same-shape layers.
      std::vector<int> partners;
      for (int t : made)
        if (t != x && b.shape(t) == b.shape(x)) partners.push_back(t);
      if (!partners.empty() && r.Int(0, 1)) {
        const int p = partners[r.Int(0, static_cast<int>(partners.size()) - 1)];
        x = r.Int(0, 1) ? b.Add(n + "_add", x, p, act()) : b.Add(n + "_add", p, x, act());
      } else {
        const int k = 2 * r.Int(0, 2) + 1;
        int y = r.Int(0, 1) ? b.Conv2D(n + "_res_conv", x, s.c, k, 1, act())
                            : b.DepthwiseConv2D(n + "_res_dw", x, k, 1, act());
        if (r.Int(0, 1)) y = b.Conv2D(n + "_res_pw", y, s.c, 1, 1, Activation::kNone);
        x = r.Int(0, 1) ? b.Add(n + "_add", x, y, act()) : b.Add(n + "_add", y, x, act());
      }
    }
    made.push_back(x);
    if (o.allow_second_output && second < 0 && i + 1 < layers && r.Int(0, 5) == 0) second = x;
  }
  if (o.allow_tail && r.Int(0, 2) == 0) {
    const Shape4 s = AsNHWC(b.shape(x));
    int p;
    if (o.allow_zoo_ops && r.Int(0, 5) == 0) {
      p = b.ReduceMinMax("tail_reduce", x, r.Int(0, 1) == 1, {1, 2}, false);
    } else if (r.Int(0, 1)) {
      p = b.GlobalAveragePool("tail_pool", x);
    } else {
      p = b.Mean("tail_mean", x, r.Int(0, 1) == 1);
    }
    if (b.shape(p).size() != 2) p = b.Reshape("tail_reshape", p, {1, s.c});
    p = b.FullyConnected("tail_fc", p, r.Int(2, 10), r.Int(0, 1) ? Activation::kNone : Activation::kRelu);
    if (r.Int(0, 1)) {
      p = b.Softmax("tail_softmax", p);
    } else if (o.allow_zoo_ops && r.Int(0, 2) == 0) {
      // PACK of copies along a random axis, sometimes TILE, then LOG_SOFTMAX.
      const int copies = r.Int(1, 3);
      p = b.Pack("tail_pack", std::vector<int>(static_cast<size_t>(copies), p), r.Int(-3, 2));
      if (r.Int(0, 2) == 0) p = b.Tile("tail_tile", p, {r.Int(1, 2), r.Int(1, 2), r.Int(1, 2)});
      p = b.LogSoftmax("tail_log_softmax", p);
    }
    x = p;
  }
  std::vector<int> outputs{x};
  if (second >= 0 && second != x) outputs.push_back(second);
  Graph g = b.Finish(outputs);
  // Dilation (the builder makes none): SAME-padded convolutions keep their output shape under
  // any dilation, so some get 2 or 3, and a few one so large that taps skip the whole input.
  for (Operator& op : g.ops) {
    auto dilate = [&](int32_t& dh, int32_t& dw, Padding p, int k) {
      if (p != Padding::kSame || k == 1 || r.Int(0, 3) != 0) return;
      const Shape4 s = AsNHWC(g.tensors[op.inputs[0]].shape);
      const bool huge = r.Int(0, 4) == 0;
      dh = huge ? s.h + r.Int(0, 3) : r.Int(1, 3);
      dw = huge ? r.Int(1, 2) : r.Int(1, 3);
    };
    if (op.type == OpType::kConv2D) {
      auto& o = op.opts<Conv2DOptions>();
      dilate(o.dilation_h, o.dilation_w, o.padding, g.tensors[op.inputs[1]].shape[1]);
    } else if (op.type == OpType::kDepthwiseConv2D) {
      auto& o = op.opts<DepthwiseConv2DOptions>();
      dilate(o.dilation_h, o.dilation_w, o.padding, g.tensors[op.inputs[1]].shape[1]);
    }
  }
  g.Validate();
  return g;
}

std::string DescribeGraph(const Graph& g) {
  std::string r;
  for (int t : g.inputs) r += "in " + Dims(g.tensors[t].shape);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Operator& op = g.ops[i];
    r += " | ";
    switch (op.type) {
      case OpType::kConv2D: {
        const auto& c = op.opts<Conv2DOptions>();
        r += "conv k" + std::to_string(g.tensors[op.inputs[1]].shape[1]) + " s" +
             std::to_string(c.stride_h) + " " + PadName(c.padding) + ActName(c.activation);
        if (c.dilation_h != 1 || c.dilation_w != 1)
          r += " d" + std::to_string(c.dilation_h) + "x" + std::to_string(c.dilation_w);
        break;
      }
      case OpType::kDepthwiseConv2D: {
        const auto& c = op.opts<DepthwiseConv2DOptions>();
        r += "dw k" + std::to_string(g.tensors[op.inputs[1]].shape[1]) + " s" +
             std::to_string(c.stride_h) + " m" + std::to_string(c.depth_multiplier) + " " +
             PadName(c.padding) + ActName(c.activation);
        if (c.dilation_h != 1 || c.dilation_w != 1)
          r += " d" + std::to_string(c.dilation_h) + "x" + std::to_string(c.dilation_w);
        break;
      }
      case OpType::kAveragePool2D:
      case OpType::kMaxPool2D: {
        const auto& c = op.opts<Pool2DOptions>();
        r += std::string(op.type == OpType::kMaxPool2D ? "maxpool" : "avgpool") + " f" +
             std::to_string(c.filter_h) + "x" + std::to_string(c.filter_w) + " s" +
             std::to_string(c.stride_h) + " " + PadName(c.padding);
        break;
      }
      case OpType::kAdd:
        r += "add t" + std::to_string(op.inputs[0]) + "+t" + std::to_string(op.inputs[1]) +
             ActName(op.opts<AddOptions>().activation);
        break;
      default: r += OpTypeName(op.type); break;
    }
    r += " -> t" + std::to_string(op.outputs[0]) + " " + Dims(g.tensors[op.outputs[0]].shape);
  }
  r += " | out";
  for (int t : g.outputs) r += " t" + std::to_string(t);
  return r;
}

std::vector<std::vector<uint8_t>> RandomInputs(const Graph& g, uint64_t seed) {
  zoo::Rng r(seed ^ 0x1234567890ABCDEFull);
  std::vector<std::vector<uint8_t>> in;
  for (int t : g.inputs) {
    std::vector<uint8_t> v(static_cast<size_t>(g.tensors[t].num_bytes()));
    for (auto& byte : v) byte = static_cast<uint8_t>(r.Next() >> 56);
    in.push_back(std::move(v));
  }
  return in;
}

}  // namespace tessera::test
