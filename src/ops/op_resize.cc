// RESIZE_NEAREST_NEIGHBOR (TFLM resize_nearest_neighbor.cc): int8 (a byte copy: input and
// output share quantization) and float32, align_corners / half_pixel_centers. Spatial: an
// output window reads the nearest-neighbour source rows and columns.
#include <algorithm>
#include <string>

#include "analysis/window_rules.h"
#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/resize_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

class ResizeNearestNeighbor final : public OpUnit {
 public:
  ResizeNearestNeighbor()
      : OpUnit(OpType::kResizeNearestNeighbor, "RESIZE_NEAREST_NEIGHBOR",
               static_cast<int32_t>(tflite::fb::BuiltinOperator::RESIZE_NEAREST_NEIGHBOR)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    ResizeNearestNeighborOptions o;
    if (const auto* p =
            in.Table<tflite::fb::ResizeNearestNeighborOptions>(BuiltinOptions::ResizeNearestNeighborOptions)) {
      o.align_corners = p->align_corners();
      o.half_pixel_centers = p->half_pixel_centers();
    }
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const auto& o = out.Opts<ResizeNearestNeighborOptions>(op);
    out.Set(BuiltinOptions::ResizeNearestNeighborOptions,
            tflite::fb::CreateResizeNearestNeighborOptions(out.b, o.align_corners, o.half_pixel_centers).Union());
  }

  void Validate(OpCheck& c) const override {
    c.Arity(2, 2);
    c.Options<ResizeNearestNeighborOptions>("ResizeNearestNeighborOptions");
    ValidateResize(c);
  }

  bool Windowable(const Graph&, int) const override { return true; }

  Window InputWindow(const WindowQuery& q) const override {
    if (q.operand != 0) return q.Full();
    const auto& p = q.o().opts<ResizeNearestNeighborOptions>();
    Window w{q.in.h, -1, q.in.w, -1};
    for (int32_t y = q.out_win.y0; y < q.out_win.y1; ++y) {
      const int32_t s = NearestSource(y, q.in.h, q.out.h, p.align_corners, p.half_pixel_centers);
      w.y0 = std::min(w.y0, s);
      w.y1 = std::max(w.y1, s + 1);
    }
    for (int32_t x = q.out_win.x0; x < q.out_win.x1; ++x) {
      const int32_t s = NearestSource(x, q.in.w, q.out.w, p.align_corners, p.half_pixel_centers);
      w.x0 = std::min(w.x0, s);
      w.x1 = std::max(w.x1, s + 1);
    }
    return q.Clip(w);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& y = OutputTensor(g, label, o);
    if (x.type != y.type) Fail(label, "input and output types differ");
    if (x.type == DType::kInt8 && (Scale(label, x, "input") != Scale(label, y, "output") ||
                                   ZeroPoint(label, x, "input") != ZeroPoint(label, y, "output")))
      Fail(label, "input and output quantization differ (TFLM copies bytes)");
    const auto& opt = o.opts<ResizeNearestNeighborOptions>();
    PrepareResize(g, o, p, opt.align_corners, opt.half_pixel_centers, ElemBytes(x.type));
    p.in_elem_bytes = p.out_elem_bytes = p.resize.elem_bytes;
    p.kind = Kind::kSpatial;
    p.impl = Impl::kResize;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t* scratch, uint8_t*) const override {
    ts_resize_nearest(&p.resize, CBuf(inputs[0]), Buf(out), KWin(win), reinterpret_cast<int8_t*>(scratch));
  }

  int64_t ScratchBytes(const PreparedOp& p) const override {
    return static_cast<int64_t>(p.resize.channels) * p.resize.elem_bytes;
  }

  Window RequiredInputWindow(const PreparedOp& p, int, Window win) const override {
    const ts_resize_params& q = p.resize;
    if (win.empty()) return Window{};
    Window r;
    r.y0 = ts_resize_nearest_source(win.y0, q.in_h, q.out_h, q.align_corners, q.half_pixel_centers);
    r.y1 = ts_resize_nearest_source(win.y1 - 1, q.in_h, q.out_h, q.align_corners, q.half_pixel_centers) + 1;
    r.x0 = ts_resize_nearest_source(win.x0, q.in_w, q.out_w, q.align_corners, q.half_pixel_centers);
    r.x1 = ts_resize_nearest_source(win.x1 - 1, q.in_w, q.out_w, q.align_corners, q.half_pixel_centers) + 1;
    return r;
  }

  std::string Emit(const EmitContext& e) const override {
    return "  ts_resize_nearest(&" + EmitResizeParams(e) + ", " + e.in(0) + ", " + e.out() + ", " + e.win() + ", " +
           e.scratch() + ");\n";
  }
};

}  // namespace

const OpUnit& ResizeNearestNeighborUnit() {
  static const ResizeNearestNeighbor u;
  return u;
}

}  // namespace tessera::ops
