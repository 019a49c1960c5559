// CONV_2D and DEPTHWISE_CONV_2D (TFLM conv.cc / depthwise_conv.cc): int8 with per-channel
// filter quantization, and 16x8 (int16 activations, int8 filter; CONV_2D with an int64 or int32
// bias or none, DEPTHWISE_CONV_2D with an int64 bias or none, as TFLM reads them), any stride,
// dilation and SAME/VALID padding, a PAD folded in when
// CanFusePad allows. Spatial: any output window from the input rows and columns it reads.
// A batch above 1 (between SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND, Keras' dilated
// convolutions): a whole-tensor step, the kernel run over each image in turn (windows and
// overlapping buffers are batch-1 notions in tessera's plans).
#include <algorithm>
#include <cstring>
#include <string>

#include "analysis/window_rules.h"
#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/conv_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

// CONV_2D channels whose filter weights are all zero and whose parameters are unusual (a
// multiplier of at most 2^30, a shift outside [-24, -1] or |bias| of 2^29 or more) get the
// canonical requantization (ConstantChannelBias in ops.h): the same output bytes.
void CanonicalizeConstantChannels(PreparedOp& p) {
  const ts_conv_params& c = p.conv;
  const int64_t per_channel = static_cast<int64_t>(c.filter_h) * c.filter_w * c.filter_in_c;
  for (int32_t ch = 0; ch < c.out_c; ++ch) {
    const int8_t* f = p.filter + ch * per_channel;
    if (std::any_of(f, f + per_channel, [](int8_t v) { return v != 0; })) continue;
    const int32_t bias = p.bias.empty() ? 0 : p.bias[ch];
    if (p.multipliers[ch] > (1 << 30) && p.shifts[ch] >= -24 && p.shifts[ch] <= -1 && bias > -(1 << 29) &&
        bias < (1 << 29))
      continue;  // already usual parameters: left as TFLM prepares them
    int32_t b = 0;
    if (!ConstantChannelBias(bias, p.multipliers[ch], p.shifts[ch],
                             c.output_offset, c.act_min, c.act_max, &b))
      continue;
    if (!p.bias.empty()) p.bias[ch] = b;
    p.multipliers[ch] = kConstantMultiplier;
    p.shifts[ch] = kConstantShift;
    ++p.constant_channels;
  }
}

// The geometry both options types share.
struct ConvGeometry {
  Padding padding;
  int32_t sh, sw, dh, dw;
  Activation act;
};

class ConvLikeUnit : public OpUnit {
 public:
  ConvLikeUnit(OpType t, const char* name, tflite::fb::BuiltinOperator b, bool depthwise)
      : OpUnit(t, name, static_cast<int32_t>(b)), depthwise_(depthwise) {}

  virtual ConvGeometry Geometry(const Operator& o) const = 0;

