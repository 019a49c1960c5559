// TRANSPOSE over windows: a TRANSPOSE of rank <= 4 whose NHWC views have batch 1 on both sides
// (e.g. NCHW -> NHWC, perm [0,2,3,1]) computes any output window from a rectangle of its
// input's view. Kernel windows against the whole-tensor kernel, the receptive-field rules of
// analysis/, ops/ and the kernel against each other and against brute force, and patch and
// streamed plans whose first stage starts with the TRANSPOSE: checked, and bit-exact with the
// layer-by-layer plan (a small NCHW graph and the shared NCHW MobileNetV2).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "analysis/receptive_field.h"
#include "checker/checker.h"
#include "exec/executor.h"
#include "ir/graph.h"
#include "memory/greedy.h"
#include "ops/ops.h"
#include "schedule/fuse.h"
#include "schedule/patch.h"
#include "schedule/stream.h"
#include "support/all_ops_graph.h"
#include "support/cli.h"
#include "support/paths.h"
#include "tessera/kernels.h"
#include "tflite/reader.h"

namespace tessera {
namespace {

using test::IrBuilder;

// A random shape of rank 1..4 and a permutation keeping batch 1 on both sides of the 4-D
// (front-padded) view: the windowable TRANSPOSEs.
struct Case {
  std::vector<int32_t> dims;
  std::vector<int32_t> perm;
};

Case RandomWindowableCase(std::mt19937& rng) {
  for (;;) {
    const int rank = 1 + static_cast<int>(rng() % 4);
    Case c;
    for (int i = 0; i < rank; ++i) c.dims.push_back(1 + static_cast<int>(rng() % 6));
    if (rank == 4) c.dims[0] = 1;
    if (rng() % 3 == 0 && rank >= 2) c.dims[rng() % rank] = 1;
    c.perm.resize(rank);
    for (int i = 0; i < rank; ++i) c.perm[i] = i;
    std::shuffle(c.perm.begin(), c.perm.end(), rng);
    // Batch 1 on the output side: the axis landing in front (rank 4) has size 1.
    if (rank == 4 && c.dims[c.perm[0]] != 1) continue;
    return c;
  }
}

ts_transpose_params Params(const Case& c, int eb) {
  ts_transpose_params p{};
  p.rank = static_cast<int32_t>(c.dims.size());
  for (size_t i = 0; i < c.dims.size(); ++i) {
    p.in_dims[i] = c.dims[i];
    p.perm[i] = c.perm[i];
  }
  p.elem_bytes = eb;
  return p;
}

Shape4 View(const std::vector<int32_t>& dims) { return AsNHWC(dims); }

std::vector<int32_t> OutDims(const Case& c) {
  std::vector<int32_t> o(c.dims.size());
  for (size_t i = 0; i < c.dims.size(); ++i) o[i] = c.dims[c.perm[i]];
  return o;
}

Window RandomSubWindow(std::mt19937& rng, int32_t h, int32_t w) {
  Window r;
  r.y0 = static_cast<int32_t>(rng() % h);
  r.y1 = r.y0 + 1 + static_cast<int32_t>(rng() % (h - r.y0));
  r.x0 = static_cast<int32_t>(rng() % w);
  r.x1 = r.x0 + 1 + static_cast<int32_t>(rng() % (w - r.x0));
  return r;
}

// A window containing `need` (grown by random margins, clipped to h x w).
Window Grow(std::mt19937& rng, const Window& need, int32_t h, int32_t w) {
  Window r = need;
  r.y0 = std::max(0, r.y0 - static_cast<int32_t>(rng() % 3));
  r.y1 = std::min(h, r.y1 + static_cast<int32_t>(rng() % 3));
  r.x0 = std::max(0, r.x0 - static_cast<int32_t>(rng() % 3));
  r.x1 = std::min(w, r.x1 + static_cast<int32_t>(rng() % 3));
  return r;
}

// Copies window `w` of a whole tensor (h x w x c view, eb bytes per element) into its own buffer.
std::vector<uint8_t> Cut(const std::vector<uint8_t>& whole, const Shape4& s, int eb, const Window& w) {
  std::vector<uint8_t> r;
  const size_t px = static_cast<size_t>(s.c) * eb;
  for (int32_t y = w.y0; y < w.y1; ++y)
    for (int32_t x = w.x0; x < w.x1; ++x) {
      const uint8_t* p = whole.data() + (static_cast<size_t>(y) * s.w + x) * px;
      r.insert(r.end(), p, p + px);
    }
  return r;
}

// Brute force: the input view rows/columns holding some element that output window `win` reads.
Window BruteInputWindow(const Case& c, const Window& win) {
  const int rank = static_cast<int>(c.dims.size());
  const auto od = OutDims(c);
  const Shape4 ov = View(od);
  const Shape4 iv = View(c.dims);
  Window r{iv.h, -1, iv.w, -1};
  std::vector<int32_t> oi(rank), ii(rank);
  const int64_t total = static_cast<int64_t>(ov.h) * ov.w * ov.c;
  for (int64_t n = 0; n < total; ++n) {
    // Output element n of the view (y, x, c) -> output index -> input index.
    int64_t rem = n;
    for (int i = rank - 1; i >= 0; --i) {
      oi[i] = static_cast<int32_t>(rem % od[i]);
      rem /= od[i];
    }
    const int32_t y = static_cast<int32_t>(n / (int64_t{ov.w} * ov.c));
    const int32_t x = static_cast<int32_t>((n / ov.c) % ov.w);
    if (y < win.y0 || y >= win.y1 || x < win.x0 || x >= win.x1) continue;
    for (int i = 0; i < rank; ++i) ii[c.perm[i]] = oi[i];
    int64_t flat = 0;
    for (int i = 0; i < rank; ++i) flat = flat * c.dims[i] + ii[i];
    const int32_t iy = static_cast<int32_t>(flat / (int64_t{iv.w} * iv.c));
    const int32_t ix = static_cast<int32_t>((flat / iv.c) % iv.w);
    r.y0 = std::min(r.y0, iy);
    r.y1 = std::max(r.y1, iy + 1);
    r.x0 = std::min(r.x0, ix);
    r.x1 = std::max(r.x1, ix + 1);
  }
  return r;
}

TEST(TransposeWindowKernel, RandomWindowsMatchWholeTensor) {
  std::mt19937 rng(20261122);
  int tried = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const Case c = RandomWindowableCase(rng);
    const int eb = (trial % 4 == 3) ? 4 : 1;
    const ts_transpose_params p = Params(c, eb);
    ASSERT_TRUE(ts_transpose_windowable(&p)) << "trial " << trial;
    const Shape4 iv = View(c.dims), ov = View(OutDims(c));
    const size_t bytes = static_cast<size_t>(iv.h) * iv.w * iv.c * eb;
    std::vector<uint8_t> in(bytes), whole(bytes);
    for (auto& b : in) b = static_cast<uint8_t>(rng());
    ts_transpose(&p, in.data(), whole.data());
    for (int k = 0; k < 4; ++k) {
      const Window win = RandomSubWindow(rng, ov.h, ov.w);
      const ts_window kin = ts_transpose_input_window(&p, ts_window{win.y0, win.y1, win.x0, win.x1});
      const Window need{kin.y0, kin.y1, kin.x0, kin.x1};
      // The kernel's rule is exactly the brute-force bounding box.
      ASSERT_EQ(need, BruteInputWindow(c, win)) << "trial " << trial;
      const Window held_in = Grow(rng, need, iv.h, iv.w);
      const Window held_out = Grow(rng, win, ov.h, ov.w);
      const std::vector<uint8_t> in_buf = Cut(in, iv, eb, held_in);
      const size_t out_px = static_cast<size_t>(ov.c) * eb;
      std::vector<uint8_t> out_buf(static_cast<size_t>(held_out.h()) * held_out.w() * out_px, 0xA5);
      const std::vector<uint8_t> before = out_buf;
      ts_cbuf cb{reinterpret_cast<const int8_t*>(in_buf.data()), held_in.y0, held_in.x0, held_in.h(), held_in.w()};
      ts_buf ob{reinterpret_cast<int8_t*>(out_buf.data()), held_out.y0, held_out.x0, held_out.h(), held_out.w()};
      ts_transpose_window(&p, cb, ob, ts_window{win.y0, win.y1, win.x0, win.x1});
      for (int32_t y = held_out.y0; y < held_out.y1; ++y)
        for (int32_t x = held_out.x0; x < held_out.x1; ++x) {
          const size_t o = (static_cast<size_t>(y - held_out.y0) * held_out.w() + (x - held_out.x0)) * out_px;
          const bool inside = y >= win.y0 && y < win.y1 && x >= win.x0 && x < win.x1;
          const uint8_t* want = inside ? whole.data() + (static_cast<size_t>(y) * ov.w + x) * out_px : before.data() + o;
          ASSERT_EQ(0, std::memcmp(out_buf.data() + o, want, out_px))
              << "trial " << trial << " pixel (" << y << "," << x << ")" << (inside ? "" : " outside the window");
        }
      ++tried;
    }
  }
  EXPECT_EQ(tried, 1600);
}

TEST(TransposeWindowKernel, WindowableOnlyWithBatchOneOnBothSides) {
  ts_transpose_params p = Params(Case{{1, 3, 224, 200}, {0, 2, 3, 1}}, 1);
  EXPECT_TRUE(ts_transpose_windowable(&p));
  // NCHW -> NHWC: output rows [5,9) x columns [10,20) read input view rows [0,3) x columns [5,9).
  const ts_window w = ts_transpose_input_window(&p, ts_window{5, 9, 10, 20});
  EXPECT_EQ((Window{w.y0, w.y1, w.x0, w.x1}), (Window{0, 3, 5, 9}));
  p = Params(Case{{2, 3, 4, 5}, {0, 2, 3, 1}}, 1);  // batch 2
  EXPECT_FALSE(ts_transpose_windowable(&p));
  p = Params(Case{{1, 3, 4, 5}, {1, 0, 2, 3}}, 1);  // output batch 3
  EXPECT_FALSE(ts_transpose_windowable(&p));
  ts_transpose_params p5{};
  p5.rank = 5;
  for (int i = 0; i < 5; ++i) p5.in_dims[i] = 1, p5.perm[i] = 4 - i;
  p5.elem_bytes = 1;
  EXPECT_FALSE(ts_transpose_windowable(&p5));
}

// x (NCHW) -> TRANSPOSE(perm) -> y, one operator.
Graph OneTranspose(const std::vector<int32_t>& dims, const std::vector<int32_t>& perm, DType perm_type = DType::kInt32) {
  IrBuilder b("transpose");
  const int x = b.Act("x", dims, 0.05f, 1);
  std::vector<int64_t> pv(perm.begin(), perm.end());
  const int pt = b.Ints("perm", pv, {}, perm_type);
  std::vector<int32_t> od(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) od[i] = dims[perm[i]];
  const int y = b.Act("y", od, 0.05f, 1);
  b.Op(OpType::kTranspose, {x, pt}, y);
  b.g.inputs = {x};
  b.g.outputs = {y};
  return b.g;
}

TEST(TransposeWindowAnalysis, AnalysisOpsAndKernelAgree) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const Case c = RandomWindowableCase(rng);
    const Graph g = OneTranspose(c.dims, c.perm, trial % 2 ? DType::kInt64 : DType::kInt32);
    ASSERT_TRUE(IsWindowable(g, 0)) << "trial " << trial;
    const ops::PreparedOp p = ops::PrepareOp(g, 0);
    EXPECT_EQ(p.kind, ops::Kind::kSpatial);
    const Shape4 ov = View(OutDims(c));
    for (int k = 0; k < 4; ++k) {
      const Window win = RandomSubWindow(rng, ov.h, ov.w);
      const Window brute = BruteInputWindow(c, win);
      EXPECT_EQ(InputWindow(g, 0, 0, win), brute) << "trial " << trial;
      EXPECT_EQ(ops::RequiredInputWindow(p, 0, win), brute) << "trial " << trial;
      // Constants (the perm operand) are whole.
      EXPECT_EQ(InputWindow(g, 0, 1, win), FullWindow(g, g.ops[0].inputs[1]));
    }
  }
  // NCHW -> NHWC on a 1x3x8x6 input (view h=3, w=8, c=6).
  const Graph g = OneTranspose({1, 3, 8, 6}, {0, 2, 3, 1});
  EXPECT_EQ(InputWindow(g, 0, 0, Window{2, 5, 1, 4}), (Window{0, 3, 2, 5}));
  const std::vector<Window> need = PropagateWindows(g, {0}, {{g.ops[0].outputs[0], Window{6, 8, 0, 6}}});
  EXPECT_EQ(need[g.ops[0].inputs[0]], (Window{0, 3, 6, 8}));
  // Not windowable: batch moved out of front, a batch above 1, rank 5.
  const Graph nb = OneTranspose({1, 3, 4, 5}, {1, 0, 2, 3});
  EXPECT_FALSE(IsWindowable(nb, 0));
  EXPECT_EQ(InputWindow(nb, 0, 0, FullWindow(nb, nb.ops[0].outputs[0])), FullWindow(nb, 0));
  EXPECT_EQ(ops::PrepareOp(nb, 0).kind, ops::Kind::kWhole);
  EXPECT_FALSE(IsWindowable(OneTranspose({2, 3, 4, 5}, {0, 2, 3, 1}), 0));
  const Graph r5 = OneTranspose({1, 2, 3, 4, 5}, {0, 1, 3, 4, 2});
  EXPECT_FALSE(IsWindowable(r5, 0));
  EXPECT_EQ(ops::PrepareOp(r5, 0).kind, ops::Kind::kWhole);
}

