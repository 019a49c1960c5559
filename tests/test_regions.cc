// Memory regions (plan.h MemoryRegion, memory/regions.h): --memory parsing, the plan JSON,
// the checker's per-region rules (mutations), and a property test: random graphs and random
// region lists, every distributed plan checked and run bit-exact against the single-region
// layer-by-layer plan.
#include <gtest/gtest.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/checker.h"
#include "codegen/codegen.h"
#include "support/cli.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "memory/regions.h"
#include "plan/plan_json.h"
#include "plan/strategy.h"
#include "search/search.h"
#include "schedule/patch.h"
#include "support/paths.h"
#include "support/random_graphs.h"
#include "tflite/reader.h"
#include "zoo/builder.h"
#include "zoo/zoo.h"

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

// --memory on the command line (cli/options.cc ParseMemoryRegions): good lists plan, bad ones
// exit 2 with what is wrong.
TEST(Regions, MemoryOptionOnTheCommandLine) {
  const std::string m = "zoo:resnet8-cifar10";
  const test::CliResult ok = test::RunCli("plan " + m + " -q --memory DTCM:64KiB:fast,SRAM1:240KiB,SRAM2:16384B");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("region DTCM "), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("of 65536 bytes"), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("region SRAM2 "), std::string::npos) << ok.output;
  EXPECT_NE(ok.output.find("checker          ok"), std::string::npos) << ok.output;
  auto bad = [&](const std::string& spec, const std::string& want) {
    const test::CliResult r = test::RunCli("plan " + m + " -q --memory '" + spec + "'");
    EXPECT_EQ(r.exit_code, 2) << spec << ": " << r.output;
    EXPECT_NE(r.output.find(want), std::string::npos) << spec << ": " << r.output;
  };
  bad("DTCM", "expected NAME:SIZE");
  bad("DTCM:12QB", "byte count");
  bad("DTCM:0", "size 0");
  bad("A:1KiB,A:2KiB", "appears twice");
  bad("A:1KiB:turbo", "'fast' or 'slow'");
  bad("9A:1KiB", "C identifier");
  bad("A:1KiB,,B:1KiB", "expected NAME:SIZE");
  bad("A:1KiB:fast:x", "expected NAME:SIZE");
  // Too small: exit 1 with the reason (the largest buffer fits no region).
  const test::CliResult small = test::RunCli("plan " + m + " -q --memory A:1KiB:fast,B:1KiB");
  EXPECT_EQ(small.exit_code, 1) << small.output;
  EXPECT_NE(small.output.find("no plan fits the memory regions"), std::string::npos) << small.output;
}

// A random graph whose layer-by-layer plan, distributed over a fast region as large as its
// largest buffer and a slow one as large as its arena, uses both regions.
struct TwoRegionCase {
  Graph g;
  Plan single, plan;
};

TwoRegionCase FindTwoRegionCase() {
  for (int i = 0; i < 200; ++i) {
    TwoRegionCase c;
    c.g = test::RandomGraph(test::CaseSeed(0x4e610u, i));
    c.single = BuildStreamPlan(c.g, StreamConfig{}, true);
    int64_t largest = 0;
    for (const Buffer& b : c.single.buffers) largest = std::max(largest, b.bytes);
    c.plan = c.single;
    const RegionPlacement rp =
        PlaceInRegions(c.g, c.plan, {{"FAST", largest, true}, {"SLOW", c.single.arena_bytes, false}});
    if (!rp.fits) continue;
    bool used[2] = {false, false};
    for (const Buffer& b : c.plan.buffers) used[b.region] = true;
    if (used[0] && used[1] && c.plan.buffers.size() >= 4) return c;
  }
  ADD_FAILURE() << "no random graph used both regions";
  return {};
}

