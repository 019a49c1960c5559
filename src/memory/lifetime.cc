#include "memory/lifetime.h"

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <string>

#include "memory/overlap.h"
#include "schedule/fuse.h"
#include "memory/workspace.h"

namespace tessera {

int64_t CopyMaxShift(const Graph& g, const Plan& plan, int step) {
  if (step < 0 || step >= static_cast<int>(plan.steps.size()))
    throw Error("CopyMaxShift: step " + std::to_string(step) + " out of range");
  const Step& st = plan.steps[step];
  const int nb = static_cast<int>(plan.buffers.size());
  if (st.kind != StepKind::kCopy || st.inputs.size() != 1 || st.outputs.size() != 1 || st.inputs[0] < 0 ||
      st.inputs[0] >= nb || st.outputs[0] < 0 || st.outputs[0] >= nb)
    throw Error("CopyMaxShift: step " + std::to_string(step) + " is not a copy between two buffers");
  const Buffer& S = plan.buffers[st.inputs[0]];
  const Buffer& D = plan.buffers[st.outputs[0]];
  if (S.tensor < 0 || S.tensor != D.tensor || !S.window.contains(st.window) || !D.window.contains(st.window) ||
      st.window.empty())
    throw Error("CopyMaxShift: step " + std::to_string(step) + " copies a window its buffers do not hold");
  const Shape4 sh = AsNHWC(g.tensors[S.tensor].shape);
  const int64_t px = int64_t{sh.c} * DTypeSize(g.tensors[S.tensor].type);
  const Window& w = st.window;
  auto sbyte = [&](int32_t y) { return ((int64_t{y} - S.window.y0) * S.window.w() + (w.x0 - S.window.x0)) * px; };
  auto dbyte = [&](int32_t y) { return ((int64_t{y} - D.window.y0) * D.window.w() + (w.x0 - D.window.x0)) * px; };
  const int64_t row = int64_t{w.w()} * px;
  // Byte k of the copy is read, then written; the write must land below every byte read later.
  int64_t best = std::numeric_limits<int64_t>::max();
  for (int32_t y = w.y0; y < w.y1; ++y) {
    if (row > 1) best = std::min(best, sbyte(y) - dbyte(y));
    if (y + 1 < w.y1) best = std::min(best, sbyte(y + 1) - (dbyte(y) + row));
  }
  return best == std::numeric_limits<int64_t>::max() ? kAnyShift : best;
}

namespace {

std::optional<int64_t> CachedShift(const Graph& g, const Plan& plan, int s, int is, int os, ShiftCache* cache) {
  const Step& st = plan.steps[s];
  if (!cache) return MaxOutputShift(g, plan, s, is, os, st.scratch >= 0);
  const int nb = static_cast<int>(plan.buffers.size());
  const int ib = st.inputs[is], ob = st.outputs[os];
  if (ib < 0 || ib >= nb || ob < 0 || ob >= nb) return MaxOutputShift(g, plan, s, is, os, st.scratch >= 0);
  const Buffer& I = plan.buffers[ib];
  const Buffer& O = plan.buffers[ob];
  const int32_t k[] = {st.op,  st.fused_pad, is,          os,          st.scratch >= 0, I.tensor,    O.tensor,
                       st.window.y0, st.window.y1, st.window.x0, st.window.x1, I.window.y0, I.window.y1, I.window.x0,
                       I.window.x1, O.window.y0, O.window.y1, O.window.x0, O.window.x1};
  std::string key(reinterpret_cast<const char*>(k), sizeof k);
  auto it = cache->shifts.find(key);
  if (it != cache->shifts.end()) return it->second;
  const std::optional<int64_t> d = MaxOutputShift(g, plan, s, is, os, st.scratch >= 0);
  if (cache->shifts.size() < (1u << 22)) cache->shifts.emplace(std::move(key), d);
  return d;
}

}  // namespace

std::vector<OverlapPair> LifetimePairs(const Graph& g, const Plan& plan, const LifetimeOptions& o, int first_step,
                                       int last_step) {
  std::vector<OverlapPair> pairs;
  for (int s = std::max(first_step, 0); s < static_cast<int>(plan.steps.size()) && s <= last_step; ++s) {
    const Step& st = plan.steps[s];
    if (st.kind == StepKind::kCopy) {
      pairs.push_back(OverlapPair{s, st.inputs[0], st.outputs[0], CopyMaxShift(g, plan, s)});
      continue;
    }
    const OverlapClass c = ClassifyOverlap(g, plan, s);
    if (c == OverlapClass::kNone || (c == OverlapClass::kOverlap && !o.overlap) || (!o.inplace && !o.overlap))
      continue;
    for (int is = 0; is < static_cast<int>(st.inputs.size()); ++is)
      for (int os = 0; os < static_cast<int>(st.outputs.size()); ++os)
        if (const auto d = CachedShift(g, plan, s, is, os, o.shift_cache))
          pairs.push_back(OverlapPair{s, st.inputs[is], st.outputs[os], *d});
  }
  return pairs;
}

std::vector<CopyAlias> LifetimeCopyAliases(const Graph& g, const Plan& plan) {
  const int nb = static_cast<int>(plan.buffers.size());
  const int ns = static_cast<int>(plan.steps.size());
  // The last step writing each buffer, and how many steps write it.
  std::vector<int> last_write(nb, -1), writes(nb, 0);
  for (int s = 0; s < ns; ++s)
    for (int b : plan.steps[s].outputs)
      if (b >= 0 && b < nb) {
        last_write[b] = s;
        ++writes[b];
      }
  std::vector<CopyAlias> r;
  for (int s = 0; s < ns; ++s) {
    const Step& st = plan.steps[s];
    if (st.kind != StepKind::kCopy || st.inputs.size() != 1 || st.outputs.size() != 1) continue;
    const int src = st.inputs[0], dst = st.outputs[0];
    if (src < 0 || src >= nb || dst < 0 || dst >= nb || src == dst) continue;
    const Buffer& S = plan.buffers[src];
    const Buffer& D = plan.buffers[dst];
    if (S.external || D.external || S.tensor < 0 || S.tensor != D.tensor) continue;
    // The copy holds exactly the copied window, which spans the source's full rows (so its
    // bytes are one contiguous run of the source, in the same order).
    if (D.window != st.window || st.window.x0 != S.window.x0 || st.window.x1 != S.window.x1 ||
        !S.window.contains(st.window))
      continue;
    // Neither is written after the copy: the shared bytes keep the same values.
    if (last_write[src] >= s || writes[dst] != 1 || last_write[dst] != s) continue;
    const Shape4 sh = AsNHWC(g.tensors[S.tensor].shape);
    const int64_t px = int64_t{sh.c} * DTypeSize(g.tensors[S.tensor].type);
    r.push_back(CopyAlias{dst, src, int64_t{st.window.y0 - S.window.y0} * S.window.w() * px});
  }
  return r;
}

PlacementProblem LifetimeProblem(const Graph& g, const Plan& plan, const LifetimeOptions& o) {
  std::vector<std::pair<int, int>> aliases;
  if (o.views)
    for (const ViewAlias& a : FindViewAliases(g, plan)) aliases.emplace_back(a.input_buffer, a.output_buffer);
  return BuildPlacementProblem(plan, aliases, LifetimePairs(g, plan, o), o.alignment, LifetimeCopyAliases(g, plan));
}

Placement PlaceLifetimeProblem(const PlacementProblem& p, int restarts, int rounds, int ruin_rounds) {
  Placement r = PlaceCriticalMoves(p, restarts, rounds);
  return RuinAndRecreate(p, r, ruin_rounds);
}

Placement PlaceCriticalMoves(const PlacementProblem& p, int restarts, int rounds) {
  Placement best = PlaceBestOrdering(p, restarts);
  const int n = static_cast<int>(p.items.size());
  if (n < 2 || rounds <= 0) return best;
  const int64_t lb = PlacementLowerBound(p);
  if (best.size <= lb) return best;
  // The order that reproduces the placement: by offset, larger items first on ties (first fit
  // in this order puts every item at or below its offset).
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return best.offsets[a] != best.offsets[b] ? best.offsets[a] < best.offsets[b] : p.items[a].size > p.items[b].size;
  });
  Placement cur = PlaceFirstFit(p, order);
  bool improved_any = false;
  // Local search on the critical items (those reaching the arena's top): swap one of them in
  // the first-fit order with an item live at the same time, or move it to the front; keep the
  // move when the arena does not grow and fewer bytes reach its top (plateaus are crossed).
  auto top_bytes = [&](const Placement& pl) {
    int64_t t = 0;
    for (int x = 0; x < n; ++x)
      if (pl.offsets[x] + p.items[x].size == pl.size) t += p.items[x].size;
    return t;
  };
  int64_t cur_top = top_bytes(cur);
  uint64_t rng = 0x9e3779b97f4a7c15ULL ^ static_cast<uint64_t>(n);
  auto below = [&](int m) {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((rng >> 33) % static_cast<uint64_t>(m));
  };
  std::vector<int> pos(n);
  for (int round = 0; round < rounds && cur.size > lb; ++round) {
    for (int i = 0; i < n; ++i) pos[order[i]] = i;
    std::vector<int> critical;
    for (int x = 0; x < n; ++x)
      if (cur.offsets[x] + p.items[x].size == cur.size) critical.push_back(x);
    if (critical.empty()) break;
    const int x = critical[below(static_cast<int>(critical.size()))];
    std::vector<int> o = order;
    if (p.edges[x].empty() || below(4) == 0) {
      o.erase(o.begin() + pos[x]);
      o.insert(o.begin(), x);
    } else {
      const int y = p.edges[x][below(static_cast<int>(p.edges[x].size()))].other;
      std::swap(o[pos[x]], o[pos[y]]);
    }
    Placement pl = PlaceFirstFit(p, o);
    {
      Placement pa = PlaceFirstFit(p, o, /*affinity=*/true);
      if (pa.size < pl.size) pl = std::move(pa);
    }
    if (pl.size > cur.size) continue;
    const int64_t t = top_bytes(pl);
    if (pl.size == cur.size && t >= cur_top) continue;
    improved_any = improved_any || pl.size < best.size;
    cur = std::move(pl);
    cur_top = t;
    order = std::move(o);
  }
  if (improved_any && cur.size < best.size) {
    cur.method = best.method + " + critical-item moves";
    cur.proved_optimal = cur.size <= lb;
    return cur;
  }
  return best;
}