TEST(TransposeWindowOps, RunOpOverWindowsMatchesWhole) {
  std::mt19937 rng(99);
  const Graph g = OneTranspose({1, 3, 9, 7}, {0, 2, 3, 1});
  const ops::PreparedOp p = ops::PrepareOp(g, 0);
  const Window full_in = FullWindow(g, 0), full_out = ops::OutputWindow(p);
  std::vector<uint8_t> in(3 * 9 * 7), whole(3 * 9 * 7);
  for (auto& b : in) b = static_cast<uint8_t>(rng());
  ops::RunOp(p, {{in.data(), full_in}}, {{whole.data(), full_out}}, full_out, nullptr);
  // Brute force NCHW -> NHWC.
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 9; ++y)
      for (int x = 0; x < 7; ++x) ASSERT_EQ(whole[(y * 7 + x) * 3 + c], in[(c * 9 + y) * 7 + x]);
  const Shape4 iv = AsNHWC(g.tensors[0].shape);
  for (int k = 0; k < 50; ++k) {
    const Window win = RandomSubWindow(rng, 9, 7);
    const Window need = ops::RequiredInputWindow(p, 0, win);
    const std::vector<uint8_t> part = Cut(in, iv, 1, need);
    std::vector<uint8_t> out(static_cast<size_t>(win.h()) * win.w() * 3);
    ops::RunOp(p, {{part.data(), need}}, {{out.data(), win}}, win, nullptr);
    EXPECT_EQ(out, Cut(whole, AsNHWC(g.tensors[g.ops[0].outputs[0]].shape), 1, win));
    // An input buffer one column short is refused.
    Window short_by_one = need;
    short_by_one.x1 -= 1;
    EXPECT_THROW(ops::RunOp(p, {{part.data(), short_by_one}}, {{out.data(), win}}, win, nullptr), Error);
  }
}

