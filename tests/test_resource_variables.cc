// Resource variables (VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE, CALL_ONCE with its init
// subgraph), as TFLite converters write tf.Variable state: small .tflite files built field by
// field (support/tflite_build.h), read by tessera, compared with TensorFlow Lite 2.9 (an
// interpreter nobody here wrote) over several invokes with different inputs, with every
// strategy, every plan checked; the checker's state model (activations over a resource's
// slot, slots over each other, READ/ASSIGN steps out of the model's order: rejected); TFLM's
// initial value of a resource no init subgraph assigns; the generated C on the emulated
// Cortex-M4 over three invokes; and the models tessera refuses, with clear errors and a
// non-zero exit from the CLI.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "codegen/codegen.h"
#include "codegen/device.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "plan/strategy.h"
#include "support/cli.h"
#include "support/plan_sweep.h"
#include "support/paths.h"
#include "support/tflite_build.h"
#include "support/tflite_c.h"
#include "tflite/reader.h"
#include "tflite/writer.h"

namespace tessera {
namespace {

using test::FbOp;
using test::FbSubgraph;
using test::FbTensor;

struct Spec {
  bool int16 = false;
  int n = 4;                 // elements of the state [1, n]
  std::vector<int32_t> shape;  // non-empty: the state's (and every activation's) shape, n its size
  int resources = 1;         // accumulators, each over the same input
  bool read_after = false;   // resource 0 read again after its ASSIGN: t = READ + x
  bool init = true;          // CALL_ONCE with an init subgraph assigning constants
  float scale_x = 0.05f, scale_s = 0.08f;
  int32_t zp_x = 3, zp_s = -5;  // int8 only (int16: 0)
  uint64_t seed = 1;
};

FbTensor Act(const Spec& s, const std::string& name, float scale, int32_t zp) {
  FbTensor t;
  t.name = name;
  t.type = s.int16 ? test::kFbInt16 : test::kFbInt8;
  t.shape = s.shape.empty() ? std::vector<int32_t>{1, s.n} : s.shape;
  t.scale = {scale};
  t.zero_point = {s.int16 ? 0 : zp};
  return t;
}
FbTensor Handle(const std::string& name) {
  FbTensor t;
  t.name = name;
  t.type = test::kFbResource;
  return t;
}
FbOp VarHandle(int out, const std::string& shared) {
  FbOp o;
  o.code = test::kFbVarHandle;
  o.outputs = {out};
  o.container = "";
  o.shared_name = shared;
  return o;
}
FbOp Op(int32_t code, std::vector<int32_t> in, std::vector<int32_t> out) {
  FbOp o;
  o.code = code;
  o.inputs = std::move(in);
  o.outputs = std::move(out);
  return o;
}

std::vector<uint8_t> RandomBytes(std::mt19937_64& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng() >> 56);
  return v;
}

// The init subgraph's constants (the state's initial value), from the seed.
std::vector<uint8_t> InitBytes(const Spec& s, int k) {
  std::mt19937_64 rng(s.seed * 31 + static_cast<uint64_t>(k));
  std::vector<uint8_t> v = RandomBytes(rng, static_cast<size_t>(s.n) * (s.int16 ? 2 : 1));
  if (s.int16)  // moderate int16 values: the sums stay mostly unsaturated
    for (size_t i = 1; i < v.size(); i += 2) v[i] = static_cast<uint8_t>(static_cast<int8_t>(v[i]) / 16);
  return v;
}

// Subgraph 0: [CALL_ONCE(1)]; per resource k: VAR_HANDLE; READ -> a_k; ADD(a_k, x) -> s_k;
// ASSIGN(s_k); [resource 0 again: READ -> b; ADD(b, x) -> t]. Outputs s_0.. [, t].
// Subgraph 1 (init): per resource VAR_HANDLE; ASSIGN(constant).
std::vector<FbSubgraph> AccumulatorSubgraphs(const Spec& s) {
  FbSubgraph m;
  m.name = "main";
  const int x = m.Tensor(Act(s, "x", s.scale_x, s.zp_x));
  m.inputs = {x};
  if (s.init) {
    FbOp c;
    c.code = test::kFbCallOnce;
    c.init_subgraph = 1;
    m.ops.push_back(c);
  }
  int h0 = -1;
  for (int k = 0; k < s.resources; ++k) {
    const std::string name = "acc" + std::to_string(k);
    const int h = m.Tensor(Handle(name + "_handle"));
    if (k == 0) h0 = h;
    const int a = m.Tensor(Act(s, name + "_read", s.scale_s, s.zp_s));
    const int sum = m.Tensor(Act(s, name + "_sum", s.scale_s, s.zp_s));
    m.ops.push_back(VarHandle(h, name));
    m.ops.push_back(Op(test::kFbReadVariable, {h}, {a}));
    m.ops.push_back(Op(test::kFbAdd, {a, x}, {sum}));
    m.ops.push_back(Op(test::kFbAssignVariable, {h, sum}, {}));
    m.outputs.push_back(sum);
  }
  if (s.read_after) {
    const int b = m.Tensor(Act(s, "acc0_read_again", s.scale_s, s.zp_s));
    const int t = m.Tensor(Act(s, "t", s.scale_s, s.zp_s));
    m.ops.push_back(Op(test::kFbReadVariable, {h0}, {b}));
    m.ops.push_back(Op(test::kFbAdd, {b, x}, {t}));
    m.outputs.push_back(t);
  }
  std::vector<FbSubgraph> r{m};
  if (s.init) {
    FbSubgraph init;
    init.name = "init";
    for (int k = 0; k < s.resources; ++k) {
      const std::string name = "acc" + std::to_string(k);
      const int h = init.Tensor(Handle(name + "_handle"));
      FbTensor c = Act(s, name + "_init", s.scale_s, s.zp_s);
      c.data = InitBytes(s, k);
      const int ct = init.Tensor(c);
      init.ops.push_back(VarHandle(h, name));
      init.ops.push_back(Op(test::kFbAssignVariable, {h, ct}, {}));
    }
    r.push_back(init);
  }
  return r;
}

Graph Read(const std::vector<uint8_t>& bytes) { return ReadTfliteBytes(bytes.data(), bytes.size(), "acc"); }

std::vector<uint8_t> Accumulator(const Spec& s) { return test::BuildTflite(AccumulatorSubgraphs(s)); }

std::string SpecName(const Spec& s) {
  return std::string(s.int16 ? "int16" : "int8") + " n" + std::to_string(s.n) + " r" + std::to_string(s.resources) +
         (s.read_after ? " read-after" : "") + " seed " + std::to_string(s.seed);
}

std::vector<Spec> Specs() {
  std::vector<Spec> r;
  std::mt19937_64 rng(77);
  for (bool int16 : {false, true})
    for (int resources : {1, 2})
      for (bool read_after : {false, true})
        for (int k = 0; k < 2; ++k) {
          Spec s;
          s.int16 = int16;
          s.resources = resources;
          s.read_after = read_after;
          s.seed = rng() % 100000;
          s.n = 1 + static_cast<int>(rng() % 24);
          s.scale_x = 0.01f + static_cast<float>(rng() % 100) / 1000.0f;
          s.scale_s = 0.01f + static_cast<float>(rng() % 100) / 1000.0f;
          if (int16) s.scale_x /= 64, s.scale_s /= 64;
          s.zp_x = static_cast<int32_t>(rng() % 41) - 20;
          s.zp_s = static_cast<int32_t>(rng() % 41) - 20;
          r.push_back(s);
        }
  return r;
}

TEST(ResourceVariables, ReadAsStateTensorsWithTheInitValue) {
  Spec s;
  s.resources = 2;
  s.read_after = true;
  const Graph g = Read(Accumulator(s));
  ASSERT_EQ(g.state_tensors().size(), 2u);
  for (int k = 0; k < 2; ++k) {
    const Tensor& t = g.tensors[g.state_tensors()[k]];
    EXPECT_EQ(t.name, "acc" + std::to_string(k));
    EXPECT_EQ(t.type, DType::kInt8);
    EXPECT_EQ(t.shape, (std::vector<int32_t>{1, s.n}));
    EXPECT_EQ(t.data, InitBytes(s, k)) << "the state's initial value is the init subgraph's constant";
  }
  // READ, ADD, ASSIGN per resource, then READ, ADD: CALL_ONCE and VAR_HANDLE are gone.
  ASSERT_EQ(g.ops.size(), 8u);
  EXPECT_EQ(g.ops[0].type, OpType::kReadVariable);
  EXPECT_EQ(g.ops[2].type, OpType::kAssignVariable);
  EXPECT_EQ(g.ops[6].type, OpType::kReadVariable);
  EXPECT_EQ(g.ops[0].inputs[0], g.ops[6].inputs[0]);
  EXPECT_NE(g.ops[0].inputs[0], g.ops[3].inputs[0]);
  bool folded = false;
  for (const std::string& l : g.lowered) folded |= l.find("CALL_ONCE (op 0) -> init subgraph 1") != std::string::npos;
  EXPECT_TRUE(folded);
  // tessera does not write resource variables back to .tflite: a clear error.
  try {
    WriteTfliteBytes(g);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("does not write resource variables back"), std::string::npos) << e.what();
  }
}

