// Fast weights (plan.h PinnedWeight, memory/regions.h PinHotWeights, tessera codegen
// --fast-weights): the hottest filters copied into a fast memory region beyond its arena peak.
// The plan counts them in the region, the checker treats their bytes as occupied at every step
// (mutations), the plan JSON keeps them, too little room is refused with the numbers, and the
// generated C (host compiler, the first invoke copying them) and the emulated Cortex-M4 (the
// driver calling model_init() first) give the layer-by-layer plan's output bytes; under the
// cycle model the pinned filters' reads leave flash (fewer flash reads, fewer cycles at W > 0).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/checker.h"
#include "codegen/codegen.h"
#include "codegen/device.h"
#include "exec/executor.h"
#include "memory/regions.h"
#include "plan/plan_json.h"
#include "search/search.h"
#include "support/cli.h"
#include "support/paths.h"
#include "support/plan_sweep.h"
#include "tflite/reader.h"

namespace tessera {
namespace {

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// kws_dscnn_int8 layer by layer over FAST (its arena + `room` bytes, fast) and SLOW (its arena).
struct Case {
  Graph g;
  Plan single, plan;
  std::vector<std::vector<uint8_t>> inputs;
};

Case KwsCase(int64_t room) {
  Case c;
  c.g = ReadTflite(test::SharedModel("kws_dscnn_int8"));
  c.inputs = {test::ReadFileBytes(test::ReferenceDir("kws_dscnn_int8") + "/case0.input.bin")};
  c.single = BuildStreamPlan(c.g, StreamConfig{}, true);
  c.plan = c.single;
  const RegionPlacement rp = PlaceInRegions(
      c.g, c.plan, {{"FAST", c.single.arena_bytes + room, true}, {"SLOW", c.single.arena_bytes, false}});
  EXPECT_TRUE(rp.fits) << rp.why;
  return c;
}

TEST(FastWeights, PinsTheMostReadFiltersWithinTheRoomAndChecks) {
  TESSERA_REQUIRE_SHARED();
  Case c = KwsCase(16 * 1024);
  const int64_t before = c.plan.region_bytes[0];
  const PinnedWeightsResult pr = PinHotWeights(c.g, c.plan, "FAST");
  ASSERT_FALSE(c.plan.pinned_weights.empty());
  EXPECT_EQ(pr.room, c.plan.regions[0].bytes - (before + 15) / 16 * 16);
  EXPECT_LE(c.plan.region_bytes[0], c.plan.regions[0].bytes);
  EXPECT_EQ(c.plan.region_bytes[0], before + pr.bytes);
  EXPECT_EQ(c.plan.arena_bytes, c.plan.region_bytes[0] + c.plan.region_bytes[1]);
  EXPECT_GT(pr.read_bytes, 0);
  EXPECT_LE(pr.read_bytes, pr.all_read_bytes);
  for (const PinnedWeight& w : c.plan.pinned_weights) {
    EXPECT_EQ(w.region, 0);
    EXPECT_GE(w.offset, before);
    EXPECT_EQ(w.offset % kPinnedAlignment, 0);
    EXPECT_TRUE(c.g.tensors[w.tensor].is_const);
    EXPECT_EQ(w.bytes, static_cast<int64_t>(c.g.tensors[w.tensor].data.size()));
  }
  const CheckResult cr = CheckPlan(c.g, c.plan);
  ASSERT_TRUE(cr.ok) << cr.message;
  // The host executor ignores where weights live: the same bytes.
  EXPECT_EQ(RunPlan(c.g, c.plan, c.inputs), RunPlan(c.g, c.single, c.inputs));
  // A budget: at most that many bytes more.
  Case b = KwsCase(16 * 1024);
  const int64_t b0 = b.plan.region_bytes[0];
  const PinnedWeightsResult small = PinHotWeights(b.g, b.plan, "FAST", 2048);
  EXPECT_LE(b.plan.region_bytes[0] - b0, 2048);
  EXPECT_LT(small.read_bytes, pr.read_bytes);
  EXPECT_TRUE(CheckPlan(b.g, b.plan).ok);
}

TEST(FastWeights, TooLittleRoomIsRefusedWithTheNumbers) {
  TESSERA_REQUIRE_SHARED();
  Case c = KwsCase(1024);
  const Plan before = c.plan;
  std::string e = ErrorOf([&] { PinHotWeights(c.g, c.plan, "FAST", 4096); });
  EXPECT_NE(e.find("region 'FAST' holds"), std::string::npos) << e;
  EXPECT_NE(e.find("4096 bytes of weights do not fit"), std::string::npos) << e;
  e = ErrorOf([&] { PinHotWeights(c.g, c.plan, "ITCM"); });
  EXPECT_NE(e.find("no memory region 'ITCM' (its regions: FAST, SLOW)"), std::string::npos) << e;
  // A region with no room at all beyond its arena.
  Case full = KwsCase(0);
  full.plan.regions[0].bytes = full.plan.region_bytes[0];
  e = ErrorOf([&] { PinHotWeights(full.g, full.plan, "FAST"); });
  EXPECT_NE(e.find("no filter fits region 'FAST'"), std::string::npos) << e;
  // A plan without regions.
  Plan one = c.single;
  e = ErrorOf([&] { PinHotWeights(c.g, one, "FAST"); });
  EXPECT_NE(e.find("plan with --memory"), std::string::npos) << e;
  EXPECT_EQ(c.plan.region_bytes, before.region_bytes);  // refused: unchanged
  EXPECT_TRUE(c.plan.pinned_weights.empty());
  // On the command line: a clear error and a failing exit status.
  const std::string dir = test::FreshTempDir("fast_weights_cli");
  const std::string model = test::SharedModel("person_detect");
  const test::CliResult r = test::RunCli("codegen " + model + " -o " + dir +
                                         " --memory DTCM:64KiB:fast,SRAM1:64KiB --fast-weights DTCM:40KiB");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("40960 bytes of weights do not fit"), std::string::npos) << r.output;
  const test::CliResult ok =
      test::RunCli("codegen " + model + " -o " + dir + " --memory DTCM:64KiB:fast,SRAM1:64KiB --fast-weights DTCM");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("fast weights: "), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("checked"), std::string::npos) << ok.output;
  std::filesystem::remove_all(dir);
}

