// Automatic search over patch schedules (schedule/stream.h) under SRAM and MAC budgets.
//
// The space: the layer-by-layer plan; one patch stage (every split point whose assembled
// output is a single tensor, every rows x cols grid up to max_grid, non-square and uneven
// included, each halo mode, plus row streaming with one or two output rows per patch); up to
// max_stages consecutive stages, built level by level: the first k-1 stages taken from the
// (k-1)-stage Pareto frontier and from a beam (per split point, the beam_width (k-1)-stage
// candidates whose stages have the smallest own bounds, whether or not they lowered the peak
// alone: a stage that only pays off together with a further stage is kept), stage k any later
// split with n x 1, n x n, n x (n+1), (n+1) x n and row-streaming grids. Every candidate is
// placed lifetime-precisely (memory/lifetime.h: in-place and segment overlap in patches and
// layer by layer, copy pairs, PAD folding). The beam is a heuristic: a wider beam is not
// guaranteed to give a smaller peak (the frontier that seeds the next level changes too);
// tessera plan --stream builds any schedule directly.
//
// Pruning (so that MobileNetV2-224 takes seconds): candidates are visited in increasing MAC
// order; a candidate can only join the Pareto frontier if its peak is below the smallest peak
// found at fewer MACs. Three bounds, cheapest first, discard the others:
//  1. the MAC count (windows only, no plan) against the MAC budget;
//  2. analytic bounds: the layer-by-layer tail (the placement lower bound of the steps after
//     the last stage, from the layer-by-layer plan once per model), and per stage the bytes
//     live while its last patch writes the assembled outputs (those whole buffers, the parts
//     of the stage inputs that patch reads, that step's per-patch inputs) and, at every step
//     of every patch, its operator's inputs or output, computed from windows alone;
//  3. per stage, its own bound: the bytes live during its steps in the plan with that stage
//     alone (built once per stage, cached), which every schedule containing it also holds;
//  4. the lower bound of the candidate's own placement problem (plan built, not placed).
// A bound prunes when it is not below the incumbent less `tolerance` (0.2%); while the
// incumbent exceeds an SRAM budget, every candidate whose bound fits the budget is placed.
// Heuristic (not a bound): schedules that differ only in their last stage are skipped once
// four of them peaked before that stage without beating the incumbent.
// If nothing fits the budget, up to four frontier points just above it are placed again with
// the full placement effort.
// With an SRAM budget, every candidate at the fewest MACs that fit is still visited, and the
// smallest arena among them is returned.
// Only the survivors are placed. The returned plan is the chosen frontier point, checked
// by the checker (CheckPlan) before it is returned.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "memory/lifetime.h"
#include "plan/plan.h"
#include "schedule/stream.h"

