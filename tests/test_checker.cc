// The plan checker on hand-built plans: valid ones (layer by layer, in-place element-wise,
// segment overlap computed by hand, patches with halos, fused PAD, copies, streamed input)
// must pass; hand-made invalid ones must fail with the right kind and a message that names
// the problem.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "checker/checker.h"
#include "ir/graph.h"
#include "plan/plan.h"
#include "support/checker_graphs.h"
#include "support/paths.h"

#if __has_include("memory/greedy.h") && __has_include("tflite/reader.h")
#include "memory/greedy.h"
#include "tflite/reader.h"
#define TESSERA_HAVE_LBL 1
#endif

namespace tessera {
namespace {

using test::HandLayerByLayer;
using test::TinyGraph;
using ::testing::HasSubstr;

#define EXPECT_OK(r) EXPECT_TRUE((r).ok) << (r).message
#define EXPECT_REJECT(r, kind, text)                                                       \
  do {                                                                                     \
    const CheckResult& rr_ = (r);                                                          \
    EXPECT_FALSE(rr_.ok);                                                                  \
    EXPECT_EQ(CheckFailureName(rr_.failure), std::string(CheckFailureName(kind))) << rr_.message; \
    EXPECT_THAT(rr_.message, HasSubstr(text));                                             \
  } while (0)

int BufOf(const Plan& p, int tensor) {
  for (size_t i = 0; i < p.buffers.size(); ++i)
    if (p.buffers[i].tensor == tensor) return static_cast<int>(i);
  return -1;
}

// ---- valid plans --------------------------------------------------------------------------

TEST(Checker, LayerByLayerResidualNetIsValid) {
  const Graph g = test::ResidualNet();
  const Plan p = HandLayerByLayer(g);
  const CheckResult r = CheckPlan(g, p);
  EXPECT_OK(r);
  EXPECT_GT(r.bytes_checked, 0);
  EXPECT_NO_THROW(CheckPlanOrThrow(g, p));
}

TEST(Checker, EveryOperatorKindLayerByLayer) {
  TinyGraph b("kinds");
  const int x = b.Input("x", {1, 9, 7, 4});
  const int p = b.Pad(x, 1, 2, 0, 1);                      // 12x8x4
  const int c = b.Conv(p, 6, 3, 2, Padding::kValid);        // 5x3x6
  const int d = b.Conv(c, 6, 3, 1, Padding::kSame, 2);      // dilated
  const int m = b.Pool(d, 2, 1, Padding::kSame, true);      // max pool SAME
  const int k = b.Concat(m, d);                             // 5x3x12
  const int q = b.Quantize(k, DType::kInt16);
  const int r = b.Relu(q);
  const Graph g = b.Finish({r});
  EXPECT_OK(CheckPlan(g, HandLayerByLayer(g)));
}

TEST(Checker, InPlaceElementwiseIsValid) {
  TinyGraph b;
  const int x = b.Input("x", {1, 4, 4, 8});
  const int y = b.Conv(x, 8, 1, 1);
  const int z = b.Add(x, y);
  const Graph g = b.Finish({z});
  Plan p = HandLayerByLayer(g);
  // x at 0, y at 128, z written over y (read(i); write(i) per element).
  p.buffers[BufOf(p, x)].offset = 0;
  p.buffers[BufOf(p, y)].offset = 128;
  p.buffers[BufOf(p, z)].offset = 128;
  p.arena_bytes = 256;
  EXPECT_OK(CheckPlan(g, p));
  // Over x instead (x is also read element by element): valid too.
  p.buffers[BufOf(p, z)].offset = 0;
  EXPECT_OK(CheckPlan(g, p));

  // One byte later: element k lands on y's element k+1 before it is read.
  p.buffers[BufOf(p, z)].offset = 129;
  p.arena_bytes = 257;
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kValue, "element (y=0, x=0, c=1) of tensor");
  // One byte earlier: element 0 lands on x's last byte, which element 127 still reads.
  p.buffers[BufOf(p, z)].offset = 127;
  const CheckResult r = CheckPlan(g, p);
  EXPECT_REJECT(r, CheckFailure::kValue, "element (y=3, x=3, c=7)");
  EXPECT_THAT(r.message, HasSubstr("written by step 1 (ADD operator 1)"));
  EXPECT_EQ(r.step, 1);
}

TEST(Checker, ReshapeViewInPlaceIsValid) {
  TinyGraph b;
  const int x = b.Input("x", {1, 2, 2, 4});
  const int r = b.Relu(x);
  const int v = b.Reshape(r, {1, 16});
  const int f = b.FullyConnected(v, 3);
  const Graph g = b.Finish({f});
  Plan p = HandLayerByLayer(g);
  p.buffers[BufOf(p, x)].offset = 0;
  p.buffers[BufOf(p, r)].offset = 16;
  p.buffers[BufOf(p, v)].offset = 16;  // the view shares r's bytes
  p.buffers[BufOf(p, f)].offset = 32;
  p.arena_bytes = 35;
  EXPECT_OK(CheckPlan(g, p));
  // The FULLY_CONNECTED output over its own input: rejected (it may write before reading all).
  p.buffers[BufOf(p, f)].offset = 16;
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kValue, "row 0, after its own write");
}

