// 16x8 operators inside plans: a small int16 graph (PAD, CONV_2D, DEPTHWISE_CONV_2D, MUL, SUB, ADD,
// AVERAGE_POOL_2D and MAX_POOL_2D over windows, then CONCATENATION, RESHAPE and
// FULLY_CONNECTED) in every strategy's plan, every patch
// plan and every streamed plan (support/plan_sweep.h), also with random depthwise kernels,
// dilations and pool sizes: each passes the checker and gives the
// layer-by-layer bytes, with the element-wise and convolution steps over partial windows; its
// generated C (a patch plan and the greedy plan) computes the executor's bytes on the host and
// on the emulated Cortex-M4.
// A second graph crosses the int16 boundary: float32 -> QUANTIZE int16 / QUANTIZE int8 ->
// QUANTIZE int8 -> int16 -> CONV_2D 16x8 -> SOFTMAX int16 -> ADD -> DEQUANTIZE int16: the same
// sweep, generated C on the host and on the emulated Cortex-M4, and the command line (plan,
// check, run) on it written as a .tflite.
// The operators' arithmetic is proven by test_kernels_int16.cc, test_kernels_int16_io.cc and
// test_tflite_differential_int16*.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "codegen/device.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "plan/strategy.h"
#include "schedule/patch_plan.h"
#include "tflite/writer.h"
#include "support/cli.h"
#include "support/paths.h"
#include "support/plan_sweep.h"
#include "support/random_case.h"