// A small NCHW network: TRANSPOSE [0,2,3,1], CONV 3x3/2, DEPTHWISE 3x3, CONV 1x1, then MEAN and
// FULLY_CONNECTED.
std::vector<uint8_t> RandomInput(const Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> in(static_cast<size_t>(g.tensors[g.inputs[0]].num_bytes()));
  for (auto& b : in) b = static_cast<uint8_t>(rng());
  return in;
}

// Every step of `plan` running operator 0 (the TRANSPOSE) over a window smaller than its output.
int PartialTransposeSteps(const Graph& g, const Plan& plan) {
  int n = 0;
  for (const Step& st : plan.steps)
    if (st.kind == StepKind::kOp && st.op == 0 && st.window != FullWindow(g, g.ops[0].outputs[0])) ++n;
  return n;
}

void ExpectCheckedAndExact(const Graph& g, const Plan& plan, const std::vector<uint8_t>& input,
                           const std::vector<std::vector<uint8_t>>& want, const char* what) {
  const CheckResult r = CheckPlan(g, plan);
  ASSERT_TRUE(r.ok) << what << ": " << r.message;
  EXPECT_EQ(RunPlan(g, plan, {input}), want) << what;
}

TEST(TransposeWindowPlans, SmallNchwPatchAndStreamPlans) {
  const Graph g = test::SmallNchwGraph();
  const std::vector<uint8_t> input = RandomInput(g, 5);
  const auto want = RunPlan(g, PlanLayerByLayer(g), {input});
  // Patch stage over ops 0..2 (starts with the TRANSPOSE), model input in and out of the arena.
  for (bool in_arena : {true, false})
    for (int grid : {2, 3}) {
      PatchConfig cfg;
      cfg.split_op = 2;
      cfg.rows = grid;
      cfg.cols = grid - 1;
      const SplitPoint sp = ResolveSplit(g, cfg);
      EXPECT_EQ(sp.first_op, 0);
      Plan plan = SchedulePatches(g, cfg, Accounting{in_arena});
      EXPECT_GT(PartialTransposeSteps(g, plan), 1);
      PlaceGreedy(plan);
      ExpectCheckedAndExact(g, plan, input, want, "patch plan");
    }
  // Streamed plans: one and two stages, every halo mode.
  for (const char* spec : {"2:3x2", "2:2x2:mixed", "1:2x1:cache,3:2x1", "0:4x3"}) {
    for (bool in_arena : {true, false}) {
      Plan plan = ScheduleStream(g, ParseStreamSpec(spec), Accounting{in_arena});
      EXPECT_GT(PartialTransposeSteps(g, plan), 1) << spec;
      PlaceGreedy(plan);
      ExpectCheckedAndExact(g, plan, input, want, spec);
    }
  }
}