  void Validate(OpCheck& c) const override {
    c.Arity(2, 3);
    const int in = c.In(operand::kInput, "input"), f = c.In(operand::kFilter, "filter"), out = c.Out();
    const bool s16 = c.T(in).type == DType::kInt16;
    if (s16) {  // 16x8: int16 activations (TFLM conv.cc's / depthwise_conv.cc's kTfLiteInt16 path)
      c.Type(in, "input", {DType::kInt16});
      c.PerTensor(in, "input");
      c.Type(out, "output", {DType::kInt16});
      c.PerTensor(out, "output");
    } else {
      c.IoInt8(in, out);
    }
    c.Rank(in, "input", 4);
    if (c.T(in).shape[0] < 1 || c.T(in).shape[0] > (1 << 16))
      c.OpFail(c.Role("input", in) + " has batch " + std::to_string(c.T(in).shape[0]) + ", expected 1 to 65536");
    c.Const(f, "filter");
    c.Type(f, "filter", {DType::kInt8});
    c.Rank(f, "filter", 4);
    const auto& is = c.T(in).shape;
    const auto& fs = c.T(f).shape;
    int32_t cout;
    if (!depthwise_) {
      c.Options<Conv2DOptions>("Conv2DOptions");
      cout = fs[0];
      if (fs[3] != is[3])
        c.OpFail("channel mismatch: input " + c.TRef(in) + " has " + std::to_string(is[3]) +
                 " channels, filter " + c.TRef(f) + " " + ShapeStr(fs) + " expects " + std::to_string(fs[3]));
      c.FilterQuant(f, 0);
    } else {
      const auto& o = c.Options<DepthwiseConv2DOptions>("DepthwiseConv2DOptions");
      cout = fs[3];
      if (fs[0] != 1) c.OpFail("filter " + c.TRef(f) + " has shape " + ShapeStr(fs) + ", expected [1,kh,kw,c]");
      if (o.depth_multiplier < 1 || static_cast<int64_t>(is[3]) * o.depth_multiplier != cout)
        c.OpFail("channel mismatch: input " + c.TRef(in) + " has " + std::to_string(is[3]) +
                 " channels and depth_multiplier is " + std::to_string(o.depth_multiplier) +
                 ", but filter " + c.TRef(f) + " " + ShapeStr(fs) + " has " + std::to_string(cout) +
                 " output channels");
      c.FilterQuant(f, 3);
    }
    const ConvGeometry geo = Geometry(c.op());
    c.Strides(geo.sh, geo.sw);
    c.Dilations(geo.dh, geo.dw);
    if (fs[1] < 1 || fs[2] < 1 || cout < 1) c.OpFail("filter " + c.TRef(f) + " has an empty shape " + ShapeStr(fs));
    c.Extent("dilated filter height", fs[1], geo.dh);
    c.Extent("dilated filter width", fs[2], geo.dw);
    if (s16) {
      const int b = c.Opt(operand::kBias);
      if (b != kNoTensor) {
        c.Const(b, "bias");
        // TFLM's depthwise int16 path reads an int64 bias only
        if (depthwise_)
          c.Type(b, "bias", {DType::kInt64});
        else
          c.Type(b, "bias", {DType::kInt64, DType::kInt32});
        if (c.T(b).num_elements() != cout)
          c.OpFail(c.Role("bias", b) + " has " + std::to_string(c.T(b).num_elements()) + " elements, expected " +
                   std::to_string(cout) + " (one per output channel)");
      }
    } else {
      c.Bias(cout);
    }
    const int32_t oh = c.SpatialOut(geo.padding, is[1], fs[1], geo.sh, geo.dh, "height");
    const int32_t ow = c.SpatialOut(geo.padding, is[2], fs[2], geo.sw, geo.dw, "width");
    c.ExpectShape({is[0], oh, ow, cout});
  }

  bool Windowable(const Graph& g, int op) const override { return Batch(g, op) == 1; }

  Window InputWindow(const WindowQuery& q) const override {
    if (q.operand != operand::kInput) return q.Full();
    int32_t kh, kw;
    FilterSize(q.g, q.op, &kh, &kw);
    const ConvGeometry geo = Geometry(q.o());
    return StridedInputWindow(q.g, q.op, q.in, q.out, q.out_win, kh, kw, geo.sh, geo.sw, geo.dh, geo.dw,
                              geo.padding);
  }

  int64_t Macs(const Graph& g, int op, const Window& win) const override {
    const Tensor& f = InputOperand(g, op, operand::kFilter);
    if (f.shape.size() != 4) throw Error(OpLabel(g, op) + ": filter tensor '" + f.name + "' must have rank 4");
    const int64_t pixels = static_cast<int64_t>(win.h()) * win.w() * Batch(g, op);
    const int64_t kh = f.shape[1], kw = f.shape[2];
    if (!depthwise_) return pixels * f.shape[0] * kh * kw * f.shape[3];
    return pixels * f.shape[3] * kh * kw;
  }