// A 3x3 stride-1 SAME convolution whose output starts S pixels before its input in the
// arena (same channel count C). Unit p (output pixel p, row-major) writes the bytes of input
// pixel p - S. Input pixel q is last read by output pixel min(qy+1,H-1)*W + min(qx+1,W-1)
// <= q + W + 1. Without scratch a unit re-reads after writing, so it needs q + W + 1 < p for
// every overwritten q: S >= W + 2. With a scratch, a unit only writes after its reads:
// S >= W + 1.
struct OverlapConv {
  static constexpr int H = 6, W = 6, C = 4;
  Graph g;
  int x, y;
  OverlapConv() {
    TinyGraph b("overlap");
    x = b.Input("x", {1, H, W, C});
    y = b.Conv(x, C, 3, 1);
    g = b.Finish({y});
  }
  Plan Make(int shift_pixels, bool scratch) const {
    Plan p = HandLayerByLayer(g);
    p.buffers[BufOf(p, y)].offset = 0;
    p.buffers[BufOf(p, x)].offset = int64_t{shift_pixels} * C;
    p.arena_bytes = int64_t{shift_pixels} * C + H * W * C;
    if (scratch) {
      Buffer s;
      s.name = "scratch";
      s.bytes = C;
      s.offset = p.arena_bytes;
      s.first = s.last = 0;
      p.arena_bytes += C;
      p.steps[0].scratch = static_cast<int>(p.buffers.size());
      p.buffers.push_back(s);
    }
    return p;
  }
};

TEST(Checker, SegmentOverlapConvByHand) {
  OverlapConv oc;
  const int W = OverlapConv::W;
  const CheckResult ok = CheckPlan(oc.g, oc.Make(W + 2, false));
  EXPECT_OK(ok);
  EXPECT_EQ(oc.Make(W + 2, false).arena_bytes, (W + 2 + 36) * 4);  // vs 2 * 144 separately

  // One pixel less: unit (1,1) overwrites input pixel (0,0), then re-reads it.
  const CheckResult bad = CheckPlan(oc.g, oc.Make(W + 1, false));
  EXPECT_REJECT(bad, CheckFailure::kValue, "output pixel (y=1, x=1), after its own write");
  EXPECT_THAT(bad.message, HasSubstr("element (y=0, x=0, c=0) of tensor 0 'x'"));

  // With a scratch buffer the kernel finishes reading before it writes: W + 1 is valid...
  EXPECT_OK(CheckPlan(oc.g, oc.Make(W + 1, true)));
  // ...and W is not: unit (1,0) overwrites input pixel (0,0), which unit (1,1) reads next.
  EXPECT_REJECT(CheckPlan(oc.g, oc.Make(W, true)), CheckFailure::kValue, "output pixel (y=1, x=1): buffer 0 'x' at arena byte 24");
}

