// Plan IR helpers (see plan.h).
#include "plan/plan.h"

#include <algorithm>
#include <string>

namespace tessera {

Window FullWindow(const Graph& g, int tensor) {
  if (tensor < 0 || tensor >= static_cast<int>(g.tensors.size()))
    throw Error("FullWindow: tensor index " + std::to_string(tensor) + " out of range (graph has " +
                std::to_string(g.tensors.size()) + " tensors)");
  const Shape4 s = AsNHWC(g.tensors[tensor].shape);
  return Window{0, s.h, 0, s.w};
}

int64_t WindowBytes(const Graph& g, int tensor, const Window& w) {
  if (tensor < 0 || tensor >= static_cast<int>(g.tensors.size()))
    throw Error("WindowBytes: tensor index " + std::to_string(tensor) + " out of range");
  const Tensor& t = g.tensors[tensor];
  if (w == FullWindow(g, tensor)) return t.num_bytes();
  if (w.empty()) return 0;
  const Shape4 s = AsNHWC(t.shape);
  return static_cast<int64_t>(w.h()) * w.w() * s.c * s.n * DTypeSize(t.type);
}

std::string TensorBufferName(const Graph& g, int tensor) {
  std::string n = g.tensors.at(static_cast<size_t>(tensor)).name;
  if (n.empty()) n.append("t").append(std::to_string(tensor));  // (append: GCC 12 warns on "t" + ...)
  return n;
}

void AssignState(const Graph& g, Plan& plan) {
  plan.state.clear();
  int64_t off = 0;
  for (int t : g.state_tensors()) {
    StateSlot s;
    s.tensor = t;
    s.offset = off;
    s.bytes = g.tensors[t].num_bytes();
    off += (s.bytes + kStateAlignment - 1) / kStateAlignment * kStateAlignment;
    plan.state.push_back(s);
  }
  plan.state_bytes = off;
}

std::vector<int64_t> RegionBases(const Plan& plan) {
  if (plan.regions.empty()) return {0, plan.arena_bytes};
  std::vector<int64_t> bases{0};
  for (size_t r = 0; r < plan.regions.size(); ++r) {
    const int64_t used = r < plan.region_bytes.size() ? plan.region_bytes[r] : 0;
    const int64_t end = bases.back() + used;
    bases.push_back(r + 1 == plan.regions.size() ? end
                                                  : (end + kRegionBaseAlignment - 1) / kRegionBaseAlignment *
                                                        kRegionBaseAlignment);
  }
  return bases;
}

int NumRegions(const Plan& plan) { return plan.regions.empty() ? 1 : static_cast<int>(plan.regions.size()); }

int64_t RegionArenaBytes(const Plan& plan, int r) {
  if (plan.regions.empty()) return plan.arena_bytes;
  return r >= 0 && r < static_cast<int>(plan.region_bytes.size()) ? plan.region_bytes[r] : 0;
}

std::string RegionName(const Plan& plan, int r) {
  if (plan.regions.empty()) return "arena";
  return r >= 0 && r < static_cast<int>(plan.regions.size()) ? plan.regions[r].name : "?";
}

const StateSlot* FindStateSlot(const Plan& plan, int tensor) {
  for (const StateSlot& s : plan.state)
    if (s.tensor == tensor) return &s;
  return nullptr;
}

Buffer WholeTensorBuffer(const Graph& g, int tensor) {
  Buffer b;
  b.window = FullWindow(g, tensor);  // (checks the index)
  b.name = TensorBufferName(g, tensor);
  b.tensor = tensor;
  b.bytes = g.tensors[tensor].num_bytes();
  return b;
}

std::vector<BufferBand> BufferPieces(const Buffer& b) {
  std::vector<BufferBand> r;
  int64_t at = 0;
  for (const BufferBand& band : b.bands) {
    if (band.begin > at) r.push_back(BufferBand{at, band.begin, b.first, b.last});
    r.push_back(band);
    at = std::max(at, band.end);
  }
  if (at < b.bytes || r.empty()) r.push_back(BufferBand{at, b.bytes, b.first, b.last});
  return r;
}

int64_t BufferBytesAt(const Buffer& b, int step) {
  if (step < b.first || step > b.last) return 0;
  if (b.bands.empty()) return b.bytes;
  int64_t n = 0;
  for (const BufferBand& p : BufferPieces(b))
    if (step >= p.first && step <= p.last) n += p.end - p.begin;
  return n;
}

std::string BandsError(const Buffer& b) {
  int64_t at = 0;
  for (size_t i = 0; i < b.bands.size(); ++i) {
    const BufferBand& band = b.bands[i];
    const std::string who = "band " + std::to_string(i) + " [" + std::to_string(band.begin) + ", " +
                            std::to_string(band.end) + ") live [" + std::to_string(band.first) + ", " +
                            std::to_string(band.last) + "]";
    if (band.begin < at || band.end <= band.begin || band.end > b.bytes)
      return who + " is empty, out of order, overlaps the previous band or lies beyond the buffer's " +
             std::to_string(b.bytes) + " bytes";
    if (band.first < b.first || band.last > b.last || band.last < band.first)
      return who + " is not inside the buffer's live interval [" + std::to_string(b.first) + ", " +
             std::to_string(b.last) + "]";
    at = band.end;
  }
  return {};
}

}  // namespace tessera
