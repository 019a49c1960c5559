#include "memory/regions.h"

#include <algorithm>
#include <cctype>
#include <numeric>

#include "memory/placement.h"
#include "schedule/fuse.h"

namespace tessera {
namespace {

int64_t AlignUp(int64_t v, int64_t a) { return (v + a - 1) / a * a; }

// The plan's placement problem with its kernel workspaces as items (memory/lifetime.h).
PlacementProblem RegionProblem(const Graph& g, const Plan& plan, const LifetimeOptions& lo) {
  std::vector<std::pair<int, int>> aliases;
  if (lo.views)
    for (const ViewAlias& a : FindViewAliases(g, plan)) aliases.emplace_back(a.input_buffer, a.output_buffer);
  std::vector<int64_t> ws(plan.steps.size(), 0);
  bool any = false;
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    ws[s] = std::max<int64_t>(0, plan.steps[s].workspace.bytes);
    any = any || ws[s] > 0;
  }
  return BuildPlacementProblem(plan, aliases, LifetimePairs(g, plan, lo), lo.alignment, LifetimeCopyAliases(g, plan),
                               any && lo.alignment % 4 == 0 ? ws : std::vector<int64_t>{});
}

// Bytes an item really occupies (its members' largest, or the workspace's).
int64_t ItemBytes(const PlacementProblem& p, const Plan& plan, int i) {
  const PlacementItem& it = p.items[i];
  if (it.workspace_step >= 0) return it.workspace_bytes;
  int64_t b = 0;
  for (int m : it.buffers) b = std::max(b, plan.buffers[m].bytes);
  return b;
}

std::vector<int64_t> ItemAccess(const PlacementProblem& p, const std::vector<int64_t>& buffer_access) {
  std::vector<int64_t> a(p.items.size(), 0);
  for (size_t i = 0; i < p.items.size(); ++i) {
    const PlacementItem& it = p.items[i];
    if (it.workspace_step >= 0) a[i] = 2 * it.workspace_bytes;
    for (int m : it.buffers) a[i] += buffer_access[m];
  }
  return a;
}

// The lowest aligned offset for item i that violates no constraint with the items already in
// `region` (region_of; their offsets in `off`).
int64_t FirstFitOffset(const PlacementProblem& p, int i, const std::vector<int64_t>& off,
                       const std::vector<int>& region_of, int region) {
  std::vector<std::pair<int64_t, int64_t>> iv;  // forbidden open intervals of offset(i)
  for (const PlacementEdge& e : p.edges[i])
    if (region_of[e.other] == region) iv.emplace_back(off[e.other] + e.lo, off[e.other] + e.hi);
  std::vector<int64_t> cand{0};
  for (const auto& [lo, hi] : iv) cand.push_back(AlignUp(std::max<int64_t>(0, hi), p.alignment));
  std::sort(cand.begin(), cand.end());
  for (int64_t c : cand) {
    bool ok = true;
    for (const auto& [lo, hi] : iv)
      if (c > lo && c < hi) {
        ok = false;
        break;
      }
    if (ok) return c;
  }
  return cand.back();  // (never reached: the largest end is free)
}

// Region r's items as a problem of their own (indices remapped), for the lifetime placer.
PlacementProblem SubProblem(const PlacementProblem& p, const std::vector<int>& items, std::vector<int>* local_of) {
  PlacementProblem q;
  q.alignment = p.alignment;
  q.num_steps = p.num_steps;
  local_of->assign(p.items.size(), -1);
  for (size_t k = 0; k < items.size(); ++k) (*local_of)[items[k]] = static_cast<int>(k);
  for (int i : items) q.items.push_back(p.items[i]);
  q.edges.resize(items.size());
  for (size_t k = 0; k < items.size(); ++k)
    for (const PlacementEdge& e : p.edges[items[k]])
      if ((*local_of)[e.other] >= 0) q.edges[k].push_back(PlacementEdge{(*local_of)[e.other], e.lo, e.hi});
  return q;
}

struct Attempt {
  bool fits = false;
  std::vector<int> region_of;
  std::vector<int64_t> off, peaks;
  int64_t fast_access = 0, total = 0;
};

Attempt Distribute(const PlacementProblem& p, const Plan& plan, const std::vector<MemoryRegion>& regions,
                   const std::vector<int>& region_order, const std::vector<int>& order,
                   const std::vector<int64_t>& access, const LifetimeOptions& lo) {
  const int n = static_cast<int>(p.items.size()), nr = static_cast<int>(regions.size());
  Attempt a;
  a.region_of.assign(n, -1);
  a.off.assign(n, 0);
  std::vector<std::vector<int>> in(nr);
  for (int i : order) {
    bool done = false;
    for (int r : region_order) {
      const int64_t o = FirstFitOffset(p, i, a.off, a.region_of, r);
      if (o + ItemBytes(p, plan, i) <= regions[r].bytes) {
        a.region_of[i] = r;
        a.off[i] = o;
        in[r].push_back(i);
        done = true;
        break;
      }
    }
    if (!done) return a;
  }
  // Each region placed again by the lifetime placer when that lowers its peak.
  a.peaks.assign(nr, 0);
  for (int r = 0; r < nr; ++r) {
    int64_t peak = 0;
    for (int i : in[r]) peak = std::max(peak, a.off[i] + ItemBytes(p, plan, i));
    if (in[r].size() > 1) {
      std::vector<int> local;
      const PlacementProblem q = SubProblem(p, in[r], &local);
      const Placement pl = PlaceLifetimeProblem(q, lo.restarts, lo.rounds, lo.ruin_rounds);
      int64_t qpeak = 0;
      for (size_t k = 0; k < in[r].size(); ++k) qpeak = std::max(qpeak, pl.offsets[k] + ItemBytes(p, plan, in[r][k]));
      if (qpeak < peak && VerifyPlacement(q, pl).empty()) {
        for (size_t k = 0; k < in[r].size(); ++k) a.off[in[r][k]] = pl.offsets[k];
        peak = qpeak;
      }
    }
    a.peaks[r] = peak;
    a.total += peak;
    if (regions[r].fast)
      for (int i : in[r]) a.fast_access += access[i];
  }
  a.fits = true;
  return a;
}

bool IsIdentifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

}  // namespace