// TFLite 2.9 and tessera over four invokes with different inputs (TFLite's interpreter runs
// CALL_ONCE on its first invoke; tessera starts from the folded initial value), every
// strategy, the input in the arena or not; then tessera's ResetState gives the first invoke's
// outputs again (as a fresh TFLite interpreter does).
TEST(ResourceVariables, EqualTfliteOverInvokesEveryStrategy) {
  TESSERA_REQUIRE_TFLITE();
  int models = 0, plans = 0, invokes_compared = 0;
  for (const Spec& s : Specs()) {
    SCOPED_TRACE(SpecName(s));
    const std::vector<uint8_t> bytes = Accumulator(s);
    const Graph g = Read(bytes);
    std::mt19937_64 rng(s.seed + 5);
    const size_t in_bytes = static_cast<size_t>(g.tensors[g.inputs[0]].num_bytes());
    std::vector<std::vector<uint8_t>> xs;
    for (int i = 0; i < 4; ++i) xs.push_back(RandomBytes(rng, in_bytes));
    std::vector<std::vector<std::vector<uint8_t>>> ref;  // [invoke][output]
    {
      test::TfliteInterpreter tfl(bytes);
      for (const auto& x : xs) {
        tfl.SetInput(0, x);
        tfl.Invoke();
        std::vector<std::vector<uint8_t>> outs;
        for (int o = 0; o < tfl.num_outputs(); ++o) outs.push_back(tfl.Output(o));
        ref.push_back(outs);
      }
    }
    ASSERT_EQ(ref[0].size(), g.outputs.size());
    EXPECT_NE(ref[0], ref[1]) << "the state carries over: the second invoke differs";
    ++models;
    for (const std::string& name : StrategyNames())
      for (bool in_arena : {true, false}) {
        SCOPED_TRACE(name + (in_arena ? "" : " (input streamed)"));
        PlanOptions o = PlanOptions::FromStrategy(name);
        o.input_in_arena = in_arena;
        const Plan plan = MakePlan(g, o);
        const CheckResult cr = CheckPlan(g, plan);
        ASSERT_TRUE(cr.ok) << cr.message;
        EXPECT_EQ(plan.state.size(), static_cast<size_t>(s.resources));
        Executor ex(g, plan);
        for (size_t i = 0; i < xs.size(); ++i) {
          ex.SetInput(0, xs[i]);
          ex.Invoke();
          for (size_t k = 0; k < g.outputs.size(); ++k)
            EXPECT_EQ(ex.Output(static_cast<int>(k)), ref[i][k]) << "invoke " << i + 1 << " output " << k;
          ++invokes_compared;
        }
        ex.ResetState();
        ex.SetInput(0, xs[0]);
        ex.Invoke();
        for (size_t k = 0; k < g.outputs.size(); ++k)
          EXPECT_EQ(ex.Output(static_cast<int>(k)), ref[0][k]) << "after ResetState, output " << k;
        ++plans;
      }
  }
  std::printf("resource variables vs TFLite 2.9: %d models, %d plans, %d invokes compared\n", models, plans,
              invokes_compared);
}

