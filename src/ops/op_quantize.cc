// QUANTIZE (float32 -> int8 / int16, int8 -> int8 / int16, uint8 -> int8, int8 -> uint8, int16 ->
// int8 / int16 / int32: TFLM's AffineQuantize and Requantize) and DEQUANTIZE (int8, int16 or
// uint8 -> float32), TFLM quantize.cc / dequantize.cc (a uint8 DEQUANTIZE, which TFLM's Prepare
// refuses, follows TensorFlow Lite's reference formula). Element-wise over any window.
#include <cstdint>
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/elementwise_unit.h"
#include "ops/prepare_util.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

// The uint8 and int16-input paths' kernel (Impl::kUnit); the float and int8 -> int8 paths keep
// Impl::kQuantizeF32 / kRequantize / kDequantize.
enum class Uint8Kernel : uint8_t { kU8ToS8, kS8ToU8, kDequantizeU8, kFromS16, kS8ToS16, kF32ToS16, kDequantizeS16 };

const char* Uint8KernelName(Uint8Kernel k) {
  switch (k) {
    case Uint8Kernel::kU8ToS8: return "ts_requantize_u8_s8";
    case Uint8Kernel::kS8ToU8: return "ts_requantize_s8_u8";
    case Uint8Kernel::kDequantizeU8: return "ts_dequantize_u8_f32";
    case Uint8Kernel::kFromS16: return "ts_requantize_s16";
    case Uint8Kernel::kS8ToS16: return "ts_requantize_s8_s16";
    case Uint8Kernel::kF32ToS16: return "ts_quantize_f32_s16";
    case Uint8Kernel::kDequantizeS16: return "ts_dequantize_s16_f32";
  }
  return "?";
}

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
    c.Type(in, "input", {DType::kFloat32, DType::kInt8, DType::kUInt8, DType::kInt16});
    if (c.T(in).type != DType::kFloat32) c.PerTensor(in, "input");
    c.Type(out, "output", {DType::kInt8, DType::kUInt8, DType::kInt16, DType::kInt32});
    if (c.T(out).type == DType::kInt32 && c.T(in).type != DType::kInt16)
      c.OpFail("QUANTIZE to int32 is supported from int16 only (input " + c.TRef(in) + " is " +
               DTypeName(c.T(in).type) + ")");
    c.PerTensor(out, "output");
    c.ExpectShape(c.T(in).shape);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor *x, *y;
    PrepareUnary(g, o, p, &x, &y);
    if (x->type == DType::kInt16) {
      // int16 -> int8 / int16 / int32: Requantize with QuantizeMultiplier(input scale / output
      // scale), clamped to the output type.
      if (y->type != DType::kInt8 && y->type != DType::kInt16 && y->type != DType::kInt32)
        Fail(label, std::string("QUANTIZE int16 to ") + DTypeName(y->type) + " is not supported");
      ts_requant_params& r = p.requant;
      r.input_zero_point = ZeroPointInRange(label, *x, "input");
      r.output_zero_point = ZeroPointInRange(label, *y, "output");
      Multiplier(label, static_cast<double>(Scale(label, *x, "input")) / static_cast<double>(Scale(label, *y, "output")),
                 &r.multiplier, &r.shift, "requantization");
      r.act_min = y->type == DType::kInt8 ? -128 : y->type == DType::kInt16 ? -32768 : INT32_MIN;
      r.act_max = y->type == DType::kInt8 ? 127 : y->type == DType::kInt16 ? 32767 : INT32_MAX;
      UnitParams<Uint8Kernel>(p) = Uint8Kernel::kFromS16;
      p.impl = Impl::kUnit;
      return;
    }
    if (y->type == DType::kInt16 && x->type == DType::kFloat32) {
      // float32 -> int16: AffineQuantize (float division and rounding) with the output's zero
      // point in the int16 range (TFLM checks no more).
      p.quant_scale = static_cast<double>(Scale(label, *y, "output"));
      p.quant_zero_point = ZeroPointInRange(label, *y, "output");
      UnitParams<Uint8Kernel>(p) = Uint8Kernel::kF32ToS16;
      p.impl = Impl::kUnit;
      return;
    }
    if (y->type == DType::kInt16 && x->type == DType::kInt8) {
      // int8 -> int16: Requantize with QuantizeMultiplier(input scale / output scale).
      ts_requant_params& r = p.requant;
      r.input_zero_point = ZeroPoint(label, *x, "input");
      r.output_zero_point = ZeroPointInRange(label, *y, "output");
      Multiplier(label, static_cast<double>(Scale(label, *x, "input")) / static_cast<double>(Scale(label, *y, "output")),
                 &r.multiplier, &r.shift, "requantization");
      r.act_min = -32768;
      r.act_max = 32767;
      UnitParams<Uint8Kernel>(p) = Uint8Kernel::kS8ToS16;
      p.impl = Impl::kUnit;
      return;
    }
    if (y->type == DType::kUInt8 || x->type == DType::kUInt8) {
      // uint8 <-> int8: TFLM's Requantize with QuantizeMultiplier(input scale / output scale).
      const bool to_u8 = y->type == DType::kUInt8;
      RequireType(label, *x, to_u8 ? DType::kInt8 : DType::kUInt8, "input");
      ts_requant_params& r = p.requant;
      r.input_zero_point = ZeroPoint(label, *x, "input");
      r.output_zero_point = ZeroPoint(label, *y, "output");
      Multiplier(label, static_cast<double>(Scale(label, *x, "input")) / static_cast<double>(Scale(label, *y, "output")),
                 &r.multiplier, &r.shift, "requantization");
      r.act_min = to_u8 ? 0 : -128;
      r.act_max = to_u8 ? 255 : 127;
      UnitParams<Uint8Kernel>(p) = to_u8 ? Uint8Kernel::kS8ToU8 : Uint8Kernel::kU8ToS8;
      p.impl = Impl::kUnit;
      return;
    }
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
           uint8_t*, uint8_t*) const override {
    if (p.impl == Impl::kQuantizeF32)
      ts_quantize_f32_s8(p.quant_scale, p.quant_zero_point, CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
    else if (p.impl == Impl::kRequantize)
      ts_requantize_s8(&p.requant, CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
    else if (UnitParams<Uint8Kernel>(p) == Uint8Kernel::kFromS16)
      ts_requantize_s16(&p.requant, CBuf(inputs[0]), Buf(out), p.out_elem_bytes, p.out_shape.c, KWin(win));
    else if (UnitParams<Uint8Kernel>(p) == Uint8Kernel::kS8ToS16)
      ts_requantize_s8_s16(&p.requant, CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
    else if (UnitParams<Uint8Kernel>(p) == Uint8Kernel::kF32ToS16)
      ts_quantize_f32_s16(p.quant_scale, p.quant_zero_point, CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
    else if (UnitParams<Uint8Kernel>(p) == Uint8Kernel::kU8ToS8)
      ts_requantize_u8_s8(&p.requant, CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
    else
      ts_requantize_s8_u8(&p.requant, CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
  }

  std::string Emit(const EmitContext& e) const override {
    if (e.p.impl == Impl::kUnit && UnitParams<Uint8Kernel>(e.p) == Uint8Kernel::kFromS16) {
      const ts_requant_params& r = e.p.requant;
      const std::string params = e.w.Params(
          "ts_requant_params", Init()
                                   .F("input_zero_point", r.input_zero_point).F("output_zero_point", r.output_zero_point)
                                   .F("multiplier", r.multiplier).F("shift", r.shift)
                                   .S("act_min", r.act_min == INT32_MIN ? std::string("INT32_MIN") : std::to_string(r.act_min))
                                   .F("act_max", r.act_max)
                                   .str());
      return EmitCall("ts_requantize_s16", {"&" + params, e.in(0), e.out(), std::to_string(e.p.out_elem_bytes),
                                            std::to_string(e.channels()), e.win()});
    }
    if (e.p.impl == Impl::kUnit && UnitParams<Uint8Kernel>(e.p) == Uint8Kernel::kF32ToS16)
      return "  ts_quantize_f32_s16(" + DoubleLiteral(e.p.quant_scale) + ", " + std::to_string(e.p.quant_zero_point) +
             ", " + e.in(0) + ", " + e.out() + ", " + std::to_string(e.channels()) + ", " + e.win() + ");\n";
    if (e.p.impl == Impl::kUnit) return EmitRequantize(e, Uint8KernelName(UnitParams<Uint8Kernel>(e.p)));
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
    c.Type(in, "input", {DType::kInt8, DType::kUInt8, DType::kInt16});
    c.PerTensor(in, "input");
    c.Type(out, "output", {DType::kFloat32});
    c.ExpectShape(c.T(in).shape);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor *x, *y;
    PrepareUnary(g, o, p, &x, &y);
    if (x->type != DType::kUInt8 && x->type != DType::kInt16) RequireType(label, *x, DType::kInt8, "input");
    RequireType(label, *y, DType::kFloat32, "output");
    p.quant_scale = static_cast<double>(Scale(label, *x, "input"));
    // int16: any zero point in range (TFLM's Dequantize subtracts it; its Prepare checks none).
    p.quant_zero_point = x->type == DType::kInt16 ? ZeroPointInRange(label, *x, "input") : ZeroPoint(label, *x, "input");
    p.impl = Impl::kDequantize;
    if (x->type == DType::kUInt8 || x->type == DType::kInt16) {
      UnitParams<Uint8Kernel>(p) = x->type == DType::kUInt8 ? Uint8Kernel::kDequantizeU8 : Uint8Kernel::kDequantizeS16;
      p.impl = Impl::kUnit;
    }
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    if (p.impl == Impl::kUnit && UnitParams<Uint8Kernel>(p) == Uint8Kernel::kDequantizeS16)
      ts_dequantize_s16_f32(p.quant_scale, p.quant_zero_point, CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
    else if (p.impl == Impl::kUnit)
      ts_dequantize_u8_f32(p.quant_scale, p.quant_zero_point, CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
    else
      ts_dequantize_s8_f32(p.quant_scale, p.quant_zero_point, CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
  }

  std::string Emit(const EmitContext& e) const override {
    const char* fn = e.p.impl == Impl::kUnit ? Uint8KernelName(UnitParams<Uint8Kernel>(e.p)) : "ts_dequantize_s8_f32";
    return "  " + std::string(fn) + "(" + DoubleLiteral(e.p.quant_scale) + ", " + std::to_string(e.p.quant_zero_point) +
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
