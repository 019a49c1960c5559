#include "support/all_ops_graph.h"

#include <cstring>

namespace tessera::test {

int IrBuilder::Act(const std::string& name, std::vector<int32_t> shape, float scale,
                   int64_t zero_point, DType type) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  if (type != DType::kFloat32) {
    t.quant.scale = {scale};
    t.quant.zero_point = {zero_point};
  }
  g.tensors.push_back(std::move(t));
  return static_cast<int>(g.tensors.size()) - 1;
}

int IrBuilder::Weights(const std::string& name, std::vector<int32_t> shape, int axis, float scale) {
  Tensor t;
  t.name = name;
  t.type = DType::kInt8;
  t.shape = std::move(shape);
  t.is_const = true;
  t.data.resize(static_cast<size_t>(t.num_elements()));
  uint32_t s = 12345u + static_cast<uint32_t>(g.tensors.size()) * 7919u;
  for (auto& b : t.data) {
    s = s * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(static_cast<int8_t>(static_cast<int>((s >> 24) % 255) - 127));
  }
  const int n = axis >= 0 ? t.shape[axis] : 1;
  for (int c = 0; c < n; ++c) {
    t.quant.scale.push_back(scale * (1.0f + 0.125f * static_cast<float>(c % 4)));
    t.quant.zero_point.push_back(0);
  }
  t.quant.quantized_dimension = axis >= 0 ? axis : 0;
  g.tensors.push_back(std::move(t));
  return static_cast<int>(g.tensors.size()) - 1;
}

int IrBuilder::Bias(const std::string& name, int filter, int axis, float in_scale) {
  const Tensor& f = g.tensors[filter];
  const int n = f.shape[axis];
  Tensor t;
  t.name = name;
  t.type = DType::kInt32;
  t.shape = {n};
  t.is_const = true;
  t.data.resize(static_cast<size_t>(n) * 4);
  for (int c = 0; c < n; ++c) {
    const int32_t v = (c % 3 - 1) * 100 + c;
    std::memcpy(t.data.data() + 4 * c, &v, 4);
    const float fs = f.quant.scale.size() == 1 ? f.quant.scale[0] : f.quant.scale[c];
    t.quant.scale.push_back(in_scale * fs);
    t.quant.zero_point.push_back(0);
  }
  if (f.quant.scale.size() == 1) {
    t.quant.scale.resize(1);
    t.quant.zero_point.resize(1);
  }
  g.tensors.push_back(std::move(t));
  return static_cast<int>(g.tensors.size()) - 1;
}

int IrBuilder::Ints(const std::string& name, std::vector<int64_t> values, std::vector<int32_t> shape,
                    DType type) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = shape.empty() ? std::vector<int32_t>{static_cast<int32_t>(values.size())} : shape;
  t.is_const = true;
  for (int64_t v : values) {
    if (type == DType::kInt64) {
      uint8_t b[8];
      std::memcpy(b, &v, 8);
      t.data.insert(t.data.end(), b, b + 8);
    } else {
      const int32_t w = static_cast<int32_t>(v);
      uint8_t b[4];
      std::memcpy(b, &w, 4);
      t.data.insert(t.data.end(), b, b + 4);
    }
  }
  g.tensors.push_back(std::move(t));
  return static_cast<int>(g.tensors.size()) - 1;
}

int IrBuilder::Op(OpType type, std::vector<int> in, int out, OpOptions o) {
  Operator op;
  op.type = type;
  op.inputs = std::move(in);
  op.outputs = {out};
  op.options = std::move(o);
  g.ops.push_back(std::move(op));
  return static_cast<int>(g.ops.size()) - 1;
}

