// Emulated-device tests: real models (../shared/models) and a zoo model, layer-by-layer
// plan, generated C built into firmware whose SRAM budget is exactly stack + .data + arena +
// .bss, run under QEMU (mps2-an386 Cortex-M4F and mps2-an500 Cortex-M7) on a fixed input
// embedded in the firmware. The output bytes must equal the host executor's; a model with
// state (SVDF) is also run for three invokes in a row (model_invoke three times on the same
// input, the state carried over in the generated state buffer), equal to the host's three.
// A budget one byte smaller fails to link, naming the arena.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <ostream>

#include "codegen/device.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "plan/strategy.h"
#include "schedule/patch.h"
#include "support/device_cases.h"
#include "support/paths.h"
#include "support/svdf_graph.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string model;  // shared model stem, or "zoo:<name>"
  Board board;
};

std::string CaseName(const Case& c) {
  return test::DeviceCaseStem(c.model) + "_" + BoardName(c.board);
}

void PrintTo(const Case& c, std::ostream* os) { *os << CaseName(c); }

std::string TempDir(const std::string& name) { return test::FreshTempDir("fwm_" + name); }

// The model and its fixed input (test::LoadDeviceModel).
bool Load(const std::string& model, Graph* g, std::vector<std::vector<uint8_t>>* inputs) {
  return test::LoadDeviceModel(model, 1234, g, inputs);
}

class DeviceModel : public ::testing::TestWithParam<Case> {};

TEST_P(DeviceModel, OutputEqualsHostExecutor) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  const Case& c = GetParam();
  Graph g;
  std::vector<std::vector<uint8_t>> inputs;
  if (!Load(c.model, &g, &inputs)) GTEST_SKIP() << "../shared is absent";
  const Plan plan = PlanLayerByLayer(g);
  const auto expected = RunPlan(g, plan, inputs);

  const std::string dir = TempDir(CaseName(c));
  DeviceOptions o;
  o.board = c.board;
  const DeviceResult r = RunOnDevice(g, plan, inputs, dir, o);
  ASSERT_TRUE(r.build.ok) << r.build.log;
  ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
  ASSERT_EQ(r.outputs.size(), expected.size()) << r.run.output;
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_TRUE(r.outputs[i] == expected[i]) << "output " << i << " differs from the host executor";
  // The image's SRAM: the plan's arena plus stack, .data, .bss (and alignment).
  EXPECT_EQ(r.sizes.arena, plan.arena_bytes);
  EXPECT_EQ(r.build.ram_budget, r.build.ram_needed);
  EXPECT_GE(r.build.ram_needed, plan.arena_bytes + plan.state_bytes + o.stack_bytes);
  EXPECT_LE(r.build.ram_needed, plan.arena_bytes + plan.state_bytes + o.stack_bytes + 256);
  if (!g.state_tensors().empty()) {
    const auto expected3 = RunPlan(g, plan, inputs, 3);
    DeviceOptions o3 = o;
    o3.invokes = 3;
    const DeviceResult r3 = RunOnDevice(g, plan, inputs, dir + "/invoke3", o3);
    ASSERT_TRUE(r3.build.ok) << r3.build.log;
    ASSERT_EQ(r3.run.exit_code, 0) << r3.run.output;
    EXPECT_TRUE(r3.outputs == expected3) << "outputs after 3 invokes differ from the host executor's";
    // And TFLM's own bytes after three invokes of case 0 (the fixed input).
    for (size_t i = 0; i < r3.outputs.size(); ++i) {
      const std::string ref = test::ReferenceDir(c.model) + "/case0.invoke3.output" + std::to_string(i) + ".bin";
      if (fs::is_regular_file(ref)) EXPECT_TRUE(r3.outputs[i] == test::ReadFileBytes(ref)) << ref;
    }
  }
  EXPECT_GT(r.instructions, 0u);
  EXPECT_GT(r.stack_used, 0);
  EXPECT_LT(r.stack_used, o.stack_bytes) << "stack exhausted";
  RecordProperty("instructions", std::to_string(r.instructions));
  RecordProperty("stack_used", std::to_string(r.stack_used));
  std::printf("%s on %s: %llu instructions, stack %lld bytes, RAM %lld bytes (arena %lld), flash %lld bytes\n",
              c.model.c_str(), BoardName(c.board), static_cast<unsigned long long>(r.instructions),
              static_cast<long long>(r.stack_used), static_cast<long long>(r.build.ram_needed),
              static_cast<long long>(plan.arena_bytes), static_cast<long long>(r.sizes.flash()));
  fs::remove_all(dir);
}

