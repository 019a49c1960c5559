// MIRROR_PAD (TFLM mirror_pad.cc): int8 (the output sharing the input's quantization: the
// kernel copies bytes) or float32, rank <= 4 with batch 1 and the batch axis unpadded,
// REFLECT or SYMMETRIC, constant int32/int64 paddings of at most size - 1 (REFLECT) or size
// (SYMMETRIC) per side, as TensorFlow defines the operator (TFLM's index arithmetic reads
// outside the input beyond that; tessera refuses such paddings at validation). Spatial: output
// window `win` reads the input window spanning the sources of its rows and columns
// (ts_mirror_pad_input_window; reflected rows lie in the input's first or last rows), so it runs
// per patch and per stream stage. Its output never shares bytes with its input (the reflected
// sources are read out of order: no per-pixel overlap order is modelled).
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

const char* ModeName(MirrorPadMode m) { return m == MirrorPadMode::kReflect ? "REFLECT" : "SYMMETRIC"; }

class MirrorPad final : public OpUnit {
 public:
  MirrorPad()
      : OpUnit(OpType::kMirrorPad, "MIRROR_PAD", static_cast<int32_t>(tflite::fb::BuiltinOperator::MIRROR_PAD)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    MirrorPadOptions o;
    if (const auto* p = in.Table<tflite::fb::MirrorPadOptions>(BuiltinOptions::MirrorPadOptions)) {
      switch (p->mode()) {
        case tflite::fb::MirrorPadMode::REFLECT: o.mode = MirrorPadMode::kReflect; break;
        case tflite::fb::MirrorPadMode::SYMMETRIC: o.mode = MirrorPadMode::kSymmetric; break;
        default: in.Fail("mode " + std::to_string(static_cast<int>(p->mode())) + " is neither REFLECT nor SYMMETRIC");
      }
    }
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const MirrorPadMode m = out.Opts<MirrorPadOptions>(op).mode;
    out.Set(BuiltinOptions::MirrorPadOptions,
            tflite::fb::CreateMirrorPadOptions(out.b, m == MirrorPadMode::kReflect ? tflite::fb::MirrorPadMode::REFLECT
                                                                                     : tflite::fb::MirrorPadMode::SYMMETRIC)
                .Union());
  }

  void Validate(OpCheck& c) const override {
    c.Arity(2, 2);
    const MirrorPadMode mode = c.Options<MirrorPadOptions>("MirrorPadOptions").mode;
    const int in = c.In(0, "input"), pads = c.In(1, "paddings"), out = c.Out();
    c.Activation(in, "input");
    c.Type(in, "input", {DType::kInt8, DType::kFloat32});
    c.SameType(in, out, "input", "output");
    if (c.T(in).type == DType::kInt8) {
      c.PerTensor(in, "input");
      c.PerTensor(out, "output");
      if (c.T(in).quant.scale != c.T(out).quant.scale || c.T(in).quant.zero_point != c.T(out).quant.zero_point)
        c.OpFail(c.Role("input", in) + " and output " + c.TRef(out) + " must share scale and zero point");
    }
    const auto& is = c.T(in).shape;
    const int r = static_cast<int>(is.size());
    if (r < 1 || r > 4) c.OpFail(c.Role("input", in) + " has rank " + std::to_string(r) + ", expected 1 to 4");
    if (r == 4) c.Batch1(in, "input");
    if (c.T(pads).shape != std::vector<int32_t>{r, 2})
      c.OpFail(c.Role("paddings", pads) + " has shape " + ShapeStr(c.T(pads).shape) + ", expected [" +
               std::to_string(r) + ",2]");
    const auto p = c.Ints(pads, "paddings");
    const int offset = mode == MirrorPadMode::kReflect ? 1 : 0;
    std::vector<int32_t> want(r);
    for (int d = 0; d < r; ++d) {
      const int64_t lim = int64_t{is[d]} - offset;
      for (int s = 0; s < 2; ++s)
        if (p[2 * d + s] < 0 || p[2 * d + s] > lim)
          c.OpFail(std::string(s == 0 ? "padding before" : "padding after") + " dimension " + std::to_string(d) + " is " +
                   std::to_string(p[2 * d + s]) + "; " + ModeName(mode) + " pads a dimension of size " +
                   std::to_string(is[d]) + " by 0 to " + std::to_string(std::max<int64_t>(lim, 0)));
      if (r == 4 && d == 0 && (p[0] != 0 || p[1] != 0)) c.OpFail("padding the batch dimension is not supported");
      want[d] = static_cast<int32_t>(is[d] + p[2 * d] + p[2 * d + 1]);
    }
    c.ExpectShape(want);
  }

