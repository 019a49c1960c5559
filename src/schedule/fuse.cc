#include "schedule/fuse.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "ops/ops.h"
#include "ops/unit.h"

namespace tessera {
namespace {

bool ValidOp(const Graph& g, int op) { return op >= 0 && op < static_cast<int>(g.ops.size()); }
bool ValidTensor(const Graph& g, int t) { return t >= 0 && t < static_cast<int>(g.tensors.size()); }

// Reads entry i of a constant int32/int64 tensor; false when it is not there.
bool ConstInt(const Tensor& t, int i, int64_t* v) {
  if (!t.is_const) return false;
  if (t.type == DType::kInt32) {
    if (static_cast<int64_t>(t.data.size()) < (i + 1) * 4LL) return false;
    int32_t x;
    std::memcpy(&x, t.data.data() + i * 4, 4);
    *v = x;
    return true;
  }
  if (t.type == DType::kInt64) {
    if (static_cast<int64_t>(t.data.size()) < (i + 1) * 8LL) return false;
    int64_t x;
    std::memcpy(&x, t.data.data() + i * 8, 8);
    *v = x;
    return true;
  }
  return false;
}

bool SameQuant(const Quantization& a, const Quantization& b) {
  return a.scale == b.scale && a.zero_point == b.zero_point;
}

bool FullWindowBuffer(const Graph& g, const Plan& p, int b) {
  if (b < 0 || b >= static_cast<int>(p.buffers.size())) return false;
  const Buffer& buf = p.buffers[b];
  return ValidTensor(g, buf.tensor) && buf.window == FullWindow(g, buf.tensor);
}

bool IsPlanOutput(const Plan& p, int b) {
  return std::find(p.output_buffers.begin(), p.output_buffers.end(), b) != p.output_buffers.end();
}

}  // namespace

bool CanFoldPad(const Graph& g, int pad_op, int consumer_op) {
  if (!ValidOp(g, pad_op) || !ValidOp(g, consumer_op)) return false;
  const Operator& pad = g.ops[pad_op];
  const Operator& c = g.ops[consumer_op];
  if (pad.type != OpType::kPad) return false;
  if (c.type != OpType::kConv2D && c.type != OpType::kDepthwiseConv2D) return false;
  if (pad.inputs.size() < 2 || pad.outputs.size() != 1) return false;
  if (pad.inputs.size() > 2 && pad.inputs[2] != kNoTensor) return false;  // explicit pad value
  const int in_t = pad.inputs[0], pads_t = pad.inputs[1], out_t = pad.outputs[0];
  if (!ValidTensor(g, in_t) || !ValidTensor(g, pads_t) || !ValidTensor(g, out_t)) return false;
  const Tensor& in = g.tensors[in_t];
  const Tensor& out = g.tensors[out_t];
  const Tensor& pads = g.tensors[pads_t];
  if ((in.type != DType::kInt8 && in.type != DType::kInt16) || out.type != in.type) return false;  // int16: 16x8
  if (in.quant.per_channel() || out.quant.per_channel() || !SameQuant(in.quant, out.quant)) return false;
  const int rank = static_cast<int>(in.shape.size());
  if (rank < 2 || rank > 4 || out.shape.size() != in.shape.size()) return false;
  if (pads.shape.size() != 2 || pads.shape[0] != rank || pads.shape[1] != 2) return false;
  // Only the H and W axes (rank-3 and rank-2 after AsNHWC) may be padded.
  for (int axis = 0; axis < rank; ++axis) {
    int64_t before, after;
    if (!ConstInt(pads, axis * 2, &before) || !ConstInt(pads, axis * 2 + 1, &after)) return false;
    if (before < 0 || after < 0) return false;
    const bool spatial = axis == rank - 3 || axis == rank - 2;
    if (!spatial && (before != 0 || after != 0)) return false;
  }
  if (rank != 4) return false;  // convolutions read rank-4 inputs
  // The consumer reads the PAD output as its input operand, and nothing else reads it.
  if (c.inputs.empty() || c.inputs[operand::kInput] != out_t) return false;
  for (size_t i = 1; i < c.inputs.size(); ++i)
    if (c.inputs[i] == out_t) return false;
  const std::vector<int> readers = g.consumers(out_t);
  if (readers.size() != 1 || readers[0] != consumer_op) return false;
  if (std::find(g.outputs.begin(), g.outputs.end(), out_t) != g.outputs.end()) return false;
  // And the operator layer, which runs the fused step, must agree.
  return ops::CanFusePad(g, pad_op, consumer_op);
}

int FusePads(const Graph& g, Plan& plan) {
  const int ns = static_cast<int>(plan.steps.size());
  const int nb = static_cast<int>(plan.buffers.size());
  // Readers and writers of every buffer.
  std::vector<std::vector<int>> readers(nb), writers(nb);
  for (int s = 0; s < ns; ++s) {
    for (int b : plan.steps[s].inputs)
      if (b >= 0 && b < nb) readers[b].push_back(s);
    for (int b : plan.steps[s].outputs)
      if (b >= 0 && b < nb) writers[b].push_back(s);
  }

  std::vector<bool> drop_step(ns, false), drop_buffer(nb, false);
  int folded = 0;
  for (int k = 0; k < ns; ++k) {
    const Step& ps = plan.steps[k];
    if (ps.kind != StepKind::kOp || !ValidOp(g, ps.op) || g.ops[ps.op].type != OpType::kPad) continue;
    if (ps.inputs.size() != 1 || ps.outputs.size() != 1) continue;
    const int a = ps.inputs[0], b = ps.outputs[0];
    if (!FullWindowBuffer(g, plan, a) || !FullWindowBuffer(g, plan, b)) continue;
    if (ps.window != FullWindow(g, plan.buffers[b].tensor)) continue;
    if (writers[b].size() != 1 || readers[b].size() != 1 || IsPlanOutput(plan, b)) continue;
    if (plan.buffers[b].external) continue;
    const int s = readers[b][0];
    Step& cs = plan.steps[s];
    if (s <= k || cs.kind != StepKind::kOp || cs.fused_pad >= 0 || cs.inputs.empty() || cs.inputs[0] != b) continue;
    if (std::count(cs.inputs.begin(), cs.inputs.end(), b) != 1) continue;
    if (!CanFoldPad(g, ps.op, cs.op)) continue;
    cs.inputs[0] = a;
    cs.fused_pad = ps.op;
    plan.buffers[a].last = std::max(plan.buffers[a].last, s);
    drop_step[k] = true;
    drop_buffer[b] = true;
    if (ps.scratch >= 0 && ps.scratch < nb) drop_buffer[ps.scratch] = true;
    ++folded;
  }
  if (folded == 0) return 0;

  // Renumber steps: kept_before[i] = kept steps with index < i.
  std::vector<int> kept_before(ns + 1, 0);
  for (int s = 0; s < ns; ++s) kept_before[s + 1] = kept_before[s] + (drop_step[s] ? 0 : 1);
  std::vector<int> new_buffer(nb, -1);
  std::vector<Buffer> buffers;
  for (int b = 0; b < nb; ++b) {
    if (drop_buffer[b]) continue;
    Buffer buf = plan.buffers[b];
    const int first = std::clamp(buf.first, 0, ns - 1), last = std::clamp(buf.last, 0, ns - 1);
    buf.first = kept_before[first];              // first kept step at or after `first`
    buf.last = std::max(buf.first, kept_before[last + 1] - 1);  // last kept step at or before
    new_buffer[b] = static_cast<int>(buffers.size());
    buffers.push_back(std::move(buf));
  }
  auto remap = [&](int b) { return b >= 0 && b < nb ? new_buffer[b] : b; };
  std::vector<Step> steps;
  for (int s = 0; s < ns; ++s) {
    if (drop_step[s]) continue;
    Step st = plan.steps[s];
    for (int& b : st.inputs) b = remap(b);
    for (int& b : st.outputs) b = remap(b);
    if (st.scratch >= 0) st.scratch = remap(st.scratch);
    steps.push_back(std::move(st));
  }
  for (int& b : plan.input_buffers) b = remap(b);
  for (int& b : plan.output_buffers) b = remap(b);
  plan.buffers = std::move(buffers);
  plan.steps = std::move(steps);
  return folded;
}

std::vector<ViewAlias> FindViewAliases(const Graph& g, const Plan& plan) {
  std::vector<ViewAlias> r;
  const int nb = static_cast<int>(plan.buffers.size());
  for (int s = 0; s < static_cast<int>(plan.steps.size()); ++s) {
    const Step& st = plan.steps[s];
    if (st.kind != StepKind::kOp || !ValidOp(g, st.op) || !ops::Unit(g.ops[st.op].type).View()) continue;
    if (st.inputs.size() != 1 || st.outputs.size() != 1) continue;
    const int i = st.inputs[0], o = st.outputs[0];
    if (i < 0 || i >= nb || o < 0 || o >= nb || i == o) continue;
    if (!FullWindowBuffer(g, plan, i) || !FullWindowBuffer(g, plan, o)) continue;
    const Buffer& bi = plan.buffers[i];
    const Buffer& bo = plan.buffers[o];
    if (bi.external || bo.external || bi.bytes != bo.bytes) continue;
    if (g.tensors[bi.tensor].type != g.tensors[bo.tensor].type) continue;
    if (bi.last != s || bo.first != s || IsPlanOutput(plan, i)) continue;
    r.push_back(ViewAlias{s, i, o});
  }
  return r;
}

}  // namespace tessera
