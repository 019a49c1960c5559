#include "memory/overlap.h"

#include <algorithm>
#include <limits>
#include <string>

#include "analysis/receptive_field.h"
#include "ops/unit.h"

namespace tessera {
namespace {

constexpr int64_t kNoRead = std::numeric_limits<int64_t>::max() / 2;

std::string StepLabel(const Graph& g, const Plan& p, int s) {
  const Step& st = p.steps[s];
  std::string r = "step " + std::to_string(s);
  if (st.kind == StepKind::kOp && st.op >= 0 && st.op < static_cast<int>(g.ops.size()))
    r += " (operator " + std::to_string(st.op) + " " + OpTypeName(g.ops[st.op].type) + ")";
  return r;
}

bool IsElementwise(OpType t) { return ops::Unit(t).Overlap() == ops::OverlapRule::kElementwise; }

bool IsSpatial(OpType t) {
  return t == OpType::kConv2D || t == OpType::kDepthwiseConv2D || t == OpType::kAveragePool2D ||
         t == OpType::kMaxPool2D || t == OpType::kPad;
}

// Operand index (into Operator::inputs) of the step's activation input `slot`.
int OperandOfSlot(const Graph& g, const Operator& op, int slot) {
  int k = 0;
  for (int i = 0; i < static_cast<int>(op.inputs.size()); ++i) {
    const int t = op.inputs[i];
    if (t == kNoTensor || !g.is_activation(t)) continue;
    if (k == slot) return i;
    ++k;
  }
  return -1;
}

// Walks units in reverse order, keeping the lowest input byte read by the units after the
// current one (and the current one without scratch), and returns min(need - write_end).
class ShiftAccumulator {
 public:
  explicit ShiftAccumulator(bool with_scratch) : scratch_(with_scratch) {}
  // Units must be fed last to first: `need` = lowest input byte unit reads (kNoRead: none),
  // `wend` = end of its write, input-relative before shifting.
  void Unit(int64_t need, int64_t wend) {
    if (!scratch_) suffix_ = std::min(suffix_, need);
    if (suffix_ < kNoRead) best_ = std::min(best_, suffix_ - wend);
    if (scratch_) suffix_ = std::min(suffix_, need);
  }
  int64_t result() const { return best_ >= kNoRead / 2 ? kAnyShift : best_; }

