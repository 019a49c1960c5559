#include "analysis/macs.h"

#include <string>

namespace tessera {
namespace {

const Tensor& Operand(const Graph& g, int op, int i, const char* what) {
  const Operator& o = g.ops[op];
  if (i >= static_cast<int>(o.inputs.size()) || o.inputs[i] < 0 ||
      o.inputs[i] >= static_cast<int>(g.tensors.size()))
    throw Error(OpLabel(g, op) + ": " + what + " operand missing");
  return g.tensors[o.inputs[i]];
}

}  // namespace

int64_t WindowMacs(const Graph& g, int op, const Window& out_win) {
  if (op < 0 || op >= static_cast<int>(g.ops.size()))
    throw Error("WindowMacs: operator index " + std::to_string(op) + " out of range");
  if (out_win.empty()) return 0;
  const Operator& o = g.ops[op];
  const int64_t pixels = static_cast<int64_t>(out_win.h()) * out_win.w();
  switch (o.type) {
    case OpType::kConv2D:
    case OpType::kDepthwiseConv2D: {
      const Tensor& f = Operand(g, op, operand::kFilter, "filter");
      if (f.shape.size() != 4)
        throw Error(OpLabel(g, op) + ": filter tensor '" + f.name + "' must have rank 4");
      const int64_t kh = f.shape[1], kw = f.shape[2];
      if (o.type == OpType::kConv2D) {
        const int64_t cout = f.shape[0], cin = f.shape[3];
        return pixels * cout * kh * kw * cin;
      }
      const int64_t cout = f.shape[3];
      return pixels * cout * kh * kw;
    }
    case OpType::kFullyConnected: {
      const Tensor& f = Operand(g, op, operand::kFilter, "weights");
      if (f.shape.size() != 2)
        throw Error(OpLabel(g, op) + ": weights tensor '" + f.name + "' must have rank 2");
      const int64_t out = f.shape[0], in = f.shape[1];
      const Tensor& x = Operand(g, op, operand::kInput, "input");
      const int64_t rows = in > 0 ? x.num_elements() / in : 0;
      return rows * in * out;
    }
    default:
      return 0;
  }
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
