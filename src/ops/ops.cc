// The operator layer's entry points: each asks the operator's unit (ops/unit.h, op_*.cc).
#include "ops/ops.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "ops/prepare_util.h"
#include "ops/unit.h"

namespace tessera::ops {
namespace {

void CheckView(const PreparedOp& p, const char* what, int i, const Window& held,
               const Window& need, const void* data) {
  if (!data) Fail(p.label, std::string(what) + " " + std::to_string(i) + " has no data");
  if (!need.empty() && !held.contains(need))
    Fail(p.label, std::string(what) + " " + std::to_string(i) + " holds " + WinStr(held) +
                      " but " + WinStr(need) + " is needed");
}

}  // namespace

bool ConstantChannelBias(int32_t bias, int32_t multiplier, int32_t shift, int32_t output_offset,
                         int32_t act_min, int32_t act_max, int32_t* canonical_bias) {
  if (output_offset < -128 || output_offset > 127 || act_min < -128 || act_max > 127 ||
      act_min > act_max || shift < -31 || shift > 31)
    return false;
  const int64_t r =
      static_cast<int64_t>(ts_multiply_by_quantized_multiplier(bias, multiplier, shift)) + output_offset;
  if (r < std::numeric_limits<int32_t>::min() || r > std::numeric_limits<int32_t>::max()) return false;
  const int64_t v = std::clamp<int64_t>(r, act_min, act_max);
  *canonical_bias = static_cast<int32_t>(2 * (v - output_offset));
  return true;
}

void QuantizeMultiplier(double real, int32_t* multiplier, int* shift) {
  if (real == 0.0) {
    *multiplier = 0;
    *shift = 0;
    return;
  }
  const double q = std::frexp(real, shift);
  int64_t q_fixed = static_cast<int64_t>(std::round(q * static_cast<double>(1ll << 31)));
  if (q_fixed == (1ll << 31)) {
    q_fixed /= 2;
    ++*shift;
  }
  if (*shift < -31) {
    *shift = 0;
    q_fixed = 0;
  }
  *multiplier = static_cast<int32_t>(q_fixed);
}

bool CanFusePad(const Graph& g, int pad_op, int op, std::string* why) {
  auto no = [&](const std::string& m) {
    if (why) *why = m;
    return false;
  };
  if (pad_op < 0 || pad_op >= static_cast<int>(g.ops.size()) || op < 0 ||
      op >= static_cast<int>(g.ops.size()))
    return no("operator index out of range");
  const Operator& pad = g.ops[pad_op];
  const Operator& o = g.ops[op];
  if (pad.type != OpType::kPad) return no(OpLabel(g, pad_op) + " is not a PAD");
  if (o.type != OpType::kConv2D && o.type != OpType::kDepthwiseConv2D)
    return no(OpLabel(g, op) + ": only CONV_2D and DEPTHWISE_CONV_2D can absorb a PAD (a pool's "
                             "result depends on how many padded elements it counts)");
  if (pad.outputs.size() != 1 || o.inputs.empty() || o.inputs[0] != pad.outputs[0])
    return no(OpLabel(g, op) + ": its input 0 is not the output of " + OpLabel(g, pad_op));
  if (pad.inputs.size() > 2 && pad.inputs[2] != kNoTensor)
    return no(OpLabel(g, pad_op) + " has a constant_values operand");
  try {
    const PadAmounts pa = ReadPaddings(g, pad_op);
    if (pa.c_before != 0 || pa.c_after != 0)
      return no(OpLabel(g, pad_op) + " pads the channel axis");
    const Tensor& x = g.tensors.at(pad.inputs.at(0));
    if ((x.type != DType::kInt8 && x.type != DType::kInt16) || x.shape.size() != 4)
      return no(OpLabel(g, pad_op) + ": input is not a rank-4 int8 or int16 tensor");
    if (x.shape[0] != 1) return no(OpLabel(g, pad_op) + ": input has batch " + std::to_string(x.shape[0]));
  } catch (const Error& e) {
    return no(e.what());
  }
  // The PAD's fill value is its output's zero point, which is the convolution's input zero
  // point: padded taps contribute (zp - zp) * w = 0, exactly what an implicit pad does (int16:
  // both 0, and the 16x8 convolutions skip padded taps).
  return true;
}

PreparedOp PrepareOp(const Graph& g, int op_index, int fused_pad_op) {
  if (op_index < 0 || op_index >= static_cast<int>(g.ops.size()))
    throw Error("operator index " + std::to_string(op_index) + " is out of range (the graph has " +
                std::to_string(g.ops.size()) + " operators)");
  const Operator& o = g.ops[op_index];
  PreparedOp p;
  p.op = op_index;
  p.type = o.type;
  p.label = OpLabel(g, op_index);
  if (fused_pad_op >= 0) {
    std::string why;
    if (!CanFusePad(g, fused_pad_op, op_index, &why))
      Fail(p.label, "cannot fuse PAD: " + why);
    p.fused_pad = fused_pad_op;
  }
  const Tensor& y = OutputTensor(g, p.label, o);
  p.output = o.outputs[0];
  p.out_shape = AsNHWC(y.shape);
  p.out_elem_bytes = ElemBytes(y.type);
  for (int t : o.inputs)
    if (g.is_state(t)) p.state.push_back(t);
  try {
    Unit(o.type).Prepare(g, o, p, fused_pad_op);
  } catch (const std::bad_variant_access&) {
    Fail(p.label, "its options are missing or of the wrong kind");
  }
  if (p.kind != Kind::kWhole && y.shape.size() > 4)
    Fail(p.label, "output of rank " + std::to_string(y.shape.size()) + " is not supported");
  return p;
}

int64_t ScratchBytes(const PreparedOp& p) { return Unit(p.type).ScratchBytes(p); }
int64_t WorkspaceBytes(const PreparedOp& p, Window win) {
  return win.empty() ? 0 : Unit(p.type).WorkspaceBytes(p, win);
}

Window OutputWindow(const PreparedOp& p) { return FullOf(p.out_shape); }

Window RequiredInputWindow(const PreparedOp& p, int input, Window win) {
  if (input < 0 || input >= static_cast<int>(p.inputs.size()))
    Fail(p.label, "input " + std::to_string(input) + " is out of range");
  return Unit(p.type).RequiredInputWindow(p, input, win);
}

void RunOp(const PreparedOp& p, const std::vector<ConstView>& inputs,
           const std::vector<MutView>& outputs, Window win, uint8_t* scratch, uint8_t* workspace,
           const std::vector<MutView>& state) {
  if (state.size() != p.state.size())
    Fail(p.label, "got " + std::to_string(state.size()) + " state buffers, expected " +
                      std::to_string(p.state.size()));
  for (size_t i = 0; i < state.size(); ++i)
    if (!state[i].data) Fail(p.label, "state buffer " + std::to_string(i) + " is null");
  if (inputs.size() != p.inputs.size())
    Fail(p.label, "got " + std::to_string(inputs.size()) + " input buffers, expected " +
                      std::to_string(p.inputs.size()));
  if (outputs.size() != 1)
    Fail(p.label, "got " + std::to_string(outputs.size()) + " output buffers, expected 1");
  const Window full = OutputWindow(p);
  if (win.empty()) return;
  if (!full.contains(win))
    Fail(p.label, "output window " + WinStr(win) + " is outside the output " + WinStr(full));
  if (p.kind == Kind::kWhole && win != full)
    Fail(p.label, "runs only over its whole output " + WinStr(full) + ", not " + WinStr(win));
  CheckView(p, "output buffer", 0, outputs[0].window, win, outputs[0].data);
  for (size_t i = 0; i < inputs.size(); ++i)
    CheckView(p, "input buffer", static_cast<int>(i), inputs[i].window,
              RequiredInputWindow(p, static_cast<int>(i), win), inputs[i].data);
  if (p.kind == Kind::kWhole) {
    for (size_t i = 0; i < inputs.size(); ++i)
      if (inputs[i].window != RequiredInputWindow(p, static_cast<int>(i), win))
        Fail(p.label, "input buffer " + std::to_string(i) + " must hold the whole tensor");
    if (outputs[0].window != full) Fail(p.label, "the output buffer must hold the whole tensor");
  }
  Unit(p.type).RunState(p, inputs, outputs[0], win, scratch, workspace, state);
}

}  // namespace tessera::ops
