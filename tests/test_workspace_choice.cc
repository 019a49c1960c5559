// Kernel workspaces kept only where they pay (memory/workspace.h ChooseWorkspaces): the rule on
// figures, and on two placed plans, one where the workspaces fit in free arena bytes (kept) and
// one where they would sit above the peak step's buffers (dropped).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "checker/checker.h"
#include "memory/greedy.h"
#include "memory/workspace.h"
#include "schedule/layer_by_layer.h"
#include "tessera/kernels.h"
#include "support/paths.h"
#include "tflite/reader.h"
#include "zoo/zoo.h"

namespace tessera {
namespace {

// The buffers' arena alone (TFLM's greedy placement) and the same plan with every workspace.
struct Alternatives {
  Plan without, with;
  int64_t largest = 0;
};

Alternatives Both(const Graph& g) {
  Alternatives a;
  a.without = ScheduleLayerByLayer(g);
  PlaceGreedy(a.without);
  a.with = a.without;
  PlaceWorkspaces(g, a.with);
  for (const Step& st : a.with.steps) a.largest = std::max(a.largest, st.workspace.bytes);
  return a;
}

int CountWorkspaces(const Plan& p) {
  int n = 0;
  for (const Step& st : p.steps) n += st.workspace.bytes > 0;
  return n;
}

// The stack estimate: the largest stack buffer of a step with a workspace, less the margin.
TEST(WorkspaceChoice, StackEstimateIsTheLargestStackBufferLessTheMargin) {
  const Graph g = BuildZooModel("resnet8-cifar10");
  const Plan p = ScheduleLayerByLayer(g);
  const std::vector<int64_t> needs = WorkspaceNeeds(g, p);
  // CONV_2D's stack buffer (whatever the layer needs: the 2,304-byte column and the two-channel
  // kernels' 128-byte chunked table) is the largest.
  EXPECT_EQ(ts_conv2d_s8_stack_workspace_bytes(), 2304u + 128u);
  EXPECT_EQ(WorkspaceStackEstimate(g, p, needs), 2432 - kWorkspaceFrameMargin);
  EXPECT_EQ(kWorkspaceFrameMargin, 96);
  EXPECT_EQ(WorkspaceStackEstimate(g, p, std::vector<int64_t>(needs.size(), 0)), 0);
}

TEST(WorkspaceChoice, RuleOnFigures) {
  // Free bytes: no growth, the whole stack buffer saved.
  EXPECT_TRUE(WorkspacesPay(40000, 40000, 2304));
  // Growth as large as the stack buffer (or larger): the stack path is no worse.
  EXPECT_FALSE(WorkspacesPay(40000 + 2304, 40000, 2304));
  EXPECT_FALSE(WorkspacesPay(40000 + 2560, 40000, 2304));
  // Growth one byte less than the largest workspace: kept (the estimate's rule).
  EXPECT_TRUE(WorkspacesPay(40000 + 2559, 40000, 2560));
  // Nothing to keep.
  EXPECT_FALSE(WorkspacesPay(40000, 40000, 0));
}

// resnet8: the greedy plan's peak step is a convolution whose buffers fill the arena, so its
// im2col column (2,048 bytes for that layer, not the whole 2,432 of the stack buffer) goes above
// them (49,152 -> 51,200 bytes), less than the 2,432 - 96 bytes the workspaces are estimated to
// take off the stack: kept. The same plan is dropped when the margin says the stack would save less.
TEST(WorkspaceChoice, AboveThePeakKeptWhenLessThanTheStack) {
  const Graph g = BuildZooModel("resnet8-cifar10");
  const Alternatives a = Both(g);
  ASSERT_EQ(a.without.arena_bytes, 49152);
  ASSERT_EQ(a.largest, 2432);
  ASSERT_EQ(a.with.arena_bytes, 49152 + 2048);

  Plan p = a.without;
  const WorkspaceChoice c = ChooseWorkspaces(g, p);
  EXPECT_TRUE(c.kept);
  EXPECT_EQ(c.arena_without, 49152);
  EXPECT_EQ(c.arena_with, 49152 + 2048);
  EXPECT_EQ(c.largest, 2432);
  EXPECT_EQ(c.stack_estimate, 2432 - kWorkspaceFrameMargin);
  EXPECT_EQ(p.arena_bytes, 49152 + 2048);
  EXPECT_EQ(CountWorkspaces(p), CountWorkspaces(a.with));
  EXPECT_TRUE(CheckPlan(g, p).ok) << CheckPlan(g, p).message;
  // Estimated totals (arena + the stack the workspaces would save): no worse than either.
  EXPECT_LT(p.arena_bytes, a.without.arena_bytes + c.stack_estimate);
  // TFLM's greedy placement with the workspaces among its buffers: the same arena.
  EXPECT_EQ(PlanLayerByLayer(g).arena_bytes, 49152 + 2048);
  EXPECT_FALSE(WorkspacesPay(c.arena_with, c.arena_without, 2048));

  // Forced off: TFLM's 49,152 bytes, no workspace, checked.
  Plan none = a.without;
  const WorkspaceChoice n = ChooseWorkspaces(g, none, WorkspacePolicy::kNever);
  EXPECT_FALSE(n.kept);
  EXPECT_EQ(none.arena_bytes, 49152);
  EXPECT_EQ(CountWorkspaces(none), 0);
  EXPECT_TRUE(CheckPlan(g, none).ok) << CheckPlan(g, none).message;
}

// vww_96_int8: the greedy plan's peak is not a kernel's step and every workspace fits in bytes
// free at its step: kept, the arena still TFLM's 73,728 bytes.
TEST(WorkspaceChoice, KeptWhereTheyFitInFreeBytes) {
  TESSERA_REQUIRE_SHARED();
  const Graph g = ReadTflite(test::SharedModel("vww_96_int8"));
  const Alternatives a = Both(g);
  ASSERT_EQ(a.without.arena_bytes, 73728);
  ASSERT_GT(a.largest, 0);
  ASSERT_EQ(a.with.arena_bytes, 73728);

  Plan p = a.without;
  const WorkspaceChoice c = ChooseWorkspaces(g, p);
  EXPECT_TRUE(c.kept);
  EXPECT_EQ(p.arena_bytes, 73728);
  EXPECT_GT(CountWorkspaces(p), 0);
  EXPECT_EQ(CountWorkspaces(p), CountWorkspaces(a.with));
  EXPECT_TRUE(CheckPlan(g, p).ok) << CheckPlan(g, p).message;
  // Estimated totals: arena alone (nothing left on the stack) vs the buffers' arena + largest.
  EXPECT_LE(p.arena_bytes, a.without.arena_bytes + a.largest);
  const Plan greedy = PlanLayerByLayer(g);
  EXPECT_EQ(greedy.arena_bytes, 73728);
  EXPECT_EQ(CountWorkspaces(greedy), CountWorkspaces(p));

  // Forced off: no workspace, the same arena.
  Plan none = a.without;
  const WorkspaceChoice n = ChooseWorkspaces(g, none, WorkspacePolicy::kNever);
  EXPECT_FALSE(n.kept);
  EXPECT_EQ(none.arena_bytes, 73728);
  EXPECT_EQ(CountWorkspaces(none), 0);
  EXPECT_TRUE(CheckPlan(g, none).ok) << CheckPlan(g, none).message;
}

}  // namespace
}  // namespace tessera