LifetimeSummary PlaceLifetime(const Graph& g, Plan& plan, const LifetimeOptions& o) {
  LifetimeSummary s;
  const Plan scheduled = plan;
  std::vector<std::pair<int, int>> aliases;
  if (o.views)
    for (const ViewAlias& a : FindViewAliases(g, scheduled)) aliases.emplace_back(a.input_buffer, a.output_buffer);
  const std::vector<OverlapPair> pairs = LifetimePairs(g, scheduled, o);
  const std::vector<CopyAlias> copies = LifetimeCopyAliases(g, scheduled);
  PlacementProblem prob;
  Placement pl;
  PlaceWithWorkspaces(
      g, plan,
      [&](const std::vector<int64_t>& ws) {
        return BuildPlacementProblem(scheduled, aliases, pairs, o.alignment, copies,
                                     o.alignment % 4 == 0 ? ws : std::vector<int64_t>{});
      },
      [&](const PlacementProblem& p) {
        Placement r = PlaceLifetimeProblem(p, o.restarts, o.rounds, o.ruin_rounds);
        SeparateOpPairs(p, r, scheduled);
        return r;
      },
      WorkspacePolicy::kAuto, &prob, &pl);
  s.lower_bound = PlacementLowerBound(prob);
  s.items = static_cast<int>(prob.items.size());
  for (const OverlapPair& p : prob.pairs) (plan.steps[p.step].kind == StepKind::kCopy ? s.copy_pairs : s.overlap_pairs)++;
  s.arena_bytes = plan.arena_bytes;
  s.method = pl.method;
  if (plan.strategy.find("+lifetime") == std::string::npos) plan.strategy += "+lifetime";
  return s;
}

