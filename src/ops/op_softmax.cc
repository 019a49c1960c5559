// SOFTMAX (TFLM softmax.cc), int8 in, int8 out (scale 1/256, zero point -128) or int16 out
// (zero point -32768; TFLM checks no scale there: the arithmetic does not use it), over the last
// axis. Runs over its whole output; one access unit per row of the last axis.
#include <algorithm>
#include <cmath>
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

class Softmax final : public OpUnit {
 public:
  Softmax() : OpUnit(OpType::kSoftmax, "SOFTMAX", static_cast<int32_t>(tflite::fb::BuiltinOperator::SOFTMAX)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    SoftmaxOptions o;
    o.beta = 0.0f;  // the schema default when the table is absent
    if (const auto* p = in.Table<tflite::fb::SoftmaxOptions>(BuiltinOptions::SoftmaxOptions)) o.beta = p->beta();
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Set(BuiltinOptions::SoftmaxOptions,
            tflite::fb::CreateSoftmaxOptions(out.b, out.Opts<SoftmaxOptions>(op).beta).Union());
  }

  void Validate(OpCheck& c) const override {
    const float beta = c.Options<SoftmaxOptions>("SoftmaxOptions").beta;
    if (!std::isfinite(beta) || !(beta > 0.0f)) c.OpFail("beta is " + std::to_string(beta) + " (must be finite and > 0)");
    c.Arity(1, 1);
    const int in = c.In(0, "input"), out = c.Out();
    c.Activation(in, "input");
    c.QuantInt8(in, "input");
    c.Type(out, "output", {DType::kInt8, DType::kInt16});
    c.PerTensor(out, "output");
    c.ExpectShape(c.T(in).shape);
  }

  OverlapRule Overlap() const override { return OverlapRule::kOverlap; }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& y = OutputTensor(g, label, o);
    RequireType(label, x, DType::kInt8, "input");
    if (y.type != DType::kInt16) RequireType(label, y, DType::kInt8, "output");
    RequireRank(label, x, 1, TS_MAX_DIMS, "input");
    if (x.shape != y.shape) Fail(label, "input and output shapes differ");
    if (y.type == DType::kInt16) {
      if (ZeroPointInRange(label, y, "output") != -32768)
        Fail(label, "int8 -> int16 SOFTMAX needs output zero point -32768 (output '" + y.name + "')");
    } else if (ZeroPoint(label, y, "output") != -128 || Scale(label, y, "output") != 1.0f / 256) {
      Fail(label, "int8 SOFTMAX needs output scale 1/256 and zero point -128 (output '" + y.name + "')");
    }
    const double beta = o.opts<SoftmaxOptions>().beta;
    const double in_scale = Scale(label, x, "input");
    // PreprocessSoftmaxScaling(beta, input_scale, 5): Q5.26 input.
    const double real =
        std::min<double>(beta * in_scale * static_cast<double>(1 << (31 - 5)), static_cast<double>((1ll << 31) - 1));
    if (!(real > 1.0)) Fail(label, "beta * input scale is too small for TFLM's int8 softmax (needs > 2^-26)");
    int32_t m;
    int shift;
    QuantizeMultiplier(real, &m, &shift);
    ts_softmax_params& s = p.softmax;
    s.input_multiplier = m;
    s.input_left_shift = shift;
    // CalculateInputRadius(5, shift, 31)
    const double max_input_rescaled =
        1.0 * ((1 << 5) - 1) * static_cast<double>(1ll << (31 - 5)) / std::ldexp(1.0, shift);
    s.diff_min = -static_cast<int32_t>(std::floor(max_input_rescaled));
    p.softmax_depth = x.shape.back();
    p.softmax_rows = static_cast<int32_t>(x.num_elements() / p.softmax_depth);
    p.inputs = {o.inputs[0]};
    p.in_shape = AsNHWC(x.shape);
    p.kind = Kind::kWhole;
    p.impl = Impl::kSoftmax;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window,
           uint8_t* scratch, uint8_t*) const override {
    if (p.out_elem_bytes == 2) {
      ts_softmax_s8_s16(&p.softmax, reinterpret_cast<const int8_t*>(inputs[0].data),
                        reinterpret_cast<int8_t*>(out.data), p.softmax_rows, p.softmax_depth);
      return;
    }
    ts_softmax_s8(&p.softmax, reinterpret_cast<const int8_t*>(inputs[0].data), reinterpret_cast<int8_t*>(out.data),
                  p.softmax_rows, p.softmax_depth, reinterpret_cast<int8_t*>(scratch));
  }

  // The int16 output has no scratch path.
  int64_t ScratchBytes(const PreparedOp& p) const override { return p.out_elem_bytes == 2 ? 0 : p.softmax_depth; }

  std::string Emit(const EmitContext& e) const override {
    const ts_softmax_params& c = e.p.softmax;
    const std::string params = e.w.Params("ts_softmax_params", Init()
                                                                   .F("input_multiplier", c.input_multiplier)
                                                                   .F("input_left_shift", c.input_left_shift)
                                                                   .F("diff_min", c.diff_min)
                                                                   .str());
    if (e.p.out_elem_bytes == 2)
      return "  ts_softmax_s8_s16(&" + params + ", " + e.in_ptr(0) + ", " + e.out_ptr() + ", " +
             std::to_string(e.p.softmax_rows) + ", " + std::to_string(e.p.softmax_depth) + ");\n";
    return "  ts_softmax_s8(&" + params + ", " + e.in_ptr(0) + ", " + e.out_ptr() + ", " +
           std::to_string(e.p.softmax_rows) + ", " + std::to_string(e.p.softmax_depth) + ", " + e.scratch() +
           ");\n";
  }
};

}  // namespace

const OpUnit& SoftmaxUnit() {
  static const Softmax u;
  return u;
}

}  // namespace tessera::ops
