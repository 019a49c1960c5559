// RELU, RELU6, LOGISTIC (int8, int16) and HARD_SWISH, int8 (TFLM activations.cc, logistic.cc,
// hard_swish.cc). Element-wise over any window, in place.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/elementwise_unit.h"
#include "ops/prepare_util.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using B = tflite::fb::BuiltinOperator;

// int8 in, int8 out of the same shape, no options.
class ActivationUnit : public UnaryElementwiseUnit {
 public:
  ActivationUnit(OpType t, const char* name, B b) : UnaryElementwiseUnit(t, name, static_cast<int32_t>(b)) {}

  void Validate(OpCheck& c) const override {
    c.NoOptions();
    ValidateUnaryInt8(c);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor *x, *y;
    PrepareUnary(g, o, p, &x, &y);
    RequireType(label, *x, DType::kInt8, "input");
    RequireType(label, *y, DType::kInt8, "output");
    const float sx = Scale(label, *x, "input"), sy = Scale(label, *y, "output");
    const int32_t zx = ZeroPoint(label, *x, "input"), zy = ZeroPoint(label, *y, "output");
    PrepareInt8(p, sx, sy, zx, zy, *y);
  }

  // The operator's own parameters from the scales and zero points.
  virtual void PrepareInt8(PreparedOp& p, float sx, float sy, int32_t zx, int32_t zy, const Tensor& y) const = 0;
};

class Relu final : public ActivationUnit {
 public:
  Relu() : ActivationUnit(OpType::kRelu, "RELU", B::RELU) {}
  // TFLM's int8 RELU requantizes to the output's quantization, clamped at quantize(0).
  void PrepareInt8(PreparedOp& p, float sx, float sy, int32_t zx, int32_t zy, const Tensor&) const override {
    ts_requant_params& r = p.requant;
    r.input_zero_point = zx;
    r.output_zero_point = zy;
    Multiplier(p.label, static_cast<double>(sx) / static_cast<double>(sy), &r.multiplier, &r.shift, "output");
    r.act_min = std::max<int32_t>(-128, zy + static_cast<int32_t>(std::round(0.0f / sy)));
    r.act_max = 127;
    p.impl = Impl::kRequantize;
  }
  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    ts_requantize_s8(&p.requant, CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
  }
  std::string Emit(const EmitContext& e) const override { return EmitRequantize(e); }
};

class Relu6 final : public ActivationUnit {
 public:
  Relu6() : ActivationUnit(OpType::kRelu6, "RELU6", B::RELU6) {}
  // TFLM's int8 RELU6 clamps to [zero point, quantize(6)] in the input's quantization.
  void PrepareInt8(PreparedOp& p, float sx, float, int32_t zx, int32_t, const Tensor&) const override {
    const int32_t six = static_cast<int32_t>(std::round(6.0f / sx)) + zx;
    p.clamp_lo = static_cast<int8_t>(zx);
    p.clamp_hi = static_cast<int8_t>(std::clamp<int32_t>(six, -128, 127));
    p.impl = Impl::kClamp;
  }
  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    ts_clamp_s8(p.clamp_lo, p.clamp_hi, CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
  }
  std::string Emit(const EmitContext& e) const override {
    return "  ts_clamp_s8(" + std::to_string(static_cast<int>(e.p.clamp_lo)) + ", " +
           std::to_string(static_cast<int>(e.p.clamp_hi)) + ", " + e.in(0) + ", " + e.out() + ", " +
           std::to_string(e.channels()) + ", " + e.win() + ");\n";
  }
};