TEST(Regions, PlanJsonRoundTripsRegions) {
  const TwoRegionCase c = FindTwoRegionCase();
  ASSERT_FALSE(c.plan.regions.empty());
  const Plan back = PlanFromJson(PlanToJson(c.plan, &c.g), &c.g);
  EXPECT_EQ(back.regions, c.plan.regions);
  EXPECT_EQ(back.region_bytes, c.plan.region_bytes);
  ASSERT_EQ(back.buffers.size(), c.plan.buffers.size());
  for (size_t b = 0; b < back.buffers.size(); ++b) {
    EXPECT_EQ(back.buffers[b].region, c.plan.buffers[b].region);
    EXPECT_EQ(back.buffers[b].offset, c.plan.buffers[b].offset);
  }
  for (size_t s = 0; s < back.steps.size(); ++s) EXPECT_EQ(back.steps[s].workspace, c.plan.steps[s].workspace);
  // A plan without regions writes none and reads back without any (old files: one arena).
  const nlohmann::json j = PlanToJson(c.single, &c.g);
  EXPECT_FALSE(j.contains("regions"));
  for (const auto& b : j["buffers"]) EXPECT_FALSE(b.contains("region"));
  EXPECT_TRUE(PlanFromJson(j, &c.g).regions.empty());
  // The regions' total must be arena_bytes; a region's use at most its size.
  nlohmann::json bad = PlanToJson(c.plan, &c.g);
  bad["arena_bytes"] = c.plan.arena_bytes + 1;
  EXPECT_NE(ErrorOf([&] { PlanFromJson(bad, &c.g); }).find("in all"), std::string::npos);
  bad = PlanToJson(c.plan, &c.g);
  bad["regions"][0][3] = c.plan.regions[0].bytes + 1;
  EXPECT_NE(ErrorOf([&] { PlanFromJson(bad, &c.g); }), "");
}

TEST(Regions, CheckerAcceptsAndExecutorMatchesSingleRegion) {
  const TwoRegionCase c = FindTwoRegionCase();
  ASSERT_FALSE(c.plan.regions.empty());
  const CheckResult cr = CheckPlan(c.g, c.plan);
  ASSERT_TRUE(cr.ok) << cr.message;
  for (int r = 0; r < 2; ++r) EXPECT_LE(c.plan.region_bytes[r], c.plan.regions[r].bytes);
  EXPECT_EQ(c.plan.arena_bytes, c.plan.region_bytes[0] + c.plan.region_bytes[1]);
  const auto inputs = test::RandomInputs(c.g, 7);
  EXPECT_EQ(RunPlan(c.g, c.plan, inputs), RunPlan(c.g, c.single, inputs));
  Executor ex(c.g, c.plan);
  EXPECT_EQ(ex.arena_bytes(), c.plan.arena_bytes);
}

TEST(Regions, CheckerRejectsABufferCrossingItsRegionsEnd) {
  const TwoRegionCase c = FindTwoRegionCase();
  ASSERT_FALSE(c.plan.regions.empty());
  int mutated = 0;
  for (size_t b = 0; b < c.plan.buffers.size(); ++b) {
    const Buffer& buf = c.plan.buffers[b];
    if (buf.external || buf.bytes < 2) continue;
    Plan m = c.plan;
    // One byte past the end of its region (the other region's bytes would follow in the flat
    // view: the bounds rule must catch it, not the replay).
    m.buffers[b].offset = m.region_bytes[buf.region] - buf.bytes + 1;
    const CheckResult r = CheckPlan(c.g, m);
    EXPECT_FALSE(r.ok) << "buffer " << b;
    EXPECT_EQ(r.failure, CheckFailure::kBounds) << r.message;
    EXPECT_NE(r.message.find("region '" + c.plan.regions[buf.region].name + "'"), std::string::npos) << r.message;
    ++mutated;
  }
  EXPECT_GT(mutated, 0);
  // A region index out of range, a region using more than it holds.
  Plan m = c.plan;
  m.buffers[0].region = 2;
  EXPECT_EQ(CheckPlan(c.g, m).failure, CheckFailure::kStructure);
  m = c.plan;
  m.region_bytes[0] = m.regions[0].bytes + 1;
  m.arena_bytes += m.regions[0].bytes + 1 - c.plan.region_bytes[0];
  EXPECT_EQ(CheckPlan(c.g, m).failure, CheckFailure::kBounds);
  // Without regions every buffer is in region 0.
  m = c.single;
  m.buffers[0].region = 1;
  EXPECT_EQ(CheckPlan(c.g, m).failure, CheckFailure::kStructure);
}

