// FULLY_CONNECTED (TFLM fully_connected.cc): int8, per-tensor or per-channel weights,
// keep_num_dims; 16x8 (int16 activations with zero point 0, per-tensor int8 weights, an int64
// bias or none, as TFLM's int16 path). Runs over its whole output; one access unit per output row (batch).
#include <cstring>
#include <string>

#include "analysis/window_rules.h"
#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

// The int8 filter packed for ts_fully_connected_s8_packed (the bias and input offset folded
// in), when it packs; empty: the plain kernel with the tensor's filter and bias.
struct FcPacked {
  std::vector<int32_t> packed;
};

class FullyConnected final : public OpUnit {
 public:
  FullyConnected()
      : OpUnit(OpType::kFullyConnected, "FULLY_CONNECTED",
               static_cast<int32_t>(tflite::fb::BuiltinOperator::FULLY_CONNECTED)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    FullyConnectedOptions o;
    if (const auto* p = in.Table<tflite::fb::FullyConnectedOptions>(BuiltinOptions::FullyConnectedOptions)) {
      if (p->weights_format() != tflite::fb::FullyConnectedOptionsWeightsFormat::DEFAULT)
        in.Fail("weights_format " + std::to_string(static_cast<int>(p->weights_format())) +
                " is not supported (only DEFAULT)");
      o.activation = in.ReadActivation(p->fused_activation_function());
      o.keep_num_dims = p->keep_num_dims();
    }
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const auto& o = out.Opts<FullyConnectedOptions>(op);
    out.Set(BuiltinOptions::FullyConnectedOptions,
            tflite::fb::CreateFullyConnectedOptions(out.b, tflite::ToActivation(o.activation),
                                                    tflite::fb::FullyConnectedOptionsWeightsFormat::DEFAULT,
                                                    o.keep_num_dims, false)
                .Union());
  }

  void Validate(OpCheck& c) const override {
    c.Arity(2, 3);
    const bool keep_num_dims = c.Options<FullyConnectedOptions>("FullyConnectedOptions").keep_num_dims;
    const int in = c.In(operand::kInput, "input"), f = c.In(operand::kFilter, "filter"), out = c.Out();
    const bool s16 = c.T(in).type == DType::kInt16;
    if (s16) {  // 16x8 (TFLM's kTfLiteInt16 path)
      c.Type(in, "input", {DType::kInt16});
      c.PerTensor(in, "input");
      c.Type(out, "output", {DType::kInt16});
      c.PerTensor(out, "output");
    } else {
      c.IoInt8(in, out);
    }
    c.Const(f, "filter");
    c.Type(f, "filter", {DType::kInt8});
    c.Rank(f, "filter", 2);
    c.FilterQuant(f, 0);
    const int32_t units = c.T(f).shape[0], depth = c.T(f).shape[1];
    if (units < 1 || depth < 1) c.OpFail("filter " + c.TRef(f) + " has an empty shape " + ShapeStr(c.T(f).shape));
    if (s16) {
      if (c.T(f).quant.scale.size() > 1)
        c.OpFail("filter " + c.TRef(f) + " is quantized per channel; a 16x8 FULLY_CONNECTED takes a per-tensor "
                 "filter (TFLM's per-channel path is int8 only)");
      const int b = c.Opt(operand::kBias);
      if (b != kNoTensor) {
        c.Const(b, "bias");
        c.Type(b, "bias", {DType::kInt64});
        if (c.T(b).num_elements() != units)
          c.OpFail(c.Role("bias", b) + " has " + std::to_string(c.T(b).num_elements()) + " elements, expected " +
                   std::to_string(units));
      }
    } else {
      c.Bias(units);
    }
    const auto& is = c.T(in).shape;
    const int64_t n = c.T(in).num_elements();
    if (n % depth != 0)
      c.OpFail("input " + c.TRef(in) + " " + ShapeStr(is) + " has " + std::to_string(n) +
               " elements, not a multiple of the filter depth " + std::to_string(depth));
    if (keep_num_dims) {
      if (is.empty() || is.back() != depth)
        c.OpFail("keep_num_dims: input " + c.TRef(in) + " " + ShapeStr(is) +
                 " must end in the filter depth " + std::to_string(depth));
      std::vector<int32_t> want = is;
      want.back() = units;
      c.ExpectShape(want);
    } else {
      c.ExpectShape({static_cast<int32_t>(n / depth), units});
    }
  }

