// LEAKY_RELU, TANH (int8, int16), ABS, RSQRT and ELU, int8 (TFLM leaky_relu.cc, tanh.cc, elementwise.cc,
// elu.cc; the kernels' *_prepare compute TFLM's Prepare-time parameters). Element-wise over
// any window, in place.
#include <array>
#include <cmath>
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

struct UnaryQuant {
  float sx, sy;
  int32_t zx, zy;
};

// int8 in, int8 out of the same shape; the operator's own parameters from the scales and zero
// points (PrepareInt8, which fails naming the operator when TFLM's Prepare would).
class UnaryInt8Unit : public UnaryElementwiseUnit {
 public:
  UnaryInt8Unit(OpType t, const char* name, B b) : UnaryElementwiseUnit(t, name, static_cast<int32_t>(b)) {}

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
    const UnaryQuant q{Scale(label, *x, "input"), Scale(label, *y, "output"), ZeroPoint(label, *x, "input"),
                       ZeroPoint(label, *y, "output")};
    p.impl = Impl::kUnit;
    PrepareInt8(g, o, p, q, *y);
  }

  virtual void PrepareInt8(const Graph& g, const Operator& o, PreparedOp& p, const UnaryQuant& q,
                           const Tensor& y) const = 0;

 protected:
  // "  fn(&params, in, out, channels, win);\n"
  static std::string Call(const EmitContext& e, const char* fn, const std::string& params) {
    return EmitCall(fn, {"&" + params, e.in(0), e.out(), std::to_string(e.channels()), e.win()});
  }
};

class LeakyRelu final : public UnaryInt8Unit {
 public:
  LeakyRelu() : UnaryInt8Unit(OpType::kLeakyRelu, "LEAKY_RELU", B::LEAKY_RELU) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    LeakyReluOptions o;
    if (const auto* p = in.Table<tflite::fb::LeakyReluOptions>(BuiltinOptions::LeakyReluOptions)) o.alpha = p->alpha();
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Set(BuiltinOptions::LeakyReluOptions,
            tflite::fb::CreateLeakyReluOptions(out.b, out.Opts<LeakyReluOptions>(op).alpha).Union());
  }

  void Validate(OpCheck& c) const override {
    const float alpha = c.Options<LeakyReluOptions>("LeakyReluOptions").alpha;
    if (!std::isfinite(alpha)) c.OpFail("alpha " + std::to_string(alpha) + " is not finite");
    ValidateUnaryInt8(c);
  }

  void PrepareInt8(const Graph&, const Operator& o, PreparedOp& p, const UnaryQuant& q, const Tensor&) const override {
    const float alpha = o.opts<LeakyReluOptions>().alpha;
    if (ts_leaky_relu_s8_prepare(q.sx, q.zx, q.sy, q.zy, alpha, &UnitParams<ts_leaky_relu_params>(p)) != 0)
      Fail(p.label, "alpha " + std::to_string(alpha) + " and the scales give multipliers TFLM cannot represent");
  }
  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    ts_leaky_relu_s8(&UnitParams<ts_leaky_relu_params>(p), CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
  }
  std::string Emit(const EmitContext& e) const override {
    const ts_leaky_relu_params& c = UnitParams<ts_leaky_relu_params>(e.p);
    return Call(e, "ts_leaky_relu_s8",
                e.w.Params("ts_leaky_relu_params",
                           Init()
                               .F("input_zero_point", c.input_zero_point).F("output_zero_point", c.output_zero_point)
                               .F("multiplier_alpha", c.multiplier_alpha).F("shift_alpha", c.shift_alpha)
                               .F("multiplier_identity", c.multiplier_identity).F("shift_identity", c.shift_identity)
                               .str()));
  }
};

// TFLM's int8 TANH computes its output in Q0.7 whatever the output's quantization says:
// tessera requires the output to say so (scale 1/128, zero point 0, as TensorFlow Lite does).
class Tanh final : public UnaryInt8Unit {
 public:
  Tanh() : UnaryInt8Unit(OpType::kTanh, "TANH", B::TANH) {}
  void Validate(OpCheck& c) const override {
    c.NoOptions();
    ValidateUnaryInt8OrInt16(c);
  }
  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int pass) const override {
    const Tensor *x, *y;
    PrepareUnary(g, o, p, &x, &y);
    if (y->type != DType::kInt16) return UnaryInt8Unit::Prepare(g, o, p, pass);
    PrepareSigmoidInt16(p, *x, *y, 1, &UnitParams<ts_logistic_params>(p));
  }
  void PrepareInt8(const Graph&, const Operator&, PreparedOp& p, const UnaryQuant& q, const Tensor& y) const override {
    if (q.zy != 0 || q.sy != 1.0f / 128)
      Fail(p.label, "int8 TANH needs output scale 1/128 and zero point 0 (output '" + y.name + "')");
    if (ts_tanh_s8_prepare(q.sx, q.zx, &UnitParams<ts_logistic_params>(p)) != 0)
      Fail(p.label, "input scale out of the supported range");
  }
  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    (p.out_elem_bytes == 2 ? ts_tanh_s16 : ts_tanh_s8)(&UnitParams<ts_logistic_params>(p), CBuf(inputs[0]),
                                                       Buf(out), p.out_shape.c, KWin(win));
  }
  std::string Emit(const EmitContext& e) const override {
    return Call(e, e.p.out_elem_bytes == 2 ? "ts_tanh_s16" : "ts_tanh_s8",
                EmitLogisticParams(e, UnitParams<ts_logistic_params>(e.p)));
  }
};

