// Layer-by-layer schedule: the baseline every other plan is compared with.
#pragma once

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

// One kOp step per operator, in graph order, each computing its whole output window.
// Buffers, in tensor-index order (the order TensorFlow Lite Micro hands tensors to its
// memory planner, which decides ties in the greedy placement): one per activation tensor that
// is a graph input or an operator output (PAD and RESHAPE outputs included: RESHAPE gets its
// own buffer here), each holding the full window. No scratch buffers: tessera's kernels only
// use scratch on their optional in-place path (ops::ScratchBytes), and the arena then matches
// TFLM's, whose reference kernels request no scratch for the shared models.
// Live intervals (inclusive): first = the producing step (graph inputs: 0), last = the last
// step that reads the tensor (graph outputs: the last step; a tensor nobody reads: its
// producing step). A scratch buffer lives during its step only.
// input_buffers/output_buffers are set; offsets are left 0 and arena_bytes 0 (see memory/).
// Throws Error for a graph that cannot be scheduled (no operators, an operand that is
// neither constant, graph input nor produced earlier).
Plan ScheduleLayerByLayer(const Graph& g);

}  // namespace tessera