namespace tessera {
namespace {

using test::AddTensor;
using test::Q;
using test::Rand;

int AddOp(Graph& g, OpType type, std::vector<int> ins, int out, OpOptions o = std::monostate{}) {
  Operator op;
  op.type = type;
  op.inputs = std::move(ins);
  op.outputs = {out};
  op.options = std::move(o);
  g.ops.push_back(op);
  return static_cast<int>(g.ops.size()) - 1;
}

std::vector<uint8_t> Int16Bytes(Rand& r, int64_t n, int spread) {
  std::vector<uint8_t> b(static_cast<size_t>(n) * 2);
  for (int64_t i = 0; i < n; ++i) {
    const int16_t v = static_cast<int16_t>(r.I(-spread, spread - 1));
    std::memcpy(&b[static_cast<size_t>(i) * 2], &v, 2);
  }
  return b;
}

std::vector<uint8_t> Int8Bytes(Rand& r, int64_t n) {
  std::vector<uint8_t> b(static_cast<size_t>(n));
  for (auto& v : b) v = static_cast<uint8_t>(static_cast<int8_t>(r.I(-127, 127)));
  return b;
}

std::vector<uint8_t> Int64Bytes(Rand& r, int64_t n, int spread) {
  std::vector<uint8_t> b(static_cast<size_t>(n) * 8);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t v = r.I(-spread, spread);
    std::memcpy(&b[static_cast<size_t>(i) * 8], &v, 8);
  }
  return b;
}

Quantization PerChannel(Rand& r, int n, int axis) {
  Quantization q;
  for (int i = 0; i < n; ++i) {
    q.scale.push_back(static_cast<float>(0.002 * r.U(0.5, 2.0)));
    q.zero_point.push_back(0);
  }
  q.quantized_dimension = axis;
  return q;
}

// x (1 x h x w x 3, int16) -> PAD (one row and column each side) -> CONV_2D 3x3 VALID (6 channels) -> DEPTHWISE_CONV_2D 3x3 SAME
// (stride 1) -> MUL by a per-channel int16 constant -> SUB the convolution's output -> ADD the
// depthwise output -> AVERAGE_POOL_2D 3x3 SAME -> MAX_POOL_2D 2x3 SAME (RELU6) ->
// CONCATENATION with ADD's output (channels) -> RESHAPE (1 x h*w*12) -> FULLY_CONNECTED (5
// units), with ADD's output a second graph output and TANH(LOGISTIC(SUB's output)) a third.
// With `vary`, the depthwise kernel (1..5 per axis) and dilation (1..2 per axis) and the pool
// sizes (1..3 per axis) are drawn from the seed.
Graph Int16Chain(int h, int w, uint64_t seed, bool vary = false) {
  Rand r(seed);
  const int dkh = vary ? r.I(1, 5) : 3, dkw = vary ? r.I(1, 5) : 3;
  const int ddh = vary ? r.I(1, 2) : 1, ddw = vary ? r.I(1, 2) : 1;
  const int a_fh = vary ? r.I(1, 3) : 3, a_fw = vary ? r.I(1, 3) : 3;
  const int m_fh = vary ? r.I(1, 3) : 2, m_fw = vary ? r.I(1, 3) : 3;
  Graph g;
  g.name = "int16_chain";
  const std::vector<int32_t> s3 = {1, h, w, 3}, s6 = {1, h, w, 6};
  const int x = AddTensor(g, "x", DType::kInt16, s3, Q(0.0005f, 0));
  std::vector<uint8_t> pad_bytes(32);
  const int32_t pads[8] = {0, 0, 1, 1, 1, 1, 0, 0};
  std::memcpy(pad_bytes.data(), pads, 32);
  const int pt = AddTensor(g, "paddings", DType::kInt32, {4, 2}, {}, pad_bytes);
  const int xp = AddTensor(g, "padded", DType::kInt16, {1, h + 2, w + 2, 3}, Q(0.0005f, 0));
  AddOp(g, OpType::kPad, {x, pt}, xp);
  Conv2DOptions co;
  co.padding = Padding::kValid;
  const int cw = AddTensor(g, "conv_w", DType::kInt8, {6, 3, 3, 3}, PerChannel(r, 6, 0), Int8Bytes(r, 6 * 27));
  const int cb = AddTensor(g, "conv_b", DType::kInt64, {6}, Q(1e-6f, 0), Int64Bytes(r, 6, 200000));
  const int c1 = AddTensor(g, "conv", DType::kInt16, s6, Q(0.002f, 0));
  AddOp(g, OpType::kConv2D, {xp, cw, cb}, c1, co);
  DepthwiseConv2DOptions dwo;
  dwo.padding = Padding::kSame;
  dwo.depth_multiplier = 1;
  dwo.activation = Activation::kRelu;
  dwo.dilation_h = ddh;
  dwo.dilation_w = ddw;
  const int dw =
      AddTensor(g, "dw_w", DType::kInt8, {1, dkh, dkw, 6}, PerChannel(r, 6, 3), Int8Bytes(r, dkh * dkw * 6));
  const int db = AddTensor(g, "dw_b", DType::kInt64, {6}, Q(4e-6f, 0), Int64Bytes(r, 6, 100000));
  const int d1 = AddTensor(g, "dw", DType::kInt16, s6, Q(0.003f, 0));
  AddOp(g, OpType::kDepthwiseConv2D, {c1, dw, db}, d1, dwo);
  const int k = AddTensor(g, "scale", DType::kInt16, {6}, Q(0.0001f, 0), Int16Bytes(r, 6, 20000));
  const int m1 = AddTensor(g, "mul", DType::kInt16, s6, Q(0.004f, 0));
  AddOp(g, OpType::kMul, {d1, k}, m1, MulOptions{});
  const int s1 = AddTensor(g, "sub", DType::kInt16, s6, Q(0.005f, 0));
  AddOp(g, OpType::kSub, {m1, c1}, s1, SubOptions{});
  const int a1 = AddTensor(g, "add", DType::kInt16, s6, Q(0.006f, 0));
  AddOp(g, OpType::kAdd, {s1, d1}, a1, AddOptions{});
  Pool2DOptions po;
  po.padding = Padding::kSame;
  po.filter_h = a_fh;
  po.filter_w = a_fw;
  const int p1 = AddTensor(g, "avg", DType::kInt16, s6, Q(0.006f, 0));
  AddOp(g, OpType::kAveragePool2D, {a1}, p1, po);
  po.filter_h = m_fh;
  po.filter_w = m_fw;
  po.activation = Activation::kRelu6;
  const int p2 = AddTensor(g, "max", DType::kInt16, s6, Q(0.006f, 0));
  AddOp(g, OpType::kMaxPool2D, {p1}, p2, po);
  const int cat = AddTensor(g, "concat", DType::kInt16, {1, h, w, 12}, Q(0.006f, 0));
  ConcatenationOptions cato;
  cato.axis = 3;
  AddOp(g, OpType::kConcatenation, {p2, a1}, cat, cato);
  const int flat = AddTensor(g, "flat", DType::kInt16, {1, h * w * 12}, Q(0.006f, 0));
  ReshapeOptions ro;
  ro.new_shape = {1, h * w * 12};
  const int shape = AddTensor(g, "shape", DType::kInt32, {2}, {}, [&] {
    std::vector<uint8_t> b(8);
    const int32_t v[2] = {1, h * w * 12};
    std::memcpy(b.data(), v, 8);
    return b;
  }());
  AddOp(g, OpType::kReshape, {cat, shape}, flat, ro);
  const int fw = AddTensor(g, "fc_w", DType::kInt8, {5, h * w * 12}, Q(0.001f, 0), Int8Bytes(r, 5 * h * w * 12));
  const int fb = AddTensor(g, "fc_b", DType::kInt64, {5}, Q(6e-6f, 0), Int64Bytes(r, 5, 50000));
  const int y = AddTensor(g, "y", DType::kInt16, {1, 5}, Q(0.05f, 0));
  AddOp(g, OpType::kFullyConnected, {flat, fw, fb}, y, FullyConnectedOptions{});
  // a third output: TANH (input scale 2^-15, a general multiplier) of LOGISTIC of SUB's output
  const int lg = AddTensor(g, "logistic", DType::kInt16, s6, Q(1.0f / 32768, 0));
  AddOp(g, OpType::kLogistic, {s1}, lg);
  const int th = AddTensor(g, "tanh", DType::kInt16, s6, Q(1.0f / 32768, 0));
  AddOp(g, OpType::kTanh, {lg}, th);
  g.inputs = {x};
  g.outputs = {y, a1, th};
  g.Validate();
  return g;
}

std::vector<std::vector<uint8_t>> Inputs(const Graph& g, uint64_t seed) {
  Rand r(seed);
  return {Int16Bytes(r, g.tensors[g.inputs[0]].num_elements(), 32768)};
}

const std::set<OpType> kCounted = {OpType::kPad, OpType::kConv2D, OpType::kDepthwiseConv2D, OpType::kMul, OpType::kSub,
                                   OpType::kAdd,    OpType::kAveragePool2D,   OpType::kMaxPool2D,
                                   OpType::kLogistic, OpType::kTanh};

TEST(Int16Plans, EveryStrategyPatchAndStreamIsCheckedAndGivesLayerByLayerBytes) {
  int plans = 0;
  std::map<OpType, int> partial;
  for (uint64_t seed : {1u, 2u}) {
    const Graph g = Int16Chain(7 + static_cast<int>(seed) * 2, 6 + static_cast<int>(seed), seed);
    const auto inputs = Inputs(g, seed * 31);
    // not trivial: the outputs take many values, few at the int16 limits
    const auto want = RunPlan(g, PlanLayerByLayer(g), inputs);
    std::set<int16_t> distinct;
    int limits = 0;
    for (size_t i = 0; i + 1 < want[1].size(); i += 2) {
      int16_t v;
      std::memcpy(&v, &want[1][i], 2);
      distinct.insert(v);
      limits += v == 32767 || v == -32768;
    }
    EXPECT_GE(distinct.size(), want[1].size() / 4);
    EXPECT_LT(limits * 10, static_cast<int>(want[1].size() / 2));
    std::set<int16_t> fc;  // the FULLY_CONNECTED outputs are not saturated either
    for (size_t i = 0; i + 1 < want[0].size(); i += 2) {
      int16_t v;
      std::memcpy(&v, &want[0][i], 2);
      if (v != 32767 && v != -32768) fc.insert(v);
    }
    EXPECT_GE(fc.size(), 3u);
    std::set<int16_t> th;  // TANH(LOGISTIC(SUB)) takes many values as well
    for (size_t i = 0; i + 1 < want[2].size(); i += 2) {
      int16_t v;
      std::memcpy(&v, &want[2][i], 2);
      th.insert(v);
    }
    EXPECT_GE(th.size(), want[2].size() / 8);
    test::CheckEveryPlan(g, inputs, kCounted, &plans, &partial);
    // the smallest-arena strategy folds the int16 PAD into the 16x8 convolution
    const Plan best = MakePlan(g, PlanOptions::FromStrategy("best"));
    EXPECT_TRUE(std::any_of(best.steps.begin(), best.steps.end(),
                            [](const Step& st) { return st.kind == StepKind::kOp && st.op == 1 && st.fused_pad == 0; }))
        << "the PAD was not folded into the CONV_2D";
  }
  // random depthwise kernels / dilations and pool sizes, smaller inputs
  for (uint64_t seed = 10; seed < 16; ++seed) {
    Rand r(seed * 7);
    const Graph g = Int16Chain(r.I(4, 11), r.I(4, 11), seed, true);
    test::CheckEveryPlan(g, Inputs(g, seed * 31), kCounted, &plans, &partial);
  }
  std::printf("plans %d; steps over partial windows:", plans);
  for (OpType t : kCounted) std::printf(" %s %d", OpTypeName(t), partial[t]);
  std::printf("\n");
  for (OpType t : kCounted) EXPECT_GT(partial[t], 0) << OpTypeName(t) << " never ran over a partial window";
}

// The checker reasons about int16 buffers in bytes: SUB's output moved k bytes after its
// first input's (m1, read by SUB only; both moved into fresh space so nothing else is near)
// overwrites an element of m1 before SUB reads it for k = 1, 2, 3 (rejected), and only
// elements already read for k = 0, -1, -2, -3 (accepted, and the executor then gives the
// layer-by-layer bytes).
TEST(Int16Plans, CheckerCountsInt16BytesOfAnInPlaceElementwiseStep) {
  const Graph g = Int16Chain(7, 6, 8);
  const auto inputs = Inputs(g, 9);
  const Plan base = PlanLayerByLayer(g);
  const auto want = RunPlan(g, base, inputs);
  int sub_step = -1;
  for (size_t i = 0; i < base.steps.size(); ++i)
    if (base.steps[i].kind == StepKind::kOp && g.ops[base.steps[i].op].type == OpType::kSub) sub_step = static_cast<int>(i);
  ASSERT_GE(sub_step, 0);
  const int in_buf = base.steps[sub_step].inputs[0], out_buf = base.steps[sub_step].outputs[0];
  ASSERT_EQ(base.buffers[in_buf].tensor, g.ops[base.steps[sub_step].op].inputs[0]);
  ASSERT_EQ(base.buffers[in_buf].last, sub_step) << "m1 is read by SUB only";
  for (int k = -3; k <= 3; ++k) {
    SCOPED_TRACE("output at input + " + std::to_string(k) + " bytes");
    Plan p = base;
    p.buffers[in_buf].offset = base.arena_bytes + 8;
    p.buffers[out_buf].offset = p.buffers[in_buf].offset + k;
    p.arena_bytes = p.buffers[in_buf].offset + p.buffers[in_buf].bytes + 8;
    const CheckResult cr = CheckPlan(g, p);
    if (k > 0) {
      EXPECT_FALSE(cr.ok) << "an int16 element overwritten before it is read was accepted";
    } else {
      ASSERT_TRUE(cr.ok) << CheckFailureName(cr.failure) << ": " << cr.message;
      EXPECT_EQ(RunPlan(g, p, inputs), want);
    }
  }
}

TEST(Int16Plans, GeneratedCMatchesExecutor) {
  const Graph g = Int16Chain(9, 8, 3);
  const auto inputs = Inputs(g, 5);
  PatchPlanOptions po;
  po.patch.split_op = 7;  // the stage ends after MAX_POOL_2D
  po.patch.rows = 3;
  po.patch.cols = 2;
  po.placement = PatchPlacement::kGreedy;
  const std::vector<std::pair<std::string, Plan>> plans = {{"greedy", MakePlan(g, PlanOptions::FromStrategy("greedy"))},
                                                           {"patch", PlanPatches(g, po)}};
  for (const auto& [name, plan] : plans) {
    SCOPED_TRACE(name);
    const CheckResult cr = CheckPlan(g, plan);
    ASSERT_TRUE(cr.ok) << cr.message;
    std::vector<uint8_t> got, want;
    for (const auto& o : RunPlan(g, plan, inputs)) want.insert(want.end(), o.begin(), o.end());
    ASSERT_EQ(test::RunGeneratedOnHost(g, plan, inputs[0], &got, "int16_" + name), 0);
    EXPECT_EQ(got, want);
  }
}

TEST(Int16Plans, EmulatedCortexM4EqualsHost) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  const Graph g = Int16Chain(9, 8, 4);
  const auto inputs = Inputs(g, 6);
  PatchPlanOptions po;
  po.patch.split_op = 7;
  po.patch.rows = 3;
  po.patch.cols = 2;
  po.placement = PatchPlacement::kGreedy;
  const std::string dir = test::FreshTempDir("int16_device");
  for (const Plan& plan : {MakePlan(g, PlanOptions::FromStrategy("best")), PlanPatches(g, po)}) {
    SCOPED_TRACE(plan.strategy);
    ASSERT_TRUE(CheckPlan(g, plan).ok);
    const auto expected = RunPlan(g, plan, inputs);
    const DeviceResult r = RunOnDevice(g, plan, inputs, dir + "/" + plan.strategy);
    ASSERT_TRUE(r.build.ok) << r.build.log;
    ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
    EXPECT_TRUE(r.outputs == expected) << "device output differs from the host executor";
    std::printf("int16 chain plan '%s' on the emulated Cortex-M4: arena %lld bytes, %llu instructions\n",
                plan.strategy.c_str(), static_cast<long long>(plan.arena_bytes),
                static_cast<unsigned long long>(r.instructions));
  }
  std::filesystem::remove_all(dir);
}