TEST(FastWeights, CheckerTreatsPinnedBytesAsOccupiedAtEveryStep) {
  TESSERA_REQUIRE_SHARED();
  Case c = KwsCase(16 * 1024);
  PinHotWeights(c.g, c.plan, "FAST");
  ASSERT_TRUE(CheckPlan(c.g, c.plan).ok);
  const PinnedWeight w0 = c.plan.pinned_weights[0];
  // A buffer of the region moved onto the pinned bytes (whatever its lifetime).
  {
    Plan bad = c.plan;
    int moved = -1;
    for (size_t b = 0; b < bad.buffers.size(); ++b)
      if (!bad.buffers[b].external && bad.buffers[b].region == 0 && bad.buffers[b].bytes > 0) {
        bad.buffers[b].offset = w0.offset;
        if (bad.buffers[b].offset + bad.buffers[b].bytes <= bad.region_bytes[0]) {
          moved = static_cast<int>(b);
          break;
        }
        bad.buffers[b].offset = c.plan.buffers[b].offset;
      }
    ASSERT_GE(moved, 0);
    const CheckResult r = CheckPlan(c.g, bad);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.failure, CheckFailure::kBounds);
    EXPECT_NE(r.message.find("overlaps pinned weight 0"), std::string::npos) << r.message;
  }
  // Beyond the region's arena, misaligned, a wrong size, a tensor that is not constant, twice.
  auto rejects = [&](const std::function<void(Plan&)>& mutate, const std::string& want) {
    Plan bad = c.plan;
    mutate(bad);
    const CheckResult r = CheckPlan(c.g, bad);
    EXPECT_FALSE(r.ok) << want;
    EXPECT_NE(r.message.find(want), std::string::npos) << r.message;
  };
  rejects([&](Plan& p) { p.pinned_weights[0].offset = p.region_bytes[0] - w0.bytes + 16; }, "occupies bytes");
  rejects([&](Plan& p) { p.pinned_weights[0].offset += 4; }, "multiples of 16");
  rejects([&](Plan& p) { p.pinned_weights[0].bytes -= 1; }, "but the tensor has");
  rejects([&](Plan& p) { p.pinned_weights[0].tensor = c.g.inputs[0]; }, "not a constant tensor");
  rejects([&](Plan& p) { p.pinned_weights.push_back(p.pinned_weights[0]); }, "pinned twice");
  rejects([&](Plan& p) { p.pinned_weights[0].region = 5; }, "is in region 5");
  if (c.plan.pinned_weights.size() >= 2)
    rejects([&](Plan& p) { p.pinned_weights[1].offset = p.pinned_weights[0].offset; }, "overlap in region");
}

