// UNIDIRECTIONAL_SEQUENCE_LSTM (TFLM unidirectional_sequence_lstm.cc, lstm_eval_common.cc,
// lstm_eval.h): the standard LSTM TFLM runs (all four gates, no peephole, projection, layer
// norm or CIFG), 8x8->16 (int8 input/output/hidden state, int8 weights, int32 biases) and
// 16x8->16 (int16 activations, int64 biases), int16 cell state, batch-major or time-major.
// Operands as TFLite's 24 (lstm_shared.h): 0 input, 1-4 input-to-{input,forget,cell,output}
// weights, 5-8 recurrent-to-{...} weights, 9-11 peephole, 12-15 gate biases, 16-17
// projection, 18 output (hidden) state, 19 cell state, 20-23 layer norm coefficients.
// The two states (variable tensors) persist from one invoke to the next in the plan's state
// region and reach the kernel through RunState. Runs over its whole output; no scratch
// (ts_lstm computes the new hidden state into the step's output rows, see kernels.h).
#include <cmath>
#include <cstring>
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

constexpr int kInput = 0, kOutputState = 18, kCellState = 19, kNumOperands = 24;
constexpr int kTanhCode = 4;  // TFLite ActivationFunctionType TANH
// Operand of each gate's input weights, recurrent weights and bias, in ts_lstm's gate order
// (forget, input, cell, output).
constexpr int kInputWeights[4] = {2, 1, 3, 4};
constexpr int kRecurrentWeights[4] = {6, 5, 7, 8};
constexpr int kBias[4] = {13, 12, 14, 15};
const char* const kGateName[4] = {"forget", "input", "cell", "output"};

struct LstmParams {
  ts_lstm_params k{};
  std::vector<int32_t> bias32[4];
  std::vector<int64_t> bias64[4];
  int input_weights[4] = {}, recurrent_weights[4] = {};  // tensor indices
};

// TFLM's CheckedLog2: the rounded base-2 logarithm, in float.
int RoundedLog2(float x) {
  const float l = std::log(x) * (1.0f / std::log(2.0f));
  return static_cast<int>(std::round(l));
}

class UnidirectionalSequenceLstm final : public StatefulUnit {
 public:
  UnidirectionalSequenceLstm()
      : StatefulUnit(OpType::kUnidirectionalSequenceLstm, "UNIDIRECTIONAL_SEQUENCE_LSTM",
               static_cast<int32_t>(tflite::fb::BuiltinOperator::UNIDIRECTIONAL_SEQUENCE_LSTM)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    UnidirectionalSequenceLstmOptions o;
    if (const auto* p = in.Table<tflite::fb::UnidirectionalSequenceLSTMOptions>(
            BuiltinOptions::UnidirectionalSequenceLSTMOptions)) {
      o.activation = static_cast<int32_t>(p->fused_activation_function());
      o.cell_clip = p->cell_clip();
      o.proj_clip = p->proj_clip();
      o.time_major = p->time_major();
      o.asymmetric_quantize_inputs = p->asymmetric_quantize_inputs();
      o.diagonal_recurrent_tensors = p->diagonal_recurrent_tensors();
    }
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const auto& o = out.Opts<UnidirectionalSequenceLstmOptions>(op);
    out.Set(BuiltinOptions::UnidirectionalSequenceLSTMOptions,
            tflite::fb::CreateUnidirectionalSequenceLSTMOptions(
                out.b, static_cast<tflite::fb::ActivationFunctionType>(o.activation), o.cell_clip, o.proj_clip,
                o.time_major, o.asymmetric_quantize_inputs, o.diagonal_recurrent_tensors)
                .Union());
  }

  bool StateOperand(int operand) const override { return operand == kOutputState || operand == kCellState; }