// x (1 x h x w x 3, float32) -> QUANTIZE int16 (zero point 0) -> CONV_2D 3x3 SAME (4 channels,
// 16x8) -> SOFTMAX int16 over the channels; x -> QUANTIZE int8 -> QUANTIZE int8 -> int16 (another
// scale, zero point 0) -> CONV_2D 1x1 (4 channels); ADD of the two -> DEQUANTIZE -> y (float32).
// Outputs: y and the SOFTMAX output.
Graph Int16Boundary(int h, int w, uint64_t seed) {
  Rand r(seed);
  Graph g;
  g.name = "int16_boundary";
  const std::vector<int32_t> s3 = {1, h, w, 3}, s4 = {1, h, w, 4};
  const int x = AddTensor(g, "x", DType::kFloat32, s3, Quantization{});
  const int q16 = AddTensor(g, "x16", DType::kInt16, s3, Q(0.0002f, 0));
  AddOp(g, OpType::kQuantize, {x}, q16);
  const int q8 = AddTensor(g, "x8", DType::kInt8, s3, Q(0.03f, 5));
  AddOp(g, OpType::kQuantize, {x}, q8);
  const int q8to16 = AddTensor(g, "x8to16", DType::kInt16, s3, Q(0.0004f, 0));
  AddOp(g, OpType::kQuantize, {q8}, q8to16);
  Conv2DOptions co;
  co.padding = Padding::kSame;
  const int cw = AddTensor(g, "conv_w", DType::kInt8, {4, 3, 3, 3}, PerChannel(r, 4, 0), Int8Bytes(r, 4 * 27));
  const int cb = AddTensor(g, "conv_b", DType::kInt64, {4}, Q(4e-7f, 0), Int64Bytes(r, 4, 200000));
  const int c1 = AddTensor(g, "conv", DType::kInt16, s4, Q(0.0005f, 0));
  AddOp(g, OpType::kConv2D, {q16, cw, cb}, c1, co);
  SoftmaxOptions so;
  so.beta = 1.0f;
  const int sm = AddTensor(g, "softmax", DType::kInt16, s4, Q(1.0f / 32768, 0));
  AddOp(g, OpType::kSoftmax, {c1}, sm, so);
  Conv2DOptions c2o;
  c2o.padding = Padding::kValid;
  const int pw = AddTensor(g, "pw_w", DType::kInt8, {4, 1, 1, 3}, PerChannel(r, 4, 0), Int8Bytes(r, 4 * 3));
  const int c2 = AddTensor(g, "pw", DType::kInt16, s4, Q(0.0001f, 0));
  AddOp(g, OpType::kConv2D, {q8to16, pw}, c2, c2o);
  const int a1 = AddTensor(g, "add", DType::kInt16, s4, Q(0.0002f, 0));
  AddOp(g, OpType::kAdd, {sm, c2}, a1, AddOptions{});
  const int y = AddTensor(g, "y", DType::kFloat32, s4, Quantization{});
  AddOp(g, OpType::kDequantize, {a1}, y);
  g.inputs = {x};
  g.outputs = {y, sm};
  g.Validate();
  return g;
}

