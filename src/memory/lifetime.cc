#include "memory/lifetime.h"

#include <algorithm>
#include <limits>
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

}  // namespace tessera
