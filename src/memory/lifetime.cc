#include "memory/lifetime.h"

#include <algorithm>
#include <limits>
#include <map>
#include <string>

#include "memory/overlap.h"
#include "schedule/fuse.h"

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

std::vector<OverlapPair> LifetimePairs(const Graph& g, const Plan& plan, const LifetimeOptions& o) {
  std::vector<OverlapPair> pairs;
  for (int s = 0; s < static_cast<int>(plan.steps.size()); ++s) {
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
        if (const auto d = MaxOutputShift(g, plan, s, is, os, st.scratch >= 0))
          pairs.push_back(OverlapPair{s, st.inputs[is], st.outputs[os], *d});
  }
  return pairs;
}

PlacementProblem LifetimeProblem(const Graph& g, const Plan& plan, const LifetimeOptions& o) {
  std::vector<std::pair<int, int>> aliases;
  if (o.views)
    for (const ViewAlias& a : FindViewAliases(g, plan)) aliases.emplace_back(a.input_buffer, a.output_buffer);
  return BuildPlacementProblem(plan, aliases, LifetimePairs(g, plan, o), o.alignment);
}

LifetimeSummary PlaceLifetime(const Graph& g, Plan& plan, const LifetimeOptions& o) {
  const PlacementProblem prob = LifetimeProblem(g, plan, o);
  LifetimeSummary s;
  s.lower_bound = PlacementLowerBound(prob);
  s.items = static_cast<int>(prob.items.size());
  for (const OverlapPair& p : prob.pairs) (plan.steps[p.step].kind == StepKind::kCopy ? s.copy_pairs : s.overlap_pairs)++;
  Placement pl = PlaceBestOrdering(prob, o.restarts);
  ApplyPlacement(prob, pl, plan);
  s.arena_bytes = plan.arena_bytes;
  s.method = pl.method;
  if (plan.strategy.find("+lifetime") == std::string::npos) plan.strategy += "+lifetime";
  return s;
}

int64_t LifetimeLowerBound(const Graph& g, const Plan& plan, const LifetimeOptions& o) {
  return PlacementLowerBound(LifetimeProblem(g, plan, o));
}

int64_t FastLifetimeLowerBound(const Graph& g, const Plan& plan, const LifetimeOptions& o) {
  const int nb = static_cast<int>(plan.buffers.size());
  const int ns = static_cast<int>(plan.steps.size());
  const int64_t a = std::max<int64_t>(o.alignment, 1);
  auto aligned = [&](int b) { return (plan.buffers[b].bytes + a - 1) / a * a; };
  int steps = ns;
  for (const Buffer& b : plan.buffers) steps = std::max(steps, b.last + 1);
  std::vector<int64_t> diff(steps + 1, 0), saved(steps, 0);
  int64_t best = 0;
  for (int b = 0; b < nb; ++b) {
    const Buffer& B = plan.buffers[b];
    if (B.external || B.first < 0 || B.last < B.first) continue;
    const int64_t sz = aligned(b);
    diff[B.first] += sz;
    diff[B.last + 1] -= sz;
    best = std::max(best, sz);
  }
  // Pairs that may overlap, as BuildPlacementProblem keeps them (tightest per pair).
  std::map<std::pair<int, int>, std::pair<int, int64_t>> allow;  // (out, in) -> (step, shift)
  for (const OverlapPair& p : LifetimePairs(g, plan, o)) {
    if (p.input < 0 || p.output < 0 || p.input >= nb || p.output >= nb || p.input == p.output) continue;
    const Buffer& bi = plan.buffers[p.input];
    const Buffer& bo = plan.buffers[p.output];
    if (bi.external || bo.external || bi.last != p.step || bo.first != p.step) continue;
    int64_t d = std::min<int64_t>(p.max_shift, 0);
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
  if (o.views)
    for (const ViewAlias& va : FindViewAliases(g, plan)) {
      const Buffer& x = plan.buffers[va.input_buffer];
      const Buffer& y = plan.buffers[va.output_buffer];
      for (int s = std::max(x.first, y.first); s <= std::min(x.last, y.last); ++s)
        saved[s] += std::min(aligned(va.input_buffer), aligned(va.output_buffer));
    }
  int64_t live = 0;
  for (int s = 0; s < steps; ++s) {
    live += diff[s];
    best = std::max(best, live - saved[s]);
  }
  return best;
}

}  // namespace tessera
