// Streamed patch schedules (schedule/stream.h): recompute, cache rows (mixed) and cache
// everything, single and multiple stages, placed lifetime-precisely (memory/lifetime.h).
// Every plan must pass the checker and give the layer-by-layer plan's bytes; halo caching must
// reach exactly the layer-by-layer MAC count.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>

#include "analysis/macs.h"
#include "checker/checker.h"
#include "exec/executor.h"
#include "memory/greedy.h"
#include "memory/lifetime.h"
#include "schedule/patch.h"
#include "schedule/stream.h"
#include "support/model_cases.h"
#include "support/paths.h"
#include "tflite/reader.h"
#include "zoo/zoo.h"

namespace tessera {
namespace {

// Models with inputs and layer-by-layer outputs (tests/support/model_cases.h); zoo inputs
// from seed 99.
using Model = test::ModelCase;
const Model& GetModel(const std::string& name) { return test::LoadModelCase(name, 99); }

// Builds, places, checks and runs a streamed plan; returns it.
Plan CheckStream(const Model& m, const std::string& spec, bool input_in_arena = true) {
  const StreamConfig c = ParseStreamSpec(spec);
  Plan p = ScheduleStream(m.g, c, Accounting{input_in_arena});
  const LifetimeSummary s = PlaceLifetime(m.g, p);
  EXPECT_GE(s.arena_bytes, s.lower_bound) << spec;
  const CheckResult r = CheckPlan(m.g, p);
  EXPECT_TRUE(r.ok) << m.g.name << " " << spec << ": " << r.message;
  if (r.ok) {
    EXPECT_EQ(RunPlan(m.g, p, m.inputs), m.expected) << m.g.name << " " << spec;
  }
  EXPECT_EQ(PlanMacs(m.g, p), StreamMacs(m.g, c)) << spec;
  return p;
}

TEST(StreamSpec, ParseAndPrint) {
  const StreamConfig c = ParseStreamSpec("12:4x3:mixed,30:7:cache");
  ASSERT_EQ(c.stages.size(), 2u);
  EXPECT_EQ(c.stages[0].last_op, 12);
  EXPECT_EQ(c.stages[0].rows, 4);
  EXPECT_EQ(c.stages[0].cols, 3);
  EXPECT_EQ(c.stages[0].halo, HaloMode::kCacheRows);
  EXPECT_EQ(c.stages[1].rows, 7);
  EXPECT_EQ(c.stages[1].cols, 7);
  EXPECT_EQ(c.stages[1].halo, HaloMode::kCache);
  EXPECT_EQ(StreamSpecString(c), "12:4x3:mixed,30:7x7:cache");
  EXPECT_EQ(ParseStreamSpec("5:2x2").stages[0].halo, HaloMode::kRecompute);
  for (const char* bad : {"", "x", "5", "5:", "5:0x2", "5:2x2:sometimes", "a:2x2", "5:2x2:cache:1"})
    EXPECT_THROW(ParseStreamSpec(bad), Error) << bad;
}

TEST(StreamSpec, InvalidStagesNameTheProblem) {
  const Graph g = BuildZooModel("mobilenetv2-w0.35-r144");
  EXPECT_THROW(ResolveStages(g, ParseStreamSpec("500:2x2")), Error);
  EXPECT_THROW(ResolveStages(g, ParseStreamSpec("12:2x2,5:2x2")), Error);   // out of order
  EXPECT_THROW(ResolveStages(g, ParseStreamSpec("12:40x40")), Error);       // grid too fine
  EXPECT_THROW(ResolveStages(g, ParseStreamSpec("64:2x2")), Error);         // FC cannot run over windows
  try {
    ResolveStages(g, ParseStreamSpec("12:2x2,12:2x2"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("stage 2"), std::string::npos) << e.what();
  }
}

TEST(Halo, CacheReachesLayerByLayerMacs) {
  const Model& m = GetModel("mobilenetv2-w0.35-r144");
  const int64_t lbl = GraphMacs(m.g);
  const Plan rec = CheckStream(m, "21:3x3:recompute");
  const Plan mixed = CheckStream(m, "21:3x3:mixed");
  const Plan cache = CheckStream(m, "21:3x3:cache");
  EXPECT_GT(PlanMacs(m.g, rec), PlanMacs(m.g, mixed));
  EXPECT_GT(PlanMacs(m.g, mixed), lbl);
  EXPECT_EQ(PlanMacs(m.g, cache), lbl);
  // Rows only (a line-buffer schedule): caching rows is caching everything.
  const Plan rows = CheckStream(m, "21:6x1:mixed");
  EXPECT_EQ(PlanMacs(m.g, rows), lbl);
}

TEST(Halo, CopiesMayMoveDownOntoTheirSource) {
  const Model& m = GetModel("mobilenetv2-w0.5-r96");
  Plan p = ScheduleStream(m.g, ParseStreamSpec("9:4x1:mixed"), Accounting{});
  int copies = 0;
  for (int s = 0; s < static_cast<int>(p.steps.size()); ++s) {
    if (p.steps[s].kind != StepKind::kCopy) continue;
    ++copies;
    // The halo rows sit at the start of the next patch's buffer and at the end of the previous
    // one's: restoring them may happen in place (D >= 0), saving them moves bytes down.
    EXPECT_GE(CopyMaxShift(m.g, p, s), 0) << "step " << s;
  }
  EXPECT_GT(copies, 0);
  const LifetimeSummary s = PlaceLifetime(m.g, p);
  EXPECT_GT(s.copy_pairs, 0);
  EXPECT_TRUE(CheckPlan(m.g, p).ok);
}

TEST(Halo, MultiStageAndModesOnZoo) {
  for (const char* name : {"mobilenetv2-w0.5-r96", "mcunet-style-r160", "nonsquare-pad-r128x160", "resnet8-cifar10"}) {
    const Model& m = GetModel(name);
    const std::vector<SplitPoint> splits = ValidSplits(m.g);
    ASSERT_GE(splits.size(), 2u) << name;
    const SplitPoint& a = splits[splits.size() / 3];
    const SplitPoint& b = splits[2 * splits.size() / 3];
    for (const char* mode : {"recompute", "mixed", "cache"}) {
      const int ra = std::min(3, a.min_cut_h), ca = std::min(2, a.min_cut_w);
      const int rb = std::min(2, b.min_cut_h), cb = std::min(2, b.min_cut_w);
      std::string spec = std::to_string(a.last_op) + ":" + std::to_string(ra) + "x" + std::to_string(ca) + ":" + mode;
      SCOPED_TRACE(std::string(name) + " " + spec);
      CheckStream(m, spec);
      if (b.last_op > a.last_op) {
        spec += "," + std::to_string(b.last_op) + ":" + std::to_string(rb) + "x" + std::to_string(cb) + ":" + mode;
        const Plan p = CheckStream(m, spec, false);
        if (std::string(mode) == "cache") {
          EXPECT_EQ(PlanMacs(m.g, p), GraphMacs(m.g)) << spec;
        }
      }
    }
  }
}

TEST(Halo, SharedModels) {
  TESSERA_REQUIRE_SHARED();
  const Model& v = GetModel("shared:mcunet_vww1_80");
  CheckStream(v, "16:4x4:cache", false);
  CheckStream(v, "16:3x2:mixed,31:2x2:recompute", false);
  const Model& mb = GetModel("shared:mobilenet_v2_1.0_224_nchw_int8");
  const Plan p = CheckStream(mb, "40:4x1:cache", false);
  EXPECT_EQ(PlanMacs(mb.g, p), GraphMacs(mb.g));
}

}  // namespace
}  // namespace tessera