namespace tessera {

// recompute, mixed, cache.
std::vector<HaloMode> AllHaloModes();

// What SearchOptions::max_overhead bounds and the objective under an SRAM budget minimises.
enum class SearchCost : uint8_t {
  kMacs,          // MACs over the layer-by-layer count
  kInstructions,  // estimated Cortex-M4 DSP-path instructions (analysis/latency.h) over the
                  // estimate of the search's own layer-by-layer point (BuildStreamPlan of the
                  // empty configuration: lifetime placement, in-place steps included)
  kCycles,        // the same with estimated MODELLED Cortex-M4 cycles (analysis/latency.h
                  // EstimateCycles at SearchOptions::wait_states)
};
const char* SearchCostName(SearchCost c);  // "macs", "instructions", "cycles"
SearchCost ParseSearchCost(const std::string& s);  // throws Error naming the accepted values

struct SearchOptions {
  int64_t sram_budget = -1;   // bytes; < 0: none (then minimise SRAM under max_overhead)
  double max_overhead = -1;   // overhead over layer-by-layer (0.10 = +10%) in `cost`; < 0: none
  // kInstructions: the MAC search (everything below) runs without the SRAM budget and with
  // the MAC overhead bound instructions_mac_factor * max_overhead; every point of its Pareto
  // frontier, the layer-by-layer plan, the smallest 1.00x-MAC plan and (under an SRAM budget)
  // the MAC search's own choice are placed and their instructions estimated
  // (EstimateInstructions), and the choice is made on those: with an SRAM budget the fewest
  // estimated instructions within it (and within max_overhead), otherwise the smallest arena
  // within max_overhead. A heuristic: other plans off the MAC frontier are not considered.
  // kCycles: the same with the estimated modelled cycles (EstimateCycles) in place of the
  // instructions, at `wait_states` flash wait states.
  SearchCost cost = SearchCost::kMacs;
  double instructions_mac_factor = 2.0;  // kInstructions and kCycles
  int wait_states = 0;                   // kCycles: 0..100
  bool input_in_arena = true;
  std::vector<HaloMode> modes = AllHaloModes();
  int max_grid = 8;
  int max_stages = 4;
  // Per split point, how many (k-1)-stage schedules that are not on the frontier still seed
  // k-stage schedules (the smallest analytic stage bounds). 0: frontier points only.
  int beam_width = 2;
  bool fold_pads = true;
  // A candidate is placed only if its lower bound is below the incumbent (the smallest arena
  // at fewer MACs) by more than this fraction of it: many schedules share the stage that holds
  // the peak, and their bounds sit just below the incumbent while their placements do not
  // beat it. While the incumbent exceeds the SRAM budget, every candidate whose bound fits the
  // budget is still placed. 0: place every candidate whose bound is below the incumbent.
  double tolerance = 0.002;
  LifetimeOptions placement;
  // Called now and then with a one-line progress report (e.g. to print on stderr).
  std::function<void(const std::string&)> progress;
};

struct SearchPoint {
  StreamConfig config;
  int64_t macs = 0;
  int64_t arena_bytes = 0;
  int64_t lower_bound = 0;  // of this plan's placement problem
  double instructions = -1; // estimated (SearchCost::kInstructions); -1: not estimated
  double cycles = -1;       // estimated modelled cycles (SearchCost::kCycles); -1: not estimated
  double overhead(int64_t graph_macs) const {
    return graph_macs ? static_cast<double>(macs) / graph_macs - 1.0 : 0.0;
  }
};

struct SearchStats {
  int64_t candidates = 0;      // configurations generated
  int64_t pruned_macs = 0;     // over the MAC budget
  int64_t pruned_tail = 0;     // the layer-by-layer tail or the analytic stage bound exceeds the frontier
  int64_t pruned_bound = 0;    // their own lower bound exceeds what the frontier has
  int64_t pruned_stage = 0;    // a stage's own bound (its steps in the plan with it alone) exceeds the frontier
  int64_t stage_plans = 0;     // single-stage plans built for those bounds
  int64_t pruned_prefix = 0;   // schedules with the same earlier stages peaked before the last stage, not below the frontier
  int64_t placed = 0;          // plans placed
  int64_t bound_violations = 0;  // placed arenas below their analytic stage bound (must stay 0)
  double seconds = 0;
  // Where the time went: the stages' own bounds (single-stage plans), building candidates'
  // plans and placement problems with their bounds, placing them.
  double seconds_stage_bounds = 0, seconds_plans = 0, seconds_placing = 0;
};

struct SearchResult {
  int64_t graph_macs = 0;
  double graph_instructions = -1;  // the layer-by-layer plan's estimate (SearchCost::kInstructions)
  double graph_cycles = -1;        // the layer-by-layer plan's estimate (SearchCost::kCycles)
  int wait_states = 0;             // of the cycle estimates
  std::vector<SearchPoint> frontier;  // MACs ascending, arena strictly descending
  bool feasible = false;
  SearchPoint chosen;                 // valid when feasible
  Plan plan;                          // the chosen plan, placed and checked (when feasible)
  std::string explanation;            // why the budget cannot be met (when not feasible)
  SearchStats stats;
};

// Runs the search. Objective: with sram_budget >= 0, the fewest MACs with arena <= budget
// (and overhead <= max_overhead when given); otherwise the smallest arena with overhead <=
// max_overhead (or the smallest arena overall). A search restricted to 1.00x MACs runs as
// well (with a budget: only when the sweep's choice pays extra MACs or nothing fits) and its
// plan is chosen when it fits the budget, or without a budget when it is smaller. Throws Error
// for bad options (negative grid, unknown model structure).
SearchResult SearchPlans(const Graph& g, const SearchOptions& o);

// SearchPlans with SearchCost::kInstructions or kCycles (search_instructions.cc).
SearchResult SearchPlansByEstimate(const Graph& g, const SearchOptions& o);

// The search under memory regions (plan.h MemoryRegion, memory/regions.h): the budget is
// "fits the regions". The layer-by-layer plan (BuildStreamPlan of the empty configuration)
// distributed over the regions when it fits; otherwise the search runs without an SRAM budget
// (within max_overhead when given) and its Pareto frontier is tried in MAC order, each point's
// plan distributed over the regions (points whose lower bound exceeds the regions' total are
// skipped: memory/regions.h's bounds); the first that fits is chosen (fewest MACs on the
// frontier). When none does, schedules off the frontier: the layer-by-layer plan and every
// frontier point with one more stage after its last one (any later split point, grids 2x1,
// 3x1, 4x1, 6x1, 2x2, 3x3, each halo mode; lower bound within the regions' total), in MAC order
// (ties: smallest lower bound), the first 48 distributed; the first
// that fits is chosen (a stage that does not lower the single-arena peak may still split the
// tail's buffers into pieces the regions hold). A heuristic: other schedules are not tried.
// The result's plan has the regions; `placement` (optional) gets the distribution's figures.
struct RegionPlacement;
SearchResult SearchPlansInRegions(const Graph& g, const SearchOptions& o, const std::vector<MemoryRegion>& regions,
                                  RegionPlacement* placement = nullptr);

// Builds and places the plan of one configuration (empty config: layer-by-layer).
Plan BuildStreamPlan(const Graph& g, const StreamConfig& c, bool input_in_arena,
                     const LifetimeOptions& lo = {}, LifetimeSummary* summary = nullptr);

// The frontier as a text table (SRAM, MACs, overhead, configuration), marking `chosen`.
std::string FrontierTable(const SearchResult& r);

// The frontier as an SVG plot (SRAM on x, MACs on y), with optional reference points
// (label, bytes, MAC ratio) such as published figures.
struct FrontierMark {
  std::string label;
  int64_t bytes = 0;
  double mac_ratio = 1.0;
};
std::string FrontierSvg(const SearchResult& r, const std::string& title,
                        const std::vector<FrontierMark>& marks = {});

}  // namespace tessera
