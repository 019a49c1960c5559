// Segment-level overlap (memory/overlap.h): the bound D that MaxOutputShift derives is checked
// three independent ways:
//  1. a byte-level brute force in this file (its own receptive fields, its own replay of the
//     access order, every relative offset tried) must find exactly the same D;
//  2. the plan checker must accept the output placed at D and reject it one byte higher;
//  3. closed-form footprints of canonical MobileNet layers (written from the geometry, not
//     from the planner) must match OverlappedFootprint(in, out, D) exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "memory/overlap.h"
#include "schedule/layer_by_layer.h"
#include "zoo/builder.h"

namespace tessera {
namespace {

struct Layer {
  Graph g;
  Plan plan;
};

Layer Single(const std::vector<int32_t>& in_shape, const std::function<int(zoo::GraphBuilder&, int)>& f) {
  zoo::GraphBuilder b("layer", 7);
  const int x = b.Input(in_shape, 0.02f, -3);
  const int y = f(b, x);
  Layer l{b.Finish({y}), {}};
  l.plan = ScheduleLayerByLayer(l.g);
  return l;
}

// --- the brute force -------------------------------------------------------------------------

// One unit of the access order: input byte ranges it reads, output byte range it writes.
struct Unit {
  std::vector<std::pair<int64_t, int64_t>> reads;  // [begin, end) in the input buffer
  int64_t wbeg = 0, wend = 0;                      // in the output buffer
};

// TensorFlow's padding before, written out: out = ceil(in/s) (SAME) or ceil((in-k+1)/s).
int32_t PadBefore(bool same, int32_t in, int32_t k, int32_t s) {
  if (!same) return 0;
  const int32_t out = (in + s - 1) / s;
  return std::max((out - 1) * s + k - in, 0) / 2;
}

// Units of a k x k window operator (convolution, depthwise, pool) on an h x w x cin input
// producing ho x wo x cout.
std::vector<Unit> WindowUnits(int32_t h, int32_t w, int32_t cin, int32_t ho, int32_t wo, int32_t cout,
                              int32_t k, int32_t s, bool same) {
  const int32_t pt = PadBefore(same, h, k, s), pl = PadBefore(same, w, k, s);
  std::vector<Unit> u;
  for (int32_t oy = 0; oy < ho; ++oy)
    for (int32_t ox = 0; ox < wo; ++ox) {
      Unit unit;
      for (int32_t ky = 0; ky < k; ++ky)
        for (int32_t kx = 0; kx < k; ++kx) {
          const int32_t y = oy * s - pt + ky, x = ox * s - pl + kx;
          if (y < 0 || y >= h || x < 0 || x >= w) continue;
          const int64_t b = (static_cast<int64_t>(y) * w + x) * cin;
          unit.reads.emplace_back(b, b + cin);
        }
      unit.wbeg = (static_cast<int64_t>(oy) * wo + ox) * cout;
      unit.wend = unit.wbeg + cout;
      u.push_back(std::move(unit));
    }
  return u;
}

// True when no read of the replay finds a byte the step itself overwrote, with the output at
// input-relative offset d.
bool SafeAt(const std::vector<Unit>& units, int64_t in_bytes, int64_t d, bool reread) {
  std::vector<char> clobbered(static_cast<size_t>(in_bytes), 0);
  auto read_ok = [&](const Unit& u) {
    for (auto [b, e] : u.reads)
      for (int64_t i = b; i < e; ++i)
        if (clobbered[i]) return false;
    return true;
  };
  for (const Unit& u : units) {
    if (!read_ok(u)) return false;
    for (int64_t i = std::max<int64_t>(d + u.wbeg, 0); i < std::min<int64_t>(d + u.wend, in_bytes); ++i) clobbered[i] = 1;
    if (reread && !read_ok(u)) return false;
  }
  return true;
}

// The largest d in [-out, in) such that every offset in [-out, d] is safe.
int64_t BruteForceShift(const std::vector<Unit>& units, int64_t in_bytes, int64_t out_bytes, bool reread) {
  int64_t d = -out_bytes;
  while (d + 1 < in_bytes && SafeAt(units, in_bytes, d + 1, reread)) ++d;
  return d;
}

int64_t PlannerShiftClamped(const Layer& l, int64_t in_bytes, int64_t out_bytes) {
  const auto d = MaxOutputShift(l.g, l.plan, 0, 0, 0, /*with_scratch=*/false);
  EXPECT_TRUE(d.has_value());
  if (!d) return 0;
  return std::clamp<int64_t>(*d, -out_bytes, in_bytes - 1);
}

// Places input and output of the single step at relative offset d and asks the checker.
CheckResult CheckAt(const Layer& l, int64_t d) {
  Plan p = l.plan;
  Buffer& in = p.buffers[p.steps[0].inputs[0]];
  Buffer& out = p.buffers[p.steps[0].outputs[0]];
  in.offset = std::max<int64_t>(0, -d);
  out.offset = in.offset + d;
  p.arena_bytes = std::max(in.offset + in.bytes, out.offset + out.bytes);
  return CheckPlan(l.g, p);
}

struct WindowCase {
  std::string name;
  int32_t h, w, c;
  int kernel, stride;
  bool same;
  int kind;  // 0 conv (cout), 1 depthwise, 2 average pool, 3 max pool
  int cout;
};

class WindowOverlap : public ::testing::TestWithParam<WindowCase> {};

TEST_P(WindowOverlap, BruteForceAndCheckerAgree) {
  const WindowCase& c = GetParam();
  const Padding pad = c.same ? Padding::kSame : Padding::kValid;
  Layer l = Single({1, c.h, c.w, c.c}, [&](zoo::GraphBuilder& b, int x) {
    switch (c.kind) {
      case 0: return b.Conv2D("op", x, c.cout, c.kernel, c.stride, Activation::kRelu6, pad);
      case 1: return b.DepthwiseConv2D("op", x, c.kernel, c.stride, Activation::kRelu6, pad);
      case 2: return b.AveragePool2D("op", x, c.kernel, c.stride, pad);
      default: return b.MaxPool2D("op", x, c.kernel, c.stride, pad);
    }
  });
  const Shape4 so = AsNHWC(l.g.tensors[l.g.outputs[0]].shape);
  const int64_t in_bytes = int64_t{c.h} * c.w * c.c;
  const int64_t out_bytes = int64_t{so.h} * so.w * so.c;
  const auto units = WindowUnits(c.h, c.w, c.c, so.h, so.w, so.c, c.kernel, c.stride, c.same);
  const int64_t expected = BruteForceShift(units, in_bytes, out_bytes, /*reread=*/true);
  const int64_t got = PlannerShiftClamped(l, in_bytes, out_bytes);
  EXPECT_EQ(got, expected) << c.name;

  const CheckResult ok = CheckAt(l, got);
  EXPECT_TRUE(ok.ok) << c.name << ": " << ok.message;
  if (got + 1 < in_bytes) {
    const CheckResult bad = CheckAt(l, got + 1);
    EXPECT_FALSE(bad.ok) << c.name << ": the checker accepts the output one byte above the bound";
    EXPECT_EQ(bad.failure, CheckFailure::kValue) << bad.message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Layers, WindowOverlap,
    ::testing::Values(WindowCase{"pw_expand", 6, 6, 4, 1, 1, true, 0, 12},
                      WindowCase{"pw_project", 6, 6, 12, 1, 1, true, 0, 4},
                      WindowCase{"pw_equal", 5, 7, 8, 1, 1, true, 0, 8},
                      WindowCase{"conv3x3_s1", 6, 6, 4, 3, 1, true, 0, 8},
                      WindowCase{"conv3x3_s2_odd", 7, 7, 3, 3, 2, true, 0, 8},
                      WindowCase{"conv5x5_valid", 8, 8, 2, 5, 1, false, 0, 6},
                      WindowCase{"dw3x3_s1", 8, 8, 4, 3, 1, true, 1, 0},
                      WindowCase{"dw3x3_s2_even", 8, 8, 4, 3, 2, true, 1, 0},
                      WindowCase{"dw5x5_s2_odd", 9, 9, 3, 5, 2, true, 1, 0},
                      WindowCase{"dw7x7_s1", 9, 8, 2, 7, 1, true, 1, 0},
                      WindowCase{"avgpool2x2_s2", 8, 8, 4, 2, 2, false, 2, 0},
                      WindowCase{"maxpool3x3_s2_same", 7, 7, 4, 3, 2, true, 3, 0}),
    [](const auto& info) { return info.param.name; });

TEST(Overlap, ElementwiseAddSitsOnItsInput) {
  // Element-wise units are read(i); write(i): the output may start exactly at either input.
  Layer l = Single({1, 5, 6, 8}, [](zoo::GraphBuilder& b, int x) {
    const int y = b.Conv2D("c", x, 8, 1, 1, Activation::kNone);
    return b.Add("add", x, y);
  });
  const int add_step = 1;
  for (int slot = 0; slot < 2; ++slot) {
    const auto d = MaxOutputShift(l.g, l.plan, add_step, slot, 0, false);
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(*d, 0) << "slot " << slot;
  }
  EXPECT_EQ(ClassifyOverlap(l.g, l.plan, add_step), OverlapClass::kInPlace);
  EXPECT_EQ(ClassifyOverlap(l.g, l.plan, 0), OverlapClass::kOverlap);
}

TEST(Overlap, FullyConnectedWithOneRowCannotOverlap) {
  Layer l = Single({1, 40}, [](zoo::GraphBuilder& b, int x) { return b.FullyConnected("fc", x, 24, Activation::kNone); });
  const auto d = MaxOutputShift(l.g, l.plan, 0, 0, 0, false);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(*d, -24);  // the single row is read again after its write: no byte may be shared
  EXPECT_EQ(OverlappedFootprint(40, 24, *d), 64);
  // With a scratch the row is read, computed aside, then stored: anywhere is safe.
  const auto ds = MaxOutputShift(l.g, l.plan, 0, 0, 0, true);
  ASSERT_TRUE(ds.has_value());
  EXPECT_GE(*ds, 40);
  EXPECT_EQ(OverlappedFootprint(40, 24, *ds), 40);
}

TEST(Overlap, WholeTensorOperatorsGiveNothing) {
  Layer l = Single({1, 6, 6, 4}, [](zoo::GraphBuilder& b, int x) { return b.Mean("mean", x, true); });
  EXPECT_FALSE(MaxOutputShift(l.g, l.plan, 0, 0, 0, false).has_value());
  EXPECT_EQ(ClassifyOverlap(l.g, l.plan, 0), OverlapClass::kNone);
}

TEST(Overlap, FootprintFormula) {
  EXPECT_EQ(OverlappedFootprint(100, 50, -50), 150);   // no overlap
  EXPECT_EQ(OverlappedFootprint(100, 50, -80), 150);
  EXPECT_EQ(OverlappedFootprint(100, 50, -10), 110);
  EXPECT_EQ(OverlappedFootprint(100, 50, 0), 100);
  EXPECT_EQ(OverlappedFootprint(100, 50, 30), 100);
  EXPECT_EQ(OverlappedFootprint(20, 90, -5), 90);      // the output covers the input
  EXPECT_EQ(OverlappedFootprint(20, 90, kAnyShift), 90);
}

// --- canonical layers: closed forms ---------------------------------------------------------

struct Canonical {
  std::string name;
  int32_t h, w, cin;
  int kind;  // 0 pointwise, 1 depthwise 'same', 2 FC
  int kernel, stride, cout;
};

// The footprint written from the geometry of the access order:
//  - pointwise (1x1, stride 1): unit i reads input pixel i, writes output pixel i, reads
//    pixel i again. Projection (cout <= cin): only the first pixel binds, the output trails
//    by one output pixel: in + cout. Expansion: the last pixel binds: out + cin. Together:
//    max(in, out) + min(cin, cout).
//  - depthwise k x k, stride 1, SAME (p = (k-1)/2): pixel (y,x) needs input from
//    (y-p, x-p) on, so the output trails the input by p rows, p pixels and the pixel
//    itself: in + (p*W + p + 1) * C.
//  - depthwise 3x3, stride 2, SAME, even size (no padding before): pixel (y,x) reads from
//    (2y, 2x) on; only the first pixel binds: in + C.
//  - fully connected, one row: no sharing: in + out.
int64_t ClosedFormFootprint(const Canonical& c) {
  const int64_t in = int64_t{c.h} * c.w * c.cin;
  switch (c.kind) {
    case 0: {
      const int64_t out = int64_t{c.h} * c.w * c.cout;
      return std::max(in, out) + std::min(c.cin, c.cout);
    }
    case 1:
      if (c.stride == 1) {
        const int64_t p = (c.kernel - 1) / 2;
        return in + (p * c.w + p + 1) * c.cin;
      }
      return in + c.cin;
    default:
      return in + c.cout;
  }
}

class CanonicalSaving : public ::testing::TestWithParam<Canonical> {};

TEST_P(CanonicalSaving, MatchesClosedForm) {
  const Canonical& c = GetParam();
  Layer l = Single(c.kind == 2 ? std::vector<int32_t>{1, c.cin} : std::vector<int32_t>{1, c.h, c.w, c.cin},
                   [&](zoo::GraphBuilder& b, int x) {
                     if (c.kind == 0) return b.Conv2D("pw", x, c.cout, 1, 1, Activation::kRelu6);
                     if (c.kind == 1) return b.DepthwiseConv2D("dw", x, c.kernel, c.stride, Activation::kRelu6);
                     return b.FullyConnected("fc", x, c.cout, Activation::kNone);
                   });
  const Buffer& in = l.plan.buffers[l.plan.steps[0].inputs[0]];
  const Buffer& out = l.plan.buffers[l.plan.steps[0].outputs[0]];
  const auto d = MaxOutputShift(l.g, l.plan, 0, 0, 0, false);
  ASSERT_TRUE(d.has_value());
  const int64_t fp = OverlappedFootprint(in.bytes, out.bytes, *d);
  EXPECT_EQ(fp, ClosedFormFootprint(c)) << c.name;
  const double saving = 1.0 - static_cast<double>(fp) / static_cast<double>(in.bytes + out.bytes);
  std::printf("  %-28s in %8lld out %8lld overlapped %8lld saving %5.1f%%\n", c.name.c_str(),
              static_cast<long long>(in.bytes), static_cast<long long>(out.bytes), static_cast<long long>(fp),
              100.0 * saving);
}

INSTANTIATE_TEST_SUITE_P(
    MobileNetV2, CanonicalSaving,
    ::testing::Values(Canonical{"pw_expand_112x112_16to96", 112, 112, 16, 0, 1, 1, 96},
                      Canonical{"pw_project_56x56_144to24", 56, 56, 144, 0, 1, 1, 24},
                      Canonical{"dw3x3_s1_56x56x144", 56, 56, 144, 1, 3, 1, 0},
                      Canonical{"dw5x5_s1_14x14x480", 14, 14, 480, 1, 5, 1, 0},
                      Canonical{"dw7x7_s1_28x28x96", 28, 28, 96, 1, 7, 1, 0},
                      Canonical{"dw3x3_s2_112x112x96", 112, 112, 96, 1, 3, 2, 0},
                      Canonical{"fc_1280to1000", 1, 1, 1280, 2, 1, 1, 1000}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace tessera
