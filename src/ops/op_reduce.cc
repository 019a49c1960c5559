// The reductions over constant axes, keep_dims either way (TFLM reduce.cc): MEAN
// (EvalIntegerMean, requantizing), SUM (EvalSum, requantizing without 1/count), REDUCE_MAX and
// REDUCE_MIN (int8, input and output sharing
// their quantization). Each runs over its whole output: reads all of its input, then writes all
// of its output.
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

// Operands, int8 quantization and the reduced shape (TFLite's ReducerOptions: keep_dims).
void ValidateReducer(OpCheck& c) {
  c.Arity(2, 2);
  const bool keep = c.Options<MeanOptions>("MeanOptions").keep_dims;
  const int in = c.In(0, "input"), ax = c.In(1, "axis"), out = c.Out();
  c.IoInt8(in, out);
  const auto& is = c.T(in).shape;
  const int r = static_cast<int>(is.size());
  if (c.T(ax).shape.size() > 1) c.OpFail(c.Role("axis", ax) + " must be a scalar or 1-D");
  std::vector<char> reduce(r, 0);
  for (int64_t a : c.Ints(ax, "axis")) {
    if (a < -r || a >= r) c.OpFail("axis " + std::to_string(a) + " is out of range for input rank " + std::to_string(r));
    reduce[(a + r) % r] = 1;
  }
  std::vector<int32_t> want;
  for (int d = 0; d < r; ++d) {
    if (!reduce[d]) want.push_back(is[d]);
    else if (keep) want.push_back(1);
  }
  c.ExpectShape(want);
}

// TFLM's int8 REDUCE_MAX / REDUCE_MIN do not rescale (reduce.cc Prepare): "" when input `x` and
// output `y` share their quantization.
std::string SameQuantProblem(const char* name, const Tensor& x, const Tensor& y) {
  if (x.quant.scale == y.quant.scale && x.quant.zero_point == y.quant.zero_point) return "";
  return "input '" + x.name + "' and output '" + y.name + "' must share scale and zero point (TFLM's int8 " + name +
         " does not rescale)";
}

// The reduced axes of input x (rank, dims, reduce[] as the kernels take them), checking that
// output y has the kept elements.
void ReducedAxes(const std::string& label, const Tensor& x, const Tensor& ax, const Tensor& y, int32_t* rank,
                 int32_t* dims, int32_t* reduce) {
  RequireRank(label, x, 1, TS_MAX_DIMS, "input");
  const int r = static_cast<int>(x.shape.size());
  *rank = r;
  for (int i = 0; i < r; ++i) dims[i] = x.shape[i];
  for (int64_t a : ConstInts(label, ax, "axes")) {
    const int64_t d = a < 0 ? a + r : a;
    if (d < 0 || d >= r)
      Fail(label, "axis " + std::to_string(a) + " is out of range for input '" + x.name + "' of rank " +
                      std::to_string(r));
    reduce[d] = 1;
  }
  int64_t kept = 1;
  for (int i = 0; i < r; ++i)
    if (!reduce[i]) kept *= dims[i];
  if (y.num_elements() != kept)
    Fail(label, "output '" + y.name + "' has " + std::to_string(y.num_elements()) + " elements, the reduction gives " +
                    std::to_string(kept));
}

std::string MeanParams(const EmitContext& e, const ts_mean_params& c) {
  return e.w.Params("ts_mean_params", Init()
                                          .F("rank", c.rank)
                                          .S("dims", Array(c.dims, TS_MAX_DIMS))
                                          .S("reduce", Array(c.reduce, TS_MAX_DIMS))
                                          .F("requantize", c.requantize)
                                          .F("input_zero_point", c.input_zero_point)
                                          .F("output_zero_point", c.output_zero_point)
                                          .F("multiplier", c.multiplier).F("shift", c.shift)
                                          .str());
}