TEST(Regions, CheckerRejectsABufferMovedOverALiveBufferOfAnotherRegion) {
  // ResNet-8 layer by layer over a fast region of its largest buffer and a slow one: residual
  // branches keep buffers live across several steps.
  TwoRegionCase c;
  c.g = BuildZooModel("resnet8-cifar10");
  c.single = BuildStreamPlan(c.g, StreamConfig{}, true);
  int64_t largest = 0;
  for (const Buffer& b : c.single.buffers) largest = std::max(largest, b.bytes);
  c.plan = c.single;
  ASSERT_TRUE(PlaceInRegions(c.g, c.plan, {{"FAST", largest, true}, {"SLOW", c.single.arena_bytes, false}}).fits);
  ASSERT_TRUE(CheckPlan(c.g, c.plan).ok);
  int mutated = 0;
  // X moved onto Y's offset in Y's region, where Y was written before X's first step and is
  // read again after it: X's first write clobbers Y's first byte, which that read needs.
  for (size_t x = 0; x < c.plan.buffers.size() && mutated < 8; ++x)
    for (size_t y = 0; y < c.plan.buffers.size() && mutated < 8; ++y) {
      const Buffer &X = c.plan.buffers[x], &Y = c.plan.buffers[y];
      if (X.region == Y.region || X.external || Y.external || X.tensor == kNoTensor || Y.tensor == kNoTensor) continue;
      if (!(Y.first < X.first) || Y.offset + X.bytes > c.plan.region_bytes[Y.region]) continue;
      // X written at its first step (its producer), Y read at a later step.
      const Step& w = c.plan.steps[X.first];
      if (std::find(w.outputs.begin(), w.outputs.end(), static_cast<int>(x)) == w.outputs.end()) continue;
      if (std::find(w.inputs.begin(), w.inputs.end(), static_cast<int>(y)) != w.inputs.end()) continue;
      bool read_later = false;
      for (int s = X.first + 1; s < static_cast<int>(c.plan.steps.size()); ++s) {
        const Step& st = c.plan.steps[s];
        read_later = read_later || std::find(st.inputs.begin(), st.inputs.end(), static_cast<int>(y)) != st.inputs.end();
      }
      if (!read_later) continue;
      Plan m = c.plan;
      m.buffers[x].region = Y.region;
      m.buffers[x].offset = Y.offset;
      const CheckResult r = CheckPlan(c.g, m);
      EXPECT_FALSE(r.ok) << "buffer " << x << " moved onto buffer " << y;
      EXPECT_TRUE(r.failure == CheckFailure::kValue || r.failure == CheckFailure::kOutput) << r.message;
      ++mutated;
      // The same move within bounds but in X's own region at a free offset is no conflict
      // with Y: buffers in different regions never meet (the unmutated plan is accepted).
    }
  EXPECT_GT(mutated, 0) << "no buffer pair to mutate";
}

