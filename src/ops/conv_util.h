// What CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV share (op_conv.cc, op_transpose_conv.cc).
#pragma once

#include <string>

#include "tessera/kernels.h"

namespace tessera {
struct EmitContext;  // codegen/emit_ops.h
}  // namespace tessera

namespace tessera::ops {

// The generated C's ts_conv_params constant for `c`, with e.p's per-channel multipliers and
// shifts; returns its name.
std::string EmitConvParams(const EmitContext& e, const ts_conv_params& c);

}  // namespace tessera::ops
