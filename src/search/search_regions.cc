// SearchPlansInRegions (search.h): the search whose budget is "fits the memory regions".
#include <algorithm>

#include "analysis/macs.h"
#include "checker/checker.h"
#include "memory/regions.h"
#include "schedule/patch.h"
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
  // Schedules off the frontier: a frontier point with one more stage after its last (a stage
  // that does not lower the single-arena peak can still split the tail's buffers so that they
  // fit the regions), in MAC order, at most kExtensionTries distributed.
  {
    constexpr int kExtensionTries = 48;
    const std::vector<SplitPoint> splits = ValidSplits(g);
    struct Candidate {
      StreamConfig c;
      int64_t macs, bound;
    };
    std::vector<Candidate> cands;
    std::vector<StreamConfig> bases{StreamConfig{}};
    for (const SearchPoint& pt : sr.frontier)
      if (pt.lower_bound <= capacity && static_cast<int>(pt.config.stages.size()) < s.max_stages)
        bases.push_back(pt.config);
    for (const StreamConfig& base : bases) {
      const int after = base.stages.empty() ? -1 : base.stages.back().last_op;
      for (const SplitPoint& sp : splits) {
        if (sp.last_op <= after) continue;
        for (const auto& [rows, cols] : std::vector<std::pair<int, int>>{{2, 1}, {3, 1}, {4, 1}, {6, 1}, {2, 2}, {3, 3}})
          for (HaloMode h : s.modes) {
            if (rows > sp.min_cut_h || cols > sp.min_cut_w) continue;
            StreamConfig c = base;
            StageSpec st;
            st.last_op = sp.last_op;
            st.rows = rows;
            st.cols = cols;
            st.halo = h;
            c.stages.push_back(st);
            try {
              const Plan sched = ScheduleStream(g, c, Accounting{o.input_in_arena});
              const int64_t macs = PlanMacs(g, sched);
              if (o.max_overhead >= 0 && macs > static_cast<int64_t>((1.0 + o.max_overhead) * r.graph_macs)) continue;
              const int64_t bound = FastLifetimeLowerBound(g, sched, o.placement);
              if (bound > capacity) continue;
              cands.push_back({c, macs, bound});
            } catch (const Error&) {
              // Stages that do not combine: not a candidate.
            }
          }
      }
    }
    // Fewest MACs first; among equal MACs the smallest lower bound.
    std::stable_sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) {
      return a.macs != b.macs ? a.macs < b.macs : a.bound < b.bound;
    });
    int tries = 0;
    for (const Candidate& cd : cands) {
      if (tries++ >= kExtensionTries) break;
      Plan p;
      try {
        p = BuildStreamPlan(g, cd.c, o.input_in_arena, o.placement);
      } catch (const Error&) {
        continue;
      }
      const RegionPlacement rp = PlaceInRegions(g, p, regions, o.placement);
      if (!rp.fits) continue;
      SearchPoint pt{cd.c, cd.macs, p.arena_bytes, rp.lower_bound};
      r.frontier.push_back(pt);
      take(std::move(p), cd.c, rp);
      return r;
    }
  }
  if (!sr.frontier.empty() && sr.frontier.back().lower_bound > capacity)
    r.explanation = "the smallest plan the search found needs at least " +
                    std::to_string(sr.frontier.back().lower_bound) + " bytes (its lower bound), the regions hold " +
                    std::to_string(capacity) + " bytes";
  r.explanation = "no plan fits the memory regions: " + r.explanation;
  return r;
}

}  // namespace tessera
