// RESIZE_BILINEAR int8 (TFLM resize_bilinear.cc -> ResizeBilinearInteger), align_corners and
// half_pixel_centers. Spatial: an output window reads the input rows and columns its pixels
// blend (ts_resize_bilinear_input_range), so patch-based plans can run it.
#include <algorithm>
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/resize_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

// Input rows (or columns) [*a, *b) that output rows [o0, o1) read; empty for an empty range.
void Span(int32_t o0, int32_t o1, int32_t in, int32_t out, bool align, bool half, int32_t* a, int32_t* b) {
  if (o0 >= o1) {
    *a = *b = 0;
    return;
  }
  ts_resize_bilinear_input_range(o0, o1, in, out, align ? 1 : 0, half ? 1 : 0, a, b);
}

class ResizeBilinear final : public OpUnit {
 public:
  ResizeBilinear()
      : OpUnit(OpType::kResizeBilinear, "RESIZE_BILINEAR",
               static_cast<int32_t>(tflite::fb::BuiltinOperator::RESIZE_BILINEAR)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    ResizeBilinearOptions o;
    if (const auto* p = in.Table<tflite::fb::ResizeBilinearOptions>(BuiltinOptions::ResizeBilinearOptions)) {
      o.align_corners = p->align_corners();
      o.half_pixel_centers = p->half_pixel_centers();
    }
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const auto& o = out.Opts<ResizeBilinearOptions>(op);
    out.Set(BuiltinOptions::ResizeBilinearOptions,
            tflite::fb::CreateResizeBilinearOptions(out.b, o.align_corners, o.half_pixel_centers).Union());
  }

  void Validate(OpCheck& c) const override {
    c.Arity(2, 2);
    const auto& o = c.Options<ResizeBilinearOptions>("ResizeBilinearOptions");
    ValidateResize(c);
    if (o.align_corners && o.half_pixel_centers)
      c.OpFail("align_corners and half_pixel_centers cannot both be set (TFLM rejects it)");
  }

  bool Windowable(const Graph&, int) const override { return true; }

  Window InputWindow(const WindowQuery& q) const override {
    if (q.operand != 0) return q.Full();
    const auto& o = q.o().opts<ResizeBilinearOptions>();
    Window w;
    Span(q.out_win.y0, q.out_win.y1, q.in.h, q.out.h, o.align_corners, o.half_pixel_centers, &w.y0, &w.y1);
    Span(q.out_win.x0, q.out_win.x1, q.in.w, q.out.w, o.align_corners, o.half_pixel_centers, &w.x0, &w.x1);
    return q.Clip(w);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    RequireType(label, OperandTensor(g, label, o, 0, "input"), DType::kInt8, "input");
    RequireType(label, OutputTensor(g, label, o), DType::kInt8, "output");
    const auto& opt = o.opts<ResizeBilinearOptions>();
    PrepareResize(g, o, p, opt.align_corners, opt.half_pixel_centers, 1);
    const ts_resize_params& r = p.resize;
    if (!ts_resize_bilinear_in_bounds(&r))
      Fail(label, "resizing " + std::to_string(r.in_h) + "x" + std::to_string(r.in_w) + " to " +
                      std::to_string(r.out_h) + "x" + std::to_string(r.out_w) +
                      " makes TFLM's integer arithmetic read outside the input (or overflow): not supported");
    p.kind = Kind::kSpatial;
    p.impl = Impl::kUnit;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t* scratch, uint8_t*) const override {
    ts_resize_bilinear_s8(&p.resize, CBuf(inputs[0]), Buf(out), KWin(win), reinterpret_cast<int8_t*>(scratch));
  }

  int64_t ScratchBytes(const PreparedOp& p) const override {
    return static_cast<int64_t>(ts_resize_bilinear_s8_scratch_bytes(&p.resize));
  }

  Window RequiredInputWindow(const PreparedOp& p, int, Window win) const override {
    const ts_resize_params& q = p.resize;
    if (win.empty()) return Window{};
    Window r;
    Span(win.y0, win.y1, q.in_h, q.out_h, q.align_corners, q.half_pixel_centers, &r.y0, &r.y1);
    Span(win.x0, win.x1, q.in_w, q.out_w, q.align_corners, q.half_pixel_centers, &r.x0, &r.x1);
    return r;
  }

  std::string Emit(const EmitContext& e) const override {
    return EmitCall("ts_resize_bilinear_s8", {std::string("&") + EmitResizeParams(e), e.in(0), e.out(), e.win(), e.scratch()});
  }
};

}  // namespace

const OpUnit& ResizeBilinearUnit() {
  static const ResizeBilinear u;
  return u;
}

}  // namespace tessera::ops
