// Plan IR helpers (see plan.h).
#include "plan/plan.h"

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

}  // namespace tessera
