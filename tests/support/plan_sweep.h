// Plans of every kind for a small graph, each checked and run against the layer-by-layer
// bytes, and the generated C of a plan compiled and run on the host (tests of operators
// inside plans: test_elem_ops.cc, test_int16_plans.cc).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera::test {

// Every strategy's plan, every patch plan (each split point, three grids and placements) and
// streamed plan (each halo mode, greedy placement) of g, the input in the arena or streamed:
// each passes the checker and gives the layer-by-layer plan's output bytes for `inputs`.
// Adds the plans made to *plans and, per operator type in `counted`, the steps over partial
// windows to (*partial)[type].
void CheckEveryPlan(const Graph& g, const std::vector<std::vector<uint8_t>>& inputs, const std::set<OpType>& counted,
                    int* plans, std::map<OpType, int>* partial);

// The generated C of `plan` (host compiler, -Werror) run on the single input `input`: its
// exit code, and every output's bytes one after the other in *out when it is 0.
int RunGeneratedOnHost(const Graph& g, const Plan& plan, const std::vector<uint8_t>& input, std::vector<uint8_t>* out,
                       const std::string& tag);

}  // namespace tessera::test