  void Validate(OpCheck& c) const override {
    const auto& o = c.Options<UnidirectionalSequenceLstmOptions>("UnidirectionalSequenceLSTMOptions");
    c.Arity(kNumOperands, kNumOperands);
    const int in = c.In(kInput, "input"), out = c.Out();
    c.Activation(in, "input");
    c.Type(in, "input", {DType::kInt8, DType::kInt16});
    const bool s16 = c.T(in).type == DType::kInt16;
    c.PerTensor(in, "input");
    c.Rank(in, "input", 3);
    c.Type(out, "output", {c.T(in).type});
    c.PerTensor(out, "output");
    // variants TFLM's kernel does not run
    for (int k : {9, 10, 11})
      if (c.Opt(k) != kNoTensor) c.OpFail("peephole weights (input " + std::to_string(k) + ") are not supported");
    for (int k : {16, 17})
      if (c.Opt(k) != kNoTensor) c.OpFail("projection (input " + std::to_string(k) + ") is not supported");
    for (int k : {20, 21, 22, 23})
      if (c.Opt(k) != kNoTensor)
        c.OpFail("layer norm coefficients (input " + std::to_string(k) + ") are not supported");
    if (c.Opt(1) == kNoTensor || c.Opt(5) == kNoTensor)
      c.OpFail("CIFG (no input gate: input 1 or 5 absent) is not supported");
    if (o.activation != kTanhCode)
      c.OpFail("cell gate activation " + std::to_string(o.activation) + " is not supported (only TANH)");
    if (!(o.cell_clip >= 0.0f)) c.OpFail("cell_clip must be >= 0");
    const auto& is = c.T(in).shape;
    const int32_t n_input = is[2];
    const int hs = c.In(kOutputState, "output state"), cs = c.In(kCellState, "cell state");
    const int w0 = c.In(2, "input-to-forget weights");
    c.Rank(w0, "input-to-forget weights", 2);
    const int32_t n_state = c.T(w0).shape[0];
    if (n_state < 1 || n_input < 1 || is[0] < 1 || is[1] < 1)
      c.OpFail("input " + c.TRef(in) + " " + ShapeStr(is) + " or weights " + c.TRef(w0) + " " +
               ShapeStr(c.T(w0).shape) + " have an empty dimension");
    for (int g = 0; g < 4; ++g) {
      const std::string gate = kGateName[g];
      const std::string wi_role = "input-to-" + gate + " weights", wr_role = "recurrent-to-" + gate + " weights",
                        b_role = gate + " gate bias";
      const int wi = c.In(kInputWeights[g], wi_role.c_str()), wr = c.In(kRecurrentWeights[g], wr_role.c_str()),
                b = c.In(kBias[g], b_role.c_str());
      for (auto [t, role, cols] : {std::tuple{wi, wi_role, n_input}, std::tuple{wr, wr_role, n_state}}) {
        c.Const(t, role.c_str());
        c.Type(t, role.c_str(), {DType::kInt8});
        c.PerTensor(t, role.c_str());
        if (c.T(t).shape != std::vector<int32_t>{n_state, cols})
          c.OpFail(c.Role(role.c_str(), t) + " has shape " + ShapeStr(c.T(t).shape) + ", expected " +
                   ShapeStr({n_state, cols}));
      }
      c.Const(b, b_role.c_str());
      c.Type(b, b_role.c_str(), {s16 ? DType::kInt64 : DType::kInt32});
      if (c.T(b).shape != std::vector<int32_t>{n_state})
        c.OpFail(c.Role(b_role.c_str(), b) + " has shape " + ShapeStr(c.T(b).shape) + ", expected " +
                 ShapeStr({n_state}));
    }
    const int32_t batches = o.time_major ? is[1] : is[0];
    if (!c.T(hs).is_variable) c.OpFail(c.Role("output state", hs) + " must be a variable tensor (is_variable)");
    if (!c.T(cs).is_variable) c.OpFail(c.Role("cell state", cs) + " must be a variable tensor (is_variable)");
    c.Type(hs, "output state", {c.T(in).type});
    c.PerTensor(hs, "output state");
    c.Type(cs, "cell state", {DType::kInt16});
    c.PerTensor(cs, "cell state");
    for (int t : {hs, cs})
      if (c.T(t).num_elements() != int64_t{batches} * n_state)
        c.OpFail((t == hs ? c.Role("output state", t) : c.Role("cell state", t)) + " has " +
                 std::to_string(c.T(t).num_elements()) + " elements, expected batch x state = " +
                 std::to_string(int64_t{batches} * n_state));
    if (!(c.T(cs).quant.scale[0] > 0.0f)) c.OpFail(c.Role("cell state", cs) + " needs a positive scale");
    c.ExpectShape({is[0], is[1], n_state});
  }

