// Receptive fields (analysis/receptive_field.h) and MAC counts (analysis/macs.h) on small
// hand-built graphs. Expected windows come from the definition (brute force over every output
// pixel and kernel tap) or from arithmetic done by hand in the test, never from the code
// under test.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "analysis/macs.h"
#include "analysis/receptive_field.h"
#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {
namespace {

// A tiny graph builder: shapes and options only (weights are never read here).
struct G {
  Graph g;
  int Act(std::vector<int32_t> shape) {
    Tensor t;
    t.name = "t" + std::to_string(g.tensors.size());
    t.shape = std::move(shape);
    g.tensors.push_back(t);
    return static_cast<int>(g.tensors.size()) - 1;
  }
  int Const(std::vector<int32_t> shape, DType type = DType::kInt8, std::vector<uint8_t> data = {}) {
    Tensor t;
    t.name = "c" + std::to_string(g.tensors.size());
    t.shape = std::move(shape);
    t.type = type;
    t.is_const = true;
    t.data = std::move(data);
    g.tensors.push_back(t);
    return static_cast<int>(g.tensors.size()) - 1;
  }
  int Op(OpType type, std::vector<int> in, int out, OpOptions o = {}) {
    Operator op;
    op.type = type;
    op.inputs = std::move(in);
    op.outputs = {out};
    op.options = o;
    g.ops.push_back(op);
    return static_cast<int>(g.ops.size()) - 1;
  }
};

Window W(int y0, int y1, int x0, int x1) { return Window{y0, y1, x0, x1}; }

// Brute force: every in-bounds input pixel some output pixel of `out` reads.
Window BruteStrided(int in_h, int in_w, int kh, int kw, int sh, int sw, int dh, int dw, int ph, int pw,
                    const Window& out) {
  Window r;
  for (int oy = out.y0; oy < out.y1; ++oy)
    for (int ox = out.x0; ox < out.x1; ++ox)
      for (int ky = 0; ky < kh; ++ky)
        for (int kx = 0; kx < kw; ++kx) {
          const int iy = oy * sh - ph + ky * dh, ix = ox * sw - pw + kx * dw;
          if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) continue;
          r = UnionWindow(r, W(iy, iy + 1, ix, ix + 1));
        }
  return r;
}

TEST(ReceptiveField, Conv3x3SameStride1) {
  G b;
  const int x = b.Act({1, 10, 12, 4});
  const int f = b.Const({8, 3, 3, 4});
  const int y = b.Act({1, 10, 12, 8});
  Conv2DOptions o;
  const int op = b.Op(OpType::kConv2D, {x, f, kNoTensor}, y, o);
  EXPECT_EQ(InputWindow(b.g, op, 0, W(2, 5, 3, 7)), W(1, 6, 2, 8));
  EXPECT_EQ(InputWindow(b.g, op, 0, W(0, 2, 0, 12)), W(0, 3, 0, 12));  // clipped at both sides
  EXPECT_EQ(InputWindow(b.g, op, 0, W(9, 10, 11, 12)), W(8, 10, 10, 12));
  EXPECT_TRUE(InputWindow(b.g, op, 0, Window{}).empty());
  EXPECT_EQ(InputWindow(b.g, op, 1, W(2, 5, 3, 7)), FullWindow(b.g, f));  // constant operand
}

TEST(ReceptiveField, Stride2SameEvenAndOddInputs) {
  // 224 -> 112 with a 3x3 stride-2 SAME conv: total padding 1, TFLite puts 0 before.
  G b;
  const int x = b.Act({1, 224, 224, 3});
  const int f = b.Const({32, 3, 3, 3});
  const int y = b.Act({1, 112, 112, 32});
  Conv2DOptions o;
  o.stride_h = o.stride_w = 2;
  const int op = b.Op(OpType::kConv2D, {x, f, kNoTensor}, y, o);
  EXPECT_EQ(InputWindow(b.g, op, 0, W(0, 1, 0, 1)), W(0, 3, 0, 3));
  EXPECT_EQ(InputWindow(b.g, op, 0, W(0, 28, 28, 56)), W(0, 57, 56, 113));
  EXPECT_EQ(InputWindow(b.g, op, 0, W(111, 112, 0, 112)), W(222, 224, 0, 224));
  // 225 -> 113: total padding 2, one before.
  G c;
  const int x2 = c.Act({1, 225, 225, 3});
  const int f2 = c.Const({32, 3, 3, 3});
  const int y2 = c.Act({1, 113, 113, 32});
  const int op2 = c.Op(OpType::kConv2D, {x2, f2, kNoTensor}, y2, o);
  EXPECT_EQ(InputWindow(c.g, op2, 0, W(0, 1, 1, 2)), W(0, 2, 1, 4));
  EXPECT_EQ(InputWindow(c.g, op2, 0, W(112, 113, 112, 113)), W(223, 225, 223, 225));
}

