// DEPTH_TO_SPACE and SPACE_TO_DEPTH (TFLM depth_to_space.cc / space_to_depth.cc), rank 4,
// batch 1, int8 (input and output sharing their quantization, as TFLM requires) or float32.
// Spatial: any output window, from the input window the kernels' *_input_window give.
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

Window FromK(const ts_window& w) { return Window{w.y0, w.y1, w.x0, w.x1}; }

class SpaceDepth final : public OpUnit {
 public:
  explicit SpaceDepth(bool d2s)
      : OpUnit(d2s ? OpType::kDepthToSpace : OpType::kSpaceToDepth, d2s ? "DEPTH_TO_SPACE" : "SPACE_TO_DEPTH",
               static_cast<int32_t>(d2s ? tflite::fb::BuiltinOperator::DEPTH_TO_SPACE
                                        : tflite::fb::BuiltinOperator::SPACE_TO_DEPTH)),
        d2s_(d2s) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    SpaceDepthOptions o;
    if (d2s_) {
      if (const auto* p = in.Table<tflite::fb::DepthToSpaceOptions>(BuiltinOptions::DepthToSpaceOptions))
        o.block_size = p->block_size();
    } else {
      if (const auto* p = in.Table<tflite::fb::SpaceToDepthOptions>(BuiltinOptions::SpaceToDepthOptions))
        o.block_size = p->block_size();
    }
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const int32_t b = out.Opts<SpaceDepthOptions>(op).block_size;
    if (d2s_)
      out.Set(BuiltinOptions::DepthToSpaceOptions, tflite::fb::CreateDepthToSpaceOptions(out.b, b).Union());
    else
      out.Set(BuiltinOptions::SpaceToDepthOptions, tflite::fb::CreateSpaceToDepthOptions(out.b, b).Union());
  }

  void Validate(OpCheck& c) const override {
    c.Arity(1, 1);
    const int32_t b = c.Options<SpaceDepthOptions>(d2s_ ? "DepthToSpaceOptions" : "SpaceToDepthOptions").block_size;
    const int in = c.In(0, "input"), out = c.Out();
    c.Activation(in, "input");
    c.Type(in, "input", {DType::kInt8, DType::kFloat32});
    c.SameType(in, out, "input", "output");
    if (c.T(in).type == DType::kInt8) {
      c.PerTensor(in, "input");
      c.PerTensor(out, "output");
      if (c.T(in).quant.scale != c.T(out).quant.scale || c.T(in).quant.zero_point != c.T(out).quant.zero_point)
        c.OpFail(c.Role("input", in) + " and output " + c.TRef(out) + " must share scale and zero point");
    }
    c.Rank(in, "input", 4);
    c.Batch1(in, "input");
    if (b < 1 || b > 1024) c.OpFail("block_size " + std::to_string(b) + " is out of range");
    const auto& s = c.T(in).shape;
    if (d2s_) {
      if (s[3] % (b * b) != 0)
        c.OpFail(c.Role("input", in) + " has " + std::to_string(s[3]) + " channels, not a multiple of block_size^2 " +
                 std::to_string(b * b));
      if (int64_t{s[1]} * b > (1 << 24) || int64_t{s[2]} * b > (1 << 24)) c.OpFail("output too large");
      c.ExpectShape({1, s[1] * b, s[2] * b, s[3] / (b * b)});
    } else {
      if (s[1] % b != 0 || s[2] % b != 0)
        c.OpFail(c.Role("input", in) + " of shape " + ShapeStr(s) + " is not divisible by block_size " +
                 std::to_string(b));
      if (int64_t{s[3]} * b * b > (1 << 24)) c.OpFail("output too large");
      c.ExpectShape({1, s[1] / b, s[2] / b, s[3] * b * b});
    }
  }

  bool Windowable(const Graph&, int) const override { return true; }
  Window InputWindow(const WindowQuery& q) const override {
    const ts_space_depth_params k = Params(q.in, q.out, q.o().opts<SpaceDepthOptions>().block_size, 1);
    return q.Clip(FromK(InputWindowOf(k, KWin(q.out_win))));
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& y = OutputTensor(g, label, o);
    if (x.type != y.type) Fail(label, "input and output types differ");
    p.in_shape = Nhwc(label, x, "input");
    p.out_shape = Nhwc(label, y, "output");
    const int32_t b = o.opts<SpaceDepthOptions>().block_size;
    const Shape4 &i = p.in_shape, &u = p.out_shape;
    const bool ok = d2s_ ? (b >= 1 && u.h == i.h * b && u.w == i.w * b && u.c * b * b == i.c)
                         : (b >= 1 && i.h == u.h * b && i.w == u.w * b && i.c * b * b == u.c);
    if (!ok) Fail(label, "output '" + y.name + "' does not have the shape block_size " + std::to_string(b) + " gives");
    UnitParams<ts_space_depth_params>(p) = Params(p.in_shape, p.out_shape, b, ElemBytes(x.type));
    p.inputs = {o.inputs[0]};
    p.in_elem_bytes = p.out_elem_bytes = ElemBytes(x.type);
    p.kind = Kind::kSpatial;
    p.impl = Impl::kUnit;
  }

  Window RequiredInputWindow(const PreparedOp& p, int, Window win) const override {
    if (win.empty()) return Window{};
    return FromK(InputWindowOf(UnitParams<ts_space_depth_params>(p), KWin(win)));
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    const ts_space_depth_params& k = UnitParams<ts_space_depth_params>(p);
    if (d2s_)
      ts_depth_to_space(&k, CBuf(inputs[0]), Buf(out), KWin(win));
    else
      ts_space_to_depth(&k, CBuf(inputs[0]), Buf(out), KWin(win));
  }

  std::string Emit(const EmitContext& e) const override {
    const ts_space_depth_params& k = UnitParams<ts_space_depth_params>(e.p);
    const std::string params = e.w.Params("ts_space_depth_params", Init()
                                                                       .F("in_h", k.in_h).F("in_w", k.in_w)
                                                                       .F("in_c", k.in_c).F("out_h", k.out_h)
                                                                       .F("out_w", k.out_w).F("out_c", k.out_c)
                                                                       .F("block_size", k.block_size)
                                                                       .F("elem_bytes", k.elem_bytes)
                                                                       .str());
    return EmitCall(d2s_ ? "ts_depth_to_space" : "ts_space_to_depth", {"&" + params, e.in(0), e.out(), e.win()});
  }

 private:
  static ts_space_depth_params Params(const Shape4& in, const Shape4& out, int32_t b, int32_t elem_bytes) {
    ts_space_depth_params k{};
    k.in_h = in.h, k.in_w = in.w, k.in_c = in.c;
    k.out_h = out.h, k.out_w = out.w, k.out_c = out.c;
    k.block_size = b;
    k.elem_bytes = elem_bytes;
    return k;
  }
  ts_window InputWindowOf(const ts_space_depth_params& k, ts_window w) const {
    return d2s_ ? ts_depth_to_space_input_window(&k, w) : ts_space_to_depth_input_window(&k, w);
  }

  bool d2s_;
};

}  // namespace

const OpUnit& DepthToSpaceUnit() {
  static const SpaceDepth u(true);
  return u;
}
const OpUnit& SpaceToDepthUnit() {
  static const SpaceDepth u(false);
  return u;
}

}  // namespace tessera::ops
