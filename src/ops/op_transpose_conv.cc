// TRANSPOSE_CONV (TFLM transpose_conv.cc): int8 (int32 bias) and 16x8 (int16 activations with
// zero point 0, int8 filter, int64 bias), per-channel filter quantization along dimension 0,
// SAME/VALID padding, no dilation, no fused activation (TFLM applies none). Operands: 0 the
// output shape (int32 [4]; TFLM ignores its values and uses the output tensor's shape: a
// constant one must equal it, an activation one is read by nobody), 1 the filter
// [out_c, kh, kw, in_c], 2 the data input, 3 the optional bias. Runs over its whole output (the
// kernel gathers from the whole input); no scratch (TFLM's accumulator scratch is not needed:
// each output element sums its products directly, the same integers).
#include <cstring>
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/conv_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

constexpr int kShapeOperand = 0, kFilterOperand = 1, kDataOperand = 2, kBiasOperand = 3;

struct TransposeConvParams {
  ts_conv_params conv{};
  int data_view = 0;         // index of the data input among PreparedOp::inputs
  std::vector<Window> whole;  // the whole extent of each of PreparedOp::inputs
};

class TransposeConv final : public OpUnit {
 public:
  TransposeConv()
      : OpUnit(OpType::kTransposeConv, "TRANSPOSE_CONV",
               static_cast<int32_t>(tflite::fb::BuiltinOperator::TRANSPOSE_CONV)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    TransposeConvOptions o;
    const auto* p = in.Table<tflite::fb::TransposeConvOptions>(BuiltinOptions::TransposeConvOptions);
    if (!p) {  // absent table: the schema defaults (strides 0, rejected by Validate)
      o.stride_h = o.stride_w = 0;
      return o;
    }
    o.padding = in.ReadPadding(p->padding());
    o.stride_h = p->stride_h();
    o.stride_w = p->stride_w();
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const auto& o = out.Opts<TransposeConvOptions>(op);
    out.Set(BuiltinOptions::TransposeConvOptions,
            tflite::fb::CreateTransposeConvOptions(out.b, tflite::ToPadding(o.padding), o.stride_w, o.stride_h)
                .Union());
  }

  void Validate(OpCheck& c) const override {
    const auto& o = c.Options<TransposeConvOptions>("TransposeConvOptions");
    c.Arity(3, 4);
    const int shape = c.In(kShapeOperand, "output shape"), f = c.In(kFilterOperand, "filter"),
              in = c.In(kDataOperand, "input"), out = c.Out();
    c.Type(shape, "output shape", {DType::kInt32});
    if (c.T(shape).shape != std::vector<int32_t>{4})
      c.OpFail(c.Role("output shape", shape) + " has shape " + ShapeStr(c.T(shape).shape) + ", expected [4]");
    c.Activation(in, "input");
    c.Type(in, "input", {DType::kInt8, DType::kInt16});
    const bool s16 = c.T(in).type == DType::kInt16;
    c.PerTensor(in, "input");
    c.Type(out, "output", {c.T(in).type});
    c.PerTensor(out, "output");
    c.Const(f, "filter");
    c.Type(f, "filter", {DType::kInt8});
    c.Rank(f, "filter", 4);
    c.Rank(in, "input", 4);
    c.Rank(out, "output", 4);
    c.Batch1(in, "input");
    c.FilterQuant(f, 0);
    c.Strides(o.stride_h, o.stride_w);
    const auto& fs = c.T(f).shape;
    const auto& is = c.T(in).shape;
    const auto& os = c.T(out).shape;
    if (fs[0] < 1 || fs[1] < 1 || fs[2] < 1) c.OpFail("filter " + c.TRef(f) + " has an empty shape " + ShapeStr(fs));
    if (fs[3] != is[3])
      c.OpFail("channel mismatch: input " + c.TRef(in) + " has " + std::to_string(is[3]) + " channels, filter " +
               c.TRef(f) + " " + ShapeStr(fs) + " expects " + std::to_string(fs[3]));
    if (os[0] != is[0] || os[3] != fs[0])
      c.OpFail("output " + c.TRef(out) + " has shape " + ShapeStr(os) + "; batch " + std::to_string(is[0]) +
               " and the filter's " + std::to_string(fs[0]) + " output channels expected");
    if (c.T(shape).is_const) {
      const auto v = c.Ints(shape, "output shape");
      for (size_t i = 0; i < 4; ++i)
        if (v[i] != os[i])
          c.OpFail(c.Role("output shape", shape) + " holds a shape other than the output's " + ShapeStr(os));
    }
    const int b = c.Opt(kBiasOperand);
    if (b != kNoTensor) {
      c.Const(b, "bias");
      c.Type(b, "bias", {s16 ? DType::kInt64 : DType::kInt32});
      if (c.T(b).num_elements() != fs[0])
        c.OpFail(c.Role("bias", b) + " has " + std::to_string(c.T(b).num_elements()) + " elements, expected " +
                 std::to_string(fs[0]) + " (one per output channel)");
    }
  }