TEST(ReceptiveField, MatchesBruteForceForRandomConvolutions) {
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int it = 0; it < 400; ++it) {
    const int in_h = pick(1, 40), in_w = pick(1, 40);
    const int kh = pick(1, 7), kw = pick(1, 7), sh = pick(1, 3), sw = pick(1, 3);
    const int dh = pick(1, 3), dw = pick(1, 3);
    const Padding pad = pick(0, 1) ? Padding::kSame : Padding::kValid;
    const int out_h = ConvOutputSize(pad, in_h, kh, sh, dh), out_w = ConvOutputSize(pad, in_w, kw, sw, dw);
    if (out_h <= 0 || out_w <= 0) continue;
    const bool depthwise = pick(0, 1);
    G b;
    const int x = b.Act({1, in_h, in_w, 2});
    const int f = depthwise ? b.Const({1, kh, kw, 2}) : b.Const({3, kh, kw, 2});
    const int y = b.Act({1, out_h, out_w, depthwise ? 2 : 3});
    int op;
    if (depthwise) {
      DepthwiseConv2DOptions o;
      o.padding = pad;
      o.stride_h = sh, o.stride_w = sw, o.dilation_h = dh, o.dilation_w = dw;
      op = b.Op(OpType::kDepthwiseConv2D, {x, f, kNoTensor}, y, o);
    } else {
      Conv2DOptions o;
      o.padding = pad;
      o.stride_h = sh, o.stride_w = sw, o.dilation_h = dh, o.dilation_w = dw;
      op = b.Op(OpType::kConv2D, {x, f, kNoTensor}, y, o);
    }
    const int y0 = pick(0, out_h - 1), y1 = pick(y0 + 1, out_h);
    const int x0 = pick(0, out_w - 1), x1 = pick(x0 + 1, out_w);
    // TFLite's padding before, computed here from its formula.
    const int ph = pad == Padding::kSame ? std::max(0, (out_h - 1) * sh + (kh - 1) * dh + 1 - in_h) / 2 : 0;
    const int pw = pad == Padding::kSame ? std::max(0, (out_w - 1) * sw + (kw - 1) * dw + 1 - in_w) / 2 : 0;
    const Window expect = BruteStrided(in_h, in_w, kh, kw, sh, sw, dh, dw, ph, pw, W(y0, y1, x0, x1));
    const Window got = InputWindow(b.g, op, 0, W(y0, y1, x0, x1));
    ASSERT_EQ(got, expect) << "in " << in_h << "x" << in_w << " k " << kh << "x" << kw << " s " << sh << "," << sw
                           << " d " << dh << "," << dw << " same=" << (pad == Padding::kSame) << " out window ["
                           << y0 << "," << y1 << ")x[" << x0 << "," << x1 << ")";
  }
}

TEST(ReceptiveField, DepthwiseLargeKernelsNonSquare) {
  // 7x7 stride 2 SAME on 128x160 and 5x5 stride 1.
  G b;
  const int x = b.Act({1, 128, 160, 8});
  const int f7 = b.Const({1, 7, 7, 8});
  const int y = b.Act({1, 64, 80, 8});
  DepthwiseConv2DOptions o;
  o.stride_h = o.stride_w = 2;
  const int op7 = b.Op(OpType::kDepthwiseConv2D, {x, f7, kNoTensor}, y, o);
  // total padding rows: 63*2+7-128 = 5 -> 2 before; cols: 79*2+7-160 = 5 -> 2 before.
  EXPECT_EQ(InputWindow(b.g, op7, 0, W(10, 20, 30, 40)), W(18, 43, 58, 83));
  const int f5 = b.Const({1, 5, 5, 8});
  const int z = b.Act({1, 64, 80, 8});
  DepthwiseConv2DOptions o5;
  const int op5 = b.Op(OpType::kDepthwiseConv2D, {y, f5, kNoTensor}, z, o5);
  EXPECT_EQ(InputWindow(b.g, op5, 0, W(0, 1, 79, 80)), W(0, 3, 77, 80));
}

