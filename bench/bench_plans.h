// The plans the emulated-device benchmarks compare (the same as bench/bench_device.cc's
// --strategies): greedy (layer by layer); patch (2x2 patches recomputing their halos, PADs
// folded, in-place placement, the split of tests/test_firmware_dsp.cc); cache (the same split
// and grid with halo caching, 1.00x MACs, placed by the lifetime planner); stream:SPEC; or
// any MakePlan strategy; grid:RxC:HALO (below).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>

#include "ir/graph.h"
#include "plan/plan.h"
#include "memory/greedy.h"
#include "plan/strategy.h"
#include "schedule/patch.h"
#include "schedule/patch_plan.h"
#include "schedule/stream.h"
#include "search/search.h"

namespace tessera::bench {

// Among splits with a cut of at least 4x4 whose 2x2 patches recompute at most 25% more MACs
// (EstimatePatchCost), the one with the fewest assembled bytes.
inline int PatchSplit(const Graph& g) {
  PatchConfig base;
  base.rows = base.cols = 2;
  base.fold_pads = true;
  int split = -1;
  int64_t best_cut = -1;
  for (const SplitPoint& sp : ValidSplits(g)) {
    if (sp.min_cut_h < 4 || sp.min_cut_w < 4) continue;
    PatchConfig cfg = base;
    cfg.split_op = sp.last_op;
    if (EstimatePatchCost(g, cfg).overall_overhead() > 0.25) continue;
    if (best_cut < 0 || sp.cut_bytes < best_cut) {
      best_cut = sp.cut_bytes;
      split = sp.last_op;
    }
  }
  if (split < 0) throw Error("no split point with a 4x4 cut and at most 25% extra MACs");
  return split;
}

inline Plan BenchPatchPlan(const Graph& g) {
  PatchPlanOptions o;
  ParsePatchStrategy("best", &o);
  o.patch.rows = o.patch.cols = 2;
  o.patch.split_op = PatchSplit(g);
  return PlanPatches(g, o);
}

inline Plan BenchCachePlan(const Graph& g) {
  StreamConfig c;
  StageSpec st;
  st.last_op = PatchSplit(g);
  st.rows = st.cols = 2;
  st.halo = HaloMode::kCache;
  c.stages.push_back(st);
  c.fold_pads = true;
  Plan p = BuildStreamPlan(g, c, /*input_in_arena=*/true);
  p.strategy = "cache " + StreamSpecString(c);
  return p;
}

// grid:RxC:HALO (e.g. grid:8x8:cache): PatchSplit's split with that grid and halo mode, the
// grid clipped to the split's smallest cut (a 25x5 tensor takes at most 5 columns).
inline Plan BenchGridPlan(const Graph& g, const std::string& spec) {
  const std::string rest = spec.substr(5);
  const size_t colon = rest.find(':');
  int rows = 0, cols = 0;
  if (colon == std::string::npos || std::sscanf(rest.c_str(), "%dx%d", &rows, &cols) != 2 || rows < 1 || cols < 1)
    throw Error("bench strategy '" + spec + "': expected grid:ROWSxCOLS:HALO");
  const int split = PatchSplit(g);
  for (const SplitPoint& sp : ValidSplits(g))
    if (sp.last_op == split) {
      rows = std::min<int>(rows, sp.min_cut_h);
      cols = std::min<int>(cols, sp.min_cut_w);
    }
  StreamConfig c;
  StageSpec st;
  st.last_op = split;
  st.rows = rows;
  st.cols = cols;
  st.halo = ParseHaloMode(rest.substr(colon + 1));
  c.stages.push_back(st);
  c.fold_pads = true;
  Plan p = BuildStreamPlan(g, c, /*input_in_arena=*/true);
  p.strategy = spec + " " + StreamSpecString(c);
  return p;
}

inline Plan MakeBenchPlan(const Graph& g, const std::string& s) {
  if (s == "greedy") return PlanLayerByLayer(g);
  if (s == "patch") return BenchPatchPlan(g);
  if (s == "cache") return BenchCachePlan(g);
  if (s.rfind("grid:", 0) == 0) return BenchGridPlan(g, s);
  if (s.rfind("stream:", 0) == 0) {
    const StreamConfig c = ParseStreamSpec(s.substr(7));
    Plan p = BuildStreamPlan(g, c, /*input_in_arena=*/true);
    p.strategy = "stream " + StreamSpecString(c);
    return p;
  }
  return MakePlan(g, PlanOptions::FromStrategy(s));
}

}  // namespace tessera::bench
