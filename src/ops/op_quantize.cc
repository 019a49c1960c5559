// QUANTIZE (float32 -> int8, int8 -> int8) and DEQUANTIZE (int8 -> float32), TFLM
// quantize.cc / dequantize.cc. Element-wise over any window.
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/elementwise_unit.h"
#include "ops/prepare_util.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

class Quantize final : public UnaryElementwiseUnit {
 public:
  Quantize()
      : UnaryElementwiseUnit(OpType::kQuantize, "QUANTIZE", static_cast<int32_t>(tflite::fb::BuiltinOperator::QUANTIZE)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override { return in.Empty(BuiltinOptions::QuantizeOptions); }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Opts<std::monostate>(op);
    out.Set(BuiltinOptions::QuantizeOptions, tflite::fb::CreateQuantizeOptions(out.b).Union());
  }

  void Validate(OpCheck& c) const override {
    c.NoOptions();
    c.Arity(1, 1);
    const int in = c.In(0, "input"), out = c.Out();
    c.Activation(in, "input");
    c.Type(in, "input", {DType::kFloat32, DType::kInt8, DType::kInt16});
    if (c.T(in).type != DType::kFloat32) c.PerTensor(in, "input");
    c.Type(out, "output", {DType::kInt8, DType::kInt16});
    c.PerTensor(out, "output");
    c.ExpectShape(c.T(in).shape);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor *x, *y;
    PrepareUnary(g, o, p, &x, &y);
    RequireType(label, *y, DType::kInt8, "output");
    const float sy = Scale(label, *y, "output");
    const int32_t zy = ZeroPoint(label, *y, "output");
    if (x->type == DType::kFloat32) {
      p.quant_scale = static_cast<double>(sy);
      p.quant_zero_point = zy;
      p.impl = Impl::kQuantizeF32;
    } else if (x->type == DType::kInt8) {
      ts_requant_params& r = p.requant;
      r.input_zero_point = ZeroPoint(label, *x, "input");
      r.output_zero_point = zy;
      Multiplier(label, static_cast<double>(Scale(label, *x, "input")) / static_cast<double>(sy), &r.multiplier,
                 &r.shift, "requantization");
      r.act_min = -128;
      r.act_max = 127;
      p.impl = Impl::kRequantize;
    } else {
      Fail(label, std::string("QUANTIZE from ") + DTypeName(x->type) +
                      " is not supported (float32 or int8 to int8 only)");
    }
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*) const override {
    if (p.impl == Impl::kQuantizeF32)
      ts_quantize_f32_s8(p.quant_scale, p.quant_zero_point, CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
    else
      ts_requantize_s8(&p.requant, CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
  }

  std::string Emit(const EmitContext& e) const override {
    if (e.p.impl != Impl::kQuantizeF32) return EmitRequantize(e);
    return "  ts_quantize_f32_s8(" + DoubleLiteral(e.p.quant_scale) + ", " + std::to_string(e.p.quant_zero_point) +
           ", " + e.in(0) + ", " + e.out() + ", " + std::to_string(e.channels()) + ", " + e.win() + ");\n";
  }
};

class Dequantize final : public UnaryElementwiseUnit {
 public:
  Dequantize()
      : UnaryElementwiseUnit(OpType::kDequantize, "DEQUANTIZE",
                             static_cast<int32_t>(tflite::fb::BuiltinOperator::DEQUANTIZE)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override { return in.Empty(BuiltinOptions::DequantizeOptions); }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Opts<std::monostate>(op);
    out.Set(BuiltinOptions::DequantizeOptions, tflite::fb::CreateDequantizeOptions(out.b).Union());
  }

  void Validate(OpCheck& c) const override {
    c.NoOptions();
    c.Arity(1, 1);
    const int in = c.In(0, "input"), out = c.Out();
    c.Activation(in, "input");
    c.Type(in, "input", {DType::kInt8, DType::kInt16});
    c.PerTensor(in, "input");
    c.Type(out, "output", {DType::kFloat32});
    c.ExpectShape(c.T(in).shape);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor *x, *y;
    PrepareUnary(g, o, p, &x, &y);
    RequireType(label, *x, DType::kInt8, "input");
    RequireType(label, *y, DType::kFloat32, "output");
    p.quant_scale = static_cast<double>(Scale(label, *x, "input"));
    p.quant_zero_point = ZeroPoint(label, *x, "input");
    p.impl = Impl::kDequantize;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*) const override {
    ts_dequantize_s8_f32(p.quant_scale, p.quant_zero_point, CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
  }

  std::string Emit(const EmitContext& e) const override {
    return "  ts_dequantize_s8_f32(" + DoubleLiteral(e.p.quant_scale) + ", " + std::to_string(e.p.quant_zero_point) +
           ", " + e.in(0) + ", " + e.out() + ", " + std::to_string(e.channels()) + ", " + e.win() + ");\n";
  }
};

}  // namespace

const OpUnit& QuantizeUnit() {
  static const Quantize u;
  return u;
}
const OpUnit& DequantizeUnit() {
  static const Dequantize u;
  return u;
}

}  // namespace tessera::ops
