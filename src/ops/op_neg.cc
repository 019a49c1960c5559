// NEG (TFLM neg.cc): float32 only, as TFLM's Eval (its int8 case is not implemented: an int8
// NEG fails at validation, naming the tensor). Element-wise over any window, in place.
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/elementwise_unit.h"
#include "ops/prepare_util.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

class Neg final : public UnaryElementwiseUnit {
 public:
  Neg() : UnaryElementwiseUnit(OpType::kNeg, "NEG", static_cast<int32_t>(tflite::fb::BuiltinOperator::NEG)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override { return in.Empty(BuiltinOptions::NegOptions); }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Opts<std::monostate>(op);
    out.Set(BuiltinOptions::NegOptions, tflite::fb::CreateNegOptions(out.b).Union());
  }

  void Validate(OpCheck& c) const override {
    c.NoOptions();
    c.Arity(1, 1);
    const int in = c.In(0, "input"), out = c.Out();
    c.Activation(in, "input");
    if (c.T(in).type != DType::kFloat32)
      c.OpFail(c.Role("input", in) + " is " + DTypeName(c.T(in).type) +
               ", expected float32 (TFLM's NEG supports float32 only)");
    c.Type(out, "output", {DType::kFloat32});
    c.ExpectShape(c.T(in).shape);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const Tensor *x, *y;
    PrepareUnary(g, o, p, &x, &y);
    RequireType(p.label, *x, DType::kFloat32, "input");
    RequireType(p.label, *y, DType::kFloat32, "output");
    p.impl = Impl::kUnit;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    ts_neg_f32(CBuf(inputs[0]), Buf(out), p.out_shape.c, KWin(win));
  }

  std::string Emit(const EmitContext& e) const override {
    return EmitCall("ts_neg_f32", {e.in(0), e.out(), std::to_string(e.channels()), e.win()});
  }
};

}  // namespace

const OpUnit& NegUnit() {
  static const Neg u;
  return u;
}

}  // namespace tessera::ops