TEST(Checker, PatchesWithHaloAndCopiesAreValid) {
  TinyGraph b("patch");
  const int x = b.Input("x", {1, 8, 8, 2});
  const int y = b.Conv(x, 2, 3, 1);  // rows [0,4) need x rows [0,5); rows [4,8) need [3,8)
  const int z = b.Relu(y);
  const Graph g = b.Finish({z});
  Plan p;
  p.strategy = "hand_patch";
  auto buf = [&](const char* n, int t, Window w, int first, int last, int64_t off) {
    Buffer bb;
    bb.name = n;
    bb.tensor = t;
    bb.window = w;
    bb.bytes = int64_t{w.h()} * w.w() * 2;
    bb.first = first;
    bb.last = last;
    bb.offset = off;
    p.buffers.push_back(bb);
    return static_cast<int>(p.buffers.size()) - 1;
  };
  const int bx = buf("x", x, {0, 8, 0, 8}, 0, 2, 0);          // 128 B
  const int p0 = buf("x.p0", x, {0, 5, 0, 8}, 0, 1, 128);     // 80 B
  const int p1 = buf("x.p1", x, {3, 8, 0, 8}, 2, 3, 128);     // 80 B, reuses p0's bytes
  const int by = buf("y", y, {0, 8, 0, 8}, 1, 4, 208);        // 128 B
  const int bz = buf("z", z, {0, 8, 0, 8}, 4, 4, 0);          // over x, dead by then
  p.arena_bytes = 336;
  auto copy = [&](int from, int to, Window w) {
    Step s;
    s.kind = StepKind::kCopy;
    s.window = w;
    s.inputs = {from};
    s.outputs = {to};
    p.steps.push_back(s);
  };
  auto op = [&](int o, Window w, int in, int out) {
    Step s;
    s.op = o;
    s.window = w;
    s.inputs = {in};
    s.outputs = {out};
    p.steps.push_back(s);
  };
  copy(bx, p0, {0, 5, 0, 8});   // step 0
  op(0, {0, 4, 0, 8}, p0, by);  // step 1
  copy(bx, p1, {3, 8, 0, 8});   // step 2
  op(0, {4, 8, 0, 8}, p1, by);  // step 3
  op(1, {0, 8, 0, 8}, by, bz);  // step 4
  p.input_buffers = {bx};
  p.output_buffers = {bz};
  EXPECT_OK(CheckPlan(g, p));

  // A patch buffer without the halo row.
  Plan q = p;
  q.buffers[p0].window = {0, 4, 0, 8};
  q.buffers[p0].bytes = 64;
  q.steps[0].window = {0, 4, 0, 8};
  EXPECT_REJECT(CheckPlan(g, q), CheckFailure::kWindow, "holds window [0,4)x[0,8) of tensor 0 'x', but the step needs [0,5)x[0,8)");

  // The second copy lands on p0 while p0 is still live: fine for the tags (p0 is dead by the
  // time it is overwritten)... but writing it one step early clobbers what step 1 reads.
  Plan r2 = p;
  std::swap(r2.steps[1], r2.steps[2]);
  r2.buffers[p1].first = 1;
  r2.buffers[p0].last = 2;
  r2.buffers[by].first = 2;
  const CheckResult rr = CheckPlan(g, r2);
  EXPECT_REJECT(rr, CheckFailure::kValue, "written by step 1 (copy)");
}

TEST(Checker, FusedPadIsValid) {
  TinyGraph b("fused");
  const int x = b.Input("x", {1, 6, 6, 2});
  const int pd = b.Pad(x, 1, 1, 1, 1);
  const int y = b.Conv(pd, 2, 3, 1, Padding::kValid);  // 6x6
  const Graph g = b.Finish({y});
  Plan p = HandLayerByLayer(g);
  // Drop the PAD step and its buffer; the conv reads x directly.
  const int bpd = BufOf(p, pd);
  p.steps.erase(p.steps.begin());
  p.steps[0].fused_pad = 0;
  p.steps[0].inputs = {BufOf(p, x)};
  p.buffers[bpd].tensor = kNoTensor;  // becomes an (unused) scratch-sized hole
  for (auto& bb : p.buffers) bb.first = 0, bb.last = 0;
  test::HandPlace(p);
  EXPECT_OK(CheckPlan(g, p));
  // Only the top-left 2x2 output needs x rows/cols [0,2): a partial step with a small buffer.
  Plan q = p;
  q.steps[0].window = {0, 2, 0, 2};
  EXPECT_REJECT(CheckPlan(g, q), CheckFailure::kOutput, "garbage");  // rest never computed
  // Without folding, the conv must read the padded tensor.
  Plan u = p;
  u.steps[0].fused_pad = -1;
  EXPECT_REJECT(CheckPlan(g, u), CheckFailure::kStructure, "expected tensor 2 'pad0'");
}