int64_t LifetimeLowerBound(const Graph& g, const Plan& plan, const LifetimeOptions& o) {
  return PlacementLowerBound(LifetimeProblem(g, plan, o));
}

int64_t FastLifetimeLowerBound(const Graph& g, const Plan& plan, const LifetimeOptions& o) {
  const int64_t a = std::max<int64_t>(o.alignment, 1);
  int64_t best = 0;
  for (const Buffer& b : plan.buffers)
    if (!b.external && b.first >= 0 && b.last >= b.first) best = std::max(best, (b.bytes + a - 1) / a * a);
  for (int64_t v : FastLifetimeStepBounds(g, plan, o)) best = std::max(best, v);
  return best;
}

std::vector<int64_t> FastLifetimeStepBounds(const Graph& g, const Plan& plan, const LifetimeOptions& o, int first_step,
                                            int last_step) {
  const int nb = static_cast<int>(plan.buffers.size());
  const int ns = static_cast<int>(plan.steps.size());
  const int64_t a = std::max<int64_t>(o.alignment, 1);
  auto aligned = [&](int b) { return (plan.buffers[b].bytes + a - 1) / a * a; };
  int steps = ns;
  for (const Buffer& b : plan.buffers) steps = std::max(steps, b.last + 1);
  std::vector<int64_t> diff(steps + 1, 0), saved(steps, 0);
  for (int b = 0; b < nb; ++b) {
    const Buffer& B = plan.buffers[b];
    if (B.external || B.first < 0 || B.last < B.first) continue;
    const int64_t sz = aligned(b);
    if (B.bands.empty()) {
      diff[B.first] += sz;
      diff[B.last + 1] -= sz;
      continue;
    }
    std::vector<BufferBand> pieces = BufferPieces(B);
    pieces.back().end = std::max(pieces.back().end, sz);
    for (const BufferBand& pc : pieces) {
      diff[pc.first] += pc.end - pc.begin;
      diff[pc.last + 1] -= pc.end - pc.begin;
    }
  }
  // Pairs that may overlap, as BuildPlacementProblem keeps them (tightest per pair).
  std::map<std::pair<int, int>, std::pair<int, int64_t>> allow;  // (out, in) -> (step, shift)
  for (const OverlapPair& p : LifetimePairs(g, plan, o, first_step, last_step)) {
    if (p.input < 0 || p.output < 0 || p.input >= nb || p.output >= nb || p.input == p.output) continue;
    const Buffer& bi = plan.buffers[p.input];
    const Buffer& bo = plan.buffers[p.output];
    if (bi.external || bo.external || bi.last != p.step || bo.first != p.step) continue;
    int64_t d = std::min<int64_t>(p.max_shift, aligned(p.input));
    d = (d >= 0 ? d / a : -((-d + a - 1) / a)) * a;
    if (d <= -aligned(p.output)) continue;
    auto key = std::make_pair(p.output, p.input);
    auto it = allow.find(key);
    if (it == allow.end() || d < it->second.second) allow[key] = {p.step, d};
  }
  for (const auto& [key, v] : allow) {
    const int64_t so = aligned(key.first), si = aligned(key.second), d = v.second;
    saved[v.first] += std::max<int64_t>(0, std::min(d + so, si) - std::max<int64_t>(d, 0));
  }
  // Copy aliases (as BuildPlacementProblem keeps them): the copy shares its bytes with its
  // source at every step both live.
  for (const CopyAlias& c : LifetimeCopyAliases(g, plan)) {
    if (c.rel % a != 0 || allow.count({c.copy, c.source}) || allow.count({c.source, c.copy})) continue;
    const Buffer& x = plan.buffers[c.copy];
    const Buffer& y = plan.buffers[c.source];
    if (c.rel + x.bytes > y.bytes) continue;
    const int f = std::max(x.first, y.first), l = std::min(x.last, y.last);
    if (l < first_step || f > last_step) continue;
    for (int s = std::max(f, 0); s <= l && s < steps; ++s) saved[s] += aligned(c.copy);
  }
  if (o.views)
    for (const ViewAlias& va : FindViewAliases(g, plan)) {
      const Buffer& x = plan.buffers[va.input_buffer];
      const Buffer& y = plan.buffers[va.output_buffer];
      for (int s = std::max(x.first, y.first); s <= std::min(x.last, y.last); ++s)
        saved[s] += std::min(aligned(va.input_buffer), aligned(va.output_buffer));
    }
  std::vector<int64_t> per_step(steps, 0);
  int64_t live = 0;
  for (int s = 0; s < steps; ++s) {
    live += diff[s];
    per_step[s] = live - saved[s];
  }
  return per_step;
}

}  // namespace tessera
