// Memory reports of a Plan: a per-step table, the same as JSON, and (svg.h) a timeline.
//
// Figures, all from the Plan and the Graph:
//  - arena: Plan::arena_bytes (the model input inside it unless Accounting::input_in_arena
//    is false; every report says which). External buffers are reported apart.
//  - state: Plan::state_bytes, the state region (variable tensors, kept across invokes),
//    apart from the arena; the total is arena + state.
//  - live bytes of a step: the bytes of the arena buffers owned at that step (plan.h
//    BufferBytesAt: a buffer's bytes during its live interval, a banded buffer's bands only
//    during their own intervals); live buffers: those whose live interval contains it;
//  - lower bound: the largest live bytes over the steps: no placement of these buffers in
//    which simultaneously live buffers do not overlap can use a smaller arena (in-place and
//    overlapping placements can, which is why a plan's arena may be below it);
//  - MACs of a step: its window's multiply-accumulates (analysis/macs.h), so a patch plan's
//    recomputation shows against the layer-by-layer count.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

struct StepReport {
  int step = 0;
  std::string kind;     // operator type ("CONV_2D") or "COPY"
  int op = -1;
  int tensor = kNoTensor;  // output tensor
  std::string output;      // its name
  Window window;
  int live_buffers = 0;
  int64_t live_bytes = 0;
  int64_t macs = 0;
};

struct PlanReport {
  std::string model, strategy;
  int64_t arena_bytes = 0;
  int64_t lower_bound_bytes = 0;  // max over steps of live bytes
  int peak_step = -1;             // first step reaching lower_bound_bytes
  int64_t external_bytes = 0;     // bytes of external (streamed input) buffers
  int64_t state_bytes = 0;        // the state region (Plan::state_bytes)
  bool input_in_arena = true;
  int64_t macs = 0;               // sum over steps
  int64_t layer_macs = 0;         // the graph's layer-by-layer count
  int num_buffers = 0;
  std::vector<StepReport> steps;
};

// Throws Error for indices out of range (step operator, buffer ids), naming the step.
PlanReport SummarizePlan(const Graph& g, const Plan& plan);

// Human-readable table: one line per step (index, operator, output tensor, window, live
// buffers, live bytes, MACs; the peak step marked), then the totals.
std::string StepTable(const Graph& g, const Plan& plan);

// The same figures (and every buffer) as JSON, for `--json`.
nlohmann::json PlanReportJson(const Graph& g, const Plan& plan);

// "54.0 KiB" style size, for reports.
std::string FormatKiB(int64_t bytes);

}  // namespace tessera
