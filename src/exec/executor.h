// Host executor: runs any valid Plan of a Graph in ONE arena of plan.arena_bytes (or, for a
// plan with memory regions, one host buffer per region of region_bytes[r]) plus a
// separate region for buffers marked external, through the operator layer (src/ops) and
// the C kernels. It does not assume the plan is layer-by-layer: buffers hold windows of
// tensors, steps compute windows, a step's output buffer may hold a larger window than the
// step computes, and copy steps move windows between buffers.
//
// The constructor checks the plan against the graph (buffer ranges inside the arena, windows
// inside their tensors, each step's buffers holding the right tensors and every input window
// the step needs) and throws Error naming the step or buffer at fault; it prepares every
// operator once and allocates the arena. Invoke() allocates nothing.
//
// In a build with TESSERA_SANITIZE defined, the arena and the external region are surrounded
// by guard bytes that are checked after every step (Error naming the step that wrote them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

class Executor {
 public:
  // `g` must outlive the executor (its weights are used in place); the plan is copied.
  Executor(const Graph& g, const Plan& plan);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  int num_inputs() const { return static_cast<int>(plan_.input_buffers.size()); }
  int num_outputs() const { return static_cast<int>(plan_.output_buffers.size()); }

  // Raw bytes of graph input i (the whole tensor, model layout). Error when i is out of range
  // or n differs from the tensor's size. Must be called for every input before each Invoke()
  // (the plan may reuse an input's bytes once it is dead).
  void SetInput(int i, const uint8_t* data, size_t n);
  void SetInput(int i, const std::vector<uint8_t>& bytes) { SetInput(i, bytes.data(), bytes.size()); }

  // Runs every step in order. Error if an input was not set since the last Invoke().
  // State (Plan::state) carries over from one Invoke() to the next.
  void Invoke();
  // Restores every state tensor's initial value (Tensor::data), as at construction.
  void ResetState();
  // The current bytes of state tensor t (its slot in the state region). Error when t is not
  // a state tensor of the plan.
  std::vector<uint8_t> State(int tensor) const;

  // Bytes of graph output i (the whole tensor), after Invoke().
  std::vector<uint8_t> Output(int i) const;

  // Called after each step with its index; read the step's output buffers with BufferData.
  using StepHook = std::function<void(int step, const Executor& ex)>;
  void SetStepHook(StepHook hook) { hook_ = std::move(hook); }

  // Start of buffer b's bytes (in the arena or the external region); Buffer::bytes long.
  const uint8_t* BufferData(int b) const;
  // Bytes of buffer b holding tensor elements of window `w` (which b's window must contain),
  // returned in the tensor layout of that window. Error otherwise.
  std::vector<uint8_t> ReadWindow(int b, const Window& w) const;

  const Graph& graph() const { return g_; }
  const Plan& plan() const { return plan_; }
  // Bytes allocated for the arena (plan.arena_bytes) and the external region.
  int64_t arena_bytes() const { return plan_.arena_bytes; }
  int64_t external_bytes() const { return external_bytes_; }
  int64_t state_bytes() const { return plan_.state_bytes; }

 private:
  struct Prepared;
  struct StepViews;
  uint8_t* Data(int b);
  void RunStep(int s);
  void CheckGuards(int s) const;

  const Graph& g_;
  Plan plan_;
  std::vector<std::vector<uint8_t>> arenas_;  // per memory region: guard + arena + guard
  std::vector<uint8_t> external_;  // guard + external region + guard
  std::vector<uint8_t> state_;     // guard + state region + guard
  int64_t external_bytes_ = 0;
  std::vector<uint8_t> copy_tmp_;  // staging for overlapping copies
  std::vector<std::unique_ptr<Prepared>> prepared_;  // per step (shared between equal keys)
  std::vector<int> step_prepared_;                   // step -> index into prepared_, or -1
  std::vector<StepViews> views_;                     // per step
  std::vector<bool> input_set_;
  StepHook hook_;
};

// Convenience: builds an Executor, sets `inputs`, invokes `invokes` times (the same inputs,
// state carried over), returns every output of the last invoke.
std::vector<std::vector<uint8_t>> RunPlan(const Graph& g, const Plan& plan,
                                          const std::vector<std::vector<uint8_t>>& inputs,
                                          int invokes = 1);

}  // namespace tessera
