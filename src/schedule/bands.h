// Row bands: per-byte-range lifetimes (plan/plan.h Buffer::bands) for the whole-tensor buffers
// of patch and streamed plans.
//
// In a patch schedule a stage's assembled output is written patch by patch, and a whole
// tensor the patches read (the model input, or the previous stage's output) is read patch by
// patch. Row y of such a buffer is only needed from the first step that accesses it (its
// first writer; a graph input's rows from the buffer's first step) to the last step that
// accesses it (its last reader; a graph output's rows up to the buffer's last step). Rows
// with the same interval are merged into bands, so a placement that honours bands may reuse
// the rows of the assembled output that no patch has written yet and the input rows that no
// later patch reads.
#pragma once

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

// For every arena (non-external) buffer that holds the full window of a tensor with at least
// two rows (NHWC via AsNHWC, batch 1) and that some step accesses over a partial window:
// computes per row the interval [first access, last access] (a kOp step reading it: the rows
// of the input window the operator needs for the step's output window, through a folded PAD
// when Step::fused_pad >= 0; a kOp step writing it: its output window rows; a kCopy step: its
// window rows; a step reading or writing it whole: every row; a graph input: from the buffer's
// first step; a graph output: to the buffer's last step), merges equal consecutive rows and
// sets Buffer::bands to the bands whose interval differs from the buffer's [first, last]
// (replacing any bands it had). Conservative: every byte any step accesses lies in a piece
// (plan.h BufferPieces) whose interval contains that step. Buffers it does not consider keep
// their bands. Offsets are not touched (place the plan afterwards).
// Returns the number of buffers given bands. Throws Error (naming the step) for a step whose
// operator or buffers are out of range.
int AssignRowBands(const Graph& g, Plan& plan);

// The rows [y0, y1) of tensor `tensor` that step `step` of `plan` reads through its input
// buffer number `input` (position in Step::inputs): for a kOp step the input window the
// operator needs for the step's output window (through a folded PAD), for a kCopy step the
// copied window. Empty when the step reads nothing of it.
Window StepInputWindow(const Graph& g, const Plan& plan, int step, int input);

}  // namespace tessera
