// The front door of planning: a Graph and options in, an ordinary Plan out.
//
// Techniques, each selectable and all combinable:
//  - greedy (nothing selected): TensorFlow Lite Micro's greedy arena over the layer-by-layer
//    schedule (memory/greedy.h), the baseline;
//  - fuse: PADs folded into the convolution that reads them, RESHAPE outputs on their input
//    (schedule/fuse.h);
//  - inplace: element-wise operators at equal element size, depthwise convolutions and pools
//    may put their output over their dying input (memory/overlap.h);
//  - overlap: the same for every operator with a per-unit access order (CONV_2D,
//    FULLY_CONNECTED, SOFTMAX, PAD, QUANTIZE/DEQUANTIZE across element sizes); implies inplace;
//  - search: placement by the best of several orderings plus branch and bound on small
//    problems (memory/placement.h), never worse than the greedy baseline.
// Every strategy other than greedy places buffers with first fit (TFLM's order unless
// searching) aligned to `alignment` bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

struct PlanOptions {
  bool fuse = false;
  bool inplace = false;
  bool overlap = false;
  bool search = false;
  bool input_in_arena = true;  // false: the model input is streamed (external)
  int64_t alignment = 16;      // buffer offsets and sizes (TFLM's kBufferAlignment)
  int exact_max_items = 20;    // branch and bound when at most this many items conflict
  int64_t node_limit = 2000000;
  int restarts = 64;           // random perturbations of the best ordering

  // "greedy", "fuse", "inplace", "overlap", "placement" (= search), "best" (all), or a
  // comma-separated combination of fuse/inplace/overlap/placement. Throws Error otherwise.
  static PlanOptions FromStrategy(const std::string& spec);
  // The canonical name of the selected techniques ("greedy", "fuse+overlap", "best", ...).
  std::string Name() const;
};

// Named strategies, cheapest first.
std::vector<std::string> StrategyNames();

struct PlanSummary {
  std::string strategy;
  int64_t arena_bytes = 0;
  int64_t lower_bound = 0;    // no placement of this plan's buffers can be smaller
  int64_t greedy_bytes = 0;   // the greedy layer-by-layer baseline, same accounting
  int fused_pads = 0;
  int view_aliases = 0;
  int overlap_pairs = 0;      // input/output pairs allowed to overlap
  int placement_items = 0;
  std::string placement_method;
  bool proved_optimal = false;  // the arena equals the lower bound or the search finished
  int64_t search_nodes = 0;
  bool fell_back_to_greedy = false;
};

// Builds the plan. Throws Error for a graph that cannot be planned.
Plan MakePlan(const Graph& g, const PlanOptions& options, PlanSummary* summary = nullptr);

}  // namespace tessera