class Abs final : public UnaryInt8Unit {
 public:
  Abs() : UnaryInt8Unit(OpType::kAbs, "ABS", B::ABS) {}
  OpOptions ReadOptions(const tflite::OptionsIn& in) const override { return in.Empty(BuiltinOptions::AbsOptions); }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Opts<std::monostate>(op);
    out.Set(BuiltinOptions::AbsOptions, tflite::fb::CreateAbsOptions(out.b).Union());
  }
  void PrepareInt8(const Graph&, const Operator&, PreparedOp& p, const UnaryQuant& q, const Tensor&) const override {
    if (ts_abs_s8_prepare(q.sx, q.zx, q.sy, q.zy, &UnitParams<ts_abs_params>(p)) != 0)
      Fail(p.label, "the scales give a multiplier TFLM cannot represent");
  }
  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    ts_abs_s8(&UnitParams<ts_abs_params>(p), CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
  }
  std::string Emit(const EmitContext& e) const override {
    const ts_abs_params& c = UnitParams<ts_abs_params>(e.p);
    return Call(e, "ts_abs_s8",
                e.w.Params("ts_abs_params", Init()
                                                .F("input_zero_point", c.input_zero_point)
                                                .F("output_zero_point", c.output_zero_point)
                                                .F("needs_rescale", c.needs_rescale)
                                                .F("multiplier", c.multiplier).F("shift", c.shift)
                                                .str()));
  }
};

// TFLM's RSQRT fails at run time on an input below its zero point (a negative real input):
// so do the executor (an Error naming the operator) and the generated code (invoke returns -1).
class Rsqrt final : public UnaryInt8Unit {
 public:
  Rsqrt() : UnaryInt8Unit(OpType::kRsqrt, "RSQRT", B::RSQRT) {}
  void PrepareInt8(const Graph&, const Operator&, PreparedOp& p, const UnaryQuant& q, const Tensor&) const override {
    if (ts_rsqrt_s8_prepare(q.sx, q.zx, q.sy, q.zy, &UnitParams<ts_rsqrt_params>(p)) != 0)
      Fail(p.label, "the scales give a multiplier TFLM cannot represent");
  }
  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    const int32_t negative =
        ts_rsqrt_s8(&UnitParams<ts_rsqrt_params>(p), CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
    if (negative != 0)
      Fail(p.label, std::to_string(negative) + " input element(s) of window " + WinStr(win) +
                        " are below the input's zero point (RSQRT of a negative value; TFLM fails too)");
  }
  std::string Emit(const EmitContext& e) const override {
    const ts_rsqrt_params& c = UnitParams<ts_rsqrt_params>(e.p);
    const std::string params = e.w.Params("ts_rsqrt_params", Init()
                                                                 .F("input_zero_point", c.input_zero_point)
                                                                 .F("output_zero_point", c.output_zero_point)
                                                                 .F("multiplier", c.multiplier).F("shift", c.shift)
                                                                 .str());
    std::string r = "  if (ts_rsqrt_s8(&";
    r += params;
    r += ", ";
    r += e.in(0);
    r += ", ";
    r += e.out();
    r += ", ";
    r += std::to_string(e.channels());
    r += ", ";
    r += e.win();
    r += ") != 0) return -1; /* RSQRT of a negative input */\n";
    return r;
  }
};

using EluTable = std::array<int8_t, 256>;

class Elu final : public UnaryInt8Unit {
 public:
  Elu() : UnaryInt8Unit(OpType::kElu, "ELU", B::ELU) {}
  void PrepareInt8(const Graph&, const Operator&, PreparedOp& p, const UnaryQuant& q, const Tensor&) const override {
    ts_elu_s8_table(q.sx, q.zx, q.sy, q.zy, UnitParams<EluTable>(p).data());
  }
  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    ts_lut_s8(UnitParams<EluTable>(p).data(), CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
  }
  std::string Emit(const EmitContext& e) const override {
    const EluTable& t = UnitParams<EluTable>(e.p);
    return EmitCall("ts_lut_s8", {e.w.ConstI8("elu_table", t.data(), t.size()), e.in(0), e.out(),
                                  std::to_string(e.channels()), e.win()});
  }
};

}  // namespace

const OpUnit& LeakyReluUnit() {
  static const LeakyRelu u;
  return u;
}
const OpUnit& TanhUnit() {
  static const Tanh u;
  return u;
}
const OpUnit& AbsUnit() {
  static const Abs u;
  return u;
}
const OpUnit& RsqrtUnit() {
  static const Rsqrt u;
  return u;
}
const OpUnit& EluUnit() {
  static const Elu u;
  return u;
}

}  // namespace tessera::ops
