// PAD (TFLM pad.cc): int8 and int16 (filled with the output zero point) and float32 (0), rank <= 4,
// batch unpadded. Spatial: an output window reads the input window it overlaps; a PAD in front
// of a CONV_2D / DEPTHWISE_CONV_2D may be folded into it (ops::CanFusePad).
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

class Pad final : public OpUnit {
 public:
  Pad() : OpUnit(OpType::kPad, "PAD", static_cast<int32_t>(tflite::fb::BuiltinOperator::PAD)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override { return in.Empty(BuiltinOptions::PadOptions); }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Opts<std::monostate>(op);
    out.Set(BuiltinOptions::PadOptions, tflite::fb::CreatePadOptions(out.b).Union());
  }

  void Validate(OpCheck& c) const override {
    c.Arity(2, 2);
    c.NoOptions();
    const int in = c.In(0, "input"), pads = c.In(1, "paddings"), out = c.Out();
    if (c.T(in).type == DType::kInt16) {  // padded with the output zero point, 0 for int16
      c.Type(in, "input", {DType::kInt16});
      c.PerTensor(in, "input");
      c.Type(out, "output", {DType::kInt16});
      c.PerTensor(out, "output");
    } else {
      c.IoInt8(in, out);
    }
    const auto& is = c.T(in).shape;
    const int r = static_cast<int>(is.size());
    if (c.T(pads).shape != std::vector<int32_t>{r, 2})
      c.OpFail(c.Role("paddings", pads) + " has shape " + ShapeStr(c.T(pads).shape) + ", expected [" +
               std::to_string(r) + ",2]");
    const auto p = c.Ints(pads, "paddings");
    std::vector<int32_t> want(r);
    for (int d = 0; d < r; ++d) {
      if (p[2 * d] < 0 || p[2 * d + 1] < 0)
        c.OpFail("paddings of dimension " + std::to_string(d) + " are negative (" + std::to_string(p[2 * d]) +
                 ", " + std::to_string(p[2 * d + 1]) + ")");
      const int64_t v = is[d] + p[2 * d] + p[2 * d + 1];
      if (v > (int64_t{1} << 30)) c.OpFail("padded dimension " + std::to_string(d) + " is too large");
      want[d] = static_cast<int32_t>(v);
    }
    c.ExpectShape(want);
  }

  bool Windowable(const Graph&, int) const override { return true; }

  Window InputWindow(const WindowQuery& q) const override {
    if (q.operand != 0) return q.Full();
    int32_t top, left;
    PadBefore(q.g, q.op, &top, &left);
    const Window& w = q.out_win;
    return q.Clip(Window{w.y0 - top, w.y1 - top, w.x0 - left, w.x1 - left});
  }

  OverlapRule Overlap() const override { return OverlapRule::kOverlap; }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& y = OutputTensor(g, label, o);
    if (x.type != y.type) Fail(label, "input and output types differ");
    if (x.type != DType::kInt8 && x.type != DType::kInt16 && x.type != DType::kFloat32)
      Fail(label, std::string("PAD of ") + DTypeName(x.type) + " is not supported");
    if (o.inputs.size() > 2 && o.inputs[2] != kNoTensor) Fail(label, "a constant_values operand is not supported");
    const PadAmounts pa = ReadPaddings(g, p.op);
    const Shape4 xs = Nhwc(label, x, "input"), ys = Nhwc(label, y, "output");
    if (ys.h != xs.h + pa.top + pa.bottom || ys.w != xs.w + pa.left + pa.right ||
        ys.c != xs.c + pa.c_before + pa.c_after)
      Fail(label, "output '" + y.name + "' has shape " + ShapeStr(y.shape) +
                      ", which the input and paddings do not give");
    ts_pad_params& q = p.pad;
    q.in_h = xs.h;
    q.in_w = xs.w;
    q.in_c = xs.c;
    q.out_h = ys.h;
    q.out_w = ys.w;
    q.out_c = ys.c;
    q.pad_top = pa.top;
    q.pad_left = pa.left;
    q.pad_c = pa.c_before;
    q.elem_bytes = ElemBytes(x.type);
    // TFLM pads quantized tensors with the output zero point (0 for int16: ZeroPoint fails
    // otherwise), floats with 0.
    q.pad_value = x.type == DType::kFloat32 ? 0 : static_cast<int8_t>(ZeroPoint(label, y, "output"));
    p.in_shape = xs;
    p.inputs = {o.inputs[0]};
    p.in_elem_bytes = p.out_elem_bytes = q.elem_bytes;
    p.kind = Kind::kSpatial;
    p.impl = Impl::kPad;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t* scratch, uint8_t*) const override {
    ts_pad(&p.pad, CBuf(inputs[0]), Buf(out), KWin(win), reinterpret_cast<int8_t*>(scratch));
  }

  int64_t ScratchBytes(const PreparedOp& p) const override {
    return static_cast<int64_t>(p.pad.out_c) * p.pad.elem_bytes;
  }

  Window RequiredInputWindow(const PreparedOp& p, int, Window win) const override {
    Window r;
    Clip(win.y0 - p.pad.pad_top, win.y1 - p.pad.pad_top, p.pad.in_h, &r.y0, &r.y1);
    Clip(win.x0 - p.pad.pad_left, win.x1 - p.pad.pad_left, p.pad.in_w, &r.x0, &r.x1);
    return r;
  }

  std::string Emit(const EmitContext& e) const override {
    const ts_pad_params& c = e.p.pad;
    const std::string params =
        e.w.Params("ts_pad_params", Init()
                                        .F("in_h", c.in_h).F("in_w", c.in_w).F("in_c", c.in_c)
                                        .F("out_h", c.out_h).F("out_w", c.out_w).F("out_c", c.out_c)
                                        .F("pad_top", c.pad_top).F("pad_left", c.pad_left).F("pad_c", c.pad_c)
                                        .F("elem_bytes", c.elem_bytes).F("pad_value", c.pad_value)
                                        .str());
    return "  ts_pad(&" + params + ", " + e.in(0) + ", " + e.out() + ", " + e.win() + ", " + e.scratch() + ");\n";
  }
};

}  // namespace

const OpUnit& PadUnit() {
  static const Pad u;
  return u;
}

}  // namespace tessera::ops