TEST(ReceptiveField, Pools) {
  G b;
  const int x = b.Act({1, 9, 9, 4});
  const int y = b.Act({1, 4, 4, 4});
  Pool2DOptions o;
  o.filter_h = o.filter_w = 3;
  o.stride_h = o.stride_w = 2;
  o.padding = Padding::kValid;
  const int op = b.Op(OpType::kMaxPool2D, {x}, y, o);
  EXPECT_EQ(InputWindow(b.g, op, 0, W(1, 3, 0, 1)), W(2, 7, 0, 3));
  const int z = b.Act({1, 2, 2, 4});
  Pool2DOptions a;
  a.filter_h = a.filter_w = 2;
  a.stride_h = a.stride_w = 2;
  a.padding = Padding::kSame;
  const int op2 = b.Op(OpType::kAveragePool2D, {y}, z, a);
  EXPECT_EQ(InputWindow(b.g, op2, 0, W(1, 2, 0, 2)), W(2, 4, 0, 4));
}

std::vector<uint8_t> Int32Bytes(std::vector<int32_t> v) {
  std::vector<uint8_t> r(v.size() * 4);
  std::memcpy(r.data(), v.data(), r.size());
  return r;
}

TEST(ReceptiveField, ExplicitPad) {
  G b;
  const int x = b.Act({1, 10, 8, 3});
  const int p = b.Const({4, 2}, DType::kInt32, Int32Bytes({0, 0, 1, 2, 3, 4, 0, 0}));
  const int y = b.Act({1, 13, 15, 3});
  const int op = b.Op(OpType::kPad, {x, p}, y);
  EXPECT_EQ(InputWindow(b.g, op, 0, W(0, 13, 0, 15)), W(0, 10, 0, 8));
  EXPECT_EQ(InputWindow(b.g, op, 0, W(0, 5, 0, 5)), W(0, 4, 0, 2));
  EXPECT_TRUE(InputWindow(b.g, op, 0, W(11, 13, 12, 15)).empty());  // all padding
  EXPECT_EQ(InputWindow(b.g, op, 0, W(3, 6, 2, 9)), W(2, 5, 0, 6));
  // Malformed paddings: an Error naming the operator, never a crash.
  G c;
  const int x2 = c.Act({1, 4, 4, 1});
  const int p2 = c.Const({4, 2}, DType::kInt32, Int32Bytes({0, 0, 1}));
  const int y2 = c.Act({1, 5, 5, 1});
  const int op2 = c.Op(OpType::kPad, {x2, p2}, y2);
  try {
    InputWindow(c.g, op2, 0, W(0, 1, 0, 1));
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("operator 0 (PAD)"), std::string::npos) << e.what();
  }
}

TEST(ReceptiveField, ElementwiseAndBroadcast) {
  G b;
  const int x = b.Act({1, 6, 6, 4});
  const int s = b.Act({1, 1, 1, 4});
  const int y = b.Act({1, 6, 6, 4});
  const int op = b.Op(OpType::kMul, {x, s}, y, MulOptions{});
  EXPECT_EQ(InputWindow(b.g, op, 0, W(1, 3, 2, 5)), W(1, 3, 2, 5));
  EXPECT_EQ(InputWindow(b.g, op, 1, W(1, 3, 2, 5)), W(0, 1, 0, 1));
  const int q = b.Act({1, 6, 6, 4});
  const int op2 = b.Op(OpType::kQuantize, {y}, q);
  EXPECT_EQ(InputWindow(b.g, op2, 0, W(5, 6, 0, 6)), W(5, 6, 0, 6));
  EXPECT_THROW(InputWindow(b.g, op2, 0, W(5, 7, 0, 6)), Error);  // outside the output
  EXPECT_THROW(InputWindow(b.g, 9, 0, W(0, 1, 0, 1)), Error);
}

TEST(ReceptiveField, ResizeNearestNeighbor) {
  G b;
  const int x = b.Act({1, 5, 7, 2});
  const int size = b.Const({2}, DType::kInt32, Int32Bytes({10, 14}));
  const int y = b.Act({1, 10, 14, 2});
  const int op = b.Op(OpType::kResizeNearestNeighbor, {x, size}, y, ResizeNearestNeighborOptions{});
  // scale 0.5: output y reads floor(y/2).
  EXPECT_EQ(InputWindow(b.g, op, 0, W(3, 6, 0, 14)), W(1, 3, 0, 7));
  ResizeNearestNeighborOptions hp;
  hp.half_pixel_centers = true;
  b.g.ops[op].options = hp;
  // floor((y+0.5)*0.5): y=3 -> 1, y=5 -> 2.
  EXPECT_EQ(InputWindow(b.g, op, 0, W(3, 6, 13, 14)), W(1, 3, 6, 7));
}

TEST(ReceptiveField, PositionMixingOperatorsNeedEverything) {
  G b;
  const int x = b.Act({1, 4, 4, 8});
  const int y = b.Act({1, 128});
  const int shape = b.Const({2}, DType::kInt32, Int32Bytes({1, 128}));
  const int op = b.Op(OpType::kReshape, {x, shape}, y, ReshapeOptions{});
  EXPECT_FALSE(IsWindowable(b.g, op));
  EXPECT_EQ(InputWindow(b.g, op, 0, W(0, 1, 0, 1)), W(0, 4, 0, 4));
}

