// The search budgeted in estimated Cortex-M4 instructions or modelled cycles
// (SearchCost::kInstructions, kCycles): the MAC search's Pareto frontier, each point placed and
// estimated (analysis/latency.h), the choice made on the estimates. See SearchOptions::cost in
// search.h.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "analysis/latency.h"
#include "analysis/macs.h"
#include "checker/checker.h"
#include "search/search.h"

namespace tessera {

const char* SearchCostName(SearchCost c) {
  switch (c) {
    case SearchCost::kMacs: return "macs";
    case SearchCost::kInstructions: return "instructions";
    case SearchCost::kCycles: return "cycles";
  }
  return "?";
}

SearchCost ParseSearchCost(const std::string& s) {
  if (s == "macs") return SearchCost::kMacs;
  if (s == "instructions") return SearchCost::kInstructions;
  if (s == "cycles") return SearchCost::kCycles;
  throw Error("search cost must be 'macs', 'instructions' or 'cycles', got '" + s + "'");
}

SearchResult SearchPlansByEstimate(const Graph& g, const SearchOptions& opts) {
  if (!(opts.instructions_mac_factor >= 1) || opts.instructions_mac_factor > 100)
    throw Error("search: instructions_mac_factor must be in [1, 100]");
  if (opts.wait_states < 0 || opts.wait_states > 100)
    throw Error("search: wait_states must be in [0, 100], got " + std::to_string(opts.wait_states));
  const bool cycles = opts.cost == SearchCost::kCycles;
  const char* what = cycles ? "cycles" : "instructions";
  // The estimate the choice is made on.
  auto value = [cycles](const SearchPoint& p) { return cycles ? p.cycles : p.instructions; };
  const auto t0 = std::chrono::steady_clock::now();
  SearchOptions mo = opts;
  mo.cost = SearchCost::kMacs;
  mo.sram_budget = -1;
  mo.max_overhead = opts.max_overhead >= 0 ? opts.max_overhead * opts.instructions_mac_factor : -1;
  SearchResult macs = SearchPlans(g, mo);

  SearchResult r;
  r.graph_macs = macs.graph_macs;
  r.stats = macs.stats;
  auto progress = [&](const std::string& s) {
    if (opts.progress) opts.progress(s);
  };

  // The layer-by-layer plan and every MAC frontier point, placed and estimated.
  struct Point {
    SearchPoint p;
    Plan plan;
  };
  std::vector<Point> pts;
  auto add = [&](const StreamConfig& c) {
    for (const Point& q : pts)
      if (q.p.config == c) return;
    LifetimeSummary ls;
    Point q;
    q.plan = BuildStreamPlan(g, c, opts.input_in_arena, opts.placement, &ls);
    q.p.config = c;
    q.p.macs = PlanMacs(g, q.plan);
    q.p.arena_bytes = q.plan.arena_bytes;
    q.p.lower_bound = ls.lower_bound;
    if (cycles) q.p.cycles = EstimateCycles(g, q.plan, opts.wait_states).cycles;
    else q.p.instructions = EstimateInstructions(g, q.plan).instructions;
    ++r.stats.placed;
    pts.push_back(std::move(q));
  };
  add(StreamConfig{{}, opts.fold_pads});
  const double graph = value(pts[0].p);
  if (cycles) r.graph_cycles = graph;
  else r.graph_instructions = graph;
  r.wait_states = cycles ? opts.wait_states : 0;
  for (const SearchPoint& p : macs.frontier) add(p.config);
  // The frontier of the unbudgeted search keeps one point per MAC count, so two more searches
  // add what it can drop: the smallest arena at 1.00x MACs, and under an SRAM budget the MAC
  // search's own choice (so the estimate of the plan chosen here is never above it).
  auto add_choice = [&](const SearchOptions& so) {
    const SearchResult x = SearchPlans(g, so);
    r.stats.candidates += x.stats.candidates;
    r.stats.placed += x.stats.placed;
    if (x.feasible) add(x.chosen.config);
  };
  if (mo.max_overhead != 0) {
    SearchOptions z = mo;
    z.max_overhead = 0;
    add_choice(z);
  }
  if (opts.sram_budget >= 0) {
    SearchOptions b = mo;
    b.sram_budget = opts.sram_budget;
    add_choice(b);
  }
  progress(std::string(what) + ": " + std::to_string(pts.size()) + " frontier plans placed and estimated");

  const double cap = opts.max_overhead >= 0 ? graph * (1.0 + opts.max_overhead) * (1 + 1e-12)
                                            : std::numeric_limits<double>::infinity();
  // The frontier in (estimate, arena): estimate ascending, arena descending.
  std::vector<const Point*> order;
  for (const Point& q : pts) order.push_back(&q);
  std::sort(order.begin(), order.end(), [&](const Point* a, const Point* b) {
    if (value(a->p) != value(b->p)) return value(a->p) < value(b->p);
    return a->p.arena_bytes < b->p.arena_bytes;
  });
  for (const Point* q : order)
    if (r.frontier.empty() || q->p.arena_bytes < r.frontier.back().arena_bytes) r.frontier.push_back(q->p);

  const Point* best = nullptr;
  for (const Point* q : order) {
    if (value(q->p) > cap) continue;
    if (opts.sram_budget >= 0) {
      if (q->p.arena_bytes > opts.sram_budget) continue;
      if (!best) best = q;  // estimate ascending: the first that fits
    } else if (!best || q->p.arena_bytes < best->p.arena_bytes) {
      best = q;
    }
  }
  if (best) {
    CheckPlanOrThrow(g, best->plan);
    r.feasible = true;
    r.chosen = best->p;
    r.plan = best->plan;
  } else {
    char t[256];
    int64_t smallest = -1;
    for (const Point& q : pts)
      if (value(q.p) <= cap && (smallest < 0 || q.p.arena_bytes < smallest)) smallest = q.p.arena_bytes;
    char bound[64] = "";
    if (opts.max_overhead >= 0)
      std::snprintf(bound, sizeof bound, " and +%.1f%% estimated %s", 100 * opts.max_overhead, what);
    if (smallest >= 0)
      std::snprintf(t, sizeof t, "no schedule found within %lld bytes%s (the smallest%s: %lld bytes)",
                    static_cast<long long>(opts.sram_budget), bound,
                    opts.max_overhead >= 0 ? (cycles ? " within the cycle bound" : " within the instruction bound") : "",
                    static_cast<long long>(smallest));
    else
      std::snprintf(t, sizeof t, "no schedule found within +%.1f%% estimated %s", 100 * opts.max_overhead, what);
    r.explanation = t;
  }
  r.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace tessera