class ReducerUnit : public OpUnit {
 public:
  using OpUnit::OpUnit;

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    MeanOptions o;
    if (const auto* p = in.Table<tflite::fb::ReducerOptions>(BuiltinOptions::ReducerOptions)) o.keep_dims = p->keep_dims();
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Set(BuiltinOptions::ReducerOptions,
            tflite::fb::CreateReducerOptions(out.b, out.Opts<MeanOptions>(op).keep_dims).Union());
  }

  void Validate(OpCheck& c) const override { ValidateReducer(c); }
};

class Mean final : public ReducerUnit {
 public:
  Mean() : ReducerUnit(OpType::kMean, "MEAN", static_cast<int32_t>(tflite::fb::BuiltinOperator::MEAN)) {}

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& ax = OperandTensor(g, label, o, 1, "axes");
    const Tensor& y = OutputTensor(g, label, o);
    RequireType(label, x, DType::kInt8, "input");
    RequireType(label, y, DType::kInt8, "output");
    ts_mean_params& m = p.mean;
    ReducedAxes(label, x, ax, y, &m.rank, m.dims, m.reduce);
    const float sx = Scale(label, x, "input"), sy = Scale(label, y, "output");
    m.input_zero_point = ZeroPoint(label, x, "input");
    m.output_zero_point = ZeroPoint(label, y, "output");
    // TFLM's EvalIntegerMean always takes the requantizing path (QuantizedMeanOrSum), even
    // when input and output share quantization.
    m.requantize = 1;
    int32_t s = 0;
    Multiplier(label, static_cast<double>(sx) / static_cast<double>(sy), &m.multiplier, &s, "output");
    m.shift = s;
    p.inputs = {o.inputs[0]};
    p.in_shape = AsNHWC(x.shape);
    p.kind = Kind::kWhole;
    p.impl = Impl::kMean;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window,
           uint8_t* scratch, uint8_t*) const override {
    ts_mean_s8(&p.mean, reinterpret_cast<const int8_t*>(inputs[0].data), reinterpret_cast<int8_t*>(out.data),
               reinterpret_cast<int8_t*>(scratch));
  }

  int64_t ScratchBytes(const PreparedOp& p) const override {
    return static_cast<int64_t>(ts_mean_s8_scratch_bytes(&p.mean));
  }

  std::string Emit(const EmitContext& e) const override {
    const std::string params = MeanParams(e, e.p.mean);
    return "  ts_mean_s8(&" + params + ", " + e.in_ptr(0) + ", " + e.out_ptr() + ", " + e.scratch() + ");\n";
  }
};

// SUM: ts_mean_params as MEAN, the multiplier input_scale / output_scale (ts_sum_s8_prepare).
class Sum final : public ReducerUnit {
 public:
  Sum() : ReducerUnit(OpType::kSum, "SUM", static_cast<int32_t>(tflite::fb::BuiltinOperator::SUM)) {}

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& ax = OperandTensor(g, label, o, 1, "axes");
    const Tensor& y = OutputTensor(g, label, o);
    RequireType(label, x, DType::kInt8, "input");
    RequireType(label, y, DType::kInt8, "output");
    ts_mean_params& m = UnitParams<ts_mean_params>(p);
    if (ts_sum_s8_prepare(Scale(label, x, "input"), ZeroPoint(label, x, "input"), Scale(label, y, "output"),
                          ZeroPoint(label, y, "output"), &m) != 0)
      Fail(label, "the scales give a multiplier TFLM cannot represent");
    ReducedAxes(label, x, ax, y, &m.rank, m.dims, m.reduce);
    p.inputs = {o.inputs[0]};
    p.in_shape = AsNHWC(x.shape);
    p.kind = Kind::kWhole;
    p.impl = Impl::kUnit;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window,
           uint8_t* scratch, uint8_t*) const override {
    ts_sum_s8(&UnitParams<ts_mean_params>(p), reinterpret_cast<const int8_t*>(inputs[0].data),
              reinterpret_cast<int8_t*>(out.data), reinterpret_cast<int8_t*>(scratch));
  }

  int64_t ScratchBytes(const PreparedOp& p) const override {
    return static_cast<int64_t>(ts_sum_s8_scratch_bytes(&UnitParams<ts_mean_params>(p)));
  }

  std::string Emit(const EmitContext& e) const override {
    const std::string params = MeanParams(e, UnitParams<ts_mean_params>(e.p));
    return EmitCall("ts_sum_s8", {"&" + params, e.in_ptr(0), e.out_ptr(), e.scratch()});
  }
};