std::vector<uint8_t> FloatInput(const Graph& g, uint64_t seed) {
  Rand r(seed);
  const int64_t n = g.tensors[g.inputs[0]].num_elements();
  std::vector<uint8_t> b(static_cast<size_t>(n) * 4);
  for (int64_t i = 0; i < n; ++i) {
    const float v = static_cast<float>(r.U(-3.5, 3.5));
    std::memcpy(&b[static_cast<size_t>(i) * 4], &v, 4);
  }
  return b;
}

const std::set<OpType> kBoundaryCounted = {OpType::kQuantize, OpType::kConv2D, OpType::kAdd, OpType::kDequantize};

TEST(Int16Plans, BoundaryGraphEveryPlanIsCheckedAndGivesLayerByLayerBytes) {
  int plans = 0;
  std::map<OpType, int> partial;
  for (uint64_t seed : {1u, 2u, 3u}) {
    const Graph g = Int16Boundary(5 + static_cast<int>(seed), 4 + static_cast<int>(seed), seed);
    const std::vector<std::vector<uint8_t>> inputs = {FloatInput(g, seed * 13)};
    const auto want = RunPlan(g, PlanLayerByLayer(g), inputs);
    ASSERT_EQ(want.size(), 2u);
    // Not trivial: every softmax row sums to about one (1/32768 steps) and spreads over values;
    // the float output is ADD's int16 values times its scale.
    std::set<int16_t> distinct;
    for (size_t i = 0; i < want[1].size(); i += 8) {
      int sum = 0;
      for (int c = 0; c < 4; ++c) {
        int16_t v;
        std::memcpy(&v, &want[1][i + 2 * c], 2);
        sum += v;
        distinct.insert(v);
      }
      EXPECT_NEAR(sum, 32768, 8) << "a softmax row does not sum to one";
    }
    EXPECT_GE(distinct.size(), want[1].size() / 2 / 4);
    std::set<float> ys;
    for (size_t i = 0; i < want[0].size(); i += 4) {
      float v;
      std::memcpy(&v, &want[0][i], 4);
      const double steps = v / 0.0002;
      EXPECT_NEAR(steps, std::round(steps), 1e-3) << "DEQUANTIZE output off ADD's grid";
      ys.insert(v);
    }
    EXPECT_GE(ys.size(), want[0].size() / 4 / 4);
    test::CheckEveryPlan(g, inputs, kBoundaryCounted, &plans, &partial);
  }
  std::printf("plans %d; steps over partial windows:", plans);
  for (OpType t : kBoundaryCounted) std::printf(" %s %d", OpTypeName(t), partial[t]);
  std::printf("\n");
  for (OpType t : kBoundaryCounted) EXPECT_GT(partial[t], 0) << OpTypeName(t) << " never ran over a partial window";
}