  bool Windowable(const Graph&, int) const override { return true; }
  Window InputWindow(const WindowQuery& q) const override {
    if (q.operand != 0) return q.Full();
    const PadAmounts pa = ReadPaddings(q.g, q.op);
    const ts_mirror_pad_params k = Params(q.in, q.out, pa, Offset(q.o()), 1);
    return q.Clip(FromK(ts_mirror_pad_input_window(&k, KWin(q.out_win))));
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& y = OutputTensor(g, label, o);
    if (x.type != y.type) Fail(label, "input and output types differ");
    if (x.type != DType::kInt8 && x.type != DType::kFloat32)
      Fail(label, std::string("MIRROR_PAD of ") + DTypeName(x.type) + " is not supported");
    if (!std::holds_alternative<MirrorPadOptions>(o.options)) Fail(label, "options must be MirrorPadOptions");
    const PadAmounts pa = ReadPaddings(g, p.op);
    p.in_shape = Nhwc(label, x, "input");
    p.out_shape = Nhwc(label, y, "output");
    const Shape4 &xs = p.in_shape, &ys = p.out_shape;
    const int32_t off = Offset(o);
    const auto fits = [&](int32_t before, int32_t after, int32_t size) {
      return before <= size - off && after <= size - off;
    };
    if (!fits(pa.top, pa.bottom, xs.h) || !fits(pa.left, pa.right, xs.w) || !fits(pa.c_before, pa.c_after, xs.c))
      Fail(label, std::string("a padding exceeds what ") + ModeName(o.opts<MirrorPadOptions>().mode) + " allows");
    if (ys.h != xs.h + pa.top + pa.bottom || ys.w != xs.w + pa.left + pa.right || ys.c != xs.c + pa.c_before + pa.c_after)
      Fail(label, "output '" + y.name + "' has shape " + ShapeStr(y.shape) + ", which the input and paddings do not give");
    UnitParams<ts_mirror_pad_params>(p) = Params(xs, ys, pa, off, ElemBytes(x.type));
    p.inputs = {o.inputs[0]};
    p.in_elem_bytes = p.out_elem_bytes = ElemBytes(x.type);
    p.kind = Kind::kSpatial;
    p.impl = Impl::kUnit;
  }

  Window RequiredInputWindow(const PreparedOp& p, int, Window win) const override {
    if (win.empty()) return Window{};
    return FromK(ts_mirror_pad_input_window(&UnitParams<ts_mirror_pad_params>(p), KWin(win)));
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    ts_mirror_pad(&UnitParams<ts_mirror_pad_params>(p), CBuf(inputs[0]), Buf(out), KWin(win), nullptr);
  }

  std::string Emit(const EmitContext& e) const override {
    const ts_mirror_pad_params& k = UnitParams<ts_mirror_pad_params>(e.p);
    const std::string params =
        e.w.Params("ts_mirror_pad_params", Init()
                                               .F("in_h", k.in_h).F("in_w", k.in_w).F("in_c", k.in_c)
                                               .F("out_h", k.out_h).F("out_w", k.out_w).F("out_c", k.out_c)
                                               .F("pad_top", k.pad_top).F("pad_left", k.pad_left).F("pad_c", k.pad_c)
                                               .F("offset", k.offset).F("elem_bytes", k.elem_bytes)
                                               .str());
    return EmitCall("ts_mirror_pad", {"&" + params, e.in(0), e.out(), e.win(), "NULL"});
  }

 private:
  static int32_t Offset(const Operator& o) {
    const auto* m = std::get_if<MirrorPadOptions>(&o.options);
    return m && m->mode == MirrorPadMode::kSymmetric ? 0 : 1;
  }
  static ts_mirror_pad_params Params(const Shape4& in, const Shape4& out, const PadAmounts& pa, int32_t offset,
                                     int32_t elem_bytes) {
    ts_mirror_pad_params k{};
    k.in_h = in.h, k.in_w = in.w, k.in_c = in.c;
    k.out_h = out.h, k.out_w = out.w, k.out_c = out.c;
    k.pad_top = pa.top, k.pad_left = pa.left, k.pad_c = pa.c_before;
    k.offset = offset;
    k.elem_bytes = elem_bytes;
    return k;
  }
};

}  // namespace

const OpUnit& MirrorPadUnit() {
  static const MirrorPad u;
  return u;
}

}  // namespace tessera::ops