// A float32 resource: a delay line. READ -> y (the previous invoke's value, a graph output),
// DEQUANTIZE(x) -> f, ASSIGN(f); the init subgraph assigns float constants. TFLite 2.9 and
// tessera over four invokes with different inputs, every strategy.
std::vector<uint8_t> DelayLine(int n, std::vector<uint8_t>* init_bytes) {
  FbSubgraph m;
  FbTensor x{"x", test::kFbInt8, {1, n}, {0.25f}, {-3}, {}};
  const int xi = m.Tensor(x);
  const int h = m.Tensor(Handle("delay_handle"));
  const int y = m.Tensor(FbTensor{"previous", test::kFbFloat32, {1, n}, {}, {}, {}});
  const int f = m.Tensor(FbTensor{"current", test::kFbFloat32, {1, n}, {}, {}, {}});
  m.inputs = {xi};
  m.outputs = {y};
  FbOp c;
  c.code = test::kFbCallOnce;
  c.init_subgraph = 1;
  m.ops = {c, VarHandle(h, "delay"), Op(test::kFbReadVariable, {h}, {y}), Op(test::kFbDequantize, {xi}, {f}),
           Op(test::kFbAssignVariable, {h, f}, {})};
  FbSubgraph init;
  const int h1 = init.Tensor(Handle("delay_handle"));
  FbTensor k{"delay_init", test::kFbFloat32, {1, n}, {}, {}, {}};
  std::vector<float> init_values(n);
  for (int i = 0; i < n; ++i) init_values[i] = 0.5f * static_cast<float>(i) - 1.25f;
  k.data.resize(n * 4);
  std::memcpy(k.data.data(), init_values.data(), k.data.size());
  const int ki = init.Tensor(k);
  init.ops = {VarHandle(h1, "delay"), Op(test::kFbAssignVariable, {h1, ki}, {})};
  *init_bytes = k.data;
  return test::BuildTflite({m, init});
}