TEST(Int16Plans, BoundaryGraphGeneratedCMatchesExecutor) {
  const Graph g = Int16Boundary(7, 6, 4);
  const std::vector<std::vector<uint8_t>> inputs = {FloatInput(g, 7)};
  for (const char* strategy : {"greedy", "best"}) {
    SCOPED_TRACE(strategy);
    const Plan plan = MakePlan(g, PlanOptions::FromStrategy(strategy));
    ASSERT_TRUE(CheckPlan(g, plan).ok);
    std::vector<uint8_t> got, want;
    for (const auto& o : RunPlan(g, plan, inputs)) want.insert(want.end(), o.begin(), o.end());
    ASSERT_EQ(test::RunGeneratedOnHost(g, plan, inputs[0], &got, std::string("int16_boundary_") + strategy), 0);
    EXPECT_EQ(got, want);
  }
}

TEST(Int16Plans, BoundaryGraphEmulatedCortexM4EqualsHost) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  const Graph g = Int16Boundary(7, 6, 5);
  const std::vector<std::vector<uint8_t>> inputs = {FloatInput(g, 8)};
  const std::string dir = test::FreshTempDir("int16_boundary_device");
  const Plan plan = MakePlan(g, PlanOptions::FromStrategy("best"));
  ASSERT_TRUE(CheckPlan(g, plan).ok);
  const auto expected = RunPlan(g, plan, inputs);
  const DeviceResult r = RunOnDevice(g, plan, inputs, dir + "/best");
  ASSERT_TRUE(r.build.ok) << r.build.log;
  ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
  EXPECT_TRUE(r.outputs == expected) << "device output differs from the host executor";
  std::filesystem::remove_all(dir);
}