TEST(Checker, BroadcastAddAndStreamedInput) {
  TinyGraph b("bcast");
  const int x = b.Input("x", {1, 4, 4, 3});
  const int v = b.Pool(x, 4, 1);  // 1x1x3
  const int a = b.Add(x, v);       // broadcast
  const Graph g = b.Finish({a});
  Plan p = HandLayerByLayer(g);
  EXPECT_OK(CheckPlan(g, p));
  // In place over x, broadcasting v: valid (v is read per element, x element by element).
  p.buffers[BufOf(p, a)].offset = p.buffers[BufOf(p, x)].offset;
  EXPECT_OK(CheckPlan(g, p));

  // Streamed input: external buffer, accounting says so.
  Plan s = HandLayerByLayer(g);
  s.accounting.input_in_arena = false;
  s.buffers[BufOf(s, x)].external = true;
  test::HandPlace(s);
  EXPECT_OK(CheckPlan(g, s));
  EXPECT_EQ(s.arena_bytes, 48 + 3);
  s.accounting.input_in_arena = true;
  EXPECT_REJECT(CheckPlan(g, s), CheckFailure::kStructure, "is external but the accounting");
}

// ---- invalid plans -------------------------------------------------------------------------

TEST(Checker, OutputOverInputOfConvIsRejected) {
  OverlapConv oc;
  Plan p = oc.Make(0, false);
  const CheckResult r = CheckPlan(oc.g, p);
  EXPECT_REJECT(r, CheckFailure::kValue, "step 0 (CONV_2D operator 0 -> tensor 3 'conv0', window [0,6)x[0,6))");
  EXPECT_THAT(r.message, HasSubstr("output pixel (y=0, x=0), after its own write"));
  EXPECT_THAT(r.message, HasSubstr("arena byte 0"));
}

TEST(Checker, MissingStepReadsGarbage) {
  const Graph g = test::ResidualNet();
  Plan p = HandLayerByLayer(g);
  p.steps.erase(p.steps.begin() + 1);  // no depthwise: its output is never written
  for (auto& b : p.buffers) b.first = 0, b.last = static_cast<int>(p.steps.size()) - 1;
  test::HandPlace(p);  // nothing shares bytes
  const CheckResult r = CheckPlan(g, p);
  EXPECT_REJECT(r, CheckFailure::kValue, "but holds garbage (never written)");
  EXPECT_EQ(r.step, 1);
}

TEST(Checker, LiveIntervalViolations) {
  const Graph g = test::ResidualNet();
  const Plan base = HandLayerByLayer(g);
  Plan p = base;
  p.buffers[p.steps[3].inputs[0]].last = 2;  // ADD reads c1 at step 3
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kLiveness, "input buffer 1 'conv0' is accessed outside its live interval [0, 2]");
  p = base;
  p.buffers[p.steps[2].outputs[0]].first = 3;
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kLiveness, "output buffer");
  p = base;
  p.buffers[p.output_buffers[0]].last = 6;
  p.buffers[p.output_buffers[0]].first = 6;
  EXPECT_FALSE(CheckPlan(g, p).ok);
  p = base;
  p.buffers[p.input_buffers[0]].first = 1;
  p.buffers[p.input_buffers[0]].last = 1;
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kLiveness, "does not start at step 0");
}

TEST(Checker, StructuralErrorsAreNamed) {
  const Graph g = test::ResidualNet();
  const Plan base = HandLayerByLayer(g);
  Plan p = base;
  p.buffers[0].bytes += 1;
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kStructure, "has 433 bytes but window [0,12)x[0,12) of tensor 0 'input' is 432 bytes");
  p = base;
  p.buffers[1].window = {0, 7, 0, 6};
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kStructure, "not inside the tensor's [0,6)x[0,6)");
  p = base;
  p.buffers[2].offset = p.arena_bytes - 1;
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kBounds, "beyond the arena");
  p = base;
  p.steps[2].inputs.push_back(0);
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kStructure, "has 1 activation inputs but the step lists 2");
  p = base;
  p.steps[1].inputs[0] = 99;
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kStructure, "input buffer index 99 out of range");
  p = base;
  p.steps[1].op = 42;
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kStructure, "operator index 42 out of range");
  p = base;
  p.steps[1].inputs[0] = 0;  // the graph input, not the depthwise's input
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kStructure, "holds tensor 0 'input', expected tensor 3 'conv0'");
  p = base;
  p.steps[4].window = {0, 1, 0, 0};
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kStructure, "window is empty");
  p = base;
  p.steps[5].window = {0, 1, 0, 1};  // RESHAPE output [1,8] is h=1, w=1, c=8: full anyway
  EXPECT_OK(CheckPlan(g, p));
  p = base;
  p.steps[3].window = {0, 3, 0, 6};  // a partial ADD: the pool then reads rows never written
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kValue, "output pixel (y=0, x=0): buffer 4 'add3'");
  p = base;
  p.arena_bytes = kMaxCheckedArenaBytes + 1;
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kBounds, "exceeds the checker's limit");
  p = base;
  p.buffers[0].offset = -16;
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kBounds, "negative offset");
  p = base;
  p.buffers[0].last = 100;
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kStructure, "live interval [0, 100] (plan has 8 steps)");
}