  int64_t Macs(const Graph& g, int op, const Window&) const override {
    const Operator& o = g.ops[op];
    const Tensor& x = g.tensors[o.inputs[kInput]];
    const Tensor& w = g.tensors[o.inputs[2]];
    if (x.shape.size() != 3 || w.shape.size() != 2) return 0;
    const int64_t steps = int64_t{x.shape[0]} * x.shape[1];
    return steps * 4 * w.shape[0] * (int64_t{x.shape[2]} + w.shape[0]);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    if (o.inputs.size() != kNumOperands) Fail(label, "expected 24 operands");
    const Tensor& x = OperandTensor(g, label, o, kInput, "input");
    const Tensor& y = OutputTensor(g, label, o);
    const Tensor& h = OperandTensor(g, label, o, kOutputState, "output state");
    const Tensor& cs = OperandTensor(g, label, o, kCellState, "cell state");
    const bool s16 = x.type == DType::kInt16;
    if (!s16) RequireType(label, x, DType::kInt8, "input");
    RequireType(label, y, x.type, "output");
    RequireType(label, h, x.type, "output state");
    RequireType(label, cs, DType::kInt16, "cell state");
    RequireRank(label, x, 3, 3, "input");
    const auto& opt = o.opts<UnidirectionalSequenceLstmOptions>();
    auto params = std::make_shared<LstmParams>();
    ts_lstm_params& k = params->k;
    const Tensor& w0 = OperandTensor(g, label, o, 2, "input-to-forget weights");
    RequireRank(label, w0, 2, 2, "input-to-forget weights");
    k.time_major = opt.time_major ? 1 : 0;
    k.batches = opt.time_major ? x.shape[1] : x.shape[0];
    k.time_steps = opt.time_major ? x.shape[0] : x.shape[1];
    k.n_input = x.shape[2];
    k.n_state = w0.shape[0];
    k.s16 = s16 ? 1 : 0;
    const int32_t zp_in = ZeroPoint(label, x, "input"), zp_h = ZeroPoint(label, h, "output state");
    k.input_offset = -zp_in;
    k.hidden_offset = -zp_h;
    k.hidden_zero_point = zp_h;
    k.cell_gate_sigmoid = 0;
    const float in_scale = Scale(label, x, "input"), h_scale = Scale(label, h, "output state");
    const float c_scale = Scale(label, cs, "cell state");
    const float gate_scale = 0.000244140625f;  // 2^-12: the gates' FC outputs, Q3.12
    for (int gi = 0; gi < 4; ++gi) {
      const std::string gate = kGateName[gi];
      const Tensor& wi = OperandTensor(g, label, o, kInputWeights[gi], "input weights");
      const Tensor& wr = OperandTensor(g, label, o, kRecurrentWeights[gi], "recurrent weights");
      const Tensor& b = OperandTensor(g, label, o, kBias[gi], "bias");
      for (const Tensor* t : {&wi, &wr}) {
        RequireType(label, *t, DType::kInt8, "weights");
        RequireConst(label, *t, "weights");
      }
      RequireConst(label, b, "bias");
      if (wi.num_elements() != int64_t{k.n_state} * k.n_input || wr.num_elements() != int64_t{k.n_state} * k.n_state ||
          b.num_elements() != k.n_state)
        Fail(label, gate + " gate weights or bias have the wrong size");
      ts_lstm_gate& q = k.gate[gi];
      q.input_filter_offset = -ZeroPoint(label, wi, "input weights");
      q.recurrent_filter_offset = -ZeroPoint(label, wr, "recurrent weights");
      // TFLM's GetQuantizedConvolutionMultipler: the scale product in float, then double
      const float wi_scale = Scale(label, wi, "input weights"), wr_scale = Scale(label, wr, "recurrent weights");
      Multiplier(label, static_cast<double>(in_scale * wi_scale) / static_cast<double>(gate_scale),
                 &q.input_multiplier, &q.input_shift, gate + " gate input");
      Multiplier(label, static_cast<double>(h_scale * wr_scale) / static_cast<double>(gate_scale),
                 &q.recurrent_multiplier, &q.recurrent_shift, gate + " gate recurrent");
      if (s16)
        for (int32_t sh : {q.input_shift, q.recurrent_shift})
          if (sh < -31 || sh > 7)
            Fail(label, gate + " gate has requantization shift " + std::to_string(sh) +
                            ", outside the 16x8 range [-31, 7]");
      if (s16) {
        RequireType(label, b, DType::kInt64, "bias");
        params->bias64[gi].resize(static_cast<size_t>(k.n_state));
        std::memcpy(params->bias64[gi].data(), b.data.data(), static_cast<size_t>(k.n_state) * 8);
      } else {
        RequireType(label, b, DType::kInt32, "bias");
        params->bias32[gi].resize(static_cast<size_t>(k.n_state));
        std::memcpy(params->bias32[gi].data(), b.data.data(), static_cast<size_t>(k.n_state) * 4);
      }
      q.input_weights = reinterpret_cast<const int8_t*>(wi.data.data());  // into the Graph's constants
      q.recurrent_weights = reinterpret_cast<const int8_t*>(wr.data.data());
      params->input_weights[gi] = o.inputs[kInputWeights[gi]];
      params->recurrent_weights[gi] = o.inputs[kRecurrentWeights[gi]];
    }
    // CreateInterGateMulParams: products of the gates' Q0.15 outputs (2^-15) in double
    const double q15 = 0.000030517578125;
    Multiplier(label, q15 * static_cast<double>(c_scale) / static_cast<double>(c_scale), &k.forget_multiplier,
               &k.forget_shift, "forget x cell");
    Multiplier(label, q15 * q15 / static_cast<double>(c_scale), &k.input_multiplier, &k.input_shift,
               "input x cell gate");
    Multiplier(label, q15 * q15 / static_cast<double>(h_scale), &k.hidden_multiplier, &k.hidden_shift,
               "hidden state");
    // CreateLstmCellStateInfo and lstm_internal::Tanh
    const int power = RoundedLog2(c_scale);
    int32_t shift = 15 + power - 3, mult = 0;
    if (shift < 0) {
      shift = -shift;
      mult = 3;
    }
    if (shift > 15) Fail(label, "cell state scale 2^" + std::to_string(power) + " is not supported");
    k.cell_tanh_multiplier = mult;
    k.cell_tanh_shift = shift;
    k.cell_clip = -1;  // TFLM clips when the float cell_clip is above 0
    if (opt.cell_clip > 0.0f)
      k.cell_clip = static_cast<int16_t>(std::min(
          std::max(static_cast<double>(opt.cell_clip) / static_cast<double>(c_scale), -32768.0), 32767.0));
    p.inputs = {o.inputs[kInput]};
    p.in_shape = AsNHWC(x.shape);
    p.in_elem_bytes = p.out_elem_bytes = s16 ? 2 : 1;
    p.kind = Kind::kWhole;
    p.impl = Impl::kUnit;
    p.unit_params = params;
  }

