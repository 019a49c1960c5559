// Patch-based inference: split points, the patch schedule's structure, the mcunetv2 memory
// schedule, the MAC cost model, and exactness (checker + executor against the layer-by-layer
// plan) on zoo and shared models. The full sweep over every split and grid is
// bench/bench_patch.cc; here a deterministic sample keeps ctest fast.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <sys/wait.h>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>

#include "analysis/macs.h"
#include "analysis/receptive_field.h"
#include "checker/checker.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "memory/mcunetv2.h"
#include "schedule/fuse.h"
#include "schedule/layer_by_layer.h"
#include "schedule/patch.h"
#include "support/model_cases.h"
#include "support/paths.h"
#include "tflite/reader.h"
#include "zoo/zoo.h"

namespace tessera {
namespace {

// ---------------------------------------------------------------------------------------
// Models, inputs and layer-by-layer outputs (cached per process).

// Models with inputs and layer-by-layer outputs (tests/support/model_cases.h); zoo inputs
// from seed 1234.
using Model = test::ModelCase;
const Model& GetModel(const std::string& name) { return test::LoadModelCase(name, 1234); }

// ---------------------------------------------------------------------------------------
// Structure, on small builder-free graphs from the zoo.

TEST(PatchSplits, ResidualAcrossTheCutIsAssembled) {
  const Graph g = BuildZooModel("mobilenetv2-w0.5-r96");
  const std::vector<SplitPoint> splits = ValidSplits(g);
  ASSERT_FALSE(splits.empty());
  int crossing = 0;
  for (const SplitPoint& sp : splits) {
    // Every assembled tensor is produced inside the stage and read after the cut (or is an
    // output); everything produced in the stage and read after the cut is assembled.
    std::set<int> cut(sp.cut_tensors.begin(), sp.cut_tensors.end());
    for (int op = sp.last_op + 1; op < static_cast<int>(g.ops.size()); ++op)
      for (int t : g.ops[op].inputs) {
        const int p = g.is_activation(t) ? g.producer(t) : -1;
        if (p >= sp.first_op && p <= sp.last_op) {
          EXPECT_TRUE(cut.count(t)) << "split after " << sp.last_op;
        }
      }
    for (int t : sp.cut_tensors) {
      EXPECT_GE(g.producer(t), sp.first_op);
      EXPECT_LE(g.producer(t), sp.last_op);
    }
    if (sp.cut_tensors.size() >= 2) {
      ++crossing;
      // The schedule gives every assembled tensor one whole buffer, which the ADD after the cut
      // reads: never a per-patch buffer.
      PatchConfig cfg;
      cfg.split_op = sp.last_op;
      cfg.rows = cfg.cols = 2;
      const Plan plan = SchedulePatches(g, cfg);
      for (const Step& s : plan.steps) {
        if (s.op <= sp.last_op) continue;
        for (int b : s.inputs) {
          const Buffer& buf = plan.buffers[b];
          EXPECT_EQ(buf.window, FullWindow(g, buf.tensor)) << buf.name;
        }
      }
    }
  }
  EXPECT_GT(crossing, 0) << "MobileNetV2 has splits inside residual blocks";
}

TEST(PatchSchedule, StructureOfAPatchPlan) {
  const Graph g = BuildZooModel("nonsquare-pad-r128x160");
  const std::vector<SplitPoint> splits = ValidSplits(g);
  ASSERT_FALSE(splits.empty());
  const SplitPoint& sp = splits[splits.size() / 2];
  PatchConfig cfg;
  cfg.split_op = sp.last_op;
  cfg.rows = 3;
  cfg.cols = 2;
  const Plan plan = SchedulePatches(g, cfg);
  // Raster order: the stage steps come in 6 groups, each in graph order.
  int prev = -1, groups = 0;
  for (const Step& s : plan.steps) {
    if (s.op < sp.first_op || s.op > sp.last_op) continue;
    if (s.op <= prev) ++groups;
    if (prev < 0) groups = 1;
    prev = s.op;
  }
  EXPECT_EQ(groups, 6);
  // The assembled tensors' patch windows tile them exactly (each element once).
  for (int t : sp.cut_tensors) {
    const Window full = FullWindow(g, t);
    // Patches partition an assembled tensor that no stage operator reads (each element
    // computed once, by one patch).
    bool read_in_stage = false;
    for (int op : g.consumers(t)) read_in_stage |= op <= sp.last_op;
    if (!read_in_stage) {
      std::vector<int> cover(static_cast<size_t>(full.h()) * full.w(), 0);
      for (const PatchWindows& pw : ComputePatchWindows(g, sp, 3, 2)) {
        const Window& w = pw.tensor[t];
        for (int y = w.y0; y < w.y1; ++y)
          for (int x = w.x0; x < w.x1; ++x) ++cover[static_cast<size_t>(y) * full.w() + x];
      }
      for (int v : cover) ASSERT_EQ(v, 1);
    }
    // The step writing t writes into a buffer holding all of t, and in total covers all of t.
    Window covered;
    for (const Step& s : plan.steps)
      if (s.op == g.producer(t)) {
        const Buffer& out = plan.buffers[s.outputs[0]];
        EXPECT_EQ(out.window, full);
        EXPECT_TRUE(full.contains(s.window));
        covered = UnionWindow(covered, s.window);
      }
    EXPECT_EQ(covered, full);
  }
  // Per-patch buffers hold exactly the window their step computes.
  for (const Step& s : plan.steps)
    for (int b : s.outputs) {
      const Buffer& buf = plan.buffers[b];
      if (buf.window != FullWindow(g, buf.tensor)) {
        EXPECT_EQ(buf.window, s.window) << buf.name;
      }
    }
  // A 1x1 grid is layer-by-layer: one step per operator, in graph order, the same MACs. (A
  // PAD feeding a stride-2 VALID convolution computes only the rows and columns the
  // convolution reads, so windows may be smaller than the whole output; assembled tensors
  // are whole.)
  PatchConfig one = cfg;
  one.rows = one.cols = 1;
  const Plan p1 = SchedulePatches(g, one);
  ASSERT_EQ(p1.steps.size(), g.ops.size());
  for (size_t i = 0; i < p1.steps.size(); ++i) {
    EXPECT_EQ(p1.steps[i].op, static_cast<int>(i));
    const int t = g.ops[i].outputs[0];
    EXPECT_TRUE(FullWindow(g, t).contains(p1.steps[i].window));
    if (std::count(sp.cut_tensors.begin(), sp.cut_tensors.end(), t)) {
      EXPECT_EQ(p1.steps[i].window, FullWindow(g, t));
    }
  }
  EXPECT_EQ(PlanMacs(g, p1), GraphMacs(g));
  EXPECT_GT(PlanMacs(g, plan), GraphMacs(g));
  EXPECT_EQ(PlanMacs(g, plan), EstimatePatchCost(g, cfg).plan_macs);
}

TEST(PatchSchedule, Errors) {
  const Graph g = BuildZooModel("mobilenetv1-0.25-vww-r96");
  PatchConfig cfg;
  cfg.split_op = static_cast<int>(g.ops.size()) + 3;
  EXPECT_THROW(SchedulePatches(g, cfg), Error);
  // The last operators (RESHAPE / FULLY_CONNECTED / SOFTMAX) cannot end a patch stage.
  cfg.split_op = static_cast<int>(g.ops.size()) - 1;
  try {
    SchedulePatches(g, cfg);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("operator " + std::to_string(cfg.split_op)), std::string::npos) << e.what();
  }
  const std::vector<SplitPoint> splits = ValidSplits(g);
  ASSERT_FALSE(splits.empty());
  cfg.split_op = splits.back().last_op;
  cfg.rows = splits.back().min_cut_h + 1;
  EXPECT_THROW(SchedulePatches(g, cfg), Error);
  cfg.rows = 0;
  EXPECT_THROW(SchedulePatches(g, cfg), Error);
  {
    // More patches than kMaxPatches: refused before anything is allocated.
    const Graph big = BuildZooModel("mobilenetv2-w0.35-r144");
    PatchConfig many;
    many.split_op = ValidSplits(big).front().last_op;  // a 72x72 stage output
    many.rows = many.cols = 70;
    try {
      EstimatePatchCost(big, many);
      FAIL() << "expected an Error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("more than 4096 patches"), std::string::npos) << e.what();
    }
  }
  // Naming the assembled tensors instead: a wrong set is refused, the right one accepted.
  PatchConfig byt;
  byt.rows = byt.cols = 2;
  byt.cut_tensors = splits.front().cut_tensors;
  EXPECT_EQ(ResolveSplit(g, byt).last_op, splits.front().last_op);
  byt.cut_tensors.push_back(g.inputs[0]);
  EXPECT_THROW(ResolveSplit(g, byt), Error);
}

TEST(PatchSchedule, ParsePatchSpec) {
  PatchConfig c = ParsePatchSpec("12:4x3");
  EXPECT_EQ(c.split_op, 12);
  EXPECT_EQ(c.rows, 4);
  EXPECT_EQ(c.cols, 3);
  c = ParsePatchSpec("7:2");
  EXPECT_EQ(c.rows, 2);
  EXPECT_EQ(c.cols, 2);
  for (const char* bad : {"", "12", "12:", "x:4x4", "12:4x", "12:0x2", "-1:2x2", "12:4x4x", "99999999999:2x2"})
    EXPECT_THROW(ParsePatchSpec(bad), Error) << bad;
}

// `tessera plan --patch`: a checked plan, and exit 2 with a message for a bad spec.
std::pair<int, std::string> RunCommand(const std::string& cmd) {
  std::string out;
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (!f) return {-1, ""};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  const int status = pclose(f);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(PatchCli, PlanWithPatches) {
  const Graph g = BuildZooModel("mobilenetv2-w0.5-r96");
  const SplitPoint sp = ValidSplits(g)[3];
  const std::string base = test::CliPath() + " plan zoo:mobilenetv2-w0.5-r96 -q --patch " + std::to_string(sp.last_op);
  for (const char* strategy : {"mcunetv2", "greedy", "inplace", "best", "fuse,mcunetv2"}) {
    const auto [rc, out] = RunCommand(base + ":2x2 -s " + strategy);
    EXPECT_EQ(rc, 0) << strategy << "\n" << out;
    EXPECT_NE(out.find("checker          ok"), std::string::npos) << out;
    EXPECT_NE(out.find("2x2 patches"), std::string::npos) << out;
  }
  const auto [rc1, out1] = RunCommand(base + ":2y2");
  EXPECT_EQ(rc1, 2) << out1;
  EXPECT_NE(out1.find("SPLIT:ROWSxCOLS"), std::string::npos) << out1;
  const auto [rc2, out2] = RunCommand(base + ":2x2 -s overlap");
  EXPECT_EQ(rc2, 2) << out2;
  const auto [rc3, out3] = RunCommand(test::CliPath() + " plan zoo:mobilenetv2-w0.5-r96 -q --patch 9999:2x2");
  EXPECT_EQ(rc3, 2) << out3;
  EXPECT_NE(out3.find("out of range"), std::string::npos) << out3;
}

// ---------------------------------------------------------------------------------------
// Exactness: checker + executor, patch plans vs the layer-by-layer plan.

struct Case {
  std::string model;  // zoo name or "shared:<stem>"
  int sample;         // which sampled split (see SampleSplits)
  int rows, cols;
  bool fold_pads = false;
  bool input_in_arena = true;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.model << " sample " << c.sample << " grid " << c.rows << "x" << c.cols << (c.fold_pads ? " fold" : "")
      << (c.input_in_arena ? "" : " streamed");
}

// A deterministic sample of a model's valid splits: early, middle and late ones among those
// with room for a grid, and one inside a residual block when there is one.
std::vector<SplitPoint> SampleSplits(const Graph& g) {
  std::vector<SplitPoint> all;
  for (SplitPoint& sp : ValidSplits(g))
    if (sp.min_cut_h >= 2 && sp.min_cut_w >= 2) all.push_back(std::move(sp));
  std::vector<SplitPoint> r;
  if (all.empty()) return r;
  std::set<int> taken;
  auto take = [&](size_t i) {
    if (i < all.size() && taken.insert(static_cast<int>(i)).second) r.push_back(all[i]);
  };
  take(0);
  take(all.size() / 3);
  take(all.size() * 2 / 3);
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i].cut_tensors.size() >= 2) {
      take(i);
      break;
    }
  take(all.size() - 1);
  return r;
}