  OverlapRule Overlap() const override { return depthwise_ ? OverlapRule::kInPlace : OverlapRule::kOverlap; }
  OverlapRule OverlapOf(const Graph& g, int op) const override {
    return Batch(g, op) == 1 ? Overlap() : OverlapRule::kNone;
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int fused_pad) const override {
    const std::string& label = p.label;
    const bool depthwise = depthwise_;
    const Tensor& x = OperandTensor(g, label, o, operand::kInput, "input");
    const Tensor& w = OperandTensor(g, label, o, operand::kFilter, "filter");
    const Tensor& y = OutputTensor(g, label, o);
    const bool s16 = x.type == DType::kInt16;
    const DType act_type = s16 ? DType::kInt16 : DType::kInt8;
    RequireType(label, x, act_type, "input");
    RequireType(label, w, DType::kInt8, "filter");
    RequireType(label, y, act_type, "output");
    RequireConst(label, w, "filter");
    RequireRank(label, x, 4, 4, "input");
    RequireRank(label, w, 4, 4, "filter");
    RequireRank(label, y, 4, 4, "output");
    const Shape4 xs = AsNHWC(x.shape);
    const Shape4 ys = AsNHWC(y.shape);
    if (xs.n < 1 || ys.n != xs.n)
      Fail(label, "output '" + y.name + "' has batch " + std::to_string(ys.n) + ", the input '" + x.name + "' " +
                      std::to_string(xs.n));
    if (xs.n != 1 && fused_pad >= 0) Fail(label, "a PAD is folded only into a convolution of batch 1");

    const ConvGeometry geo = Geometry(o);
    const Padding padding = geo.padding;
    const int32_t sh = geo.sh, sw = geo.sw, dh = geo.dh, dw = geo.dw;
    if (sh < 1 || sw < 1 || dh < 1 || dw < 1 || sh > 1024 || sw > 1024 || dh > 1024 || dw > 1024)
      Fail(label, "strides and dilations must be in 1..1024");

    const int32_t kh = w.shape[1], kw = w.shape[2];
    int32_t oc;
    ts_conv_params& c = p.conv;
    if (depthwise) {
      if (w.shape[0] != 1)
        Fail(label, "filter tensor '" + w.name + "' has shape " + ShapeStr(w.shape) +
                        ", expected [1,kh,kw,out_channels]");
      oc = w.shape[3];
      if (oc != ys.c || oc % xs.c != 0)
        Fail(label, "filter tensor '" + w.name + "' has " + std::to_string(oc) +
                        " output channels; expected the output's " + std::to_string(ys.c) +
                        ", a multiple of the input's " + std::to_string(xs.c));
      c.depth_multiplier = oc / xs.c;
      c.filter_in_c = 1;
    } else {
      oc = w.shape[0];
      const int32_t fic = w.shape[3];
      if (oc != ys.c)
        Fail(label, "filter tensor '" + w.name + "' has " + std::to_string(oc) +
                        " output channels, the output '" + y.name + "' has " + std::to_string(ys.c));
      if (xs.c % fic != 0 || oc % (xs.c / fic) != 0)
        Fail(label, "filter tensor '" + w.name + "' has " + std::to_string(fic) +
                        " input channels, which does not divide the input's " +
                        std::to_string(xs.c) + " into groups");
      c.filter_in_c = fic;
      c.depth_multiplier = 1;
    }
    const int32_t exp_h = ConvOutputSize(padding, xs.h, kh, sh, dh);
    const int32_t exp_w = ConvOutputSize(padding, xs.w, kw, sw, dw);
    if (exp_h != ys.h || exp_w != ys.w)
      Fail(label, "output '" + y.name + "' is " + std::to_string(ys.h) + "x" + std::to_string(ys.w) +
                      ", the input and filter give " + std::to_string(exp_h) + "x" +
                      std::to_string(exp_w));
    c.in_h = xs.h;
    c.in_w = xs.w;
    c.in_c = xs.c;
    c.out_h = ys.h;
    c.out_w = ys.w;
    c.out_c = oc;
    c.filter_h = kh;
    c.filter_w = kw;
    c.stride_h = sh;
    c.stride_w = sw;
    c.dilation_h = dh;
    c.dilation_w = dw;
    c.pad_top = ConvPaddingBefore(padding, xs.h, kh, sh, dh, ys.h);
    c.pad_left = ConvPaddingBefore(padding, xs.w, kw, sw, dw, ys.w);

    const float in_scale = Scale(label, x, "input");
    const float out_scale = Scale(label, y, "output");
    c.input_offset = -ZeroPoint(label, x, "input");
    c.output_offset = ZeroPoint(label, y, "output");
    ActivationRange(label, geo.act, y, &c.act_min, &c.act_max);
    const std::vector<float> fs = FilterScales(label, w, oc);
    p.multipliers.resize(oc);
    p.shifts.resize(oc);
    for (int32_t i = 0; i < oc; ++i)
      Multiplier(label,
                 static_cast<double>(in_scale) * static_cast<double>(fs[i]) /
                     static_cast<double>(out_scale),
                 &p.multipliers[i], &p.shifts[i], "output channel " + std::to_string(i));
    const bool bias64 = s16 && o.inputs.size() > operand::kBias && o.inputs[operand::kBias] != kNoTensor &&
                        g.tensors[o.inputs[operand::kBias]].type == DType::kInt64;
    if (bias64) {
      const Tensor& b = OperandTensor(g, label, o, operand::kBias, "bias");
      RequireConst(label, b, "bias");
      if (b.num_elements() != oc)
        Fail(label, "bias tensor '" + b.name + "' has " + std::to_string(b.num_elements()) + " elements, expected " +
                        std::to_string(oc));
      p.bias64.resize(static_cast<size_t>(oc));
      std::memcpy(p.bias64.data(), b.data.data(), static_cast<size_t>(oc) * 8);
    } else if (s16 && depthwise && o.inputs.size() > operand::kBias && o.inputs[operand::kBias] != kNoTensor) {
      const Tensor& b = OperandTensor(g, label, o, operand::kBias, "bias");
      Fail(label, "bias tensor '" + b.name + "' is " + DTypeName(b.type) + ", expected int64 (16x8 depthwise)");
    } else {
      p.bias = BiasVector(label, g, o, operand::kBias, oc);
    }
    p.filter = reinterpret_cast<const int8_t*>(w.data.data());
    if (!depthwise && !s16) CanonicalizeConstantChannels(p);
    if (s16) {
      // TFLM's 64-bit MultiplyByQuantizedMultiplier takes shifts in [-31, 7]
      for (int32_t i = 0; i < oc; ++i)
        if ((bias64 || depthwise) && (p.shifts[i] < -31 || p.shifts[i] > 7))
          Fail(label, "output channel " + std::to_string(i) + " has requantization shift " +
                          std::to_string(p.shifts[i]) + ", outside the 16x8 range [-31, 7]");
      p.in_elem_bytes = p.out_elem_bytes = 2;
    }

    p.in_shape = xs;
    p.inputs = {o.inputs[0]};
    if (fused_pad >= 0) {
      const Operator& pad = g.ops[fused_pad];
      const PadAmounts pa = ReadPaddings(g, fused_pad);
      const Tensor& px = OperandTensor(g, OpLabel(g, fused_pad), pad, 0, "input");
      const Shape4 ps = Nhwc(OpLabel(g, fused_pad), px, "input");
      c.in_h = ps.h;
      c.in_w = ps.w;
      c.pad_top += pa.top;
      c.pad_left += pa.left;
      p.in_shape = ps;
      p.inputs = {pad.inputs[0]};
    }
    p.kind = xs.n == 1 ? Kind::kSpatial : Kind::kWhole;  // p.in_shape.n: the images, run in turn
    p.impl = depthwise ? Impl::kDepthwise : Impl::kConv;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t* scratch, uint8_t* workspace) const override {
    ts_conv_params c = p.conv;
    c.output_multiplier = p.multipliers.data();
    c.output_shift = p.shifts.data();
    const int32_t* bias = p.bias.empty() ? nullptr : p.bias.data();
    int8_t* sc = reinterpret_cast<int8_t*>(scratch);
    ts_cbuf in = CBuf(inputs[0]);
    ts_buf o = Buf(out);
    const int32_t n = p.in_shape.n;  // above 1: whole tensors (Kind::kWhole), one image after another
    const ptrdiff_t in_image = static_cast<ptrdiff_t>(c.in_h) * c.in_w * c.in_c * p.in_elem_bytes;
    const ptrdiff_t out_image = static_cast<ptrdiff_t>(c.out_h) * c.out_w * c.out_c * p.out_elem_bytes;
    for (int32_t b = 0; b < n; ++b, in.data += in_image, o.data += out_image) {
      if (p.out_elem_bytes == 2 && depthwise_)
        ts_depthwise_conv2d_s16(&c, in, p.filter, p.bias64.empty() ? nullptr : p.bias64.data(), o, KWin(win), sc);
      else if (p.out_elem_bytes == 2)
        ts_conv2d_s16(&c, in, p.filter, bias, p.bias64.empty() ? nullptr : p.bias64.data(), o, KWin(win), sc);
      else if (!depthwise_)
        ts_conv2d_s8_ws(&c, in, p.filter, bias, o, KWin(win), sc, workspace);
      else
        ts_depthwise_conv2d_s8_ws(&c, in, p.filter, bias, o, KWin(win), sc, workspace);
    }
  }