std::vector<int64_t> BufferAccessBytes(const Graph& g, const Plan& plan) {
  std::vector<int64_t> acc(plan.buffers.size(), 0);
  const int nb = static_cast<int>(plan.buffers.size());
  auto ok = [&](int b) { return b >= 0 && b < nb; };
  for (const Step& st : plan.steps) {
    if (st.kind == StepKind::kCopy) {
      if (st.inputs.size() == 1 && st.outputs.size() == 1 && ok(st.inputs[0]) && ok(st.outputs[0])) {
        const Buffer& d = plan.buffers[st.outputs[0]];
        const int64_t w = d.tensor == kNoTensor ? d.bytes : WindowBytes(g, d.tensor, st.window);
        acc[st.inputs[0]] += w;
        acc[st.outputs[0]] += w;
      }
      continue;
    }
    double frac = 1.0;
    for (int b : st.outputs) {
      if (!ok(b)) continue;
      const Buffer& o = plan.buffers[b];
      if (o.tensor == kNoTensor) continue;
      const Window full = FullWindow(g, o.tensor);
      const int64_t area = int64_t{full.h()} * full.w();
      if (area > 0) frac = std::min(1.0, static_cast<double>(int64_t{st.window.h()} * st.window.w()) / area);
      acc[b] += WindowBytes(g, o.tensor, st.window);
    }
    // A window kernel reads each input element once per output pixel whose receptive field
    // holds it: about taps / stride^2 times (3x3 stride 1: 9); other kernels once.
    double reuse = 1.0;
    if (st.op >= 0 && st.op < static_cast<int>(g.ops.size())) {
      const Operator& op = g.ops[st.op];
      int64_t taps = 1, stride = 1;
      if (op.type == OpType::kConv2D || op.type == OpType::kDepthwiseConv2D) {
        const int f = op.inputs.size() > 1 ? op.inputs[1] : kNoTensor;
        if (f >= 0 && f < static_cast<int>(g.tensors.size()) && g.tensors[f].shape.size() == 4)
          taps = int64_t{g.tensors[f].shape[1]} * g.tensors[f].shape[2];
        if (const auto* c = std::get_if<Conv2DOptions>(&op.options)) stride = int64_t{c->stride_h} * c->stride_w;
        if (const auto* d = std::get_if<DepthwiseConv2DOptions>(&op.options)) stride = int64_t{d->stride_h} * d->stride_w;
      } else if (const auto* p = std::get_if<Pool2DOptions>(&op.options)) {
        taps = int64_t{p->filter_h} * p->filter_w;
        stride = int64_t{p->stride_h} * p->stride_w;
      }
      reuse = std::max(1.0, static_cast<double>(taps) / static_cast<double>(std::max<int64_t>(1, stride)));
    }
    for (size_t k = 0; k < st.inputs.size(); ++k) {
      const int b = st.inputs[k];
      if (ok(b))
        acc[b] += std::max<int64_t>(1, static_cast<int64_t>((k == 0 ? reuse : 1.0) * frac * plan.buffers[b].bytes));
    }
    if (ok(st.scratch)) acc[st.scratch] += 2 * plan.buffers[st.scratch].bytes;
  }
  return acc;
}

