// Kernel workspaces in the arena: each operator step whose kernel has a workspace
// (ops::WorkspaceBytes: the buffers its Cortex-M DSP path would otherwise keep on the stack,
// such as CONV_2D's im2col column) gets word-aligned arena bytes that no buffer owns during
// that step (Step::workspace). A workspace lives for its own step only, so it usually fits in
// bytes the arena has free at that step and costs nothing; when no gap is large enough it
// goes above every buffer live at the step and the arena grows to hold it (counted in
// arena_bytes). Every planner calls ChooseWorkspaces last, after placing its buffers, which
// keeps them only where they pay (below); the checker verifies the result (no live buffer
// shares a workspace byte during its step).
//
// Whether they pay. Without a workspace a step's kernel keeps its whole buffer on the stack
// (the entry points without one: ts_*_stack_workspace_bytes, 2,048-2,560 bytes, whatever the
// layer needs), and the stack is SRAM too; only the deepest frame counts. So for one plan:
//   (a) with workspaces:    total = arena_a + the stack left;
//   (b) without any:        total = arena_b (the buffers' arena) + that stack + about the
//                           largest stack buffer of a step that has a workspace, less the
//                           frames around it (kWorkspaceFrameMargin).
// The workspaces are kept only when the arena grows by strictly less than that estimate
// (WorkspaceStackEstimate):
//   arena_a - arena_b < estimate,
// and else all dropped (each Step::workspace empty, arena_b; the kernels use the stack).
// bench_device painted the stack that (a) saves against (b) as 72 bytes less to 200 bytes
// more than the largest stack buffer on the five DSP benchmark models (docs/RESULTS.md: the
// frames around the buffers differ between the two paths), hence the margin.
// WorkspacePolicy forces either way.
#pragma once

#include <cstdint>

#include <functional>
#include <vector>

#include "ir/graph.h"
#include "memory/placement.h"
#include "plan/plan.h"

namespace tessera {

// Workspace offsets are multiples of this (the kernels access them by words).
constexpr int64_t kWorkspaceAlignment = 4;

// Sets every step's workspace (replacing any it had); may raise plan.arena_bytes. Returns the
// bytes the arena grew by (0 when every workspace fits in free bytes).
int64_t PlaceWorkspaces(const Graph& g, Plan& plan);

// The workspace bytes step s's kernel needs (0 for copies and views).
int64_t StepWorkspaceBytes(const Graph& g, const Plan& plan, int s);
// The same for every step (BuildPlacementProblem's `workspaces`).
std::vector<int64_t> WorkspaceNeeds(const Graph& g, const Plan& plan);

enum class WorkspacePolicy { kAuto, kAlways, kNever };

// Bytes below the largest stack buffer that bench_device measured keeping the workspaces to
// save on the stack at least (72 measured, rounded up).
constexpr int64_t kWorkspaceFrameMargin = 96;

// One plan's choice: the arena with workspaces (a) and without (b), the largest step need,
// the stack it would save (WorkspaceStackEstimate).
struct WorkspaceChoice {
  int64_t arena_with = 0, arena_without = 0, largest = 0, stack_estimate = 0;
  bool kept = false;  // the plan has its workspaces (false: none needed, or dropped)
};

// The rule alone: workspaces pay when they grow the arena by less than the stack they save
// (stack_estimate <= 0: nothing to keep).
bool WorkspacesPay(int64_t arena_with, int64_t arena_without, int64_t stack_estimate);
// The stack the plan's workspaces save: the largest stack buffer (ts_*_stack_workspace_bytes)
// of a step with a nonzero need, less kWorkspaceFrameMargin; 0 without any need.
int64_t WorkspaceStackEstimate(const Graph& g, const Plan& plan, const std::vector<int64_t>& needs);

// Places the workspaces of a plan whose buffers are placed (plan.arena_bytes: theirs) and
// keeps them or drops them all by the rule above (or the policy); sets plan.arena_bytes.
WorkspaceChoice ChooseWorkspaces(const Graph& g, Plan& plan, WorkspacePolicy policy = WorkspacePolicy::kAuto);

// Workspaces as items of the placement problem (the planners that build one): places the
// buffers alone (build({}), the planner's `place`) and the buffers with every step's
// workspace as an item alive during its step (build(WorkspaceNeeds)), so a workspace takes
// bytes the buffers leave free at its step and the arena grows only when no placement the
// search finds has room; also the buffers' placement with the workspaces placed after it
// (PlaceWorkspaces), in case the search did worse with the items. The smaller of the two with
// workspaces is kept by the rule above (WorkspacesPay against the buffers alone), else the
// buffers alone without workspaces. Applies the choice to `plan` (ApplyPlacement); `problem`
// and `placement` (optional) receive the applied problem and placement.
// The same for TFLM's greedy placement (memory/greedy.h PlaceGreedy) of a scheduled plan:
// each workspace one more buffer alive at its step, placed in TFLM's order with the others.
WorkspaceChoice PlaceGreedyWithWorkspaces(const Graph& g, Plan& plan, WorkspacePolicy policy = WorkspacePolicy::kAuto);

WorkspaceChoice PlaceWithWorkspaces(const Graph& g, Plan& plan,
                                    const std::function<PlacementProblem(const std::vector<int64_t>&)>& build,
                                    const std::function<Placement(const PlacementProblem&)>& place,
                                    WorkspacePolicy policy = WorkspacePolicy::kAuto,
                                    PlacementProblem* problem = nullptr, Placement* placement = nullptr);

}  // namespace tessera
