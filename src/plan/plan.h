// Plan IR: the schedule (ordered steps, each running one operator over one output window)
// and the layout (each buffer's offset, size and live interval) of one model in one arena, or
// in several memory regions (MemoryRegion: one arena each).
// Every producer of plans (layer-by-layer, patch-based, searched) emits this; every consumer
// (checker, host executor, code generator, reports) reads only this plus the Graph.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tessera {

// A rectangle of an NHWC tensor in global coordinates: rows [y0,y1), columns [x0,x1),
// always all channels (and batch 1). For non-spatial tensors (rank < 4 after AsNHWC) the
// whole tensor is the window [0,h)x[0,w).
struct Window {
  int32_t y0 = 0, y1 = 0, x0 = 0, x1 = 0;
  int32_t h() const { return y1 - y0; }
  int32_t w() const { return x1 - x0; }
  bool empty() const { return y1 <= y0 || x1 <= x0; }
  bool contains(const Window& o) const {
    return o.y0 >= y0 && o.y1 <= y1 && o.x0 >= x0 && o.x1 <= x1;
  }
  bool operator==(const Window&) const = default;
};

// The window covering all of tensor t.
Window FullWindow(const Graph& g, int tensor);
// Bytes of window w of tensor t (all channels); the tensor's num_bytes() for its full window.
int64_t WindowBytes(const Graph& g, int tensor, const Window& w);

// Part of a buffer owned for less time than the whole buffer: bytes [begin, end) from the
// start of step `first` to the end of step `last`. A patch stage's assembled output grows
// band by band as patches write it; a tensor the patches read shrinks as rows are read for
// the last time.
struct BufferBand {
  int64_t begin = 0, end = 0;
  int first = 0, last = 0;
  bool operator==(const BufferBand&) const = default;
};

// A buffer holds one window of one tensor, row-major (rows, then columns, then channels),
// or is a step's private scratch (tensor == kNoTensor).
struct Buffer {
  std::string name;
  int tensor = kNoTensor;
  Window window;
  int64_t bytes = 0;   // window bytes (h * w * c * element size) or scratch size
  int64_t offset = 0;  // in the arena
  // Live interval in step indices, inclusive: the buffer owns its bytes from the start of
  // step `first` to the end of step `last`.
  int first = 0, last = 0;
  // Lives outside the arena (a streamed model input, when Accounting::input_in_arena is
  // false): its offset is into a separate region the caller provides.
  bool external = false;
  // Optional: bands with shorter lives (sorted by `begin`, disjoint, inside [0, bytes), each
  // interval inside [first, last]). Bytes outside every band live for [first, last].
  std::vector<BufferBand> bands;
  // The memory region (Plan::regions) holding the buffer, bands included; `offset` is into
  // that region's arena. Always 0 in a plan with one region.
  int region = 0;
};

// Tensor t's name, or "t<index>" when it has none (buffer names).
std::string TensorBufferName(const Graph& g, int tensor);
// A buffer holding all of tensor t: named TensorBufferName, full window, the tensor's bytes (live
// interval, offset and external left for the caller).
Buffer WholeTensorBuffer(const Graph& g, int tensor);

// The buffer as disjoint pieces covering [0, bytes): its bands, and the bytes outside them
// with the buffer's own interval. One piece [0, bytes) x [first, last] without bands.
std::vector<BufferBand> BufferPieces(const Buffer& b);
// Bytes of the buffer owned during step s.
int64_t BufferBytesAt(const Buffer& b, int step);
// Empty when the bands are well formed (see Buffer::bands), else what is wrong.
std::string BandsError(const Buffer& b);

enum class StepKind : uint8_t {
  kOp,    // run graph operator `op` over output window `window`
  kCopy,  // copy window `window` of a tensor from buffer inputs[0] to buffer outputs[0]
};

struct Step {
  StepKind kind = StepKind::kOp;
  int op = -1;      // graph operator (kOp)
  Window window;    // output window computed (or copied), global coordinates of the output
  // Buffers read, one per activation input operand of the operator in operand order
  // (constants are never buffers); for kCopy the source buffer.
  std::vector<int> inputs;
  std::vector<int> outputs;  // buffers written, one per output operand; kCopy: destination
  int scratch = -1;          // buffer id of private scratch, or -1
  // A PAD operator folded into this convolution/pool: its padding is added to the step's
  // own, and inputs[0] holds the PAD's input tensor. -1 when none.
  int fused_pad = -1;
  // The kernel's workspace (ops::WorkspaceBytes: buffers its DSP path would otherwise keep on
  // the stack) at arena offset `offset`, `bytes` bytes, owned from the start to the end of
  // this step; bytes 0: none (the kernel then uses its stack). Placed by memory/workspace.h.
  struct Workspace {
    int64_t offset = 0, bytes = 0;
    int region = 0;  // Plan::regions index (offset is into that region's arena)
    bool operator==(const Workspace&) const = default;
  } workspace;
};