  void RunState(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window, uint8_t*,
                uint8_t*, const std::vector<MutView>& state) const override {
    const LstmParams& q = UnitParams<LstmParams>(p);
    if (state.size() != 2) Fail(p.label, "needs its output state and cell state (two state views)");
    ts_lstm_params k = q.k;
    for (int gi = 0; gi < 4; ++gi) {
      k.gate[gi].bias32 = q.bias32[gi].empty() ? nullptr : q.bias32[gi].data();
      k.gate[gi].bias64 = q.bias64[gi].empty() ? nullptr : q.bias64[gi].data();
    }
    ts_lstm(&k, reinterpret_cast<const int8_t*>(inputs.at(0).data), reinterpret_cast<int8_t*>(out.data),
            reinterpret_cast<int8_t*>(state[0].data), reinterpret_cast<int8_t*>(state[1].data));
  }

  std::string Emit(const EmitContext& e) const override {
    const PreparedOp& p = e.p;
    const LstmParams& q = UnitParams<LstmParams>(p);
    const ts_lstm_params& k = q.k;
    std::string gates = "{";
    for (int gi = 0; gi < 4; ++gi) {
      const ts_lstm_gate& g = k.gate[gi];
      const std::string b32 = q.bias32[gi].empty() ? "NULL" : e.w.ConstI32("bias", q.bias32[gi].data(), q.bias32[gi].size());
      const std::string b64 = q.bias64[gi].empty() ? "NULL" : e.w.ConstI64("bias", q.bias64[gi].data(), q.bias64[gi].size());
      gates += (gi ? ", " : "") + Init()
                                      .S("input_weights", "(const int8_t*)" + e.w.ConstTensor(q.input_weights[gi]))
                                      .S("recurrent_weights", "(const int8_t*)" + e.w.ConstTensor(q.recurrent_weights[gi]))
                                      .S("bias32", b32).S("bias64", b64)
                                      .F("input_filter_offset", g.input_filter_offset)
                                      .F("recurrent_filter_offset", g.recurrent_filter_offset)
                                      .F("input_multiplier", g.input_multiplier).F("input_shift", g.input_shift)
                                      .F("recurrent_multiplier", g.recurrent_multiplier)
                                      .F("recurrent_shift", g.recurrent_shift)
                                      .str();
    }
    gates += "}";
    const std::string params = e.w.Params(
        "ts_lstm_params", Init()
                              .F("batches", k.batches).F("time_steps", k.time_steps).F("n_input", k.n_input)
                              .F("n_state", k.n_state).F("time_major", k.time_major).F("s16", k.s16)
                              .F("input_offset", k.input_offset).F("hidden_offset", k.hidden_offset)
                              .F("hidden_zero_point", k.hidden_zero_point).F("cell_gate_sigmoid", k.cell_gate_sigmoid)
                              .S("gate", gates)
                              .F("forget_multiplier", k.forget_multiplier).F("forget_shift", k.forget_shift)
                              .F("input_multiplier", k.input_multiplier).F("input_shift", k.input_shift)
                              .F("hidden_multiplier", k.hidden_multiplier).F("hidden_shift", k.hidden_shift)
                              .F("cell_tanh_multiplier", k.cell_tanh_multiplier).F("cell_tanh_shift", k.cell_tanh_shift)
                              .F("cell_clip", k.cell_clip)
                              .str());
    return EmitCall("ts_lstm", {"&" + params, e.in_ptr(0), e.out_ptr(), e.state_ptr(0), e.state_ptr(1)});
  }

};

}  // namespace

const OpUnit& UnidirectionalSequenceLstmUnit() {
  static const UnidirectionalSequenceLstm u;
  return u;
}

}  // namespace tessera::ops