TEST(TransposeWindowPlans, CheckerRefusesAShortTransposeInput) {
  const Graph g = test::SmallNchwGraph();
  PatchConfig cfg;
  cfg.split_op = 2;
  cfg.rows = cfg.cols = 2;
  Plan plan = SchedulePatches(g, cfg, Accounting{true});
  PlaceGreedy(plan);
  ASSERT_TRUE(CheckPlan(g, plan).ok);
  // Narrow the window the first partial TRANSPOSE step is told it reads: the step's input
  // buffer is the whole model input; swap in a window one column short of what it needs.
  for (Step& st : plan.steps) {
    if (st.kind != StepKind::kOp || st.op != 0) continue;
    const Window need = InputWindow(g, 0, 0, st.window);
    Buffer& b = plan.buffers[st.inputs[0]];
    ASSERT_TRUE(b.window.contains(need));
    // Make the step compute a window whose input lies partly outside the held window.
    Buffer shrunk = b;
    shrunk.window = need;
    shrunk.window.x1 -= 1;
    ASSERT_FALSE(shrunk.window.empty());
    shrunk.bytes = WindowBytes(g, shrunk.tensor, shrunk.window);
    shrunk.name += "_short";
    shrunk.bands.clear();
    plan.buffers.push_back(shrunk);
    st.inputs[0] = static_cast<int>(plan.buffers.size()) - 1;
    break;
  }
  const CheckResult r = CheckPlan(g, plan);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("needs"), std::string::npos) << r.message;
}

