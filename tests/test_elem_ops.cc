// The element-wise operator units SUB, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE, PRELU, LEAKY_RELU,
// TANH, ABS, RSQRT and ELU, the reductions SUM, ARG_MAX and ARG_MIN, and DEPTH_TO_SPACE and
// SPACE_TO_DEPTH, inside plans and at their edges:
//  - a chain of the element-wise ones between two pools, and pool -> SPACE_TO_DEPTH ->
//    LEAKY_RELU -> DEPTH_TO_SPACE -> pool: every strategy's plan, every patch plan (each
//    split point, grids, placements) and streamed plan (each halo mode, greedy placement), input in the arena or
//    streamed, passes the checker and gives the layer-by-layer plan's bytes, running the new
//    operators over partial windows; the generated C computes the executor's bytes;
//  - SUM, ARG_MAX and ARG_MIN, SQUEEZE and EXPAND_DIMS (views, aliased in place by some
//    plans) in every strategy's plan;
//  - SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND (whole-tensor units, batch above 1 between
//    them) between two pools: every strategy / patch / stream plan checked and exact; rank 3
//    int8 and float32 in every strategy against bytes computed here; the generated C, on the
//    host and on the emulated Cortex-M4;
//  - pool -> MIRROR_PAD (REFLECT) -> DEQUANTIZE -> NEG -> QUANTIZE -> MIRROR_PAD (SYMMETRIC,
//    channels too) -> pool: the same (MIRROR_PAD and NEG over partial windows), the generated C
//    of a patch plan, and the emulated Cortex-M4 running it with the host's bytes;
//  - GATHER (constant indices, constant params with input indices, batch_dims) in every
//    strategy's plan and in generated C; run-time indices out of range fail the run; GATHERs of
//    shape values fold at load time;
//  - their options survive a write/read round trip;
//  - the dilated-convolution pattern (SPACE_TO_BATCH_ND -> CONV_2D / DEPTHWISE_CONV_2D over
//    batch 4 -> BATCH_TO_SPACE_ND) in every strategy equals the one dilated convolution, on
//    the host, in generated C and on the emulated Cortex-M4, and 40 random ones equal
//    TensorFlow Lite 2.9 up to proven rounding ties of CONV_2D;
//  - unsupported variants fail with messages naming the operator and the tensor.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "codegen/codegen.h"
#include "codegen/device.h"
#include "exec/executor.h"
#include "ir/fold.h"
#include "ir/graph_equal.h"
#include "memory/greedy.h"
#include "ops/ops.h"
#include "plan/strategy.h"
#include "schedule/patch.h"
#include "schedule/patch_plan.h"
#include "schedule/stream.h"
#include "support/paths.h"
#include "support/random_case.h"
#include "support/ties.h"
#include "support/tflite_c.h"
#include "tflite/reader.h"
#include "tflite/writer.h"

namespace tessera {
namespace {

using test::AddTensor;
using test::Q;
using test::Rand;

const std::set<OpType> kNewOps = {OpType::kSub,       OpType::kMaximum, OpType::kMinimum, OpType::kSquaredDifference,
                                  OpType::kPrelu,     OpType::kLeakyRelu, OpType::kTanh,  OpType::kAbs,
                                  OpType::kRsqrt,     OpType::kElu,    OpType::kDepthToSpace, OpType::kSpaceToDepth,
                                  OpType::kMirrorPad, OpType::kNeg};

int AddOp(Graph& g, OpType type, std::vector<int> ins, int out, OpOptions o = std::monostate{}) {
  Operator op;
  op.type = type;
  op.inputs = std::move(ins);
  op.outputs = {out};
  op.options = std::move(o);
  g.ops.push_back(op);
  return static_cast<int>(g.ops.size()) - 1;
}

std::vector<uint8_t> Bytes(Rand& r, int n) { return test::RandomBytes(r, n); }

// pool -> SUB -> MAXIMUM -> MINIMUM -> LEAKY_RELU -> PRELU -> SQUARED_DIFFERENCE (with the
// pool's output) -> ABS -> RSQRT -> TANH -> ELU -> pool, on a 1 x h x w x 4 input.
Graph ElemChain(int h, int w, uint64_t seed) {
  Rand r(seed);
  Graph g;
  g.name = "elem_chain";
  const std::vector<int32_t> s = {1, h, w, 4};
  Pool2DOptions pool;
  pool.padding = Padding::kSame;
  pool.filter_h = pool.filter_w = 3;
  const int x = AddTensor(g, "x", DType::kInt8, s, Q(0.05f, 3));
  const int t0 = AddTensor(g, "pool0", DType::kInt8, s, Q(0.05f, 3));
  AddOp(g, OpType::kAveragePool2D, {x}, t0, pool);
  const int c1 = AddTensor(g, "c1", DType::kInt8, {4}, Q(0.04f, -2), Bytes(r, 4));
  const int t1 = AddTensor(g, "sub", DType::kInt8, s, Q(0.06f, -5));
  SubOptions so;
  so.activation = Activation::kRelu6;
  AddOp(g, OpType::kSub, {t0, c1}, t1, so);
  const int c2 = AddTensor(g, "c2", DType::kInt8, {1, 1, w, 1}, Q(0.06f, -5), Bytes(r, w));
  const int t2 = AddTensor(g, "max", DType::kInt8, s, Q(0.06f, -5));
  AddOp(g, OpType::kMaximum, {t1, c2}, t2);
  const int c3 = AddTensor(g, "c3", DType::kInt8, {1, h, 1, 4}, Q(0.06f, -5), Bytes(r, h * 4));
  const int t3 = AddTensor(g, "min", DType::kInt8, s, Q(0.06f, -5));
  AddOp(g, OpType::kMinimum, {c3, t2}, t3);
  const int t4 = AddTensor(g, "leaky", DType::kInt8, s, Q(0.05f, 10));
  LeakyReluOptions lo;
  lo.alpha = 0.2f;
  AddOp(g, OpType::kLeakyRelu, {t3}, t4, lo);
  const int c5 = AddTensor(g, "alpha", DType::kInt8, {1, 1, 4}, Q(0.01f, 0), Bytes(r, 4));
  const int t5 = AddTensor(g, "prelu", DType::kInt8, s, Q(0.05f, 0));
  AddOp(g, OpType::kPrelu, {t4, c5}, t5);
  const int t6 = AddTensor(g, "sqdiff", DType::kInt8, s, Q(0.05f * 0.05f * 100, -128));
  AddOp(g, OpType::kSquaredDifference, {t5, t0}, t6);
  const int t7 = AddTensor(g, "abs", DType::kInt8, s, Q(0.2f, -128));  // >= its zero point: RSQRT-safe
  AddOp(g, OpType::kAbs, {t6}, t7);
  const int t8 = AddTensor(g, "rsqrt", DType::kInt8, s, Q(0.02f, -100));
  AddOp(g, OpType::kRsqrt, {t7}, t8);
  const int t9 = AddTensor(g, "tanh", DType::kInt8, s, Q(1.0f / 128, 0));
  AddOp(g, OpType::kTanh, {t8}, t9);
  const int t10 = AddTensor(g, "elu", DType::kInt8, s, Q(1.0f / 64, -30));
  AddOp(g, OpType::kElu, {t9}, t10);
  const int y = AddTensor(g, "y", DType::kInt8, s, Q(1.0f / 64, -30));
  AddOp(g, OpType::kMaxPool2D, {t10}, y, pool);
  g.inputs = {x};
  g.outputs = {y};
  g.Validate();
  return g;
}

std::vector<std::vector<uint8_t>> Inputs(const Graph& g, uint64_t seed) {
  Rand r(seed);
  return {Bytes(r, static_cast<int>(g.tensors[g.inputs[0]].num_bytes()))};
}

// Steps over partial windows per operator type, over every CheckEveryPlan call.
std::map<OpType, int>& PartialByType() {
  static std::map<OpType, int> m;
  return m;
}

// Every strategy's plan, every patch plan (each split point, three grids and placements) and
// streamed plan (each halo mode, greedy placement) of g, the input in the arena or streamed:
// checked and equal to the layer-by-layer bytes. Counts the plans and the steps of the new
// operators over partial windows.
void CheckEveryPlan(const Graph& g, uint64_t seed, int* plans_out, int* partial_out) {
  int& plans = *plans_out;
  int& partial_steps = *partial_out;
  const auto inputs = Inputs(g, seed * 77);
  const Plan base = PlanLayerByLayer(g);
  const CheckResult bc = CheckPlan(g, base);
  ASSERT_TRUE(bc.ok) << bc.message;
  const auto want = RunPlan(g, base, inputs);
  // The chain is not trivial: its output takes many values.
  std::set<uint8_t> distinct(want[0].begin(), want[0].end());
  EXPECT_GE(distinct.size(), 8u);
  auto check = [&](const std::function<Plan()>& make, const std::string& what) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " " + what);
    Plan plan;
    try {
      plan = make();
    } catch (const Error& e) {
      ADD_FAILURE() << "the planner threw: " << e.what();
      return;
    }
    ++plans;
    const CheckResult cr = CheckPlan(g, plan);
    ASSERT_TRUE(cr.ok) << CheckFailureName(cr.failure) << ": " << cr.message;
    EXPECT_EQ(RunPlan(g, plan, inputs), want);
    for (const Step& st : plan.steps) {
      if (st.kind != StepKind::kOp || !kNewOps.count(g.ops[st.op].type)) continue;
      const Shape4 os = AsNHWC(g.tensors[g.ops[st.op].outputs[0]].shape);
      if (st.window != Window{0, os.h, 0, os.w}) ++partial_steps, ++PartialByType()[g.ops[st.op].type];
    }
  };
  for (bool in_arena : {true, false}) {
    const std::string where = in_arena ? "" : " (input streamed)";
    for (const std::string& name : StrategyNames()) {
      PlanOptions o = PlanOptions::FromStrategy(name);
      o.input_in_arena = in_arena;
      check([&] { return MakePlan(g, o); }, "strategy " + name + where);
    }
    const std::vector<SplitPoint> splits = ValidSplits(g);
    ASSERT_FALSE(splits.empty());
    for (const SplitPoint& sp : splits) {
      for (int placement = 0; placement < 3; ++placement) {
        PatchPlanOptions o;
        o.patch.split_op = sp.last_op;
        o.patch.rows = std::min<int32_t>(sp.min_cut_h, 2 + placement % 2);
        o.patch.cols = std::min<int32_t>(sp.min_cut_w, 2 + placement / 2);
        o.placement = static_cast<PatchPlacement>(placement);
        o.input_in_arena = in_arena;
        check([&] { return PlanPatches(g, o); }, "patch after op " + std::to_string(sp.last_op) + " placement " +
                                     std::to_string(placement) + where);
      }
      for (int halo = 0; halo < 3; ++halo) {
        StreamConfig c;
        StageSpec st;
        st.last_op = sp.last_op;
        st.rows = std::min<int32_t>(sp.min_cut_h, 3);
        st.cols = std::min<int32_t>(sp.min_cut_w, 2);
        st.halo = static_cast<HaloMode>(halo);
        c.stages.push_back(st);
        check(
            [&] {
              Accounting acc;
              acc.input_in_arena = in_arena;
              Plan p = ScheduleStream(g, c, acc);
              PlaceGreedy(p);
              return p;
            },
            "stream " + StreamSpecString(c) + where);
      }
    }
  }
}

