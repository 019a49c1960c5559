#include "memory/placement.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <string>
#include <utility>

namespace tessera {
namespace {

int64_t AlignUp(int64_t n, int64_t a) { return (n + a - 1) / a * a; }
int64_t AlignDown(int64_t n, int64_t a) {  // toward -infinity
  const int64_t q = n / a;
  return (q * a > n ? q - 1 : q) * a;
}

bool Meet(int f1, int l1, int f2, int l2) { return !(l1 < f2 || l2 < f1); }

struct Dsu {
  std::vector<int> parent;
  explicit Dsu(int n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  int Find(int x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void Union(int a, int b) {
    a = Find(a);
    b = Find(b);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  }
};

// splitmix64, for deterministic perturbations.
struct Rng {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }
};

// Lowest aligned offset >= 0 outside every open interval (lo, hi). Sorts `iv`.
int64_t LowestFree(std::vector<std::pair<int64_t, int64_t>>& iv) {
  std::sort(iv.begin(), iv.end());
  int64_t cand = 0;
  for (const auto& [lo, hi] : iv) {
    if (cand <= lo) break;
    if (cand < hi) cand = hi;
  }
  return cand;
}

// BufferPieces with the last piece extended to the aligned size.
std::vector<BufferBand> Pieces(const Buffer& b, int64_t aligned_size) {
  std::vector<BufferBand> r = BufferPieces(b);
  if (!r.empty()) r.back().end = std::max(r.back().end, aligned_size);
  return r;
}

}  // namespace

PlacementProblem BuildPlacementProblem(const Plan& plan,
                                       const std::vector<std::pair<int, int>>& aliases,
                                       const std::vector<OverlapPair>& pairs, int64_t alignment,
                                       const std::vector<CopyAlias>& copies,
                                       const std::vector<int64_t>& workspaces) {
  if (alignment < 1) throw Error("placement alignment must be at least 1, got " + std::to_string(alignment));
  if (!workspaces.empty() && workspaces.size() != plan.steps.size())
    throw Error("placement: " + std::to_string(workspaces.size()) + " workspace sizes for " +
                std::to_string(plan.steps.size()) + " steps");
  if (!workspaces.empty() && alignment % 4 != 0)
    throw Error("placement: kernel workspaces need an alignment that is a multiple of 4, got " +
                std::to_string(alignment));
  const int nb = static_cast<int>(plan.buffers.size());
  PlacementProblem p;
  p.alignment = alignment;
  p.num_steps = static_cast<int>(plan.steps.size());
  std::vector<int64_t> bsize(nb, 0);
  for (int b = 0; b < nb; ++b) {
    const Buffer& buf = plan.buffers[b];
    if (buf.bytes < 0)
      throw Error("buffer " + std::to_string(b) + " ('" + buf.name + "') has negative size " + std::to_string(buf.bytes));
    if (buf.first < 0 || buf.last < buf.first)
      throw Error("buffer " + std::to_string(b) + " ('" + buf.name + "') has an invalid live interval [" +
                  std::to_string(buf.first) + ", " + std::to_string(buf.last) + "]");
    bsize[b] = AlignUp(buf.bytes, alignment);
  }
  auto valid = [&](int b) { return b >= 0 && b < nb && !plan.buffers[b].external; };

  Dsu dsu(nb);
  for (const auto& [a, b] : aliases)
    if (valid(a) && valid(b)) dsu.Union(a, b);
  p.item_of_buffer.assign(nb, -1);
  for (int b = 0; b < nb; ++b) {  // roots are the smallest member: items in buffer order
    if (!valid(b)) continue;
    const int r = dsu.Find(b);
    if (p.item_of_buffer[r] < 0) {
      p.item_of_buffer[r] = static_cast<int>(p.items.size());
      PlacementItem it;
      it.first = plan.buffers[b].first;
      it.last = plan.buffers[b].last;
      p.items.push_back(it);
    }
    const int i = p.item_of_buffer[r];
    p.item_of_buffer[b] = i;
    PlacementItem& it = p.items[i];
    it.buffers.push_back(b);
    it.pieces.clear();
    if (it.buffers.size() == 1 && !plan.buffers[b].bands.empty()) {
      const std::string err = BandsError(plan.buffers[b]);
      if (!err.empty()) throw Error("buffer " + std::to_string(b) + " ('" + plan.buffers[b].name + "'): " + err);
      it.pieces = Pieces(plan.buffers[b], bsize[b]);
    }
    it.size = std::max(it.size, bsize[b]);
    it.first = std::min(it.first, plan.buffers[b].first);
    it.last = std::max(it.last, plan.buffers[b].last);
  }

  // Overlap allowances, keyed by (output buffer, input buffer).
  // A graph output's buffer must still hold the output after the last step, even when its
  // last reader runs at that step (its interval then ends there too): never overwrite it.
  std::vector<char> graph_output(nb, 0);
  for (int b : plan.output_buffers)
    if (b >= 0 && b < nb) graph_output[b] = 1;
  std::map<std::pair<int, int>, int64_t> allow;
  for (const OverlapPair& op : pairs) {
    if (!valid(op.input) || !valid(op.output) || op.input == op.output) continue;
    if (graph_output[op.input]) continue;
    const Buffer& bi = plan.buffers[op.input];
    const Buffer& bo = plan.buffers[op.output];
    if (op.step < 0 || op.step >= p.num_steps || bi.last != op.step || bo.first != op.step) continue;
    if (p.item_of_buffer[op.input] == p.item_of_buffer[op.output]) continue;
    // A positive shift (a copy whose destination may start inside its source) is kept: the
    // forbidden interval (d, input size) then lies above zero. At or past the input's end
    // every relative offset is safe (the interval is empty).
    int64_t d = AlignDown(std::min<int64_t>(op.max_shift, bsize[op.input]), alignment);
    if (d <= -bsize[op.output]) continue;  // no better than keeping them apart
    auto key = std::make_pair(op.output, op.input);
    auto it = allow.find(key);
    if (it == allow.end() || d < it->second) allow[key] = d;  // several slots: the tightest
    OverlapPair kept = op;
    kept.max_shift = d;
    p.pairs.push_back(kept);
  }
  // Keep one applied pair per (output, input) with the final value.
  {
    std::vector<OverlapPair> uniq;
    std::map<std::pair<int, int>, bool> seen;
    for (OverlapPair op : p.pairs) {
      auto key = std::make_pair(op.output, op.input);
      if (seen[key]) continue;
      seen[key] = true;
      op.max_shift = allow[key];
      uniq.push_back(op);
    }
    p.pairs = std::move(uniq);
  }

  // Copy aliases between single-buffer items: (copy item, source item) -> rel.
  std::map<std::pair<int, int>, int64_t> alias_at;
  for (const CopyAlias& c : copies) {
    if (!valid(c.copy) || !valid(c.source) || c.copy == c.source || c.rel < 0 || c.rel % alignment != 0) continue;
    const int ic = p.item_of_buffer[c.copy], is = p.item_of_buffer[c.source];
    if (ic == is || p.items[ic].buffers.size() != 1 || p.items[is].buffers.size() != 1) continue;
    if (!plan.buffers[c.copy].bands.empty() || !plan.buffers[c.source].bands.empty()) continue;
    if (c.rel + plan.buffers[c.copy].bytes > plan.buffers[c.source].bytes) continue;
    if (allow.count({c.copy, c.source}) || allow.count({c.source, c.copy})) continue;  // a pair already
    if (alias_at.count({ic, is})) continue;
    alias_at[{ic, is}] = c.rel;
    p.copies.push_back(c);
  }

  const int n = static_cast<int>(p.items.size());
  p.edges.assign(n, {});
  std::vector<int> by_first(n);
  std::iota(by_first.begin(), by_first.end(), 0);
  std::sort(by_first.begin(), by_first.end(), [&](int a, int b) { return p.items[a].first < p.items[b].first; });
  for (int x = 0; x < n; ++x) {
    const int A = by_first[x];
    for (int y = x + 1; y < n; ++y) {
      const int B = by_first[y];
      if (p.items[B].first > p.items[A].last) break;
      // Forbidden offset(A) - offset(B) in (lo, hi): hull over the member pairs that meet.
      bool any = false;
      int64_t lo = 0, hi = 0;
      for (int a : p.items[A].buffers) {
        for (int b : p.items[B].buffers) {
          const Buffer& ba = plan.buffers[a];
          const Buffer& bb = plan.buffers[b];
          if (!Meet(ba.first, ba.last, bb.first, bb.last)) continue;
          if (bsize[a] == 0 || bsize[b] == 0) continue;
          int64_t l = -bsize[a], h = bsize[b];
          if (!ba.bands.empty() || !bb.bands.empty()) {
            // Pieces with their own intervals: the hull of the pieces that meet.
            bool met = false;
            const auto pa = Pieces(ba, bsize[a]), pb = Pieces(bb, bsize[b]);
            for (const BufferBand& x : pa)
              for (const BufferBand& y : pb) {
                if (!Meet(x.first, x.last, y.first, y.last)) continue;
                // Rounded outward to the alignment: band edges need not be aligned, and an
                // interval end is where the placers put the next item.
                const int64_t pl = AlignDown(y.begin - x.end, alignment), ph = -AlignDown(x.begin - y.end, alignment);
                l = met ? std::min(l, pl) : pl;
                h = met ? std::max(h, ph) : ph;
                met = true;
              }
            if (!met) continue;
          }
          // Overlap allowances widen what is allowed below / above.
          if (auto it = allow.find({a, b}); it != allow.end()) l = std::max(l, it->second);  // a output on input b
          if (auto it = allow.find({b, a}); it != allow.end()) h = std::min(h, -it->second); // b output on input a
          // (l >= h: nothing forbidden; the edge still records the allowance for the bound.)
          if (!any) {
            lo = l;
            hi = h;
            any = true;
          } else {
            lo = std::min(lo, l);
            hi = std::max(hi, h);
          }
        }
      }
      if (!any) continue;
      // A copy alias leaves one allowed point inside the interval: offset(A) - offset(B) = R.
      int64_t hole = 0;
      bool has_hole = false;
      if (auto it = alias_at.find({A, B}); it != alias_at.end()) {
        hole = it->second;
        has_hole = true;
      } else if (auto jt = alias_at.find({B, A}); jt != alias_at.end()) {
        hole = -jt->second;
        has_hole = true;
      }
      if (has_hole && hole > lo && hole < hi) {
        p.edges[A].push_back(PlacementEdge{B, lo, hole});
        p.edges[B].push_back(PlacementEdge{A, -hole, -lo});
        p.edges[A].push_back(PlacementEdge{B, hole, hi});
        p.edges[B].push_back(PlacementEdge{A, -hi, -hole});
        continue;
      }
      p.edges[A].push_back(PlacementEdge{B, lo, hi});
      p.edges[B].push_back(PlacementEdge{A, -hi, -lo});
    }
  }

  // Workspace items: W at step s may not share a byte with any buffer byte owned at s (a
  // banded buffer's pieces live at s only). Forbidden: offset(W) - offset(B) in
  // (begin - size(W), end) for each such [begin, end) of B, rounded outward; their hull.
  for (int s = 0; s < static_cast<int>(workspaces.size()); ++s) {
    if (workspaces[s] < 0)
      throw Error("placement: step " + std::to_string(s) + " has a negative workspace size");
    if (workspaces[s] == 0) continue;
    const int W = static_cast<int>(p.items.size());
    PlacementItem w;
    w.first = w.last = w.workspace_step = s;
    w.workspace_bytes = workspaces[s];
    w.size = AlignUp(workspaces[s], alignment);
    p.items.push_back(w);
    p.edges.emplace_back();
    for (int B = 0; B < W; ++B) {
      const PlacementItem& it = p.items[B];
      if (it.workspace_step >= 0 || s < it.first || s > it.last) continue;
      bool any = false;
      int64_t lo = 0, hi = 0;
      for (int b : it.buffers) {
        const Buffer& bb = plan.buffers[b];
        if (s < bb.first || s > bb.last || bsize[b] == 0) continue;
        std::vector<BufferBand> live;
        if (bb.bands.empty()) {
          live.push_back(BufferBand{0, bsize[b], bb.first, bb.last});
        } else {
          for (const BufferBand& pc : Pieces(bb, bsize[b]))
            if (pc.first <= s && s <= pc.last && pc.end > pc.begin) live.push_back(pc);
        }
        for (const BufferBand& pc : live) {
          const int64_t l = AlignDown(pc.begin - w.size, alignment), h = -AlignDown(-pc.end, alignment);
          lo = any ? std::min(lo, l) : l;
          hi = any ? std::max(hi, h) : h;
          any = true;
        }
      }
      if (!any) continue;
      p.edges[W].push_back(PlacementEdge{B, lo, hi});
      p.edges[B].push_back(PlacementEdge{W, -hi, -lo});
    }
  }
  return p;
}

Placement PlaceFirstFit(const PlacementProblem& p, const std::vector<int>& order, bool affinity) {
  const int n = static_cast<int>(p.items.size());
  Placement r;
  r.offsets.assign(n, -1);
  std::vector<bool> placed(n, false);
  std::vector<std::pair<int64_t, int64_t>> iv;
  std::vector<int64_t> touch;
  for (int x : order) {
    iv.clear();
    touch.clear();
    for (const PlacementEdge& e : p.edges[x]) {
      if (!placed[e.other]) continue;
      iv.emplace_back(r.offsets[e.other] + e.lo, r.offsets[e.other] + e.hi);
      if (!affinity) continue;
      // An overlap allowance: the interval's ends are where the two items share the most.
      if (e.lo > -p.items[x].size) touch.push_back(r.offsets[e.other] + e.lo);
      if (e.hi < p.items[e.other].size) touch.push_back(r.offsets[e.other] + e.hi);
    }
    int64_t at = LowestFree(iv);
    if (affinity && !touch.empty()) {
      // Prefer the lowest touching offset that is free and does not raise the arena so far.
      int64_t pick = -1;
      for (int64_t c : touch) {
        if (c < at || c + p.items[x].size > r.size || (pick >= 0 && c >= pick)) continue;
        bool free = true;
        for (const auto& [lo, hi] : iv)
          if (c > lo && c < hi) {
            free = false;
            break;
          }
        if (free) pick = c;
      }
      if (pick >= 0) at = pick;
    }
    r.offsets[x] = at;
    placed[x] = true;
    r.size = std::max(r.size, r.offsets[x] + p.items[x].size);
  }
  return r;
}

int SeparatePairs(const PlacementProblem& p, Placement& pl, const std::function<bool(int step)>& wanted) {
  int moved = 0;
  std::vector<std::pair<int64_t, int64_t>> iv;
  for (const OverlapPair& pair : p.pairs) {
    if (!wanted(pair.step)) continue;
    const int in = p.item_of_buffer[pair.input], out = p.item_of_buffer[pair.output];
    if (in < 0 || out < 0 || in == out) continue;
    const int64_t rel = pl.offsets[out] - pl.offsets[in], out_size = p.items[out].size;
    if (rel <= -out_size || rel >= p.items[in].size) continue;  // already disjoint
    iv.clear();
    for (const PlacementEdge& e : p.edges[out]) iv.emplace_back(pl.offsets[e.other] + e.lo, pl.offsets[e.other] + e.hi);
    iv.emplace_back(pl.offsets[in] - out_size, pl.offsets[in] + p.items[in].size);  // no shared byte
    const int64_t at = LowestFree(iv);
    if (at + out_size > pl.size) continue;
    pl.offsets[out] = at;
    ++moved;
  }
  if (moved > 0) pl.method += " + " + std::to_string(moved) + " overlaps separated";
  return moved;
}

int SeparateOpPairs(const PlacementProblem& p, Placement& pl, const Plan& plan) {
  return SeparatePairs(p, pl, [&](int step) { return plan.steps[step].kind == StepKind::kOp; });
}

Placement RuinAndRecreate(const PlacementProblem& p, const Placement& start, int rounds) {
  const int n = static_cast<int>(p.items.size());
  Placement best = start;
  if (n < 2 || rounds <= 0 || start.offsets.size() != p.items.size()) return best;
  auto top_of = [&](const std::vector<int64_t>& off) {
    int64_t t = 0;
    for (int i = 0; i < n; ++i) t = std::max(t, off[i] + p.items[i].size);
    return t;
  };
  auto top_bytes = [&](const std::vector<int64_t>& off, int64_t t) {
    int64_t b = 0;
    for (int i = 0; i < n; ++i)
      if (off[i] + p.items[i].size == t) b += p.items[i].size;
    return b;
  };
  const int64_t lb = PlacementLowerBound(p);
  std::vector<int64_t> off = start.offsets;
  int64_t top = top_of(off), top_b = top_bytes(off, top);
  Rng rng{0x5eed0f7a11ULL + static_cast<uint64_t>(n)};
  std::vector<char> placed(n, 1);
  std::vector<std::pair<int64_t, int64_t>> iv;
  std::vector<int> critical, removed, order;
  std::vector<int64_t> saved;
  bool improved = false;
  for (int r = 0; r < rounds && top > lb; ++r) {
    critical.clear();
    for (int i = 0; i < n; ++i)
      if (off[i] + p.items[i].size == top) critical.push_back(i);
    const int x = critical[rng.Below(static_cast<int>(critical.size()))];
    // Ruin: the critical item and every item live during its interval (widened a little).
    const int widen = rng.Below(4) * 4;
    const int f = p.items[x].first - widen, l = p.items[x].last + widen;
    removed.clear();
    for (int i = 0; i < n; ++i)
      if (i != x && !(p.items[i].last < f || p.items[i].first > l)) removed.push_back(i);
    // Recreate: first fit around the fixed rest, in one of three orders.
    switch (rng.Below(3)) {
      case 0:
        std::stable_sort(removed.begin(), removed.end(),
                         [&](int a, int b) { return p.items[a].size > p.items[b].size; });
        break;
      case 1: {
        auto area = [&](int i) { return p.items[i].size * (p.items[i].last - p.items[i].first + 1); };
        std::stable_sort(removed.begin(), removed.end(), [&](int a, int b) { return area(a) > area(b); });
        break;
      }
      default:
        for (size_t k = removed.size(); k > 1; --k) std::swap(removed[k - 1], removed[rng.Below(static_cast<int>(k))]);
    }
    order.assign(1, x);
    order.insert(order.end(), removed.begin(), removed.end());
    if (rng.Below(2)) {  // the critical item somewhere in the order instead of first
      order.erase(order.begin());
      order.insert(order.begin() + rng.Below(static_cast<int>(order.size()) + 1), x);
    }
    saved.clear();
    for (int y : order) {
      saved.push_back(off[y]);
      placed[y] = 0;
    }
    for (int y : order) {
      iv.clear();
      for (const PlacementEdge& e : p.edges[y])
        if (placed[e.other]) iv.emplace_back(off[e.other] + e.lo, off[e.other] + e.hi);
      off[y] = LowestFree(iv);
      placed[y] = 1;
    }
    const int64_t nt = top_of(off);
    const int64_t nb = nt == top ? top_bytes(off, nt) : 0;
    if (nt < top || (nt == top && nb < top_b)) {
      improved = improved || nt < best.size;
      top = nt;
      top_b = top_bytes(off, nt);
    } else {
      for (size_t k = 0; k < order.size(); ++k) off[order[k]] = saved[k];
    }
  }
  if (improved && top < best.size) {
    best.offsets = off;
    best.size = top;
    best.method = start.method + " + ruin and recreate";
    best.proved_optimal = top <= lb;
  }
  return best;
}

std::vector<int> OrderBySize(const PlacementProblem& p) {
  std::vector<int> o(p.items.size());
  std::iota(o.rbegin(), o.rend(), 0);  // ties: the last buffer first, as TFLM's planner
  std::stable_sort(o.begin(), o.end(), [&](int a, int b) { return p.items[a].size > p.items[b].size; });
  return o;
}

Placement PlaceBestOrdering(const PlacementProblem& p, int restarts) {
  const int n = static_cast<int>(p.items.size());
  std::vector<int> base(n);
  std::iota(base.begin(), base.end(), 0);
  auto len = [&](int i) { return static_cast<int64_t>(p.items[i].last - p.items[i].first + 1); };
  std::vector<int64_t> weight(n, 0);  // bytes of everything an item conflicts with
  for (int i = 0; i < n; ++i)
    for (const PlacementEdge& e : p.edges[i]) weight[i] += p.items[e.other].size;

  struct Candidate {
    const char* name;
    std::vector<int> order;
  };
  std::vector<Candidate> cands;
  auto sorted = [&](auto less) {
    std::vector<int> o = base;
    std::stable_sort(o.begin(), o.end(), less);
    return o;
  };
  const auto& it = p.items;
  cands.push_back({"size", OrderBySize(p)});
  cands.push_back({"size (ties in buffer order)", sorted([&](int a, int b) { return it[a].size > it[b].size; })});
  cands.push_back({"first-use", sorted([&](int a, int b) {
                     return it[a].first != it[b].first ? it[a].first < it[b].first : it[a].size > it[b].size;
                   })});
  cands.push_back({"last-use", sorted([&](int a, int b) {
                     return it[a].last != it[b].last ? it[a].last > it[b].last : it[a].size > it[b].size;
                   })});
  cands.push_back({"interval-length", sorted([&](int a, int b) {
                     return len(a) != len(b) ? len(a) > len(b) : it[a].size > it[b].size;
                   })});
  cands.push_back({"size-x-length", sorted([&](int a, int b) {
                     return it[a].size * len(a) > it[b].size * len(b);
                   })});
  cands.push_back({"conflict-weight", sorted([&](int a, int b) {
                     return weight[a] + it[a].size > weight[b] + it[b].size;
                   })});

  Placement best;
  std::vector<int> best_order;
  bool have = false;
  bool best_affinity = false;
  for (auto& c : cands) {
    for (bool affinity : {false, true}) {
      Placement pl = PlaceFirstFit(p, c.order, affinity);
      if (!have || pl.size < best.size) {
        best = pl;
        best.method = std::string("first-fit by ") + c.name + (affinity ? " (overlap partners first)" : "");
        best_order = c.order;
        best_affinity = affinity;
        have = true;
      }
    }
  }
  if (!have) {
    best.method = "empty";
    return best;
  }
  // Perturbations of the best order: move one item to another position; keep improvements.
  Rng rng{0x7e55e7aULL + static_cast<uint64_t>(n)};
  const int64_t lb = PlacementLowerBound(p);
  for (int k = 0; k < restarts && n > 1 && best.size > lb; ++k) {
    std::vector<int> o = best_order;
    const int moves = 1 + rng.Below(3);
    for (int m = 0; m < moves; ++m) {
      const int from = rng.Below(n), to = rng.Below(n);
      const int v = o[from];
      o.erase(o.begin() + from);
      o.insert(o.begin() + to, v);
    }
    Placement pl = PlaceFirstFit(p, o, best_affinity);
    if (pl.size < best.size) {
      const std::string m = best.method.find("+ perturbation") == std::string::npos
                                ? best.method + " + perturbation"
                                : best.method;
      best = pl;
      best.method = m;
      best_order = o;
    }
  }
  best.proved_optimal = best.size <= lb;
  return best;
}

namespace {

struct Search {
  Search(const PlacementProblem& problem, int64_t node_limit) : p(problem), limit(node_limit) {}
  const PlacementProblem& p;
  int64_t limit;
  int64_t nodes = 0;
  int64_t lb = 0;
  int to_place = 0;  // items that conflict with something (the others sit at offset 0)
  bool aborted = false;
  Placement best;
  std::vector<int64_t> off;
  std::vector<bool> placed;
  std::vector<std::vector<bool>> conflict;
  std::vector<std::pair<int64_t, int64_t>> iv;

