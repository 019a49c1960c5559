// SearchPlansInRegions (search.h): the search whose budget is "fits the memory regions".
#include <algorithm>

#include "analysis/macs.h"
#include "checker/checker.h"
#include "memory/regions.h"
#include "search/search.h"

namespace tessera {

SearchResult SearchPlansInRegions(const Graph& g, const SearchOptions& o, const std::vector<MemoryRegion>& regions,
                                  RegionPlacement* placement) {
  ValidateRegions(regions);
  int64_t capacity = 0;
  for (const MemoryRegion& m : regions) capacity += m.bytes;
  SearchResult r;
  r.graph_macs = GraphMacs(g);
  auto take = [&](Plan p, const StreamConfig& c, const RegionPlacement& rp) {
    r.feasible = true;
    r.chosen.config = c;
    r.chosen.macs = PlanMacs(g, p);
    r.chosen.arena_bytes = p.arena_bytes;
    r.chosen.lower_bound = rp.lower_bound;
    r.plan = std::move(p);
    r.explanation.clear();
    if (placement) *placement = rp;
    CheckPlanOrThrow(g, r.plan);
  };
  // Layer by layer first.
  {
    Plan p = BuildStreamPlan(g, StreamConfig{}, o.input_in_arena, o.placement);
    const RegionPlacement rp = PlaceInRegions(g, p, regions, o.placement);
    if (rp.fits) {
      SearchPoint pt{StreamConfig{}, r.graph_macs, p.arena_bytes, rp.lower_bound};
      r.frontier.push_back(pt);
      take(std::move(p), StreamConfig{}, rp);
      return r;
    }
    r.explanation = "layer by layer: " + rp.why;
    if (placement) *placement = rp;
  }
  SearchOptions s = o;
  s.sram_budget = -1;
  SearchResult sr = SearchPlans(g, s);
  r.frontier = sr.frontier;
  r.stats = sr.stats;
  for (const SearchPoint& pt : sr.frontier) {
    if (pt.lower_bound > capacity) continue;
    Plan p = BuildStreamPlan(g, pt.config, o.input_in_arena, o.placement);
    const RegionPlacement rp = PlaceInRegions(g, p, regions, o.placement);
    if (!rp.fits) {
      r.explanation = "smallest frontier point tried (" + StreamSpecString(pt.config) + "): " + rp.why;
      if (placement) *placement = rp;
      continue;
    }
    take(std::move(p), pt.config, rp);
    return r;
  }
  if (!sr.frontier.empty() && sr.frontier.back().lower_bound > capacity)
    r.explanation = "the smallest plan the search found needs at least " +
                    std::to_string(sr.frontier.back().lower_bound) + " bytes (its lower bound), the regions hold " +
                    std::to_string(capacity) + " bytes";
  r.explanation = "no plan fits the memory regions: " + r.explanation;
  return r;
}

}  // namespace tessera
