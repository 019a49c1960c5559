// Placement (memory/placement.h) and the schedule rewrites (schedule/fuse.h).
// The exact search is compared with a brute force over offsets written here from the plan-level
// rules (live intervals meet => disjoint, unless an overlap pair lets the output start at most
// D bytes past its input), on random small problems.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "checker/checker.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "memory/lifetime.h"
#include "memory/placement.h"
#include "schedule/fuse.h"
#include "schedule/layer_by_layer.h"
#include "schedule/patch.h"
#include "schedule/stream.h"
#include "search/search.h"
#include "tflite/reader.h"
#include "support/paths.h"
#include "zoo/builder.h"
#include "zoo/zoo.h"

namespace tessera {
namespace {

Plan SyntheticPlan(const std::vector<std::tuple<int64_t, int, int>>& bufs) {
  Plan p;
  int steps = 0;
  for (auto [bytes, first, last] : bufs) {
    Buffer b;
    b.name = "b";
    b.name += std::to_string(p.buffers.size());
    b.bytes = bytes;
    b.first = first;
    b.last = last;
    p.buffers.push_back(b);
    steps = std::max(steps, last + 1);
  }
  p.steps.resize(steps);
  return p;
}

bool Meet(const Buffer& a, const Buffer& b) { return !(a.last < b.first || b.last < a.first); }

// The rules, from the plan's point of view.
bool Allowed(const Plan& p, const std::vector<OverlapPair>& pairs, const std::vector<int64_t>& off, int a, int b) {
  const Buffer& A = p.buffers[a];
  const Buffer& B = p.buffers[b];
  if (!Meet(A, B) || A.bytes == 0 || B.bytes == 0) return true;
  if (off[a] + A.bytes <= off[b] || off[b] + B.bytes <= off[a]) return true;
  for (const OverlapPair& q : pairs) {
    if (q.input == a && q.output == b && A.last == q.step && B.first == q.step && off[b] - off[a] <= q.max_shift) return true;
    if (q.input == b && q.output == a && B.last == q.step && A.first == q.step && off[a] - off[b] <= q.max_shift) return true;
  }
  return false;
}

void BruteForce(const Plan& p, const std::vector<OverlapPair>& pairs, int64_t step, std::vector<int64_t>& off, int i,
                int64_t cur, int64_t limit, int64_t* best) {
  const int n = static_cast<int>(p.buffers.size());
  if (cur >= *best) return;
  if (i == n) {
    *best = cur;
    return;
  }
  for (int64_t o = 0; o + p.buffers[i].bytes <= limit; o += step) {
    off.at(i) = o;
    bool ok = true;
    for (int j = 0; j < i && ok; ++j) ok = Allowed(p, pairs, off, i, j);
    if (ok) BruteForce(p, pairs, step, off, i + 1, std::max(cur, o + p.buffers[i].bytes), limit, best);
  }
}

TEST(Placement, ExactSearchMatchesBruteForce) {
  std::mt19937 rng(12345);
  int improved_over_size_order = 0;
  for (int trial = 0; trial < 150; ++trial) {
    const int n = 4 + static_cast<int>(rng() % 3);
    std::vector<std::tuple<int64_t, int, int>> bufs;
    for (int i = 0; i < n; ++i) {
      const int first = static_cast<int>(rng() % 4);
      const int last = first + static_cast<int>(rng() % 3);
      bufs.emplace_back(16 * (1 + static_cast<int64_t>(rng() % 4)), first, last);
    }
    Plan p = SyntheticPlan(bufs);
    std::vector<OverlapPair> pairs;
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b)
        if (a != b && p.buffers[a].last == p.buffers[b].first && rng() % 2 == 0) {
          const int64_t out = p.buffers[b].bytes;
          pairs.push_back(OverlapPair{p.buffers[a].last, a, b, -16 * static_cast<int64_t>(rng() % (out / 16 + 1))});
        }
    const PlacementProblem prob = BuildPlacementProblem(p, {}, pairs, 16);
    int64_t total = 0;
    for (const Buffer& b : p.buffers) total += b.bytes;
    std::vector<int64_t> off(n, 0);
    int64_t optimum = total + 1;
    BruteForce(p, pairs, 16, off, 0, 0, total, &optimum);

    const Placement by_size = PlaceFirstFit(prob, OrderBySize(prob));
    const Placement best = PlaceBestOrdering(prob, 16);
    const Placement exact = PlaceExact(prob, best, 10000000);
    const int64_t lb = PlacementLowerBound(prob);
    EXPECT_EQ(exact.size, optimum) << "trial " << trial;
    EXPECT_TRUE(exact.proved_optimal) << "trial " << trial;
    EXPECT_LE(lb, optimum) << "trial " << trial;
    EXPECT_GE(best.size, optimum) << "trial " << trial;
    EXPECT_EQ(VerifyPlacement(prob, exact), "") << "trial " << trial;
    if (exact.size < by_size.size) ++improved_over_size_order;
    // The placement, applied to the plan, obeys the plan-level rules.
    Plan applied = p;
    ApplyPlacement(prob, exact, applied);
    std::vector<int64_t> got(n);
    for (int i = 0; i < n; ++i) got[i] = applied.buffers[i].offset;
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < a; ++b) EXPECT_TRUE(Allowed(p, pairs, got, a, b)) << "trial " << trial << " " << a << "," << b;
    EXPECT_EQ(applied.arena_bytes, exact.size);
  }
  EXPECT_GT(improved_over_size_order, 0) << "no random problem where the search beats TFLM's order";
}