TEST(ResourceVariables, Float32DelayLineEqualsTflite) {
  TESSERA_REQUIRE_TFLITE();
  const int n = 7;
  std::vector<uint8_t> init_bytes;
  const std::vector<uint8_t> bytes = DelayLine(n, &init_bytes);
  const Graph g = Read(bytes);
  ASSERT_EQ(g.state_tensors().size(), 1u);
  EXPECT_EQ(g.tensors[g.state_tensors()[0]].type, DType::kFloat32);
  std::mt19937_64 rng(8);
  std::vector<std::vector<uint8_t>> xs;
  for (int i = 0; i < 4; ++i) xs.push_back(RandomBytes(rng, n));
  std::vector<std::vector<uint8_t>> ref;
  test::TfliteInterpreter tfl(bytes);
  for (const auto& xv : xs) {
    tfl.SetInput(0, xv);
    tfl.Invoke();
    ref.push_back(tfl.Output(0));
  }
  EXPECT_EQ(ref[0], init_bytes) << "TFLite's first invoke reads the init subgraph's constants";
  for (const std::string& name : StrategyNames()) {
    SCOPED_TRACE(name);
    const Plan plan = MakePlan(g, PlanOptions::FromStrategy(name));
    ASSERT_TRUE(CheckPlan(g, plan).ok) << CheckPlan(g, plan).message;
    Executor ex(g, plan);
    for (size_t i = 0; i < xs.size(); ++i) {
      ex.SetInput(0, xs[i]);
      ex.Invoke();
      EXPECT_EQ(ex.Output(0), ref[i]) << "invoke " << i + 1;
    }
  }
}

// A spatial accumulator ([1, 8, 6, 4]): its ADDs run over windows in patch-based and streamed
// plans between the READ/ASSIGN steps, which run whole, in the model's order. Every plan (each
// strategy, split point, grid and halo mode) passes the checker (two invokes of state) and
// gives the layer-by-layer bytes; the layer-by-layer plan equals TFLite over three invokes.
TEST(ResourceVariables, SpatialAccumulatorEveryPlan) {
  Spec s;
  s.shape = {1, 8, 6, 4};
  s.n = 8 * 6 * 4;
  s.read_after = true;
  s.seed = 4242;
  const std::vector<uint8_t> bytes = Accumulator(s);
  const Graph g = Read(bytes);
  std::mt19937_64 rng(3);
  const std::vector<std::vector<uint8_t>> inputs{RandomBytes(rng, static_cast<size_t>(s.n))};
  int plans = 0;
  std::map<OpType, int> partial;
  test::CheckEveryPlan(g, inputs, {OpType::kAdd}, &plans, &partial);
  EXPECT_GT(partial[OpType::kAdd], 0) << "some plan runs the ADDs over windows";
  std::printf("spatial accumulator: %d plans, %d ADD steps over partial windows\n", plans, partial[OpType::kAdd]);
  if (!test::TfliteAvailable()) return;
  test::TfliteInterpreter tfl(bytes);
  for (int invokes = 1; invokes <= 3; ++invokes) {
    tfl.SetInput(0, inputs[0]);
    tfl.Invoke();
    const auto mine = RunPlan(g, MakePlan(g, PlanOptions::FromStrategy("best")), inputs, invokes);
    for (size_t k = 0; k < mine.size(); ++k) EXPECT_EQ(mine[k], tfl.Output(static_cast<int>(k))) << invokes;
  }
}

// Without CALL_ONCE, TFLM's resource buffer starts as the int8 zero point of the value first
// assigned to it (micro_resource_variable.cc Allocate; TFLite instead refuses to read it), so
// the first READ gives that byte everywhere, whatever the READ output's own zero point.
TEST(ResourceVariables, WithoutInitTheStateStartsAtTheAssignedValuesZeroPoint) {
  for (int32_t zp : {-7, 0, 12}) {
    Spec s;
    s.init = false;
    s.zp_s = zp;
    std::vector<FbSubgraph> sg = AccumulatorSubgraphs(s);
    sg[0].tensors[2].zero_point = {zp + 1};  // the READ output: another zero point
    sg[0].outputs.push_back(2);              // and a graph output
    const Graph g = Read(test::BuildTflite(sg));
    ASSERT_EQ(g.state_tensors().size(), 1u);
    const Plan plan = PlanLayerByLayer(g);
    ASSERT_TRUE(CheckPlan(g, plan).ok);
    Executor ex(g, plan);
    ex.SetInput(0, std::vector<uint8_t>(static_cast<size_t>(s.n), 0));
    ex.Invoke();
    EXPECT_EQ(ex.Output(1), std::vector<uint8_t>(static_cast<size_t>(s.n), static_cast<uint8_t>(static_cast<int8_t>(zp))));
  }
}

