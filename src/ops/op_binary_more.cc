// SUB (int8, int16), SQUARED_DIFFERENCE, MAXIMUM, MINIMUM and PRELU, int8 with numpy broadcasting (TFLM
// sub.cc, squared_difference.cc, maximum_minimum.cc, prelu.cc; the kernels' *_prepare compute
// TFLM's Prepare-time parameters). Element-wise: any output window; a kernel step may run in
// place.
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/elementwise_unit.h"
#include "ops/prepare_util.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using B = tflite::fb::BuiltinOperator;
using tflite::fb::BuiltinOptions;

// The operands (p.operands / p.inputs) of a binary operator with an int8 output (or `type`); the
// output tensor and both inputs through *a, *b, *y.
void PrepareBinary(const Graph& g, const Operator& o, PreparedOp& p, const Tensor** a, const Tensor** b,
                   const Tensor** y, DType type = DType::kInt8) {
  *y = &OutputTensor(g, p.label, o);
  RequireType(p.label, **y, type, "output");
  p.out_shape = Nhwc(p.label, **y, "output");
  PrepareBinaryOperands(g, o, p, type);
  p.in_elem_bytes = p.out_elem_bytes = type == DType::kInt16 ? 2 : 1;
  *a = &g.tensors[o.inputs[0]];
  *b = &g.tensors[o.inputs[1]];
  p.kind = Kind::kElementwise;
  p.impl = Impl::kUnit;
}

ts_operand Operand0(const PreparedOp& p, const std::vector<ConstView>& in) { return MakeOperand(p, p.operands[0], in); }
ts_operand Operand1(const PreparedOp& p, const std::vector<ConstView>& in) { return MakeOperand(p, p.operands[1], in); }

class Sub final : public ElementwiseUnit {
 public:
  Sub() : ElementwiseUnit(OpType::kSub, "SUB", static_cast<int32_t>(B::SUB)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    SubOptions o;
    if (const auto* p = in.Table<tflite::fb::SubOptions>(BuiltinOptions::SubOptions))
      o.activation = in.ReadActivation(p->fused_activation_function());
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Set(BuiltinOptions::SubOptions,
            tflite::fb::CreateSubOptions(out.b, tflite::ToActivation(out.Opts<SubOptions>(op).activation)).Union());
  }

  void Validate(OpCheck& c) const override {
    c.Options<SubOptions>("SubOptions");
    ValidateBinaryInt8OrInt16(c);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor *a, *b, *y;
    const bool s16 = OutputTensor(g, label, o).type == DType::kInt16;
    PrepareBinary(g, o, p, &a, &b, &y, s16 ? DType::kInt16 : DType::kInt8);
    int32_t lo = 0, hi = 0;
    ActivationRange(label, o.opts<SubOptions>().activation, *y, &lo, &hi);
    if (s16) {  // zero points 0 (ZeroPoint fails otherwise)
      ZeroPoint(label, *a, "input 0");
      ZeroPoint(label, *b, "input 1");
      ZeroPoint(label, *y, "output");
      if (ts_sub_s16_prepare(Scale(label, *a, "input 0"), Scale(label, *b, "input 1"), Scale(label, *y, "output"), lo,
                             hi, &p.add) != 0)
        Fail(label, "the scales give a rescaling multiplier of 1 or more (TFLM requires < 1)");
      return;
    }
    if (ts_sub_s8_prepare(Scale(label, *a, "input 0"), ZeroPoint(label, *a, "input 0"), Scale(label, *b, "input 1"),
                          ZeroPoint(label, *b, "input 1"), Scale(label, *y, "output"), ZeroPoint(label, *y, "output"),
                          lo, hi, &p.add) != 0)
      Fail(label, "the scales give a rescaling multiplier of 1 or more (TFLM requires < 1)");
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t* workspace) const override {
    if (p.out_elem_bytes == 2)
      ts_sub_s16(&p.add, Operand0(p, inputs), Operand1(p, inputs), Buf(out), p.out_shape.c, KWin(win));
    else if (workspace)
      ts_sub_s8_ws(&p.add, Operand0(p, inputs), Operand1(p, inputs), Buf(out), p.out_shape.c, KWin(win), workspace);
    else
      ts_sub_s8(&p.add, Operand0(p, inputs), Operand1(p, inputs), Buf(out), p.out_shape.c, KWin(win));
  }
  int64_t WorkspaceBytes(const PreparedOp& p, Window win) const override {
    if (p.out_elem_bytes == 2) return 0;  // int16 SUB rescales without tables
    return static_cast<int64_t>(ts_sub_s8_workspace_bytes(p.out_shape.c, KWin(win)));
  }

  std::string Emit(const EmitContext& e) const override {
    if (e.p.out_elem_bytes == 2) return EmitBinary(e, "ts_sub_s16", EmitAddParams(e, e.p.add));
    return EmitBinary(e, "ts_sub_s8", EmitAddParams(e, e.p.add), "ts_sub_s8_ws");
  }
};

class SquaredDifference final : public ElementwiseUnit {
 public:
  SquaredDifference()
      : ElementwiseUnit(OpType::kSquaredDifference, "SQUARED_DIFFERENCE", static_cast<int32_t>(B::SQUARED_DIFFERENCE)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    return in.Empty(BuiltinOptions::SquaredDifferenceOptions);
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Opts<std::monostate>(op);
    out.Set(BuiltinOptions::SquaredDifferenceOptions, tflite::fb::CreateSquaredDifferenceOptions(out.b).Union());
  }

