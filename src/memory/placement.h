// Placement: offsets for a plan's buffers in one arena, honouring live intervals, views that
// share an offset, and input/output pairs that may overlap (memory/overlap.h).
//
// The problem: items (a buffer, or a group of buffers sharing one offset) with an aligned size
// and a live interval. Two items whose intervals meet may not overlap, except that for an
// output O allowed to start at most D bytes past its input I (D < 0) the relative offset
// O.offset - I.offset may be <= D as well as >= I's size. Every constraint between two items
// is thus one forbidden open interval of their relative offset:
//     a.offset - b.offset must not lie in (lo, hi)     (plain pair: lo = -a.size, hi = b.size)
// Placement algorithms:
//  - first fit in a given order: each item at the lowest offset outside every forbidden
//    interval of the items already placed;
//  - several orderings (size, first use, interval length, size x length, ...) plus
//    deterministic random restarts: the best is kept;
//  - branch and bound over orderings for small problems. Every forbidden interval has
//    lo <= 0 < hi, and lo = 0 only for an output that may sit exactly on its input; a
//    placement sorted by offset (ties: outputs before the inputs they sit on) is reproduced
//    or improved by first fit in that order, so searching orderings with first fit is exact.
//  - the lower bound: max over steps of the bytes live at that step, pairs that may overlap
//    counted as their union (sum of sizes minus the largest overlap each pair allows).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

// Output buffer `output` of step `step` may sit at (input offset + d) for any d <= max_shift
// (memory/overlap.h); max_shift is clamped to <= 0 and rounded down to the alignment.
struct OverlapPair {
  int step = -1;
  int input = -1;   // buffer
  int output = -1;  // buffer
  int64_t max_shift = 0;
};

// Buffer `copy` holds exactly bytes [rel, rel + size) of buffer `source` (a copy of part of it
// that neither is written over while both live): it may sit exactly at source offset + rel
// even while both are live (the two then share those bytes), besides every placement that
// keeps them apart.
struct CopyAlias {
  int copy = -1;    // buffer
  int source = -1;  // buffer
  int64_t rel = 0;  // byte offset of the copied bytes in the source
};

struct PlacementItem {
  std::vector<int> buffers;  // plan buffers at this item's offset
  int64_t size = 0;          // aligned, the largest member
  int first = 0, last = 0;   // union of the members' intervals
  // A single buffer with bands (Buffer::bands): its pieces, the last one ending at `size`.
  // Empty otherwise: the item owns `size` bytes for all of [first, last].
  std::vector<BufferBand> pieces;
  // A step's kernel workspace (plan/plan.h Step::workspace) rather than buffers: no members,
  // alive at that step only (first == last == workspace_step); -1 for buffers.
  int workspace_step = -1;
  int64_t workspace_bytes = 0;  // its bytes before alignment
};

// Forbidden: offset(this item) - offset(other) in the open interval (lo, hi). Two items may
// have two edges (a copy alias: the forbidden interval with one allowed point inside).
struct PlacementEdge {
  int other = -1;
  int64_t lo = 0, hi = 0;
};

struct PlacementProblem {
  int64_t alignment = 1;
  std::vector<PlacementItem> items;
  std::vector<std::vector<PlacementEdge>> edges;  // per item; symmetric
  std::vector<int> item_of_buffer;                // -1 for external buffers
  std::vector<OverlapPair> pairs;                 // the overlap pairs that were applied
  std::vector<CopyAlias> copies;                  // the copy aliases that were applied
  int num_steps = 0;
};

// Builds the problem for the arena buffers of `plan` (external buffers are left out).
// `aliases`: pairs of buffers that must share an offset. `pairs`: overlap allowances; those
// whose buffers do not meet only at `step`, or are no improvement, are dropped. Throws Error
// for a buffer with a negative size or an invalid interval, or an alignment < 1.
// `copies`: copy aliases; kept when both buffers are alone in their items and rel is aligned.
// `workspaces`: empty, or per step the bytes of its kernel workspace (memory/workspace.h
// WorkspaceNeeds; 0: none): each nonzero one is an item after the buffers' (in step order),
// alive during its step only and kept apart from every byte a buffer owns then, so it counts
// in the lower bounds and the placers put it where the arena has room at its step. Throws
// Error when workspaces are given with an alignment that is not a multiple of 4 (the kernels
// read them by words) or a size that is not one per step.
PlacementProblem BuildPlacementProblem(const Plan& plan,
                                       const std::vector<std::pair<int, int>>& aliases,
                                       const std::vector<OverlapPair>& pairs, int64_t alignment,
                                       const std::vector<CopyAlias>& copies = {},
                                       const std::vector<int64_t>& workspaces = {});