// The checker's state model on resource variables: an arena buffer over a resource's state,
// two resources' slots over each other, and a READ_VARIABLE moved before the ASSIGN_VARIABLE it
// follows in the model (the arena stays consistent: only the state's order is wrong).
TEST(ResourceVariables, CheckerRejectsStateMutations) {
  Spec s;
  s.resources = 2;
  s.read_after = true;
  const Graph g = Read(Accumulator(s));
  int rejected = 0;
  for (const std::string& strategy : {std::string("greedy"), std::string("best")}) {
    const Plan base = MakePlan(g, PlanOptions::FromStrategy(strategy));
    ASSERT_TRUE(CheckPlan(g, base).ok) << CheckPlan(g, base).message;
    ASSERT_EQ(base.state.size(), 2u);
    auto expect_rejected = [&](const Plan& p, const std::string& what, const std::string& needle) {
      const CheckResult r = CheckPlan(g, p);
      EXPECT_FALSE(r.ok) << strategy << ": " << what << " accepted";
      if (!r.ok) ++rejected;
      EXPECT_NE(r.message.find(needle), std::string::npos) << r.message;
    };
    {
      Plan p = base;
      Buffer b = WholeTensorBuffer(g, p.state[0].tensor);
      b.first = 0;
      b.last = static_cast<int>(p.steps.size()) - 1;
      b.offset = p.buffers[p.input_buffers[0]].offset;
      p.arena_bytes = std::max(p.arena_bytes, b.offset + b.bytes);
      p.buffers.push_back(b);
      expect_rejected(p, "an arena buffer holding a resource", "which is state");
    }
    {
      Plan p = base;
      p.state[1].offset = p.state[0].offset;
      expect_rejected(p, "resource slots over each other", "overlaps state slot");
    }
    {
      // Steps: READ, ADD, ASSIGN (acc0), READ, ADD, ASSIGN (acc1), READ (acc0 again), ADD.
      // Moving the last READ before acc0's ASSIGN keeps every arena byte it needs (it reads
      // no activation; its output buffer is not used before).
      Plan p = base;
      int assign0 = -1, read_again = -1;
      for (int i = 0; i < static_cast<int>(p.steps.size()); ++i) {
        if (p.steps[i].kind != StepKind::kOp) continue;
        if (p.steps[i].op == 2) assign0 = i;
        if (p.steps[i].op == 6) read_again = i;
      }
      ASSERT_GE(assign0, 0);
      ASSERT_GT(read_again, assign0);
      Step moved = p.steps[read_again];
      p.steps.erase(p.steps.begin() + read_again);
      p.steps.insert(p.steps.begin() + assign0, moved);
      // Its output buffer goes live from the new position (own bytes past the arena's end).
      Buffer& ob = p.buffers[moved.outputs[0]];
      ob.first = assign0;
      ob.offset = p.arena_bytes + 16;
      p.arena_bytes = ob.offset + ob.bytes;
      for (Buffer& b : p.buffers)
        if (&b != &ob && b.first >= assign0 && b.first < read_again + 1) {
          b.first = std::min(b.first + 1, static_cast<int>(p.steps.size()) - 1);
          b.last = std::min(std::max(b.last + 1, b.first), static_cast<int>(p.steps.size()) - 1);
        } else if (&b != &ob && b.last >= assign0 && b.last < read_again) {
          b.last = b.last + 1;
        }
      expect_rejected(p, "READ_VARIABLE before the ASSIGN_VARIABLE it follows", "out of the model's order");
    }
  }
  std::printf("resource state mutations rejected: %d\n", rejected);
}

// The generated C on the emulated Cortex-M4: three invokes on the same input give the host
// executor's outputs after three invokes (the state in the generated state buffer, initialized
// with the init subgraph's constants).
TEST(ResourceVariables, DeviceThreeInvokesEqualHost) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  const std::string dir = test::FreshTempDir("resvars_device");
  for (bool int16 : {false, true}) {
    Spec s;
    s.int16 = int16;
    s.resources = 2;
    s.read_after = true;
    s.n = 10;
    if (int16) s.scale_x /= 64, s.scale_s /= 64;
    const Graph g = Read(Accumulator(s));
    std::mt19937_64 rng(9);
    const std::vector<std::vector<uint8_t>> inputs{
        RandomBytes(rng, static_cast<size_t>(g.tensors[g.inputs[0]].num_bytes()))};
    for (const char* strategy : {"greedy", "best"}) {
      const Plan plan = MakePlan(g, PlanOptions::FromStrategy(strategy));
      DeviceOptions o;
      o.invokes = 3;
      const DeviceResult r = RunOnDevice(g, plan, inputs, dir + "/" + strategy + (int16 ? "16" : "8"), o);
      ASSERT_TRUE(r.build.ok) << r.build.log;
      ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
      const auto host3 = RunPlan(g, plan, inputs, 3);
      EXPECT_TRUE(r.outputs == host3) << strategy << ": device outputs after 3 invokes differ from the host's";
      EXPECT_FALSE(host3 == RunPlan(g, plan, inputs, 1)) << "three invokes differ from one";
      std::printf("accumulator %s plan '%s' on an386, 3 invokes: arena %lld + state %lld bytes\n",
                  int16 ? "int16" : "int8", strategy, static_cast<long long>(plan.arena_bytes),
                  static_cast<long long>(plan.state_bytes));
    }
  }
  {
    // The float32 delay line: the device's last output is the input's dequantized value.
    std::vector<uint8_t> init_bytes;
    const Graph g = Read(DelayLine(9, &init_bytes));
    std::mt19937_64 rng(10);
    const std::vector<std::vector<uint8_t>> inputs{RandomBytes(rng, 9)};
    const Plan plan = MakePlan(g, PlanOptions::FromStrategy("best"));
    DeviceOptions o;
    o.invokes = 3;
    const DeviceResult r = RunOnDevice(g, plan, inputs, dir + "/delay", o);
    ASSERT_TRUE(r.build.ok) << r.build.log;
    ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
    EXPECT_TRUE(r.outputs == RunPlan(g, plan, inputs, 3)) << "float32 delay line: device differs from the host";
    o.invokes = 1;
    const DeviceResult r1 = RunOnDevice(g, plan, inputs, dir + "/delay1", o);
    ASSERT_EQ(r1.run.exit_code, 0) << r1.run.output;
    ASSERT_EQ(r1.outputs.size(), 1u);
    EXPECT_EQ(r1.outputs[0], init_bytes) << "the first invoke reads the init subgraph's float constants";
  }
  std::filesystem::remove_all(dir);
}

