#include "support/checker_graphs.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace tessera::test {

int TinyGraph::Act(const std::string& name, std::vector<int32_t> shape, DType type) {
  Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.type = type;
  if (type == DType::kInt8) {
    t.quant.scale = {0.05f};
    t.quant.zero_point = {0};
  }
  g.tensors.push_back(std::move(t));
  return static_cast<int>(g.tensors.size()) - 1;
}

int TinyGraph::Const(const std::string& name, std::vector<int32_t> shape, DType type,
                     std::vector<uint8_t> data) {
  Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.type = type;
  t.is_const = true;
  if (data.empty()) data.assign(static_cast<size_t>(t.num_bytes()), 0);
  t.data = std::move(data);
  g.tensors.push_back(std::move(t));
  return static_cast<int>(g.tensors.size()) - 1;
}

int TinyGraph::Input(const std::string& name, std::vector<int32_t> shape, DType type) {
  const int t = Act(name, std::move(shape), type);
  g.inputs.push_back(t);
  return t;
}

int TinyGraph::Op(OpType type, std::vector<int> in, int out, OpOptions o) {
  Operator op;
  op.type = type;
  op.inputs = std::move(in);
  op.outputs = {out};
  op.options = std::move(o);
  g.ops.push_back(std::move(op));
  return out;
}

static std::string Nm(const Graph& g, const char* what) {
  return std::string(what) + std::to_string(g.ops.size());
}

int TinyGraph::Conv(int x, int cout, int k, int stride, Padding p, int dilation) {
  const auto s = g.tensors[x].shape;
  const int oh = ConvOutputSize(p, s[1], k, stride, dilation);
  const int ow = ConvOutputSize(p, s[2], k, stride, dilation);
  const int f = Const(Nm(g, "conv_w"), {cout, k, k, s[3]});
  const int b = Const(Nm(g, "conv_b"), {cout}, DType::kInt32);
  const int y = Act(Nm(g, "conv"), {1, oh, ow, cout});
  Conv2DOptions o;
  o.padding = p;
  o.stride_h = o.stride_w = stride;
  o.dilation_h = o.dilation_w = dilation;
  return Op(OpType::kConv2D, {x, f, b}, y, o);
}

int TinyGraph::Depthwise(int x, int k, int stride, Padding p) {
  const auto s = g.tensors[x].shape;
  const int oh = ConvOutputSize(p, s[1], k, stride, 1);
  const int ow = ConvOutputSize(p, s[2], k, stride, 1);
  const int f = Const(Nm(g, "dw_w"), {1, k, k, s[3]});
  const int b = Const(Nm(g, "dw_b"), {s[3]}, DType::kInt32);
  const int y = Act(Nm(g, "dw"), {1, oh, ow, s[3]});
  DepthwiseConv2DOptions o;
  o.padding = p;
  o.stride_h = o.stride_w = stride;
  return Op(OpType::kDepthwiseConv2D, {x, f, b}, y, o);
}

int TinyGraph::Pool(int x, int k, int stride, Padding p, bool max) {
  const auto s = g.tensors[x].shape;
  const int y = Act(Nm(g, "pool"), {1, ConvOutputSize(p, s[1], k, stride, 1), ConvOutputSize(p, s[2], k, stride, 1), s[3]});
  Pool2DOptions o;
  o.padding = p;
  o.stride_h = o.stride_w = stride;
  o.filter_h = o.filter_w = k;
  return Op(max ? OpType::kMaxPool2D : OpType::kAveragePool2D, {x}, y, o);
}

int TinyGraph::Pad(int x, int top, int bottom, int left, int right) {
  const auto s = g.tensors[x].shape;
  const int32_t v[8] = {0, 0, top, bottom, left, right, 0, 0};
  std::vector<uint8_t> data(sizeof v);
  std::memcpy(data.data(), v, sizeof v);
  const int pads = Const(Nm(g, "paddings"), {4, 2}, DType::kInt32, data);
  const int y = Act(Nm(g, "pad"), {1, s[1] + top + bottom, s[2] + left + right, s[3]});
  return Op(OpType::kPad, {x, pads}, y, std::monostate{});
}

int TinyGraph::Add(int a, int b) {
  auto sa = g.tensors[a].shape, sb = g.tensors[b].shape;
  std::vector<int32_t> so(4);
  for (int i = 0; i < 4; ++i) so[i] = std::max(sa[i], sb[i]);
  const int y = Act(Nm(g, "add"), so);
  return Op(OpType::kAdd, {a, b}, y, AddOptions{});
}

int TinyGraph::Relu(int x) {
  const int y = Act(Nm(g, "relu"), g.tensors[x].shape);
  return Op(OpType::kRelu, {x}, y, std::monostate{});
}

