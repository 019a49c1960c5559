#include "plan/strategy.h"

#include <sstream>
#include <string>
#include <utility>

#include "memory/greedy.h"
#include "memory/overlap.h"
#include "memory/placement.h"
#include "schedule/fuse.h"
#include "schedule/layer_by_layer.h"
#include "memory/workspace.h"

namespace tessera {

PlanOptions PlanOptions::FromStrategy(const std::string& spec) {
  PlanOptions o;
  if (spec == "greedy") return o;
  if (spec == "best") {
    o.fuse = o.inplace = o.overlap = o.search = true;
    return o;
  }
  std::stringstream ss(spec);
  std::string part;
  bool any = false;
  while (std::getline(ss, part, ',')) {
    if (part == "fuse" || part == "fusion") o.fuse = true;
    else if (part == "inplace" || part == "in-place") o.inplace = true;
    else if (part == "overlap") o.inplace = o.overlap = true;
    else if (part == "placement" || part == "search") o.search = true;
    else if (part == "greedy") {}
    else
      throw Error("unknown strategy '" + part + "' in '" + spec +
                  "' (expected greedy, fuse, inplace, overlap, placement, best, or a comma-separated combination)");
    any = true;
  }
  if (!any) throw Error("empty strategy (expected greedy, fuse, inplace, overlap, placement or best)");
  return o;
}

std::string PlanOptions::Name() const {
  if (fuse && overlap && search) return "best";
  std::string r;
  auto add = [&](const char* s) { r += r.empty() ? s : std::string("+") + s; };
  if (fuse) add("fuse");
  if (overlap) add("overlap");
  else if (inplace) add("inplace");
  if (search) add("placement");
  return r.empty() ? "greedy" : r;
}

std::vector<std::string> StrategyNames() { return {"greedy", "fuse", "inplace", "overlap", "placement", "best"}; }

namespace {

Plan Schedule(const Graph& g, bool input_in_arena) {
  Plan p = ScheduleLayerByLayer(g);
  p.accounting.input_in_arena = input_in_arena;
  if (!input_in_arena)
    for (int b : p.input_buffers) p.buffers.at(b).external = true;
  return p;
}

Plan GreedyPlan(const Graph& g, bool input_in_arena) {
  Plan p = Schedule(g, input_in_arena);
  p.strategy = "greedy";
  PlaceGreedyWithWorkspaces(g, p);
  return p;
}

}  // namespace

Plan MakePlan(const Graph& g, const PlanOptions& o, PlanSummary* summary) {
  PlanSummary sum;
  sum.strategy = o.Name();
  Plan greedy = GreedyPlan(g, o.input_in_arena);
  sum.greedy_bytes = greedy.arena_bytes;

  if (!o.fuse && !o.inplace && !o.overlap && !o.search) {
    // The baseline itself; its bound is that of its own (plain, 16-byte) problem.
    const PlacementProblem prob = BuildPlacementProblem(greedy, {}, {}, kGreedyAlignment);
    sum.arena_bytes = greedy.arena_bytes;
    sum.lower_bound = PlacementLowerBound(prob);
    sum.placement_items = static_cast<int>(prob.items.size());
    sum.placement_method = "TFLM greedy";
    sum.proved_optimal = sum.arena_bytes <= sum.lower_bound;
    if (summary) *summary = sum;
    return greedy;
  }

  Plan plan = Schedule(g, o.input_in_arena);
  std::vector<std::pair<int, int>> aliases;
  if (o.fuse) {
    sum.fused_pads = FusePads(g, plan);
    for (const ViewAlias& a : FindViewAliases(g, plan)) aliases.emplace_back(a.input_buffer, a.output_buffer);
    sum.view_aliases = static_cast<int>(aliases.size());
  }
  std::vector<OverlapPair> pairs;
  if (o.inplace || o.overlap) {
    for (int s = 0; s < static_cast<int>(plan.steps.size()); ++s) {
      const OverlapClass c = ClassifyOverlap(g, plan, s);
      if (c == OverlapClass::kNone || (c == OverlapClass::kOverlap && !o.overlap)) continue;
      const Step& st = plan.steps[s];
      for (int is = 0; is < static_cast<int>(st.inputs.size()); ++is) {
        for (int os = 0; os < static_cast<int>(st.outputs.size()); ++os) {
          const auto d = MaxOutputShift(g, plan, s, is, os, st.scratch >= 0);
          if (d) pairs.push_back(OverlapPair{s, st.inputs[is], st.outputs[os], *d});
        }
      }
    }
  }
  const Plan scheduled = plan;
  PlacementProblem prob;
  Placement pl;
  PlaceWithWorkspaces(
      g, plan,
      [&](const std::vector<int64_t>& ws) {
        return BuildPlacementProblem(scheduled, aliases, pairs, o.alignment, {},
                                     o.alignment % 4 == 0 ? ws : std::vector<int64_t>{});
      },
      [&](const PlacementProblem& p) {
        Placement r;
        if (o.search) {
          r = PlaceBestOrdering(p, o.restarts);
          if (!r.proved_optimal && NumConflictingItems(p) <= o.exact_max_items) r = PlaceExact(p, r, o.node_limit);
        } else {
          r = PlaceFirstFit(p, OrderBySize(p));
          r.method = "first-fit by size";
          r.proved_optimal = r.size <= PlacementLowerBound(p);
        }
        SeparateOpPairs(p, r, scheduled);
        return r;
      },
      WorkspacePolicy::kAuto, &prob, &pl);
  sum.overlap_pairs = static_cast<int>(prob.pairs.size());
  sum.placement_items = static_cast<int>(prob.items.size());
  sum.lower_bound = PlacementLowerBound(prob);
  plan.strategy = sum.strategy;
  sum.arena_bytes = plan.arena_bytes;
  sum.placement_method = pl.method;
  sum.proved_optimal = pl.proved_optimal && plan.arena_bytes == pl.size;  // (not when placed after it)
  sum.search_nodes = pl.nodes;

  if (o.search && greedy.arena_bytes < plan.arena_bytes) {
    greedy.strategy = sum.strategy;
    sum.arena_bytes = greedy.arena_bytes;
    sum.fell_back_to_greedy = true;
    sum.placement_method = "TFLM greedy (better than the search)";
    sum.proved_optimal = false;
    if (summary) *summary = sum;
    return greedy;
  }
  if (summary) *summary = sum;
  return plan;
}

}  // namespace tessera
