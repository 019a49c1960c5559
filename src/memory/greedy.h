// TensorFlow Lite Micro's GreedyMemoryPlanner placement, reimplemented from its documented
// behaviour, so that tessera's layer-by-layer baseline reproduces TFLM's arena figure.
//
// The rule (TFLM micro/memory_planner/greedy_memory_planner and the allocation-info builder
// that feeds it):
//  - Every buffer's size is rounded up to 16 bytes (TFLM's kBufferAlignment) before
//    placement; Buffer::bytes itself stays the exact window size.
//  - Buffers are ordered by (rounded) size, largest first, and ties go in REVERSE order of
//    addition: TFLM copies the (online-planned) buffers into its sort array from the tail, so
//    the last buffer added comes first, and its bubble sort only swaps a strictly smaller
//    size ahead of a larger one, so it is stable. TFLM adds tensors in subgraph tensor-index
//    order, then the kernels' scratch buffers in request order; ScheduleLayerByLayer creates
//    its buffers in exactly that order, and PlaceGreedy takes the plan's buffer order as the
//    order of addition. (This tie rule matters: with ties kept in forward order, vww_96_int8
//    would get 64512 bytes instead of TFLM's 73728.)
//  - The largest buffer goes at offset 0. Each next buffer walks the already placed buffers
//    whose live intervals overlap its own (inclusive: an operator's inputs and outputs are all
//    live at its step), in increasing offset order, keeping a candidate offset = the highest
//    end seen so far (starting at 0); it takes the first candidate whose gap to the next such
//    buffer is at least its size, or the candidate after the last one.
//  - The arena is the highest end (offset + rounded size) over all buffers.
//  - Graph inputs are live from step 0 to their last reader; graph outputs until the last
//    step; a RESHAPE output is a buffer of its own (TFLM's reference RESHAPE copies unless
//    the two tensors share memory, which its planner never arranges).
// Buffers marked `external` are not in the arena: they are placed the same way in their own
// region, and do not count towards arena_bytes.
#pragma once

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

// TFLM's buffer alignment.
constexpr int64_t kGreedyAlignment = 16;

// Sets every buffer's offset and the plan's arena_bytes. Throws Error for a buffer with a
// negative size or an empty/negative live interval.
void PlaceGreedy(Plan& plan);

// ScheduleLayerByLayer + PlaceGreedy, strategy "greedy": TFLM's plan for the graph.
Plan PlanLayerByLayer(const Graph& g);

}  // namespace tessera
