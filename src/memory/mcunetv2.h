// MCUNetV2's memory schedule for patch-based plans, as its open-source implementation
// (TinyEngine's code generator) lays memory out, so tessera can report the figure that
// schedule reaches on the same plan and compare its own placements with it.
//
// The patch stage is laid out ONCE, for one patch, and every patch reuses that layout:
//  - each stage tensor that is not assembled gets one slot, as large as its largest per-patch
//    window, live (in the one-patch timeline) from its producer to its last reader in the
//    patch; each stage operator's scratch gets one slot for its step;
//  - the assembled stage outputs are allocated for the WHOLE stage (from its first step, as
//    TinyEngine starts their lifetime at 0), and so is every whole tensor the stage reads
//    (the model input, when in the arena): patch k's steps would otherwise overwrite bytes a
//    later patch still needs;
//  - after the stage, the remaining tensors keep their layer-by-layer lifetimes.
// All these rectangles are placed together largest first, first fit (memory/greedy.h
// PlaceGreedy, TFLM's rule, which is also TinyEngine's size-sorted first fit), then each
// per-patch buffer takes its slot's offset. Buffer intervals in the returned plan are the
// patch schedule's precise ones, except that whole buffers used during the stage are widened
// to span it (what this schedule reserves).
#pragma once

#include "ir/graph.h"
#include "plan/plan.h"
#include "schedule/patch.h"

namespace tessera {

// Places a plan made by SchedulePatches(g, cfg) with MCUNetV2's schedule: sets offsets,
// widens the intervals described above, sets arena_bytes and strategy "mcunetv2".
// Throws Error when the plan was not made for this split.
void PlaceMcunetV2(const Graph& g, const SplitPoint& sp, Plan& plan);

// SchedulePatches + PlaceMcunetV2. input_in_arena=false streams the model input (MCUNetV2's
// and TinyEngine's published figures leave the input image out).
Plan PlanMcunetV2(const Graph& g, const PatchConfig& cfg, bool input_in_arena);

}  // namespace tessera