// The checker's TRANSPOSE reads are real: a TRANSPOSE written over its own input (every
// output element but the first lands on input bytes other elements still need) is refused at
// the TRANSPOSE step, whole or windowed.
TEST(TransposeWindowPlans, CheckerRefusesATransposeOverItsInput) {
  const Graph g = test::SmallNchwGraph();
  for (bool windowed : {false, true}) {
    Plan plan;
    if (windowed) {
      PatchConfig cfg;
      cfg.split_op = 2;
      cfg.rows = cfg.cols = 2;
      plan = SchedulePatches(g, cfg, Accounting{true});
      PlaceGreedy(plan);
    } else {
      plan = PlanLayerByLayer(g);
    }
    ASSERT_TRUE(CheckPlan(g, plan).ok);
    int step = -1;
    for (int s = 0; s < static_cast<int>(plan.steps.size()) && step < 0; ++s)
      if (plan.steps[s].kind == StepKind::kOp && plan.steps[s].op == 0) step = s;
    ASSERT_GE(step, 0);
    const Step& st = plan.steps[step];
    Buffer& out = plan.buffers[st.outputs[0]];
    const Buffer& in = plan.buffers[st.inputs[0]];
    ASSERT_FALSE(in.external);
    out.offset = in.offset;
    const CheckResult r = CheckPlan(g, plan);
    EXPECT_FALSE(r.ok) << (windowed ? "windowed" : "whole");
    EXPECT_NE(r.message.find("step " + std::to_string(step) + " ("), std::string::npos) << r.message;
  }
}

