// SVDF (TFLM svdf.cc / svdf_common.cc): a rank-r singular value decomposition filter over
// time. Operands: input [batch, input_size], weights_feature [num_filters, input_size],
// weights_time [num_filters, memory_size], optional bias [num_units], activation state
// [batch, num_filters * memory_size] (a variable tensor: state, updated in place every invoke,
// Plan::state), output [batch, num_units], num_filters = num_units * rank.
// Integer path (TFLM EvalIntegerSvdfReference): int8 input, weights_feature and output; int16
// weights_time and state, or int8 both; int32 bias. Float32 path (EvalFloatSvdfReference)
// with the fused activation. Runs over its whole output; no scratch (kernels.h ts_svdf_s8:
// each unit's rank filters are summed as they are computed, where TFLM keeps two int32
// scratch arrays).
#include <cmath>
#include <limits>
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

constexpr int kWeightsFeature = 1, kWeightsTime = 2, kBias = 3, kState = 4;

struct SvdfParams {
  ts_svdf_params k{};
  bool is_float = false;
  float act_min = -std::numeric_limits<float>::infinity(), act_max = std::numeric_limits<float>::infinity();
  int weights_feature = kNoTensor, weights_time = kNoTensor, bias = kNoTensor;
  const uint8_t* wf = nullptr;
  const uint8_t* wt = nullptr;
  const uint8_t* b = nullptr;
};

class Svdf final : public StatefulUnit {
 public:
  Svdf() : StatefulUnit(OpType::kSvdf, "SVDF", static_cast<int32_t>(tflite::fb::BuiltinOperator::SVDF)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    SvdfOptions o;
    if (const auto* p = in.Table<tflite::fb::SVDFOptions>(BuiltinOptions::SVDFOptions)) {
      o.rank = p->rank();
      o.activation = in.ReadActivation(p->fused_activation_function());
      o.asymmetric_quantize_inputs = p->asymmetric_quantize_inputs();
    }
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const auto& o = out.Opts<SvdfOptions>(op);
    out.Set(BuiltinOptions::SVDFOptions,
            tflite::fb::CreateSVDFOptions(out.b, o.rank, tflite::ToActivation(o.activation),
                                          o.asymmetric_quantize_inputs)
                .Union());
  }

  bool StateOperand(int operand) const override { return operand == kState; }

  void Validate(OpCheck& c) const override {
    c.Arity(5, 5);
    const SvdfOptions& o = c.Options<SvdfOptions>("SVDFOptions");
    const int in = c.In(0, "input"), wf = c.In(kWeightsFeature, "weights_feature"),
              wt = c.In(kWeightsTime, "weights_time"), st = c.In(kState, "activation_state"), out = c.Out();
    const int b = c.Opt(kBias);
    c.Activation(in, "input");
    c.Const(wf, "weights_feature");
    c.Const(wt, "weights_time");
    if (!c.T(st).is_variable) c.OpFail(c.Role("activation_state", st) + " must be a variable tensor (state)");
    c.Rank(in, "input", 2);
    c.Rank(wf, "weights_feature", 2);
    c.Rank(wt, "weights_time", 2);
    c.Rank(st, "activation_state", 2);
    const int32_t batch = c.T(in).shape[0], input_size = c.T(in).shape[1];
    const int32_t filters = c.T(wf).shape[0], memory = c.T(wt).shape[1];
    if (o.rank < 1) c.OpFail("rank must be >= 1, got " + std::to_string(o.rank));
    if (filters < 1 || filters % o.rank != 0)
      c.OpFail("weights_feature has " + std::to_string(filters) + " filters, not a positive multiple of rank " +
               std::to_string(o.rank));
    const int32_t units = filters / o.rank;
    if (c.T(wf).shape[1] != input_size)
      c.OpFail(c.Role("weights_feature", wf) + " " + ShapeStr(c.T(wf).shape) + " must be [filters, " +
               std::to_string(input_size) + "]");
    if (c.T(wt).shape[0] != filters || memory < 1)
      c.OpFail(c.Role("weights_time", wt) + " " + ShapeStr(c.T(wt).shape) + " must be [" + std::to_string(filters) +
               ", memory_size >= 1]");
    if (c.T(st).shape[0] != batch || int64_t{c.T(st).shape[1]} != int64_t{memory} * filters)
      c.OpFail(c.Role("activation_state", st) + " " + ShapeStr(c.T(st).shape) + " must be [" + std::to_string(batch) +
               ", " + std::to_string(int64_t{memory} * filters) + "]");
    if (b != kNoTensor) {
      c.Const(b, "bias");
      if (c.T(b).num_elements() != units)
        c.OpFail(c.Role("bias", b) + " has " + std::to_string(c.T(b).num_elements()) + " elements, expected " +
                 std::to_string(units));
    }
    const DType xt = c.T(in).type;
    if (xt == DType::kInt8) {
      // (TFLM's integer SVDF ignores the fused activation.)
      c.QuantInt8(in, "input");
      c.QuantInt8(wf, "weights_feature");
      c.QuantInt8(out, "output");
      c.Type(wt, "weights_time", {DType::kInt16, DType::kInt8});
      c.Type(st, "activation_state", {DType::kInt16, DType::kInt8});
      c.PerTensor(wt, "weights_time");
      c.PerTensor(st, "activation_state");
      if (c.T(wt).type != c.T(st).type)
        c.OpFail(c.Role("weights_time", wt) + " is " + DTypeName(c.T(wt).type) + " but " +
                 c.Role("activation_state", st) + " is " + DTypeName(c.T(st).type) + ": they must have one type");
      if (b != kNoTensor) c.Type(b, "bias", {DType::kInt32});
    } else if (xt == DType::kFloat32) {
      if (o.asymmetric_quantize_inputs) c.OpFail("hybrid (asymmetric_quantize_inputs) SVDF is not supported");
      for (int t : {wf, wt, st, out}) c.Type(t, "operand", {DType::kFloat32});
      if (b != kNoTensor) c.Type(b, "bias", {DType::kFloat32});
    } else {
      c.OpFail(c.Role("input", in) + " is " + DTypeName(xt) + ", expected int8 or float32");
    }
    c.ExpectShape({batch, units});
  }

