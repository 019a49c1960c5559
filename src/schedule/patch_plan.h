// Patch-based plans end to end: the patch schedule (schedule/patch.h) plus a placement.
//   mcunetv2 — MCUNetV2's memory schedule (memory/mcunetv2.h);
//   greedy   — lifetime-precise intervals, TFLM's greedy placement (memory/greedy.h);
//   inplace  — lifetime-precise intervals, depthwise convolutions, pools and element-wise steps
//              may put their output over their dying input (memory/overlap.h), first fit by
//              size (memory/placement.h).
// This is what `tessera plan --patch SPLIT:ROWSxCOLS` runs.
#pragma once

#include <string>

#include "ir/graph.h"
#include "plan/plan.h"
#include "schedule/patch.h"

namespace tessera {

enum class PatchPlacement : uint8_t { kMcunetV2, kGreedy, kInPlace };

struct PatchPlanOptions {
  PatchConfig patch;
  PatchPlacement placement = PatchPlacement::kMcunetV2;
  bool input_in_arena = true;
};

// Parses a --strategy value for a patch plan: "mcunetv2", "greedy", "inplace" or "best"
// (= inplace with PADs folded), optionally combined with "fuse" (fold PADs), comma-separated.
// Sets placement and patch.fold_pads in `o`. Throws Error listing the accepted values.
void ParsePatchStrategy(const std::string& spec, PatchPlanOptions* o);

// Builds and places the patch plan (strategy "mcunetv2", "patch+greedy" or "patch+inplace").
// With patch.fold_pads, PADs outside the stage are folded too (schedule/fuse.h FusePads).
// Throws Error for an invalid patch config.
Plan PlanPatches(const Graph& g, const PatchPlanOptions& o);

// The lower bound of a placed patch plan's placement problem (memory/placement.h
// PlacementLowerBound), with the in-place pairs the kInPlace placement uses when `inplace`;
// `pairs` (optional) receives how many such pairs apply.
int64_t PatchPlanLowerBound(const Graph& g, const Plan& plan, bool inplace, int* pairs = nullptr);

}  // namespace tessera