  void Dfs(int depth, int last, int64_t peak) {
    const int n = static_cast<int>(p.items.size());
    if (aborted) return;
    if (depth == to_place) {
      if (peak < best.size) {
        best.size = peak;
        best.offsets = off;
      }
      return;
    }
    for (int x = 0; x < n; ++x) {
      if (placed[x]) continue;
      // Two consecutive items that do not conflict land where they land in either order:
      // only try them in increasing index order.
      if (last >= 0 && x < last && !conflict[x][last]) continue;
      if (++nodes > limit) {
        aborted = true;
        return;
      }
      iv.clear();
      for (const PlacementEdge& e : p.edges[x])
        if (placed[e.other]) iv.emplace_back(off[e.other] + e.lo, off[e.other] + e.hi);
      const int64_t o = LowestFree(iv);
      const int64_t np = std::max(peak, o + p.items[x].size);
      if (np >= best.size) continue;
      off[x] = o;
      placed[x] = true;
      Dfs(depth + 1, x, np);
      placed[x] = false;
      if (aborted || best.size <= lb) return;
    }
  }
};

}  // namespace

Placement PlaceExact(const PlacementProblem& p, const Placement& incumbent, int64_t node_limit) {
  const int n = static_cast<int>(p.items.size());
  Search s(p, node_limit);
  s.lb = PlacementLowerBound(p);
  s.best = incumbent;
  if (s.best.offsets.size() != p.items.size()) {
    s.best = PlaceFirstFit(p, OrderBySize(p));
    s.best.method = "first-fit by size";
  }
  if (s.best.size <= s.lb) {
    s.best.proved_optimal = true;
    return s.best;
  }
  s.off.assign(n, 0);
  s.placed.assign(n, false);
  int64_t start = 0;
  for (int i = 0; i < n; ++i) {
    if (p.edges[i].empty()) {
      s.placed[i] = true;  // no constraint: offset 0
      start = std::max(start, p.items[i].size);
    } else {
      ++s.to_place;
    }
  }
  s.conflict.assign(n, std::vector<bool>(n, false));
  for (int i = 0; i < n; ++i)
    for (const PlacementEdge& e : p.edges[i]) s.conflict[i][e.other] = true;
  const int64_t before = s.best.size;
  s.Dfs(0, -1, start);
  Placement r = s.best;
  r.nodes = s.nodes;
  if (r.size < before) r.method = "branch and bound";
  r.proved_optimal = !s.aborted || r.size <= s.lb;
  return r;
}

int64_t PlacementLowerBound(const PlacementProblem& p) {
  int64_t best = 0;
  for (int64_t v : PlacementStepLowerBounds(p)) best = std::max(best, v);
  for (const PlacementItem& it : p.items) best = std::max(best, it.size);
  return best;
}

std::vector<int64_t> PlacementStepLowerBounds(const PlacementProblem& p) {
  const int n = static_cast<int>(p.items.size());
  int steps = p.num_steps;
  for (const PlacementItem& it : p.items) steps = std::max(steps, it.last + 1);
  std::vector<int64_t> live(steps, 0), saved(steps, 0);
  for (const PlacementItem& it : p.items) {
    if (it.pieces.empty()) {
      for (int s = it.first; s <= it.last; ++s) live[s] += it.size;
    } else {
      for (const BufferBand& pc : it.pieces)
        for (int s = std::max(pc.first, 0); s <= pc.last && s < steps; ++s) live[s] += pc.end - pc.begin;
    }
  }
  auto overlap_at = [](int64_t d, int64_t a, int64_t b) {  // |[d, d+a) ∩ [0, b)|
    return std::max<int64_t>(0, std::min(d + a, b) - std::max<int64_t>(d, 0));
  };
  for (int A = 0; A < n; ++A) {
    int prev = -1;  // a copy alias has two consecutive edges to one item: count its saving once
    int64_t prev_ov = 0;
    for (const PlacementEdge& e : p.edges[A]) {
      const int B = e.other;
      if (B < A) continue;
      const int64_t sa = p.items[A].size, sb = p.items[B].size;
      if (e.lo <= -sa && e.hi >= sb) continue;  // a plain pair
      // Nothing forbidden (lo >= hi): they may overlap entirely.
      int64_t ov = e.lo >= e.hi ? std::min(sa, sb) : std::max(overlap_at(e.lo, sa, sb), overlap_at(e.hi, sa, sb));
      if (B == prev) {
        if (ov <= prev_ov) continue;
        const int64_t extra = ov - prev_ov;  // only the difference on top of what was counted
        prev_ov = ov;
        ov = extra;
      } else {
        prev = B;
        prev_ov = ov;
      }
      const int f = std::max(p.items[A].first, p.items[B].first);
      const int l = std::min(p.items[A].last, p.items[B].last);
      for (int s = f; s <= l; ++s) saved[s] += ov;
    }
  }
  for (int s = 0; s < steps; ++s) live[s] -= saved[s];
  return live;
}

int NumConflictingItems(const PlacementProblem& p) {
  int c = 0;
  for (const auto& e : p.edges) c += e.empty() ? 0 : 1;
  return c;
}

std::string VerifyPlacement(const PlacementProblem& p, const Placement& pl) {
  const int n = static_cast<int>(p.items.size());
  if (static_cast<int>(pl.offsets.size()) != n) return "placement has the wrong number of offsets";
  for (int i = 0; i < n; ++i) {
    if (pl.offsets[i] < 0 || pl.offsets[i] % p.alignment != 0)
      return "item " + std::to_string(i) + " has offset " + std::to_string(pl.offsets[i]);
    if (pl.offsets[i] + p.items[i].size > pl.size)
      return "item " + std::to_string(i) + " ends past the arena";
    for (const PlacementEdge& e : p.edges[i]) {
      const int64_t d = pl.offsets[i] - pl.offsets[e.other];
      if (d > e.lo && d < e.hi)
        return "items " + std::to_string(i) + " and " + std::to_string(e.other) + " at relative offset " +
               std::to_string(d) + ", forbidden (" + std::to_string(e.lo) + ", " + std::to_string(e.hi) + ")";
    }
  }
  return "";
}

void ApplyPlacement(const PlacementProblem& p, const Placement& pl, Plan& plan) {
  const std::string err = VerifyPlacement(p, pl);
  if (!err.empty()) throw Error("internal placement error: " + err);
  const int nb = static_cast<int>(plan.buffers.size());
  if (static_cast<int>(p.item_of_buffer.size()) != nb) throw Error("internal placement error: problem is for another plan");
  std::vector<int> external;
  for (int b = 0; b < nb; ++b) {
    if (p.item_of_buffer[b] >= 0)
      plan.buffers[b].offset = pl.offsets[p.item_of_buffer[b]];
    else
      external.push_back(b);
  }
  plan.arena_bytes = pl.size;
  bool workspaces = false;
  for (const PlacementItem& it : p.items) workspaces = workspaces || it.workspace_step >= 0;
  if (workspaces) {
    for (Step& st : plan.steps) st.workspace = Step::Workspace{};
    for (int i = 0; i < static_cast<int>(p.items.size()); ++i) {
      const PlacementItem& it = p.items[i];
      if (it.workspace_step < 0) continue;
      if (it.workspace_step >= static_cast<int>(plan.steps.size()))
        throw Error("internal placement error: problem is for another plan");
      plan.steps[it.workspace_step].workspace = Step::Workspace{pl.offsets[i], it.workspace_bytes};
    }
  }
  // External buffers (a streamed input): plain first fit by size in their own region.
  std::stable_sort(external.begin(), external.end(),
                   [&](int a, int b) { return plan.buffers[a].bytes > plan.buffers[b].bytes; });
  std::vector<int> done;
  for (int b : external) {
    std::vector<std::pair<int64_t, int64_t>> iv;
    const Buffer& bb = plan.buffers[b];
    const int64_t sb = AlignUp(bb.bytes, p.alignment);
    for (int q : done) {
      const Buffer& bq = plan.buffers[q];
      if (!Meet(bb.first, bb.last, bq.first, bq.last)) continue;
      iv.emplace_back(bq.offset - sb, bq.offset + AlignUp(bq.bytes, p.alignment));
    }
    plan.buffers[b].offset = LowestFree(iv);
    done.push_back(b);
  }
}

}  // namespace tessera