  void Validate(OpCheck& c) const override {
    c.NoOptions();
    ValidateBinaryInt8(c);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor *a, *b, *y;
    PrepareBinary(g, o, p, &a, &b, &y);
    if (ts_squared_difference_s8_prepare(Scale(label, *a, "input 0"), ZeroPoint(label, *a, "input 0"),
                                         Scale(label, *b, "input 1"), ZeroPoint(label, *b, "input 1"),
                                         Scale(label, *y, "output"), ZeroPoint(label, *y, "output"), &p.add) != 0)
      Fail(label, "the scales give multipliers TFLM cannot represent");
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t* workspace) const override {
    if (workspace)
      ts_squared_difference_s8_ws(&p.add, Operand0(p, inputs), Operand1(p, inputs), Buf(out), p.out_shape.c,
                                  KWin(win), workspace);
    else
      ts_squared_difference_s8(&p.add, Operand0(p, inputs), Operand1(p, inputs), Buf(out), p.out_shape.c, KWin(win));
  }
  int64_t WorkspaceBytes(const PreparedOp& p, Window win) const override {
    return static_cast<int64_t>(ts_sub_s8_workspace_bytes(p.out_shape.c, KWin(win)));
  }

  std::string Emit(const EmitContext& e) const override {
    return EmitBinary(e, "ts_squared_difference_s8", EmitAddParams(e, e.p.add), "ts_squared_difference_s8_ws");
  }
};

// MAXIMUM and MINIMUM compare raw bytes (TFLM does not rescale): tessera requires both inputs
// and the output to share one quantization, where that comparison means the real one.
class MaxMin final : public ElementwiseUnit {
 public:
  explicit MaxMin(bool is_max)
      : ElementwiseUnit(is_max ? OpType::kMaximum : OpType::kMinimum, is_max ? "MAXIMUM" : "MINIMUM",
                        static_cast<int32_t>(is_max ? B::MAXIMUM : B::MINIMUM)),
        is_max_(is_max) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    return in.Empty(BuiltinOptions::MaximumMinimumOptions);
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Opts<std::monostate>(op);
    out.Set(BuiltinOptions::MaximumMinimumOptions, tflite::fb::CreateMaximumMinimumOptions(out.b).Union());
  }

  void Validate(OpCheck& c) const override {
    c.NoOptions();
    ValidateBinaryInt8(c);
    const Operator& o = c.op();
    const Quantization& qy = c.T(c.Out()).quant;
    for (int i = 0; i < 2; ++i) {
      const Quantization& q = c.T(o.inputs[i]).quant;
      if (q.scale != qy.scale || q.zero_point != qy.zero_point)
        c.OpFail(c.Role(i == 0 ? "input 0" : "input 1", o.inputs[i]) + " and output " + c.TRef(c.Out()) +
                 " differ in quantization (" + name() + " compares raw bytes; they must share scale and zero point)");
    }
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const Tensor *a, *b, *y;
    PrepareBinary(g, o, p, &a, &b, &y);
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    (is_max_ ? ts_maximum_s8 : ts_minimum_s8)(Operand0(p, inputs), Operand1(p, inputs), Buf(out), p.out_shape.c,
                                              KWin(win));
  }

  std::string Emit(const EmitContext& e) const override {
    return EmitBinary(e, is_max_ ? "ts_maximum_s8" : "ts_minimum_s8", "");
  }

 private:
  bool is_max_;
};

// PRELU: input 0 the input, input 1 alpha (usually a constant broadcast over rows and columns).
class Prelu final : public ElementwiseUnit {
 public:
  Prelu() : ElementwiseUnit(OpType::kPrelu, "PRELU", static_cast<int32_t>(B::PRELU)) {}

  void Validate(OpCheck& c) const override {
    c.NoOptions();
    ValidateBinaryInt8(c);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor *a, *b, *y;
    PrepareBinary(g, o, p, &a, &b, &y);
    ts_prelu_params& q = UnitParams<ts_prelu_params>(p);
    if (ts_prelu_s8_prepare(Scale(label, *a, "input"), ZeroPoint(label, *a, "input"), Scale(label, *b, "alpha"),
                            ZeroPoint(label, *b, "alpha"), Scale(label, *y, "output"), ZeroPoint(label, *y, "output"),
                            &q) != 0)
      Fail(label, "the scales give multipliers TFLM cannot represent");
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    ts_prelu_s8(&UnitParams<ts_prelu_params>(p), Operand0(p, inputs), Operand1(p, inputs), Buf(out), p.out_shape.c,
                KWin(win));
  }

  std::string Emit(const EmitContext& e) const override {
    const ts_prelu_params& c = UnitParams<ts_prelu_params>(e.p);
    const std::string params = e.w.Params(
        "ts_prelu_params", Init()
                               .F("input_offset", c.input_offset).F("alpha_offset", c.alpha_offset)
                               .F("output_offset", c.output_offset)
                               .F("output_multiplier_1", c.output_multiplier_1).F("output_shift_1", c.output_shift_1)
                               .F("output_multiplier_2", c.output_multiplier_2).F("output_shift_2", c.output_shift_2)
                               .str());
    return EmitBinary(e, "ts_prelu_s8", params);
  }
};

}  // namespace

const OpUnit& SubUnit() {
  static const Sub u;
  return u;
}
const OpUnit& SquaredDifferenceUnit() {
  static const SquaredDifference u;
  return u;
}
const OpUnit& MaximumUnit() {
  static const MaxMin u(true);
  return u;
}
const OpUnit& MinimumUnit() {
  static const MaxMin u(false);
  return u;
}
const OpUnit& PreluUnit() {
  static const Prelu u;
  return u;
}

}  // namespace tessera::ops