// Where one state tensor (Tensor::is_variable) lives: bytes [offset, offset + bytes) of the
// plan's state region. The state region is its own memory, apart from the arena: nothing a
// memory planner does moves, reuses or overlaps it, and its bytes persist from one invoke to
// the next (a reset restores each tensor's initial value, Tensor::data). Offsets are
// multiples of kStateAlignment and slots do not overlap (the checker verifies both).
struct StateSlot {
  int tensor = kNoTensor;
  int64_t offset = 0;
  int64_t bytes = 0;
  bool operator==(const StateSlot&) const = default;
};
constexpr int64_t kStateAlignment = 8;

// One bank of memory the arena may occupy (tessera plan --memory NAME:SIZE[:fast],...): a
// plan with regions gives each its own arena (Plan::region_bytes), every buffer and kernel
// workspace lives in exactly one (Buffer::region, Step::Workspace::region), and buffers in
// different regions never share a byte. `fast` regions (tightly coupled, zero wait states)
// get the most accessed bytes.
struct MemoryRegion {
  std::string name;   // a C identifier (codegen names `<prefix>_arena_<name>` after it)
  int64_t bytes = 0;  // capacity
  bool fast = false;
  bool operator==(const MemoryRegion&) const = default;
};

// A constant tensor (weights) copied into a memory region's arena once, before the first
// invoke (tessera codegen --fast-weights; memory/regions.h PinHotWeights): the kernels read it
// there instead of from flash. Bytes [offset, offset + bytes) of region `region`'s arena are
// occupied for good, at every step: no buffer or workspace of that region may touch them (the
// checker verifies it), and Plan::region_bytes counts them. Offsets are multiples of
// kPinnedAlignment.
struct PinnedWeight {
  int tensor = kNoTensor;
  int region = 0;
  int64_t offset = 0;
  int64_t bytes = 0;
  bool operator==(const PinnedWeight&) const = default;
};
constexpr int64_t kPinnedAlignment = 16;

// How the peak is accounted.
struct Accounting {
  bool input_in_arena = true;  // false: the model input is streamed, not in the arena
};

struct Plan {
  std::string strategy;  // e.g. "greedy", "mcunetv2", "tessera"
  std::vector<Buffer> buffers;
  std::vector<Step> steps;
  int64_t arena_bytes = 0;
  Accounting accounting;
  // Which buffer holds each graph input / output when the plan starts / ends.
  std::vector<int> input_buffers;
  std::vector<int> output_buffers;
  // The state region: one slot per state tensor of the graph, in tensor-index order, and the
  // region's size. Empty for a model without state. Total SRAM = arena_bytes + state_bytes.
  std::vector<StateSlot> state;
  int64_t state_bytes = 0;
  // Memory regions. Empty (every plan a single-arena planner makes): one arena of arena_bytes,
  // as always. Otherwise region r's arena is region_bytes[r] bytes (<= regions[r].bytes, the
  // capacity), buffers and workspaces name their region, and arena_bytes is the sum of
  // region_bytes (the total the plan occupies).
  std::vector<MemoryRegion> regions;
  std::vector<int64_t> region_bytes;
  // Constant tensors copied into a region's arena (only in a plan with regions).
  std::vector<PinnedWeight> pinned_weights;
};

// Where each region's arena starts when the regions are laid end to end in one address space,
// each start rounded up to kRegionBaseAlignment (the checker's and the single-buffer views of a
// plan with regions); {0} for a plan without regions. One more element: the end.
constexpr int64_t kRegionBaseAlignment = 16;
std::vector<int64_t> RegionBases(const Plan& plan);
// Whether two buffers' offsets count in the same memory: both external, or both in the arena
// of one region (then equal offsets are equal addresses).
inline bool SameMemory(const Buffer& a, const Buffer& b) {
  return a.external == b.external && (a.external || a.region == b.region);
}
// Number of regions: max(1, plan.regions.size()).
int NumRegions(const Plan& plan);
// Region r's arena bytes (plan.arena_bytes without regions).
int64_t RegionArenaBytes(const Plan& plan, int r);
// Region r's name ("arena" without regions).
std::string RegionName(const Plan& plan, int r);

// Lays out every state tensor of `g` in plan.state (tensor-index order, kStateAlignment)
// and sets plan.state_bytes. Every scheduler calls it; memory planners leave it alone.
void AssignState(const Graph& g, Plan& plan);
// The slot of state tensor t in the plan, or nullptr.
const StateSlot* FindStateSlot(const Plan& plan, int tensor);

}  // namespace tessera
