// Window rules shared by the operator units' InputWindow (see window_rules.h).
#include "analysis/window_rules.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

namespace tessera {

// The input rows [lo, hi) that output rows [o0, o1) of a strided window read, as the
// bounding box of every in-bounds tap (output o reads o*stride - pad + k*dilation for k in
// [0, filter)); lo >= hi when every tap is padding. Exact also for dilations, whose taps can
// skip over the input's edge rows.
void SpatialRange(int32_t o0, int32_t o1, int32_t stride, int32_t pad, int32_t filter,
                  int32_t dilation, int32_t size, int32_t* lo, int32_t* hi) {
  int64_t l = INT64_MAX, h = INT64_MIN;
  for (int64_t o = o0; o < o1; ++o) {
    const int64_t base = o * stride - pad;
    // Taps k with 0 <= base + k*dilation < size.
    const int64_t k0 = base >= 0 ? 0 : (-base + dilation - 1) / dilation;
    const int64_t k1 = std::min<int64_t>(filter, base >= size ? 0 : (size - 1 - base) / dilation + 1);
    if (k0 >= k1) continue;
    l = std::min(l, base + k0 * dilation);
    h = std::max(h, base + (k1 - 1) * dilation + 1);
  }
  if (l >= h) {
    *lo = *hi = 0;
    return;
  }
  *lo = static_cast<int32_t>(l);
  *hi = static_cast<int32_t>(h);
}

Window Clip(const Window& w, const Shape4& s) {
  Window r{std::max(w.y0, 0), std::min(w.y1, s.h), std::max(w.x0, 0), std::min(w.x1, s.w)};
  if (r.empty()) return Window{};
  return r;
}

const Tensor& InputOperand(const Graph& g, int op, int operand) {
  const Operator& o = g.ops[op];
  if (operand < 0 || operand >= static_cast<int>(o.inputs.size()) || o.inputs[operand] < 0 ||
      o.inputs[operand] >= static_cast<int>(g.tensors.size()))
    throw Error(OpLabel(g, op) + ": operand " + std::to_string(operand) + " is absent or out of range");
  return g.tensors[o.inputs[operand]];
}

const Tensor& Output(const Graph& g, int op) {
  const Operator& o = g.ops[op];
  if (o.outputs.empty() || o.outputs[0] < 0 || o.outputs[0] >= static_cast<int>(g.tensors.size()))
    throw Error(OpLabel(g, op) + ": has no valid output tensor");
  return g.tensors[o.outputs[0]];
}

// Filter height/width of a CONV_2D ([Cout, kh, kw, Cin]) or DEPTHWISE_CONV_2D ([1, kh, kw, C]).
void FilterSize(const Graph& g, int op, int32_t* kh, int32_t* kw) {
  const Operator& o = g.ops[op];
  if (o.inputs.size() < 2 || o.inputs[operand::kFilter] < 0 ||
      o.inputs[operand::kFilter] >= static_cast<int>(g.tensors.size()))
    throw Error(OpLabel(g, op) + ": filter operand missing");
  const Tensor& f = g.tensors[o.inputs[operand::kFilter]];
  if (f.shape.size() != 4)
    throw Error(OpLabel(g, op) + ": filter tensor '" + f.name + "' must have rank 4, has rank " +
                std::to_string(f.shape.size()));
  *kh = f.shape[1];
  *kw = f.shape[2];
  if (*kh <= 0 || *kw <= 0)
    throw Error(OpLabel(g, op) + ": filter tensor '" + f.name + "' has a non-positive size");
}

// Padding before (rows, columns) of a PAD operator, from its constant paddings operand.
void PadBefore(const Graph& g, int op, int32_t* top, int32_t* left) {
  const Operator& o = g.ops[op];
  if (o.inputs.size() < 2 || o.inputs[1] < 0 || o.inputs[1] >= static_cast<int>(g.tensors.size()))
    throw Error(OpLabel(g, op) + ": paddings operand missing");
  const Tensor& p = g.tensors[o.inputs[1]];
  const Tensor& in = InputOperand(g, op, 0);
  const int rank = static_cast<int>(in.shape.size());
  if (!p.is_const || p.shape.size() != 2 || p.shape[1] != 2 || p.shape[0] != rank)
    throw Error(OpLabel(g, op) + ": paddings tensor '" + p.name + "' must be a constant [" +
                std::to_string(rank) + ",2] tensor");
  const int esize = p.type == DType::kInt64 ? 8 : p.type == DType::kInt32 ? 4 : 0;
  if (esize == 0)
    throw Error(OpLabel(g, op) + ": paddings tensor '" + p.name + "' must be int32 or int64, is " +
                DTypeName(p.type));
  if (static_cast<int64_t>(p.data.size()) < static_cast<int64_t>(rank) * 2 * esize)
    throw Error(OpLabel(g, op) + ": paddings tensor '" + p.name + "' holds " +
                std::to_string(p.data.size()) + " bytes, needs " + std::to_string(rank * 2 * esize));
  auto value = [&](int i) -> int64_t {
    if (esize == 8) {
      int64_t v;
      std::memcpy(&v, p.data.data() + i * 8, 8);
      return v;
    }
    int32_t v;
    std::memcpy(&v, p.data.data() + i * 4, 4);
    return v;
  };
  *top = 0;
  *left = 0;
  // AsNHWC pads the shape at the front: rows are axis rank-3, columns axis rank-2.
  if (rank >= 3) *top = static_cast<int32_t>(value((rank - 3) * 2));
  if (rank >= 2) *left = static_cast<int32_t>(value((rank - 2) * 2));
  if (*top < 0 || *left < 0)
    throw Error(OpLabel(g, op) + ": paddings tensor '" + p.name + "' has a negative padding");
}

// TFLM's nearest-neighbour source index (reference resize_nearest_neighbor).
int32_t NearestSource(int32_t out, int32_t in_size, int32_t out_size, bool align_corners,
                      bool half_pixel_centers) {
  const float scale = (align_corners && out_size > 1)
                          ? static_cast<float>(in_size - 1) / static_cast<float>(out_size - 1)
                          : static_cast<float>(in_size) / static_cast<float>(out_size);
  const float offset = half_pixel_centers ? 0.5f : 0.0f;
  const float v = (static_cast<float>(out) + offset) * scale;
  int32_t r = align_corners ? static_cast<int32_t>(std::round(v)) : static_cast<int32_t>(std::floor(v));
  r = std::min(r, in_size - 1);
  if (half_pixel_centers) r = std::max(r, 0);
  return r;
}

// The permutation of a TRANSPOSE of rank <= 4 padded to 4-D as AsNHWC pads shapes (leading
// axes of size 1 stay in place), when both NHWC views have batch 1: then every output window
// reads a rectangle of the input's view. False otherwise (rank > 4, a batch above 1, or a
// perm operand that is not a constant permutation).
bool TransposePerm4(const Graph& g, int op, int32_t perm4[4]) {
  const Operator& o = g.ops[op];
  if (o.inputs.size() < 2 || o.outputs.empty()) return false;
  for (int t : {o.inputs[0], o.inputs[1], o.outputs[0]})
    if (t < 0 || t >= static_cast<int>(g.tensors.size())) return false;
  const Tensor& in = g.tensors[o.inputs[0]];
  const Tensor& pt = g.tensors[o.inputs[1]];
  const int rank = static_cast<int>(in.shape.size());
  if (rank < 1 || rank > 4 || !pt.is_const) return false;
  const int esize = pt.type == DType::kInt64 ? 8 : pt.type == DType::kInt32 ? 4 : 0;
  if (esize == 0 || static_cast<int64_t>(pt.data.size()) != static_cast<int64_t>(rank) * esize) return false;
  const int k = 4 - rank;
  bool seen[4] = {false, false, false, false};
  for (int i = 0; i < 4; ++i) {
    int64_t v = i;
    if (i >= k) {
      if (esize == 8) {
        std::memcpy(&v, pt.data.data() + (i - k) * 8, 8);
      } else {
        int32_t v32;
        std::memcpy(&v32, pt.data.data() + (i - k) * 4, 4);
        v = v32;
      }
      if (v < 0) v += rank;
      if (v < 0 || v >= rank) return false;
      v += k;
    }
    if (seen[v]) return false;
    seen[v] = true;
    perm4[i] = static_cast<int32_t>(v);
  }
  int32_t dims[4];
  for (int i = 0; i < 4; ++i) dims[i] = i < k ? 1 : in.shape[i - k];
  return dims[0] == 1 && dims[perm4[0]] == 1;
}


}  // namespace tessera

namespace tessera {

Window StridedInputWindow(const Graph& g, int op, const Shape4& is, const Shape4& os, const Window& out_win,
                          int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh, int32_t dw, Padding pad) {
  if (sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0)
    throw Error(OpLabel(g, op) + ": stride and dilation must be positive");
  const int32_t ph = ConvPaddingBefore(pad, is.h, kh, sh, dh, os.h);
  const int32_t pw = ConvPaddingBefore(pad, is.w, kw, sw, dw, os.w);
  Window w;
  SpatialRange(out_win.y0, out_win.y1, sh, ph, kh, dh, is.h, &w.y0, &w.y1);
  SpatialRange(out_win.x0, out_win.x1, sw, pw, kw, dw, is.w, &w.x0, &w.x1);
  return Clip(w, is);
}

}  // namespace tessera
