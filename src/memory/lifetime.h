// Lifetime-precise placement of patch and streamed plans (schedule/stream.h,
// schedule/patch.h): every buffer is placed for exactly its live interval, with
//  - in-place and segment-overlap pairs (memory/overlap.h) for every kOp step, inside patches
//    and in the layer-by-layer part alike (depthwise convolutions, pools, element-wise steps,
//    and with `overlap` also CONV_2D, PAD, FULLY_CONNECTED, SOFTMAX);
//  - copy pairs for kCopy steps (halo saves and restores): a copy runs element by element in
//    row-major order, so its destination may sit at or below its dying source (the copy then
//    moves bytes downwards, or nothing at all when the halo already sits where the next
//    patch's buffer starts);
//  - PAD folding and RESHAPE view aliases (schedule/fuse.h).
// Offsets come from first fit over several orderings with perturbations (memory/placement.h
// PlaceBestOrdering), never worse than TFLM's order; the placement problem's lower bound is
// reported beside the result.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <unordered_map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "memory/placement.h"
#include "plan/plan.h"

namespace tessera {

// Memo of MaxOutputShift results for one graph, keyed by everything the result depends on
// (operator, folded PAD, slots, access order, the step's window and both buffers' windows).
// Plans of one search share most steps; the search passes one cache for all its plans.
struct ShiftCache {
  std::unordered_map<std::string, std::optional<int64_t>> shifts;
};

struct LifetimeOptions {
  bool inplace = true;
  bool overlap = true;  // also CONV_2D, PAD, FC, SOFTMAX (implies inplace)
  bool views = true;    // RESHAPE outputs on their inputs
  int64_t alignment = 16;
  int restarts = 32;
  int rounds = 64;
  int ruin_rounds = 2000;  // RuinAndRecreate after the critical-item moves
  // Optional, not owned; must only be used with the graph it was filled for.
  ShiftCache* shift_cache = nullptr;  // critical-item moves after the orderings (PlaceLifetimeProblem)
};

struct LifetimeSummary {
  int64_t arena_bytes = 0;
  int64_t lower_bound = 0;  // of this plan's placement problem
  int overlap_pairs = 0;    // kOp pairs applied
  int copy_pairs = 0;       // kCopy pairs applied
  int items = 0;
  std::string method;
};

// D of memory/overlap.h for a kCopy step: its destination may start at any relative offset
// <= D from its source. Throws Error when the step is not a copy between buffers of one tensor
// holding its window.
int64_t CopyMaxShift(const Graph& g, const Plan& plan, int step);

// The overlap pairs of a plan (kOp and kCopy steps) under the options.
// Only the steps in [first_step, last_step] are considered when a range is given.
std::vector<OverlapPair> LifetimePairs(const Graph& g, const Plan& plan, const LifetimeOptions& o, int first_step = 0,
                                       int last_step = std::numeric_limits<int>::max());

// The copy aliases of a plan's kCopy steps (memory/placement.h CopyAlias): a halo saved by a
// copy of whole rows of a buffer that is not written again may stay where it was computed,
// even while that buffer still lives (its last readers run after the copy).
std::vector<CopyAlias> LifetimeCopyAliases(const Graph& g, const Plan& plan);

// The placement problem (pairs, view aliases and copy aliases) of a plan.
PlacementProblem LifetimeProblem(const Graph& g, const Plan& plan, const LifetimeOptions& o);

// PlaceBestOrdering, then up to `rounds` local-search moves: an item that reaches the top of
// the arena is moved earlier in the first-fit order while that lowers the arena. Never worse
// than PlaceBestOrdering.
Placement PlaceCriticalMoves(const PlacementProblem& p, int restarts, int rounds);
// PlaceCriticalMoves, then `ruin_rounds` rounds of RuinAndRecreate (memory/placement.h).
Placement PlaceLifetimeProblem(const PlacementProblem& p, int restarts, int rounds, int ruin_rounds = 0);

// Places the plan: sets offsets and arena_bytes (then SeparateOpPairs, memory/placement.h:
// operator outputs move off their inputs where the arena has room). Strategy becomes
// `plan.strategy + "+lifetime"`.
LifetimeSummary PlaceLifetime(const Graph& g, Plan& plan, const LifetimeOptions& o = {});

// The lower bound of the plan's problem (PlacementLowerBound of LifetimeProblem).
int64_t LifetimeLowerBound(const Graph& g, const Plan& plan, const LifetimeOptions& o = {});

// The same bound computed straight from the buffers' intervals and the overlap pairs, without
// building the problem's conflict edges: O(buffers + steps + pairs). Used by the search to
// discard candidates before placing them. Equal to LifetimeLowerBound when no view alias
// joins buffers; otherwise it may be lower, never higher.
int64_t FastLifetimeLowerBound(const Graph& g, const Plan& plan, const LifetimeOptions& o = {});

// The per-step terms of FastLifetimeLowerBound: for each step, the bytes live at that step
// (aligned), pairs that may overlap at that step counted as their union. A placement of the
// plan needs at least element s at step s.
// With a step range, only the overlap pairs of those steps are computed: the elements of the
// steps in [first_step, last_step] are bounds, the others may lack their pairs' savings.
std::vector<int64_t> FastLifetimeStepBounds(const Graph& g, const Plan& plan, const LifetimeOptions& o = {},
                                            int first_step = 0, int last_step = std::numeric_limits<int>::max());

}  // namespace tessera