// REDUCE_MAX / REDUCE_MIN: no rescaling (TFLM requires equal input and output quantization).
class ReduceMinMax final : public ReducerUnit {
 public:
  ReduceMinMax(OpType t, const char* name, tflite::fb::BuiltinOperator b, bool max)
      : ReducerUnit(t, name, static_cast<int32_t>(b)), max_(max) {}

  void Validate(OpCheck& c) const override {
    ValidateReducer(c);
    const std::string why = SameQuantProblem(name(), c.T(c.In(0, "input")), c.T(c.Out()));
    if (!why.empty()) c.OpFail(why);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& ax = OperandTensor(g, label, o, 1, "axes");
    const Tensor& y = OutputTensor(g, label, o);
    RequireType(label, x, DType::kInt8, "input");
    RequireType(label, y, DType::kInt8, "output");
    (void)Scale(label, x, "input");  // per-tensor quantization, or Fail
    (void)Scale(label, y, "output");
    if (const std::string why = SameQuantProblem(name(), x, y); !why.empty()) Fail(label, why);
    ts_reduce_params& m = UnitParams<ts_reduce_params>(p);
    ReducedAxes(label, x, ax, y, &m.rank, m.dims, m.reduce);
    p.inputs = {o.inputs[0]};
    p.in_shape = AsNHWC(x.shape);
    p.kind = Kind::kWhole;
    p.impl = Impl::kUnit;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window,
           uint8_t* scratch, uint8_t*) const override {
    const ts_reduce_params& m = UnitParams<ts_reduce_params>(p);
    const auto* in = reinterpret_cast<const int8_t*>(inputs[0].data);
    auto* o = reinterpret_cast<int8_t*>(out.data);
    if (max_)
      ts_reduce_max_s8(&m, in, o, reinterpret_cast<int8_t*>(scratch));
    else
      ts_reduce_min_s8(&m, in, o, reinterpret_cast<int8_t*>(scratch));
  }

  int64_t ScratchBytes(const PreparedOp& p) const override {
    return static_cast<int64_t>(ts_reduce_s8_scratch_bytes(&UnitParams<ts_reduce_params>(p)));
  }

  std::string Emit(const EmitContext& e) const override {
    const ts_reduce_params& c = UnitParams<ts_reduce_params>(e.p);
    const std::string params = e.w.Params("ts_reduce_params", Init()
                                                                  .F("rank", c.rank)
                                                                  .S("dims", Array(c.dims, TS_MAX_DIMS))
                                                                  .S("reduce", Array(c.reduce, TS_MAX_DIMS))
                                                                  .str());
    return EmitCall(max_ ? "ts_reduce_max_s8" : "ts_reduce_min_s8", {"&" + params, e.in_ptr(0), e.out_ptr(), e.scratch()});
  }

 private:
  bool max_;
};

}  // namespace

const OpUnit& MeanUnit() {
  static const Mean u;
  return u;
}
const OpUnit& SumUnit() {
  static const Sum u;
  return u;
}
const OpUnit& ReduceMaxUnit() {
  static const ReduceMinMax u(OpType::kReduceMax, "REDUCE_MAX", tflite::fb::BuiltinOperator::REDUCE_MAX, true);
  return u;
}
const OpUnit& ReduceMinUnit() {
  static const ReduceMinMax u(OpType::kReduceMin, "REDUCE_MIN", tflite::fb::BuiltinOperator::REDUCE_MIN, false);
  return u;
}

}  // namespace tessera::ops
