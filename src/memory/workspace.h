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
// Whether they pay. Without a workspace a step's kernel keeps the same bytes on the stack
// (the *_ws entry points and those without take the same *_workspace_bytes), and the stack
// is SRAM too; only the deepest frame counts. So for one placed plan:
//   (a) with workspaces:    total = arena_a (PlaceWorkspaces' arena) + the stack left;
//   (b) without any:        total = arena_b (the buffers' arena) + that stack + about the
//                           largest step's workspace bytes.
// A workspace goes at worst right above its step's buffers, so arena_a <= arena_b + largest
// (up to word alignment); ChooseWorkspaces keeps (a) only when it is strictly less,
//   arena_a - arena_b < largest,
// and else (every byte of the largest workspace would be new arena) drops them all (each
// Step::workspace empty, arena_b; the kernels use the stack). The estimate is the stack's
// buffer alone: bench_device painted the stack that (a) saves as 64 B less to 208 B more than
// the largest workspace on the five DSP benchmark models (docs/RESULTS.md; the stack entry
// points' frames are not just the buffer), so a tie is within that either way (it goes to the
// stack); a workspace in free bytes saves its whole buffer.
// WorkspacePolicy forces either way.
#pragma once

#include <cstdint>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

// Workspace offsets are multiples of this (the kernels access them by words).
constexpr int64_t kWorkspaceAlignment = 4;

// Sets every step's workspace (replacing any it had); may raise plan.arena_bytes. Returns the
// bytes the arena grew by (0 when every workspace fits in free bytes).
int64_t PlaceWorkspaces(const Graph& g, Plan& plan);

// The workspace bytes step s's kernel needs (0 for copies and views).
int64_t StepWorkspaceBytes(const Graph& g, const Plan& plan, int s);

enum class WorkspacePolicy { kAuto, kAlways, kNever };

// One plan's choice: the arena with workspaces (a) and without (b), the largest step need.
struct WorkspaceChoice {
  int64_t arena_with = 0, arena_without = 0, largest = 0;
  bool kept = false;  // the plan has its workspaces (false: none needed, or dropped)
};

// The rule alone: workspaces pay when they grow the arena by less than the largest one
// (largest 0: nothing to keep).
bool WorkspacesPay(int64_t arena_with, int64_t arena_without, int64_t largest);

// Places the workspaces of a plan whose buffers are placed (plan.arena_bytes: theirs) and
// keeps them or drops them all by the rule above (or the policy); sets plan.arena_bytes.
WorkspaceChoice ChooseWorkspaces(const Graph& g, Plan& plan, WorkspacePolicy policy = WorkspacePolicy::kAuto);

}  // namespace tessera