  int64_t ScratchBytes(const PreparedOp& p) const override {
    return static_cast<int64_t>(p.conv.out_c) * p.out_elem_bytes;
  }
  // 16x8 has no DSP path and no workspace; int8 the DSP path's buffers (each image in turn reuses them).
  int64_t WorkspaceBytes(const PreparedOp& p, Window win) const override {
    if (p.out_elem_bytes == 2) return 0;
    if (!depthwise_) return static_cast<int64_t>(ts_conv2d_s8_workspace_bytes(&p.conv));
    ts_conv_params c = p.conv;  // as Run calls the kernel over `win`
    c.output_multiplier = p.multipliers.data();
    c.output_shift = p.shifts.data();
    return static_cast<int64_t>(
        ts_depthwise_conv2d_s8_workspace_bytes(&c, p.bias.empty() ? nullptr : p.bias.data(), KWin(win)));
  }

  Window RequiredInputWindow(const PreparedOp& p, int, Window win) const override {
    const ts_conv_params& c = p.conv;
    Window r;
    ConvSpan(win.y0, win.y1, c.stride_h, c.pad_top, c.filter_h, c.dilation_h, c.in_h, &r.y0, &r.y1);
    ConvSpan(win.x0, win.x1, c.stride_w, c.pad_left, c.filter_w, c.dilation_w, c.in_w, &r.x0, &r.x1);
    return r;
  }