std::vector<Case> Cases() {
  std::vector<Case> r;
  for (const char* m : {"person_detect", "vww_96_int8", "resnet8_cifar10_int8", "kws_dscnn_int8",
                        "zoo:nonsquare-pad-r128x160"})
    for (Board b : {Board::kAn386, Board::kAn500}) r.push_back({m, b});
  // The coverage models tessera runs (uint8 and float inputs, folded shape arithmetic, the
  // model-zoo operators), on the Cortex-M4; and SSD, whose outputs TFLM cannot give.
  for (const std::string& m : test::CoverageModelsRunning()) r.push_back({"coverage/" + m, Board::kAn386});
  r.push_back({"coverage/st_ssd_mobilenet_v1_025_192", Board::kAn386});
  return r;
}

INSTANTIATE_TEST_SUITE_P(Models, DeviceModel, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return CaseName(info.param); });

// Plans other than layer-by-layer on the device: the smallest-arena strategy ("best":
// fused PADs, in-place and overlapping buffers, searched placement) and a patch-based plan
// with PADs folded into windowed convolutions.
TEST(DeviceOtherPlans, BestAndPatchPlansEqualHost) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  Graph g;
  std::vector<std::vector<uint8_t>> inputs;
  if (!Load("mcunet_vww1_80", &g, &inputs)) GTEST_SKIP() << "../shared is absent";
  std::vector<Plan> plans;
  plans.push_back(MakePlan(g, PlanOptions::FromStrategy("best")));
  PatchConfig cfg;
  cfg.rows = cfg.cols = 3;
  cfg.fold_pads = true;
  for (const SplitPoint& sp : ValidSplits(g))
    if (sp.min_cut_h >= 6 && sp.min_cut_w >= 6) cfg.split_op = sp.last_op;
  ASSERT_GE(cfg.split_op, 0);
  plans.push_back(SchedulePatches(g, cfg));
  PlaceGreedy(plans.back());
  const std::string dir = TempDir("other_plans");
  for (const Plan& plan : plans) {
    const auto expected = RunPlan(g, plan, inputs);
    const DeviceResult r = RunOnDevice(g, plan, inputs, dir + "/" + plan.strategy);
    ASSERT_TRUE(r.build.ok) << r.build.log;
    ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
    EXPECT_EQ(r.sizes.arena, plan.arena_bytes);
    // model_invoke's frame must not grow with the number of steps (hundreds here).
    EXPECT_LT(r.stack_used, 4096) << plan.strategy << ": " << plan.steps.size() << " steps";
    EXPECT_TRUE(r.outputs == expected) << plan.strategy << ": device output differs from the host executor";
    std::printf("mcunet_vww1_80 plan '%s' on an386: arena %lld bytes, %llu instructions\n", plan.strategy.c_str(),
                static_cast<long long>(plan.arena_bytes), static_cast<unsigned long long>(r.instructions));
  }
  fs::remove_all(dir);
}