TEST(Int16Plans, BoundaryGraphThroughTheCommandLine) {
  const Graph g = Int16Boundary(6, 5, 6);
  const std::vector<uint8_t> input = FloatInput(g, 9);
  const std::string dir = test::FreshTempDir("int16_boundary_cli");
  const std::string model = dir + "/m.tflite", in = dir + "/x.raw", plan = dir + "/plan.json";
  {
    const std::vector<uint8_t> bytes = WriteTfliteBytes(g);
    FILE* f = std::fopen(model.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    f = std::fopen(in.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(input.data(), 1, input.size(), f);
    std::fclose(f);
  }
  const auto want = RunPlan(g, PlanLayerByLayer(g), {input});
  auto read = [](const std::string& path) {
    std::vector<uint8_t> b;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return b;
    int c;
    while ((c = std::fgetc(f)) != EOF) b.push_back(static_cast<uint8_t>(c));
    std::fclose(f);
    return b;
  };
  const test::CliResult p = test::RunCli("plan " + model + " --strategy best -q -o " + plan);
  ASSERT_EQ(p.exit_code, 0) << p.output;
  const test::CliResult c = test::RunCli("check " + model + " " + plan);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  for (const std::string& extra : {std::string(""), " --plan " + plan}) {
    SCOPED_TRACE(extra);
    const test::CliResult r =
        test::RunCli("run " + model + extra + " --input " + in + " --output " + dir + "/y.raw --output " + dir + "/s.raw");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(read(dir + "/y.raw"), want[0]);
    EXPECT_EQ(read(dir + "/s.raw"), want[1]);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tessera