  int64_t Macs(const Graph& g, int op, const Window&) const override {
    // every input pixel times the whole filter (TFLM's scatter); taps falling outside the output
    // included
    const Operator& o = g.ops[op];
    const Tensor& in = g.tensors[o.inputs[kDataOperand]];
    const Tensor& f = g.tensors[o.inputs[kFilterOperand]];
    if (in.shape.size() != 4 || f.shape.size() != 4) return 0;
    return static_cast<int64_t>(in.shape[1]) * in.shape[2] * f.shape[0] * f.shape[1] * f.shape[2] * f.shape[3];
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    if (o.inputs.size() < 3) Fail(label, "expected the output shape, filter and input operands");
    const Tensor& x = OperandTensor(g, label, o, kDataOperand, "input");
    const Tensor& w = OperandTensor(g, label, o, kFilterOperand, "filter");
    const Tensor& y = OutputTensor(g, label, o);
    const bool s16 = x.type == DType::kInt16;
    if (!s16) RequireType(label, x, DType::kInt8, "input");
    RequireType(label, y, x.type, "output");
    RequireType(label, w, DType::kInt8, "filter");
    RequireConst(label, w, "filter");
    RequireRank(label, x, 4, 4, "input");
    RequireRank(label, w, 4, 4, "filter");
    RequireRank(label, y, 4, 4, "output");
    const Shape4 xs = Nhwc(label, x, "input"), ys = Nhwc(label, y, "output");
    const auto& opt = o.opts<TransposeConvOptions>();
    if (opt.stride_h < 1 || opt.stride_w < 1 || opt.stride_h > 1024 || opt.stride_w > 1024)
      Fail(label, "strides must be in 1..1024");
    const int32_t oc = w.shape[0], kh = w.shape[1], kw = w.shape[2];
    if (w.shape[3] != xs.c || oc != ys.c)
      Fail(label, "filter tensor '" + w.name + "' of shape " + ShapeStr(w.shape) + " does not match input channels " +
                      std::to_string(xs.c) + " and output channels " + std::to_string(ys.c));
    auto params = std::make_shared<TransposeConvParams>();
    ts_conv_params& c = params->conv;
    c.in_h = xs.h, c.in_w = xs.w, c.in_c = xs.c;
    c.out_h = ys.h, c.out_w = ys.w, c.out_c = oc;
    c.filter_h = kh, c.filter_w = kw, c.filter_in_c = xs.c, c.depth_multiplier = 1;
    c.stride_h = opt.stride_h, c.stride_w = opt.stride_w;
    c.dilation_h = c.dilation_w = 1;
    // TFLM: ComputePaddingHeightWidth with the output's size as the "input" size
    c.pad_top = ConvPaddingBefore(opt.padding, ys.h, kh, opt.stride_h, 1,
                                  ConvOutputSize(opt.padding, ys.h, kh, opt.stride_h, 1));
    c.pad_left = ConvPaddingBefore(opt.padding, ys.w, kw, opt.stride_w, 1,
                                   ConvOutputSize(opt.padding, ys.w, kw, opt.stride_w, 1));
    const float in_scale = Scale(label, x, "input"), out_scale = Scale(label, y, "output");
    c.input_offset = -ZeroPoint(label, x, "input");
    c.output_offset = ZeroPoint(label, y, "output");
    ActivationRange(label, Activation::kNone, y, &c.act_min, &c.act_max);
    const std::vector<float> fs = FilterScales(label, w, oc);
    p.multipliers.resize(static_cast<size_t>(oc));
    p.shifts.resize(static_cast<size_t>(oc));
    for (int32_t i = 0; i < oc; ++i) {
      Multiplier(label, static_cast<double>(in_scale) * static_cast<double>(fs[i]) / static_cast<double>(out_scale),
                 &p.multipliers[i], &p.shifts[i], "output channel " + std::to_string(i));
      if (s16 && (p.shifts[i] < -31 || p.shifts[i] > 7))
        Fail(label, "output channel " + std::to_string(i) + " has requantization shift " + std::to_string(p.shifts[i]) +
                        ", outside the 16x8 range [-31, 7]");
    }
    if (o.inputs.size() > kBiasOperand && o.inputs[kBiasOperand] != kNoTensor) {
      const Tensor& b = OperandTensor(g, label, o, kBiasOperand, "bias");
      RequireConst(label, b, "bias");
      RequireType(label, b, s16 ? DType::kInt64 : DType::kInt32, "bias");
      if (b.num_elements() != oc)
        Fail(label, "bias tensor '" + b.name + "' has " + std::to_string(b.num_elements()) + " elements, expected " +
                        std::to_string(oc));
      if (s16) {
        p.bias64.resize(static_cast<size_t>(oc));
        std::memcpy(p.bias64.data(), b.data.data(), static_cast<size_t>(oc) * 8);
      } else {
        p.bias.resize(static_cast<size_t>(oc));
        std::memcpy(p.bias.data(), b.data.data(), static_cast<size_t>(oc) * 4);
      }
    }
    p.filter = reinterpret_cast<const int8_t*>(w.data.data());
    // every activation operand in operand order (an activation output shape too: read by nobody)
    p.inputs.clear();
    for (int k : {kShapeOperand, kDataOperand}) {
      const int t = o.inputs[k];
      if (!g.tensors[t].is_const) {
        if (k == kDataOperand) params->data_view = static_cast<int>(p.inputs.size());
        p.inputs.push_back(t);
        params->whole.push_back(FullOf(AsNHWC(g.tensors[t].shape)));
      }
    }
    p.in_shape = xs;
    p.in_elem_bytes = p.out_elem_bytes = s16 ? 2 : 1;
    p.kind = Kind::kWhole;
    p.impl = Impl::kUnit;
    p.unit_params = params;
  }

