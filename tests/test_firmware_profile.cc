// Per-step instruction counts on the emulated device (CodegenOptions::profile, tessera
// codegen --profile): firmware generated with profiling prints the host executor's output
// bytes, one count per plan step, and the counts add up to the instructions the driver measures
// around the whole invoke (they telescope: one clock read between consecutive steps); the
// profiling itself costs little next to the plain build's count.
#include <gtest/gtest.h>

#include <filesystem>

#include "codegen/device.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "schedule/patch.h"
#include "support/paths.h"
#include "tflite/reader.h"
#include "zoo/zoo.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const std::string& name) { return test::FreshTempDir("fwprof_" + name); }

void CheckProfile(const Graph& g, const Plan& plan, const std::vector<std::vector<uint8_t>>& inputs,
                  const std::string& name) {
  const auto expected = RunPlan(g, plan, inputs);
  const std::string dir = TempDir(name);
  DeviceOptions plain;
  const DeviceResult r0 = RunOnDevice(g, plan, inputs, dir + "/plain", plain);
  ASSERT_TRUE(r0.build.ok) << r0.build.log;
  ASSERT_EQ(r0.run.exit_code, 0) << r0.run.output;
  DeviceOptions prof;
  prof.profile = true;
  const DeviceResult r1 = RunOnDevice(g, plan, inputs, dir + "/profile", prof);
  ASSERT_TRUE(r1.build.ok) << r1.build.log;
  ASSERT_EQ(r1.run.exit_code, 0) << r1.run.output;
  EXPECT_TRUE(r0.outputs == expected) << name << ": plain build differs from the host executor";
  EXPECT_TRUE(r1.outputs == expected) << name << ": profiled build differs from the host executor";
  ASSERT_EQ(r1.step_instructions.size(), plan.steps.size());
  uint64_t sum = 0;
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    sum += r1.step_instructions[s];
    const Step& st = plan.steps[s];
    // A convolution over a window runs far more than one clock tick (40 instructions).
    if (st.kind == StepKind::kOp && (g.ops[st.op].type == OpType::kConv2D ||
                                     g.ops[st.op].type == OpType::kDepthwiseConv2D)) {
      EXPECT_GT(r1.step_instructions[s], 40u) << name << ": step " << s;
    }
  }
  // The driver's count brackets the invoke: the steps' sum misses only the call, the first
  // clock read and the return (a few hundred instructions at 40-instruction resolution).
  EXPECT_LE(sum, r1.instructions) << name;
  EXPECT_GE(sum + 400, r1.instructions) << name << ": per-step counts do not add up to the total";
  // Profiling adds about one clock read per step.
  EXPECT_GE(r1.instructions, r0.instructions) << name;
  EXPECT_LE(r1.instructions, r0.instructions + 200 * plan.steps.size() + 400) << name;
  EXPECT_NE(r1.profile_table.find("profile type CONV_2D"), std::string::npos) << r1.profile_table;
  std::printf("%s: %zu steps, plain %llu instructions, profiled %llu, per-step sum %llu\n", name.c_str(),
              plan.steps.size(), static_cast<unsigned long long>(r0.instructions),
              static_cast<unsigned long long>(r1.instructions), static_cast<unsigned long long>(sum));
  fs::remove_all(dir);
}

TEST(FirmwareProfile, ZooPatchPlanStepsAddUp) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  const Graph g = BuildZooModel("resnet8-cifar10");
  PatchConfig cfg;
  cfg.rows = cfg.cols = 2;
  cfg.fold_pads = true;
  for (const SplitPoint& sp : ValidSplits(g))
    if (sp.min_cut_h >= 4 && sp.min_cut_w >= 4) cfg.split_op = sp.last_op;
  ASSERT_GE(cfg.split_op, 0);
  Plan plan = SchedulePatches(g, cfg);
  PlaceGreedy(plan);
  std::vector<std::vector<uint8_t>> inputs;
  for (int t : g.inputs) {
    std::vector<uint8_t> b(static_cast<size_t>(g.tensors[t].num_bytes()));
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i * 37 + 11);
    inputs.push_back(std::move(b));
  }
  CheckProfile(g, plan, inputs, "zoo_resnet8_patch");
}

TEST(FirmwareProfile, SharedModelLayerByLayerStepsAddUp) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  TESSERA_REQUIRE_SHARED();
  const Graph g = ReadTflite(test::SharedModel("kws_dscnn_int8"));
  const std::vector<std::vector<uint8_t>> inputs{
      test::ReadFileBytes(test::ReferenceDir("kws_dscnn_int8") + "/case0.input.bin")};
  CheckProfile(g, PlanLayerByLayer(g), inputs, "kws_layers");
}

}  // namespace
}  // namespace tessera
