// LOG_SOFTMAX (TFLM log_softmax.cc) over the last axis: int8 (LogSoftmaxQuantized, output
// scale 16/256 and zero point 127 as TFLM requires) and float32 (reference LogSoftmax). Runs over its whole output; one access
// unit per row of the last axis, like SOFTMAX.
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

// TFLM's int8 Prepare requirement on the output (log_softmax.cc): "" when `y` meets it.
std::string OutputQuantProblem(const Tensor& y) {
  if (y.quant.scale.size() == 1 && y.quant.zero_point.size() == 1 && y.quant.scale[0] == 16.0f / 256 &&
      y.quant.zero_point[0] == 127)
    return "";
  return "int8 LOG_SOFTMAX needs output scale 16/256 and zero point 127 (output '" + y.name + "')";
}

class LogSoftmax final : public OpUnit {
 public:
  LogSoftmax()
      : OpUnit(OpType::kLogSoftmax, "LOG_SOFTMAX", static_cast<int32_t>(tflite::fb::BuiltinOperator::LOG_SOFTMAX)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override { return in.Empty(BuiltinOptions::LogSoftmaxOptions); }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Opts<std::monostate>(op);
    out.Set(BuiltinOptions::LogSoftmaxOptions, tflite::fb::CreateLogSoftmaxOptions(out.b).Union());
  }

  void Validate(OpCheck& c) const override {
    c.NoOptions();
    c.Arity(1, 1);
    const int in = c.In(0, "input"), out = c.Out();
    c.Activation(in, "input");
    c.Type(in, "input", {DType::kInt8, DType::kFloat32});
    c.SameType(in, out, "input", "output");
    if (c.T(in).type == DType::kInt8) {
      c.IoInt8(in, out);
      if (const std::string why = OutputQuantProblem(c.T(out)); !why.empty()) c.OpFail(why);
    }
    c.ExpectShape(c.T(in).shape);
  }

  OverlapRule Overlap() const override { return OverlapRule::kOverlap; }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& y = OutputTensor(g, label, o);
    RequireRank(label, x, 1, TS_MAX_DIMS, "input");
    if (x.shape != y.shape) Fail(label, "input and output shapes differ");
    p.softmax_depth = x.shape.back();
    p.softmax_rows = static_cast<int32_t>(x.num_elements() / p.softmax_depth);
    p.inputs = {o.inputs[0]};
    p.in_shape = AsNHWC(x.shape);
    p.kind = Kind::kWhole;
    p.impl = Impl::kUnit;
    if (x.type == DType::kFloat32) {
      RequireType(label, y, DType::kFloat32, "output");
      p.in_elem_bytes = p.out_elem_bytes = 4;
      return;  // no parameters: unit_params stays empty
    }
    RequireType(label, x, DType::kInt8, "input");
    RequireType(label, y, DType::kInt8, "output");
    if (const std::string why = OutputQuantProblem(y); !why.empty()) Fail(label, why);
    if (!ts_log_softmax_prepare(static_cast<double>(Scale(label, x, "input")), &UnitParams<ts_log_softmax_params>(p)))
      Fail(label, "input scale is too small for TFLM's int8 log softmax (needs > 2^-26)");
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window,
           uint8_t* scratch, uint8_t*) const override {
    if (!p.unit_params) {  // float32
      ts_log_softmax_f32(inputs[0].data, out.data, p.softmax_rows, p.softmax_depth);
      return;
    }
    ts_log_softmax_s8(&UnitParams<ts_log_softmax_params>(p), reinterpret_cast<const int8_t*>(inputs[0].data),
                      reinterpret_cast<int8_t*>(out.data), p.softmax_rows, p.softmax_depth,
                      reinterpret_cast<int8_t*>(scratch));
  }

  int64_t ScratchBytes(const PreparedOp& p) const override { return p.unit_params ? p.softmax_depth : 0; }

  std::string Emit(const EmitContext& e) const override {
    if (!e.p.unit_params)
      return EmitCall("ts_log_softmax_f32", {e.in_ptr(0), e.out_ptr(), std::to_string(e.p.softmax_rows),
                                             std::to_string(e.p.softmax_depth)});
    const ts_log_softmax_params& c = UnitParams<ts_log_softmax_params>(e.p);
    const std::string params =
        e.w.Params("ts_log_softmax_params", Init()
                                                .F("input_multiplier", c.input_multiplier)
                                                .F("input_left_shift", c.input_left_shift)
                                                .F("reverse_scaling_divisor", c.reverse_scaling_divisor)
                                                .F("reverse_scaling_right_shift", c.reverse_scaling_right_shift)
                                                .F("diff_min", c.diff_min)
                                                .str());
    return EmitCall("ts_log_softmax_s8", {"&" + params, e.in_ptr(0), e.out_ptr(), std::to_string(e.p.softmax_rows),
                                         std::to_string(e.p.softmax_depth), e.scratch()});
  }
};

}  // namespace

const OpUnit& LogSoftmaxUnit() {
  static const LogSoftmax u;
  return u;
}

}  // namespace tessera::ops