TEST(TransposeWindowPlans, SharedNchwMobileNetV2FirstStageStartsWithTranspose) {
  TESSERA_REQUIRE_SHARED();
  const Graph g = ReadTflite(test::SharedModel("mobilenet_v2_1.0_224_nchw_int8"));
  ASSERT_EQ(g.ops[0].type, OpType::kTranspose);
  EXPECT_TRUE(IsWindowable(g, 0));
  const std::vector<uint8_t> input = RandomInput(g, 11);
  const auto want = RunPlan(g, PlanLayerByLayer(g), {input});
  // The split producing the first 28x28 tensor (MCUNetV2's split), 4x4 patches.
  int split = -1;
  for (int i = 0; i < static_cast<int>(g.ops.size()) && split < 0; ++i) {
    const Shape4 s = AsNHWC(g.tensors[g.ops[i].outputs[0]].shape);
    if (s.h == 28 && s.w == 28) split = i;
  }
  ASSERT_GE(split, 0);
  PatchConfig cfg;
  cfg.split_op = split;
  cfg.rows = cfg.cols = 4;
  cfg.fold_pads = true;
  EXPECT_EQ(ResolveSplit(g, cfg).first_op, 0);
  Plan patch = SchedulePatches(g, cfg, Accounting{false});
  FusePads(g, patch);
  EXPECT_EQ(PartialTransposeSteps(g, patch), 16);
  PlaceGreedy(patch);
  ExpectCheckedAndExact(g, patch, input, want, "4x4 patch plan");
  // A streamed plan: first stage from the TRANSPOSE to the split, then one more stage.
  const std::string spec = std::to_string(split) + ":4x4:mixed";
  Plan stream = ScheduleStream(g, ParseStreamSpec(spec), Accounting{false});
  EXPECT_GT(PartialTransposeSteps(g, stream), 1);
  PlaceGreedy(stream);
  ExpectCheckedAndExact(g, stream, input, want, spec.c_str());
  // Without any windowed TRANSPOSE step, the whole 150,528-byte NHWC copy would be held.
  int64_t largest_transpose_out = 0;
  for (const Buffer& b : stream.buffers)
    if (b.tensor == g.ops[0].outputs[0]) largest_transpose_out = std::max(largest_transpose_out, b.bytes);
  EXPECT_LT(largest_transpose_out, g.tensors[g.ops[0].outputs[0]].num_bytes());
}

// The command line end to end on the shared NCHW MobileNetV2: the schedule the search finds
// under 128 KiB at <= +10% MACs now that the TRANSPOSE runs per patch (first stage from the
// TRANSPOSE to operator 18), and a one-stage patch plan: `tessera plan` checks them,
// `tessera run --plan` checks again and gives TFLM's reference output bytes.
TEST(TransposeWindowPlans, SharedNchwMobileNetV2CliPlansGiveReferenceBytes) {
  TESSERA_REQUIRE_SHARED();
  const std::string model = test::SharedModel("mobilenet_v2_1.0_224_nchw_int8");
  const std::string ref = test::ReferenceDir("mobilenet_v2_1.0_224_nchw_int8");
  const std::string dir = ::testing::TempDir();
  const std::vector<std::pair<std::string, std::string>> plans = {
      {"--stream 18:8x7:mixed,37:14x1:mixed,61:14x1:mixed,64:2x3:cache", "stream"},
      {"--patch 18:4x4", "patch"}};
  for (const auto& [args, name] : plans) {
    const std::string json = dir + "/transpose_window_" + name + ".json";
    const test::CliResult p = test::RunCli("plan '" + model + "' --stream-input " + args + " -q -o '" + json + "'");
    ASSERT_EQ(p.exit_code, 0) << p.output;
    EXPECT_NE(p.output.find("checker          ok"), std::string::npos) << p.output;
    const std::string out = dir + "/transpose_window_" + name + ".out";
    const test::CliResult r = test::RunCli("run '" + model + "' --plan '" + json + "' --input '" + ref +
                                           "/case0.input.bin' --output '" + out + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("checked"), std::string::npos) << r.output;
    EXPECT_EQ(test::ReadFileBytes(out), test::ReadFileBytes(ref + "/case0.output0.bin")) << name;
  }
}

}  // namespace
}  // namespace tessera
