// RESIZE_NEAREST_NEIGHBOR (TFLM resize_nearest_neighbor.cc): int8 (a byte copy: input and
// output share quantization) and float32, align_corners / half_pixel_centers. Spatial: an
// output window reads the nearest-neighbour source rows and columns.
#include <algorithm>
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
    const int in = c.In(0, "input"), st = c.In(1, "size"), out = c.Out();
    c.IoInt8(in, out);
    c.Rank(in, "input", 4);
    c.Batch1(in, "input");
    c.Type(st, "size", {DType::kInt32});
    const auto sz = c.Ints(st, "size");
    if (sz.size() != 2) c.OpFail(c.Role("size", st) + " must hold 2 values (height, width)");
    if (sz[0] < 1 || sz[1] < 1 || sz[0] > (1 << 20) || sz[1] > (1 << 20))
      c.OpFail(c.Role("size", st) + " is " + std::to_string(sz[0]) + "x" + std::to_string(sz[1]));
    const auto& is = c.T(in).shape;
    c.ExpectShape({is[0], static_cast<int32_t>(sz[0]), static_cast<int32_t>(sz[1]), is[3]});
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
    RequireRank(label, x, 4, 4, "input");
    RequireRank(label, y, 4, 4, "output");
    const Shape4 xs = Nhwc(label, x, "input"), ys = Nhwc(label, y, "output");
    if (xs.c != ys.c) Fail(label, "input and output channel counts differ");
    if (x.type == DType::kInt8 && (Scale(label, x, "input") != Scale(label, y, "output") ||
                                   ZeroPoint(label, x, "input") != ZeroPoint(label, y, "output")))
      Fail(label, "input and output quantization differ (TFLM copies bytes)");
    const auto& opt = o.opts<ResizeNearestNeighborOptions>();
    ts_resize_params& r = p.resize;
    r.in_h = xs.h;
    r.in_w = xs.w;
    r.channels = xs.c;
    r.out_h = ys.h;
    r.out_w = ys.w;
    r.align_corners = opt.align_corners ? 1 : 0;
    r.half_pixel_centers = opt.half_pixel_centers ? 1 : 0;
    r.elem_bytes = ElemBytes(x.type);
    p.in_shape = xs;
    p.inputs = {o.inputs[0]};
    p.in_elem_bytes = p.out_elem_bytes = r.elem_bytes;
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
    const ts_resize_params& c = e.p.resize;
    const std::string params =
        e.w.Params("ts_resize_params", Init()
                                           .F("in_h", c.in_h).F("in_w", c.in_w).F("channels", c.channels)
                                           .F("out_h", c.out_h).F("out_w", c.out_w)
                                           .F("align_corners", c.align_corners)
                                           .F("half_pixel_centers", c.half_pixel_centers)
                                           .F("elem_bytes", c.elem_bytes)
                                           .str());
    return "  ts_resize_nearest(&" + params + ", " + e.in(0) + ", " + e.out() + ", " + e.win() + ", " +
           e.scratch() + ");\n";
  }
};

}  // namespace

const OpUnit& ResizeNearestNeighborUnit() {
  static const ResizeNearestNeighbor u;
  return u;
}

}  // namespace tessera::ops