  std::string Emit(const EmitContext& e) const override {
    const PreparedOp& p = e.p;
    const ts_conv_params& c = p.conv;
    const std::string params = EmitConvParams(e, c);
    const bool s16 = p.out_elem_bytes == 2;
    const bool ws = !s16 && e.use_workspace();
    const std::string fn = std::string(s16 ? (depthwise_ ? "ts_depthwise_conv2d_s16" : "ts_conv2d_s16")
                                           : depthwise_ ? "ts_depthwise_conv2d_s8" : "ts_conv2d_s8") +
                           (ws ? "_ws" : "");
    const std::string wsarg = ws ? ", " + e.workspace() : std::string();
    // 16x8: the int64 biases (or none); CONV_2D's follow its int32 ones, DEPTHWISE_CONV_2D has
    // only them.
    const std::string bias64 =
        p.bias64.empty() ? std::string("NULL") : e.w.ConstI64("bias", p.bias64.data(), p.bias64.size());
    const std::string bias = !s16 ? e.bias() : depthwise_ ? bias64 : e.bias() + ", " + bias64;
    if (p.in_shape.n == 1)
      return "  " + fn + "(&" + params + ", " + e.in(0) + ", " + e.filter() + ", " + bias + ",\n      " +
             e.out() + ", " + e.win() + ", " + e.scratch() + wsarg + ");\n";
    // Batch above 1: each image in turn, over whole tensors.
    const std::string in_image = std::to_string(int64_t{c.in_h} * c.in_w * c.in_c * p.in_elem_bytes);
    const std::string out_image = std::to_string(int64_t{c.out_h} * c.out_w * c.out_c * p.out_elem_bytes);
    return "  {\n    int32_t b;\n    for (b = 0; b < " + std::to_string(p.in_shape.n) + "; ++b)\n      " + fn + "(&" +
           params + ", (ts_cbuf){" + e.in_ptr(0) + " + (ptrdiff_t)b * " + in_image + ", 0, 0, " +
           std::to_string(c.in_h) + ", " + std::to_string(c.in_w) + "}, " + e.filter() + ", " + bias +
           ",\n          (ts_buf){" + e.out_ptr() + " + (ptrdiff_t)b * " + out_image + ", 0, 0, " +
           std::to_string(c.out_h) + ", " + std::to_string(c.out_w) + "}, " + e.win() + ", " + e.scratch() +
           wsarg + ");\n  }\n";
  }

 private:
  // The input's batch (1 when the graph does not say).
  static int32_t Batch(const Graph& g, int op) {
    if (op < 0 || op >= static_cast<int>(g.ops.size()) || g.ops[op].inputs.empty()) return 1;
    const int t = g.ops[op].inputs[0];
    if (t < 0 || t >= static_cast<int>(g.tensors.size()) || g.tensors[t].shape.size() != 4) return 1;
    return g.tensors[t].shape[0];
  }

  bool depthwise_;
};

class Conv2D final : public ConvLikeUnit {
 public:
  Conv2D() : ConvLikeUnit(OpType::kConv2D, "CONV_2D", tflite::fb::BuiltinOperator::CONV_2D, false) {}

