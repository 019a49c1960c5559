// The kernels' Cortex-M DSP paths on the emulated devices: firmware built for mps2-an386
// (Cortex-M4F) and mps2-an500 (Cortex-M7), where __ARM_FEATURE_DSP selects the SMLAD paths of
// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED, must print the host executor's output
// bytes (the portable kernels) for the shared models and a zoo MobileNetV2, with the
// layer-by-layer plan (the autoencoder ad01 with it only) and with a patch-based plan
// (in-place placement, PADs folded into windowed convolutions). The firmware is checked to
// contain SMLAD instructions, and a TS_NO_DSP build of one model (the portable loops on the
// device) gives the same bytes.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <ostream>

#include "codegen/device.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "schedule/patch.h"
#include "schedule/patch_plan.h"
#include "support/device_cases.h"
#include "support/paths.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string model;  // shared model stem, or "zoo:<name>"
  Board board;
  bool patch;  // patch-based plan, else layer by layer
};

std::string CaseName(const Case& c) {
  return test::DeviceCaseStem(c.model) + "_" + BoardName(c.board) + (c.patch ? "_patch" : "_layers");
}

void PrintTo(const Case& c, std::ostream* os) { *os << CaseName(c); }

std::string TempDir(const std::string& name) { return test::FreshTempDir("fwdsp_" + name); }

// The model and its fixed input (test::LoadDeviceModel).
bool Load(const std::string& model, Graph* g, std::vector<std::vector<uint8_t>>* inputs) {
  return test::LoadDeviceModel(model, 4321, g, inputs);
}

// A patch plan: 2x2 patches, PADs folded, in-place placement (outputs over dying inputs, so the
// kernels see overlapping buffers too).
Plan PatchPlan(const Graph& g) {
  PatchPlanOptions o;
  ParsePatchStrategy("best", &o);
  o.patch.rows = o.patch.cols = 2;
  // Among splits with a cut of at least 4x4 whose patches recompute at most 25% more MACs
  // (EstimatePatchCost), the one with the fewest assembled bytes.
  int64_t best_cut = -1;
  for (const SplitPoint& sp : ValidSplits(g)) {
    if (sp.min_cut_h < 4 || sp.min_cut_w < 4) continue;
    PatchConfig cfg = o.patch;
    cfg.split_op = sp.last_op;
    if (EstimatePatchCost(g, cfg).overall_overhead() > 0.25) continue;
    if (best_cut < 0 || sp.cut_bytes < best_cut) {
      best_cut = sp.cut_bytes;
      o.patch.split_op = sp.last_op;
    }
  }
  if (o.patch.split_op < 0) throw Error("no split point with a 4x4 cut and at most 25% extra MACs");
  return PlanPatches(g, o);
}

class DspDevice : public ::testing::TestWithParam<Case> {};

TEST_P(DspDevice, OutputEqualsHostExecutor) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  const Case& c = GetParam();
  Graph g;
  std::vector<std::vector<uint8_t>> inputs;
  if (!Load(c.model, &g, &inputs)) GTEST_SKIP() << "../shared is absent";
  const Plan plan = c.patch ? PatchPlan(g) : PlanLayerByLayer(g);
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
  EXPECT_EQ(r.sizes.arena, plan.arena_bytes);
  EXPECT_LT(r.stack_used, o.stack_bytes) << "stack exhausted";
  // The DSP paths are in the image.
  const ShellResult dis = RunShell("arm-none-eabi-objdump -d " + ShellQuote(r.elf) + " | grep -c smlad");
  EXPECT_GT(std::atoi(dis.output.c_str()), 0) << "no SMLAD in the firmware";
  std::printf("%s: plan '%s' (%zu steps, arena %lld bytes): %llu instructions, stack %lld bytes\n",
              CaseName(c).c_str(), plan.strategy.c_str(), plan.steps.size(),
              static_cast<long long>(plan.arena_bytes), static_cast<unsigned long long>(r.instructions),
              static_cast<long long>(r.stack_used));
  fs::remove_all(dir);
}

std::vector<Case> Cases() {
  std::vector<Case> r;
  for (const char* m : {"person_detect", "vww_96_int8", "resnet8_cifar10_int8", "kws_dscnn_int8",
                        "zoo:mobilenetv2-w0.35-r96"})
    for (Board b : {Board::kAn386, Board::kAn500})
      for (bool patch : {false, true}) r.push_back({m, b, patch});
  // The autoencoder (ten FULLY_CONNECTED layers, the four-row assembly path; no spatial split
  // point, so layer by layer only).
  for (Board b : {Board::kAn386, Board::kAn500}) r.push_back({"ad01_fc_autoencoder_int8", b, false});
  return r;
}

INSTANTIATE_TEST_SUITE_P(Models, DspDevice, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return CaseName(info.param); });

// TS_NO_DSP keeps the portable loops on the device: no SMLAD, same bytes.
TEST(DspDeviceBuild, NoDspBuildIsPortableAndEqual) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  Graph g;
  std::vector<std::vector<uint8_t>> inputs;
  if (!Load("kws_dscnn_int8", &g, &inputs)) GTEST_SKIP() << "../shared is absent";
  const Plan plan = PlanLayerByLayer(g);
  const auto expected = RunPlan(g, plan, inputs);
  const std::string dir = TempDir("nodsp");
  DeviceOptions o;
  o.defines = {"TS_NO_DSP"};
  const DeviceResult r = RunOnDevice(g, plan, inputs, dir, o);
  ASSERT_TRUE(r.build.ok) << r.build.log;
  ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
  EXPECT_TRUE(r.outputs == expected);
  const ShellResult dis = RunShell("arm-none-eabi-objdump -d " + ShellQuote(r.elf) + " | grep -c smlad");
  EXPECT_EQ(std::atoi(dis.output.c_str()), 0) << "SMLAD in a TS_NO_DSP firmware";
  fs::remove_all(dir);
}

// A debug build (-O0) of the user's firmware: GCC then keeps r7 as the frame pointer and cannot
// allocate the register-hungry assembly blocks, which arm_dsp.h's TS_DSP_ASM leaves out there
// (their C forms run instead). Every kernel source is compiled into the image; the outputs are
// the same bytes: an int8 model (convolution, the depthwise channel-plane path, FULLY_CONNECTED)
// and a 16x8 convolution (dsp_dot16.h).
TEST(DspDeviceBuild, DebugBuildAtO0CompilesAndIsEqual) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  for (const char* m : {"kws_dscnn_int8", "coverage/seanet_int16_conv0"}) {
    SCOPED_TRACE(m);
    Graph g;
    std::vector<std::vector<uint8_t>> inputs;
    if (!Load(m, &g, &inputs)) GTEST_SKIP() << "../shared is absent";
    const Plan plan = PlanLayerByLayer(g);
    const std::string dir = TempDir("o0");
    DeviceOptions o;
    o.opt = "-O0";
    const DeviceResult r = RunOnDevice(g, plan, inputs, dir, o);
    ASSERT_TRUE(r.build.ok) << r.build.log;
    ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
    EXPECT_TRUE(r.outputs == RunPlan(g, plan, inputs));
    fs::remove_all(dir);
  }
}

}  // namespace
}  // namespace tessera
