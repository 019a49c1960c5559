#include "analysis/receptive_field.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "analysis/window_rules.h"
#include "ops/unit.h"

namespace tessera {

Window UnionWindow(const Window& a, const Window& b) {
  if (a.empty()) return b.empty() ? Window{} : b;
  if (b.empty()) return a;
  return Window{std::min(a.y0, b.y0), std::max(a.y1, b.y1), std::min(a.x0, b.x0), std::max(a.x1, b.x1)};
}

Window IntersectWindow(const Window& a, const Window& b) {
  Window r{std::max(a.y0, b.y0), std::min(a.y1, b.y1), std::max(a.x0, b.x0), std::min(a.x1, b.x1)};
  if (r.empty()) return Window{};
  return r;
}

Window ClipWindow(const Graph& g, int tensor, const Window& w) {
  if (w.empty()) return Window{};
  return IntersectWindow(w, FullWindow(g, tensor));
}

bool IsWindowable(const Graph& g, int op) {
  if (op < 0 || op >= static_cast<int>(g.ops.size()))
    throw Error("IsWindowable: operator index " + std::to_string(op) + " out of range");
  return ops::Unit(g.ops[op].type).Windowable(g, op);
}

Window InputWindow(const Graph& g, int op, int input_operand, const Window& out_win) {
  if (op < 0 || op >= static_cast<int>(g.ops.size()))
    throw Error("InputWindow: operator index " + std::to_string(op) + " out of range (graph has " +
                std::to_string(g.ops.size()) + " operators)");
  const Operator& o = g.ops[op];
  const Tensor& in = InputOperand(g, op, input_operand);
  const int in_t = o.inputs[input_operand];
  if (out_win.empty()) return Window{};
  if (in.is_const) return FullWindow(g, in_t);
  const Shape4 is = AsNHWC(in.shape);
  const Shape4 os = AsNHWC(Output(g, op).shape);
  if (out_win.y0 < 0 || out_win.x0 < 0 || out_win.y1 > os.h || out_win.x1 > os.w)
    throw Error(OpLabel(g, op) + ": output window [" + std::to_string(out_win.y0) + "," +
                std::to_string(out_win.y1) + ")x[" + std::to_string(out_win.x0) + "," +
                std::to_string(out_win.x1) + ") lies outside the " + std::to_string(os.h) + "x" +
                std::to_string(os.w) + " output");

  if (!ops::Unit(o.type).Windowable(g, op)) return FullWindow(g, in_t);
  return ops::Unit(o.type).InputWindow(ops::WindowQuery{g, op, input_operand, in_t, is, os, out_win});
}

std::vector<Window> PropagateWindows(const Graph& g, const std::vector<int>& ops,
                                     const std::vector<std::pair<int, Window>>& seeds) {
  const int nt = static_cast<int>(g.tensors.size());
  std::vector<Window> need(nt);
  for (const auto& [t, w] : seeds) {
    if (t < 0 || t >= nt) throw Error("PropagateWindows: tensor index " + std::to_string(t) + " out of range");
    need[t] = UnionWindow(need[t], ClipWindow(g, t, w));
  }
  for (size_t k = 1; k < ops.size(); ++k)
    if (ops[k] <= ops[k - 1]) throw Error("PropagateWindows: operators must be in increasing graph order");
  for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
    const int op = *it;
    if (op < 0 || op >= static_cast<int>(g.ops.size()))
      throw Error("PropagateWindows: operator index " + std::to_string(op) + " out of range");
    const Operator& o = g.ops[op];
    Window out;
    for (int t : o.outputs)
      if (t >= 0 && t < nt) out = UnionWindow(out, need[t]);
    if (out.empty()) continue;
    for (int i = 0; i < static_cast<int>(o.inputs.size()); ++i) {
      const int t = o.inputs[i];
      if (!g.is_activation(t)) continue;
      need[t] = UnionWindow(need[t], InputWindow(g, op, i, out));
    }
  }
  return need;
}

Window ReceptiveWindow(const Graph& g, int in_tensor, int out_tensor, const Window& out_win) {
  const int p = g.producer(out_tensor);
  std::vector<int> ops;
  for (int i = 0; i <= p; ++i) ops.push_back(i);
  return PropagateWindows(g, ops, {{out_tensor, out_win}}).at(in_tensor);
}

}  // namespace tessera