int TinyGraph::Reshape(int x, std::vector<int32_t> shape) {
  const int y = Act(Nm(g, "reshape"), shape);
  ReshapeOptions o;
  o.new_shape = shape;
  return Op(OpType::kReshape, {x}, y, o);
}

int TinyGraph::FullyConnected(int x, int units) {
  const auto s = g.tensors[x].shape;
  const int k = s.back();
  const int f = Const(Nm(g, "fc_w"), {units, k});
  const int b = Const(Nm(g, "fc_b"), {units}, DType::kInt32);
  const int y = Act(Nm(g, "fc"), {1, units});
  return Op(OpType::kFullyConnected, {x, f, b}, y, FullyConnectedOptions{});
}

int TinyGraph::Softmax(int x) {
  const int y = Act(Nm(g, "softmax"), g.tensors[x].shape);
  return Op(OpType::kSoftmax, {x}, y, SoftmaxOptions{});
}

int TinyGraph::Concat(int a, int b) {
  auto s = g.tensors[a].shape;
  s[3] += g.tensors[b].shape[3];
  const int y = Act(Nm(g, "concat"), s);
  ConcatenationOptions o;
  o.axis = 3;
  return Op(OpType::kConcatenation, {a, b}, y, o);
}

int TinyGraph::Quantize(int x, DType to) {
  const int y = Act(Nm(g, "quantize"), g.tensors[x].shape, to);
  return Op(OpType::kQuantize, {x}, y, std::monostate{});
}

void HandPlace(Plan& p) {
  const int nb = static_cast<int>(p.buffers.size());
  std::vector<int> order(nb);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return p.buffers[a].bytes > p.buffers[b].bytes; });
  std::vector<int> placed;
  int64_t arena = 0;
  for (int i : order) {
    Buffer& b = p.buffers[i];
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (int j : placed) {
      const Buffer& o = p.buffers[j];
      if (o.external != b.external || o.last < b.first || b.last < o.first) continue;
      busy.emplace_back(o.offset, o.offset + o.bytes);
    }
    std::sort(busy.begin(), busy.end());
    int64_t off = 0;
    for (auto [s, e] : busy) {
      if (off + b.bytes <= s) break;
      off = std::max(off, e);
    }
    b.offset = off;
    if (!b.external) arena = std::max(arena, off + b.bytes);
    placed.push_back(i);
  }
  p.arena_bytes = arena;
}

Plan HandLayerByLayer(const Graph& g) {
  Plan p;
  p.strategy = "test_lbl";
  const int nt = static_cast<int>(g.tensors.size());
  const int ns = static_cast<int>(g.ops.size());
  std::vector<int> buf(nt, -1);
  auto make = [&](int t, int first) {
    Buffer b;
    b.name = g.tensors[t].name;
    b.tensor = t;
    b.window = FullWindow(g, t);
    b.bytes = g.tensors[t].num_bytes();
    b.first = b.last = first;
    buf[t] = static_cast<int>(p.buffers.size());
    p.buffers.push_back(b);
  };
  for (int t : g.inputs) make(t, 0);
  for (int i = 0; i < ns; ++i) {
    Step s;
    s.op = i;
    s.window = FullWindow(g, g.ops[i].outputs[0]);
    for (int t : g.ops[i].inputs)
      if (t != kNoTensor && !g.tensors[t].is_const) {
        s.inputs.push_back(buf[t]);
        p.buffers[buf[t]].last = i;
      }
    make(g.ops[i].outputs[0], i);
    s.outputs.push_back(buf[g.ops[i].outputs[0]]);
    p.steps.push_back(s);
  }
  for (int t : g.inputs) p.input_buffers.push_back(buf[t]);
  for (int t : g.outputs) {
    p.output_buffers.push_back(buf[t]);
    p.buffers[buf[t]].last = ns - 1;
  }
  HandPlace(p);
  return p;
}

Graph ResidualNet() {
  TinyGraph b("residual");
  const int x = b.Input("input", {1, 12, 12, 3});
  const int c1 = b.Conv(x, 8, 3, 2);         // 6x6x8
  const int d1 = b.Depthwise(c1, 3, 1);      // 6x6x8
  const int c2 = b.Conv(d1, 8, 1, 1);        // 6x6x8
  const int a = b.Add(c1, c2);               // residual
  const int p = b.Pool(a, 6, 1);             // 1x1x8
  const int r = b.Reshape(p, {1, 8});
  const int f = b.FullyConnected(r, 5);
  const int s = b.Softmax(f);
  return b.Finish({s});
}

}  // namespace tessera::test
