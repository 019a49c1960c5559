// Multiply-accumulate counts, per operator and per output window, and of whole plans.
//   CONV_2D:            out_h * out_w * Cout * kh * kw * Cin
//   DEPTHWISE_CONV_2D:  out_h * out_w * Cout * kh * kw
//   FULLY_CONNECTED:    rows * in * out (rows = 1 for a batch-1 vector)
//   every other operator: 0
// For a window, out_h and out_w are the window's; padding positions count like TFLite's
// usual convention (the whole kernel, whether or not it lies over padding).
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

// MACs of computing window `out_win` of operator `op`'s output. Throws Error for an operator
// index out of range or a malformed filter, naming the operator.
int64_t WindowMacs(const Graph& g, int op, const Window& out_win);
// MACs of the whole operator.
int64_t OpMacs(const Graph& g, int op);
// Sum over all operators: the layer-by-layer count.
int64_t GraphMacs(const Graph& g);
// Sum over a plan's kOp steps of WindowMacs(step.op, step.window) (kCopy steps count 0).
int64_t PlanMacs(const Graph& g, const Plan& plan);
// Per operator: the plan's MACs spent on it (index = operator index).
std::vector<int64_t> PlanMacsPerOp(const Graph& g, const Plan& plan);

}  // namespace tessera