void ValidateRegions(const std::vector<MemoryRegion>& regions) {
  if (regions.empty()) throw Error("--memory: no regions given");
  for (size_t r = 0; r < regions.size(); ++r) {
    const MemoryRegion& m = regions[r];
    if (!IsIdentifier(m.name))
      throw Error("--memory: region " + std::to_string(r) + " name '" + m.name +
                  "' is not a C identifier (letters, digits, '_', not starting with a digit)");
    if (m.bytes <= 0) throw Error("--memory: region '" + m.name + "' has size " + std::to_string(m.bytes) + "; it must be positive");
    for (size_t q = 0; q < r; ++q)
      if (regions[q].name == m.name) throw Error("--memory: region name '" + m.name + "' appears twice");
  }
}

RegionPlacement PlaceInRegions(const Graph& g, Plan& plan, const std::vector<MemoryRegion>& regions,
                               const LifetimeOptions& lo) {
  ValidateRegions(regions);
  RegionPlacement res;
  Plan scheduled = plan;
  scheduled.regions.clear();
  scheduled.region_bytes.clear();
  scheduled.pinned_weights.clear();  // a new placement: weights are pinned afterwards (PinHotWeights)
  for (Buffer& b : scheduled.buffers) b.region = 0;
  const PlacementProblem p = RegionProblem(g, scheduled, lo);
  const int n = static_cast<int>(p.items.size()), nr = static_cast<int>(regions.size());
  const std::vector<int64_t> access = ItemAccess(p, BufferAccessBytes(g, scheduled));
  res.lower_bound = PlacementLowerBound(p);
  for (int i = 0; i < n; ++i) {
    res.largest_item = std::max(res.largest_item, ItemBytes(p, scheduled, i));
    res.access_bytes += access[i];
  }
  int64_t capacity = 0, largest_region = 0;
  for (const MemoryRegion& m : regions) {
    capacity += m.bytes;
    largest_region = std::max(largest_region, m.bytes);
  }
  if (res.largest_item > largest_region) {
    res.why = "the largest buffer (" + std::to_string(res.largest_item) + " bytes) fits no region (largest " +
              std::to_string(largest_region) + " bytes)";
    return res;
  }
  if (res.lower_bound > capacity) {
    res.why = "the plan needs at least " + std::to_string(res.lower_bound) + " bytes (its lower bound), the regions hold " +
              std::to_string(capacity);
    return res;
  }
  // Fast regions first, each group in the order given.
  std::vector<int> region_order;
  for (int r = 0; r < nr; ++r)
    if (regions[r].fast) region_order.push_back(r);
  for (int r = 0; r < nr; ++r)
    if (!regions[r].fast) region_order.push_back(r);

  std::vector<std::pair<std::string, std::vector<int>>> orders;
  std::vector<int> base(n);
  std::iota(base.begin(), base.end(), 0);
  auto sorted = [&](auto key) {
    std::vector<int> o = base;
    std::stable_sort(o.begin(), o.end(), key);
    return o;
  };
  std::vector<int64_t> bytes(n);
  for (int i = 0; i < n; ++i) bytes[i] = std::max<int64_t>(1, ItemBytes(p, scheduled, i));
  orders.emplace_back("hottest per byte first", sorted([&](int a, int b) {
                        return static_cast<double>(access[a]) / bytes[a] > static_cast<double>(access[b]) / bytes[b];
                      }));
  orders.emplace_back("most accessed first", sorted([&](int a, int b) { return access[a] > access[b]; }));
  orders.emplace_back("largest first", sorted([&](int a, int b) { return p.items[a].size > p.items[b].size; }));
  {
    // The single-arena placement's order (by offset): first fit in it reproduces that
    // placement within one region, so the regions are filled like slices of it.
    const Placement one = PlaceLifetimeProblem(p, lo.restarts, lo.rounds, lo.ruin_rounds);
    orders.emplace_back("single-arena order", sorted([&](int a, int b) {
                          return one.offsets[a] != one.offsets[b] ? one.offsets[a] < one.offsets[b]
                                                                  : p.items[a].size > p.items[b].size;
                        }));
  }
  Attempt best;
  std::string best_order;
  for (const auto& [name, order] : orders) {
    Attempt a = Distribute(p, scheduled, regions, region_order, order, access, lo);
    if (!a.fits) continue;
    if (!best.fits || a.fast_access > best.fast_access || (a.fast_access == best.fast_access && a.total < best.total)) {
      best = std::move(a);
      best_order = name;
    }
  }
  if (!best.fits) {
    res.why = "no distribution of the plan's " + std::to_string(n) + " items over the regions was found (lower bound " +
              std::to_string(res.lower_bound) + " bytes, regions " + std::to_string(capacity) + " bytes)";
    return res;
  }
  // Apply: buffers of each item, workspaces, the regions.
  for (int b = 0; b < static_cast<int>(scheduled.buffers.size()); ++b) {
    const int i = p.item_of_buffer[b];
    if (i < 0) continue;
    scheduled.buffers[b].region = best.region_of[i];
    scheduled.buffers[b].offset = best.off[i];
  }
  for (Step& st : scheduled.steps) st.workspace = Step::Workspace{};
  for (int i = 0; i < n; ++i) {
    const PlacementItem& it = p.items[i];
    if (it.workspace_step >= 0)
      scheduled.steps[it.workspace_step].workspace = Step::Workspace{best.off[i], it.workspace_bytes, best.region_of[i]};
  }
  scheduled.regions = regions;
  scheduled.region_bytes = best.peaks;
  scheduled.arena_bytes = std::accumulate(best.peaks.begin(), best.peaks.end(), int64_t{0});
  if (scheduled.strategy.find("+regions") == std::string::npos) scheduled.strategy += "+regions";
  plan = std::move(scheduled);
  res.fits = true;
  res.peaks = best.peaks;
  res.fast_access_bytes = best.fast_access;
  res.order = best_order;
  return res;
}