  ConvGeometry Geometry(const Operator& o) const override {
    const auto& opt = o.opts<Conv2DOptions>();
    return {opt.padding, opt.stride_h, opt.stride_w, opt.dilation_h, opt.dilation_w, opt.activation};
  }

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    Conv2DOptions o;
    const auto* p = in.Table<tflite::fb::Conv2DOptions>(BuiltinOptions::Conv2DOptions);
    if (!p) {  // absent table: the schema defaults (strides 0, rejected by Validate)
      o.stride_h = o.stride_w = 0;
      return o;
    }
    o.padding = in.ReadPadding(p->padding());
    o.stride_h = p->stride_h();
    o.stride_w = p->stride_w();
    o.dilation_h = p->dilation_h_factor();
    o.dilation_w = p->dilation_w_factor();
    o.activation = in.ReadActivation(p->fused_activation_function());
    return o;
  }

  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const auto& o = out.Opts<Conv2DOptions>(op);
    out.Set(BuiltinOptions::Conv2DOptions,
            tflite::fb::CreateConv2DOptions(out.b, tflite::ToPadding(o.padding), o.stride_w, o.stride_h,
                                            tflite::ToActivation(o.activation), o.dilation_w, o.dilation_h)
                .Union());
  }
};

class DepthwiseConv2D final : public ConvLikeUnit {
 public:
  DepthwiseConv2D()
      : ConvLikeUnit(OpType::kDepthwiseConv2D, "DEPTHWISE_CONV_2D", tflite::fb::BuiltinOperator::DEPTHWISE_CONV_2D,
                     true) {}

  ConvGeometry Geometry(const Operator& o) const override {
    const auto& opt = o.opts<DepthwiseConv2DOptions>();
    return {opt.padding, opt.stride_h, opt.stride_w, opt.dilation_h, opt.dilation_w, opt.activation};
  }

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    DepthwiseConv2DOptions o;
    const auto* p = in.Table<tflite::fb::DepthwiseConv2DOptions>(BuiltinOptions::DepthwiseConv2DOptions);
    if (!p) {
      o.stride_h = o.stride_w = 0;
      o.depth_multiplier = 0;
      return o;
    }
    o.padding = in.ReadPadding(p->padding());
    o.stride_h = p->stride_h();
    o.stride_w = p->stride_w();
    o.depth_multiplier = p->depth_multiplier();
    o.dilation_h = p->dilation_h_factor();
    o.dilation_w = p->dilation_w_factor();
    o.activation = in.ReadActivation(p->fused_activation_function());
    return o;
  }

  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const auto& o = out.Opts<DepthwiseConv2DOptions>(op);
    out.Set(BuiltinOptions::DepthwiseConv2DOptions,
            tflite::fb::CreateDepthwiseConv2DOptions(out.b, tflite::ToPadding(o.padding), o.stride_w, o.stride_h,
                                                     o.depth_multiplier, tflite::ToActivation(o.activation),
                                                     o.dilation_w, o.dilation_h)
                .Union());
  }
};

}  // namespace

const OpUnit& Conv2DUnit() {
  static const Conv2D u;
  return u;
}
const OpUnit& DepthwiseConv2DUnit() {
  static const DepthwiseConv2D u;
  return u;
}

std::string EmitConvParams(const EmitContext& e, const ts_conv_params& c) {
  const PreparedOp& p = e.p;
  const std::string mult = e.w.ConstI32("mult", p.multipliers.data(), p.multipliers.size());
  const std::string shift = e.w.ConstI32("shift", p.shifts.data(), p.shifts.size());
  return e.w.Params("ts_conv_params", Init()
                                          .F("in_h", c.in_h).F("in_w", c.in_w).F("in_c", c.in_c)
                                          .F("out_h", c.out_h).F("out_w", c.out_w).F("out_c", c.out_c)
                                          .F("filter_h", c.filter_h).F("filter_w", c.filter_w)
                                          .F("filter_in_c", c.filter_in_c).F("depth_multiplier", c.depth_multiplier)
                                          .F("stride_h", c.stride_h).F("stride_w", c.stride_w)
                                          .F("dilation_h", c.dilation_h).F("dilation_w", c.dilation_w)
                                          .F("pad_top", c.pad_top).F("pad_left", c.pad_left)
                                          .F("input_offset", c.input_offset).F("output_offset", c.output_offset)
                                          .F("act_min", c.act_min).F("act_max", c.act_max)
                                          .S("output_multiplier", mult).S("output_shift", shift)
                                          .str());
}

}  // namespace tessera::ops