TEST(FastWeights, PlanJsonKeepsPinnedWeights) {
  TESSERA_REQUIRE_SHARED();
  Case c = KwsCase(16 * 1024);
  PinHotWeights(c.g, c.plan, "FAST");
  const Plan back = PlanFromJson(PlanToJson(c.plan, &c.g), &c.g);
  EXPECT_EQ(back.pinned_weights, c.plan.pinned_weights);
  EXPECT_EQ(back.region_bytes, c.plan.region_bytes);
  EXPECT_FALSE(PlanToJson(c.single, &c.g).contains("pinned_weights"));
  nlohmann::json bad = PlanToJson(c.plan, &c.g);
  bad["pinned_weights"][0] = nlohmann::json::array({1, 0, 0});
  EXPECT_NE(ErrorOf([&] { PlanFromJson(bad, &c.g); }).find("[tensor, region, offset, bytes]"), std::string::npos);
}

TEST(FastWeights, GeneratedCOnTheHostIsBitExact) {
  TESSERA_REQUIRE_SHARED();
  Case c = KwsCase(16 * 1024);
  PinHotWeights(c.g, c.plan, "FAST");
  ASSERT_TRUE(CheckPlan(c.g, c.plan).ok);
  const std::vector<std::vector<uint8_t>> expected = RunPlan(c.g, c.single, c.inputs);
  std::vector<uint8_t> out;
  ASSERT_EQ(test::RunGeneratedOnHost(c.g, c.plan, c.inputs[0], &out, "fast_weights"), 0);
  std::vector<uint8_t> flat;
  for (const auto& o : expected) flat.insert(flat.end(), o.begin(), o.end());
  EXPECT_EQ(out, flat);
  // The generated code reads the pinned filters from the region and copies them there once.
  const std::string dir = test::FreshTempDir("fast_weights_gen");
  CodegenOptions co;
  co.copy_kernels = false;
  GenerateC(c.g, c.plan, dir, co);
  const std::vector<uint8_t> src = test::ReadFileBytes(dir + "/model.c");
  const std::string text(src.begin(), src.end());
  const PinnedWeight& w = c.plan.pinned_weights[0];
  EXPECT_NE(text.find("memcpy(model_arena_FAST + " + std::to_string(w.offset) + ", "), std::string::npos);
  EXPECT_NE(text.find("((const int8_t*)(model_arena_FAST + " + std::to_string(w.offset) + "))"), std::string::npos);
  EXPECT_NE(text.find("if (!model_initialized) model_init();"), std::string::npos);
  std::filesystem::remove_all(dir);
}

// On the emulated Cortex-M4: bit-exact, and under the cycle model the pinned filters' reads
// leave flash: fewer flash reads, the same cycles at W = 0 but for the kernels' own pointer
// arithmetic (within 1%), fewer at W = 5.
TEST(FastWeights, EmulatedCortexM4IsBitExactAndReadsLessFlash) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  if (!std::filesystem::exists(CyclePluginPath())) GTEST_SKIP() << "no cycle-model plugin at " << CyclePluginPath();
  TESSERA_REQUIRE_SHARED();
  const Case base = KwsCase(16 * 1024);
  Case c = KwsCase(16 * 1024);
  PinHotWeights(c.g, c.plan, "FAST");
  const auto expected = RunPlan(c.g, c.single, c.inputs);
  const std::string dir = test::FreshTempDir("fw_fast_weights");
  DeviceOptions o;
  o.cycles = true;
  const DeviceResult without = RunOnDevice(base.g, base.plan, base.inputs, dir + "/without", o);
  const DeviceResult with = RunOnDevice(c.g, c.plan, c.inputs, dir + "/with", o);
  ASSERT_TRUE(with.build.ok) << with.build.log;
  ASSERT_EQ(with.run.exit_code, 0) << with.run.output;
  EXPECT_EQ(with.outputs, expected);
  ASSERT_EQ(without.run.exit_code, 0) << without.run.output;
  EXPECT_EQ(without.outputs, expected);
  const CycleCounts& a = without.cycle_model.inference;
  const CycleCounts& b = with.cycle_model.inference;
  EXPECT_LT(b.wait_units, a.wait_units);
  EXPECT_LT(b.CyclesAt(5), a.CyclesAt(5));
  EXPECT_LE(b.cycles, a.cycles + a.cycles / 100);
  EXPECT_GE(b.cycles + a.cycles / 100, a.cycles);
  std::printf("kws_dscnn_int8 with %zu filters in FAST: flash wait units %llu -> %llu, cycles W=0 %llu -> %llu, "
              "W=5 %llu -> %llu\n",
              c.plan.pinned_weights.size(), static_cast<unsigned long long>(a.wait_units),
              static_cast<unsigned long long>(b.wait_units), static_cast<unsigned long long>(a.cycles),
              static_cast<unsigned long long>(b.cycles), static_cast<unsigned long long>(a.CyclesAt(5)),
              static_cast<unsigned long long>(b.CyclesAt(5)));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tessera
