// Patch-based inference (MCUNetV2, Lin et al., NeurIPS 2021): the memory-heavy first stage of
// a CNN runs patch by patch over overlapping windows; only the tensors that cross the cut
// ("assembled" tensors) are ever held whole.
//
// A split point cuts the graph after operator `last_op`. The patch stage is the operators
// [first_op, last_op]; operators before first_op (those that cannot run over windows, e.g. a
// FULLY_CONNECTED or a TRANSPOSE that moves the batch) run whole first, like layer-by-layer. Every activation produced inside the
// stage that is read after the cut or is a graph output is assembled: one buffer holding the
// whole tensor, written directly by its producer in every patch. This includes a residual
// connection that crosses the cut (a block input read both inside the stage and by an ADD
// after the cut): it is assembled too, so the ADD reads the real tensor. Stage inputs (graph
// inputs and tensors made before first_op) are held whole while the stage runs.
//
// Patches tile each assembled tensor with the same rows x cols grid (balanced: row r of H rows
// covers [r*H/rows, (r+1)*H/rows)); the window of every other stage tensor a patch computes is
// what its consumers in that patch need (receptive fields, analysis/receptive_field.h). Zero
// padding is decided by global coordinates inside the kernels, so every patch computes exactly
// the bytes the whole layer computes, and the plan is bit-exact with layer-by-layer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

// Most patches a grid may have (MCUNetV2 uses up to a few dozen); larger grids are refused.
constexpr int kMaxPatches = 4096;

struct PatchConfig {
  // Where the stage ends: after operator `split_op`; or, when split_op < 0, after the last
  // producer of `cut_tensors`, which must then be exactly the tensors that cross the cut.
  int split_op = -1;
  std::vector<int> cut_tensors;
  int rows = 1, cols = 1;  // patch grid over every assembled tensor
  // Fold each stage PAD whose only reader is a convolution into that convolution
  // (Step::fused_pad, schedule/fuse.h CanFoldPad): no per-patch PAD buffer or step.
  bool fold_pads = false;
};

struct SplitPoint {
  int first_op = 0;                // first operator of the patch stage
  int last_op = 0;                 // the cut is after this operator
  std::vector<int> stage_ops;      // first_op..last_op
  std::vector<int> stage_inputs;   // activations the stage reads whole (graph inputs, prefix)
  std::vector<int> cut_tensors;    // assembled tensors, increasing tensor index
  int64_t cut_bytes = 0;           // sum of the assembled tensors' bytes
  int64_t stage_input_bytes = 0;   // sum of the stage inputs' bytes
  int64_t stage_peak_tensor_bytes = 0;  // largest tensor produced inside the stage
  int32_t min_cut_h = 0, min_cut_w = 0; // smallest rows / columns of an assembled tensor
};

// All valid split points, in operator order: cuts after an operator k such that every stage
// operator can run over windows (analysis IsWindowable) and every crossing tensor is spatial
// (more than one pixel). The stage starts after the last operator <= k that cannot run over
// windows. Callers pick among them by the byte figures (a split pays off while the assembled
// bytes are well below the stage's largest tensor).
std::vector<SplitPoint> ValidSplits(const Graph& g);

// The split point a config names. Throws Error (naming the operator/tensor) when the config
// does not describe a valid split, or the grid does not fit the assembled tensors
// (rows/cols < 1, more rows/columns than an assembled tensor has, more than kMaxPatches).
SplitPoint ResolveSplit(const Graph& g, const PatchConfig& cfg);

// The windows one patch computes: per tensor (index = tensor index), empty for tensors the
// patch does not compute. Stage inputs get the window the patch reads of them. A stage
// tensor read by a step that needs none of it (the step's output is all padding) gets one
// pixel, so that the step has an input buffer.
struct PatchWindows {
  int row = 0, col = 0;
  std::vector<Window> tensor;
};
// Every patch, in raster order.
std::vector<PatchWindows> ComputePatchWindows(const Graph& g, const SplitPoint& sp, int rows,
                                              int cols);

// The patch-based schedule as an ordinary Plan (strategy "patch"):
//  - operators before the stage: one whole-window step each;
//  - per patch (raster order), per stage operator (graph order) whose window is not empty: a
//    kOp step computing that window (with cfg.fold_pads, folded PADs have no step: their
//    reader's step has fused_pad set and reads the PAD input's buffer). Its output goes to a per-patch buffer holding exactly
//    that window, or, for an assembled tensor, to the assembled buffer (whole tensor);
//  - the remaining operators layer by layer, whole windows.
// Buffers, in this order: whole-tensor buffers (graph inputs, prefix outputs, assembled
// tensors, tensors after the cut) in tensor-index order, then per-patch buffers in step order.
// No scratch buffers (the kernels' scratch is optional). Live intervals are precise
// (producing step to last reading step, graph inputs from step 0, graph outputs to the last
// step). Graph input buffers are `external` when acc.input_in_arena is false. Offsets are 0
// and arena_bytes 0: a memory planner places them (memory/greedy.h PlaceGreedy,
// memory/mcunetv2.h, schedule/patch_plan.h).
Plan SchedulePatches(const Graph& g, const PatchConfig& cfg, Accounting acc = {});

// Cost model: MACs of the patch plan against layer-by-layer.
struct PatchCost {
  int64_t graph_macs = 0;        // layer-by-layer, whole network
  int64_t stage_macs = 0;        // layer-by-layer MACs of the stage operators
  int64_t patch_stage_macs = 0;  // MACs the patches spend on the stage operators
  int64_t plan_macs = 0;         // the whole patch plan
  // Largest window (rows x cols) of a stage input that one patch reads (clipped to the input).
  int32_t max_input_patch_h = 0, max_input_patch_w = 0;
  // Receptive field of the largest grid cell in the stage inputs, zero padding included (the
  // patch size MCUNetV2 and TinyEngine quote): backwards through the stage, a convolution or
  // pool maps n rows to (n-1)*stride + (kernel-1)*dilation + 1, other operators keep n
  // (max over paths).
  int32_t patch_rf_h = 0, patch_rf_w = 0;
  double stage_overhead() const {
    return stage_macs ? static_cast<double>(patch_stage_macs) / stage_macs - 1.0 : 0.0;
  }
  double overall_overhead() const {
    return graph_macs ? static_cast<double>(plan_macs) / graph_macs - 1.0 : 0.0;
  }
};
// Computed from the patch windows alone (no plan built).
PatchCost EstimatePatchCost(const Graph& g, const PatchConfig& cfg);

// Parses "SPLIT:ROWSxCOLS" (e.g. "12:4x4"; SPLIT is the operator after which the stage ends)
// as used by `tessera plan --patch`. Throws Error with the expected form on bad text.
PatchConfig ParsePatchSpec(const std::string& spec);

}  // namespace tessera