int64_t SmallestFastRegion(const Graph& g, const Plan& plan, double fraction, const LifetimeOptions& lo,
                           int64_t* hot_access, int64_t* total_access) {
  Plan scheduled = plan;
  scheduled.regions.clear();
  scheduled.region_bytes.clear();
  for (Buffer& b : scheduled.buffers) b.region = 0;
  const PlacementProblem p = RegionProblem(g, scheduled, lo);
  const int n = static_cast<int>(p.items.size());
  const std::vector<int64_t> access = ItemAccess(p, BufferAccessBytes(g, scheduled));
  const int64_t total = std::accumulate(access.begin(), access.end(), int64_t{0});
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<int64_t> bytes(n);
  for (int i = 0; i < n; ++i) bytes[i] = std::max<int64_t>(1, ItemBytes(p, scheduled, i));
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return static_cast<double>(access[a]) / bytes[a] > static_cast<double>(access[b]) / bytes[b];
  });
  std::vector<int> hot;
  int64_t got = 0;
  for (int i : order) {
    if (static_cast<double>(got) >= fraction * static_cast<double>(total)) break;
    hot.push_back(i);
    got += access[i];
  }
  if (hot_access) *hot_access = got;
  if (total_access) *total_access = total;
  if (hot.empty()) return 0;
  std::vector<int> local;
  const PlacementProblem q = SubProblem(p, hot, &local);
  const Placement pl = PlaceLifetimeProblem(q, lo.restarts, lo.rounds, lo.ruin_rounds);
  int64_t peak = 0;
  for (size_t k = 0; k < hot.size(); ++k) peak = std::max(peak, pl.offsets[k] + ItemBytes(p, scheduled, hot[k]));
  return peak;
}