TEST(Placement, LowerBoundCountsOverlapAsUnion) {
  // b0 (64 bytes, steps 0-1) feeds b1 (32 bytes, steps 1-2) which may start 16 bytes below it.
  Plan p = SyntheticPlan({{64, 0, 1}, {32, 1, 2}});
  const PlacementProblem plain = BuildPlacementProblem(p, {}, {}, 16);
  EXPECT_EQ(PlacementLowerBound(plain), 96);
  const PlacementProblem relaxed = BuildPlacementProblem(p, {}, {OverlapPair{1, 0, 1, -16}}, 16);
  EXPECT_EQ(PlacementLowerBound(relaxed), 80);  // union of [-16, 16) and [0, 64)
  const Placement pl = PlaceExact(relaxed, PlaceFirstFit(relaxed, OrderBySize(relaxed)), 1000);
  EXPECT_EQ(pl.size, 80);
  // A pair whose input lives on past the step is not an overlap.
  Plan q = SyntheticPlan({{64, 0, 2}, {32, 1, 2}});
  const PlacementProblem dropped = BuildPlacementProblem(q, {}, {OverlapPair{1, 0, 1, -16}}, 16);
  EXPECT_TRUE(dropped.pairs.empty());
  EXPECT_EQ(PlacementLowerBound(dropped), 96);
}

// SeparatePairs moves an overlapped output to free space when the arena has room at its step,
// leaves it where it is when it has none, and only for the wanted steps.
TEST(Placement, SeparatePairsUsesFreeSpaceOnly) {
  // b0 (64 bytes, steps 0-1) feeds b1 (32 bytes, steps 1-2), which may start 16 bytes below it;
  // b2 (192 bytes, step 3) alone sets the arena.
  Plan p = SyntheticPlan({{64, 0, 1}, {32, 1, 2}, {192, 3, 3}});
  const PlacementProblem prob = BuildPlacementProblem(p, {}, {OverlapPair{1, 0, 1, -16}}, 16);
  ASSERT_EQ(prob.pairs.size(), 1u);
  Placement pl;
  pl.offsets = {32, 16, 0};  // b1 overlaps b0 by 16 bytes
  pl.size = 192;
  ASSERT_EQ(VerifyPlacement(prob, pl), "");
  Placement kept = pl;
  EXPECT_EQ(SeparatePairs(prob, kept, [](int) { return false; }), 0);
  EXPECT_EQ(kept.offsets, pl.offsets);
  EXPECT_EQ(SeparatePairs(prob, pl, [](int step) { return step == 1; }), 1);
  EXPECT_EQ(VerifyPlacement(prob, pl), "");
  EXPECT_EQ(pl.size, 192);
  EXPECT_EQ(pl.offsets[1], 0);  // [0, 32) beside b0's [32, 96)
  EXPECT_NE(pl.method.find("1 overlaps separated"), std::string::npos);

  // Without b2 the overlap is what keeps the arena at 80 bytes: nothing moves.
  Plan q = SyntheticPlan({{64, 0, 1}, {32, 1, 2}});
  const PlacementProblem tight = BuildPlacementProblem(q, {}, {OverlapPair{1, 0, 1, -16}}, 16);
  Placement t;
  t.offsets = {16, 0};
  t.size = 80;
  ASSERT_EQ(VerifyPlacement(tight, t), "");
  EXPECT_EQ(SeparatePairs(tight, t, [](int) { return true; }), 0);
  EXPECT_EQ(t.offsets, (std::vector<int64_t>{16, 0}));
}