  Window RequiredInputWindow(const PreparedOp& p, int input, Window) const override {
    return UnitParams<TransposeConvParams>(p).whole.at(static_cast<size_t>(input));
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    const TransposeConvParams& t = UnitParams<TransposeConvParams>(p);
    ts_conv_params c = t.conv;
    c.output_multiplier = p.multipliers.data();
    c.output_shift = p.shifts.data();
    if (p.out_elem_bytes == 2)
      ts_transpose_conv_s16(&c, CBuf(inputs[t.data_view]), p.filter, p.bias64.empty() ? nullptr : p.bias64.data(),
                            Buf(out), KWin(win));
    else
      ts_transpose_conv_s8(&c, CBuf(inputs[t.data_view]), p.filter, p.bias.empty() ? nullptr : p.bias.data(),
                           Buf(out), KWin(win));
  }

  std::string Emit(const EmitContext& e) const override {
    const PreparedOp& p = e.p;
    const TransposeConvParams& t = UnitParams<TransposeConvParams>(p);
    const ts_conv_params& c = t.conv;
    const std::string params = EmitConvParams(e, c);
    const bool s16 = p.out_elem_bytes == 2;
    const std::string bias = s16 ? (p.bias64.empty() ? "NULL" : e.w.ConstI64("bias", p.bias64.data(), p.bias64.size()))
                                 : e.bias();
    return "  " + std::string(s16 ? "ts_transpose_conv_s16" : "ts_transpose_conv_s8") + "(&" + params + ", " +
           e.in(t.data_view) + ", " + e.filter() + ", " + bias + ",\n      " + e.out() + ", " + e.win() + ");\n";
  }
};

}  // namespace

const OpUnit& TransposeConvUnit() {
  static const TransposeConv u;
  return u;
}

}  // namespace tessera::ops