PinnedWeightsResult PinHotWeights(const Graph& g, Plan& plan, const std::string& region, int64_t max_bytes) {
  int r = -1;
  for (size_t k = 0; k < plan.regions.size(); ++k)
    if (plan.regions[k].name == region) r = static_cast<int>(k);
  if (r < 0) {
    std::string names;
    for (const MemoryRegion& m : plan.regions) names += (names.empty() ? "" : ", ") + m.name;
    throw Error("fast weights: the plan has no memory region '" + region + "'" +
                (names.empty() ? std::string(" (it has no regions: plan with --memory)") : " (its regions: " + names + ")"));
  }
  if (static_cast<int>(plan.region_bytes.size()) != static_cast<int>(plan.regions.size()))
    throw Error("fast weights: the plan's region sizes do not match its regions");
  // Reads per byte of each filter tensor.
  std::vector<int64_t> reads(g.tensors.size(), 0);
  for (const Step& st : plan.steps) {
    if (st.kind == StepKind::kCopy || st.op < 0) continue;
    const Operator& op = g.ops[st.op];
    if (op.type != OpType::kConv2D && op.type != OpType::kDepthwiseConv2D && op.type != OpType::kFullyConnected) continue;
    if (op.inputs.size() < 2 || op.inputs[1] == kNoTensor) continue;
    const Tensor& t = g.tensors[op.inputs[1]];
    if (!t.is_const || t.data.empty()) continue;
    reads[op.inputs[1]] += std::max<int64_t>(1, int64_t{st.window.h()} * st.window.w());
  }
  std::vector<int> cand;
  PinnedWeightsResult res;
  for (size_t t = 0; t < reads.size(); ++t) {
    if (!reads[t]) continue;
    res.all_read_bytes += reads[t] * static_cast<int64_t>(g.tensors[t].data.size());
    bool pinned = false;
    for (const PinnedWeight& w : plan.pinned_weights) pinned = pinned || w.tensor == static_cast<int>(t);
    if (!pinned) cand.push_back(static_cast<int>(t));
  }
  std::stable_sort(cand.begin(), cand.end(), [&](int a, int b) {
    if (reads[a] != reads[b]) return reads[a] > reads[b];
    return g.tensors[a].data.size() < g.tensors[b].data.size();
  });
  const int64_t used = AlignUp(plan.region_bytes[r], kPinnedAlignment);
  res.room = std::max<int64_t>(0, plan.regions[r].bytes - used);
  const std::string& name = plan.regions[r].name;
  if (max_bytes > res.room)
    throw Error("fast weights: region '" + name + "' holds " + std::to_string(plan.regions[r].bytes) +
                " bytes and the plan's arena there uses " + std::to_string(plan.region_bytes[r]) + ", leaving " +
                std::to_string(res.room) + " bytes: " + std::to_string(max_bytes) + " bytes of weights do not fit");
  const int64_t budget = max_bytes < 0 ? res.room : max_bytes;
  int64_t end = used;
  std::vector<PinnedWeight> added;
  for (int t : cand) {
    const int64_t bytes = static_cast<int64_t>(g.tensors[t].data.size());
    const int64_t at = AlignUp(end, kPinnedAlignment);
    if (at + bytes - used > budget) continue;
    added.push_back({t, r, at, bytes});
    end = at + bytes;
    res.read_bytes += reads[t] * bytes;
  }
  if (added.empty()) {
    int64_t smallest = -1;
    for (int t : cand)
      if (smallest < 0 || static_cast<int64_t>(g.tensors[t].data.size()) < smallest)
        smallest = static_cast<int64_t>(g.tensors[t].data.size());
    throw Error("fast weights: no filter fits region '" + name + "': " + std::to_string(budget) +
                " bytes available beyond its arena of " + std::to_string(plan.region_bytes[r]) + " (capacity " +
                std::to_string(plan.regions[r].bytes) + ")" +
                (smallest < 0 ? std::string(", and the plan has no filters to copy")
                              : ", the smallest filter needs " + std::to_string(smallest)));
  }
  for (const PinnedWeight& w : added) plan.pinned_weights.push_back(w);
  res.bytes = end - plan.region_bytes[r];
  plan.arena_bytes += end - plan.region_bytes[r];
  plan.region_bytes[r] = end;
  plan.strategy += "+fast-weights";
  return res;
}

}  // namespace tessera