// The generated C: one static arena per region in its own section, the header's sizes; no
// single arena. The plan without regions keeps the one arena in .bss.tessera_arena.model.
TEST(Regions, CodegenEmitsOneArenaPerRegion) {
  const TwoRegionCase c = FindTwoRegionCase();
  ASSERT_FALSE(c.plan.regions.empty());
  const std::string dir = test::FreshTempDir("regions_codegen");
  CodegenOptions co;
  co.copy_kernels = false;
  GenerateC(c.g, c.plan, dir, co);
  auto read = [](const std::string& path) {
    const std::vector<uint8_t> b = test::ReadFileBytes(path);
    return std::string(b.begin(), b.end());
  };
  const std::string src = read(dir + "/model.c"), hdr = read(dir + "/model.h");
  for (int r = 0; r < 2; ++r) {
    const std::string name = c.plan.regions[r].name;
    EXPECT_NE(src.find("static int8_t model_arena_" + name + "[" + std::to_string(std::max<int64_t>(1, c.plan.region_bytes[r])) +
                       "] __attribute__((aligned(16), section(\".bss.tessera_arena." + name + "\")))"),
              std::string::npos)
        << src.substr(0, 2000);
    EXPECT_NE(hdr.find("#define MODEL_ARENA_" + name + "_BYTES " + std::to_string(c.plan.region_bytes[r])),
              std::string::npos)
        << hdr;
  }
  EXPECT_EQ(src.find("model_arena["), std::string::npos);
  EXPECT_NE(src.find("model_arena_FAST + "), std::string::npos);
  EXPECT_NE(src.find("model_arena_SLOW + "), std::string::npos);
  const std::string dir1 = test::FreshTempDir("regions_codegen_one");
  GenerateC(c.g, c.single, dir1, co);
  const std::string one = read(dir1 + "/model.c");
  EXPECT_NE(one.find("model_arena[" + std::to_string(std::max<int64_t>(1, c.single.arena_bytes)) +
                     "] __attribute__((aligned(16), section(\".bss.tessera_arena.model\")))"),
            std::string::npos);
  EXPECT_EQ(one.find("model_arena_"), std::string::npos);
}

TEST(Regions, DistributionFailsWithAReason) {
  const TwoRegionCase c = FindTwoRegionCase();
  ASSERT_FALSE(c.plan.regions.empty());
  int64_t largest = 0;
  for (const Buffer& b : c.single.buffers) largest = std::max(largest, b.bytes);
  Plan p = c.single;
  RegionPlacement rp = PlaceInRegions(c.g, p, {{"A", largest - 1, true}, {"B", largest - 1, false}});
  EXPECT_FALSE(rp.fits);
  EXPECT_NE(rp.why.find("largest buffer"), std::string::npos) << rp.why;
  EXPECT_TRUE(p.regions.empty()) << "a plan that does not fit is left alone";
  rp = PlaceInRegions(c.g, p, {{"A", largest, true}, {"B", 16, false}});
  if (!rp.fits) EXPECT_NE(rp.why, "");
  EXPECT_NE(ErrorOf([&] { PlaceInRegions(c.g, p, {{"A", 0, true}}); }), "");
  EXPECT_NE(ErrorOf([&] { PlaceInRegions(c.g, p, {}); }), "");
}

// The issue's example: person_detect, whose smallest single-arena plan found by the search
// exceeds the largest region (12 KiB), fits DTCM 12 KiB + SRAM1 8 KiB + SRAM2 8 KiB: the
// search chooses a schedule, every region holds its arena, the checker accepts the plan and
// the host executor computes the single-region layer-by-layer bytes.
TEST(Regions, PersonDetectSearchFitsThreeSmallRegions) {
  TESSERA_REQUIRE_SHARED();
  const Graph g = ReadTflite(test::SharedModel("person_detect"));
  const std::vector<MemoryRegion> regions = {
      {"DTCM", 12 * 1024, true}, {"SRAM1", 8 * 1024, false}, {"SRAM2", 8 * 1024, false}};
  SearchOptions so;
  const SearchResult single = SearchPlans(g, so);  // no budget: the smallest single arena
  ASSERT_TRUE(single.feasible);
  EXPECT_GT(single.plan.arena_bytes, 12 * 1024) << "the example needs a plan larger than every region";
  RegionPlacement rp;
  const SearchResult r = SearchPlansInRegions(g, so, regions, &rp);
  ASSERT_TRUE(r.feasible) << r.explanation;
  EXPECT_TRUE(rp.fits);
  for (size_t k = 0; k < regions.size(); ++k) EXPECT_LE(r.plan.region_bytes[k], regions[k].bytes);
  const CheckResult cr = CheckPlan(g, r.plan);
  ASSERT_TRUE(cr.ok) << cr.message;
  const std::vector<std::vector<uint8_t>> inputs = {
      test::ReadFileBytes(test::ReferenceDir("person_detect") + "/case0.input.bin")};
  EXPECT_EQ(RunPlan(g, r.plan, inputs), RunPlan(g, PlanLayerByLayer(g), inputs));
  std::printf("[ regions ] person_detect: %s, %lld MACs, regions %lld/%lld/%lld bytes\n",
              StreamSpecString(r.chosen.config).c_str(), static_cast<long long>(r.chosen.macs),
              static_cast<long long>(r.plan.region_bytes[0]), static_cast<long long>(r.plan.region_bytes[1]),
              static_cast<long long>(r.plan.region_bytes[2]));
}