TEST(Checker, InputsAndOutputs) {
  const Graph g = test::ResidualNet();
  const Plan base = HandLayerByLayer(g);
  Plan p = base;
  p.input_buffers.clear();
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kInput, "0 input buffers for 1 graph inputs");
  p = base;
  p.output_buffers[0] = 1;
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kOutput, "graph output 0 (tensor 16 'softmax7') is in buffer 1 'conv0'");
  // The output clobbered after it is produced: a last step recomputes conv0 into a buffer
  // placed over the softmax output.
  p = base;
  for (auto& b : p.buffers) b.first = 0, b.last = 8;
  test::HandPlace(p);  // nothing shares bytes
  const int out = p.output_buffers[0];
  Step again = p.steps[0];
  Buffer extra = p.buffers[again.outputs[0]];
  extra.name = "conv0.again";
  extra.first = extra.last = 8;
  extra.offset = p.buffers[out].offset;
  p.arena_bytes = std::max(p.arena_bytes, extra.offset + extra.bytes);
  again.outputs = {static_cast<int>(p.buffers.size())};
  p.buffers.push_back(extra);
  p.steps.push_back(again);
  const CheckResult r = CheckPlan(g, p);
  EXPECT_REJECT(r, CheckFailure::kOutput, "graph output 0 (tensor 16 'softmax7') is not fully present at the end");
  EXPECT_THAT(r.message, HasSubstr("written by step 8 (CONV_2D operator 0)"));
}

TEST(Checker, ScratchClobberedByOutputIsRejected) {
  OverlapConv oc;
  Plan p = oc.Make(OverlapConv::W + 2, true);
  p.buffers.back().offset = 0;  // the scratch sits on the output's first pixel
  const CheckResult r = CheckPlan(oc.g, p);
  EXPECT_REJECT(r, CheckFailure::kValue, "the end of the step");
  EXPECT_THAT(r.message, HasSubstr("must hold scratch byte 0"));
}

TEST(Checker, OverlappingInputsAreRejected) {
  TinyGraph b;
  const int x = b.Input("x", {1, 2, 2, 2});
  const int y = b.Input("y", {1, 2, 2, 2});
  const int z = b.Add(x, y);
  const Graph g = b.Finish({z});
  Plan p = HandLayerByLayer(g);
  p.buffers[1].offset = p.buffers[0].offset + 4;
  p.arena_bytes = 64;
  EXPECT_REJECT(CheckPlan(g, p), CheckFailure::kInput, "overlapping buffers");
}

TEST(Checker, CheckPlanOrThrowThrowsError) {
  OverlapConv oc;
  EXPECT_THROW(CheckPlanOrThrow(oc.g, oc.Make(0, false)), Error);
  try {
    CheckPlanOrThrow(oc.g, oc.Make(0, false));
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("plan rejected by the checker: step 0"));
  }
}

// ---- real models ----------------------------------------------------------------------------

#ifdef TESSERA_HAVE_LBL
TEST(Checker, LayerByLayerPlansOfSharedModelsAreValid) {
  TESSERA_REQUIRE_SHARED();
  for (const std::string& stem : test::SharedModelStems()) {
    SCOPED_TRACE(stem);
    const Graph g = ReadTflite(test::SharedModel(stem));
    const Plan p = PlanLayerByLayer(g);
    const auto t0 = std::chrono::steady_clock::now();
    const CheckResult r = CheckPlan(g, p);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_OK(r);
    std::printf("  %-40s arena %8lld B, %3zu steps, %10lld bytes checked, %.1f ms\n", stem.c_str(),
                static_cast<long long>(p.arena_bytes), p.steps.size(), static_cast<long long>(r.bytes_checked), ms);
  }
}
#endif

}  // namespace
}  // namespace tessera
