// Geometry shared by the operator units' InputWindow (ops/unit.h) and the receptive-field
// analysis: strided spans, filter sizes, PAD amounts, nearest-neighbour sources, windowable
// transposes.
#pragma once

#include <cstdint>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

// The input rows [lo, hi) that output rows [o0, o1) of a strided window read, as the
// bounding box of every in-bounds tap (output o reads o*stride - pad + k*dilation for k in
// [0, filter)); lo >= hi when every tap is padding. Exact also for dilations.
void SpatialRange(int32_t o0, int32_t o1, int32_t stride, int32_t pad, int32_t filter,
                  int32_t dilation, int32_t size, int32_t* lo, int32_t* hi);
// w clipped to an NHWC extent (empty, all zero, when they do not meet).
Window Clip(const Window& w, const Shape4& s);
// Operand `operand` / the output of operator `op`, or an Error naming the operator.
const Tensor& InputOperand(const Graph& g, int op, int operand);
const Tensor& Output(const Graph& g, int op);
// Filter height/width of a CONV_2D ([Cout, kh, kw, Cin]) or DEPTHWISE_CONV_2D ([1, kh, kw, C]).
void FilterSize(const Graph& g, int op, int32_t* kh, int32_t* kw);
// Padding before (rows, columns) of a PAD operator, from its constant paddings operand.
void PadBefore(const Graph& g, int op, int32_t* top, int32_t* left);
// TFLM's nearest-neighbour source index (reference resize_nearest_neighbor).
int32_t NearestSource(int32_t out, int32_t in_size, int32_t out_size, bool align_corners,
                      bool half_pixel_centers);
// The permutation of a TRANSPOSE of rank <= 4 padded to 4-D as AsNHWC pads shapes, when both
// NHWC views have batch 1 (then every output window reads a rectangle of the input's view).
bool TransposePerm4(const Graph& g, int op, int32_t perm4[4]);

}  // namespace tessera

namespace tessera {

// The window of the input (NHWC extent `in`) that output window `out_win` of a strided
// operator (convolution or pool over an `out` output) reads, clipped; throws naming operator
// `op` for a non-positive stride or dilation.
Window StridedInputWindow(const Graph& g, int op, const Shape4& in, const Shape4& out, const Window& out_win,
                          int32_t kh, int32_t kw, int32_t sh, int32_t sw, int32_t dh, int32_t dw, Padding pad);

}  // namespace tessera