// The generated C of `plan` compiled for the host and run: three invokes on x, model_reset(),
// one invoke; output 0 after the third invoke, then after the reset's.
std::vector<uint8_t> HostThreeResetOne(const Graph& g, const Plan& plan, const std::vector<uint8_t>& x,
                                       const std::string& tag) {
  std::vector<uint8_t> got;
  const std::string dir = test::FreshTempDir("resvars_codegen_" + tag);
  const auto files = GenerateC(g, plan, dir + "/gen");
  std::ifstream hf(dir + "/gen/model.h");
  const std::string header((std::istreambuf_iterator<char>(hf)), std::istreambuf_iterator<char>());
  EXPECT_NE(header.find("#define MODEL_STATE_BYTES " + std::to_string(plan.state_bytes)), std::string::npos);
  {
    std::ofstream m(dir + "/main.c");
    m << R"(#include <stdio.h>
#include "model.h"
int main(int argc, char** argv) {
  static unsigned char in[MODEL_INPUT0_BYTES];
  FILE* f;
  int k;
  if (argc != 3 || !(f = fopen(argv[1], "rb")) || fread(in, 1, sizeof in, f) != sizeof in) return 2;
  fclose(f);
  if (!(f = fopen(argv[2], "wb"))) return 2;
  for (k = 0; k < 3; ++k) {
    model_set_input(0, in);
    if (model_invoke() != 0) return 4;
  }
  fwrite(model_output(0), 1, model_output_bytes(0), f);
  model_reset();
  model_set_input(0, in);
  if (model_invoke() != 0) return 4;
  fwrite(model_output(0), 1, model_output_bytes(0), f);
  fclose(f);
  return 0;
}
)";
  }
  std::string cmd = "cc -std=c99 -O1 -Wall -Wextra -Werror -I " + ShellQuote(dir + "/gen") + " -o " +
                    ShellQuote(dir + "/model_host") + " " + ShellQuote(dir + "/main.c");
  for (auto& src : GeneratedSources(files)) cmd.append(" ").append(ShellQuote(src));
  const ShellResult cr = RunShell(cmd + " -lm");
  EXPECT_EQ(cr.exit_code, 0) << cr.output;
  if (cr.exit_code != 0) return got;
  {
    std::ofstream in(dir + "/input.bin", std::ios::binary);
    in.write(reinterpret_cast<const char*>(x.data()), static_cast<std::streamsize>(x.size()));
  }
  const ShellResult rr = RunShell(ShellQuote(dir + "/model_host") + " " + ShellQuote(dir + "/input.bin") + " " +
                                  ShellQuote(dir + "/output.bin"));
  EXPECT_EQ(rr.exit_code, 0) << rr.output;
  if (rr.exit_code == 0) got = test::ReadFileBytes(dir + "/output.bin");
  std::filesystem::remove_all(dir);
  return got;
}

