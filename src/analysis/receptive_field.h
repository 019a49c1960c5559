// Receptive fields: which window of each input an operator needs to compute a window of its
// output, and, for a set of operators (a patch stage), which window of every tensor is needed
// to compute given windows of some tensors.
//
// Windows are in global coordinates of the tensor they belong to (docs/ARCHITECTURE.md) and
// are always clipped to that tensor: elements outside it are padding, which the kernels decide
// from global coordinates, so no buffer ever holds them.
#pragma once

#include <utility>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

// Bounding box of two windows; an empty window is the identity.
Window UnionWindow(const Window& a, const Window& b);
// Intersection; empty (all zero) when they do not meet.
Window IntersectWindow(const Window& a, const Window& b);
// w clipped to tensor t's full window (empty stays empty, normalised to all zero).
Window ClipWindow(const Graph& g, int tensor, const Window& w);

// True when the operator's kernel can compute any output window from a window of its
// input(s) (spatial and element-wise operators, and a TRANSPOSE of rank <= 4 whose NHWC views
// have batch 1 on both sides, e.g. NCHW -> NHWC); false for the operators that mix positions
// and only run over their whole output (FULLY_CONNECTED, SOFTMAX, MEAN, RESHAPE,
// CONCATENATION, any other TRANSPOSE).
bool IsWindowable(const Graph& g, int op);

// The window of input operand `input_operand` (position in op.inputs) of operator `op` that
// computing `out_win` of its output needs, clipped to that input tensor:
//  - CONV_2D, DEPTHWISE_CONV_2D (any kernel size, stride, dilation, SAME/VALID padding) and
//    AVERAGE/MAX_POOL_2D: the bounding box of the in-bounds input rows/columns the output
//    rows/columns read (output o reads o*stride - pad + k*dilation, k in [0, filter));
//  - PAD: the output window shifted back by the padding before, clipped;
//  - RESIZE_NEAREST_NEIGHBOR: the nearest-neighbour source rows/columns (TFLM's rule);
//  - element-wise ADD/MUL: the same window, or [0,1) along an axis the operand broadcasts;
//  - channel-wise operators (activations, QUANTIZE, DEQUANTIZE): the same window;
//  - a windowable TRANSPOSE (rank <= 4, batch 1): output view rows are input axis perm[1],
//    columns input axis perm[2] (perm padded to 4-D): the input view's rows (its axis 1)
//    and columns (axis 2) are narrowed to the output rows/columns that map onto them, all
//    the rest is whole. perm [0,2,3,1] (NCHW -> NHWC): output rows [y0,y1) x columns
//    [x0,x1) need input view rows [0,C) x columns [y0,y1) (the kernel reads channels
//    [x0,x1) of them);
//  - the operators that mix positions: the whole input.
// A constant operand's window is its full window. An empty out_win gives an empty window.
// Throws Error for an index out of range or a malformed operator (missing filter, PAD without
// constant paddings), naming the operator.
Window InputWindow(const Graph& g, int op, int input_operand, const Window& out_win);

// Propagates required windows backwards through `ops` (operator indices, in graph order):
// starting from `seeds` (tensor, window) pairs, each operator's output window is the union of
// what is asked of its output (seeds and every consumer among `ops`), and each of its
// activation inputs is asked InputWindow(...) of that. Returns one window per tensor of the
// graph (index = tensor index), empty for the tensors nothing asked for.
std::vector<Window> PropagateWindows(const Graph& g, const std::vector<int>& ops,
                                     const std::vector<std::pair<int, Window>>& seeds);

// Receptive field size (rows, columns) of `out_win`'s worth of tensor `out_tensor` in tensor
// `in_tensor`, through the operators that lie between them: PropagateWindows over ops
// [producer(in_tensor)+1, producer(out_tensor)] seeded with out_win, unclipped sizes being
// bounded by the input. Convenience for reports.
Window ReceptiveWindow(const Graph& g, int in_tensor, int out_tensor, const Window& out_win);

}  // namespace tessera
