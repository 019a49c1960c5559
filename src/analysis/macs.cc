#include "analysis/macs.h"

#include <string>

#include "ops/unit.h"

namespace tessera {

int64_t WindowMacs(const Graph& g, int op, const Window& out_win) {
  if (op < 0 || op >= static_cast<int>(g.ops.size()))
    throw Error("WindowMacs: operator index " + std::to_string(op) + " out of range");
  if (out_win.empty()) return 0;
  return ops::Unit(g.ops[op].type).Macs(g, op, out_win);
}

int64_t OpMacs(const Graph& g, int op) {
  if (op < 0 || op >= static_cast<int>(g.ops.size()))
    throw Error("OpMacs: operator index " + std::to_string(op) + " out of range");
  const Operator& o = g.ops[op];
  if (o.outputs.empty()) return 0;
  return WindowMacs(g, op, FullWindow(g, o.outputs[0]));
}

int64_t GraphMacs(const Graph& g) {
  int64_t total = 0;
  for (int i = 0; i < static_cast<int>(g.ops.size()); ++i) total += OpMacs(g, i);
  return total;
}

std::vector<int64_t> PlanMacsPerOp(const Graph& g, const Plan& plan) {
  std::vector<int64_t> per(g.ops.size(), 0);
  for (const Step& s : plan.steps) {
    if (s.kind != StepKind::kOp) continue;
    if (s.op < 0 || s.op >= static_cast<int>(g.ops.size()))
      throw Error("plan step runs operator " + std::to_string(s.op) + ", out of range");
    per[s.op] += WindowMacs(g, s.op, s.window);
  }
  return per;
}

int64_t PlanMacs(const Graph& g, const Plan& plan) {
  int64_t total = 0;
  for (int64_t m : PlanMacsPerOp(g, plan)) total += m;
  return total;
}

}  // namespace tessera
