// AVERAGE_POOL_2D and MAX_POOL_2D (TFLM pooling.cc): int8 and int16, SAME/VALID padding (padded taps
// are not counted), fused activation. Spatial: any output window from the input it reads.
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

class PoolUnit final : public OpUnit {
 public:
  PoolUnit(OpType t, const char* name, tflite::fb::BuiltinOperator b, bool average)
      : OpUnit(t, name, static_cast<int32_t>(b)), average_(average) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    Pool2DOptions o;
    const auto* p = in.Table<tflite::fb::Pool2DOptions>(BuiltinOptions::Pool2DOptions);
    if (!p) {
      o.padding = Padding::kSame;
      o.stride_h = o.stride_w = 0;
      o.filter_h = o.filter_w = 0;
      return o;
    }
    o.padding = in.ReadPadding(p->padding());
    o.stride_h = p->stride_h();
    o.stride_w = p->stride_w();
    o.filter_h = p->filter_height();
    o.filter_w = p->filter_width();
    o.activation = in.ReadActivation(p->fused_activation_function());
    return o;
  }

  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const auto& o = out.Opts<Pool2DOptions>(op);
    out.Set(BuiltinOptions::Pool2DOptions,
            tflite::fb::CreatePool2DOptions(out.b, tflite::ToPadding(o.padding), o.stride_w, o.stride_h,
                                            o.filter_w, o.filter_h, tflite::ToActivation(o.activation))
                .Union());
  }

  void Validate(OpCheck& c) const override {
    c.Arity(1, 1);
    const auto& o = c.Options<Pool2DOptions>("Pool2DOptions");
    const int in = c.In(0, "input"), out = c.Out();
    if (c.T(in).type == DType::kInt16) {  // TFLM's int16 pools
      c.Type(in, "input", {DType::kInt16});
      c.PerTensor(in, "input");
      c.Type(out, "output", {DType::kInt16});
      c.PerTensor(out, "output");
    } else {
      c.IoInt8(in, out);
    }
    c.Rank(in, "input", 4);
    c.Batch1(in, "input");
    c.Strides(o.stride_h, o.stride_w);
    if (o.filter_h < 1 || o.filter_w < 1)
      c.OpFail("filter size must be >= 1, got " + std::to_string(o.filter_h) + "x" + std::to_string(o.filter_w));
    c.Extent("filter height", o.filter_h, 1);
    c.Extent("filter width", o.filter_w, 1);
    const auto& is = c.T(in).shape;
    const int32_t oh = c.SpatialOut(o.padding, is[1], o.filter_h, o.stride_h, 1, "height");
    const int32_t ow = c.SpatialOut(o.padding, is[2], o.filter_w, o.stride_w, 1, "width");
    c.ExpectShape({is[0], oh, ow, is[3]});
  }

  bool Windowable(const Graph&, int) const override { return true; }

  Window InputWindow(const WindowQuery& q) const override {
    const auto& p = q.o().opts<Pool2DOptions>();
    if (p.filter_h <= 0 || p.filter_w <= 0) throw Error(OpLabel(q.g, q.op) + ": pool filter size must be positive");
    return StridedInputWindow(q.g, q.op, q.in, q.out, q.out_win, p.filter_h, p.filter_w, p.stride_h, p.stride_w,
                              1, 1, p.padding);
  }

  OverlapRule Overlap() const override { return OverlapRule::kInPlace; }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& y = OutputTensor(g, label, o);
    const bool s16 = x.type == DType::kInt16;
    RequireType(label, x, s16 ? DType::kInt16 : DType::kInt8, "input");
    RequireType(label, y, s16 ? DType::kInt16 : DType::kInt8, "output");
    if (s16) {  // zero points 0 (ZeroPoint fails otherwise)
      ZeroPoint(label, x, "input");
      ZeroPoint(label, y, "output");
    }
    p.in_elem_bytes = p.out_elem_bytes = s16 ? 2 : 1;
    RequireRank(label, x, 4, 4, "input");
    RequireRank(label, y, 4, 4, "output");
    const Shape4 xs = Nhwc(label, x, "input"), ys = Nhwc(label, y, "output");
    const auto& opt = o.opts<Pool2DOptions>();
    if (opt.stride_h < 1 || opt.stride_w < 1 || opt.filter_h < 1 || opt.filter_w < 1)
      Fail(label, "strides and filter sizes must be positive");
    if (xs.c != ys.c) Fail(label, "input and output channel counts differ");
    const int32_t eh = ConvOutputSize(opt.padding, xs.h, opt.filter_h, opt.stride_h, 1);
    const int32_t ew = ConvOutputSize(opt.padding, xs.w, opt.filter_w, opt.stride_w, 1);
    if (eh != ys.h || ew != ys.w)
      Fail(label, "output '" + y.name + "' is " + std::to_string(ys.h) + "x" + std::to_string(ys.w) +
                      ", the input and filter give " + std::to_string(eh) + "x" + std::to_string(ew));
    ts_pool_params& q = p.pool;
    q.in_h = xs.h;
    q.in_w = xs.w;
    q.channels = xs.c;
    q.out_h = ys.h;
    q.out_w = ys.w;
    q.filter_h = opt.filter_h;
    q.filter_w = opt.filter_w;
    q.stride_h = opt.stride_h;
    q.stride_w = opt.stride_w;
    q.pad_top = ConvPaddingBefore(opt.padding, xs.h, opt.filter_h, opt.stride_h, 1, ys.h);
    q.pad_left = ConvPaddingBefore(opt.padding, xs.w, opt.filter_w, opt.stride_w, 1, ys.w);
    ActivationRange(label, opt.activation, y, &q.act_min, &q.act_max);
    p.in_shape = xs;
    p.inputs = {o.inputs[0]};
    p.kind = Kind::kSpatial;
    p.impl = average_ ? Impl::kAvgPool : Impl::kMaxPool;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t* scratch, uint8_t*) const override {
    int8_t* sc = reinterpret_cast<int8_t*>(scratch);
    if (p.out_elem_bytes == 2)
      (average_ ? ts_avg_pool2d_s16 : ts_max_pool2d_s16)(&p.pool, CBuf(inputs[0]), Buf(out), KWin(win), sc);
    else if (average_)
      ts_avg_pool2d_s8(&p.pool, CBuf(inputs[0]), Buf(out), KWin(win), sc);
    else
      ts_max_pool2d_s8(&p.pool, CBuf(inputs[0]), Buf(out), KWin(win), sc);
  }

  int64_t ScratchBytes(const PreparedOp& p) const override {
    return static_cast<int64_t>(p.pool.channels) * p.out_elem_bytes;
  }

  Window RequiredInputWindow(const PreparedOp& p, int, Window win) const override {
    const ts_pool_params& q = p.pool;
    Window r;
    Clip(win.y0 * q.stride_h - q.pad_top, (win.y1 - 1) * q.stride_h - q.pad_top + q.filter_h, q.in_h, &r.y0,
         &r.y1);
    Clip(win.x0 * q.stride_w - q.pad_left, (win.x1 - 1) * q.stride_w - q.pad_left + q.filter_w, q.in_w, &r.x0,
         &r.x1);
    return r;
  }

  std::string Emit(const EmitContext& e) const override {
    const ts_pool_params& c = e.p.pool;
    const std::string params = e.w.Params(
        "ts_pool_params", Init()
                              .F("in_h", c.in_h).F("in_w", c.in_w).F("channels", c.channels)
                              .F("out_h", c.out_h).F("out_w", c.out_w)
                              .F("filter_h", c.filter_h).F("filter_w", c.filter_w)
                              .F("stride_h", c.stride_h).F("stride_w", c.stride_w)
                              .F("pad_top", c.pad_top).F("pad_left", c.pad_left)
                              .F("act_min", c.act_min).F("act_max", c.act_max)
                              .str());
    const bool s16 = e.p.out_elem_bytes == 2;
    const char* fn = average_ ? (s16 ? "ts_avg_pool2d_s16" : "ts_avg_pool2d_s8")
                              : (s16 ? "ts_max_pool2d_s16" : "ts_max_pool2d_s8");
    return "  " + std::string(fn) + "(&" + params + ", " +
           e.in(0) + ", " + e.out() + ", " + e.win() + ", " + e.scratch() + ");\n";
  }

 private:
  bool average_;
};

}  // namespace

const OpUnit& AveragePool2DUnit() {
  static const PoolUnit u(OpType::kAveragePool2D, "AVERAGE_POOL_2D", tflite::fb::BuiltinOperator::AVERAGE_POOL_2D,
                          true);
  return u;
}
const OpUnit& MaxPool2DUnit() {
  static const PoolUnit u(OpType::kMaxPool2D, "MAX_POOL_2D", tflite::fb::BuiltinOperator::MAX_POOL_2D, false);
  return u;
}

}  // namespace tessera::ops
