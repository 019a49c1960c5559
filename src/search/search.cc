#include "search/search.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "analysis/macs.h"
#include "checker/checker.h"
#include "memory/placement.h"

namespace tessera {
namespace {

struct Cand {
  StreamConfig cfg;
  int64_t macs = 0;
  int last_op = -1;  // of the last stage (-1: layer-by-layer)
  int64_t stage_lb = 0;  // analytic bound of its stages (see SegmentBound)
  int64_t arena = -1;    // already placed (a frontier point swept again): its arena
  int64_t placed_lb = 0; // and its lower bound
  // Orders candidates (sweep at equal MACs, beam): the assembled outputs, the whole stage
  // inputs and the last patch's inputs of the step writing them. A heuristic, not a bound
  // (stage inputs may shrink as their rows are read for the last time).
  int64_t order_lb = 0;
};

int64_t Align16(int64_t n) { return (n + 15) / 16 * 16; }

std::string Human(int64_t b) {
  char t[64];
  std::snprintf(t, sizeof t, "%lld B (%.1f KiB)", static_cast<long long>(b), b / 1024.0);
  return t;
}

}  // namespace

std::vector<HaloMode> AllHaloModes() {
  std::vector<HaloMode> m;
  m.push_back(HaloMode::kRecompute);
  m.push_back(HaloMode::kCacheRows);
  m.push_back(HaloMode::kCache);
  return m;
}

Plan BuildStreamPlan(const Graph& g, const StreamConfig& c, bool input_in_arena, const LifetimeOptions& lo,
                     LifetimeSummary* summary) {
  Plan p = ScheduleStream(g, c, Accounting{input_in_arena});
  p.strategy = c.stages.empty() ? "layer-by-layer" : "stream " + StreamSpecString(c);
  const LifetimeSummary s = PlaceLifetime(g, p, lo);
  if (summary) *summary = s;
  return p;
}

static SearchResult SearchOnce(const Graph& g, const SearchOptions& opts) {
  // One memo of overlap shifts for every plan of this search (memory/lifetime.h).
  ShiftCache shift_cache;
  SearchOptions o = opts;
  if (!o.placement.shift_cache) o.placement.shift_cache = &shift_cache;
  if (o.max_grid < 1 || o.max_grid > 64) throw Error("search: max grid must be in [1, 64], got " + std::to_string(o.max_grid));
  if (o.max_stages < 0 || o.max_stages > 8) throw Error("search: max stages must be in [0, 8]");
  if (o.modes.empty()) throw Error("search: no halo mode allowed");
  if (!(o.tolerance >= 0 && o.tolerance < 1))
    throw Error("search: tolerance must be in [0, 1), got " + std::to_string(o.tolerance));
  if (o.beam_width < 0 || o.beam_width > 64)
    throw Error("search: beam width must be in [0, 64], got " + std::to_string(o.beam_width));
  using Clock = std::chrono::steady_clock;
  auto since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  const auto t0 = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  double last_report = 0;
  auto report = [&](const std::string& s, bool force = false) {
    if (!o.progress) return;
    const double e = elapsed();
    if (!force && e - last_report < 0.5) return;
    last_report = e;
    char t[32];
    std::snprintf(t, sizeof t, "[%6.1fs] ", e);
    o.progress(t + s);
  };

  SearchResult r;
  r.graph_macs = GraphMacs(g);
  const int64_t mac_cap =
      o.max_overhead >= 0 ? static_cast<int64_t>(std::floor(r.graph_macs * (1.0 + o.max_overhead) + 1e-6)) : -1;
  const int nops = static_cast<int>(g.ops.size());

  // Layer-by-layer plan: the 1.00x point, and the per-operator bound of the tail.
  std::vector<int64_t> tail_lb(nops + 1, 0);  // tail_lb[k]: bound over the steps of operators >= k
  {
    Plan lbl = ScheduleStream(g, StreamConfig{{}, o.fold_pads}, Accounting{o.input_in_arena});
    const std::vector<int64_t> per_step = PlacementStepLowerBounds(LifetimeProblem(g, lbl, o.placement));
    std::vector<int64_t> per_op(nops, 0);
    for (int s = 0; s < static_cast<int>(lbl.steps.size()); ++s)
      if (lbl.steps[s].kind == StepKind::kOp && s < static_cast<int>(per_step.size()))
        per_op[lbl.steps[s].op] = std::max(per_op[lbl.steps[s].op], per_step[s]);
    for (int k = nops - 1; k >= 0; --k) tail_lb[k] = std::max(tail_lb[k + 1], per_op[k]);
  }
  auto tail_after = [&](int last_op) { return last_op + 1 <= nops ? tail_lb[last_op + 1] : 0; };

  // Split points worth a stage: one assembled tensor, smaller than the stage's largest tensor.
  struct Split {
    int last_op;
    int first_op;
    int32_t h, w;
  };
  std::vector<Split> splits;
  for (int k = 0; k < nops; ++k) {
    StreamConfig c;
    c.stages.push_back(StageSpec{-1, k, 1, 1, HaloMode::kRecompute});
    try {
      const std::vector<ResolvedStage> rs = ResolveStages(g, c);
      const SplitPoint& sp = rs[0].sp;
      if (sp.cut_tensors.size() != 1 || sp.cut_bytes >= sp.stage_peak_tensor_bytes) continue;
      splits.push_back(Split{k, sp.first_op, sp.min_cut_h, sp.min_cut_w});
    } catch (const Error&) {
    }
  }

  std::vector<Cand> cands;
  cands.push_back(Cand{StreamConfig{{}, o.fold_pads}, r.graph_macs, -1, 0});
  // Per stage (first, last, rows, cols, mode): extra MACs over layer-by-layer, and an analytic
  // peak bound: while the last patch writes its part of the assembled outputs, those whole
  // buffers, the stage inputs held in the arena and the per-patch inputs of that step are
  // all live (none of them may overlap: the assembled buffers started long before).
  std::map<std::tuple<int, int, int, int, int>, std::tuple<int64_t, int64_t, int64_t>> seg_cache;
  std::vector<bool> is_graph_input(g.tensors.size(), false);
  for (int t : g.inputs) is_graph_input[t] = true;
  auto stage_macs = [&](const StageSpec& s, int64_t* delta, int64_t* lb, int64_t* order) {
    auto key = std::make_tuple(s.first_op, s.last_op, s.rows, s.cols, static_cast<int>(s.halo));
    auto it = seg_cache.find(key);
    if (it != seg_cache.end()) {
      std::tie(*delta, *lb, *order) = it->second;
      return;
    }
    const std::vector<ResolvedStage> rs = ResolveStages(g, StreamConfig{{s}, o.fold_pads});
    const SplitPoint& sp = rs[0].sp;
    const StageWindows w = ComputeStageWindows(g, rs[0]);
    int64_t m = 0, base = 0;
    for (size_t p = 0; p < w.patches.size(); ++p)
      for (int op : sp.stage_ops) m += WindowMacs(g, op, w.compute[p][g.ops[op].outputs[0]]);
    for (int op : sp.stage_ops) base += OpMacs(g, op);
    int64_t ord = 0;
    {
      std::set<int> whole;
      for (int t : sp.cut_tensors) ord += Align16(g.tensors[t].num_bytes()), whole.insert(t);
      for (int t : sp.stage_inputs)
        if (o.input_in_arena || !is_graph_input[t]) ord += Align16(g.tensors[t].num_bytes()), whole.insert(t);
      int64_t extra = 0;
      for (int t : sp.cut_tensors) {
        const int op = g.producer(t);
        if (op < sp.first_op || w.compute.back()[t].empty()) continue;
        int64_t in = 0;
        for (int x : g.ops[op].inputs)
          if (x != kNoTensor && g.is_activation(x) && !whole.count(x) && g.ops[op].type != OpType::kPad)
            in += Align16(WindowBytes(g, x, w.patches.back().tensor[x]));
        extra = std::max(extra, in);
      }
      ord += extra;
    }
    int64_t bound = 0;
    std::set<int> counted;
    for (int t : sp.cut_tensors) bound += Align16(g.tensors[t].num_bytes()), counted.insert(t);
    // The stage inputs: only the windows the last patch reads (a planner may free the rows no
    // later patch reads).
    const PatchWindows& last = w.patches.back();
    for (int t : sp.stage_inputs)
      if (o.input_in_arena || !is_graph_input[t]) bound += Align16(WindowBytes(g, t, last.tensor[t])), counted.insert(t);
    int64_t extra = 0;
    for (int t : sp.cut_tensors) {
      const int op = g.producer(t);
      if (op < sp.first_op || w.compute.back()[t].empty()) continue;
      int64_t in = 0;
      for (int x : g.ops[op].inputs) {
        if (x == kNoTensor || !g.is_activation(x) || counted.count(x) || g.ops[op].type == OpType::kPad) continue;
        if (!o.input_in_arena && is_graph_input[x]) continue;  // streamed, outside the arena
        const int px = g.producer(x);
        if (px >= 0 && g.ops[px].type == OpType::kPad) continue;  // may be folded: no buffer
        in += Align16(WindowBytes(g, x, last.tensor[x]));
      }
      extra = std::max(extra, in);
    }
    bound += extra;
    // Any step of any patch holds its operator's inputs and output, which may overlap at most
    // fully: the bytes of the inputs, or of the output if larger (the parts the patch computes
    // and the windows it reads; folded PADs and streamed model inputs left out).
    for (size_t p = 0; p < w.patches.size(); ++p)
      for (int op : sp.stage_ops) {
        const Operator& od = g.ops[op];
        const int out = od.outputs[0];
        if (od.type == OpType::kPad || w.compute[p][out].empty()) continue;  // no step
        int64_t in = 0;
        for (int x : od.inputs) {
          if (x == kNoTensor || !g.is_activation(x) || (!o.input_in_arena && is_graph_input[x])) continue;
          const int px = g.producer(x);
          if (px >= 0 && g.ops[px].type == OpType::kPad) continue;
          in += Align16(WindowBytes(g, x, w.patches[p].tensor[x]));
        }
        const int64_t ob = Align16(WindowBytes(g, out, w.compute[p][out]));
        bound = std::max(bound, std::max(in, ob));
      }
    seg_cache[key] = {m - base, bound, ord};
    *delta = m - base;
    *lb = bound;
    *order = ord;
  };
  auto modes_for = [&](int rows, int cols) {
    std::vector<HaloMode> m;
    for (HaloMode h : o.modes) {
      if (h == HaloMode::kCache && cols == 1 &&
          std::find(o.modes.begin(), o.modes.end(), HaloMode::kCacheRows) != o.modes.end())
        continue;  // same windows as mixed
      if (h != HaloMode::kRecompute && rows == 1 && cols == 1) continue;
      m.push_back(h);
    }
    return m;
  };
  // Row-streaming grids beyond max_grid: one or two output rows per patch.
  auto tall_grids = [&](const Split& sp, std::set<std::pair<int, int>>* grids) {
    for (int n : {sp.h, sp.h / 2})
      if (n > o.max_grid && n <= kMaxPatches) grids->insert({n, 1});
  };
  auto add = [&](std::vector<Cand>& to, StreamConfig c, int last_op, int64_t delta, int64_t lb, int64_t order) {
    ++r.stats.candidates;
    Cand cd{std::move(c), r.graph_macs + delta, last_op, lb, -1, 0, order};
    if (mac_cap >= 0 && cd.macs > mac_cap) {
      ++r.stats.pruned_macs;
      return;
    }
    to.push_back(std::move(cd));
  };

  if (o.max_stages >= 1)
    for (const Split& sp : splits) {
      report("enumerating one-stage candidates: split " + std::to_string(sp.last_op));
      std::set<std::pair<int, int>> grids;
      for (int rows = 1; rows <= std::min(o.max_grid, sp.h); ++rows)
        for (int cols = 1; cols <= std::min(o.max_grid, sp.w); ++cols) grids.insert({rows, cols});
      tall_grids(sp, &grids);
      for (auto [rows, cols] : grids)
          for (HaloMode h : modes_for(rows, cols)) {
            if (rows > o.max_grid && h == HaloMode::kRecompute) continue;
            StageSpec s{sp.first_op, sp.last_op, rows, cols, h};
            int64_t d = 0, lb = 0, ord = 0;
            stage_macs(s, &d, &lb, &ord);
            add(cands, StreamConfig{{s}, o.fold_pads}, sp.last_op, d, lb, ord);
          }
    }

  // Per stage: the bytes live during its steps in the plan with this stage alone (the steps
  // before and after it layer by layer). In a schedule with more stages, the same buffers are
  // live during this stage's steps (earlier stages leave whole assembled tensors, as
  // layer-by-layer operators do), so this bounds every schedule containing the stage.
  std::map<std::tuple<int, int, int, int, int>, int64_t> stage_plan_cache;
  auto stage_plan_bound = [&](const StageSpec& s) -> int64_t {
    auto key = std::make_tuple(s.first_op, s.last_op, s.rows, s.cols, static_cast<int>(s.halo));
    auto it = stage_plan_cache.find(key);
    if (it != stage_plan_cache.end()) return it->second;
    const auto ts = Clock::now();
    const StreamConfig one{{s}, o.fold_pads};
    const std::vector<ResolvedStage> rs = ResolveStages(g, one);
    const int first = rs[0].sp.first_op, last = rs[0].spec.last_op;
    const Plan p = ScheduleStream(g, one, Accounting{o.input_in_arena});
    int64_t b = 0;
    int lo = -1, hi = -1;
    for (int i = 0; i < static_cast<int>(p.steps.size()); ++i)
      if (p.steps[i].kind == StepKind::kOp && p.steps[i].op >= first && p.steps[i].op <= last) {
        if (lo < 0) lo = i;
        hi = i;
      }
    const std::vector<int64_t> steps = FastLifetimeStepBounds(g, p, o.placement, std::max(lo, 0), hi);
    for (int i = std::max(lo, 0); i <= hi && i < static_cast<int>(steps.size()); ++i) b = std::max(b, steps[i]);
    ++r.stats.stage_plans;
    stage_plan_cache[key] = b;
    r.stats.seconds_stage_bounds += since(ts);
    return b;
  };

  // Lazy Pareto frontier in MAC order.
  int64_t best = INT64_MAX;  // smallest arena so far
  // A bound must be below this for the candidate to be worth visiting: `best`, less the
  // tolerance (a candidate that could lower it by less than that is not placed), but never
  // above the budget while `best` exceeds it (a candidate that might fit is always placed).
  auto limit = [&]() -> int64_t {
    if (best == INT64_MAX) return best;
    int64_t lim = best - static_cast<int64_t>(std::floor(static_cast<double>(best) * o.tolerance));
    if (o.sram_budget >= 0 && best > o.sram_budget) lim = std::max(lim, o.sram_budget + 1);
    return std::min(lim, best);
  };
  // Per prefix (every stage but the last, of schedules with two or more stages): the smallest
  // arena of the schedules placed with it whose peak lies before their last stage (every item
  // that reaches the arena's top dies before the last stage's first step), and how many.
  // Schedules that differ only in the last stage share that part of the plan; once four of
  // them peaked there, the others are expected to as well and are not placed when that arena
  // does not beat the incumbent.
  std::map<std::string, std::pair<int64_t, int>> prefix_peak;
  auto prefix_key = [](const StreamConfig& c) {
    StreamConfig p = c;
    p.stages.pop_back();
    return StreamSpecString(p);
  };
  auto sweep = [&](std::vector<Cand>& list, const std::string& phase) {
    // MAC order; at equal MACs the smallest analytic bound first (it lowers `best` soonest).
    auto key = [&](const Cand& c) { return std::max(c.order_lb, tail_after(c.last_op)); };
    // Points placed before (the previous frontier) come first at equal MACs: they cost nothing.
    std::stable_sort(list.begin(), list.end(), [&](const Cand& a, const Cand& b) {
      if (a.macs != b.macs) return a.macs < b.macs;
      if ((a.arena >= 0) != (b.arena >= 0)) return a.arena >= 0;
      return key(a) < key(b);
    });
    int64_t i = 0;
    int64_t fit_macs = -1;  // MACs of the first point within the SRAM budget
    for (const Cand& c : list) {
      ++i;
      report(phase + ": " + std::to_string(i) + "/" + std::to_string(list.size()) + " candidates, " +
             std::to_string(r.stats.placed) + " placed, best " + (best == INT64_MAX ? std::string("-") : Human(best)));
      // The fewest MACs within the budget are found; the candidates at exactly those MACs are
      // still visited so that the smallest arena among them is returned.
      if (o.sram_budget >= 0 && best <= o.sram_budget) {
        if (fit_macs < 0) fit_macs = r.frontier.back().macs;
        if (c.macs > fit_macs) break;
      }
      const int64_t lim = limit();
      if (tail_after(c.last_op) >= lim || c.stage_lb >= lim) {
        ++r.stats.pruned_tail;
        continue;
      }
      if (c.arena >= 0) {  // placed before
        if (c.arena < best) {
          best = c.arena;
          if (!r.frontier.empty() && r.frontier.back().macs == c.macs) r.frontier.pop_back();
          r.frontier.push_back(SearchPoint{c.cfg, c.macs, c.arena, c.placed_lb});
        }
        continue;
      }
      std::string pkey;
      if (c.cfg.stages.size() >= 2) {
        pkey = prefix_key(c.cfg);
        auto pk = prefix_peak.find(pkey);
        if (pk != prefix_peak.end() && pk->second.second >= 4 && pk->second.first >= lim) {
          ++r.stats.pruned_prefix;
          continue;
        }
      }
      bool stage_pruned = false;
      for (const StageSpec& s : c.cfg.stages)
        if (stage_plan_bound(s) >= lim) {
          stage_pruned = true;
          break;
        }
      if (stage_pruned) {
        ++r.stats.pruned_stage;
        continue;
      }
      const auto tb = Clock::now();
      Plan p = ScheduleStream(g, c.cfg, Accounting{o.input_in_arena});
      if (FastLifetimeLowerBound(g, p, o.placement) >= lim) {
        ++r.stats.pruned_bound;
        r.stats.seconds_plans += since(tb);
        continue;
      }
      const PlacementProblem prob = LifetimeProblem(g, p, o.placement);
      const int64_t lb = PlacementLowerBound(prob);
      r.stats.seconds_plans += since(tb);
      if (lb >= lim) {
        ++r.stats.pruned_bound;
        continue;
      }
      const auto tp = Clock::now();
      Placement pl = PlaceLifetimeProblem(prob, std::min(o.placement.restarts, 8), std::min(o.placement.rounds, 16));
      r.stats.seconds_placing += since(tp);
      ++r.stats.placed;
      if (pl.size < c.stage_lb) ++r.stats.bound_violations;  // a bug in the analytic bound
      if (!pkey.empty()) {
        // Where the arena peaks: does every item reaching the top die before the last stage?
        const int first_op = c.cfg.stages.back().first_op;
        int boundary = static_cast<int>(p.steps.size());
        for (int i = 0; i < static_cast<int>(p.steps.size()); ++i)
          if (p.steps[i].kind == StepKind::kOp && p.steps[i].op >= first_op) {
            boundary = i;
            break;
          }
        bool before = first_op >= 0;
        for (size_t x = 0; x < prob.items.size() && before; ++x)
          if (pl.offsets[x] + prob.items[x].size == pl.size && prob.items[x].last >= boundary) before = false;
        if (before) {
          auto [pk, fresh] = prefix_peak.try_emplace(pkey, pl.size, 0);
          pk->second.first = std::min(pk->second.first, pl.size);
          ++pk->second.second;
        }
      }
      if (pl.size < best) {
        best = pl.size;
        // Equal MACs: the later point replaces the earlier one.
        if (!r.frontier.empty() && r.frontier.back().macs == c.macs) r.frontier.pop_back();
        r.frontier.push_back(SearchPoint{c.cfg, c.macs, pl.size, lb});
      }
    }
  };
  sweep(cands, "one stage");

  // The (k-1)-stage candidates of the previous level, for the beam.
  std::vector<Cand> level;
  for (const Cand& c : cands)
    if (!c.cfg.stages.empty()) level.push_back(c);
  for (int k = 2; k <= o.max_stages; ++k) {
    // k stages: the first k-1 from the current frontier and from the beam, one more stage
    // after them.
    std::vector<Cand> more;
    const std::vector<SearchPoint> prev = r.frontier;
    // Prefixes: the frontier's (k-1)-stage points, and per split the beam_width (k-1)-stage
    // candidates with the smallest analytic stage bound (fewest MACs on ties), which need not
    // lower the peak alone: a later stage may remove the peak they leave in the tail.
    std::vector<SearchPoint> prefixes;
    std::set<std::string> seen;
    for (const SearchPoint& sp1 : prev)
      if (static_cast<int>(sp1.config.stages.size()) == k - 1 && seen.insert(StreamSpecString(sp1.config)).second)
        prefixes.push_back(sp1);
    if (o.beam_width > 0) {
      const int64_t mac_limit = (o.sram_budget >= 0 && best <= o.sram_budget) ? r.frontier.back().macs : INT64_MAX;
      std::stable_sort(level.begin(), level.end(), [](const Cand& a, const Cand& b) {
        return a.last_op != b.last_op ? a.last_op < b.last_op
                                      : (a.order_lb != b.order_lb ? a.order_lb < b.order_lb : a.macs < b.macs);
      });
      // Per split: the 8 x beam_width smallest analytic bounds are ranked again by their
      // stages' own bounds (single-stage plans, cached), and the beam_width best kept.
      std::vector<std::pair<std::tuple<int64_t, int64_t, int64_t>, const Cand*>> group;
      auto flush = [&] {
        std::stable_sort(group.begin(), group.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        int taken = 0;
        for (const auto& [score, c] : group) {
          if (taken >= o.beam_width || std::get<0>(score) >= best) break;
          if (!seen.insert(StreamSpecString(c->cfg)).second) continue;
          ++taken;
          prefixes.push_back(SearchPoint{c->cfg, c->macs, -1, 0});
        }
        group.clear();
      };
      int considered = 0, at = -2;
      for (const Cand& c : level) {
        if (c.last_op != at) flush(), at = c.last_op, considered = 0;
        if (considered >= 8 * o.beam_width || c.order_lb >= best || c.macs > mac_limit) continue;
        ++considered;
        int64_t own = 0;
        for (const StageSpec& st : c.cfg.stages) own = std::max(own, stage_plan_bound(st));
        group.push_back({{own, c.order_lb, c.macs}, &c});
      }
      flush();
    }
    for (const SearchPoint& sp1 : prefixes) {
      const StageSpec& s1 = sp1.config.stages.back();
      int64_t lb1 = 0, ord1 = 0;
      for (const StageSpec& s : sp1.config.stages) {
        int64_t d = 0, lb = 0, ord = 0;
        stage_macs(s, &d, &lb, &ord);
        lb1 = std::max(lb1, lb);
        ord1 = std::max(ord1, ord);
      }
      for (const Split& sp : splits) {
        if (sp.last_op <= s1.last_op) continue;
        if (tail_after(sp.last_op) >= best) continue;
        report("enumerating " + std::to_string(k) + "-stage candidates after " + StreamSpecString(sp1.config));
        std::set<std::pair<int, int>> grids;
        for (int n = 1; n <= o.max_grid; ++n)
          for (auto [rr, cc] : {std::pair{n, 1}, std::pair{n, n}, std::pair{n, n + 1}, std::pair{n + 1, n}})
            if (rr <= sp.h && cc <= sp.w && rr <= o.max_grid && cc <= o.max_grid) grids.insert({rr, cc});
        tall_grids(sp, &grids);
        for (auto [rows, cols] : grids)
          for (HaloMode h : modes_for(rows, cols)) {
            if (rows > o.max_grid && h == HaloMode::kRecompute) continue;
            StageSpec s2{s1.last_op + 1, sp.last_op, rows, cols, h};
            int64_t d2 = 0, lb2 = 0, ord2 = 0;
            try {
              stage_macs(s2, &d2, &lb2, &ord2);
            } catch (const Error&) {
              continue;  // not a valid stage (e.g. a non-windowable operator in between)
            }
            StreamConfig c = sp1.config;
            c.stages.push_back(s2);
            add(more, std::move(c), sp.last_op, sp1.macs - r.graph_macs + d2, std::max(lb1, lb2), std::max(ord1, ord2));
          }
      }
    }
    if (more.empty()) break;
    level = more;
    // The current frontier and the new candidates, swept again in MAC order.
    std::vector<Cand> all;
    for (const SearchPoint& p : prev) {
      int64_t lb = 0, ord = 0;
      for (const StageSpec& s : p.config.stages) {
        int64_t d = 0, l = 0, so = 0;
        stage_macs(s, &d, &l, &so);
        lb = std::max(lb, l);
        ord = std::max(ord, so);
      }
      all.push_back(Cand{p.config, p.macs, p.config.stages.empty() ? -1 : p.config.stages.back().last_op, lb,
                         p.arena_bytes, p.lower_bound, ord});
    }
    for (Cand& c : more) all.push_back(std::move(c));
    r.frontier.clear();
    best = INT64_MAX;
    sweep(all, std::to_string(k) + " stages");
  }

  // The choice.
  for (const SearchPoint& p : r.frontier) {
    const bool mac_ok = mac_cap < 0 || p.macs <= mac_cap;
    if (!mac_ok) continue;
    if (o.sram_budget >= 0) {
      if (p.arena_bytes <= o.sram_budget) {
        r.chosen = p;
        r.feasible = true;
        break;
      }
    } else {
      r.chosen = p;  // frontier arena decreases: the last one within the MAC cap is smallest
      r.feasible = true;
    }
  }
  // Within the budget nothing placed with the search's effort: the final placement tries more
  // orderings, so the frontier points just above the budget (a few, fewest MACs first) are
  // placed with it, and the first that fits is chosen.
  Plan fitted;
  if (o.sram_budget >= 0 && !r.feasible) {
    int tries = 0;
    for (const SearchPoint& p : r.frontier) {
      if (tries >= 4) break;
      if ((mac_cap >= 0 && p.macs > mac_cap) || p.lower_bound > o.sram_budget ||
          static_cast<double>(p.arena_bytes) > 1.03 * static_cast<double>(o.sram_budget))
        continue;
      ++tries;
      Plan q = BuildStreamPlan(g, p.config, o.input_in_arena, o.placement);
      if (q.arena_bytes <= o.sram_budget) {
        r.chosen = p;
        r.feasible = true;
        fitted = std::move(q);
        break;
      }
    }
  }
  if (r.feasible) {
    r.plan = fitted.steps.empty() ? BuildStreamPlan(g, r.chosen.config, o.input_in_arena, o.placement) : std::move(fitted);
    CheckPlanOrThrow(g, r.plan);
    r.chosen.arena_bytes = r.plan.arena_bytes;  // the final placement tries more orderings
    std::vector<SearchPoint> f;
    for (SearchPoint p : r.frontier) {
      if (p.config == r.chosen.config) p.arena_bytes = r.chosen.arena_bytes;
      if (!f.empty() && p.arena_bytes >= f.back().arena_bytes) continue;  // now dominated
      f.push_back(std::move(p));
    }
    r.frontier = std::move(f);
  } else {
    const int64_t smallest = r.frontier.empty() ? -1 : r.frontier.back().arena_bytes;
    std::string e = "no plan fits " + Human(o.sram_budget);
    if (mac_cap >= 0) {
      char t[96];
      std::snprintf(t, sizeof t, " within +%.1f%% MACs", 100 * o.max_overhead);
      e += t;
    }
    if (smallest >= 0) {
      e += ": the smallest peak reachable is " + Human(smallest) + " (" + StreamSpecString(r.frontier.back().config) +
           ", " + std::to_string(r.frontier.back().macs) + " MACs)";
      e += "; the layer-by-layer part after the latest split needs at least " + Human(tail_after(splits.empty() ? -1 : splits.back().last_op));
    } else {
      e += ": no candidate is within the MAC budget";
    }
    r.explanation = e;
  }
  r.stats.seconds = elapsed();
  report("done: " + std::to_string(r.stats.candidates) + " candidates, " + std::to_string(r.stats.placed) + " placed",
         true);
  return r;
}

SearchResult SearchPlans(const Graph& g, const SearchOptions& opts) {
  if (opts.cost != SearchCost::kMacs) return SearchPlansByEstimate(g, opts);
  SearchResult r = SearchOnce(g, opts);
  // The sweep in MAC order reaches 1.00x schedules with fewer stages than a search restricted
  // to 1.00x explores, so that search runs too: with a budget when the chosen plan pays extra
  // MACs (or none fits), its plan is taken when it fits; without a budget its plan is taken
  // when it is smaller than the chosen one (it is within any MAC bound).
  if (opts.max_overhead == 0) return r;
  if (opts.sram_budget >= 0 && r.feasible && r.chosen.macs <= r.graph_macs) return r;
  SearchOptions z = opts;
  z.max_overhead = 0;
  z.sram_budget = -1;
  SearchResult zr = SearchOnce(g, z);
  r.stats.candidates += zr.stats.candidates;
  r.stats.placed += zr.stats.placed;
  r.stats.seconds += zr.stats.seconds;
  if (!zr.feasible) return r;
  if (opts.sram_budget >= 0 ? zr.plan.arena_bytes > opts.sram_budget
                            : (r.feasible && zr.plan.arena_bytes >= r.chosen.arena_bytes))
    return r;
  SearchPoint best = zr.chosen;
  best.arena_bytes = zr.plan.arena_bytes;
  std::vector<SearchPoint> f = {best};
  for (const SearchPoint& p : r.frontier)
    if (p.macs > best.macs && p.arena_bytes < f.back().arena_bytes) f.push_back(p);
  r.frontier = std::move(f);
  r.chosen = best;
  r.plan = std::move(zr.plan);
  r.feasible = true;
  r.explanation.clear();
  return r;
}

std::string FrontierTable(const SearchResult& r) {
  std::string s;
  char line[512];
  // With estimated instructions or cycles (SearchCost::kInstructions, kCycles): two more columns.
  const bool instr = r.graph_instructions > 0, cyc = r.graph_cycles > 0;
  std::snprintf(line, sizeof line, "%3s %12s %10s %14s %9s%s%s  %s\n", "", "SRAM bytes", "KiB", "MACs", "overhead",
                instr ? "   est. instr  overhead" : "", cyc ? "  est. cycles  overhead" : "",
                "schedule (SPLIT:ROWSxCOLS:HALO per stage)");
  s += line;
  for (const SearchPoint& p : r.frontier) {
    const bool chosen = r.feasible && p.config == r.chosen.config;
    char extra[64] = "";
    if (instr && p.instructions >= 0)
      std::snprintf(extra, sizeof extra, " %12.0f %8.2f%%", p.instructions,
                    100 * (p.instructions / r.graph_instructions - 1.0));
    else if (cyc && p.cycles >= 0)
      std::snprintf(extra, sizeof extra, " %12.0f %8.2f%%", p.cycles, 100 * (p.cycles / r.graph_cycles - 1.0));
    std::snprintf(line, sizeof line, "%3s %12lld %10.1f %14lld %8.2f%%%s  %s\n", chosen ? "*" : "",
                  static_cast<long long>(p.arena_bytes), p.arena_bytes / 1024.0, static_cast<long long>(p.macs),
                  100 * p.overhead(r.graph_macs), extra, StreamSpecString(p.config).c_str());
    s += line;
  }
  return s;
}

std::string FrontierSvg(const SearchResult& r, const std::string& title, const std::vector<FrontierMark>& marks) {
  const double W = 720, H = 440, L = 80, R = 20, T = 40, B = 50;
  double xmax = 1, ymin = 1.0, ymax = 1.0;
  for (const SearchPoint& p : r.frontier) {
    xmax = std::max(xmax, static_cast<double>(p.arena_bytes));
    ymax = std::max(ymax, 1.0 + p.overhead(r.graph_macs));
  }
  for (const FrontierMark& m : marks) {
    xmax = std::max(xmax, static_cast<double>(m.bytes));
    ymax = std::max(ymax, m.mac_ratio);
  }
  xmax *= 1.05;
  ymax = ymin + (ymax - ymin) * 1.1 + 0.01;
  auto X = [&](double b) { return L + (W - L - R) * b / xmax; };
  auto Y = [&](double ratio) { return H - B - (H - T - B) * (ratio - ymin) / (ymax - ymin); };
  auto esc = [](const std::string& s) {
    std::string o;
    for (char c : s) {
      if (c == '<') o += "&lt;";
      else if (c == '>') o += "&gt;";
      else if (c == '&') o += "&amp;";
      else o += c;
    }
    return o;
  };
  std::string s;
  char t[512];
  std::snprintf(t, sizeof t,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" "
                "font-size=\"11\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                W, H);
  s += t;
  s += "<text x=\"" + std::to_string(static_cast<int>(L)) + "\" y=\"22\" font-size=\"14\">" + esc(title) + "</text>\n";
  std::snprintf(t, sizeof t,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n"
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n",
                L, H - B, W - R, H - B, L, T, L, H - B);
  s += t;
  for (int i = 0; i <= 5; ++i) {
    const double b = xmax * i / 5;
    std::snprintf(t, sizeof t, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f KiB</text>\n", X(b), H - B + 16,
                  b / 1024);
    s += t;
    const double y = ymin + (ymax - ymin) * i / 5;
    std::snprintf(t, sizeof t, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.3fx</text>\n", L - 6, Y(y) + 4, y);
    s += t;
  }
  std::snprintf(t, sizeof t,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">peak SRAM (arena)</text>\n"
                "<text x=\"16\" y=\"%.1f\" transform=\"rotate(-90 16 %.1f)\" text-anchor=\"middle\">MACs / "
                "layer-by-layer</text>\n",
                (L + W - R) / 2, H - 12, (T + H - B) / 2, (T + H - B) / 2);
  s += t;
  // Staircase of the frontier.
  std::string path;
  for (size_t i = 0; i < r.frontier.size(); ++i) {
    const SearchPoint& p = r.frontier[i];
    std::snprintf(t, sizeof t, "%s%.1f,%.1f", path.empty() ? "" : " ", X(p.arena_bytes), Y(1.0 + p.overhead(r.graph_macs)));
    path += t;
  }
  if (!path.empty()) s += "<polyline fill=\"none\" stroke=\"#3465a4\" stroke-width=\"1.5\" points=\"" + path + "\"/>\n";
  for (const SearchPoint& p : r.frontier) {
    const bool chosen = r.feasible && p.config == r.chosen.config;
    std::snprintf(t, sizeof t,
                  "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\"><title>%lld B, %lld MACs (+%.2f%%): "
                  "%s</title></circle>\n",
                  X(p.arena_bytes), Y(1.0 + p.overhead(r.graph_macs)), chosen ? 5 : 3, chosen ? "#cc0000" : "#3465a4",
                  static_cast<long long>(p.arena_bytes), static_cast<long long>(p.macs), 100 * p.overhead(r.graph_macs),
                  esc(StreamSpecString(p.config)).c_str());
    s += t;
  }
  for (const FrontierMark& m : marks) {
    std::snprintf(t, sizeof t,
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\" fill=\"#f57900\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                  X(m.bytes) - 3.5, Y(m.mac_ratio) - 3.5, X(m.bytes) + 6, Y(m.mac_ratio) - 6, esc(m.label).c_str());
    s += t;
  }
  s += "</svg>\n";
  return s;
}

}  // namespace tessera
