// Multi-stage patch schedules with halo caching ("streaming"): the generalisation of
// schedule/patch.h that the automatic search (search/search.h) explores.
//
// A schedule is a list of patch stages, each a run of windowable operators [first_op, last_op]
// executed patch by patch over a rows x cols grid of its assembled outputs (the tensors read
// after the stage), in raster order. Operators outside every stage run layer by layer. Each
// stage's inputs are whole tensors (the model input, or the previous stage's assembled output).
//
// Halo handling, per stage:
//  - kRecompute (MCUNetV2): every patch computes its whole receptive window of every stage
//    tensor; overlapping halos are computed again by each patch that needs them.
//  - kCacheRows ("mixed"): patches that follow each other vertically share rows. After the
//    last reader of a stage tensor in patch (r, c), a kCopy step saves the rows that patch
//    (r+1, c) also needs into a small halo buffer (a line buffer of the patch column); patch
//    (r+1, c) copies them back to the top of its own buffer and its kOp step computes only the
//    rows below them. Columns are still recomputed.
//  - kCache: rows as above, and the columns that patch (r, c+1) shares with patch (r, c) are
//    kept the same way, so every stage tensor element is computed exactly once: the plan's
//    MACs equal layer-by-layer's.
// The copies are ordinary kCopy steps and every buffer holds one window: the plan is checked
// by the checker and run by the executor like any other. The halo buffers are placed by the
// memory planner (memory/lifetime.h), which lets a copy's destination sit on its dying source
// (the copy then moves nothing, or moves bytes downwards).
//
// Lifetimes are precise: per-patch buffers live from their producing (or copy-in) step to
// their last reader; halo buffers from the copy-out to the copy-in; assembled outputs from the
// first patch that writes them; whole tensors from producer to last reader.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"
#include "schedule/patch.h"

namespace tessera {

enum class HaloMode : uint8_t { kRecompute, kCacheRows, kCache };
const char* HaloModeName(HaloMode m);  // "recompute", "mixed", "cache"
// Parses "recompute", "mixed" (= cache rows, recompute columns) or "cache". Throws Error.
HaloMode ParseHaloMode(const std::string& s);

struct StageSpec {
  int first_op = -1;  // -1: right after the previous stage (or after the last operator before
                      // last_op that cannot run over windows)
  int last_op = -1;   // the stage's outputs are assembled after this operator
  int rows = 1, cols = 1;
  HaloMode halo = HaloMode::kRecompute;
  bool operator==(const StageSpec&) const = default;
};

struct StreamConfig {
  std::vector<StageSpec> stages;  // in operator order, not overlapping
  // Fold PADs whose only reader is a convolution into it (inside stages per patch, outside
  // with schedule/fuse.h FusePads).
  bool fold_pads = true;
  bool operator==(const StreamConfig&) const = default;
};

// "SPLIT:ROWSxCOLS[:MODE][,SPLIT:ROWSxCOLS[:MODE]...]" (e.g. "12:4x4:mixed,30:7x1:cache"),
// the form the search prints. Throws Error with the expected form.
StreamConfig ParseStreamSpec(const std::string& spec);
std::string StreamSpecString(const StreamConfig& c);

// A stage resolved against the graph: the split point (ops, inputs, assembled tensors) and
// its grid. Throws Error naming the operator/tensor when the stage is not valid (an operator
// that cannot run over windows, stages out of order, nothing read after the stage, a grid
// that does not fit the assembled tensors).
struct ResolvedStage {
  SplitPoint sp;
  StageSpec spec;
};
std::vector<ResolvedStage> ResolveStages(const Graph& g, const StreamConfig& c);

// The windows each step of a stage computes, without building a plan.
struct StageWindows {
  std::vector<PatchWindows> patches;  // what each patch needs (recompute windows)
  // Per patch, per tensor: the part the patch computes (a sub-window of `patches[p].tensor`),
  // and the parts it takes from the halo buffers (rows from the patch above, columns from the
  // patch to the left). Empty where none.
  std::vector<std::vector<Window>> compute, from_above, from_left;
};
StageWindows ComputeStageWindows(const Graph& g, const ResolvedStage& st);

// MACs of the whole streamed plan (without building it).
int64_t StreamMacs(const Graph& g, const StreamConfig& c);
// MACs the stages spend (sum over stages), per stage, in the order of c.stages.
std::vector<int64_t> StageMacs(const Graph& g, const StreamConfig& c);

// Builds the plan (strategy "stream"); offsets 0 (place it with memory/lifetime.h).
Plan ScheduleStream(const Graph& g, const StreamConfig& c, Accounting acc = {});

}  // namespace tessera
