#include "ops/resize_util.h"

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"

namespace tessera::ops {

void ValidateResize(OpCheck& c) {
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

void PrepareResize(const Graph& g, const Operator& o, PreparedOp& p, bool align_corners, bool half_pixel_centers,
                   int32_t elem_bytes) {
  const std::string& label = p.label;
  const Tensor& x = OperandTensor(g, label, o, 0, "input");
  const Tensor& y = OutputTensor(g, label, o);
  RequireRank(label, x, 4, 4, "input");
  RequireRank(label, y, 4, 4, "output");
  const Shape4 xs = Nhwc(label, x, "input"), ys = Nhwc(label, y, "output");
  if (xs.c != ys.c) Fail(label, "input and output channel counts differ");
  ts_resize_params& r = p.resize;
  r.in_h = xs.h;
  r.in_w = xs.w;
  r.channels = xs.c;
  r.out_h = ys.h;
  r.out_w = ys.w;
  r.align_corners = align_corners ? 1 : 0;
  r.half_pixel_centers = half_pixel_centers ? 1 : 0;
  r.elem_bytes = elem_bytes;
  p.in_shape = xs;
  p.inputs = {o.inputs[0]};
}

std::string EmitResizeParams(const EmitContext& e) {
  const ts_resize_params& c = e.p.resize;
  return e.w.Params("ts_resize_params", Init()
                                            .F("in_h", c.in_h).F("in_w", c.in_w).F("channels", c.channels)
                                            .F("out_h", c.out_h).F("out_w", c.out_w)
                                            .F("align_corners", c.align_corners)
                                            .F("half_pixel_centers", c.half_pixel_centers)
                                            .F("elem_bytes", c.elem_bytes)
                                            .str());
}

}  // namespace tessera::ops
