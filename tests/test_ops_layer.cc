// The operator layer: each of the 20 operator types, alone in a one-operator model, run by
// the operator layer and by TensorFlow Lite's C library (an interpreter written elsewhere)
// on the same random input; PAD fusion; errors for unsupported or mis-sized input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <set>

#include "ops/ops.h"
#include "support/all_ops_graph.h"
#include "support/tflite_c.h"
#include "tflite/writer.h"

namespace tessera {
namespace {

// Operator `op` of `g` alone: its tensors (constants included), activation inputs as graph
// inputs, its output as the graph output.
Graph SingleOp(const Graph& g, int op) {
  Graph s;
  s.name = g.name + "_op" + std::to_string(op);
  std::map<int, int> remap;
  auto take = [&](int t) {
    if (t == kNoTensor) return kNoTensor;
    auto it = remap.find(t);
    if (it != remap.end()) return it->second;
    s.tensors.push_back(g.tensors[t]);
    return remap[t] = static_cast<int>(s.tensors.size()) - 1;
  };
  Operator o = g.ops[op];
  for (int& t : o.inputs) t = take(t);
  for (int& t : o.outputs) t = take(t);
  std::set<int> seen;
  for (int t : o.inputs)
    if (t != kNoTensor && !s.tensors[t].is_const && seen.insert(t).second) s.inputs.push_back(t);
  s.outputs = o.outputs;
  s.ops.push_back(o);
  return s;
}

std::vector<uint8_t> RandomBytes(std::mt19937& rng, const Tensor& t) {
  std::vector<uint8_t> v(static_cast<size_t>(t.num_bytes()));
  if (t.type == DType::kFloat32) {
    std::uniform_real_distribution<float> d(-2.0f, 2.0f);
    for (size_t i = 0; i < v.size(); i += 4) {
      const float f = d(rng);
      std::memcpy(v.data() + i, &f, 4);
    }
  } else {
    for (auto& b : v) b = static_cast<uint8_t>(rng() & 0xFF);
  }
  return v;
}

// Largest difference between two outputs: in quantization steps for int8, relative for
// float32.
double MaxDiff(const Tensor& t, const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  double m = 0;
  if (t.type == DType::kFloat32) {
    for (size_t i = 0; i + 4 <= a.size(); i += 4) {
      float x, y;
      std::memcpy(&x, a.data() + i, 4);
      std::memcpy(&y, b.data() + i, 4);
      m = std::max(m, double(std::abs(x - y)) / std::max(1e-30, double(std::abs(x))));
    }
  } else {
    for (size_t i = 0; i < a.size(); ++i)
      m = std::max(m, double(std::abs(int(int8_t(a[i])) - int(int8_t(b[i])))));
  }
  return m;
}

TEST(OpsLayer, EachOperatorAgreesWithTflite) {
  TESSERA_REQUIRE_TFLITE();
  const Graph all = test::AllOpsGraph();
  std::mt19937 rng(2024);
  std::set<OpType> covered;
  for (int i = 0; i < static_cast<int>(all.ops.size()); ++i) {
    const Graph g = SingleOp(all, i);
    const ops::PreparedOp p = ops::PrepareOp(g, 0);
    std::map<int, std::vector<uint8_t>> data;
    std::vector<std::vector<uint8_t>> tfl_inputs;
    for (int t : g.inputs) {
      data[t] = RandomBytes(rng, g.tensors[t]);
      tfl_inputs.push_back(data[t]);
    }
    const std::vector<uint8_t> theirs = test::RunTflite(WriteTfliteBytes(g), tfl_inputs).at(0);
    std::vector<ops::ConstView> in;
    for (int t : p.inputs) in.push_back({data[t].data(), FullWindow(g, t)});
    std::vector<uint8_t> ours(static_cast<size_t>(g.tensors[p.output].num_bytes()));
    ops::RunOp(p, in, {{ours.data(), FullWindow(g, p.output)}}, ops::OutputWindow(p), nullptr);
    ASSERT_EQ(ours.size(), theirs.size()) << p.label;
    // TFLite's built-in (optimized) kernels use lookup tables or float reciprocals for these,
    // where TFLM's reference uses fixed-point arithmetic; they agree to one step.
    const OpType t = g.ops[0].type;
    const bool approx = t == OpType::kLogistic || t == OpType::kSoftmax || t == OpType::kMean ||
                        t == OpType::kQuantize || t == OpType::kDequantize;
    if (t == OpType::kDequantize)
      EXPECT_LE(MaxDiff(g.tensors[p.output], ours, theirs), 1e-6) << p.label;
    else if (approx)
      EXPECT_LE(MaxDiff(g.tensors[p.output], ours, theirs), 1.0) << p.label;
    else
      EXPECT_EQ(ours, theirs) << p.label << " differs from TFLite";
    covered.insert(t);
  }
  // The all-ops graph holds the first 20 operator types; the newer ones (model-zoo and
  // element-wise units) have their TensorFlow Lite differential tests in
  // test_tflite_differential_ops.cc and test_tflite_differential_elem.cc.
  EXPECT_EQ(static_cast<int>(covered.size()), static_cast<int>(OpType::kDequantize) + 1);
}

// x -> PAD -> CONV_2D (VALID): running PAD then the convolution gives the same bytes as the
// convolution with the PAD folded in, over the whole output and over tiles.
TEST(OpsLayer, FusedPadEqualsPadThenConv) {
  for (int depthwise = 0; depthwise < 2; ++depthwise) {
    test::IrBuilder b("fuse");
    const int x = b.Act("x", {1, 9, 7, 4}, 0.05f, 7);
    const int pads = b.Ints("pads", {0, 0, 2, 1, 0, 3, 0, 0}, {4, 2});
    const int px = b.Act("padded", {1, 12, 10, 4}, 0.05f, 7);
    b.Op(OpType::kPad, {x, pads}, px);
    const int y = b.Act("y", {1, 5, 4, depthwise ? 8 : 6}, 0.1f, -3);
    if (depthwise) {
      const int w = b.Weights("w", {1, 3, 3, 8}, 3);
      DepthwiseConv2DOptions o;
      o.padding = Padding::kValid;
      o.stride_h = o.stride_w = 2;
      o.depth_multiplier = 2;
      b.Op(OpType::kDepthwiseConv2D, {px, w, b.Bias("b", w, 3, 0.05f)}, y, o);
    } else {
      const int w = b.Weights("w", {6, 3, 3, 4}, 0);
      Conv2DOptions o;
      o.padding = Padding::kValid;
      o.stride_h = o.stride_w = 2;
      b.Op(OpType::kConv2D, {px, w, b.Bias("b", w, 0, 0.05f)}, y, o);
    }
    Graph& g = b.g;
    std::mt19937 rng(5);
    const std::vector<uint8_t> xin = RandomBytes(rng, g.tensors[x]);
    std::vector<uint8_t> padded(static_cast<size_t>(g.tensors[px].num_bytes()));
    std::vector<uint8_t> expect(static_cast<size_t>(g.tensors[y].num_bytes()));
    const ops::PreparedOp pad = ops::PrepareOp(g, 0);
    ops::RunOp(pad, {{xin.data(), FullWindow(g, x)}}, {{padded.data(), FullWindow(g, px)}},
               FullWindow(g, px), nullptr);
    const ops::PreparedOp conv = ops::PrepareOp(g, 1);
    ops::RunOp(conv, {{padded.data(), FullWindow(g, px)}}, {{expect.data(), FullWindow(g, y)}},
               FullWindow(g, y), nullptr);
    std::string why;
    ASSERT_TRUE(ops::CanFusePad(g, 0, 1, &why)) << why;
    const ops::PreparedOp fused = ops::PrepareOp(g, 1, 0);
    EXPECT_EQ(fused.inputs, std::vector<int>{x});
    std::vector<uint8_t> got(expect.size());
    ops::RunOp(fused, {{xin.data(), FullWindow(g, x)}}, {{got.data(), FullWindow(g, y)}},
               FullWindow(g, y), nullptr);
    EXPECT_EQ(got, expect);
    // Row by row, each row from exactly the rows of x it needs.
    const int C = g.tensors[y].shape[3], W = g.tensors[y].shape[2], XW = 7, XC = 4;
    std::vector<uint8_t> tiled(expect.size());
    for (int r = 0; r < g.tensors[y].shape[1]; ++r) {
      const Window w{r, r + 1, 0, W};
      const Window need = ops::RequiredInputWindow(fused, 0, w);
      std::vector<uint8_t> held(static_cast<size_t>(std::max(1, need.h() * need.w() * XC)));
      for (int yy = need.y0; yy < need.y1; ++yy)
        std::memcpy(held.data() + (yy - need.y0) * need.w() * XC,
                    xin.data() + (yy * XW + need.x0) * XC, static_cast<size_t>(need.w() * XC));
      ops::RunOp(fused, {{held.data(), need}}, {{tiled.data() + r * W * C, w}}, w, nullptr);
    }
    EXPECT_EQ(tiled, expect);
  }
}

TEST(OpsLayer, ErrorsNameTheOperator) {
  test::IrBuilder b("bad");
  const int x = b.Act("x", {1, 4, 4, 2}, 0, 0, DType::kFloat32);
  const int w = b.Weights("w", {3, 1, 1, 2}, 0);
  const int y = b.Act("y", {1, 4, 4, 3}, 0.1f, 0);
  b.Op(OpType::kConv2D, {x, w}, y, Conv2DOptions{});
  try {
    ops::PrepareOp(b.g, 0);
    FAIL() << "float input accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("operator 0 (CONV_2D)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("float32"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ops::PrepareOp(b.g, 5), Error);

  // A window-capable operator refuses an input buffer that lacks part of its receptive window,
  // and a whole-tensor operator refuses a partial window.
  const Graph all = test::AllOpsGraph();
  int conv_op = -1, tr_op = -1, pool_op = -1;
  for (int i = 0; i < static_cast<int>(all.ops.size()); ++i) {
    if (all.ops[i].type == OpType::kConv2D) conv_op = i;
    if (all.ops[i].type == OpType::kTranspose) tr_op = i;
    if (all.ops[i].type == OpType::kAveragePool2D) pool_op = i;
  }
  const ops::PreparedOp conv = ops::PrepareOp(all, conv_op);
  std::vector<uint8_t> buf(4096);
  const Window out{0, 2, 0, 2};
  Window need = ops::RequiredInputWindow(conv, 0, out);
  Window short_by_one = need;
  short_by_one.y1 -= 1;
  EXPECT_THROW(ops::RunOp(conv, {{buf.data(), short_by_one}}, {{buf.data() + 2048, out}}, out, nullptr),
               Error);
  EXPECT_NO_THROW(ops::RunOp(conv, {{buf.data(), need}}, {{buf.data() + 2048, out}}, out, nullptr));
  // The TRANSPOSE (perm [0,2,1,3], batch 1) runs over windows: output rows are input
  // columns, so a window needs those input columns and refuses a buffer one column short.
  const ops::PreparedOp tr = ops::PrepareOp(all, tr_op);
  EXPECT_EQ(tr.kind, ops::Kind::kSpatial);
  const Window part{0, 1, 0, 6};
  const Window tr_need = ops::RequiredInputWindow(tr, 0, part);
  EXPECT_EQ(tr_need, (Window{0, 6, 0, 1}));
  EXPECT_NO_THROW(ops::RunOp(tr, {{buf.data(), tr_need}}, {{buf.data() + 2048, part}}, part, nullptr));
  EXPECT_THROW(ops::RunOp(tr, {{buf.data(), Window{0, 5, 0, 1}}}, {{buf.data() + 2048, part}}, part, nullptr),
               Error);
  // A PAD cannot be folded into an average pool (the divisor counts in-bounds elements).
  std::string why;
  EXPECT_FALSE(ops::CanFusePad(all, pool_op - 1, pool_op, &why));
  EXPECT_THROW(ops::PrepareOp(all, pool_op, pool_op - 1), Error);
}

}  // namespace
}  // namespace tessera
