// SOFTMAX (TFLM softmax.cc), int8 in, int8 out (scale 1/256, zero point -128) or int16 out
// (zero point -32768; TFLM checks no scale there: the arithmetic does not use it), and int16 in,
// int16 out (scale 1/32768 within TFLM's tolerance, zero point 0: SoftmaxInt16 with TFLM's exp
// and 1/(1+x) tables, computed here on the host and carried as constants of the step), over
// the last axis. Runs over its whole output; one access unit per row of the last axis.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

// The int16 path's parameters: the kernel's scalars and the two tables (pointers set at Run).
struct SoftmaxS16 {
  int32_t input_multiplier = 0, input_left_shift = 0;
  std::vector<int16_t> exp_lut, one_over_one_plus_x_lut;
};

// TFLM's Prepare requirement on an int16 SOFTMAX's output ("" when met): zero point 0 and a
// scale within 0.001 * 2^-15 of 2^-15 (TF_LITE_ENSURE_NEAR in float).
std::string Int16OutputProblem(const Tensor& y) {
  const int64_t zp = y.quant.zero_point.empty() ? 0 : y.quant.zero_point[0];
  const float s = y.quant.scale.size() == 1 ? y.quant.scale[0] : 0.0f;
  const float want = 1.f / 32768, tol = 0.001f * 1.f / 32768;
  const float delta = s > want ? s - want : want - s;
  if (zp != 0 || !(delta <= tol))
    return "int16 SOFTMAX needs output scale 1/32768 and zero point 0 (output '" + y.name + "' has scale " +
           std::to_string(s) + ", zero point " + std::to_string(zp) + ")";
  return "";
}

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
    c.Type(in, "input", {DType::kInt8, DType::kInt16});
    c.PerTensor(in, "input");
    if (c.T(in).type == DType::kInt16) {
      c.Type(out, "output", {DType::kInt16});
      c.PerTensor(out, "output");
      const std::string why = Int16OutputProblem(c.T(out));
      if (!why.empty()) c.OpFail(why);
    } else {
      c.Type(out, "output", {DType::kInt8, DType::kInt16});
      c.PerTensor(out, "output");
    }
    c.ExpectShape(c.T(in).shape);
  }

  OverlapRule Overlap() const override { return OverlapRule::kOverlap; }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& y = OutputTensor(g, label, o);
    if (x.type == DType::kInt16) return PrepareInt16(o, p, x, y);
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

  // TFLM's SoftmaxPrepare / CalculateSoftmaxParams for int16 input and output.
  static void PrepareInt16(const Operator& o, PreparedOp& p, const Tensor& x, const Tensor& y) {
    const std::string& label = p.label;
    RequireType(label, y, DType::kInt16, "output");
    RequireRank(label, x, 1, TS_MAX_DIMS, "input");
    if (x.shape != y.shape) Fail(label, "input and output shapes differ");
    ZeroPointInRange(label, x, "input");  // the arithmetic does not use it (differences to the maximum)
    Scale(label, y, "output");
    const std::string why = Int16OutputProblem(y);
    if (!why.empty()) Fail(label, why);
    SoftmaxS16& s = UnitParams<SoftmaxS16>(p);
    // input scale * beta / (10 / 65535): differences in [-65535, 0] map onto the table's [-10, 0].
    const double real = static_cast<double>(Scale(label, x, "input")) *
                        static_cast<double>(o.opts<SoftmaxOptions>().beta) / (10.0 / 65535.0);
    Multiplier(label, real, &s.input_multiplier, &s.input_left_shift, "input scaling");
    SoftmaxInt16Tables(&s.exp_lut, &s.one_over_one_plus_x_lut);
    p.softmax_depth = x.shape.back();
    p.softmax_rows = static_cast<int32_t>(x.num_elements() / p.softmax_depth);
    p.inputs = {o.inputs[0]};
    p.in_shape = AsNHWC(x.shape);
    p.kind = Kind::kWhole;
    p.impl = Impl::kUnit;
  }

  static ts_softmax_s16_params S16Params(const PreparedOp& p) {
    const SoftmaxS16& s = UnitParams<SoftmaxS16>(p);
    ts_softmax_s16_params k{};
    k.input_multiplier = s.input_multiplier;
    k.input_left_shift = s.input_left_shift;
    k.exp_lut = s.exp_lut.data();
    k.one_over_one_plus_x_lut = s.one_over_one_plus_x_lut.data();
    return k;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window,
           uint8_t* scratch, uint8_t*) const override {
    if (p.impl == Impl::kUnit) {
      const ts_softmax_s16_params k = S16Params(p);
      ts_softmax_s16(&k, reinterpret_cast<const int8_t*>(inputs[0].data), reinterpret_cast<int8_t*>(out.data),
                     p.softmax_rows, p.softmax_depth);
      return;
    }
    if (p.out_elem_bytes == 2) {
      ts_softmax_s8_s16(&p.softmax, reinterpret_cast<const int8_t*>(inputs[0].data),
                        reinterpret_cast<int8_t*>(out.data), p.softmax_rows, p.softmax_depth);
      return;
    }
    ts_softmax_s8(&p.softmax, reinterpret_cast<const int8_t*>(inputs[0].data), reinterpret_cast<int8_t*>(out.data),
                  p.softmax_rows, p.softmax_depth, reinterpret_cast<int8_t*>(scratch));
  }

  // The int16 outputs have no scratch path.
  int64_t ScratchBytes(const PreparedOp& p) const override { return p.out_elem_bytes == 2 ? 0 : p.softmax_depth; }

  std::string Emit(const EmitContext& e) const override {
    if (e.p.impl == Impl::kUnit) {
      const SoftmaxS16& s = UnitParams<SoftmaxS16>(e.p);
      const std::string exp_lut = e.w.ConstI16("softmax_exp_lut", s.exp_lut.data(), s.exp_lut.size());
      const std::string recip_lut =
          e.w.ConstI16("softmax_one_over_one_plus_x_lut", s.one_over_one_plus_x_lut.data(), s.one_over_one_plus_x_lut.size());
      const std::string params = e.w.Params("ts_softmax_s16_params", Init()
                                                                         .F("input_multiplier", s.input_multiplier)
                                                                         .F("input_left_shift", s.input_left_shift)
                                                                         .S("exp_lut", exp_lut)
                                                                         .S("one_over_one_plus_x_lut", recip_lut)
                                                                         .str());
      return "  ts_softmax_s16(&" + params + ", " + e.in_ptr(0) + ", " + e.out_ptr() + ", " +
             std::to_string(e.p.softmax_rows) + ", " + std::to_string(e.p.softmax_depth) + ");\n";
    }
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