  int64_t Macs(const Graph& g, int op, const Window&) const override {
    const Operator& o = g.ops[op];
    const auto& wf = g.tensors[o.inputs[kWeightsFeature]].shape;
    const auto& wt = g.tensors[o.inputs[kWeightsTime]].shape;
    const int64_t batch = g.tensors[o.inputs[0]].shape.at(0);
    return batch * (int64_t{wf.at(0)} * wf.at(1) + int64_t{wt.at(0)} * wt.at(1));
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    if (o.inputs.size() != 5) Fail(label, "expects 5 inputs");
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& wf = OperandTensor(g, label, o, kWeightsFeature, "weights_feature");
    const Tensor& wt = OperandTensor(g, label, o, kWeightsTime, "weights_time");
    const Tensor& st = OperandTensor(g, label, o, kState, "activation_state");
    const Tensor& y = OutputTensor(g, label, o);
    if (!st.is_variable) Fail(label, "activation_state '" + st.name + "' is not a variable tensor");
    RequireConst(label, wf, "weights_feature");
    RequireConst(label, wt, "weights_time");
    RequireRank(label, x, 2, 2, "input");
    RequireRank(label, wf, 2, 2, "weights_feature");
    RequireRank(label, wt, 2, 2, "weights_time");
    const SvdfOptions& opts = o.opts<SvdfOptions>();
    SvdfParams& q = UnitParams<SvdfParams>(p);
    ts_svdf_params& k = q.k;
    k.batch = x.shape[0];
    k.input_size = x.shape[1];
    k.num_filters = wf.shape[0];
    k.memory_size = wt.shape[1];
    k.rank = opts.rank;
    if (k.rank < 1 || k.num_filters % k.rank != 0) Fail(label, "rank does not divide the filters");
    k.num_units = k.num_filters / k.rank;
    if (y.num_elements() != int64_t{k.batch} * k.num_units) Fail(label, "output size differs from batch x units");
    q.weights_feature = o.inputs[kWeightsFeature];
    q.weights_time = o.inputs[kWeightsTime];
    q.bias = o.inputs[kBias];
    q.wf = wf.data.data();
    q.wt = wt.data.data();
    if (q.bias != kNoTensor) {
      const Tensor& b = OperandTensor(g, label, o, kBias, "bias");
      RequireConst(label, b, "bias");
      q.b = b.data.data();
    }
    if (x.type == DType::kFloat32) {
      q.is_float = true;
      k.state_bytes = 4;
      for (const Tensor* t : {&wf, &wt, &st, &y}) RequireType(label, *t, DType::kFloat32, "operand");
      switch (opts.activation) {
        case Activation::kNone: break;
        case Activation::kRelu: q.act_min = 0.0f; break;
        case Activation::kReluN1To1: q.act_min = -1.0f, q.act_max = 1.0f; break;
        case Activation::kRelu6: q.act_min = 0.0f, q.act_max = 6.0f; break;
      }
    } else {
      RequireType(label, x, DType::kInt8, "input");
      RequireType(label, wf, DType::kInt8, "weights_feature");
      RequireType(label, y, DType::kInt8, "output");
      if (wt.type != st.type || (st.type != DType::kInt16 && st.type != DType::kInt8))
        Fail(label, "weights_time and activation_state must both be int16 or both int8");
      k.state_bytes = DTypeSize(st.type);
      const float in_scale = Scale(label, x, "input"), wf_scale = Scale(label, wf, "weights_feature");
      const float st_scale = Scale(label, st, "activation_state"), wt_scale = Scale(label, wt, "weights_time");
      const float out_scale = Scale(label, y, "output");
      // TFLM's Prepare computes both effective scales in float, then widens them.
      const float s1 = in_scale * wf_scale / st_scale;
      const float s2 = st_scale * wt_scale / out_scale;
      if (q.bias != kNoTensor) {
        const Tensor& b = g.tensors[q.bias];
        RequireType(label, b, DType::kInt32, "bias");
        const float bs = Scale(label, b, "bias");
        if (!(std::abs(static_cast<double>(bs) - static_cast<double>(st_scale * wt_scale)) < 1e-5))
          Fail(label, "bias scale " + std::to_string(bs) + " is not activation_state scale x weights_time scale " +
                          std::to_string(st_scale * wt_scale) + " (TFLM requires them within 1e-5)");
      }
      Multiplier(label, static_cast<double>(s1), &k.multiplier1, &k.shift1, "feature");
      Multiplier(label, static_cast<double>(s2), &k.multiplier2, &k.shift2, "output");
      k.input_zero_point = ZeroPoint(label, x, "input");
      k.state_zero_point = ZeroPointInRange(label, st, "activation_state");
      k.output_zero_point = ZeroPoint(label, y, "output");
    }
    p.inputs = {o.inputs[0]};
    p.in_shape = AsNHWC(x.shape);
    p.in_elem_bytes = ElemBytes(x.type);
    p.kind = Kind::kWhole;
    p.impl = Impl::kUnit;
  }

