#include "schedule/layer_by_layer.h"

#include <algorithm>
#include <string>

namespace tessera {

Plan ScheduleLayerByLayer(const Graph& g) {
  const int nt = static_cast<int>(g.tensors.size());
  const int nops = static_cast<int>(g.ops.size());
  if (nops == 0) throw Error("model '" + g.name + "' has no operators to schedule");

  // Producer step of every tensor (-1: none), checking each operand is available in order.
  std::vector<int> producer(nt, -1);
  std::vector<bool> is_input(nt, false);
  for (int t : g.inputs) {
    if (t < 0 || t >= nt) throw Error("graph input tensor index " + std::to_string(t) + " out of range");
    if (g.tensors[t].is_const) throw Error("graph input tensor " + std::to_string(t) + " ('" + g.tensors[t].name + "') is a constant");
    is_input[t] = true;
  }
  std::vector<int> last_use(nt, -1);
  for (int i = 0; i < nops; ++i) {
    const Operator& op = g.ops[i];
    for (int t : op.inputs) {
      if (t == kNoTensor) continue;
      if (t < 0 || t >= nt)
        throw Error("operator " + std::to_string(i) + " (" + OpTypeName(op.type) + "): input tensor index " + std::to_string(t) + " out of range");
      if (!g.is_activation(t)) continue;
      if (!is_input[t] && producer[t] < 0)
        throw Error("operator " + std::to_string(i) + " (" + OpTypeName(op.type) + ") reads tensor " + std::to_string(t) + " ('" + g.tensors[t].name +
                    "') before any operator writes it and it is not a graph input");
      last_use[t] = i;
    }
    for (int t : op.outputs) {
      if (t < 0 || t >= nt)
        throw Error("operator " + std::to_string(i) + " (" + OpTypeName(op.type) + "): output tensor index " + std::to_string(t) + " out of range");
      if (g.tensors[t].is_const)
        throw Error("operator " + std::to_string(i) + " (" + OpTypeName(op.type) + ") writes constant tensor " + std::to_string(t) + " ('" + g.tensors[t].name + "')");
      if (producer[t] >= 0 || is_input[t])
        throw Error("tensor " + std::to_string(t) + " ('" + g.tensors[t].name + "') is written by operator " + std::to_string(i) + " but already defined");
      producer[t] = i;
    }
  }
  for (int t : g.outputs) {
    if (t < 0 || t >= nt) throw Error("graph output tensor index " + std::to_string(t) + " out of range");
    if (producer[t] < 0 && !is_input[t])
      throw Error("graph output tensor " + std::to_string(t) + " ('" + g.tensors[t].name + "') is never written");
  }

  Plan plan;
  plan.strategy = "layer_by_layer";
  AssignState(g, plan);
  std::vector<int> buffer_of(nt, -1);
  for (int t = 0; t < nt; ++t) {
    if (!is_input[t] && producer[t] < 0) continue;
    Buffer b = WholeTensorBuffer(g, t);
    b.first = is_input[t] ? 0 : producer[t];
    b.last = std::max(b.first, last_use[t]);
    buffer_of[t] = static_cast<int>(plan.buffers.size());
    plan.buffers.push_back(std::move(b));
  }
  for (int t : g.outputs) plan.buffers[buffer_of[t]].last = nops - 1;

  for (int i = 0; i < nops; ++i) {
    const Operator& op = g.ops[i];
    Step s;
    s.kind = StepKind::kOp;
    s.op = i;
    s.window = op.outputs.empty() ? Window{} : FullWindow(g, op.outputs[0]);
    for (int t : op.inputs)
      if (t != kNoTensor && g.is_activation(t)) s.inputs.push_back(buffer_of[t]);
    for (int t : op.outputs) s.outputs.push_back(buffer_of[t]);
    plan.steps.push_back(std::move(s));
  }
  for (int t : g.inputs) plan.input_buffers.push_back(buffer_of[t]);
  for (int t : g.outputs) plan.output_buffers.push_back(buffer_of[t]);
  return plan;
}

}  // namespace tessera