struct Placement {
  std::vector<int64_t> offsets;  // per item
  int64_t size = 0;              // arena: max over items of offset + size
  std::string method;            // which ordering / search produced it
  bool proved_optimal = false;   // equals the lower bound, or the exact search finished
  int64_t nodes = 0;             // branch-and-bound nodes visited (0: no search)
};

// First fit in the given order (a permutation of the items). With `affinity`, an item with an
// overlap allowance towards an item already placed goes where the two overlap the most (an end
// of their forbidden interval) instead of the lowest free offset, when that offset is free and
// does not raise the arena placed so far: a copied halo stays where it was computed.
Placement PlaceFirstFit(const PlacementProblem& p, const std::vector<int>& order, bool affinity = false);

// Large-neighbourhood local search from `start`: each round takes an item reaching the top of
// the arena, removes it and every item live while it is (a few steps around), and places them
// again by first fit around the others in another order (the critical item first, by size,
// by size x lifetime, or shuffled); a round is kept when the arena shrinks or fewer bytes
// reach its top. Deterministic; never worse than `start`.
Placement RuinAndRecreate(const PlacementProblem& p, const Placement& start, int rounds);

// For each pair in p.pairs whose step satisfies `wanted` (in the pairs' order) and whose output
// item shares bytes with its input item in `pl`: moves the output item to the lowest offset where
// it shares none and every constraint of the problem still holds, if that offset keeps it
// inside the arena (pl.size never changes). Overlap saves memory only where it lowers the peak;
// elsewhere a kernel whose overlapped form costs instructions (a depthwise convolution staging
// its outputs) runs on disjoint buffers for free. Returns how many items moved.
int SeparatePairs(const PlacementProblem& p, Placement& pl, const std::function<bool(int step)>& wanted);
// SeparatePairs for the pairs of operator steps (not copies: a copied halo left where it was
// computed saves the copy's work).
int SeparateOpPairs(const PlacementProblem& p, Placement& pl, const Plan& plan);

// TensorFlow Lite Micro's order: largest first, ties with the last buffer first.
std::vector<int> OrderBySize(const PlacementProblem& p);

// Best of several orderings and `restarts` random perturbations of the best (deterministic).
Placement PlaceBestOrdering(const PlacementProblem& p, int restarts = 64);

// Branch and bound over first-fit orderings, starting from `incumbent`. Stops after
// `node_limit` nodes (then proved_optimal stays false unless the bound is met).
Placement PlaceExact(const PlacementProblem& p, const Placement& incumbent, int64_t node_limit);

// Max over steps of the bytes the live items need at least (see above), and at least the
// largest item.
int64_t PlacementLowerBound(const PlacementProblem& p);
// Its per-step terms: the bytes live at each step (bands honoured), pairs that may overlap
// counted as their union.
std::vector<int64_t> PlacementStepLowerBounds(const PlacementProblem& p);

// Number of items that conflict with at least one other item.
int NumConflictingItems(const PlacementProblem& p);

// Writes the offsets into the plan's arena buffers and sets arena_bytes; external buffers are
// placed first-fit in their own region. A problem with workspace items also sets every step's
// workspace (none for steps without an item). Checks every constraint of the problem first and
// throws Error if the placement violates one (a bug, never expected).
void ApplyPlacement(const PlacementProblem& p, const Placement& placement, Plan& plan);

// Checks the placement against every constraint; returns an empty string or the first
// violation.
std::string VerifyPlacement(const PlacementProblem& p, const Placement& placement);

}  // namespace tessera
