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
// is SRAM too. So for one placed plan:
//   (a) with workspaces:    total = arena_a (PlaceWorkspaces' arena) + the stack left;
//   (b) without any:        total = arena_b (the buffers' arena) + that stack + at most the
//                           largest step's workspace bytes (only the deepest frame counts).
// The stack saved by (a) is at most that largest workspace, and in practice less: the *_ws
// frames are not empty and the deepest call path is not always the kernel's (bench_device
// painted 24-296 B less saved than the largest workspace on the five DSP benchmark models).
// ChooseWorkspaces keeps (a) only when its arena growth leaves a margin for that:
//   arena_a - arena_b <= largest - kWorkspaceStackMargin,
// else it drops every workspace (each Step::workspace empty, arena_b; kernels use the stack).
// In practice workspaces stay where they fit in free bytes (greedy plans whose peak step is
// not a convolution) and go where the peak step is a kernel's own (searched plans).
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

// What the stack saved by workspaces falls short of the largest one, at most (see above).
constexpr int64_t kWorkspaceStackMargin = 512;

enum class WorkspacePolicy { kAuto, kAlways, kNever };

// One plan's choice: the arena with workspaces (a) and without (b), the largest step need.
struct WorkspaceChoice {
  int64_t arena_with = 0, arena_without = 0, largest = 0;
  bool kept = false;  // the plan has its workspaces (false: none needed, or dropped)
};

// The rule alone: workspaces pay when they grow the arena by at most the largest one less
// the margin (largest 0: nothing to keep).
bool WorkspacesPay(int64_t arena_with, int64_t arena_without, int64_t largest);

// Places the workspaces of a plan whose buffers are placed (plan.arena_bytes: theirs) and
// keeps them or drops them all by the rule above (or the policy); sets plan.arena_bytes.
WorkspaceChoice ChooseWorkspaces(const Graph& g, Plan& plan, WorkspacePolicy policy = WorkspacePolicy::kAuto);

}  // namespace tessera