  void RunState(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window, uint8_t*,
                uint8_t*, const std::vector<MutView>& state) const override {
    const SvdfParams& q = UnitParams<SvdfParams>(p);
    if (state.size() != 1) Fail(p.label, "needs one state view");
    if (q.is_float) {
      ts_svdf_f32(&q.k, reinterpret_cast<const float*>(inputs[0].data), reinterpret_cast<const float*>(q.wf),
                  reinterpret_cast<const float*>(q.wt), reinterpret_cast<const float*>(q.b),
                  reinterpret_cast<float*>(state[0].data), q.act_min, q.act_max, reinterpret_cast<float*>(out.data));
      return;
    }
    ts_svdf_s8(&q.k, reinterpret_cast<const int8_t*>(inputs[0].data), reinterpret_cast<const int8_t*>(q.wf), q.wt,
               reinterpret_cast<const int32_t*>(q.b), state[0].data, reinterpret_cast<int8_t*>(out.data));
  }

  std::string Emit(const EmitContext& e) const override {
    const SvdfParams& q = UnitParams<SvdfParams>(e.p);
    const ts_svdf_params& k = q.k;
    const std::string params = e.w.Params(
        "ts_svdf_params", Init()
                              .F("batch", k.batch).F("input_size", k.input_size).F("num_filters", k.num_filters)
                              .F("num_units", k.num_units).F("rank", k.rank).F("memory_size", k.memory_size)
                              .F("state_bytes", k.state_bytes).F("input_zero_point", k.input_zero_point)
                              .F("state_zero_point", k.state_zero_point).F("output_zero_point", k.output_zero_point)
                              .F("multiplier1", k.multiplier1).F("shift1", k.shift1)
                              .F("multiplier2", k.multiplier2).F("shift2", k.shift2)
                              .str());
    const std::string wf = e.w.ConstTensor(q.weights_feature), wt = e.w.ConstTensor(q.weights_time);
    const std::string b = q.bias == kNoTensor ? std::string("NULL") : e.w.ConstTensor(q.bias);
    if (q.is_float)
      return "  ts_svdf_f32(&" + params + ", (const float*)" + e.in_ptr(0) + ", " + wf + ", " + wt + ", " + b +
             ", (float*)" + e.state_ptr(0) + ", " + FloatLit(q.act_min) + ", " + FloatLit(q.act_max) + ", (float*)" +
             e.out_ptr() + ");\n";
    return "  ts_svdf_s8(&" + params + ", " + e.in_ptr(0) + ", " + wf + ", " + wt + ", " + b + ", " + e.state_ptr(0) +
           ", " + e.out_ptr() + ");\n";
  }

 private:
  static std::string FloatLit(float v) {
    if (std::isinf(v)) return v > 0 ? "INFINITY" : "-INFINITY";
    return DoubleLiteral(static_cast<double>(v)) + "f";
  }
};

}  // namespace

const OpUnit& SvdfUnit() {
  static const Svdf u;
  return u;
}

}  // namespace tessera::ops
