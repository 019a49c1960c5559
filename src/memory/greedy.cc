#include "memory/greedy.h"

#include <algorithm>
#include <string>
#include <vector>

#include "schedule/layer_by_layer.h"
#include "memory/workspace.h"

namespace tessera {
namespace {

int64_t AlignUp(int64_t n) { return (n + kGreedyAlignment - 1) / kGreedyAlignment * kGreedyAlignment; }

// Places the buffers `ids` (all in one region) and returns the region's size.
int64_t PlaceRegion(Plan& plan, const std::vector<int>& ids) {
  if (ids.empty()) return 0;
  std::vector<int64_t> size(plan.buffers.size(), 0);
  for (int id : ids) size[id] = AlignUp(plan.buffers[id].bytes);

  // Order by size, largest first; ties in REVERSE plan order: TFLM fills its sort array
  // from the tail (the last buffer added comes first) and its bubble sort is stable.
  std::vector<int> order(ids.rbegin(), ids.rend());
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return size[a] > size[b]; });

  // Placed buffers sorted by offset; a new buffer goes after every placed one with an offset
  // <= its own, as in TFLM's offset-ordered list.
  std::vector<int> by_offset;
  by_offset.reserve(order.size());
  int64_t region = 0;
  for (int id : order) {
    Buffer& b = plan.buffers[id];
    int64_t candidate = 0;
    for (int placed : by_offset) {
      const Buffer& p = plan.buffers[placed];
      const bool overlap = !(p.last < b.first || p.first > b.last);
      if (!overlap) continue;
      if (p.offset - candidate >= size[id]) break;  // the gap before `p` fits
      candidate = std::max(candidate, p.offset + size[placed]);
    }
    b.offset = candidate;
    auto pos = by_offset.begin();
    while (pos != by_offset.end() && plan.buffers[*pos].offset <= candidate) ++pos;
    by_offset.insert(pos, id);
    region = std::max(region, candidate + size[id]);
  }
  return region;
}

}  // namespace

void PlaceGreedy(Plan& plan) {
  std::vector<int> arena, external;
  for (int i = 0; i < static_cast<int>(plan.buffers.size()); ++i) {
    const Buffer& b = plan.buffers[i];
    if (b.bytes < 0)
      throw Error("buffer " + std::to_string(i) + " ('" + b.name + "') has negative size " + std::to_string(b.bytes));
    if (b.first < 0 || b.last < b.first)
      throw Error("buffer " + std::to_string(i) + " ('" + b.name + "') has an invalid live interval [" + std::to_string(b.first) + ", " +
                  std::to_string(b.last) + "]");
    (b.external ? external : arena).push_back(i);
  }
  plan.arena_bytes = PlaceRegion(plan, arena);
  PlaceRegion(plan, external);
}

Plan PlanLayerByLayer(const Graph& g) {
  Plan p = ScheduleLayerByLayer(g);
  p.strategy = "greedy";
  PlaceGreedyWithWorkspaces(g, p);
  return p;
}

}  // namespace tessera
