#include "ops/elementwise_unit.h"

namespace tessera::ops {

Window ElementwiseUnit::InputWindow(const WindowQuery& q) const {
  const Tensor& in = q.g.tensors[q.in_tensor];
  // Broadcasting: an axis of size 1 against a larger output axis is read at index 0.
  Window w = q.out_win;
  if (q.in.h != q.out.h) {
    if (q.in.h != 1)
      throw Error(OpLabel(q.g, q.op) + ": input '" + in.name + "' has " + std::to_string(q.in.h) +
                  " rows, output has " + std::to_string(q.out.h) + " (not broadcastable)");
    w.y0 = 0;
    w.y1 = 1;
  }
  if (q.in.w != q.out.w) {
    if (q.in.w != 1)
      throw Error(OpLabel(q.g, q.op) + ": input '" + in.name + "' has " + std::to_string(q.in.w) +
                  " columns, output has " + std::to_string(q.out.w) + " (not broadcastable)");
    w.x0 = 0;
    w.x1 = 1;
  }
  return q.Clip(w);
}

Window UnaryElementwiseUnit::InputWindow(const WindowQuery& q) const {
  if (q.in.h != q.out.h || q.in.w != q.out.w)
    throw Error(OpLabel(q.g, q.op) + ": input '" + q.g.tensors[q.in_tensor].name + "' and output differ in shape");
  return q.Clip(q.out_win);
}

}  // namespace tessera::ops
