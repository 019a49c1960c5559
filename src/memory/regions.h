// Placement over several memory regions (plan.h MemoryRegion; tessera plan --memory).
//
// A scheduled plan's placement problem (memory/lifetime.h LifetimeProblem: view aliases,
// in-place and segment-overlap pairs, copy aliases, bands, and the plan's kernel workspaces
// as items alive at their step) is distributed over the regions. Every constraint of the
// problem relates two items by their relative offset; two items in different regions never
// share a byte, so only the constraints between items of one region remain (items that must
// share an offset, a view and its input, are one item and so one region).
//
// Distribution: items in a given order, each into the first region (fast regions first, in
// the order given) whose first-fit offset among the items already there keeps it inside the
// region's capacity; then each region's items are placed again by the lifetime placer
// (PlaceLifetimeProblem on the region's sub-problem) when that lowers its peak. Orders tried:
// hottest first (access bytes per byte, below), hottest first by total access bytes, largest
// first, and the single-arena placement's order (by offset); among those that fit, the one
// with the most access bytes in fast regions is kept (ties: the smallest total).
//
// Access bytes of a buffer: what the steps read and write of it, estimated per step: the
// output window's bytes written; of each input buffer, its bytes times the fraction of the
// output tensor the step computes (a patch reads its share), times, for the first input of a
// convolution or pool, its taps over its stride squared (an input element is read once per
// output pixel whose receptive field holds it: 9 for a 3x3 kernel at stride 1); a copy reads
// and writes its window; a scratch buffer and a workspace are written and read once whole.
//
// Lower bounds (necessary conditions, checked first, they say why nothing fits): the
// regions' capacities together must hold the single-arena lower bound of the plan's problem
// (placing the regions end to end gives a single-arena placement of the sum of their
// peaks), and the largest item must fit the largest region. Per step, the bytes live at
// that step can be split over the regions, so no stronger per-region bound follows without
// fixing the distribution.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "memory/lifetime.h"
#include "plan/plan.h"

namespace tessera {

// Estimated bytes each buffer is read and written over one invoke (see above).
std::vector<int64_t> BufferAccessBytes(const Graph& g, const Plan& plan);

// Throws Error naming the region when the list is empty, a name is empty, not a C identifier
// or repeated, or a size is not positive.
void ValidateRegions(const std::vector<MemoryRegion>& regions);

struct RegionPlacement {
  bool fits = false;
  std::string why;                  // when it does not fit
  std::vector<int64_t> peaks;       // per region (when it fits)
  int64_t lower_bound = 0;          // of the single-arena problem
  int64_t largest_item = 0;
  int64_t access_bytes = 0;         // all buffers and workspaces
  int64_t fast_access_bytes = 0;    // of them in fast regions
  std::string order;                // which item order produced it
};

// Distributes the scheduled `plan` (its buffers' offsets are ignored; its kernel workspaces,
// Step::workspace.bytes > 0, are kept as items) over `regions`. When it fits, rewrites the
// plan: every arena buffer's region and offset, every workspace's, plan.regions,
// plan.region_bytes and arena_bytes (their sum), strategy + "+regions". Otherwise leaves the
// plan alone and says why. Throws Error for a bad region list.
RegionPlacement PlaceInRegions(const Graph& g, Plan& plan, const std::vector<MemoryRegion>& regions,
                               const LifetimeOptions& lo = {});

// The smallest fast region that holds the hot items: the items (buffers, workspaces) with the
// most access bytes per byte, taken in that order until they carry `fraction` of all access
// bytes, placed alone (their sub-problem, PlaceLifetimeProblem). `hot_access` (optional) gets
// the access bytes they carry, `total_access` all.
int64_t SmallestFastRegion(const Graph& g, const Plan& plan, double fraction, const LifetimeOptions& lo = {},
                           int64_t* hot_access = nullptr, int64_t* total_access = nullptr);

// Hot weights into a fast region (tessera codegen --fast-weights REGION[:BYTES]): the filters of
// CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED steps, most read per byte first (each output
// pixel a step computes reads its filter once: reads per byte = the output pixels of every step
// of the operator), are copied into region `region`'s arena after its peak, each at a
// kPinnedAlignment offset, while they fit in the region's capacity and within `max_bytes` more
// bytes (< 0: the whole room); a filter that does not fit is skipped and smaller ones are
// tried. Records them in plan.pinned_weights and grows plan.region_bytes and arena_bytes.
// Throws Error naming the region when the plan has no such region, when `max_bytes` exceeds
// the room the region has beyond its arena, or when no filter fits.
struct PinnedWeightsResult {
  int64_t room = 0;          // region capacity - its arena peak (aligned)
  int64_t bytes = 0;         // pinned, alignment included
  int64_t read_bytes = 0;    // estimated filter bytes read per invoke from the pinned copies
  int64_t all_read_bytes = 0;  // ... from every filter
};
PinnedWeightsResult PinHotWeights(const Graph& g, Plan& plan, const std::string& region, int64_t max_bytes = -1);

}  // namespace tessera