std::string CaseName(const testing::TestParamInfo<Case>& info) {
  std::string n = info.param.model + "_s" + std::to_string(info.param.sample) + "_" +
                  std::to_string(info.param.rows) + "x" + std::to_string(info.param.cols);
  if (info.param.fold_pads) n += "_fold";
  if (!info.param.input_in_arena) n += "_stream";
  for (char& c : n)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

class PatchExact : public testing::TestWithParam<Case> {};

TEST_P(PatchExact, CheckerAcceptsAndOutputsMatchLayerByLayer) {
  const Case& c = GetParam();
  if (c.model.rfind("shared:", 0) == 0) TESSERA_REQUIRE_SHARED();
  const Model& m = GetModel(c.model);
  const std::vector<SplitPoint> splits = SampleSplits(m.g);
  if (c.sample >= static_cast<int>(splits.size())) GTEST_SKIP() << "model has only " << splits.size() << " sampled splits";
  const SplitPoint& sp = splits[c.sample];
  PatchConfig cfg;
  cfg.split_op = sp.last_op;
  cfg.rows = std::min(c.rows, sp.min_cut_h);
  cfg.cols = std::min(c.cols, sp.min_cut_w);
  cfg.fold_pads = c.fold_pads;
  Accounting acc;
  acc.input_in_arena = c.input_in_arena;
  SCOPED_TRACE("split after operator " + std::to_string(sp.last_op) + " (" + OpTypeName(m.g.ops[sp.last_op].type) +
               "), grid " + std::to_string(cfg.rows) + "x" + std::to_string(cfg.cols));

  // Lifetime-precise greedy placement of the patch schedule.
  Plan precise = SchedulePatches(m.g, cfg, acc);
  PlaceGreedy(precise);
  const CheckResult r1 = CheckPlan(m.g, precise);
  ASSERT_TRUE(r1.ok) << r1.message;
  EXPECT_EQ(RunPlan(m.g, precise, m.inputs), m.expected);

  // MCUNetV2's schedule.
  Plan mc = SchedulePatches(m.g, cfg, acc);
  PlaceMcunetV2(m.g, sp, mc);
  const CheckResult r2 = CheckPlan(m.g, mc);
  ASSERT_TRUE(r2.ok) << r2.message;
  EXPECT_EQ(RunPlan(m.g, mc, m.inputs), m.expected);

  EXPECT_EQ(PlanMacs(m.g, precise), EstimatePatchCost(m.g, cfg).plan_macs);
  EXPECT_GE(PlanMacs(m.g, precise), GraphMacs(m.g));
}

std::vector<Case> Cases() {
  std::vector<Case> r;
  const int grids[][2] = {{2, 2}, {3, 2}, {4, 4}, {1, 3}, {8, 8}, {2, 5}};
  int k = 0;
  auto add = [&](const std::string& model, int samples, bool pads) {
    for (int s = 0; s < samples; ++s) {
      const auto& gr = grids[k++ % 6];
      r.push_back(Case{model, s, gr[0], gr[1], false, true});
      if (pads) r.push_back(Case{model, s, gr[1], gr[0], true, s % 2 == 0});
    }
  };
  // Small zoo models: every sampled split.
  add("mobilenetv2-w0.5-r96", 5, false);
  add("mobilenetv1-0.25-vww-r96", 4, false);
  add("resnet8-cifar10", 4, false);
  add("nonsquare-pad-r128x160", 5, true);   // non-square input, explicit PADs, 7x7 depthwise
  add("mcunet-style-r160", 3, true);        // 5x5 / 7x7 depthwise, PADs
  add("proxyless-style-r144", 2, false);
  add("mobilenetv2-w0.35-r144", 2, false);
  // Shared models (real weights).
  add("shared:person_detect", 3, false);
  add("shared:vww_96_int8", 2, false);
  add("shared:resnet8_cifar10_int8", 3, false);
  add("shared:kws_dscnn_int8", 2, false);   // 49x10 non-square input
  add("shared:mcunet_vww1_80", 3, true);    // QUANTIZE/PAD inside the stage, float input
  return r;
}

INSTANTIATE_TEST_SUITE_P(Sampled, PatchExact, testing::ValuesIn(Cases()), CaseName);

// ---------------------------------------------------------------------------------------
// The published examples: figures printed beside MCUNetV2's and TinyEngine's.

// The split whose stage ends with the first operator producing a tensor of the given shape.
int SplitProducing(const Graph& g, int h, int w, int c) {
  for (const SplitPoint& sp : ValidSplits(g))
    for (int t : sp.cut_tensors) {
      const Shape4 s = AsNHWC(g.tensors[t].shape);
      if (s.h == h && s.w == w && s.c == c && sp.cut_tensors.size() == 1 && g.producer(t) == sp.last_op)
        return sp.last_op;
    }
  return -1;
}

// Checks and runs one patch config under both placements.
void ExpectExact(const Model& m, const PatchConfig& cfg, bool input_in_arena) {
  Plan precise = SchedulePatches(m.g, cfg, Accounting{input_in_arena});
  PlaceGreedy(precise);
  const CheckResult r1 = CheckPlan(m.g, precise);
  ASSERT_TRUE(r1.ok) << r1.message;
  EXPECT_EQ(RunPlan(m.g, precise, m.inputs), m.expected);
  const Plan mc = PlanMcunetV2(m.g, cfg, input_in_arena);
  const CheckResult r2 = CheckPlan(m.g, mc);
  ASSERT_TRUE(r2.ok) << r2.message;
  EXPECT_EQ(RunPlan(m.g, mc, m.inputs), m.expected);
}

// Residual ADDs inside the patch stage, and a residual connection crossing the cut (the block
// input is read inside the stage and by the ADD after it): both exact.
TEST(PatchExactCases, ResidualInsideTheStageAndAcrossTheCut) {
  const Model& m = GetModel("mobilenetv2-w0.5-r96");
  int inside = -1, across = -1;
  for (const SplitPoint& sp : ValidSplits(m.g)) {
    if (sp.min_cut_h < 3) continue;
    bool has_add = false;
    for (int op : sp.stage_ops) has_add |= m.g.ops[op].type == OpType::kAdd;
    if (has_add && sp.cut_tensors.size() == 1 && inside < 0) inside = sp.last_op;
    if (sp.cut_tensors.size() >= 2 && across < 0) across = sp.last_op;
  }
  ASSERT_GE(inside, 0);
  ASSERT_GE(across, 0);
  for (int split : {inside, across})
    for (int grid : {2, 3}) {
      SCOPED_TRACE("split after operator " + std::to_string(split) + ", " + std::to_string(grid) + "x" +
                   std::to_string(grid));
      PatchConfig cfg;
      cfg.split_op = split;
      cfg.rows = cfg.cols = grid;
      ExpectExact(m, cfg, true);
    }
}

// A patch whose part of an assembled PAD output is all padding: the PAD step reads nothing,
// yet has an input buffer (one pixel).
TEST(PatchExactCases, PatchEntirelyInPadding) {
  TESSERA_REQUIRE_SHARED();
  const Model& m = GetModel("shared:mcunet_vww1_80");
  // Find a split and grid where some patch computes a PAD window that is all padding.
  PatchConfig found;
  for (const SplitPoint& sp : ValidSplits(m.g)) {
    for (int n = 2; n <= 8 && found.split_op < 0; ++n) {
      if (n > sp.min_cut_h || n > sp.min_cut_w) break;
      for (const PatchWindows& pw : ComputePatchWindows(m.g, sp, n, n))
        for (int op : sp.stage_ops) {
          const Window& w = pw.tensor[m.g.ops[op].outputs[0]];
          if (m.g.ops[op].type == OpType::kPad && !w.empty() && InputWindow(m.g, op, 0, w).empty()) {
            found.split_op = sp.last_op;
            found.rows = found.cols = n;
          }
        }
    }
    if (found.split_op >= 0) break;
  }
  ASSERT_GE(found.split_op, 0) << "no patch of mcunet_vww1_80 lies wholly in a PAD's padding";
  SCOPED_TRACE("split after operator " + std::to_string(found.split_op) + ", " + std::to_string(found.rows) + "x" +
               std::to_string(found.cols));
  ExpectExact(m, found, true);
}

// A 1x1 grid whose stage ends with a PAD read by a convolution after the cut: folding that
// PAD makes the PAD's input (a per-patch buffer) live past the stage.
TEST(PatchExactCases, FoldedPadEndingTheStage) {
  TESSERA_REQUIRE_SHARED();
  const Model& m = GetModel("shared:mcunet_vww1_80");
  int tried = 0;
  for (const SplitPoint& sp : ValidSplits(m.g)) {
    if (m.g.ops[sp.last_op].type != OpType::kPad) continue;
    for (int n : {1, 2}) {
      PatchConfig cfg;
      cfg.split_op = sp.last_op;
      cfg.rows = cfg.cols = n;
      cfg.fold_pads = true;
      SCOPED_TRACE("split after PAD operator " + std::to_string(sp.last_op) + ", " + std::to_string(n) + "x" +
                   std::to_string(n));
      ExpectExact(m, cfg, n == 1);
      ++tried;
    }
    if (tried >= 4) break;
  }
  EXPECT_GE(tried, 2);
}

// The shared MobileNetV2 (NCHW input, TRANSPOSE first, 18 explicit PADs): the TRANSPOSE
// (NCHW -> NHWC, windowable) runs per patch inside the stage; PADs folded per patch.
TEST(PatchExactCases, SharedMobileNetV2NchwWith4x4Patches) {
  TESSERA_REQUIRE_SHARED();
  const Model& m = GetModel("shared:mobilenet_v2_1.0_224_nchw_int8");
  int split = SplitProducing(m.g, 28, 28, 32);
  ASSERT_GE(split, 0);
  PatchConfig cfg;
  cfg.split_op = split;
  cfg.rows = cfg.cols = 4;
  cfg.fold_pads = true;
  const SplitPoint sp = ResolveSplit(m.g, cfg);
  EXPECT_EQ(m.g.ops[0].type, OpType::kTranspose);
  EXPECT_EQ(sp.first_op, 0);
  ExpectExact(m, cfg, false);
  const PatchCost cost = EstimatePatchCost(m.g, cfg);
  const Plan mc_in = PlanMcunetV2(m.g, cfg, true);
  const Plan mc_out = PlanMcunetV2(m.g, cfg, false);
  Plan precise = SchedulePatches(m.g, cfg, Accounting{false});
  FusePads(m.g, precise);
  PlaceGreedy(precise);
  std::printf("mobilenet_v2_1.0_224_nchw_int8 (shared), split after op %d (28x28x32), 4x4 patches, PADs folded\n",
              split);
  std::printf("  layer-by-layer greedy arena (input in arena):  %10lld B\n", (long long)PlanLayerByLayer(m.g).arena_bytes);
  std::printf("  mcunetv2 schedule, input in arena:             %10lld B\n", (long long)mc_in.arena_bytes);
  std::printf("  mcunetv2 schedule, input not counted:          %10lld B   (the TRANSPOSE runs per patch: "
              "no whole NHWC copy)\n", (long long)mc_out.arena_bytes);
  std::printf("  lifetime-precise greedy, input not counted:    %10lld B\n", (long long)precise.arena_bytes);
  std::printf("  patch input %dx%d (receptive field %dx%d); MACs +%.1f%% overall, +%.1f%% in the stage\n",
              cost.max_input_patch_h, cost.max_input_patch_w, cost.patch_rf_h, cost.patch_rf_w,
              100 * cost.overall_overhead(), 100 * cost.stage_overhead());
}

TEST(PatchFigures, MobileNetV2With4x4Patches) {
  const Graph g = BuildZooModel("mobilenetv2-w1.0-r224");
  PatchConfig cfg;
  cfg.split_op = SplitProducing(g, 28, 28, 32);  // MCUNetV2's split: first 28x28 output
  ASSERT_GE(cfg.split_op, 0);
  cfg.rows = cfg.cols = 4;
  const PatchCost cost = EstimatePatchCost(g, cfg);
  // MCUNetV2 (Table 1 / Fig. 3): a 75x75 input patch for MobileNetV2 at 224 with 4x4 patches.
  EXPECT_EQ(cost.max_input_patch_h, 75);
  EXPECT_EQ(cost.max_input_patch_w, 75);
  EXPECT_EQ(cost.patch_rf_h, 75);
  EXPECT_EQ(cost.patch_rf_w, 75);
  const Plan lbl = PlanLayerByLayer(g);
  const Plan with_in = PlanMcunetV2(g, cfg, true);
  const Plan without_in = PlanMcunetV2(g, cfg, false);
  Plan precise = SchedulePatches(g, cfg, Accounting{false});
  PlaceGreedy(precise);
  ASSERT_TRUE(CheckPlan(g, with_in).ok);
  ASSERT_TRUE(CheckPlan(g, without_in).ok);
  ASSERT_TRUE(CheckPlan(g, precise).ok);
  EXPECT_LT(without_in.arena_bytes, lbl.arena_bytes / 4);
  std::printf("MobileNetV2 1.0-224 (zoo), split after op %d (28x28x32), 4x4 patches\n", cfg.split_op);
  std::printf("  layer-by-layer greedy arena (input in arena):  %10lld B\n", (long long)lbl.arena_bytes);
  std::printf("  mcunetv2 schedule, input in arena:             %10lld B\n", (long long)with_in.arena_bytes);
  std::printf("  mcunetv2 schedule, input not counted:          %10lld B   (MCUNetV2 Table 1: 172 kB)\n",
              (long long)without_in.arena_bytes);
  std::printf("  lifetime-precise greedy, input not counted:    %10lld B\n", (long long)precise.arena_bytes);
  std::printf("  MACs: layer-by-layer %lld, patch %lld: overall +%.1f%% (MCUNetV2: +10%%), stage +%.1f%%\n",
              (long long)cost.graph_macs, (long long)cost.plan_macs, 100 * cost.overall_overhead(),
              100 * cost.stage_overhead());
}

TEST(PatchFigures, McunetVww1With2x2Patches) {
  TESSERA_REQUIRE_SHARED();
  const Model& m = GetModel("shared:mcunet_vww1_80");
  PatchConfig cfg;
  cfg.split_op = SplitProducing(m.g, 20, 20, 48);
  ASSERT_GE(cfg.split_op, 0) << "no split whose assembled output is the 20x20x48 tensor";
  cfg.rows = cfg.cols = 2;
  cfg.fold_pads = true;
  const PatchCost cost = EstimatePatchCost(m.g, cfg);
  // TinyEngine's patch-based VWW example: a 47x47 patch of the 80x80 input (its receptive
  // field, zero padding included).
  EXPECT_EQ(cost.patch_rf_h, 47);
  EXPECT_EQ(cost.patch_rf_w, 47);
  EXPECT_LE(cost.max_input_patch_h, 47);
  const Plan mc = PlanMcunetV2(m.g, cfg, false);
  const CheckResult r = CheckPlan(m.g, mc);
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(RunPlan(m.g, mc, m.inputs), m.expected);
  Plan precise = SchedulePatches(m.g, cfg, Accounting{false});
  PlaceGreedy(precise);
  ASSERT_TRUE(CheckPlan(m.g, precise).ok);
  Plan lbl = PlanLayerByLayer(m.g);
  std::printf("mcunet_vww1_80 (shared), split after op %d (20x20x48), 2x2 patches, PADs folded\n", cfg.split_op);
  std::printf("  layer-by-layer greedy arena (input in arena):  %10lld B\n", (long long)lbl.arena_bytes);
  std::printf("  mcunetv2 schedule, input not counted:          %10lld B   (TinyEngine: 62,352 B)\n",
              (long long)mc.arena_bytes);
  std::printf("  lifetime-precise greedy, input not counted:    %10lld B\n", (long long)precise.arena_bytes);
  std::printf("  MACs: layer-by-layer %lld, patch %lld: overall +%.1f%%, stage +%.1f%%\n", (long long)cost.graph_macs,
              (long long)cost.plan_macs, 100 * cost.overall_overhead(), 100 * cost.stage_overhead());
}

}  // namespace
}  // namespace tessera