 private:
  bool scratch_;
  int64_t suffix_ = kNoRead;
  int64_t best_ = kNoRead;
};

}  // namespace

OverlapClass ClassifyOverlap(const Graph& g, const Plan& plan, int step) {
  if (step < 0 || step >= static_cast<int>(plan.steps.size())) return OverlapClass::kNone;
  const Step& st = plan.steps[step];
  if (st.kind != StepKind::kOp || st.op < 0 || st.op >= static_cast<int>(g.ops.size()))
    return OverlapClass::kNone;
  const Operator& op = g.ops[st.op];
  switch (ops::Unit(op.type).OverlapOf(g, st.op)) {
    case ops::OverlapRule::kInPlace: return OverlapClass::kInPlace;
    case ops::OverlapRule::kOverlap: return OverlapClass::kOverlap;
    case ops::OverlapRule::kNone: return OverlapClass::kNone;
    case ops::OverlapRule::kElementwise: break;
  }
  if (IsElementwise(op.type)) {
    if (op.outputs.empty() || op.inputs.empty()) return OverlapClass::kNone;
    const int o = op.outputs[0];
    const int i = op.inputs[0];
    if (o < 0 || i < 0 || o >= static_cast<int>(g.tensors.size()) || i >= static_cast<int>(g.tensors.size()))
      return OverlapClass::kNone;
    return DTypeSize(g.tensors[i].type) == DTypeSize(g.tensors[o].type) ? OverlapClass::kInPlace
                                                                        : OverlapClass::kOverlap;
  }
  return OverlapClass::kNone;
}

std::optional<int64_t> MaxOutputShift(const Graph& g, const Plan& plan, int step, int in_slot,
                                      int out_slot, bool with_scratch) {
  if (step < 0 || step >= static_cast<int>(plan.steps.size()))
    throw Error("MaxOutputShift: step " + std::to_string(step) + " out of range");
  const Step& st = plan.steps[step];
  if (in_slot < 0 || in_slot >= static_cast<int>(st.inputs.size()) || out_slot < 0 ||
      out_slot >= static_cast<int>(st.outputs.size()))
    throw Error(StepLabel(g, plan, step) + ": input slot " + std::to_string(in_slot) +
                " / output slot " + std::to_string(out_slot) + " out of range");
  if (st.kind != StepKind::kOp) return std::nullopt;
  if (st.op < 0 || st.op >= static_cast<int>(g.ops.size()))
    throw Error(StepLabel(g, plan, step) + ": operator index out of range");
  const Operator& op = g.ops[st.op];
  const int nb = static_cast<int>(plan.buffers.size());
  const int ib = st.inputs[in_slot], ob = st.outputs[out_slot];
  if (ib < 0 || ib >= nb || ob < 0 || ob >= nb)
    throw Error(StepLabel(g, plan, step) + ": buffer index out of range");
  const Buffer& I = plan.buffers[ib];
  const Buffer& O = plan.buffers[ob];
  const int operand = OperandOfSlot(g, op, in_slot);
  if (operand < 0 || out_slot >= static_cast<int>(op.outputs.size()))
    throw Error(StepLabel(g, plan, step) + ": slot does not match an operand");
  int in_tensor = op.inputs[operand];
  const int out_tensor = op.outputs[out_slot];
  const bool fused = st.fused_pad >= 0 && operand == operand::kInput;
  if (fused) {
    if (st.fused_pad >= static_cast<int>(g.ops.size()) || g.ops[st.fused_pad].inputs.empty())
      throw Error(StepLabel(g, plan, step) + ": fused_pad operator out of range");
    in_tensor = g.ops[st.fused_pad].inputs[0];
  }
  if (I.tensor != in_tensor || O.tensor != out_tensor)
    throw Error(StepLabel(g, plan, step) + ": buffers '" + I.name + "'/'" + O.name +
                "' do not hold the operator's tensors");

  const Tensor& ti = g.tensors[in_tensor];
  const Tensor& to = g.tensors[out_tensor];
  const Shape4 si = AsNHWC(ti.shape), so = AsNHWC(to.shape);
  if (si.n != 1 || so.n != 1) return std::nullopt;
  const int64_t isz = DTypeSize(ti.type), osz = DTypeSize(to.type);
  const Window& win = st.window;
  if (win.empty()) return kAnyShift;
  if (!O.window.contains(win)) return std::nullopt;
  ShiftAccumulator acc(with_scratch);

  auto in_byte = [&](int32_t y, int32_t x) -> int64_t {
    return ((static_cast<int64_t>(y) - I.window.y0) * I.window.w() + (x - I.window.x0)) * si.c * isz;
  };
  auto out_byte = [&](int32_t y, int32_t x) -> int64_t {
    return ((static_cast<int64_t>(y) - O.window.y0) * O.window.w() + (x - O.window.x0)) * so.c * osz;
  };

  if (IsSpatial(op.type)) {
    for (int32_t y = win.y1 - 1; y >= win.y0; --y) {
      for (int32_t x = win.x1 - 1; x >= win.x0; --x) {
        Window rf = InputWindow(g, st.op, operand, Window{y, y + 1, x, x + 1});
        if (fused) rf = InputWindow(g, st.fused_pad, 0, rf);
        int64_t need = kNoRead;
        if (!rf.empty()) {
          if (!I.window.contains(rf)) return std::nullopt;
          need = in_byte(rf.y0, rf.x0);
        }
        acc.Unit(need, out_byte(y, x) + so.c * osz);
      }
    }
    return acc.result();
  }
  if (IsElementwise(op.type)) {
    if (si.h != so.h || si.w != so.w || si.c != so.c) return std::nullopt;  // broadcast
    if (!I.window.contains(win)) return std::nullopt;
    // An element-wise unit computes one value from what it reads: its write cannot precede
    // its reads, so it is read(i); write(i) with or without scratch.
    acc = ShiftAccumulator(true);
    for (int32_t y = win.y1 - 1; y >= win.y0; --y) {
      for (int32_t x = win.x1 - 1; x >= win.x0; --x) {
        const int64_t ib0 = in_byte(y, x), ob0 = out_byte(y, x);
        for (int32_t c = so.c - 1; c >= 0; --c) acc.Unit(ib0 + c * isz, ob0 + (c + 1) * osz);
      }
    }
    return acc.result();
  }
  if (op.type == OpType::kFullyConnected || op.type == OpType::kSoftmax) {
    if (I.window != FullWindow(g, in_tensor) || O.window != FullWindow(g, out_tensor) ||
        win != FullWindow(g, out_tensor))
      return std::nullopt;
    int64_t cin, cout;
    if (op.type == OpType::kFullyConnected) {
      if (op.inputs.size() < 2 || op.inputs[operand::kFilter] < 0 ||
          op.inputs[operand::kFilter] >= static_cast<int>(g.tensors.size()))
        return std::nullopt;
      const Tensor& f = g.tensors[op.inputs[operand::kFilter]];
      if (f.shape.size() != 2 || f.shape[0] <= 0 || f.shape[1] <= 0) return std::nullopt;
      cout = f.shape[0];
      cin = f.shape[1];
    } else {
      if (ti.shape.empty() || ti.shape.back() <= 0) return std::nullopt;
      cin = cout = ti.shape.back();
    }
    const int64_t rows = ti.num_elements() / cin;
    if (rows * cin != ti.num_elements() || rows * cout != to.num_elements()) return std::nullopt;
    for (int64_t r = rows - 1; r >= 0; --r) acc.Unit(r * cin * isz, (r + 1) * cout * osz);
    return acc.result();
  }
  return std::nullopt;
}

int64_t OverlappedFootprint(int64_t in_bytes, int64_t out_bytes, int64_t max_shift) {
  if (max_shift <= -out_bytes) return in_bytes + out_bytes;
  const int64_t d = std::min<int64_t>(max_shift, 0);
  return std::max(in_bytes - d, out_bytes);
}

}  // namespace tessera