Graph AllOpsGraph() {
  IrBuilder b("all_ops");
  const float s = 0.05f;
  const int x = b.Act("input", {1, 8, 8, 3}, 0, 0, DType::kFloat32);
  const int q = b.Act("quantized", {1, 8, 8, 3}, 0.02f, 3);
  b.Op(OpType::kQuantize, {x}, q);

  const int w1 = b.Weights("conv/w", {4, 3, 3, 3}, 0);
  const int b1 = b.Bias("conv/b", w1, 0, 0.02f);
  const int c1 = b.Act("conv", {1, 8, 8, 4}, s, -128);
  Conv2DOptions co;
  co.padding = Padding::kSame;
  co.activation = Activation::kRelu;
  b.Op(OpType::kConv2D, {q, w1, b1}, c1, co);

  const int w2 = b.Weights("dw/w", {1, 3, 3, 8}, 3);
  const int b2 = b.Bias("dw/b", w2, 3, s);
  const int c2 = b.Act("dw", {1, 4, 4, 8}, s, 2);
  DepthwiseConv2DOptions dwo;
  dwo.stride_h = dwo.stride_w = 2;
  dwo.depth_multiplier = 2;
  b.Op(OpType::kDepthwiseConv2D, {c1, w2, b2}, c2, dwo);

  const int pads = b.Ints("pad/paddings", {0, 0, 1, 1, 1, 1, 0, 0}, {4, 2});
  const int p = b.Act("pad", {1, 6, 6, 8}, s, 2);
  b.Op(OpType::kPad, {c2, pads}, p);

  const int ap = b.Act("avgpool", {1, 3, 3, 8}, s, 2);
  Pool2DOptions po;
  po.padding = Padding::kValid;
  po.stride_h = po.stride_w = 2;
  po.filter_h = po.filter_w = 2;
  b.Op(OpType::kAveragePool2D, {p}, ap, po);

  const int mp = b.Act("maxpool", {1, 3, 3, 8}, s, 2);
  Pool2DOptions mo;
  mo.padding = Padding::kSame;
  mo.filter_h = mo.filter_w = 2;
  b.Op(OpType::kMaxPool2D, {ap}, mp, mo);

  const int size = b.Ints("resize/size", {6, 6});
  const int rs = b.Act("resize", {1, 6, 6, 8}, s, 2);
  b.Op(OpType::kResizeNearestNeighbor, {mp, size}, rs, ResizeNearestNeighborOptions{});

  const int hs = b.Act("hardswish", {1, 6, 6, 8}, s, 2);
  b.Op(OpType::kHardSwish, {rs}, hs);
  const int r = b.Act("relu", {1, 6, 6, 8}, s, -128);
  b.Op(OpType::kRelu, {hs}, r);
  const int r6 = b.Act("relu6", {1, 6, 6, 8}, s, -128);
  b.Op(OpType::kRelu6, {r}, r6);
  const int lg = b.Act("logistic", {1, 6, 6, 8}, 1.0f / 256, -128);
  b.Op(OpType::kLogistic, {r6}, lg);

  const int mu = b.Act("mul", {1, 6, 6, 8}, 0.01f, -100);
  b.Op(OpType::kMul, {lg, r6}, mu, MulOptions{});
  const int ad = b.Act("add", {1, 6, 6, 8}, s, -20);
  b.Op(OpType::kAdd, {mu, r6}, ad, AddOptions{Activation::kRelu6});

  const int ct = b.Act("concat", {1, 6, 6, 16}, s, -20);
  ConcatenationOptions cco;
  cco.axis = 3;
  b.Op(OpType::kConcatenation, {ad, ad}, ct, cco);

  const int perm = b.Ints("transpose/perm", {0, 2, 1, 3});
  const int tr = b.Act("transpose", {1, 6, 6, 16}, s, -20);
  b.Op(OpType::kTranspose, {ct, perm}, tr);

  const int axes = b.Ints("mean/axes", {1, 2});
  const int mn = b.Act("mean", {1, 16}, 0.03f, -10);
  b.Op(OpType::kMean, {tr, axes}, mn, MeanOptions{false});

  const int shp = b.Ints("reshape/shape", {-1, 16});
  const int rh = b.Act("reshape", {1, 16}, 0.03f, -10);
  b.Op(OpType::kReshape, {mn, shp}, rh, ReshapeOptions{});

  const int wf = b.Weights("fc/w", {5, 16}, -1, 0.02f);
  const int bf = b.Bias("fc/b", wf, 0, 0.03f);
  const int fc = b.Act("fc", {1, 5}, 0.1f, 5);
  b.Op(OpType::kFullyConnected, {rh, wf, bf}, fc, FullyConnectedOptions{});

  const int sm = b.Act("softmax", {1, 5}, 1.0f / 256, -128);
  b.Op(OpType::kSoftmax, {fc}, sm, SoftmaxOptions{1.0f});
  const int out = b.Act("output", {1, 5}, 0, 0, DType::kFloat32);
  b.Op(OpType::kDequantize, {sm}, out);

  b.g.inputs = {x};
  b.g.outputs = {out};
  return b.g;
}

Graph SmallNchwGraph() {
  IrBuilder b("small_nchw");
  const int x = b.Act("input", {1, 3, 20, 18}, 0.02f, 3);
  const int perm = b.Ints("perm", {0, 2, 3, 1});
  const int t = b.Act("nhwc", {1, 20, 18, 3}, 0.02f, 3);
  b.Op(OpType::kTranspose, {x, perm}, t);
  const int w1 = b.Weights("c1/w", {8, 3, 3, 3}, 0);
  const int b1 = b.Bias("c1/b", w1, 0, 0.02f);
  const int c1 = b.Act("c1", {1, 10, 9, 8}, 0.05f, -128);
  Conv2DOptions co;
  co.stride_h = co.stride_w = 2;
  co.activation = Activation::kRelu6;
  b.Op(OpType::kConv2D, {t, w1, b1}, c1, co);
  const int w2 = b.Weights("dw/w", {1, 3, 3, 8}, 3);
  const int b2 = b.Bias("dw/b", w2, 3, 0.05f);
  const int c2 = b.Act("dw", {1, 10, 9, 8}, 0.05f, -128);
  DepthwiseConv2DOptions dwo;
  dwo.activation = Activation::kRelu6;
  b.Op(OpType::kDepthwiseConv2D, {c1, w2, b2}, c2, dwo);
  const int w3 = b.Weights("c3/w", {16, 1, 1, 8}, 0);
  const int b3 = b.Bias("c3/b", w3, 0, 0.05f);
  const int c3 = b.Act("c3", {1, 10, 9, 16}, 0.04f, 2);
  b.Op(OpType::kConv2D, {c2, w3, b3}, c3, Conv2DOptions{});
  const int axes = b.Ints("mean/axes", {1, 2});
  const int mn = b.Act("mean", {1, 16}, 0.03f, -10);
  b.Op(OpType::kMean, {c3, axes}, mn, MeanOptions{false});
  const int wf = b.Weights("fc/w", {5, 16}, -1, 0.02f);
  const int bf = b.Bias("fc/b", wf, 0, 0.03f);
  const int fc = b.Act("fc", {1, 5}, 0.1f, 5);
  b.Op(OpType::kFullyConnected, {mn, wf, bf}, fc, FullyConnectedOptions{});
  b.g.inputs = {x};
  b.g.outputs = {fc};
  return b.g;
}

}  // namespace tessera::test