TEST(Placement, AliasesShareAnOffset) {
  Plan p = SyntheticPlan({{64, 0, 1}, {64, 1, 2}, {48, 2, 3}, {16, 0, 3}});
  const PlacementProblem prob = BuildPlacementProblem(p, {{0, 1}}, {}, 16);
  EXPECT_EQ(prob.items.size(), 3u);
  Plan applied = p;
  ApplyPlacement(prob, PlaceBestOrdering(prob), applied);
  EXPECT_EQ(applied.buffers[0].offset, applied.buffers[1].offset);
  EXPECT_EQ(applied.arena_bytes, 128);  // {0,1} 64 + 48 + 16
}

TEST(Placement, RejectsBadInput) {
  Plan p = SyntheticPlan({{64, 0, 1}});
  EXPECT_THROW(BuildPlacementProblem(p, {}, {}, 0), Error);
  p.buffers[0].bytes = -1;
  EXPECT_THROW(BuildPlacementProblem(p, {}, {}, 16), Error);
  p.buffers[0].bytes = 16;
  p.buffers[0].last = -1;
  EXPECT_THROW(BuildPlacementProblem(p, {}, {}, 16), Error);
}

TEST(Fuse, PadsFoldIntoConvolutions) {
  zoo::GraphBuilder b("padnet", 3);
  int x = b.Input({1, 12, 10, 4}, 0.02f, 5);
  x = b.Pad("pad0", x, 1, 1, 1, 1);
  x = b.Conv2D("conv", x, 8, 3, 1, Activation::kRelu6, Padding::kValid);
  const int pooled_in = b.Pad("pad1", x, 0, 1, 0, 1);  // a PAD before a pool stays
  x = b.MaxPool2D("pool", pooled_in, 2, 2);
  x = b.Pad("pad2", x, 2, 1, 1, 2);
  x = b.DepthwiseConv2D("dw", x, 3, 2, Activation::kRelu6, Padding::kValid);
  const Graph g = b.Finish({x});
  Plan p = ScheduleLayerByLayer(g);
  const size_t steps = p.steps.size(), buffers = p.buffers.size();
  EXPECT_EQ(FusePads(g, p), 2);
  EXPECT_EQ(p.steps.size(), steps - 2);
  EXPECT_EQ(p.buffers.size(), buffers - 2);
  int pads = 0, fused = 0;
  for (const Step& st : p.steps) {
    pads += g.ops[st.op].type == OpType::kPad;
    fused += st.fused_pad >= 0;
  }
  EXPECT_EQ(pads, 1);
  EXPECT_EQ(fused, 2);
  for (const Buffer& buf : p.buffers) {
    EXPECT_LE(buf.first, buf.last);
    EXPECT_LT(buf.last, static_cast<int>(p.steps.size()));
  }
  // Placed and checked, the fused plan is safe.
  const PlacementProblem prob = BuildPlacementProblem(p, {}, {}, 16);
  ApplyPlacement(prob, PlaceFirstFit(prob, OrderBySize(prob)), p);
  const CheckResult r = CheckPlan(g, p);
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(Fuse, PadWithTwoReadersStays) {
  zoo::GraphBuilder b("padnet2", 3);
  int x = b.Input({1, 8, 8, 4}, 0.02f, 5);
  const int padded = b.Pad("pad", x, 1, 1, 1, 1);
  const int y = b.Conv2D("conv", padded, 4, 3, 1, Activation::kNone, Padding::kValid);
  const int z = b.DepthwiseConv2D("dw", padded, 3, 1, Activation::kNone, Padding::kValid);
  const Graph g = b.Finish({y, z});
  Plan p = ScheduleLayerByLayer(g);
  EXPECT_EQ(FusePads(g, p), 0);
}

TEST(Fuse, ViewAliasOnSharedModel) {
  TESSERA_REQUIRE_SHARED();
  const Graph g = ReadTflite(test::SharedModel("person_detect"));
  const Plan p = ScheduleLayerByLayer(g);
  const auto aliases = FindViewAliases(g, p);
  ASSERT_EQ(aliases.size(), 1u);
  EXPECT_EQ(g.ops[p.steps[aliases[0].step].op].type, OpType::kReshape);
}


// Row bands whose byte edges are not multiples of the alignment (rows of 11 x 4 bytes): the
// lifetime placement keeps every offset aligned (it once put a band-holding buffer at an
// interval end such as 420 and failed). Every streamed plan of pool -> RELU -> RELU -> pool
// (each split point, halo mode, grid up to 4 x 3, input in the arena or streamed) places,
// passes the checker and gives the layer-by-layer bytes.
TEST(Placement, UnalignedBandEdgesPlaceAtAlignedOffsets) {
  Graph g;
  g.name = "unaligned_bands";
  const std::vector<int32_t> s = {1, 13, 11, 4};
  auto tensor = [&](const char* name) {
    Tensor t;
    t.name = name;
    t.type = DType::kInt8;
    t.shape = s;
    t.quant.scale = {0.05f};
    t.quant.zero_point = {3};
    g.tensors.push_back(t);
    return static_cast<int>(g.tensors.size()) - 1;
  };
  Pool2DOptions pool;
  pool.padding = Padding::kSame;
  pool.filter_h = pool.filter_w = 3;
  auto op = [&](OpType type, int in, int out, OpOptions o) {
    Operator x;
    x.type = type;
    x.inputs = {in};
    x.outputs = {out};
    x.options = std::move(o);
    g.ops.push_back(x);
  };
  const int x = tensor("x"), t0 = tensor("pool"), t1 = tensor("relu1"), t2 = tensor("relu2"), y = tensor("y");
  op(OpType::kAveragePool2D, x, t0, pool);
  op(OpType::kRelu, t0, t1, std::monostate{});
  op(OpType::kRelu, t1, t2, std::monostate{});
  op(OpType::kMaxPool2D, t2, y, pool);
  g.inputs = {x};
  g.outputs = {y};
  g.Validate();
  std::mt19937 rng(5);
  std::vector<uint8_t> in(13 * 11 * 4);
  for (auto& b : in) b = static_cast<uint8_t>(rng());
  const auto want = RunPlan(g, PlanLayerByLayer(g), {in});
  int plans = 0;
  for (const SplitPoint& sp : ValidSplits(g))
    for (int halo = 0; halo < 3; ++halo)
      for (int rows = 1; rows <= std::min(sp.min_cut_h, 4); ++rows)
        for (int cols = 1; cols <= std::min(sp.min_cut_w, 3); ++cols)
          for (bool in_arena : {true, false}) {
            StreamConfig c;
            StageSpec st;
            st.last_op = sp.last_op;
            st.rows = rows;
            st.cols = cols;
            st.halo = static_cast<HaloMode>(halo);
            c.stages.push_back(st);
            SCOPED_TRACE(StreamSpecString(c) + (in_arena ? "" : " (input streamed)"));
            Plan p;
            ASSERT_NO_THROW(p = BuildStreamPlan(g, c, in_arena, LifetimeOptions{}));
            for (const Buffer& b : p.buffers) EXPECT_EQ(b.offset % 16, 0) << b.name;
            const CheckResult cr = CheckPlan(g, p);
            ASSERT_TRUE(cr.ok) << cr.message;
            EXPECT_EQ(RunPlan(g, p, {in}), want);
            ++plans;
          }
  EXPECT_GE(plans, 200);
}

}  // namespace
}  // namespace tessera
