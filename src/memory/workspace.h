// Kernel workspaces in the arena: each operator step whose kernel has a workspace
// (ops::WorkspaceBytes: the buffers its Cortex-M DSP path would otherwise keep on the stack,
// such as CONV_2D's im2col column) gets word-aligned arena bytes that no buffer owns during
// that step (Step::workspace). A workspace lives for its own step only, so it usually fits in
// bytes the arena has free at that step and costs nothing; when no gap is large enough it
// goes above every buffer live at the step and the arena grows to hold it (counted in
// arena_bytes). Every planner calls this last, after placing its buffers; the checker
// verifies the result (no live buffer shares a workspace byte during its step).
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

}  // namespace tessera
