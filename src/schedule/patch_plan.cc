#include "schedule/patch_plan.h"

#include <sstream>
#include <utility>
#include <vector>

#include "memory/greedy.h"
#include "memory/mcunetv2.h"
#include "memory/overlap.h"
#include "memory/placement.h"
#include "schedule/fuse.h"
#include "memory/workspace.h"

namespace tessera {

namespace {

// Depthwise convolutions, pools and element-wise steps may write over their input (as far as
// their access order allows, memory/overlap.h).
std::vector<OverlapPair> InPlacePairs(const Graph& g, const Plan& plan) {
  std::vector<OverlapPair> pairs;
  for (int s = 0; s < static_cast<int>(plan.steps.size()); ++s) {
    if (ClassifyOverlap(g, plan, s) != OverlapClass::kInPlace) continue;
    const Step& st = plan.steps[s];
    for (int is = 0; is < static_cast<int>(st.inputs.size()); ++is)
      for (int os = 0; os < static_cast<int>(st.outputs.size()); ++os)
        if (const auto d = MaxOutputShift(g, plan, s, is, os, st.scratch >= 0))
          pairs.push_back(OverlapPair{s, st.inputs[is], st.outputs[os], *d});
  }
  return pairs;
}

}  // namespace

void ParsePatchStrategy(const std::string& spec, PatchPlanOptions* o) {
  std::stringstream ss(spec);
  std::string part;
  bool placement = false;
  while (std::getline(ss, part, ',')) {
    if (part == "fuse" || part == "fusion") {
      o->patch.fold_pads = true;
      continue;
    }
    if (placement) throw Error("patch strategy '" + spec + "' names two placements");
    placement = true;
    if (part == "mcunetv2") o->placement = PatchPlacement::kMcunetV2;
    else if (part == "greedy") o->placement = PatchPlacement::kGreedy;
    else if (part == "inplace" || part == "in-place") o->placement = PatchPlacement::kInPlace;
    else if (part == "best") {
      o->placement = PatchPlacement::kInPlace;
      o->patch.fold_pads = true;
    } else {
      throw Error("unknown patch strategy '" + part + "' in '" + spec +
                  "' (with --patch: mcunetv2, greedy, inplace or best, optionally with fuse)");
    }
  }
  if (!placement && !o->patch.fold_pads)
    throw Error("empty patch strategy (expected mcunetv2, greedy, inplace or best)");
}

Plan PlanPatches(const Graph& g, const PatchPlanOptions& o) {
  if (o.placement == PatchPlacement::kMcunetV2) {
    Plan plan = PlanMcunetV2(g, o.patch, o.input_in_arena);
    ChooseWorkspaces(g, plan);
    return plan;
  }
  Accounting acc;
  acc.input_in_arena = o.input_in_arena;
  Plan plan = SchedulePatches(g, o.patch, acc);
  if (o.patch.fold_pads) FusePads(g, plan);
  if (o.placement == PatchPlacement::kGreedy) {
    PlaceGreedyWithWorkspaces(g, plan);
    plan.strategy = "patch+greedy";
    return plan;
  }
  const std::vector<OverlapPair> pairs = InPlacePairs(g, plan);
  const Plan scheduled = plan;
  PlaceWithWorkspaces(
      g, plan,
      [&](const std::vector<int64_t>& ws) {
        return BuildPlacementProblem(scheduled, {}, pairs, kGreedyAlignment, {}, ws);
      },
      [&](const PlacementProblem& prob) {
        Placement pl = PlaceFirstFit(prob, OrderBySize(prob));
        SeparateOpPairs(prob, pl, scheduled);
        return pl;
      });
  plan.strategy = "patch+inplace";
  return plan;
}

int64_t PatchPlanLowerBound(const Graph& g, const Plan& plan, bool inplace, int* pairs) {
  const std::vector<OverlapPair> p = inplace ? InPlacePairs(g, plan) : std::vector<OverlapPair>{};
  const PlacementProblem prob = BuildPlacementProblem(plan, {}, p, kGreedyAlignment);
  if (pairs) *pairs = static_cast<int>(prob.pairs.size());
  return PlacementLowerBound(prob);
}

}  // namespace tessera