class Logistic final : public ActivationUnit {
 public:
  Logistic() : ActivationUnit(OpType::kLogistic, "LOGISTIC", B::LOGISTIC) {}
  void Validate(OpCheck& c) const override {
    c.NoOptions();
    ValidateUnaryInt8OrInt16(c);
  }
  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int pass) const override {
    const Tensor *x, *y;
    PrepareUnary(g, o, p, &x, &y);
    if (y->type != DType::kInt16) return ActivationUnit::Prepare(g, o, p, pass);
    PrepareSigmoidInt16(p, *x, *y, 0, &p.logistic);
  }
  void PrepareInt8(PreparedOp& p, float sx, float sy, int32_t zx, int32_t zy, const Tensor& y) const override {
    const std::string& label = p.label;
    if (zy != -128 || sy != 1.0f / 256)
      Fail(label, "int8 LOGISTIC needs output scale 1/256 and zero point -128 (output '" + y.name + "')");
    ts_logistic_params& l = p.logistic;
    const double real = static_cast<double>(sx) * static_cast<double>(1 << (31 - 4));
    int left_shift = 0;
    const double q = std::frexp(real, &left_shift);
    const double qf = std::round(q * static_cast<double>(1ll << 31));
    // TFLM casts this double to int32 directly; 2^31 (q rounding up to 1) wraps on x86.
    l.input_multiplier = qf >= 2147483648.0 ? std::numeric_limits<int32_t>::min() : static_cast<int32_t>(qf);
    l.input_left_shift = left_shift;
    if (left_shift > 30) Fail(label, "input scale too large");
    l.input_zero_point = zx;
    // CalculateInputRadius(4, left_shift, 31)
    const double max_input_rescaled =
        1.0 * ((1 << 4) - 1) * static_cast<double>(1ll << (31 - 4)) / std::ldexp(1.0, left_shift);
    l.input_range_radius = static_cast<int32_t>(std::floor(max_input_rescaled));
    p.impl = Impl::kLogistic;
  }
  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    (p.out_elem_bytes == 2 ? ts_logistic_s16 : ts_logistic_s8)(&p.logistic, CBuf(inputs[0]), Buf(out),
                                                               p.out_shape.c, KWin(win));
  }
  std::string Emit(const EmitContext& e) const override {
    const std::string params = EmitLogisticParams(e, e.p.logistic);
    return std::string("  ") + (e.p.out_elem_bytes == 2 ? "ts_logistic_s16" : "ts_logistic_s8") + "(&" + params + ", " + e.in(0) + ", " + e.out() + ", " + std::to_string(e.channels()) +
           ", " + e.win() + ");\n";
  }
};

class HardSwish final : public ActivationUnit {
 public:
  HardSwish() : ActivationUnit(OpType::kHardSwish, "HARD_SWISH", B::HARD_SWISH) {}
  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    return in.Empty(tflite::fb::BuiltinOptions::HardSwishOptions);
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Opts<std::monostate>(op);
    out.Set(tflite::fb::BuiltinOptions::HardSwishOptions, tflite::fb::CreateHardSwishOptions(out.b).Union());
  }
  void PrepareInt8(PreparedOp& p, float sx, float sy, int32_t zx, int32_t zy, const Tensor&) const override {
    const std::string& label = p.label;
    ts_hard_swish_params& h = p.hard_swish;
    h.input_zero_point = zx;
    h.output_zero_point = zy;
    const float hires_input_scale = (1.0f / 128.0f) * sx;
    const float reluish_scale = 3.0f / 32768.0f;
    auto down16 = [](int32_t m) -> int16_t {
      constexpr int32_t kRound = 1 << 15;
      if (m >= std::numeric_limits<int32_t>::max() - kRound) return 32767;
      return static_cast<int16_t>((m + kRound) >> 16);
    };
    int32_t m32 = 0;
    int shift = 0;
    QuantizeMultiplier(static_cast<double>(hires_input_scale / sy), &m32, &shift);
    h.output_multiplier_fixedpoint_int16 = down16(m32);
    h.output_multiplier_exponent = shift;
    if (shift > 0) Fail(label, "output scale too small relative to the input's (TFLM requires it)");
    QuantizeMultiplier(static_cast<double>(hires_input_scale / reluish_scale), &m32, &shift);
    h.reluish_multiplier_fixedpoint_int16 = down16(m32);
    h.reluish_multiplier_exponent = shift;
    if (shift > 15 || shift < -15) Fail(label, "input scale out of the supported range");
    p.impl = Impl::kHardSwish;
  }
  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    ts_hard_swish_s8(&p.hard_swish, CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
  }
  std::string Emit(const EmitContext& e) const override {
    const ts_hard_swish_params& c = e.p.hard_swish;
    const std::string params = e.w.Params(
        "ts_hard_swish_params",
        Init()
            .F("input_zero_point", c.input_zero_point).F("output_zero_point", c.output_zero_point)
            .F("reluish_multiplier_exponent", c.reluish_multiplier_exponent)
            .F("output_multiplier_exponent", c.output_multiplier_exponent)
            .F("reluish_multiplier_fixedpoint_int16", c.reluish_multiplier_fixedpoint_int16)
            .F("output_multiplier_fixedpoint_int16", c.output_multiplier_fixedpoint_int16)
            .str());
    return "  ts_hard_swish_s8(&" + params + ", " + e.in(0) + ", " + e.out() + ", " +
           std::to_string(e.channels()) + ", " + e.win() + ");\n";
  }
};

}  // namespace

const OpUnit& ReluUnit() {
  static const Relu u;
  return u;
}
const OpUnit& Relu6Unit() {
  static const Relu6 u;
  return u;
}
const OpUnit& LogisticUnit() {
  static const Logistic u;
  return u;
}
const OpUnit& HardSwishUnit() {
  static const HardSwish u;
  return u;
}

}  // namespace tessera::ops
