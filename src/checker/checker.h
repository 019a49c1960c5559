// The plan checker: proves a Plan safe for a Graph by replaying it over a model of the arena.
//
// It reads the Plan and the Graph and nothing else: no planner, no src/ops, no src/analysis.
// Its receptive-field rules per operator type are its own (docs/ARCHITECTURE.md, "Access
// order"), so a planner bug cannot hide behind a shared helper.
//
// Model. Every byte of the arena (and of the external region holding streamed inputs) carries
// a tag: the value it holds, as (tensor, byte index in the full tensor), or "garbage". Graph
// inputs are tagged in their input buffers at the start. Each step is replayed unit by unit in
// the kernel's declared access order:
//  - spatial operators (CONV_2D, DEPTHWISE_CONV_2D, AVERAGE/MAX_POOL_2D, PAD): one unit per
//    output pixel of the step's window, row-major; the unit reads every in-bounds input pixel
//    of its receptive field (all channels) and writes the output pixel (all channels);
//  - FULLY_CONNECTED: one unit per output row; SOFTMAX: one unit per row of the last axis;
//  - MEAN, TRANSPOSE, CONCATENATION, RESIZE_NEAREST_NEIGHBOR: one unit reading everything the
//    window needs, then writing the window (a TRANSPOSE of rank <= 4 with batch 1 on both
//    sides runs over any output window and reads exactly the input elements it maps onto);
//  - element-wise operators (ADD, MUL, activations, QUANTIZE, DEQUANTIZE), RESHAPE and copy
//    steps: one unit per element in row-major (y, x, c) order (broadcast operands read the
//    element they broadcast).
// A unit is replayed as read(i); write(i); read(i) when the step has no scratch buffer (the
// kernel may interleave the unit's writes with its reads), and read(i); write(i) with one (the
// scratch is written at the start of the step and read at its end). An element-wise unit
// produces a single value from everything it reads, so its write cannot precede its reads:
// it is read(i); write(i) either way (this is what makes in-place element-wise steps and
// RESHAPE views legal).
// Every read must find exactly the tags the unit needs. Writes retag the bytes with the value
// written. Overlapping buffers (in time and space) are therefore allowed exactly as far as
// the replay shows them harmless.
//
// Besides the replay it checks the structure: indices in range; every buffer's window inside
// its tensor and bytes == h*w*c*element size; every buffer inside the arena (or the external
// region); every access within a buffer's live interval; every step's input buffers holding
// the window it needs (clipped to the tensor) and its output buffer holding its window; the
// accounting (external buffers only for streamed graph inputs); graph inputs present in their
// input_buffers at the start (live from step 0) and graph outputs fully present in their
// output_buffers at the end (live until the last step). Buffer bands (plan.h): well formed
// (BandsError, a structure failure naming the buffer); every byte read or written inside its
// band's interval (liveness); a graph input's bands starting with it and a graph output's
// ending with it. A step's kernel workspace (plan.h Step::workspace): word-aligned inside the
// arena (bounds), only on operator steps (structure), and sharing no byte with any buffer
// live during the step, band by band (liveness): the kernel uses it in any order. Whether it
// is large enough for the kernel is the executor's check (it knows the kernels' needs).
//
// Memory regions (plan.h MemoryRegion): the region list is checked (names present and
// distinct, one size per region, each within its capacity, summing to arena_bytes), then each
// buffer's and workspace's region index (structure) and its bytes within that region's arena
// (bounds); the regions are then laid end to end in one address space and the flat plan is
// replayed as above, so buffers of different regions never conflict and every rule holds
// within each region. Without regions every region index must be 0.
//
// Cost: tag comparisons over contiguous byte runs, no per-MAC work: a few tens of
// milliseconds for MobileNetV2-224 layer by layer in a Release build. The arena model takes
// 12 bytes per arena byte; arenas above kMaxCheckedArenaBytes are refused.
#pragma once

#include <cstdint>
#include <string>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

// Largest arena (and external region) the checker models.
constexpr int64_t kMaxCheckedArenaBytes = int64_t{64} << 20;

// What kind of problem the first failure is.
enum class CheckFailure : uint8_t {
  kNone,
  kStructure,  // index out of range, malformed step/buffer, graph inconsistent with its rules
  kBounds,     // a buffer outside the arena / external region, or an arena too large to model
  kLiveness,   // a buffer accessed outside its live interval, or inputs/outputs not live
  kWindow,     // a buffer does not hold the window a step needs or writes
  kValue,      // a read found bytes that do not hold the value the step needs
  kInput,      // graph inputs cannot all be present at the start
  kOutput,     // a graph output is not fully present at the end
};
const char* CheckFailureName(CheckFailure f);

struct CheckResult {
  bool ok = false;
  // Empty when ok. Otherwise the first failure: the step (index, operator, output tensor,
  // window), the unit (output pixel / element / row), the buffer and arena byte, the tensor
  // element expected and what was found there (and which step wrote it).
  std::string message;
  int64_t bytes_checked = 0;  // tag bytes compared by reads
  CheckFailure failure = CheckFailure::kNone;
  int step = -1;  // step of the first failure, -1 when it is not tied to a step
};

CheckResult CheckPlan(const Graph& g, const Plan& plan);

// Throws Error("plan rejected by the checker: <message>") unless CheckPlan(g, plan).ok.
void CheckPlanOrThrow(const Graph& g, const Plan& plan);

}  // namespace tessera
