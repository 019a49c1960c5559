// Memory regions on the emulated Cortex-M7 (QEMU mps2-an500): person_detect, whose smallest
// single-arena plan (14,176 bytes) exceeds every region, distributed over three regions
// (tessera plan --memory DTCM:12KiB:fast,SRAM1:8KiB,SRAM2:8KiB, the search's choice); the
// generated code keeps one
// arena per region in section .bss.tessera_arena.<region>, the linker script (firmware/build.sh
// --region) puts each in its own bank at 0x20100000 + r MiB; the outputs equal the host
// executor's single-region layer-by-layer bytes, and the link fails when any used region's
// bank is one byte smaller than its arena.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "codegen/codegen.h"
#include "codegen/device.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "memory/regions.h"
#include "search/search.h"
#include "support/paths.h"
#include "tflite/reader.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

TEST(FirmwareRegions, PersonDetectInThreeRegionsRunsAndLinksOnlyWhenEachFits) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  TESSERA_REQUIRE_SHARED();
  const Graph g = ReadTflite(test::SharedModel("person_detect"));
  const std::vector<MemoryRegion> regions = {
      {"DTCM", 12 * 1024, true}, {"SRAM1", 8 * 1024, false}, {"SRAM2", 8 * 1024, false}};
  SearchOptions so;
  const SearchResult sr = SearchPlansInRegions(g, so, regions);
  ASSERT_TRUE(sr.feasible) << sr.explanation;
  const Plan& plan = sr.plan;
  ASSERT_EQ(plan.regions, regions);
  ASSERT_TRUE(CheckPlan(g, plan).ok);
  int used = 0;
  for (size_t r = 0; r < regions.size(); ++r) {
    EXPECT_LE(plan.region_bytes[r], regions[r].bytes);
    used += plan.region_bytes[r] > 0;
  }
  EXPECT_GE(used, 2) << "the plan should need more than one region";
  const std::vector<std::vector<uint8_t>> inputs = {
      test::ReadFileBytes(test::ReferenceDir("person_detect") + "/case0.input.bin")};
  const auto expected = RunPlan(g, PlanLayerByLayer(g), inputs);
  ASSERT_EQ(RunPlan(g, plan, inputs), expected) << "host executor, regions vs one arena";

  const std::string dir = test::FreshTempDir("fw_regions");
  DeviceOptions o;
  o.board = Board::kAn500;
  const DeviceResult d = RunOnDevice(g, plan, inputs, dir, o);
  ASSERT_TRUE(d.build.ok) << d.build.log;
  ASSERT_EQ(d.run.exit_code, 0) << d.run.output;
  ASSERT_EQ(d.outputs, expected) << "device outputs differ from the host's";
  // The header documents each region's section and size.
  std::string header;
  {
    const std::vector<uint8_t> h = test::ReadFileBytes(dir + "/generated/model.h");
    header.assign(h.begin(), h.end());
  }
  for (size_t r = 0; r < regions.size(); ++r) {
    EXPECT_NE(header.find("section .bss.tessera_arena." + regions[r].name), std::string::npos) << header;
    EXPECT_NE(header.find("#define MODEL_ARENA_" + regions[r].name + "_BYTES " + std::to_string(plan.region_bytes[r])),
              std::string::npos)
        << header;
  }

  // The same sources with each used region's bank one byte too small: the link fails.
  FirmwareBuild b;
  b.board = Board::kAn500;
  b.sources = GeneratedSources(GenerateC(g, plan, dir + "/regen"));
  b.sources.push_back(dir + "/main.c");
  b.include_dirs = {dir + "/regen"};
  b.regions = DeviceRegionBanks(plan);
  const FirmwareBuildResult exact = BuildFirmware(b, dir + "/exact.elf");
  ASSERT_TRUE(exact.ok) << exact.log;
  int tried = 0;
  for (size_t r = 0; r < regions.size(); ++r) {
    if (plan.region_bytes[r] == 0) continue;
    FirmwareBuild tight = b;
    tight.regions[r] = DeviceRegionBanks(plan, 1)[r];
    const FirmwareBuildResult bad = BuildFirmware(tight, dir + "/tight.elf");
    EXPECT_FALSE(bad.ok) << regions[r].name << " one byte too small still linked";
    EXPECT_NE(bad.log.find("TS_REGION_" + regions[r].name), std::string::npos) << bad.log;
    ++tried;
  }
  EXPECT_GE(tried, 2);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tessera
