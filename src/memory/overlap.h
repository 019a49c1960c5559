// Segment-level overlap (vMCU, MLSys 2024; TFMin's "diagonal" overlap) derived exactly from
// the access order of docs/ARCHITECTURE.md.
//
// A step reads input buffer I and writes output buffer O. Put O at relative offset
// d = O.offset - I.offset. The step runs unit by unit (output pixels row-major for spatial
// kernels; elements for element-wise ones; rows for FULLY_CONNECTED and SOFTMAX); unit i
// reads the input bytes of its receptive field, writes its output bytes, and, when the step
// has no scratch, reads its receptive field again. A write of unit i lands on input-relative
// bytes [d + wbeg_i, d + wend_i). It is harmless iff it lies below every input byte still
// needed, i.e. below need_i = the lowest input byte read by a unit >= i (> i with a scratch):
//     d + wend_i <= need_i  for every unit i   <=>   d <= D = min_i (need_i - wend_i).
// Every d <= D is safe (writes only move further below the reads), and so is every d at or
// above I's size (no overlap at all). D is what this file computes.
//
// Element-wise units compute one value from what they read, so their write never precedes
// their reads: read(i); write(i) with or without scratch (as the checker models them).
// In-place is the special case D >= 0 (element-wise at equal element size); depthwise convolution gets
// D = -(rows_above * W + cols_left + 1) * C: the output trails the input by its receptive
// field's reach, which is the row band the brief of "in-place depthwise" calls for.
#pragma once

#include <cstdint>
#include <optional>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

// No unit reads after any write (or there is no write): every relative offset is safe.
constexpr int64_t kAnyShift = INT64_C(1) << 60;

// Which planning option allows overlap for an operator.
enum class OverlapClass : uint8_t {
  kNone,     // one unit reads everything then writes everything (MEAN, TRANSPOSE, ...)
  kInPlace,  // element-wise at equal element size, DEPTHWISE_CONV_2D, pools
  kOverlap,  // every other operator with a per-unit access order (CONV_2D, FC, ...)
};
OverlapClass ClassifyOverlap(const Graph& g, const Plan& plan, int step);

// D above for step `step`, its input slot `in_slot` (index into Step::inputs) and output slot
// `out_slot` (index into Step::outputs). `with_scratch` selects the access order of a step
// with a scratch buffer (read(i); write(i)) instead of read(i); write(i); read(i).
// Returns nullopt when no overlap is possible: the operator reads everything before writing
// anything (MEAN, TRANSPOSE, CONCATENATION, RESIZE, a RESHAPE copy), an operand is broadcast,
// or the step is a copy. kAnyShift when no read follows any write.
// Throws Error for slots out of range or buffers that do not match the step.
std::optional<int64_t> MaxOutputShift(const Graph& g, const Plan& plan, int step, int in_slot,
                                      int out_slot, bool with_scratch);

// Bytes that input and output occupy together at the tightest safe relative offset:
// d = clamp(D, -out_bytes, 0) gives max(in_bytes - d, out_bytes) (in_bytes + out_bytes when
// D <= -out_bytes, i.e. no overlap; max(in, out) when the output may sit on the input).
int64_t OverlappedFootprint(int64_t in_bytes, int64_t out_bytes, int64_t max_shift);

}  // namespace tessera
