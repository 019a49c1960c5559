#include "ops/elementwise_unit.h"

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"

namespace tessera::ops {

Window ElementwiseUnit::InputWindow(const WindowQuery& q) const {
  const Tensor& in = q.g.tensors[q.in_tensor];
  // Broadcasting: an axis of size 1 against a larger output axis is read at index 0.
  Window w = q.out_win;
  if (q.in.h != q.out.h) {
    if (q.in.h != 1)
      throw Error(OpLabel(q.g, q.op) + ": input '" + in.name + "' has " + std::to_string(q.in.h) +
                  " rows, output has " + std::to_string(q.out.h) + " (not broadcastable)");
    w.y0 = 0;
    w.y1 = 1;
  }
  if (q.in.w != q.out.w) {
    if (q.in.w != 1)
      throw Error(OpLabel(q.g, q.op) + ": input '" + in.name + "' has " + std::to_string(q.in.w) +
                  " columns, output has " + std::to_string(q.out.w) + " (not broadcastable)");
    w.x0 = 0;
    w.x1 = 1;
  }
  return q.Clip(w);
}

Window UnaryElementwiseUnit::InputWindow(const WindowQuery& q) const {
  if (q.in.h != q.out.h || q.in.w != q.out.w)
    throw Error(OpLabel(q.g, q.op) + ": input '" + q.g.tensors[q.in_tensor].name + "' and output differ in shape");
  return q.Clip(q.out_win);
}

void ValidateBinaryInt8(OpCheck& c) {
  c.Arity(2, 2);
  const int a = c.In(0, "input"), b = c.In(1, "input"), out = c.Out();
  c.QuantInt8(a, "input 0");
  c.QuantInt8(b, "input 1");
  c.QuantInt8(out, "output");
  if (c.T(a).is_const && c.T(b).is_const) c.OpFail("both inputs are constant");
  c.ExpectShape(c.Broadcast(c.T(a).shape, c.T(b).shape));
}

void ValidateBinaryInt8OrInt16(OpCheck& c) {
  if (c.T(c.Out()).type != DType::kInt16) {
    ValidateBinaryInt8(c);
    return;
  }
  c.Arity(2, 2);
  const int a = c.In(0, "input"), b = c.In(1, "input"), out = c.Out();
  for (const auto& [t, role] : {std::pair{a, "input 0"}, std::pair{b, "input 1"}, std::pair{out, "output"}}) {
    c.Type(t, role, {DType::kInt16});
    c.PerTensor(t, role);
  }
  if (c.T(a).is_const && c.T(b).is_const) c.OpFail("both inputs are constant");
  c.ExpectShape(c.Broadcast(c.T(a).shape, c.T(b).shape));
}

void ValidateUnaryInt8(OpCheck& c) {
  c.Arity(1, 1);
  const int in = c.In(0, "input"), out = c.Out();
  c.IoInt8(in, out);
  c.ExpectShape(c.T(in).shape);
}

void ValidateUnaryInt8OrInt16(OpCheck& c) {
  if (c.T(c.Out()).type != DType::kInt16) {
    ValidateUnaryInt8(c);
    return;
  }
  c.Arity(1, 1);
  const int in = c.In(0, "input"), out = c.Out();
  for (const auto& [t, role] : {std::pair{in, "input"}, std::pair{out, "output"}}) {
    c.Type(t, role, {DType::kInt16});
    c.PerTensor(t, role);
  }
  c.ExpectShape(c.T(in).shape);
}

void PrepareSigmoidInt16(PreparedOp& p, const Tensor& x, const Tensor& y, int tanh, ts_logistic_params* l) {
  const std::string& label = p.label;
  const char* op = tanh ? "int16 TANH" : "int16 LOGISTIC";
  RequireType(label, x, DType::kInt16, "input");
  RequireType(label, y, DType::kInt16, "output");
  if (ZeroPoint(label, x, "input") != 0 || ZeroPoint(label, y, "output") != 0)
    Fail(label, std::string(op) + " needs zero points 0 (input '" + x.name + "', output '" + y.name + "')");
  const int r = ts_sigmoid_s16_prepare(Scale(label, x, "input"), Scale(label, y, "output"), tanh, l);
  if (r == 1) Fail(label, std::string(op) + ": input scale of '" + x.name + "' too large");
  if (r == 2) Fail(label, std::string(op) + " needs output scale 2^-15 (output '" + y.name + "')");
  p.impl = Impl::kUnit;
}

std::string EmitLogisticParams(const EmitContext& e, const ts_logistic_params& c) {
  return e.w.Params("ts_logistic_params", Init()
                                              .F("input_zero_point", c.input_zero_point)
                                              .F("input_range_radius", c.input_range_radius)
                                              .F("input_multiplier", c.input_multiplier)
                                              .F("input_left_shift", c.input_left_shift)
                                              .str());
}

std::string EmitAddParams(const EmitContext& e, const ts_add_params& c) {
  return e.w.Params("ts_add_params", Init()
                                         .F("input1_offset", c.input1_offset).F("input2_offset", c.input2_offset)
                                         .F("output_offset", c.output_offset).F("left_shift", c.left_shift)
                                         .F("input1_multiplier", c.input1_multiplier).F("input1_shift", c.input1_shift)
                                         .F("input2_multiplier", c.input2_multiplier).F("input2_shift", c.input2_shift)
                                         .F("output_multiplier", c.output_multiplier).F("output_shift", c.output_shift)
                                         .F("act_min", c.act_min).F("act_max", c.act_max)
                                         .str());
}

std::string EmitBinary(const EmitContext& e, const char* fn, const std::string& params, const char* ws_fn) {
  const bool ws = ws_fn && e.use_workspace();
  std::string r = "  ";
  r += ws ? ws_fn : fn;
  r += "(";
  if (!params.empty()) {
    r += "&";
    r += params;
    r += ",\n      ";
  }
  r += e.operand(0);
  r += ",\n      ";
  r += e.operand(1);
  r += ",\n      ";
  r += e.out();
  r += ", ";
  r += std::to_string(e.channels());
  r += ", ";
  r += e.win();
  if (ws) r += ", " + e.workspace();
  r += ");\n";
  return r;
}

}  // namespace tessera::ops