// pool -> SPACE_TO_DEPTH (block b) -> LEAKY_RELU -> DEPTH_TO_SPACE (block b) -> pool on a
// 1 x (h * b) x (w * b) x 3 input.
Graph SpaceDepthChain(int h, int w, int b) {
  Graph g;
  g.name = "space_depth_chain";
  const std::vector<int32_t> s = {1, h * b, w * b, 3}, d = {1, h, w, 3 * b * b};
  Pool2DOptions pool;
  pool.padding = Padding::kSame;
  pool.filter_h = pool.filter_w = 3;
  SpaceDepthOptions blk;
  blk.block_size = b;
  const int x = AddTensor(g, "x", DType::kInt8, s, Q(0.05f, 3));
  const int t0 = AddTensor(g, "pool0", DType::kInt8, s, Q(0.05f, 3));
  AddOp(g, OpType::kAveragePool2D, {x}, t0, pool);
  const int t1 = AddTensor(g, "s2d", DType::kInt8, d, Q(0.05f, 3));
  AddOp(g, OpType::kSpaceToDepth, {t0}, t1, blk);
  const int t2 = AddTensor(g, "leaky", DType::kInt8, d, Q(0.04f, -7));
  LeakyReluOptions lo;
  lo.alpha = 0.3f;
  AddOp(g, OpType::kLeakyRelu, {t1}, t2, lo);
  const int t3 = AddTensor(g, "d2s", DType::kInt8, s, Q(0.04f, -7));
  AddOp(g, OpType::kDepthToSpace, {t2}, t3, blk);
  const int y = AddTensor(g, "y", DType::kInt8, s, Q(0.04f, -7));
  AddOp(g, OpType::kMaxPool2D, {t3}, y, pool);
  g.inputs = {x};
  g.outputs = {y};
  g.Validate();
  return g;
}

// pool -> MIRROR_PAD (REFLECT, rows 2/1, columns 1/2) -> DEQUANTIZE -> NEG -> QUANTIZE ->
// MIRROR_PAD (SYMMETRIC, rows 1/2, columns 0/1, channels 1/2) -> pool, on 1 x h x w x 3.
Graph MirrorNegChain(int h, int w) {
  Graph g;
  g.name = "mirror_neg_chain";
  Pool2DOptions pool;
  pool.padding = Padding::kSame;
  pool.filter_h = pool.filter_w = 3;
  const std::vector<int32_t> s = {1, h, w, 3}, p1 = {1, h + 3, w + 3, 3}, p2 = {1, h + 6, w + 4, 6};
  const int x = AddTensor(g, "x", DType::kInt8, s, Q(0.05f, 3));
  const int t0 = AddTensor(g, "pool0", DType::kInt8, s, Q(0.05f, 3));
  AddOp(g, OpType::kAveragePool2D, {x}, t0, pool);
  auto pads = [&](const char* name, std::vector<int32_t> v) {
    std::vector<uint8_t> b(v.size() * 4);
    std::memcpy(b.data(), v.data(), b.size());
    return AddTensor(g, name, DType::kInt32, {4, 2}, Quantization{}, b);
  };
  MirrorPadOptions reflect, symmetric;
  symmetric.mode = MirrorPadMode::kSymmetric;
  const int t1 = AddTensor(g, "reflect", DType::kInt8, p1, Q(0.05f, 3));
  AddOp(g, OpType::kMirrorPad, {t0, pads("pads1", {0, 0, 2, 1, 1, 2, 0, 0})}, t1, reflect);
  const int t2 = AddTensor(g, "real", DType::kFloat32, p1, Quantization{});
  AddOp(g, OpType::kDequantize, {t1}, t2);
  const int t3 = AddTensor(g, "neg", DType::kFloat32, p1, Quantization{});
  AddOp(g, OpType::kNeg, {t2}, t3);
  const int t4 = AddTensor(g, "requant", DType::kInt8, p1, Q(0.04f, -5));
  AddOp(g, OpType::kQuantize, {t3}, t4);
  const int t5 = AddTensor(g, "symmetric", DType::kInt8, p2, Q(0.04f, -5));
  AddOp(g, OpType::kMirrorPad, {t4, pads("pads2", {0, 0, 1, 2, 0, 1, 1, 2})}, t5, symmetric);
  const int y = AddTensor(g, "y", DType::kInt8, p2, Q(0.04f, -5));
  AddOp(g, OpType::kMaxPool2D, {t5}, y, pool);
  g.inputs = {x};
  g.outputs = {y};
  g.Validate();
  return g;
}

// The chain's output from a naive evaluation written here: average pool (TFLM's rounding),
// numpy-style mirror padding, -(scale * (q - zp)) requantized with round-half-away, max pool.
TEST(ElemOpsPlans, MirrorNegChainEqualsANaiveEvaluation) {
  const Graph g = MirrorNegChain(5, 4);
  const auto in = Inputs(g, 3);
  const auto got = RunPlan(g, PlanLayerByLayer(g), in)[0];
  auto mirror = [](int i, int before, int n, bool reflect) {
    int j = i - before;
    if (j < 0) j = reflect ? -j : -j - 1;
    if (j >= n) j = reflect ? 2 * (n - 1) - j : 2 * n - 1 - j;
    return j;
  };
  auto pool = [](const std::vector<int>& v, int h, int w, int c, bool avg) {
    std::vector<int> r(v.size());
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int k = 0; k < c; ++k) {
          int sum = 0, n = 0, mx = -128;
          for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) {
              const int yy = y + dy, xx = x + dx;
              if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
              const int e = v[(size_t(yy) * w + xx) * c + k];
              sum += e, ++n, mx = std::max(mx, e);
            }
          r[(size_t(y) * w + x) * c + k] = avg ? (sum > 0 ? (sum + n / 2) / n : (sum - n / 2) / n) : mx;
        }
    return r;
  };
  std::vector<int> a(in[0].begin(), in[0].end());
  for (int& v : a) v = static_cast<int8_t>(v);
  a = pool(a, 5, 4, 3, true);
  // REFLECT rows 2/1, columns 1/2 -> 8 x 7 x 3, then -(0.05 * (q - 3)) / 0.04 - 5
  std::vector<int> b(8 * 7 * 3);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 7; ++x)
      for (int c = 0; c < 3; ++c) {
        const int q = a[(size_t(mirror(y, 2, 5, true)) * 4 + mirror(x, 1, 4, true)) * 3 + c];
        const float real = -static_cast<float>(static_cast<double>(0.05f) * (q - 3));
        const double r = std::round(static_cast<double>(real) / static_cast<double>(0.04f));
        b[(size_t(y) * 7 + x) * 3 + c] = static_cast<int>(std::clamp(r - 5, -128.0, 127.0));
      }
  // SYMMETRIC rows 1/2, columns 0/1, channels 1/2 -> 11 x 8 x 6
  std::vector<int> d(11 * 8 * 6);
  for (int y = 0; y < 11; ++y)
    for (int x = 0; x < 8; ++x)
      for (int c = 0; c < 6; ++c)
        d[(size_t(y) * 8 + x) * 6 + c] =
            b[(size_t(mirror(y, 1, 8, false)) * 7 + mirror(x, 0, 7, false)) * 3 + mirror(c, 1, 3, false)];
  d = pool(d, 11, 8, 6, false);
  ASSERT_EQ(got.size(), d.size());
  for (size_t i = 0; i < d.size(); ++i) ASSERT_EQ(static_cast<int8_t>(got[i]), d[i]) << "element " << i;
}

TEST(ElemOpsPlans, EveryStrategyIsCheckedAndGivesLayerByLayerBytes) {
  int plans = 0, partial_steps = 0;
  for (uint64_t seed : {1u, 2u, 3u})
    CheckEveryPlan(ElemChain(10 + static_cast<int>(seed) * 3, 9 + static_cast<int>(seed) * 2, seed), seed, &plans,
                   &partial_steps);
  for (int b : {2, 3}) CheckEveryPlan(SpaceDepthChain(4, 3, b), static_cast<uint64_t>(b), &plans, &partial_steps);
  CheckEveryPlan(MirrorNegChain(7, 6), 4, &plans, &partial_steps);
  std::printf("plans %d, steps of the new operators over partial windows %d (MIRROR_PAD %d, NEG %d)\n", plans,
              partial_steps, PartialByType()[OpType::kMirrorPad], PartialByType()[OpType::kNeg]);
  EXPECT_GT(partial_steps, 0) << "no strategy ran the new operators over windows";
  EXPECT_GT(PartialByType()[OpType::kMirrorPad], 0);
  EXPECT_GT(PartialByType()[OpType::kNeg], 0);
}

// SUM and ARG_MAX / ARG_MIN (whole-tensor operators) after an element-wise one, two graph
// outputs: every strategy's plan passes the checker and gives the layer-by-layer bytes.
Graph ReductionsGraph() {
  Graph g;
  const int x = AddTensor(g, "x", DType::kInt8, {1, 6, 5, 4}, Q(0.05f, 3));
  const int a = AddTensor(g, "abs", DType::kInt8, {1, 6, 5, 4}, Q(0.05f, -128));
  AddOp(g, OpType::kAbs, {x}, a);
  const int axes = AddTensor(g, "axes", DType::kInt32, {2}, Quantization{}, {2, 0, 0, 0, 3, 0, 0, 0});
  const int s = AddTensor(g, "sum", DType::kInt8, {1, 6, 1, 1}, Q(1.0f, -100));
  MeanOptions keep;
  keep.keep_dims = true;
  AddOp(g, OpType::kSum, {a, axes}, s, keep);
  const int ax = AddTensor(g, "axis", DType::kInt32, {1}, Quantization{}, {1, 0, 0, 0});
  const int am = AddTensor(g, "argmax", DType::kInt32, {1, 5, 4}, Quantization{});
  ArgMinMaxOptions i32;
  i32.out_type = DType::kInt32;
  AddOp(g, OpType::kArgMax, {a, ax}, am, i32);
  const int an = AddTensor(g, "argmin", DType::kInt64, {1, 6, 5}, Quantization{});
  const int ax3 = AddTensor(g, "axis3", DType::kInt64, {}, Quantization{}, {3, 0, 0, 0, 0, 0, 0, 0});
  AddOp(g, OpType::kArgMin, {a, ax3}, an, ArgMinMaxOptions{});
  g.inputs = {x};
  g.outputs = {s, am, an};
  g.Validate();
  return g;
}

TEST(ElemOpsPlans, ReductionsInEveryStrategy) {
  const Graph g = ReductionsGraph();
  const auto inputs = Inputs(g, 8);
  const auto want = RunPlan(g, PlanLayerByLayer(g), inputs);
  for (const std::string& name : StrategyNames())
    for (bool in_arena : {true, false}) {
      SCOPED_TRACE(name + (in_arena ? "" : " (input streamed)"));
      PlanOptions o = PlanOptions::FromStrategy(name);
      o.input_in_arena = in_arena;
      const Plan plan = MakePlan(g, o);
      const CheckResult cr = CheckPlan(g, plan);
      ASSERT_TRUE(cr.ok) << cr.message;
      EXPECT_EQ(RunPlan(g, plan, inputs), want);
    }
}

constexpr const char* kHostMain = R"(#include <stdio.h>
#include "model.h"
int main(int argc, char** argv) {
  static unsigned char buf[1 << 20];
  FILE* f;
  int i;
  if (argc != 3) return 2;
  f = fopen(argv[1], "rb");
  if (!f || fread(buf, 1, model_input_bytes(0), f) != model_input_bytes(0)) return 2;
  fclose(f);
  if (model_set_input(0, buf) != 0) return 3;
  if (model_invoke() != 0) return 4;
  f = fopen(argv[2], "wb");
  if (!f) return 2;
  for (i = 0; i < MODEL_NUM_OUTPUTS; ++i) fwrite(model_output(i), 1, model_output_bytes(i), f);
  fclose(f);
  return 0;
}
)";

