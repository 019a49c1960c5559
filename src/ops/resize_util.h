// What RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR share (op_resize.cc, op_resize_bilinear.cc):
// the checks of the input and its constant size operand, TFLM's parameters and the codegen
// declaration of ts_resize_params.
#pragma once

#include <string>

#include "ir/graph.h"
#include "ops/ops.h"

namespace tessera {
class OpCheck;
struct EmitContext;
}  // namespace tessera

namespace tessera::ops {

// Validation of a resize: 2 operands (an int8 rank-4 batch-1 input, a constant 2-value int32
// size of at most 2^20 per side); the output is [1, size, channels].
void ValidateResize(OpCheck& c);

// ts_resize_params of operator o (input and output rank 4, equal channel counts); sets
// p.resize, p.in_shape and p.inputs. `elem_bytes`: the element size the kernel moves.
void PrepareResize(const Graph& g, const Operator& o, PreparedOp& p, bool align_corners, bool half_pixel_centers,
                   int32_t elem_bytes);

// The generated C's constant holding e.p.resize; returns its name.
std::string EmitResizeParams(const EmitContext& e);

}  // namespace tessera::ops