// The generated C on the host: three invokes with the same input, model_reset(), one invoke.
// The outputs equal TFLite's after three invokes, then a fresh TFLite interpreter's first
// invoke: the reset restores the init subgraph's values (the state of an interpreter whose
// CALL_ONCE has run), and the header gives the state's size.
TEST(ResourceVariables, GeneratedCResetRestoresTheInitValue) {
  Spec s;
  s.resources = 2;
  s.read_after = true;
  s.n = 6;
  const std::vector<uint8_t> bytes = Accumulator(s);
  const Graph g = Read(bytes);
  const Plan plan = MakePlan(g, PlanOptions::FromStrategy("best"));
  std::mt19937_64 rng(21);
  const std::vector<uint8_t> x = RandomBytes(rng, static_cast<size_t>(s.n));
  std::vector<uint8_t> want;  // output 0 after 3 invokes, then after 1
  if (test::TfliteAvailable()) {
    test::TfliteInterpreter tfl(bytes);
    for (int k = 0; k < 3; ++k) {
      tfl.SetInput(0, x);
      tfl.Invoke();
    }
    want = tfl.Output(0);
    test::TfliteInterpreter fresh(bytes);
    fresh.SetInput(0, x);
    fresh.Invoke();
    const auto once = fresh.Output(0);
    want.insert(want.end(), once.begin(), once.end());
  } else {
    want = RunPlan(g, plan, {x}, 3)[0];
    const auto once = RunPlan(g, plan, {x}, 1)[0];
    want.insert(want.end(), once.begin(), once.end());
  }
  EXPECT_TRUE(HostThreeResetOne(g, plan, x, "acc") == want);
}

// ASSIGN_VARIABLE of a constant in subgraph 0: READ -> y, ADD(y, x) -> z (the output),
// ASSIGN(c1). The first invoke sees the init subgraph's c0, every later one c1. TFLite 2.9 and
// tessera over three invokes with every strategy, and the generated C (3 invokes, reset, 1).
TEST(ResourceVariables, AssignOfAConstant) {
  Spec s;
  s.n = 5;
  s.seed = 606;
  std::vector<FbSubgraph> sg = AccumulatorSubgraphs(s);
  // Subgraph 0: tensors x, acc0_handle, acc0_read, acc0_sum; ops CALL_ONCE, VAR_HANDLE, READ,
  // ADD, ASSIGN(handle, sum) -> ASSIGN(handle, c1).
  FbTensor c1 = Act(s, "c1", s.scale_s, s.zp_s);
  for (int i = 0; i < s.n; ++i) c1.data.push_back(static_cast<uint8_t>(17 * i - 30));
  const int c = sg[0].Tensor(c1);
  sg[0].ops[4].inputs = {1, c};
  const std::vector<uint8_t> bytes = test::BuildTflite(sg);
  const Graph g = Read(bytes);
  std::mt19937_64 rng(5);
  const std::vector<uint8_t> x = RandomBytes(rng, static_cast<size_t>(s.n));
  std::vector<std::vector<uint8_t>> ref;
  if (test::TfliteAvailable()) {
    test::TfliteInterpreter tfl(bytes);
    for (int k = 0; k < 3; ++k) {
      tfl.SetInput(0, x);
      tfl.Invoke();
      ref.push_back(tfl.Output(0));
    }
    EXPECT_NE(ref[0], ref[1]);
    EXPECT_EQ(ref[1], ref[2]);
  }
  for (const std::string& name : StrategyNames()) {
    SCOPED_TRACE(name);
    const Plan plan = MakePlan(g, PlanOptions::FromStrategy(name));
    ASSERT_TRUE(CheckPlan(g, plan).ok) << CheckPlan(g, plan).message;
    Executor ex(g, plan);
    for (size_t k = 0; k < 3; ++k) {
      ex.SetInput(0, x);
      ex.Invoke();
      if (!ref.empty()) EXPECT_EQ(ex.Output(0), ref[k]) << "invoke " << k + 1;
    }
    if (name == "best") {
      std::vector<uint8_t> want = RunPlan(g, plan, {x}, 3)[0];
      const auto once = RunPlan(g, plan, {x}, 1)[0];
      want.insert(want.end(), once.begin(), once.end());
      EXPECT_TRUE(HostThreeResetOne(g, plan, x, "const") == want);
    }
  }
}

// ---- models tessera refuses ----