// x -> 1x1 expand -> 3x3 depthwise -> 1x1 project -> ADD(x): the block input is needed both by
// the ADD (same window) and by the expand conv (one more row/column each side): the union.
TEST(ReceptiveField, StageWindowsUnionOverConsumers) {
  G b;
  const int x = b.Act({1, 16, 20, 8});
  const int e = b.Act({1, 16, 20, 24});
  const int d = b.Act({1, 16, 20, 24});
  const int p = b.Act({1, 16, 20, 8});
  const int s = b.Act({1, 16, 20, 8});
  b.Op(OpType::kConv2D, {x, b.Const({24, 1, 1, 8}), kNoTensor}, e, Conv2DOptions{});
  b.Op(OpType::kDepthwiseConv2D, {e, b.Const({1, 3, 3, 24}), kNoTensor}, d, DepthwiseConv2DOptions{});
  b.Op(OpType::kConv2D, {d, b.Const({8, 1, 1, 24}), kNoTensor}, p, Conv2DOptions{});
  b.Op(OpType::kAdd, {p, x}, s, AddOptions{});
  const std::vector<Window> need = PropagateWindows(b.g, {0, 1, 2, 3}, {{s, W(4, 8, 0, 10)}});
  EXPECT_EQ(need[s], W(4, 8, 0, 10));
  EXPECT_EQ(need[p], W(4, 8, 0, 10));
  EXPECT_EQ(need[d], W(4, 8, 0, 10));
  EXPECT_EQ(need[e], W(3, 9, 0, 11));
  EXPECT_EQ(need[x], W(3, 9, 0, 11));
  // Two seeds: the union.
  const std::vector<Window> need2 = PropagateWindows(b.g, {0, 1, 2, 3}, {{s, W(0, 2, 0, 2)}, {d, W(10, 12, 10, 12)}});
  EXPECT_EQ(need2[d], W(0, 12, 0, 12));
  EXPECT_EQ(need2[e], W(0, 13, 0, 13));
  EXPECT_EQ(ReceptiveWindow(b.g, x, s, W(0, 1, 0, 1)), W(0, 2, 0, 2));
}

TEST(Macs, PerOperatorFormulas) {
  G b;
  const int x = b.Act({1, 224, 224, 3});
  const int y = b.Act({1, 112, 112, 32});
  Conv2DOptions o;
  o.stride_h = o.stride_w = 2;
  const int c = b.Op(OpType::kConv2D, {x, b.Const({32, 3, 3, 3}), kNoTensor}, y, o);
  const int z = b.Act({1, 112, 112, 32});
  const int d = b.Op(OpType::kDepthwiseConv2D, {y, b.Const({1, 3, 3, 32}), kNoTensor}, z, DepthwiseConv2DOptions{});
  const int r = b.Act({1, 401408});
  const int rs = b.Op(OpType::kReshape, {z, b.Const({2}, DType::kInt32, Int32Bytes({1, 401408}))}, r,
                      ReshapeOptions{});
  const int v = b.Act({1, 640});
  const int fv = b.Act({1, 128});
  const int fc = b.Op(OpType::kFullyConnected, {v, b.Const({128, 640}), kNoTensor}, fv, FullyConnectedOptions{});
  EXPECT_EQ(OpMacs(b.g, c), 112LL * 112 * 32 * 3 * 3 * 3);  // 10,838,016
  EXPECT_EQ(OpMacs(b.g, d), 112LL * 112 * 32 * 3 * 3);
  EXPECT_EQ(OpMacs(b.g, rs), 0);
  EXPECT_EQ(OpMacs(b.g, fc), 640LL * 128);
  EXPECT_EQ(WindowMacs(b.g, c, W(0, 10, 0, 7)), 70LL * 32 * 27);
  EXPECT_EQ(WindowMacs(b.g, c, Window{}), 0);
  EXPECT_EQ(GraphMacs(b.g), 112LL * 112 * 32 * 27 + 112LL * 112 * 32 * 9 + 640 * 128);
  Plan plan;  // two halves of the conv, one of them overlapping by 2 rows
  Step s1;
  s1.op = c;
  s1.window = W(0, 58, 0, 112);
  Step s2 = s1;
  s2.window = W(56, 112, 0, 112);
  plan.steps = {s1, s2};
  EXPECT_EQ(PlanMacs(b.g, plan), 114LL * 112 * 32 * 27);
}

}  // namespace
}  // namespace tessera