// Random graphs x random schedules x random region lists: every plan the distribution
// returns fits its regions, is accepted by the checker and computes the layer-by-layer bytes.
TEST(Regions, PropertyRandomRegionListsAreCheckedAndExact) {
  int n = 120;
  if (const char* s = std::getenv("TESSERA_PROPERTY_CASES"); s && *s) n = std::atoi(s);
  int fitted = 0, multi = 0, tried = 0;
  test::RandomGraphOptions go;
  go.min_hw = 6;
  for (int i = 0; i < n; ++i) {
    const uint64_t seed = test::CaseSeed(0x4e6105u, i);
    const Graph g = test::RandomGraph(seed, go);
    char trace[64];
    std::snprintf(trace, sizeof trace, "seed 0x%016" PRIx64, seed);
    SCOPED_TRACE(std::string(trace) + "\n  graph: " + test::DescribeGraph(g));
    zoo::Rng rng(seed ^ 0x7e61u);
    const auto inputs = test::RandomInputs(g, seed);
    const Plan single = PlanLayerByLayer(g);
    const auto want = RunPlan(g, single, inputs);
    // The schedule: layer by layer, or a random one-stage stream plan.
    StreamConfig c;
    const std::vector<SplitPoint> splits = ValidSplits(g);
    if (!splits.empty() && rng.Int(0, 1) == 1) {
      const SplitPoint& sp = splits[rng.Int(0, static_cast<int>(splits.size()) - 1)];
      StageSpec st;
      st.last_op = sp.last_op;
      st.rows = rng.Int(1, std::min<int32_t>(sp.min_cut_h, 3));
      st.cols = rng.Int(1, std::min<int32_t>(sp.min_cut_w, 2));
      st.halo = static_cast<HaloMode>(rng.Int(0, 2));
      c.stages.push_back(st);
    }
    Plan base;
    try {
      base = BuildStreamPlan(g, c, rng.Int(0, 3) != 0);
    } catch (const Error&) {
      continue;
    }
    // Random regions: 1-4, sizes a random share of the plan's arena (some too small).
    std::vector<MemoryRegion> regions;
    const int nr = rng.Int(1, 4);
    for (int r = 0; r < nr; ++r)
      regions.push_back(MemoryRegion{"R" + std::to_string(r),
                                     std::max<int64_t>(1, base.arena_bytes * rng.Int(10, 110) / 100),
                                     rng.Int(0, 2) == 0});
    Plan p = base;
    ++tried;
    const RegionPlacement rp = PlaceInRegions(g, p, regions);
    if (!rp.fits) {
      EXPECT_NE(rp.why, "");
      continue;
    }
    ++fitted;
    int used = 0;
    for (int r = 0; r < nr; ++r) {
      EXPECT_LE(p.region_bytes[r], regions[r].bytes);
      used += p.region_bytes[r] > 0;
    }
    multi += used > 1;
    const CheckResult cr = CheckPlan(g, p);
    ASSERT_TRUE(cr.ok) << cr.message;
    EXPECT_EQ(RunPlan(g, p, inputs), want);
    // Round trip through JSON keeps the same plan.
    const Plan back = PlanFromJson(PlanToJson(p, &g), &g);
    EXPECT_TRUE(CheckPlan(g, back).ok);
    if (::testing::Test::HasFailure()) break;
  }
  std::printf("[ property ] %d plans over random region lists, %d fitted, %d used several regions\n", tried, fitted,
              multi);
  EXPECT_GT(fitted, tried / 4);
  EXPECT_GT(multi, tried / 10);
}

}  // namespace
}  // namespace tessera
