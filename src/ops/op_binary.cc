// ADD and MUL (TFLM add.cc / mul.cc), int8 with numpy broadcasting and a fused activation; also
// int16 (TFLM's int16 paths: ADD's arithmetic with left_shift 15, MUL's with int16 elements;
// zero points 0).
// Element-wise: any output window; a kernel step may run in place.
#include <algorithm>
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/elementwise_unit.h"
#include "ops/prepare_util.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

class Add final : public ElementwiseUnit {
 public:
  Add() : ElementwiseUnit(OpType::kAdd, "ADD", static_cast<int32_t>(tflite::fb::BuiltinOperator::ADD)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    AddOptions o;
    if (const auto* p = in.Table<tflite::fb::AddOptions>(BuiltinOptions::AddOptions))
      o.activation = in.ReadActivation(p->fused_activation_function());
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Set(BuiltinOptions::AddOptions,
            tflite::fb::CreateAddOptions(out.b, tflite::ToActivation(out.Opts<AddOptions>(op).activation)).Union());
  }

  void Validate(OpCheck& c) const override {
    c.Options<AddOptions>("AddOptions");
    ValidateBinaryInt8OrInt16(c);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& y = OutputTensor(g, label, o);
    const bool s16 = y.type == DType::kInt16;
    if (!s16) RequireType(label, y, DType::kInt8, "output");
    p.out_shape = Nhwc(label, y, "output");
    PrepareBinaryOperands(g, o, p, y.type);
    p.in_elem_bytes = p.out_elem_bytes = s16 ? 2 : 1;
    const Tensor& a = g.tensors[o.inputs[0]];
    const Tensor& b = g.tensors[o.inputs[1]];
    const float sa = Scale(label, a, "input 0"), sb = Scale(label, b, "input 1");
    const float sy = Scale(label, y, "output");
    ts_add_params& q = p.add;
    q.input1_offset = -ZeroPoint(label, a, "input 0");
    q.input2_offset = -ZeroPoint(label, b, "input 1");
    q.output_offset = ZeroPoint(label, y, "output");
    q.left_shift = s16 ? 15 : 20;  // add_common.cc: 15 for int16 outputs
    const double twice_max = 2 * static_cast<double>(std::max(sa, sb));
    const double r1 = static_cast<double>(sa) / twice_max;
    const double r2 = static_cast<double>(sb) / twice_max;
    const double ro = twice_max / ((1 << q.left_shift) * static_cast<double>(sy));
    Multiplier(label, r1, &q.input1_multiplier, &q.input1_shift, "input 0");
    Multiplier(label, r2, &q.input2_multiplier, &q.input2_shift, "input 1");
    Multiplier(label, ro, &q.output_multiplier, &q.output_shift, "output");
    if (q.input1_shift > 0 || q.input2_shift > 0 || q.output_shift > 0)
      Fail(label, "the scales give a rescaling multiplier of 1 or more (TFLM requires < 1)");
    ActivationRange(label, o.opts<AddOptions>().activation, y, &q.act_min, &q.act_max);
    p.kind = Kind::kElementwise;
    p.impl = Impl::kAdd;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t* workspace) const override {
    const ts_operand a = MakeOperand(p, p.operands[0], inputs), b = MakeOperand(p, p.operands[1], inputs);
    if (p.out_elem_bytes == 2)
      ts_add_s16(&p.add, a, b, Buf(out), p.out_shape.c, KWin(win));  // no tables, no workspace
    else if (workspace)
      ts_add_s8_ws(&p.add, a, b, Buf(out), p.out_shape.c, KWin(win), workspace);
    else
      ts_add_s8(&p.add, a, b, Buf(out), p.out_shape.c, KWin(win));
  }
  int64_t WorkspaceBytes(const PreparedOp& p, Window win) const override {
    if (p.out_elem_bytes == 2) return 0;
    return static_cast<int64_t>(ts_add_s8_workspace_bytes(p.out_shape.c, KWin(win)));
  }

  std::string Emit(const EmitContext& e) const override {
    if (e.p.out_elem_bytes == 2) return EmitBinary(e, "ts_add_s16", EmitAddParams(e, e.p.add));
    return EmitBinary(e, "ts_add_s8", EmitAddParams(e, e.p.add), "ts_add_s8_ws");
  }
};

class Mul final : public ElementwiseUnit {
 public:
  Mul() : ElementwiseUnit(OpType::kMul, "MUL", static_cast<int32_t>(tflite::fb::BuiltinOperator::MUL)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    MulOptions o;
    if (const auto* p = in.Table<tflite::fb::MulOptions>(BuiltinOptions::MulOptions))
      o.activation = in.ReadActivation(p->fused_activation_function());
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Set(BuiltinOptions::MulOptions,
            tflite::fb::CreateMulOptions(out.b, tflite::ToActivation(out.Opts<MulOptions>(op).activation)).Union());
  }

  void Validate(OpCheck& c) const override {
    c.Options<MulOptions>("MulOptions");
    ValidateBinaryInt8OrInt16(c);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& y = OutputTensor(g, label, o);
    const bool s16 = y.type == DType::kInt16;
    if (!s16) RequireType(label, y, DType::kInt8, "output");
    p.out_shape = Nhwc(label, y, "output");
    PrepareBinaryOperands(g, o, p, y.type);
    p.in_elem_bytes = p.out_elem_bytes = s16 ? 2 : 1;
    const Tensor& a = g.tensors[o.inputs[0]];
    const Tensor& b = g.tensors[o.inputs[1]];
    ts_mul_params& q = p.mul;
    q.input1_offset = -ZeroPoint(label, a, "input 0");
    q.input2_offset = -ZeroPoint(label, b, "input 1");
    q.output_offset = ZeroPoint(label, y, "output");
    Multiplier(label,
               static_cast<double>(Scale(label, a, "input 0")) * static_cast<double>(Scale(label, b, "input 1")) /
                   static_cast<double>(Scale(label, y, "output")),
               &q.output_multiplier, &q.output_shift, "output");
    ActivationRange(label, o.opts<MulOptions>().activation, y, &q.act_min, &q.act_max);
    p.kind = Kind::kElementwise;
    p.impl = Impl::kMul;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    (p.out_elem_bytes == 2 ? ts_mul_s16 : ts_mul_s8)(&p.mul, MakeOperand(p, p.operands[0], inputs), MakeOperand(p, p.operands[1], inputs), Buf(out),
              p.out_shape.c, KWin(win));
  }

  std::string Emit(const EmitContext& e) const override {
    const ts_mul_params& c = e.p.mul;
    const std::string params = e.w.Params(
        "ts_mul_params", Init()
                             .F("input1_offset", c.input1_offset).F("input2_offset", c.input2_offset)
                             .F("output_offset", c.output_offset)
                             .F("output_multiplier", c.output_multiplier).F("output_shift", c.output_shift)
                             .F("act_min", c.act_min).F("act_max", c.act_max)
                             .str());
    return EmitBinary(e, e.p.out_elem_bytes == 2 ? "ts_mul_s16" : "ts_mul_s8", params);
  }
};

}  // namespace

const OpUnit& AddUnit() {
  static const Add u;
  return u;
}
const OpUnit& MulUnit() {
  static const Mul u;
  return u;
}

}  // namespace tessera::ops