std::string ReadError(const std::vector<uint8_t>& bytes) {
  try {
    Read(bytes);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void ExpectCliFails(const std::vector<uint8_t>& bytes, const std::string& tag, const std::string& needle) {
  const std::string dir = test::FreshTempDir("resvars_cli_" + tag);
  const std::string path = dir + "/" + tag + ".tflite";
  {
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  const test::CliResult r = test::RunCli("inspect " + path);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << r.output;
  std::filesystem::remove_all(dir);
}

TEST(ResourceVariables, BadModelsGetClearErrors) {
  Spec s;
  s.resources = 2;
  {
    // Two ASSIGN_VARIABLEs of one resource with different shapes.
    std::vector<FbSubgraph> sg = AccumulatorSubgraphs(s);
    FbTensor other = Act(s, "wider", s.scale_s, s.zp_s);
    other.shape = {1, s.n + 1};
    other.data.assign(static_cast<size_t>(s.n + 1), 0);
    const int w = sg[0].Tensor(other);
    sg[0].ops.push_back(Op(test::kFbAssignVariable, {1}, {}));  // tensor 1: acc0's handle
    sg[0].ops.back().inputs.push_back(w);
    const std::string e = ReadError(test::BuildTflite(sg));
    EXPECT_NE(e.find("keeps one type and shape"), std::string::npos) << e;
    ExpectCliFails(test::BuildTflite(sg), "mismatch", "keeps one type and shape");
  }
  {
    // A resource read but never assigned anywhere.
    Spec r = s;
    r.init = false;
    std::vector<FbSubgraph> sg = AccumulatorSubgraphs(r);
    sg[0].ops.erase(sg[0].ops.begin() + 3);  // acc0's ASSIGN_VARIABLE
    const std::string e = ReadError(test::BuildTflite(sg));
    EXPECT_NE(e.find("resource 'acc0' is read by READ_VARIABLE but never assigned"), std::string::npos) << e;
    ExpectCliFails(test::BuildTflite(sg), "unassigned", "never assigned");
  }
  {
    // An init subgraph that computes (an ADD), and one assigning a non-constant.
    std::vector<FbSubgraph> sg = AccumulatorSubgraphs(s);
    FbSubgraph& init = sg[1];
    const int a = init.Tensor(Act(s, "a", s.scale_s, s.zp_s));
    const int b = init.Tensor(Act(s, "b", s.scale_s, s.zp_s));
    init.ops.push_back(Op(test::kFbAdd, {1, 1}, {a}));  // tensor 1: acc0's constant
    init.ops.push_back(Op(test::kFbAssignVariable, {0, a}, {}));
    (void)b;
    const std::string e = ReadError(test::BuildTflite(sg));
    EXPECT_NE(e.find("init subgraph 1 of CALL_ONCE (op 0), operator 4 (ADD): not supported in a CALL_ONCE init"),
              std::string::npos)
        << e;
    ExpectCliFails(test::BuildTflite(sg), "initadd", "not supported in a CALL_ONCE init subgraph");
  }
  {
    // A subgraph no CALL_ONCE names (e.g. a second signature).
    std::vector<FbSubgraph> sg = AccumulatorSubgraphs(s);
    FbSubgraph extra;
    extra.name = "other_signature";
    const int i = extra.Tensor(Act(s, "i", s.scale_x, s.zp_x));
    extra.inputs = {i};
    extra.outputs = {i};
    sg.push_back(extra);
    const std::string e = ReadError(test::BuildTflite(sg));
    EXPECT_NE(e.find("subgraph 2 'other_signature' is not the init subgraph of a CALL_ONCE"), std::string::npos) << e;
    ExpectCliFails(test::BuildTflite(sg), "extrasub", "is not the init subgraph of a CALL_ONCE");
  }
  {
    // CALL_ONCE after a READ_VARIABLE: its folding would change what that READ sees.
    std::vector<FbSubgraph> sg = AccumulatorSubgraphs(s);
    std::swap(sg[0].ops[0], sg[0].ops[2]);  // CALL_ONCE <-> acc0's READ (after its VAR_HANDLE)
    std::swap(sg[0].ops[0], sg[0].ops[1]);  // VAR_HANDLE first again
    const std::string e = ReadError(test::BuildTflite(sg));
    EXPECT_NE(e.find("CALL_ONCE (op 2) comes after READ_VARIABLE"), std::string::npos) << e;
  }
  {
    // A READ_VARIABLE whose output differs in size from the resource.
    std::vector<FbSubgraph> sg = AccumulatorSubgraphs(s);
    sg[0].tensors[2].shape = {1, s.n + 2};
    const std::string e = ReadError(test::BuildTflite(sg));
    EXPECT_NE(e.find("READ_VARIABLE"), std::string::npos) << e;
    EXPECT_NE(e.find("must have one type and size"), std::string::npos) << e;
  }
}

// Corrupted resource models (random bytes changed, the verifier passing or not): every read
// ends in a model or an Error, never a crash; the models read are planned and checked.
TEST(ResourceVariables, CorruptedModelsReadOrFailCleanly) {
  Spec s;
  s.resources = 2;
  s.read_after = true;
  const std::vector<uint8_t> base = Accumulator(s);
  std::mt19937_64 rng(99);
  int read = 0, refused = 0;
  for (int k = 0; k < 3000; ++k) {
    std::vector<uint8_t> b = base;
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) b[rng() % b.size()] = static_cast<uint8_t>(rng());
    try {
      const Graph g = Read(b);
      const Plan plan = PlanLayerByLayer(g);
      (void)CheckPlan(g, plan);
      ++read;
    } catch (const Error&) {
      ++refused;
    }
  }
  std::printf("corrupted resource models: %d read, %d refused with an Error\n", read, refused);
  EXPECT_EQ(read + refused, 3000);
}

}  // namespace
}  // namespace tessera