// The generated C (host compiler, -Werror) of a plan computes the executor's bytes; returns
// the exit code of the compiled program.
int RunGenerated(const Graph& g, const Plan& plan, const std::vector<uint8_t>& input, std::vector<uint8_t>* out,
                 const std::string& tag) {
  const std::string dir = test::FreshTempDir("elem_" + tag);
  const auto files = GenerateC(g, plan, dir + "/gen");
  std::ofstream(dir + "/main.c") << kHostMain;
  std::string cmd = "cc -std=c99 -O1 -Wall -Wextra -Werror -I " + ShellQuote(dir + "/gen") + " -o " +
                    ShellQuote(dir + "/model_host") + " " + ShellQuote(dir + "/main.c");
  for (auto& s : GeneratedSources(files)) cmd.append(" ").append(ShellQuote(s));
  cmd += " -lm";
  const ShellResult cr = RunShell(cmd);
  EXPECT_EQ(cr.exit_code, 0) << cr.output;
  std::ofstream(dir + "/in.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(input.data()), static_cast<std::streamsize>(input.size()));
  const ShellResult rr = RunShell(ShellQuote(dir + "/model_host") + " " + ShellQuote(dir + "/in.bin") + " " +
                                  ShellQuote(dir + "/out.bin"));
  if (rr.exit_code == 0) *out = test::ReadFileBytes(dir + "/out.bin");
  std::filesystem::remove_all(dir);
  return rr.exit_code;
}

TEST(ElemOpsCodegen, GeneratedCMatchesExecutor) {
  const Graph g = ElemChain(13, 11, 5);
  const auto inputs = Inputs(g, 9);
  // The greedy layer-by-layer plan and a patch plan whose stage ends after ELU (3 x 2 patches).
  PatchPlanOptions po;
  po.patch.split_op = 10;
  po.patch.rows = 3;
  po.patch.cols = 2;
  po.placement = PatchPlacement::kGreedy;
  const std::vector<std::pair<std::string, Plan>> plans = {{"greedy", MakePlan(g, PlanOptions::FromStrategy("greedy"))},
                                                           {"patch", PlanPatches(g, po)}};
  for (const auto& [name, plan] : plans) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(CheckPlan(g, plan).ok);
    std::vector<uint8_t> got;
    ASSERT_EQ(RunGenerated(g, plan, inputs[0], &got, name), 0);
    EXPECT_EQ(got, RunPlan(g, plan, inputs)[0]);
  }
  // SPACE_TO_DEPTH and DEPTH_TO_SPACE over patches (stage ending after DEPTH_TO_SPACE).
  {
    const Graph sg = SpaceDepthChain(4, 3, 2);
    const auto sin = Inputs(sg, 4);
    PatchPlanOptions sp;
    sp.patch.split_op = 3;
    sp.patch.rows = sp.patch.cols = 2;
    const Plan plan = PlanPatches(sg, sp);
    ASSERT_TRUE(CheckPlan(sg, plan).ok);
    std::vector<uint8_t> got;
    ASSERT_EQ(RunGenerated(sg, plan, sin[0], &got, "space_depth"), 0);
    EXPECT_EQ(got, RunPlan(sg, plan, sin)[0]);
  }
  // SUM, ARG_MAX (int32) and ARG_MIN (int64): the three outputs one after the other.
  const Graph rg = ReductionsGraph();
  const auto rin = Inputs(rg, 3);
  const Plan rp = MakePlan(rg, PlanOptions::FromStrategy("greedy"));
  std::vector<uint8_t> got, want;
  for (const auto& o : RunPlan(rg, rp, rin)) want.insert(want.end(), o.begin(), o.end());
  ASSERT_EQ(RunGenerated(rg, rp, rin[0], &got, "reductions"), 0);
  EXPECT_EQ(got, want);
}

TEST(ElemOpsCodegen, RsqrtOfANegativeInputFailsTheInvoke) {
  Graph g;
  const int x = AddTensor(g, "x", DType::kInt8, {1, 2, 2, 3}, Q(0.1f, 0));
  const int y = AddTensor(g, "y", DType::kInt8, {1, 2, 2, 3}, Q(0.05f, -128));
  AddOp(g, OpType::kRsqrt, {x}, y);
  g.inputs = {x};
  g.outputs = {y};
  g.Validate();
  const Plan plan = PlanLayerByLayer(g);
  std::vector<uint8_t> in(12, 4), out;
  EXPECT_EQ(RunGenerated(g, plan, in, &out, "rsqrt_ok"), 0);
  in[7] = static_cast<uint8_t>(-1);
  EXPECT_EQ(RunGenerated(g, plan, in, &out, "rsqrt_neg"), 4);  // model_invoke() != 0
  try {
    RunPlan(g, plan, {in});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("RSQRT"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("below the input's zero point"), std::string::npos) << e.what();
  }
}

TEST(ElemOpsOptions, SurviveWriteAndRead) {
  const Graph g = ElemChain(6, 5, 11);
  const std::vector<uint8_t> bytes = WriteTflite(g);
  const Graph back = ReadTfliteBytes(bytes.data(), bytes.size(), "elem_chain");
  std::string why;
  EXPECT_TRUE(GraphsEqual(g, back, &why)) << "differs: " << why;
  int subs = 0, leaky = 0;
  for (const Operator& o : back.ops) {
    if (o.type == OpType::kSub) subs += o.opts<SubOptions>().activation == Activation::kRelu6;
    if (o.type == OpType::kLeakyRelu) leaky += o.opts<LeakyReluOptions>().alpha == 0.2f;
  }
  EXPECT_EQ(subs, 1);
  EXPECT_EQ(leaky, 1);
}