  int64_t Macs(const Graph& g, int op, const Window&) const override {
    const Tensor& f = InputOperand(g, op, operand::kFilter);
    if (f.shape.size() != 2) throw Error(OpLabel(g, op) + ": weights tensor '" + f.name + "' must have rank 2");
    const int64_t out = f.shape[0], in = f.shape[1];
    const Tensor& x = InputOperand(g, op, operand::kInput);
    const int64_t rows = in > 0 ? x.num_elements() / in : 0;
    return rows * in * out;
  }

  OverlapRule Overlap() const override { return OverlapRule::kOverlap; }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, operand::kInput, "input");
    const Tensor& w = OperandTensor(g, label, o, operand::kFilter, "filter");
    const Tensor& y = OutputTensor(g, label, o);
    const bool s16 = x.type == DType::kInt16;
    RequireType(label, x, s16 ? DType::kInt16 : DType::kInt8, "input");
    RequireType(label, w, DType::kInt8, "filter");
    RequireType(label, y, s16 ? DType::kInt16 : DType::kInt8, "output");
    RequireConst(label, w, "filter");
    RequireRank(label, w, 2, 2, "filter");
    RequireRank(label, x, 1, 4, "input");
    RequireRank(label, y, 1, 4, "output");
    const int32_t out_depth = w.shape[0], depth = w.shape[1];
    if (x.num_elements() % depth != 0)
      Fail(label, "input '" + x.name + "' has " + std::to_string(x.num_elements()) +
                      " elements, not a multiple of the filter's depth " + std::to_string(depth));
    const int64_t batches = x.num_elements() / depth;
    if (y.num_elements() != batches * out_depth)
      Fail(label, "output '" + y.name + "' has " + std::to_string(y.num_elements()) +
                      " elements, expected " + std::to_string(batches * out_depth));
    ts_fc_params& f = p.fc;
    f.batches = static_cast<int32_t>(batches);
    f.in_depth = depth;
    f.out_depth = out_depth;
    f.input_offset = -ZeroPoint(label, x, "input");
    f.output_offset = ZeroPoint(label, y, "output");
    const auto& wq = w.quant;
    if (wq.scale.empty()) Fail(label, "filter tensor '" + w.name + "' is not quantized");
    const bool per_channel = wq.scale.size() > 1;
    if (per_channel && static_cast<int32_t>(wq.scale.size()) != out_depth)
      Fail(label, "filter tensor '" + w.name + "' has " + std::to_string(wq.scale.size()) +
                      " scales, expected 1 or " + std::to_string(out_depth));
    if (per_channel && s16)
      Fail(label, "filter tensor '" + w.name + "' is quantized per channel; 16x8 takes a per-tensor filter");
    if (per_channel) {
      for (int64_t z : wq.zero_point)
        if (z != 0) Fail(label, "per-channel filter '" + w.name + "' must have zero points 0");
      f.filter_offset = 0;
    } else {
      f.filter_offset = -ZeroPoint(label, w, "filter");
    }
    f.per_channel = per_channel ? 1 : 0;
    const float in_scale = Scale(label, x, "input"), out_scale = Scale(label, y, "output");
    const size_t n = per_channel ? static_cast<size_t>(out_depth) : 1;
    p.multipliers.resize(n);
    p.shifts.resize(n);
    for (size_t i = 0; i < n; ++i)
      Multiplier(label,
                 static_cast<double>(in_scale) * static_cast<double>(wq.scale[i]) /
                     static_cast<double>(out_scale),
                 &p.multipliers[i], &p.shifts[i], "output");
    ActivationRange(label, o.opts<FullyConnectedOptions>().activation, y, &f.act_min, &f.act_max);
    if (s16) {
      // TFLM's 64-bit MultiplyByQuantizedMultiplier takes shifts in [-31, 7]
      if (p.shifts[0] < -31 || p.shifts[0] > 7)
        Fail(label, "requantization shift " + std::to_string(p.shifts[0]) + " is outside the 16x8 range [-31, 7]");
      if (o.inputs.size() > operand::kBias && o.inputs[operand::kBias] != kNoTensor) {
        const Tensor& b = OperandTensor(g, label, o, operand::kBias, "bias");
        RequireType(label, b, DType::kInt64, "bias");
        RequireConst(label, b, "bias");
        if (b.num_elements() != out_depth)
          Fail(label, "bias tensor '" + b.name + "' has " + std::to_string(b.num_elements()) +
                          " elements, expected " + std::to_string(out_depth));
        p.bias64.resize(static_cast<size_t>(out_depth));
        std::memcpy(p.bias64.data(), b.data.data(), static_cast<size_t>(out_depth) * 8);
      }
      p.in_elem_bytes = p.out_elem_bytes = 2;
    } else {
      p.bias = BiasVector(label, g, o, operand::kBias, out_depth);
    }
    p.filter = reinterpret_cast<const int8_t*>(w.data.data());
    if (!s16) {  // the packed filter (ts_fc_pack_s8 declines a filter offset or too large sums)
      std::vector<int32_t> packed(ts_fc_packed_words(&f));
      if (ts_fc_pack_s8(&f, p.filter, p.bias.empty() ? nullptr : p.bias.data(), packed.data()))
        UnitParams<FcPacked>(p).packed = std::move(packed);
    }
    p.inputs = {o.inputs[0]};
    p.in_shape = AsNHWC(x.shape);
    p.kind = Kind::kWhole;
    p.impl = Impl::kFullyConnected;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window,
           uint8_t* scratch, uint8_t*) const override {
    ts_fc_params f = p.fc;
    f.output_multiplier = p.multipliers.data();
    f.output_shift = p.shifts.data();
    if (p.out_elem_bytes == 2)
      ts_fully_connected_s16(&f, reinterpret_cast<const int8_t*>(inputs[0].data), p.filter,
                             p.bias64.empty() ? nullptr : p.bias64.data(), reinterpret_cast<int8_t*>(out.data),
                             reinterpret_cast<int8_t*>(scratch));
    else if (const std::vector<int32_t>* packed = Packed(p))
      ts_fully_connected_s8_packed(&f, reinterpret_cast<const int8_t*>(inputs[0].data), packed->data(),
                                   reinterpret_cast<int8_t*>(out.data), reinterpret_cast<int8_t*>(scratch));
    else
      ts_fully_connected_s8(&f, reinterpret_cast<const int8_t*>(inputs[0].data), p.filter,
                            p.bias.empty() ? nullptr : p.bias.data(), reinterpret_cast<int8_t*>(out.data),
                            reinterpret_cast<int8_t*>(scratch));
  }

  int64_t ScratchBytes(const PreparedOp& p) const override {
    return static_cast<int64_t>(p.fc.out_depth) * p.out_elem_bytes;
  }

  std::string Emit(const EmitContext& e) const override {
    const PreparedOp& p = e.p;
    const ts_fc_params& c = p.fc;
    const std::string mult = e.w.ConstI32("mult", p.multipliers.data(), p.multipliers.size());
    const std::string shift = e.w.ConstI32("shift", p.shifts.data(), p.shifts.size());
    const std::string params = e.w.Params(
        "ts_fc_params", Init()
                            .F("batches", c.batches).F("in_depth", c.in_depth).F("out_depth", c.out_depth)
                            .F("input_offset", c.input_offset).F("filter_offset", c.filter_offset)
                            .F("output_offset", c.output_offset)
                            .F("act_min", c.act_min).F("act_max", c.act_max)
                            .S("output_multiplier", mult).S("output_shift", shift)
                            .F("per_channel", c.per_channel)
                            .str());
    if (p.out_elem_bytes == 2)
      return "  ts_fully_connected_s16(&" + params + ", " + e.in_ptr(0) + ", " + e.filter() + ", " +
             (p.bias64.empty() ? std::string("NULL") : e.w.ConstI64("bias", p.bias64.data(), p.bias64.size())) +
             ", " + e.out_ptr() + ", " + e.scratch() + ");\n";
    if (const std::vector<int32_t>* packed = Packed(p))
      return "  ts_fully_connected_s8_packed(&" + params + ", " + e.in_ptr(0) + ", " +
             e.w.ConstI32("fc_packed", packed->data(), packed->size()) + ", " + e.out_ptr() + ", " + e.scratch() +
             ");\n";
    return "  ts_fully_connected_s8(&" + params + ", " + e.in_ptr(0) + ", " + e.filter() + ", " + e.bias() + ", " +
           e.out_ptr() + ", " + e.scratch() + ");\n";
  }

 private:
  static const std::vector<int32_t>* Packed(const PreparedOp& p) {
    if (!p.unit_params || p.out_elem_bytes != 1) return nullptr;
    const auto& v = UnitParams<FcPacked>(p).packed;
    return v.empty() ? nullptr : &v;
  }
};

}  // namespace

const OpUnit& FullyConnectedUnit() {
  static const FullyConnected u;
  return u;
}

}  // namespace tessera::ops