// A model with state on the device: three invokes in a row on case 0's input (state carried
// over in the generated model's state region), with the greedy and the best plan; the last
// outputs equal TFLM's (case0.invoke3.output<N>.bin) and the host executor's.
TEST(DeviceState, ThreeInvokesEqualTflm) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  const std::string model = "coverage/tflm_mnist_lstm_int8";
  Graph g;
  std::vector<std::vector<uint8_t>> inputs;
  if (!Load(model, &g, &inputs)) GTEST_SKIP() << "../shared is absent";
  const std::string dir = TempDir("state");
  for (const char* s : {"greedy", "best"}) {
    const Plan plan = MakePlan(g, PlanOptions::FromStrategy(s));
    ASSERT_GT(plan.state_bytes, 0);
    DeviceOptions o;
    o.invokes = 3;
    const DeviceResult r = RunOnDevice(g, plan, inputs, dir + "/" + s, o);
    ASSERT_TRUE(r.build.ok) << r.build.log;
    ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
    ASSERT_EQ(r.outputs.size(), g.outputs.size());
    EXPECT_TRUE(r.outputs == RunPlan(g, plan, inputs, 3)) << s << ": device output differs from the host executor";
    for (size_t n = 0; n < r.outputs.size(); ++n)
      EXPECT_EQ(r.outputs[n], test::ReadFileBytes(test::ReferenceDir(model) + "/case0.invoke3.output" +
                                                  std::to_string(n) + ".bin"))
          << s << ": output " << n << " after 3 invokes differs from TFLM's";
    std::printf("%s plan '%s' on an386, 3 invokes: arena %lld + state %lld bytes, %llu instructions (last invoke)\n",
                model.c_str(), s, static_cast<long long>(plan.arena_bytes), static_cast<long long>(plan.state_bytes),
                static_cast<unsigned long long>(r.instructions));
  }
  fs::remove_all(dir);
}

// State on the device: chained SVDFs (int16 state from zeros; int8 state with a zero point
// from a non-zero initial value, emitted as the state buffer's initializer), the best plan,
// three invokes whose outputs differ from one invoke's, device equal to the host each time.
TEST(DeviceSvdf, StateCarriesOverInvokesAsOnTheHost) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  for (bool state16 : {true, false}) {
    test::SvdfSpec s;
    s.layers = 2;
    s.input_size = 24;
    s.units = 6;
    s.rank = 2;
    s.memory = 5;
    s.state16 = state16;
    s.state_zero_point = state16 ? 0 : -17;
    s.random_initial_state = !state16;
    std::string desc;
    const Graph g = test::SvdfGraph(s, 314, &desc);
    const Plan plan = MakePlan(g, PlanOptions::FromStrategy("best"));
    std::vector<std::vector<uint8_t>> inputs = {std::vector<uint8_t>(24)};
    for (size_t i = 0; i < inputs[0].size(); ++i) inputs[0][i] = static_cast<uint8_t>(i * 37 + 5);
    const auto once = RunPlan(g, plan, inputs, 1), thrice = RunPlan(g, plan, inputs, 3);
    EXPECT_FALSE(once == thrice) << desc << ": the state made no difference";
    const std::string dir = TempDir(std::string("svdf_") + (state16 ? "s16" : "s8"));
    for (int invokes : {1, 3}) {
      DeviceOptions o;
      o.invokes = invokes;
      const DeviceResult r = RunOnDevice(g, plan, inputs, dir + "/" + std::to_string(invokes), o);
      ASSERT_TRUE(r.build.ok) << r.build.log;
      ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
      EXPECT_TRUE(r.outputs == (invokes == 1 ? once : thrice)) << desc << " after " << invokes << " invokes";
      EXPECT_GE(r.build.ram_needed, plan.arena_bytes + plan.state_bytes + o.stack_bytes);
    }
    fs::remove_all(dir);
  }
}

TEST(DeviceBudget, ArenaOneByteOverBudgetFailsToLink) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  Graph g;
  std::vector<std::vector<uint8_t>> inputs;
  if (!Load("kws_dscnn_int8", &g, &inputs)) GTEST_SKIP() << "../shared is absent";
  const Plan plan = PlanLayerByLayer(g);
  const std::string dir = TempDir("budget");
  DeviceOptions o;
  const DeviceResult fit = RunOnDevice(g, plan, inputs, dir, o);
  ASSERT_TRUE(fit.build.ok) << fit.build.log;
  ASSERT_EQ(fit.run.exit_code, 0) << fit.run.output;

  // The same firmware with an SRAM budget one byte smaller than it needs.
  DeviceOptions tight = o;
  tight.ram_bytes = fit.build.ram_needed - 1;
  const DeviceResult bad = RunOnDevice(g, plan, inputs, dir, tight);
  EXPECT_FALSE(bad.build.ok);
  EXPECT_NE(bad.build.log.find("tessera: model_arena does not fit"), std::string::npos) << bad.build.log;
  EXPECT_EQ(bad.run.exit_code, -1);  // never ran
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tessera