// ---- unsupported variants: clear errors naming the operator and the tensor
std::string ValidateError(Graph& g) {
  try {
    g.Validate();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string PrepareError(const Graph& g) {
  try {
    ops::PrepareOp(g, 0);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

Graph Binary(OpType type, Quantization qa, Quantization qb, Quantization qy, OpOptions o = std::monostate{},
             DType ta = DType::kInt8) {
  Graph g;
  const int a = AddTensor(g, "in_a", ta, {1, 3, 3, 2}, qa);
  const int b = AddTensor(g, "in_b", DType::kInt8, {2}, qb, std::vector<uint8_t>(2, 1));
  const int y = AddTensor(g, "out_y", DType::kInt8, {1, 3, 3, 2}, qy);
  AddOp(g, type, {a, b}, y, o);
  g.inputs = {a};
  g.outputs = {y};
  return g;
}

Graph Unary(OpType type, Quantization qx, Quantization qy, OpOptions o = std::monostate{}) {
  Graph g;
  const int x = AddTensor(g, "in_x", DType::kInt8, {1, 3, 3, 2}, qx);
  const int y = AddTensor(g, "out_y", DType::kInt8, {1, 3, 3, 2}, qy);
  AddOp(g, type, {x}, y, o);
  g.inputs = {x};
  g.outputs = {y};
  return g;
}

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST(ElemOpsErrors, MaximumMinimumNeedOneQuantization) {
  for (OpType t : {OpType::kMaximum, OpType::kMinimum}) {
    Graph g = Binary(t, Q(0.1f, 0), Q(0.2f, 0), Q(0.1f, 0));
    const std::string e = ValidateError(g);
    EXPECT_HAS(e, std::string(OpTypeName(t)) + " (op 0)");
    EXPECT_HAS(e, "'in_b'");
    EXPECT_HAS(e, "differ in quantization");
  }
}

TEST(ElemOpsErrors, NonInt8OperandsAreRefused) {
  Graph g = Binary(OpType::kSub, Q(0.1f, 0), Q(0.1f, 0), Q(0.1f, 0), SubOptions{}, DType::kFloat32);
  const std::string e = ValidateError(g);
  EXPECT_HAS(e, "SUB (op 0)");
  EXPECT_HAS(e, "'in_a'");
  EXPECT_HAS(e, "expected int8");
}

TEST(ElemOpsErrors, PreluNeedsPerTensorAlpha) {
  Graph g = Binary(OpType::kPrelu, Q(0.1f, 0), Q(0.1f, 0), Q(0.1f, 0));
  g.tensors[1].quant.scale = {0.1f, 0.2f};
  g.tensors[1].quant.zero_point = {0, 0};
  const std::string e = ValidateError(g);
  EXPECT_HAS(e, "PRELU (op 0)");
  EXPECT_HAS(e, "'in_b'");
  EXPECT_HAS(e, "per-tensor");
}

TEST(ElemOpsErrors, WrongOptionsAndBadAlpha) {
  Graph g = Binary(OpType::kSub, Q(0.1f, 0), Q(0.1f, 0), Q(0.1f, 0), AddOptions{});
  EXPECT_HAS(ValidateError(g), "SUB (op 0): options must be SubOptions");
  LeakyReluOptions lo;
  lo.alpha = std::numeric_limits<float>::quiet_NaN();
  Graph l = Unary(OpType::kLeakyRelu, Q(0.1f, 0), Q(0.1f, 0), lo);
  const std::string e = ValidateError(l);
  EXPECT_HAS(e, "LEAKY_RELU (op 0)");
  EXPECT_HAS(e, "not finite");
}

TEST(ElemOpsErrors, TanhNeedsItsFixedOutputQuantization) {
  Graph g = Unary(OpType::kTanh, Q(0.1f, 0), Q(1.0f / 100, 0));
  g.Validate();
  const std::string e = PrepareError(g);
  EXPECT_HAS(e, "operator 0 (TANH)");
  EXPECT_HAS(e, "scale 1/128 and zero point 0");
  EXPECT_HAS(e, "'out_y'");
}

TEST(ElemOpsErrors, ShapesThatDoNotBroadcast) {
  Graph g = Binary(OpType::kSquaredDifference, Q(0.1f, 0), Q(0.1f, 0), Q(0.01f, -128));
  g.tensors[1].shape = {3};
  g.tensors[1].data.resize(3);
  const std::string e = ValidateError(g);
  EXPECT_HAS(e, "SQUARED_DIFFERENCE (op 0)");
}

Graph Reduce(OpType type, std::vector<int32_t> axes, std::vector<int32_t> out_shape, DType out_type, OpOptions o) {
  Graph g;
  const int x = AddTensor(g, "in_x", DType::kInt8, {1, 3, 3, 2}, Q(0.1f, 0));
  std::vector<uint8_t> ab(axes.size() * 4);
  std::memcpy(ab.data(), axes.data(), ab.size());
  const int ax = AddTensor(g, "axes_t", DType::kInt32, {static_cast<int32_t>(axes.size())}, Quantization{}, ab);
  const int y = AddTensor(g, "out_y", out_type, std::move(out_shape),
                          out_type == DType::kInt8 ? Q(0.1f, 0) : Quantization{});
  AddOp(g, type, {x, ax}, y, std::move(o));
  g.inputs = {x};
  g.outputs = {y};
  return g;
}

TEST(ElemOpsErrors, ReductionAxesAndIndexTypes) {
  Graph s = Reduce(OpType::kSum, {5}, {1, 3, 3}, DType::kInt8, MeanOptions{});
  EXPECT_HAS(ValidateError(s), "SUM (op 0): axis 5 is out of range for input rank 4");
  ArgMinMaxOptions i64;
  Graph a = Reduce(OpType::kArgMax, {1, 2}, {1, 3}, DType::kInt64, i64);
  std::string e = ValidateError(a);
  EXPECT_HAS(e, "ARG_MAX (op 0): axis tensor 1 'axes_t' has 2 values, expected 1");
  ArgMinMaxOptions i32;
  i32.out_type = DType::kInt32;
  Graph b = Reduce(OpType::kArgMin, {3}, {1, 3, 3}, DType::kInt64, i32);
  e = ValidateError(b);
  EXPECT_HAS(e, "ARG_MIN (op 0): output tensor 2 'out_y' is int64 but output_type says int32");
  Graph c = Reduce(OpType::kArgMin, {3}, {1, 3, 3}, DType::kInt8, i64);
  EXPECT_HAS(ValidateError(c), "'out_y' is int8, expected int32 or int64");
}

TEST(ElemOpsErrors, SpaceDepthShapesAndQuantization) {
  SpaceDepthOptions b2;
  b2.block_size = 2;
  Graph d = Unary(OpType::kDepthToSpace, Q(0.1f, 0), Q(0.1f, 0), b2);
  EXPECT_HAS(ValidateError(d), "DEPTH_TO_SPACE (op 0): input tensor 0 'in_x' has 2 channels, not a multiple of block_size^2 4");
  Graph s = Unary(OpType::kSpaceToDepth, Q(0.1f, 0), Q(0.1f, 0), b2);
  EXPECT_HAS(ValidateError(s), "SPACE_TO_DEPTH (op 0): input tensor 0 'in_x' of shape [1,3,3,2] is not divisible by block_size 2");
  SpaceDepthOptions b1;
  b1.block_size = 1;
  Graph q = Unary(OpType::kSpaceToDepth, Q(0.1f, 0), Q(0.2f, 0), b1);
  EXPECT_HAS(ValidateError(q), "must share scale and zero point");
  SpaceDepthOptions b0;
  Graph z = Unary(OpType::kDepthToSpace, Q(0.1f, 0), Q(0.1f, 0), b0);
  EXPECT_HAS(ValidateError(z), "DEPTH_TO_SPACE (op 0): block_size 0 is out of range");
}

// pool -> SQUEEZE (batch) -> EXPAND_DIMS (axis 0) -> pool: views in every strategy's plan,
// checked and exact; some plan aliases a view's output with its input (no copy).
TEST(ElemOpsPlans, ViewsInEveryStrategy) {
  Graph g;
  Pool2DOptions pool;
  pool.padding = Padding::kSame;
  pool.filter_h = pool.filter_w = 3;
  const int x = AddTensor(g, "x", DType::kInt8, {1, 7, 6, 3}, Q(0.05f, 3));
  const int t0 = AddTensor(g, "pool0", DType::kInt8, {1, 7, 6, 3}, Q(0.05f, 3));
  AddOp(g, OpType::kAveragePool2D, {x}, t0, pool);
  const int t1 = AddTensor(g, "squeezed", DType::kInt8, {7, 6, 3}, Q(0.05f, 3));
  SqueezeOptions so;
  so.squeeze_dims = {0};
  AddOp(g, OpType::kSqueeze, {t0}, t1, so);
  const int ax = AddTensor(g, "axis", DType::kInt32, {}, Quantization{}, {0, 0, 0, 0});
  const int t2 = AddTensor(g, "expanded", DType::kInt8, {1, 7, 6, 3}, Q(0.05f, 3));
  AddOp(g, OpType::kExpandDims, {t1, ax}, t2);
  const int y = AddTensor(g, "y", DType::kInt8, {1, 7, 6, 3}, Q(0.05f, 3));
  AddOp(g, OpType::kMaxPool2D, {t2}, y, pool);
  g.inputs = {x};
  g.outputs = {y};
  g.Validate();
  const auto inputs = Inputs(g, 12);
  const auto want = RunPlan(g, PlanLayerByLayer(g), inputs);
  int aliased = 0;
  for (const std::string& name : StrategyNames())
    for (bool in_arena : {true, false}) {
      SCOPED_TRACE(name + (in_arena ? "" : " (input streamed)"));
      PlanOptions o = PlanOptions::FromStrategy(name);
      o.input_in_arena = in_arena;
      const Plan plan = MakePlan(g, o);
      const CheckResult cr = CheckPlan(g, plan);
      ASSERT_TRUE(cr.ok) << cr.message;
      EXPECT_EQ(RunPlan(g, plan, inputs), want);
      for (const Step& st : plan.steps)
        if (st.kind == StepKind::kOp && (g.ops[st.op].type == OpType::kSqueeze || g.ops[st.op].type == OpType::kExpandDims)) {
          const Buffer& a = plan.buffers[st.inputs[0]];
          const Buffer& b = plan.buffers[st.outputs[0]];
          aliased += a.external == b.external && a.offset == b.offset;
        }
    }
  EXPECT_GT(aliased, 0);
  std::vector<uint8_t> got;
  const Plan best = MakePlan(g, PlanOptions::FromStrategy("best"));
  ASSERT_EQ(RunGenerated(g, best, inputs[0], &got, "views"), 0);
  EXPECT_EQ(got, want[0]);
}

TEST(ElemOpsErrors, SqueezeAndExpandDims) {
  SqueezeOptions so;
  so.squeeze_dims = {1};
  Graph s = Unary(OpType::kSqueeze, Q(0.1f, 0), Q(0.1f, 0), so);
  EXPECT_HAS(ValidateError(s), "SQUEEZE (op 0): squeeze dimension 1 of input tensor 0 'in_x' [1,3,3,2] has size 3, not 1");
  so.squeeze_dims = {4};
  Graph s4 = Unary(OpType::kSqueeze, Q(0.1f, 0), Q(0.1f, 0), so);
  EXPECT_HAS(ValidateError(s4), "squeeze dimension 4 is out of range for input rank 4");
  Graph e = Reduce(OpType::kExpandDims, {6}, {1, 3, 3, 2, 1}, DType::kInt8, std::monostate{});
  EXPECT_HAS(ValidateError(e), "EXPAND_DIMS (op 0): axis 6 is out of range for input rank 4");
}

// ---- SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND (whole-tensor units: the batch changes)
std::vector<uint8_t> I32Bytes(const std::vector<int32_t>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// pool -> SPACE_TO_BATCH_ND (block bh x bw, paddings) -> BATCH_TO_SPACE_ND (the same block,
// crops) -> pool on a 1 x h x w x 3 input; SPACE_TO_BATCH_ND's output zero point (its pad
// value) differs from its input's.
Graph SpaceBatchChain(int h, int w, int bh, int bw, std::vector<int32_t> pads, std::vector<int32_t> crops) {
  Graph g;
  g.name = "space_batch_chain";
  const std::vector<int32_t> s = {1, h, w, 3};
  const int oh = (h + pads[0] + pads[1]) / bh, ow = (w + pads[2] + pads[3]) / bw;
  const std::vector<int32_t> b = {bh * bw, oh, ow, 3};
  const std::vector<int32_t> back = {1, oh * bh - crops[0] - crops[1], ow * bw - crops[2] - crops[3], 3};
  Pool2DOptions pool;
  pool.padding = Padding::kSame;
  pool.filter_h = pool.filter_w = 3;
  const int x = AddTensor(g, "x", DType::kInt8, s, Q(0.05f, 3));
  const int t0 = AddTensor(g, "pool0", DType::kInt8, s, Q(0.05f, 3));
  AddOp(g, OpType::kAveragePool2D, {x}, t0, pool);
  const int blk = AddTensor(g, "block_shape", DType::kInt32, {2}, Quantization{}, I32Bytes({bh, bw}));
  const int pd = AddTensor(g, "paddings", DType::kInt32, {2, 2}, Quantization{}, I32Bytes(pads));
  const int t1 = AddTensor(g, "s2b", DType::kInt8, b, Q(0.05f, -90));
  AddOp(g, OpType::kSpaceToBatchNd, {t0, blk, pd}, t1);
  const int cr = AddTensor(g, "crops", DType::kInt32, {2, 2}, Quantization{}, I32Bytes(crops));
  const int t2 = AddTensor(g, "b2s", DType::kInt8, back, Q(0.05f, -90));
  AddOp(g, OpType::kBatchToSpaceNd, {t1, blk, cr}, t2);
  const int y = AddTensor(g, "y", DType::kInt8, back, Q(0.05f, -90));
  AddOp(g, OpType::kMaxPool2D, {t2}, y, pool);
  g.inputs = {x};
  g.outputs = {y};
  g.Validate();
  return g;
}

// Rank 3 (NHC), float32 or int8: x [2, 5, 3] -> SPACE_TO_BATCH_ND (block 3, paddings 1 3) ->
// [6, 3, 3] -> BATCH_TO_SPACE_ND (block 3, crops 2 0) -> [2, 7, 3].
Graph SpaceBatchRank3(DType t) {
  Graph g;
  g.name = "space_batch_rank3";
  const Quantization q = t == DType::kInt8 ? Q(0.1f, 17) : Quantization{};
  const int x = AddTensor(g, "x", t, {2, 5, 3}, q);
  const int blk = AddTensor(g, "block_shape", DType::kInt32, {1}, Quantization{}, I32Bytes({3}));
  const int pd = AddTensor(g, "paddings", DType::kInt32, {1, 2}, Quantization{}, I32Bytes({1, 3}));
  const int t1 = AddTensor(g, "s2b", t, {6, 3, 3}, q);
  AddOp(g, OpType::kSpaceToBatchNd, {x, blk, pd}, t1);
  const int cr = AddTensor(g, "crops", DType::kInt32, {1, 2}, Quantization{}, I32Bytes({2, 0}));
  const int y = AddTensor(g, "y", t, {2, 7, 3}, q);
  AddOp(g, OpType::kBatchToSpaceNd, {t1, blk, cr}, y);
  g.inputs = {x};
  g.outputs = {y};
  g.Validate();
  return g;
}

TEST(SpaceBatchPlans, EveryStrategyIsCheckedAndGivesLayerByLayerBytes) {
  int plans = 0, partial_steps = 0;
  CheckEveryPlan(SpaceBatchChain(7, 6, 2, 2, {1, 0, 0, 2}, {1, 0, 0, 1}), 21, &plans, &partial_steps);
  CheckEveryPlan(SpaceBatchChain(5, 8, 3, 2, {2, 2, 1, 1}, {0, 2, 1, 1}), 22, &plans, &partial_steps);
  std::printf("plans %d\n", plans);
  EXPECT_GT(plans, 20);
}

TEST(SpaceBatchPlans, Rank3InEveryStrategy) {
  for (DType t : {DType::kInt8, DType::kFloat32}) {
    const Graph g = SpaceBatchRank3(t);
    const auto inputs = Inputs(g, 13);
    // y[b][i] = x[b][i + 2 - 1] (the padded row i + crop_top, minus padding_top) where that row
    // lies inside x, the pad value (int8: the zero point 17; float32: 0.0f) elsewhere.
    std::vector<uint8_t> want;
    const size_t eb = t == DType::kInt8 ? 1 : 4, row = 3 * eb;
    for (int b = 0; b < 2; ++b)
      for (int i = 0; i < 7; ++i) {
        const int src = i + 2 - 1;
        for (size_t k = 0; k < row; ++k)
          want.push_back(src < 5 ? inputs[0][(b * 5 + src) * row + k] : t == DType::kInt8 ? uint8_t{17} : uint8_t{0});
      }
    for (const std::string& name : StrategyNames())
      for (bool in_arena : {true, false}) {
        SCOPED_TRACE(std::string(DTypeName(t)) + " " + name + (in_arena ? "" : " (input streamed)"));
        PlanOptions o = PlanOptions::FromStrategy(name);
        o.input_in_arena = in_arena;
        const Plan plan = MakePlan(g, o);
        const CheckResult cr = CheckPlan(g, plan);
        ASSERT_TRUE(cr.ok) << cr.message;
        EXPECT_EQ(RunPlan(g, plan, inputs)[0], want);
      }
    std::vector<uint8_t> got;
    ASSERT_EQ(RunGenerated(g, MakePlan(g, PlanOptions::FromStrategy("best")), inputs[0], &got,
                           std::string("space_batch_rank3_") + DTypeName(t)),
              0);
    EXPECT_EQ(got, want);
  }
}

TEST(SpaceBatchCodegen, GeneratedCMatchesExecutor) {
  const Graph g = SpaceBatchChain(5, 8, 3, 2, {2, 2, 1, 1}, {0, 2, 1, 1});
  const auto inputs = Inputs(g, 31);
  PatchPlanOptions po;
  po.patch.split_op = 0;
  po.patch.rows = po.patch.cols = 2;
  const std::vector<std::pair<std::string, Plan>> plans = {{"greedy", MakePlan(g, PlanOptions::FromStrategy("greedy"))},
                                                           {"best", MakePlan(g, PlanOptions::FromStrategy("best"))},
                                                           {"patch", PlanPatches(g, po)}};
  for (const auto& [name, plan] : plans) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(CheckPlan(g, plan).ok);
    std::vector<uint8_t> got;
    ASSERT_EQ(RunGenerated(g, plan, inputs[0], &got, "space_batch_" + name), 0);
    EXPECT_EQ(got, RunPlan(g, plan, inputs)[0]);
  }
}

TEST(SpaceBatchOptions, SurviveWriteAndRead) {
  const Graph g = SpaceBatchChain(7, 6, 2, 2, {1, 0, 0, 2}, {1, 0, 0, 1});
  const std::vector<uint8_t> bytes = WriteTflite(g);
  const Graph back = ReadTfliteBytes(bytes.data(), bytes.size(), "space_batch_chain");
  std::string why;
  EXPECT_TRUE(GraphsEqual(g, back, &why)) << "differs: " << why;
}

// The generated C on the emulated Cortex-M4 (QEMU mps2-an386): the int8 chain's smallest-arena
// plan and the float32 rank-3 graph give the host executor's bytes.
TEST(SpaceBatchDevice, EmulatedCortexM4EqualsHost) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  const std::vector<Graph> graphs = {SpaceBatchChain(5, 8, 3, 2, {2, 2, 1, 1}, {0, 2, 1, 1}),
                                     SpaceBatchRank3(DType::kFloat32)};
  for (const Graph& g : graphs) {
    SCOPED_TRACE(g.name);
    const auto inputs = Inputs(g, 41);
    const Plan plan = MakePlan(g, PlanOptions::FromStrategy("best"));
    ASSERT_TRUE(CheckPlan(g, plan).ok);
    const auto expected = RunPlan(g, plan, inputs);
    const std::string dir = test::FreshTempDir("space_batch_device_" + g.name);
    const DeviceResult r = RunOnDevice(g, plan, inputs, dir);
    ASSERT_TRUE(r.build.ok) << r.build.log;
    ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
    ASSERT_EQ(r.outputs.size(), 1u);
    EXPECT_TRUE(r.outputs[0] == expected[0]) << "differs from the host executor";
    std::filesystem::remove_all(dir);
  }
}

// SPACE_TO_BATCH_ND (or BATCH_TO_SPACE_ND) of x (shape xs) with block_shape and paddings /
// crops given as int32 constants of the shapes TFLite uses, output shape ys.
Graph SpaceBatchOp(OpType type, std::vector<int32_t> xs, std::vector<int32_t> blk, std::vector<int32_t> pads,
                   std::vector<int32_t> ys, DType t = DType::kInt8) {
  Graph g;
  const Quantization q = t == DType::kInt8 ? Q(0.1f, 0) : Quantization{};
  const int x = AddTensor(g, "in_x", t, std::move(xs), q);
  const int32_t m = static_cast<int32_t>(blk.size());
  const int b = AddTensor(g, "blk", DType::kInt32, {m}, Quantization{}, I32Bytes(blk));
  const int p = AddTensor(g, "pads", DType::kInt32, {static_cast<int32_t>(pads.size()) / 2, 2}, Quantization{},
                          I32Bytes(pads));
  const int y = AddTensor(g, "out_y", t, std::move(ys), q);
  AddOp(g, type, {x, b, p}, y);
  g.inputs = {x};
  g.outputs = {y};
  return g;
}

TEST(SpaceBatchErrors, ShapesBlocksAndTypes) {
  const OpType s2b = OpType::kSpaceToBatchNd, b2s = OpType::kBatchToSpaceNd;
  Graph ok = SpaceBatchOp(s2b, {1, 4, 4, 2}, {2, 2}, {0, 0, 0, 0}, {4, 2, 2, 2});
  EXPECT_EQ(ValidateError(ok), "(no error)");
  Graph a = SpaceBatchOp(s2b, {1, 5, 4, 2}, {2, 2}, {0, 0, 0, 0}, {4, 2, 2, 2});
  EXPECT_HAS(ValidateError(a), "SPACE_TO_BATCH_ND (op 0): axis 1 of input tensor 0 'in_x' padded to 5 is not a "
                               "multiple of block_shape[0] 2");
  Graph b = SpaceBatchOp(b2s, {3, 2, 2, 2}, {2, 1}, {0, 0, 0, 0}, {1, 4, 2, 2});
  EXPECT_HAS(ValidateError(b), "BATCH_TO_SPACE_ND (op 0): input tensor 0 'in_x' has batch 3, not a multiple of the "
                               "block_shape product 2");
  Graph c = SpaceBatchOp(b2s, {2, 2, 2, 2}, {2, 1}, {3, 1, 0, 0}, {1, 1, 2, 2});
  EXPECT_HAS(ValidateError(c), "BATCH_TO_SPACE_ND (op 0): axis 1 of the output would be 0 (input 2 x block 2 minus "
                               "crops 3 and 1)");
  Graph d = SpaceBatchOp(s2b, {1, 4, 4, 2}, {0, 2}, {0, 0, 0, 0}, {4, 2, 2, 2});
  EXPECT_HAS(ValidateError(d), "SPACE_TO_BATCH_ND (op 0): block_shape[0] 0 is out of range");
  Graph e = SpaceBatchOp(s2b, {1, 4, 4, 2}, {2, 2}, {0, -2, 0, 0}, {4, 1, 2, 2});
  EXPECT_HAS(ValidateError(e), "SPACE_TO_BATCH_ND (op 0): paddings of axis 1 (0, -2) must be non-negative");
  Graph f = SpaceBatchOp(s2b, {1, 1, 4, 4, 2}, {2, 2}, {0, 0, 0, 0}, {4, 1, 2, 2, 2});
  EXPECT_HAS(ValidateError(f), "SPACE_TO_BATCH_ND (op 0): input tensor 0 'in_x' has shape [1,1,4,4,2], expected rank "
                               "3 or 4");
  Graph h = SpaceBatchOp(s2b, {1, 4, 4, 2}, {2, 2}, {0, 0, 0, 0}, {2, 2, 2, 2});
  EXPECT_HAS(ValidateError(h), "SPACE_TO_BATCH_ND (op 0): output tensor 3 'out_y' has shape [2,2,2,2], but its inputs "
                               "and options give [4,2,2,2]");
  Graph i = SpaceBatchOp(b2s, {4, 2, 2, 2}, {2, 2}, {0, 0}, {1, 4, 4, 2});
  EXPECT_HAS(ValidateError(i), "BATCH_TO_SPACE_ND (op 0): crops tensor 2 'pads' has shape [1,2], expected [2,2]");
  Graph j = SpaceBatchOp(s2b, {1, 4, 4, 2}, {2, 2}, {0, 0, 0, 0}, {4, 2, 2, 2}, DType::kInt16);
  EXPECT_HAS(ValidateError(j), "SPACE_TO_BATCH_ND (op 0): input tensor 0 'in_x' is int16, expected int8 or float32");
  // block_shape as int64 (TFLM reads int32 only) and a block_shape computed at run time.
  Graph k = SpaceBatchOp(s2b, {1, 4, 4, 2}, {2, 2}, {0, 0, 0, 0}, {4, 2, 2, 2});
  k.tensors[1].type = DType::kInt64;
  k.tensors[1].data.resize(16, 0);
  EXPECT_HAS(ValidateError(k), "SPACE_TO_BATCH_ND (op 0): block_shape tensor 1 'blk' is int64, expected int32");
  Graph l = SpaceBatchOp(b2s, {4, 2, 2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 4, 4, 2});
  l.tensors[1].is_const = false;
  l.tensors[1].data.clear();
  l.inputs.push_back(1);
  EXPECT_HAS(ValidateError(l), "BATCH_TO_SPACE_ND (op 0): block_shape tensor 1 'blk' must be constant");
}

// The dilated-convolution pattern of Keras exports: pool -> SPACE_TO_BATCH_ND (block 2,
// paddings 2) -> CONV_2D or DEPTHWISE_CONV_2D 3x3 VALID over batch 4 -> BATCH_TO_SPACE_ND
// (crops 0) -> pool on 1 x 8 x 8 x 3, or (`dilated`) the same convolution as one dilated
// (2) SAME convolution at batch 1: both read input rows y - 2, y, y + 2 (the padded positions
// hold the convolution's input zero point, whose taps contribute 0 as TFLM's skipped ones do),
// so the two graphs' bytes must be equal.
Graph DilatedPattern(bool depthwise, bool dilated) {
  Rand r(depthwise ? 61 : 62);
  Graph g;
  g.name = std::string(depthwise ? "dw" : "conv") + (dilated ? "_dilated" : "_space_batch");
  Pool2DOptions pool;
  pool.padding = Padding::kSame;
  pool.filter_h = pool.filter_w = 2;
  const int x = AddTensor(g, "x", DType::kInt8, {1, 8, 8, 3}, Q(0.05f, 3));
  const int t0 = AddTensor(g, "pool0", DType::kInt8, {1, 8, 8, 3}, Q(0.05f, 3));
  AddOp(g, OpType::kAveragePool2D, {x}, t0, pool);
  const int oc = depthwise ? 6 : 4;
  const int f = AddTensor(g, "filter", DType::kInt8, depthwise ? std::vector<int32_t>{1, 3, 3, oc} : std::vector<int32_t>{oc, 3, 3, 3},
                          Q(0.02f, 0), Bytes(r, oc * (depthwise ? 9 : 27)));
  std::vector<int32_t> bias(oc);
  for (int32_t& v : bias) v = static_cast<int32_t>(r.I(-300, 300));
  const int bt = AddTensor(g, "bias", DType::kInt32, {oc}, Quantization{}, I32Bytes(bias));
  g.tensors[bt].quant = Q(0.05f * 0.02f, 0);
  auto conv = [&](int in, int out, Padding pad, int dil) {
    if (depthwise) {
      DepthwiseConv2DOptions o;
      o.padding = pad;
      o.depth_multiplier = 2;
      o.dilation_h = o.dilation_w = dil;
      o.activation = Activation::kRelu6;
      AddOp(g, OpType::kDepthwiseConv2D, {in, f, bt}, out, o);
    } else {
      Conv2DOptions o;
      o.padding = pad;
      o.dilation_h = o.dilation_w = dil;
      o.activation = Activation::kRelu6;
      AddOp(g, OpType::kConv2D, {in, f, bt}, out, o);
    }
  };
  const Quantization qc = Q(0.04f, -100);
  int t2;
  if (dilated) {
    t2 = AddTensor(g, "conv", DType::kInt8, {1, 8, 8, oc}, qc);
    conv(t0, t2, Padding::kSame, 2);
  } else {
    const int blk = AddTensor(g, "block_shape", DType::kInt32, {2}, Quantization{}, I32Bytes({2, 2}));
    const int pd = AddTensor(g, "paddings", DType::kInt32, {2, 2}, Quantization{}, I32Bytes({2, 2, 2, 2}));
    const int t1 = AddTensor(g, "s2b", DType::kInt8, {4, 6, 6, 3}, Q(0.05f, 3));
    AddOp(g, OpType::kSpaceToBatchNd, {t0, blk, pd}, t1);
    const int tc = AddTensor(g, "conv_batch", DType::kInt8, {4, 4, 4, oc}, qc);
    conv(t1, tc, Padding::kValid, 1);
    const int cr = AddTensor(g, "crops", DType::kInt32, {2, 2}, Quantization{}, I32Bytes({0, 0, 0, 0}));
    t2 = AddTensor(g, "conv", DType::kInt8, {1, 8, 8, oc}, qc);
    AddOp(g, OpType::kBatchToSpaceNd, {tc, blk, cr}, t2);
  }
  const int y = AddTensor(g, "y", DType::kInt8, {1, 8, 8, oc}, qc);
  AddOp(g, OpType::kMaxPool2D, {t2}, y, pool);
  g.inputs = {x};
  g.outputs = {y};
  g.Validate();
  return g;
}

TEST(SpaceBatchConv, EveryStrategyEqualsTheDilatedConvolution) {
  for (bool depthwise : {false, true}) {
    const Graph g = DilatedPattern(depthwise, false);
    const Graph d = DilatedPattern(depthwise, true);
    SCOPED_TRACE(g.name);
    const auto inputs = Inputs(g, 17);
    const auto want = RunPlan(d, PlanLayerByLayer(d), inputs);
    std::set<uint8_t> distinct(want[0].begin(), want[0].end());
    EXPECT_GE(distinct.size(), 16u);
    int plans = 0;
    for (const std::string& name : StrategyNames())
      for (bool in_arena : {true, false}) {
        SCOPED_TRACE(name + (in_arena ? "" : " (input streamed)"));
        PlanOptions o = PlanOptions::FromStrategy(name);
        o.input_in_arena = in_arena;
        const Plan plan = MakePlan(g, o);
        const CheckResult cr = CheckPlan(g, plan);
        ASSERT_TRUE(cr.ok) << cr.message;
        EXPECT_EQ(RunPlan(g, plan, inputs), want);
        ++plans;
      }
    // Patch and streamed plans of the pool before SPACE_TO_BATCH_ND.
    PatchPlanOptions po;
    po.patch.split_op = 0;
    po.patch.rows = po.patch.cols = 2;
    const Plan pp = PlanPatches(g, po);
    ASSERT_TRUE(CheckPlan(g, pp).ok);
    EXPECT_EQ(RunPlan(g, pp, inputs), want);
    std::vector<uint8_t> got;
    ASSERT_EQ(RunGenerated(g, MakePlan(g, PlanOptions::FromStrategy("best")), inputs[0], &got, g.name), 0);
    EXPECT_EQ(got, want[0]);
    EXPECT_GT(plans, 4);
  }
}

// The batch-4 convolution whole on the emulated Cortex-M4: the host's bytes.
TEST(SpaceBatchConv, EmulatedCortexM4EqualsHost) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  for (bool depthwise : {false, true}) {
    const Graph g = DilatedPattern(depthwise, false);
    SCOPED_TRACE(g.name);
    const auto inputs = Inputs(g, 23);
    const Plan plan = MakePlan(g, PlanOptions::FromStrategy("best"));
    const auto expected = RunPlan(g, plan, inputs);
    const std::string dir = test::FreshTempDir("space_batch_conv_" + g.name);
    const DeviceResult r = RunOnDevice(g, plan, inputs, dir);
    ASSERT_TRUE(r.build.ok) << r.build.log;
    ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
    ASSERT_EQ(r.outputs.size(), 1u);
    EXPECT_TRUE(r.outputs[0] == expected[0]) << "differs from the host executor";
    std::filesystem::remove_all(dir);
  }
}

// SPACE_TO_BATCH_ND -> CONV_2D / DEPTHWISE_CONV_2D over the batch -> BATCH_TO_SPACE_ND, random
// (input batch 1-2, blocks 1-3, paddings, SAME or VALID 3x3 filters, crops, quantizations,
// activations), against TensorFlow Lite 2.9: every output byte equal, or a rounding tie of the
// convolution that support/ties.h proves.
TEST(SpaceBatchConv, TfliteAgrees) {
  TESSERA_REQUIRE_TFLITE();
  int64_t bytes = 0, ties = 0;
  for (int k = 0; k < 40; ++k) {
    Rand r(9000 + k);
    const bool depthwise = k % 2 == 1;
    Graph g;
    g.name = "s2b_conv_" + std::to_string(k);
    const int n = r.I(1, 2), h = r.I(3, 9), w = r.I(3, 9), c = r.I(1, 4), bh = r.I(1, 3), bw = r.I(1, 3);
    const int pt = r.I(0, 2), pl = r.I(0, 2);
    const int pb = pt + (bh - (h + 2 * pt) % bh) % bh, pr = pl + (bw - (w + 2 * pl) % bw) % bw;
    const int sh = (h + pt + pb) / bh, sw = (w + pl + pr) / bw;
    const Padding pad = r.P(0.5) ? Padding::kSame : Padding::kValid;
    const int ch = pad == Padding::kSame ? sh : sh - 2, cw = pad == Padding::kSame ? sw : sw - 2;
    if (ch < 1 || cw < 1) continue;
    const int oc = depthwise ? c * 2 : r.I(1, 5);
    const int ct = r.I(0, std::min(2, ch * bh - 1)), cl = r.I(0, std::min(2, cw * bw - 1));
    const std::vector<int32_t> ys = {n, ch * bh - ct, cw * bw - cl, oc};
    const Quantization qx = test::RandQ(r), qc = test::RandQ(r);
    const int x = AddTensor(g, "x", DType::kInt8, {n, h, w, c}, qx);
    const int blk = AddTensor(g, "block_shape", DType::kInt32, {2}, Quantization{}, I32Bytes({bh, bw}));
    const int pd = AddTensor(g, "paddings", DType::kInt32, {2, 2}, Quantization{}, I32Bytes({pt, pb, pl, pr}));
    const int t1 = AddTensor(g, "s2b", DType::kInt8, {n * bh * bw, sh, sw, c}, qx);
    AddOp(g, OpType::kSpaceToBatchNd, {x, blk, pd}, t1);
    std::vector<float> fscale(oc);
    for (float& v : fscale) v = static_cast<float>(r.U(0.002, 0.05));
    Quantization qf;
    qf.scale = fscale;
    qf.zero_point.assign(oc, 0);
    qf.quantized_dimension = depthwise ? 3 : 0;
    const int f = AddTensor(g, "filter", DType::kInt8,
                            depthwise ? std::vector<int32_t>{1, 3, 3, oc} : std::vector<int32_t>{oc, 3, 3, c}, qf,
                            Bytes(r, oc * 9 * (depthwise ? 1 : c)));
    std::vector<int32_t> bias(oc);
    for (int32_t& v : bias) v = static_cast<int32_t>(r.I(-2000, 2000));
    const int bt = AddTensor(g, "bias", DType::kInt32, {oc}, Quantization{}, I32Bytes(bias));
    const int tc = AddTensor(g, "conv", DType::kInt8, {n * bh * bw, ch, cw, oc}, qc);
    const Activation act = r.P(0.5) ? Activation::kNone : Activation::kRelu;
    if (depthwise) {
      DepthwiseConv2DOptions o;
      o.padding = pad;
      o.depth_multiplier = 2;
      o.activation = act;
      AddOp(g, OpType::kDepthwiseConv2D, {t1, f, bt}, tc, o);
    } else {
      Conv2DOptions o;
      o.padding = pad;
      o.activation = act;
      AddOp(g, OpType::kConv2D, {t1, f, bt}, tc, o);
    }
    const int cr = AddTensor(g, "crops", DType::kInt32, {2, 2}, Quantization{}, I32Bytes({ct, 0, cl, 0}));
    const int y = AddTensor(g, "y", DType::kInt8, ys, qc);
    AddOp(g, OpType::kBatchToSpaceNd, {tc, blk, cr}, y);
    g.inputs = {x};
    g.outputs = {y};
    g.Validate();
    SCOPED_TRACE(g.name + (depthwise ? " depthwise" : " conv") + " batch " + std::to_string(n) + " block " +
                 std::to_string(bh) + "x" + std::to_string(bw) + (pad == Padding::kSame ? " SAME" : " VALID"));
    const auto inputs = Inputs(g, 100 + k);
    const auto ref = test::RunTflite(WriteTflite(g), inputs);
    const Plan plan = MakePlan(g, PlanOptions::FromStrategy("best"));
    ASSERT_TRUE(CheckPlan(g, plan).ok);
    const auto got = RunPlan(g, plan, inputs);
    ASSERT_EQ(ref.size(), 1u);
    ASSERT_EQ(ref[0].size(), got[0].size());
    bytes += static_cast<int64_t>(ref[0].size());
    if (got[0] == ref[0]) continue;
    // A difference must be a proven rounding tie of the convolution (TFLite 2.9's optimized
    // CONV_2D rounds once): its element is found through BATCH_TO_SPACE_ND's placement, its
    // operands are SPACE_TO_BATCH_ND's output (byte-exact with TFLite, DifferentialElem).
    Graph g1 = g;
    g1.outputs = {t1};
    const auto s2b = RunPlan(g1, PlanLayerByLayer(g1), inputs)[0];
    const auto operands = test::OperandBytes(g, 1, {{t1, s2b}});
    for (size_t i = 0; i < ref[0].size(); ++i) {
      if (got[0][i] == ref[0][i]) continue;
      const int64_t e = static_cast<int64_t>(i);
      const int ch_i = static_cast<int>(e % oc), X = static_cast<int>(e / oc % ys[2]) + cl,
                Y = static_cast<int>(e / oc / ys[2] % ys[1]) + ct, b = static_cast<int>(e / oc / ys[2] / ys[1]);
      const int cb = ((Y % bh) * bw + X % bw) * n + b;
      const size_t ci = ((static_cast<size_t>(cb) * ch + Y / bh) * cw + X / bw) * oc + ch_i;
      const test::Tie t = test::ProveTie(g, 1, operands, ci, static_cast<int8_t>(got[0][i]),
                                         static_cast<int8_t>(ref[0][i]));
      ++ties;
      EXPECT_TRUE(t == test::Tie::kExact || t == test::Tie::kDoubleRounding)
          << "output byte " << i << ": tessera " << int(static_cast<int8_t>(got[0][i])) << ", TFLite "
          << int(static_cast<int8_t>(ref[0][i])) << " (not a proven tie)";
    }
  }
  std::printf("bytes compared %lld, proven ties %lld\n", static_cast<long long>(bytes), static_cast<long long>(ties));
  EXPECT_GT(bytes, 2000);
  EXPECT_LT(ties * 100, bytes) << "most bytes should agree exactly";
}

// The checker refuses a batched convolution whose output shares bytes with its input (the
// kernel reads image b + 1 after writing image b), however little: every shift of the output
// over the input.
TEST(SpaceBatchConv, CheckerRefusesOverlappingBuffers) {
  for (bool depthwise : {false, true}) {
    const Graph g = DilatedPattern(depthwise, false);
    const Plan base = MakePlan(g, PlanOptions::FromStrategy("greedy"));
    ASSERT_TRUE(CheckPlan(g, base).ok);
    int conv_step = -1;
    for (size_t i = 0; i < base.steps.size(); ++i)
      if (base.steps[i].kind == StepKind::kOp && base.steps[i].op == 2) conv_step = static_cast<int>(i);
    ASSERT_GE(conv_step, 0);
    const Step& st = base.steps[conv_step];
    const Buffer& in = base.buffers[st.inputs[0]];
    const Buffer& out = base.buffers[st.outputs[0]];
    int refused = 0, tried = 0;
    for (int64_t shift = -out.bytes + 1; shift < in.bytes; shift += 7) {
      Plan p = base;
      p.buffers[st.outputs[0]].offset = in.offset + shift;
      if (p.buffers[st.outputs[0]].offset < 0) continue;
      p.arena_bytes = std::max(p.arena_bytes, p.buffers[st.outputs[0]].offset + out.bytes);
      ++tried;
      refused += !CheckPlan(g, p).ok;
    }
    EXPECT_GT(tried, 20);
    EXPECT_EQ(refused, tried) << (depthwise ? "depthwise" : "conv");
  }
}

// A convolution over a batch above 1 is a whole-tensor step, and no PAD folds into it.
TEST(SpaceBatchConv, WholeStepsAndNoPadFolded) {
  const Graph d = DilatedPattern(false, false);
  EXPECT_EQ(ops::PrepareOp(d, 2).kind, ops::Kind::kWhole);
  EXPECT_EQ(ops::PrepareOp(d, 2).in_shape.n, 4);
  EXPECT_EQ(ops::PrepareOp(d, 2).conv.in_h, 6);
  Graph g;
  const int x = AddTensor(g, "x", DType::kInt8, {4, 4, 4, 3}, Q(0.05f, 3));
  const int pads = AddTensor(g, "pads", DType::kInt32, {4, 2}, Quantization{}, I32Bytes({0, 0, 1, 1, 1, 1, 0, 0}));
  const int p = AddTensor(g, "padded", DType::kInt8, {4, 6, 6, 3}, Q(0.05f, 3));
  AddOp(g, OpType::kPad, {x, pads}, p);
  const int f = AddTensor(g, "filter", DType::kInt8, {2, 3, 3, 3}, Q(0.02f, 0), std::vector<uint8_t>(54, 1));
  const int y = AddTensor(g, "y", DType::kInt8, {4, 4, 4, 2}, Q(0.1f, 0));
  Conv2DOptions co;
  co.padding = Padding::kValid;
  AddOp(g, OpType::kConv2D, {p, f}, y, co);
  g.inputs = {x};
  g.outputs = {y};
  std::string why;
  EXPECT_FALSE(ops::CanFusePad(g, 0, 1, &why));
  EXPECT_EQ(why, "operator 0 (PAD): input has batch 4");
}

// ---- GATHER
std::vector<uint8_t> I32(std::vector<int32_t> v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// x [1,6,5,4] -> ABS -> GATHER (axis 2, constant indices [4,0,0,2]) -> [1,6,4,4] -> GATHER
// (axis -1, batch_dims 1, constant indices [1,3]) -> [1,6,4,3]; and an embedding lookup:
// constant params [5,8] gathered by the graph's int32 input [3]. Two inputs, two outputs.
Graph GatherGraph() {
  Graph g;
  g.name = "gather_graph";
  const int x = AddTensor(g, "x", DType::kInt8, {1, 6, 5, 4}, Q(0.05f, 3));
  const int a = AddTensor(g, "abs", DType::kInt8, {1, 6, 5, 4}, Q(0.05f, -128));
  AddOp(g, OpType::kAbs, {x}, a);
  const int i1 = AddTensor(g, "cols", DType::kInt32, {4}, Quantization{}, I32({4, 0, 0, 2}));
  const int g1 = AddTensor(g, "picked", DType::kInt8, {1, 6, 4, 4}, Q(0.05f, -128));
  GatherOptions o1;
  o1.axis = 2;
  AddOp(g, OpType::kGather, {a, i1}, g1, o1);
  const int i2 = AddTensor(g, "chans", DType::kInt32, {1, 3}, Quantization{}, I32({3, 1, 3}));
  const int g2 = AddTensor(g, "chosen", DType::kInt8, {1, 6, 4, 3}, Q(0.05f, -128));
  GatherOptions o2;
  o2.axis = -1;
  o2.batch_dims = 1;
  AddOp(g, OpType::kGather, {g1, i2}, g2, o2);
  std::vector<uint8_t> table(40);
  for (int k = 0; k < 40; ++k) table[size_t(k)] = static_cast<uint8_t>(k * 7 - 100);
  const int t = AddTensor(g, "table", DType::kInt8, {5, 8}, Q(0.1f, 0), table);
  const int ids = AddTensor(g, "ids", DType::kInt32, {3}, Quantization{});
  const int e = AddTensor(g, "embedded", DType::kInt8, {3, 8}, Q(0.1f, 0));
  AddOp(g, OpType::kGather, {t, ids}, e, GatherOptions{});
  g.inputs = {x, ids};
  g.outputs = {g2, e};
  g.Validate();
  return g;
}

TEST(ElemOpsPlans, GatherInEveryStrategy) {
  const Graph g = GatherGraph();
  Rand r(21);
  const std::vector<std::vector<uint8_t>> inputs = {test::RandomBytes(r, 120), I32({4, 0, 2})};
  const auto want = RunPlan(g, PlanLayerByLayer(g), inputs);
  // Independently: output 0 element (y, k, c) = |x(y, [4,0,0,2][k], [3,1,3][c])| requantized
  // (ABS's scale is unchanged, zero point -128); output 1 rows 4, 0, 2 of the table.
  const int cols[4] = {4, 0, 0, 2}, chans[3] = {3, 1, 3};
  ASSERT_EQ(want[0].size(), 72u);
  for (int y = 0; y < 6; ++y)
    for (int k = 0; k < 4; ++k)
      for (int c = 0; c < 3; ++c) {
        const int v = static_cast<int8_t>(inputs[0][(size_t(y) * 5 + cols[k]) * 4 + chans[c]]);
        EXPECT_EQ(static_cast<int8_t>(want[0][(size_t(y) * 4 + k) * 3 + c]), std::min(127, std::abs(v - 3) - 128));
      }
  ASSERT_EQ(want[1].size(), 24u);
  const int rows[3] = {4, 0, 2};
  for (int k = 0; k < 3; ++k)
    for (int j = 0; j < 8; ++j)
      EXPECT_EQ(want[1][size_t(k) * 8 + j], static_cast<uint8_t>((rows[k] * 8 + j) * 7 - 100));
  for (const std::string& name : StrategyNames())
    for (bool in_arena : {true, false}) {
      SCOPED_TRACE(name + (in_arena ? "" : " (input streamed)"));
      PlanOptions o = PlanOptions::FromStrategy(name);
      o.input_in_arena = in_arena;
      const Plan plan = MakePlan(g, o);
      const CheckResult cr = CheckPlan(g, plan);
      ASSERT_TRUE(cr.ok) << cr.message;
      EXPECT_EQ(RunPlan(g, plan, inputs), want);
    }
  // A run-time index out of range fails the run, naming the operator and the index.
  try {
    RunPlan(g, PlanLayerByLayer(g), {inputs[0], I32({1, 5, 0})});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("(GATHER)"), std::string::npos) << m;
    EXPECT_NE(m.find("index 5 (element 1 of the indices) is outside [0, 5)"), std::string::npos) << m;
  }
}

// GATHER of a float32 rank-4 input with batch 2 (axis 1, batch_dims -1: per-batch rows; the
// checker models batches above 1 for whole-tensor steps only): every strategy's plan checked
// and equal to the definition.
TEST(ElemOpsPlans, GatherOfABatchedInputInEveryStrategy) {
  Graph g;
  const int x = AddTensor(g, "x", DType::kFloat32, {2, 3, 4, 2}, Quantization{});
  const int ix = AddTensor(g, "rows", DType::kInt32, {2, 2}, Quantization{}, I32({2, 0, 1, 1}));
  const int y = AddTensor(g, "rows_of_x", DType::kFloat32, {2, 2, 4, 2}, Quantization{});
  GatherOptions o;
  o.axis = 1;
  o.batch_dims = -1;
  AddOp(g, OpType::kGather, {x, ix}, y, o);
  g.inputs = {x};
  g.outputs = {y};
  g.Validate();
  std::vector<uint8_t> in(48 * 4);
  for (int i = 0; i < 48; ++i) {
    const float f = 0.5f * static_cast<float>(i) - 3.0f;
    std::memcpy(in.data() + 4 * i, &f, 4);
  }
  const int rows[2][2] = {{2, 0}, {1, 1}};
  std::vector<uint8_t> want(32 * 4);
  for (int b = 0; b < 2; ++b)
    for (int k = 0; k < 2; ++k)
      for (int j = 0; j < 8; ++j) {
        const float f = 0.5f * static_cast<float>((b * 3 + rows[b][k]) * 8 + j) - 3.0f;
        std::memcpy(want.data() + 4 * ((b * 2 + k) * 8 + j), &f, 4);
      }
  for (const std::string& name : StrategyNames())
    for (bool in_arena : {true, false}) {
      SCOPED_TRACE(name + (in_arena ? "" : " (input streamed)"));
      PlanOptions po = PlanOptions::FromStrategy(name);
      po.input_in_arena = in_arena;
      const Plan plan = MakePlan(g, po);
      const CheckResult cr = CheckPlan(g, plan);
      ASSERT_TRUE(cr.ok) << cr.message;
      EXPECT_EQ(RunPlan(g, plan, {in})[0], want);
    }
}

// A GATHER of shape values (SHAPE's output, int32 or int64 indices) folds at load time into the
// RESHAPE's constant shape.
TEST(ElemOpsPlans, GatherOfShapeValuesFolds) {
  for (DType it : {DType::kInt32, DType::kInt64}) {
    Graph g;
    const int x = AddTensor(g, "x", DType::kInt8, {1, 6, 5, 4}, Q(0.05f, 3));
    const int sh = AddTensor(g, "shape", DType::kInt32, {4}, Quantization{});
    AddOp(g, OpType::kShape, {x}, sh, ShapeOptions{});
    std::vector<uint8_t> ib;
    for (int64_t v : {int64_t{1}, int64_t{2}, int64_t{3}}) {
      const uint8_t* p = reinterpret_cast<const uint8_t*>(&v);
      ib.insert(ib.end(), p, p + (it == DType::kInt64 ? 8 : 4));
    }
    const int idx = AddTensor(g, "idx", it, {3}, Quantization{}, ib);
    const int hwc = AddTensor(g, "hwc", DType::kInt32, {3}, Quantization{});
    AddOp(g, OpType::kGather, {sh, idx}, hwc, GatherOptions{});
    const int y = AddTensor(g, "y", DType::kInt8, {6, 5, 4}, Q(0.05f, 3));
    AddOp(g, OpType::kReshape, {x, hwc}, y, ReshapeOptions{});
    g.inputs = {x};
    g.outputs = {y};
    EXPECT_EQ(FoldConstants(g), 2);
    ASSERT_EQ(g.folded.size(), 2u);
    EXPECT_NE(g.folded[1].find("GATHER (op 1) -> tensor 3 'hwc' = [6,5,4] int32"), std::string::npos) << g.folded[1];
    g.Validate();
    ASSERT_EQ(g.ops.size(), 1u);
    EXPECT_EQ(g.ops[0].type, OpType::kReshape);
  }
}

TEST(ElemOpsCodegen, GeneratedCOfNewOperatorsMatchesExecutor) {
  // MIRROR_PAD and NEG over patches (the stage ends at the second MIRROR_PAD).
  const Graph mg = MirrorNegChain(7, 6);
  const auto min = Inputs(mg, 5);
  PatchPlanOptions po;
  po.patch.split_op = 5;
  po.patch.rows = 3;
  po.patch.cols = 2;
  const Plan mp = PlanPatches(mg, po);
  ASSERT_TRUE(CheckPlan(mg, mp).ok);
  std::vector<uint8_t> got;
  ASSERT_EQ(RunGenerated(mg, mp, min[0], &got, "mirror_neg"), 0);
  EXPECT_EQ(got, RunPlan(mg, mp, min)[0]);
  // GATHER: an embedding lookup of the model's input (int32 ids); ids out of range make the
  // invoke fail.
  Graph g;
  std::vector<uint8_t> table(30);
  for (int k = 0; k < 30; ++k) table[size_t(k)] = static_cast<uint8_t>(k * 11);
  const int t = AddTensor(g, "table", DType::kInt8, {6, 5}, Q(0.1f, 0), table);
  const int ids = AddTensor(g, "ids", DType::kInt32, {2, 2}, Quantization{});
  const int e = AddTensor(g, "embedded", DType::kInt8, {2, 2, 5}, Q(0.1f, 0));
  AddOp(g, OpType::kGather, {t, ids}, e, GatherOptions{});
  const int n = AddTensor(g, "neg_in", DType::kFloat32, {2, 2, 5}, Quantization{});
  AddOp(g, OpType::kDequantize, {e}, n);
  const int y = AddTensor(g, "y", DType::kFloat32, {2, 2, 5}, Quantization{});
  AddOp(g, OpType::kNeg, {n}, y);
  g.inputs = {ids};
  g.outputs = {y};
  g.Validate();
  const Plan plan = MakePlan(g, PlanOptions::FromStrategy("greedy"));
  const std::vector<uint8_t> ok = I32({5, 0, 3, 3});
  ASSERT_EQ(RunGenerated(g, plan, ok, &got, "gather"), 0);
  EXPECT_EQ(got, RunPlan(g, plan, {ok})[0]);
  ASSERT_EQ(got.size(), 80u);
  float f;
  std::memcpy(&f, got.data(), 4);  // -(0.1 * table[5][0])
  EXPECT_EQ(f, -static_cast<float>(static_cast<double>(0.1f) * static_cast<int8_t>(static_cast<uint8_t>(25 * 11))));
  EXPECT_EQ(RunGenerated(g, plan, I32({0, 6, 1, 1}), &got, "gather_bad"), 4);  // model_invoke() != 0
  EXPECT_EQ(RunGenerated(g, plan, I32({0, 1, -1, 1}), &got, "gather_neg"), 4);
}

// The emulated Cortex-M4 runs a patch plan of the MIRROR_PAD / NEG chain and the embedding
// lookup with the host executor's bytes.
TEST(ElemOpsDevice, NewOperatorsOnCortexM4) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  const Graph mg = MirrorNegChain(7, 6);
  const auto min = Inputs(mg, 6);
  PatchPlanOptions po;
  po.patch.split_op = 5;
  po.patch.rows = 2;
  po.patch.cols = 2;
  const Plan mp = PlanPatches(mg, po);
  ASSERT_TRUE(CheckPlan(mg, mp).ok);
  const Graph gg = GatherGraph();
  Rand r(33);
  const std::vector<std::vector<uint8_t>> gin = {test::RandomBytes(r, 120), I32({3, 3, 1})};
  const Plan gp = MakePlan(gg, PlanOptions::FromStrategy("greedy"));
  ASSERT_TRUE(CheckPlan(gg, gp).ok);
  const std::vector<std::tuple<const Graph*, const Plan*, std::vector<std::vector<uint8_t>>>> cases = {
      {&mg, &mp, min}, {&gg, &gp, gin}};
  int k = 0;
  for (const auto& [g, plan, in] : cases) {
    const std::string dir = test::FreshTempDir("elem_device_" + std::to_string(k++));
    const DeviceResult dr = RunOnDevice(*g, *plan, in, dir);
    ASSERT_TRUE(dr.build.ok) << dr.build.log;
    ASSERT_EQ(dr.run.exit_code, 0) << dr.run.output;
    EXPECT_EQ(dr.outputs, RunPlan(*g, *plan, in)) << g->name;
    std::filesystem::remove_all(dir);
  }
}

TEST(ElemOpsOptions, GatherMirrorPadNegSurviveWriteAndRead) {
  Graph g = GatherGraph();
  // + MIRROR_PAD (SYMMETRIC, int64 paddings) and NEG of a float input
  const int f = AddTensor(g, "f", DType::kFloat32, {1, 3, 4, 2}, Quantization{});
  std::vector<uint8_t> pb(64, 0);
  pb[32] = 1;  // dimension 2 padded by 1 before (element 4 of 8 int64 values)
  const int pads = AddTensor(g, "mp_pads", DType::kInt64, {4, 2}, Quantization{}, pb);
  const int m = AddTensor(g, "mirrored", DType::kFloat32, {1, 3, 5, 2}, Quantization{});
  MirrorPadOptions sym;
  sym.mode = MirrorPadMode::kSymmetric;
  AddOp(g, OpType::kMirrorPad, {f, pads}, m, sym);
  const int ng = AddTensor(g, "negated", DType::kFloat32, {1, 3, 5, 2}, Quantization{});
  AddOp(g, OpType::kNeg, {m}, ng);
  g.inputs.push_back(f);
  g.outputs.push_back(ng);
  g.Validate();
  const std::vector<uint8_t> bytes = WriteTflite(g);
  const Graph back = ReadTfliteBytes(bytes.data(), bytes.size(), "gather_graph");
  std::string why;
  EXPECT_TRUE(GraphsEqual(g, back, &why)) << "differs: " << why;
  int batched = 0, symmetric = 0, negs = 0;
  for (const Operator& o : back.ops) {
    if (o.type == OpType::kGather)
      batched += o.opts<GatherOptions>().axis == -1 && o.opts<GatherOptions>().batch_dims == 1;
    if (o.type == OpType::kMirrorPad) symmetric += o.opts<MirrorPadOptions>().mode == MirrorPadMode::kSymmetric;
    negs += o.type == OpType::kNeg;
  }
  EXPECT_EQ(batched, 1);
  EXPECT_EQ(symmetric, 1);
  EXPECT_EQ(negs, 1);
}

TEST(ElemOpsErrors, NegIsFloat32Only) {
  Graph g = Unary(OpType::kNeg, Q(0.1f, 0), Q(0.1f, 0));
  EXPECT_HAS(ValidateError(g),
             "NEG (op 0): input tensor 0 'in_x' is int8, expected float32 (TFLM's NEG supports float32 only)");
}

Graph MirrorPadCase(MirrorPadMode mode, std::vector<int32_t> pads, std::vector<int32_t> out, Quantization qy) {
  Graph g;
  const int x = AddTensor(g, "in_x", DType::kInt8, {1, 3, 3, 2}, Q(0.1f, 0));
  const int p = AddTensor(g, "pads_t", DType::kInt32, {4, 2}, Quantization{}, I32(std::move(pads)));
  const int y = AddTensor(g, "out_y", DType::kInt8, std::move(out), qy);
  MirrorPadOptions o;
  o.mode = mode;
  AddOp(g, OpType::kMirrorPad, {x, p}, y, o);
  g.inputs = {x};
  g.outputs = {y};
  return g;
}

TEST(ElemOpsErrors, MirrorPadPaddingsModesAndQuantization) {
  Graph r = MirrorPadCase(MirrorPadMode::kReflect, {0, 0, 3, 0, 0, 0, 0, 0}, {1, 6, 3, 2}, Q(0.1f, 0));
  EXPECT_HAS(ValidateError(r),
             "MIRROR_PAD (op 0): padding before dimension 1 is 3; REFLECT pads a dimension of size 3 by 0 to 2");
  Graph s = MirrorPadCase(MirrorPadMode::kSymmetric, {0, 0, 3, 0, 0, 0, 0, 0}, {1, 6, 3, 2}, Q(0.1f, 0));
  s.Validate();  // SYMMETRIC pads by up to the size
  Graph s4 = MirrorPadCase(MirrorPadMode::kSymmetric, {0, 0, 0, 0, 0, 4, 0, 0}, {1, 3, 7, 2}, Q(0.1f, 0));
  EXPECT_HAS(ValidateError(s4), "padding after dimension 2 is 4; SYMMETRIC pads a dimension of size 3 by 0 to 3");
  Graph n = MirrorPadCase(MirrorPadMode::kSymmetric, {0, 0, -1, 0, 0, 0, 0, 0}, {1, 2, 3, 2}, Q(0.1f, 0));
  EXPECT_HAS(ValidateError(n), "padding before dimension 1 is -1");
  Graph b = MirrorPadCase(MirrorPadMode::kSymmetric, {1, 0, 0, 0, 0, 0, 0, 0}, {2, 3, 3, 2}, Q(0.1f, 0));
  EXPECT_HAS(ValidateError(b), "MIRROR_PAD (op 0): padding the batch dimension is not supported");
  Graph q = MirrorPadCase(MirrorPadMode::kReflect, {0, 0, 1, 1, 0, 0, 0, 0}, {1, 5, 3, 2}, Q(0.2f, 0));
  EXPECT_HAS(ValidateError(q), "MIRROR_PAD (op 0): input tensor 0 'in_x' and output tensor 2 'out_y' must share scale and zero point");
  Graph sh = MirrorPadCase(MirrorPadMode::kReflect, {0, 0, 1, 1, 0, 0, 0, 0}, {1, 4, 3, 2}, Q(0.1f, 0));
  EXPECT_HAS(ValidateError(sh), "output tensor 2 'out_y' has shape [1,4,3,2], but its inputs and options give [1,5,3,2]");
}

Graph GatherCase(std::vector<int32_t> ps, DType pt, std::vector<int32_t> is, DType it, std::vector<int32_t> out,
                 GatherOptions o, bool const_indices, std::vector<int64_t> values = {}) {
  Graph g;
  int64_t pn = 1, in = 1;
  for (int32_t d : ps) pn *= d;
  for (int32_t d : is) in *= d;
  const int x = AddTensor(g, "params_t", pt, std::move(ps), pt == DType::kInt8 ? Q(0.1f, 0) : Quantization{});
  std::vector<uint8_t> ib;
  if (const_indices) {
    values.resize(size_t(in), 0);
    for (int64_t v : values) {
      const uint8_t* p = reinterpret_cast<const uint8_t*>(&v);
      ib.insert(ib.end(), p, p + DTypeSize(it));
    }
  }
  const int ix = AddTensor(g, "idx_t", it, std::move(is), Quantization{}, ib);
  const int y = AddTensor(g, "out_y", pt, std::move(out), pt == DType::kInt8 ? Q(0.1f, 0) : Quantization{});
  AddOp(g, OpType::kGather, {x, ix}, y, o);
  g.inputs = {x};
  if (!const_indices) g.inputs.push_back(ix);
  g.outputs = {y};
  (void)pn;
  return g;
}

TEST(ElemOpsErrors, GatherAxesIndicesAndTypes) {
  GatherOptions a4;
  a4.axis = 4;
  Graph ax = GatherCase({1, 3, 5, 2}, DType::kInt8, {2}, DType::kInt32, {1, 3, 2, 2}, a4, true);
  EXPECT_HAS(ValidateError(ax), "GATHER (op 0): axis 4 is out of range for params rank 4");
  GatherOptions a2;
  a2.axis = 2;
  Graph bad = GatherCase({1, 3, 5, 2}, DType::kInt8, {3}, DType::kInt32, {1, 3, 3, 2}, a2, true, {0, 5, 1});
  EXPECT_HAS(ValidateError(bad),
             "GATHER (op 0): index 5 (element 1 of indices tensor 1 'idx_t') is outside [0, 5) of axis 2");
  Graph i64 = GatherCase({1, 3, 5, 2}, DType::kInt8, {3}, DType::kInt64, {1, 3, 3, 2}, a2, false);
  EXPECT_HAS(ValidateError(i64),
             "GATHER (op 0): indices tensor 1 'idx_t' is int64, expected int32 (TFLM's GATHER takes int32 positions only)");
  Graph i32 = GatherCase({1, 3, 5, 2}, DType::kInt32, {3}, DType::kInt32, {1, 3, 3, 2}, a2, true);
  EXPECT_HAS(ValidateError(i32), "GATHER (op 0): params tensor 0 'params_t' is int32, which only folds at load time");
  Graph u8 = GatherCase({1, 3, 5, 2}, DType::kInt16, {3}, DType::kInt32, {1, 3, 3, 2}, a2, true);
  EXPECT_HAS(ValidateError(u8), "GATHER (op 0): params tensor 0 'params_t' is int16, expected int8 or float32");
  GatherOptions bd;
  bd.axis = 1;
  bd.batch_dims = 2;
  Graph b = GatherCase({1, 3, 5, 2}, DType::kInt8, {1, 3}, DType::kInt32, {1, 3, 5, 2}, bd, true);
  EXPECT_HAS(ValidateError(b), "GATHER (op 0): batch_dims 2 is out of range (params rank 4, indices rank 2, axis 1)");
  GatherOptions bm;
  bm.axis = 2;
  bm.batch_dims = 2;
  Graph m = GatherCase({1, 3, 5, 2}, DType::kInt8, {1, 2, 4}, DType::kInt32, {1, 3, 4, 2}, bm, true);
  EXPECT_HAS(ValidateError(m), "GATHER (op 0): batch dimension 1 of params (3) and indices (2) differ");
  Graph wrong = GatherCase({1, 3, 5, 2}, DType::kFloat32, {3}, DType::kInt32, {1, 3, 5, 2}, a2, true);
  EXPECT_HAS(ValidateError(wrong), "output tensor 2 'out_y' has shape [1,3,5,2], but its inputs and options give [1,3,3,2]");
}

}  // namespace
}  // namespace tessera
