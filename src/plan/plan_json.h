// The Plan's JSON form: what `tessera plan` writes and `check`, `run`, `report` and the code
// generator read back. Round trip exact: PlanFromJson(PlanToJson(p)) == p, field for field.
//
//   {
//     "format": "tessera-plan", "version": 1,
//     "model": {"name": "person_detect", "operators": 31, "tensors": 88},   // when known
//     "strategy": "greedy",
//     "arena_bytes": 55296,
//     "accounting": {"input_in_arena": true},
//     "input_buffers": [0], "output_buffers": [30],
//     "buffers": [
//       {"name": "input", "tensor": 0, "window": [0, 96, 0, 96], "bytes": 9216,
//        "offset": 0, "live": [0, 1]},                    // "external": true when streamed
//       {"name": "t12", ..., "live": [3, 40], "bands": [[0, 2304, 3, 17], [2304, 4608, 9, 40]]},
//       {"name": "scratch3", "tensor": null, "window": [0, 0, 0, 0], "bytes": 64, ...}, ...
//     ],
//     "steps": [
//       {"kind": "op", "op": 0, "type": "CONV_2D", "window": [0, 48, 0, 48],
//        "inputs": [0], "outputs": [1]},                  // "scratch": b, "fused_pad": k,
//                                                         // "workspace": [offset, bytes]
//       {"kind": "copy", "window": [0, 5, 0, 96], "inputs": [0], "outputs": [7]}, ...
//     ]
//   }
//
// Windows are [y0, y1, x0, x1]; "live" is the inclusive step interval [first, last];
// "bands" (omitted when none; plan.h Buffer::bands) lists [begin, end, first, last] byte
// ranges with shorter lives, validated with BandsError. "model"
// and "type" are written when a Graph is given and checked against the graph on reading.
// Reading validates types, ranges and sizes (indices in range, windows inside their tensors,
// bytes == the window's bytes, live intervals inside the plan) and throws Error naming the
// field, e.g. "steps[3].inputs[1]: buffer 17 out of range (12 buffers)". Whether the plan
// is *safe* is the checker's business (src/checker).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

constexpr int kPlanJsonVersion = 1;

// `g` (optional) adds the model's name and size and each step's operator type.
nlohmann::json PlanToJson(const Plan& plan, const Graph* g = nullptr);

// `g` (optional) enables the checks against the model. Throws Error naming the field.
Plan PlanFromJson(const nlohmann::json& j, const Graph* g);

// Text form: one buffer / step per line, stable key order, trailing newline.
std::string PlanJsonText(const Plan& plan, const Graph* g = nullptr);

// Writes PlanJsonText to `path`; Error when the file cannot be written.
void WritePlanJson(const Plan& plan, const std::string& path, const Graph* g = nullptr);

// Reads and validates a plan file for `g`. Errors start with the path.
Plan ReadPlanJson(const std::string& path, const Graph& g);

}  // namespace tessera
