// TRANSPOSE (TFLM transpose.cc), int8 and float32, rank <= TS_MAX_DIMS. A TRANSPOSE of rank
// <= 4 whose NHWC views have batch 1 on both sides (e.g. NCHW -> NHWC) runs over any output
// window, reading a rectangle of the input's view (ts_transpose_window); any other runs whole.
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

class Transpose final : public OpUnit {
 public:
  Transpose() : OpUnit(OpType::kTranspose, "TRANSPOSE", static_cast<int32_t>(tflite::fb::BuiltinOperator::TRANSPOSE)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override { return in.Empty(BuiltinOptions::TransposeOptions); }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Opts<std::monostate>(op);
    out.Set(BuiltinOptions::TransposeOptions, tflite::fb::CreateTransposeOptions(out.b).Union());
  }

  void Validate(OpCheck& c) const override {
    c.Arity(2, 2);
    c.NoOptions();
    const int in = c.In(0, "input"), pt = c.In(1, "perm"), out = c.Out();
    c.IoInt8(in, out);
    const auto& is = c.T(in).shape;
    const int r = static_cast<int>(is.size());
    if (c.T(pt).shape.size() > 1) c.OpFail(c.Role("perm", pt) + " must be 1-D");
    const auto perm = c.Ints(pt, "perm");
    if (static_cast<int>(perm.size()) != r)
      c.OpFail(c.Role("perm", pt) + " has " + std::to_string(perm.size()) + " entries, input rank is " +
               std::to_string(r));
    std::vector<char> seen(r, 0);
    std::vector<int32_t> want(r);
    for (int d = 0; d < r; ++d) {
      if (perm[d] < 0 || perm[d] >= r || seen[perm[d]])
        c.OpFail(c.Role("perm", pt) + " is not a permutation of 0.." + std::to_string(r - 1));
      seen[perm[d]] = 1;
      want[d] = is[perm[d]];
    }
    c.ExpectShape(want);
  }

  bool Windowable(const Graph& g, int op) const override {
    int32_t perm4[4];
    return TransposePerm4(g, op, perm4);
  }

  Window InputWindow(const WindowQuery& q) const override {
    int32_t perm4[4];
    if (q.operand != 0 || !TransposePerm4(q.g, q.op, perm4)) return q.Full();
    // Output view rows are input axis perm4[1], columns input axis perm4[2]; the input
    // view's rows are its axis 1 and columns its axis 2. Other axes are read whole.
    Window w{0, q.in.h, 0, q.in.w};
    const int32_t lo[3] = {0, q.out_win.y0, q.out_win.x0}, hi[3] = {0, q.out_win.y1, q.out_win.x1};
    for (int j = 1; j <= 2; ++j) {
      if (perm4[j] == 1) w.y0 = lo[j], w.y1 = hi[j];
      if (perm4[j] == 2) w.x0 = lo[j], w.x1 = hi[j];
    }
    return q.Clip(w);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& pt = OperandTensor(g, label, o, 1, "perm");
    const Tensor& y = OutputTensor(g, label, o);
    if (x.type != y.type) Fail(label, "input and output types differ");
    if (x.type != DType::kInt8 && x.type != DType::kFloat32)
      Fail(label, std::string("TRANSPOSE of ") + DTypeName(x.type) + " is not supported");
    RequireRank(label, x, 1, TS_MAX_DIMS, "input");
    const int rank = static_cast<int>(x.shape.size());
    const std::vector<int64_t> perm = ConstInts(label, pt, "perm");
    if (static_cast<int>(perm.size()) != rank)
      Fail(label, "perm tensor '" + pt.name + "' has " + std::to_string(perm.size()) +
                      " entries, the input has rank " + std::to_string(rank));
    ts_transpose_params& t = p.transpose;
    t.rank = rank;
    t.elem_bytes = ElemBytes(x.type);
    std::vector<bool> seen(rank, false);
    std::vector<int32_t> out_shape(rank);
    for (int i = 0; i < rank; ++i) {
      const int64_t v = perm[i] < 0 ? perm[i] + rank : perm[i];
      if (v < 0 || v >= rank || seen[v])
        Fail(label, "perm tensor '" + pt.name + "' is not a permutation of 0.." + std::to_string(rank - 1));
      seen[v] = true;
      t.perm[i] = static_cast<int32_t>(v);
      t.in_dims[i] = x.shape[i];
    }
    for (int i = 0; i < rank; ++i) out_shape[i] = x.shape[t.perm[i]];
    if (out_shape != y.shape)
      Fail(label, "output '" + y.name + "' has shape " + ShapeStr(y.shape) + ", the permutation gives " +
                      ShapeStr(out_shape));
    p.inputs = {o.inputs[0]};
    p.in_shape = AsNHWC(x.shape);
    p.in_elem_bytes = p.out_elem_bytes = t.elem_bytes;
    // Rank <= 4 with batch 1 on both sides: any output window reads a rectangle of the input
    // (ts_transpose_input_window), so the operator runs over windows like a spatial one.
    p.kind = ts_transpose_windowable(&t) ? Kind::kSpatial : Kind::kWhole;
    p.impl = Impl::kTranspose;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t*, uint8_t*) const override {
    if (p.kind == Kind::kSpatial)
      ts_transpose_window(&p.transpose, CBuf(inputs[0]), Buf(out), KWin(win));
    else
      ts_transpose(&p.transpose, inputs[0].data, out.data);
  }

  Window RequiredInputWindow(const PreparedOp& p, int input, Window win) const override {
    if (p.kind != Kind::kSpatial) return OpUnit::RequiredInputWindow(p, input, win);
    const ts_window k = ts_transpose_input_window(&p.transpose, KWin(win));
    const Window r{k.y0, k.y1, k.x0, k.x1};
    if (r.empty()) return Window{};
    return r;
  }

  std::string Emit(const EmitContext& e) const override {
    const ts_transpose_params& c = e.p.transpose;
    const std::string params = e.w.Params("ts_transpose_params", Init()
                                                                     .F("rank", c.rank)
                                                                     .S("in_dims", Array(c.in_dims, TS_MAX_DIMS))
                                                                     .S("perm", Array(c.perm, TS_MAX_DIMS))
                                                                     .F("elem_bytes", c.elem_bytes)
                                                                     .str());
    if (e.p.kind == Kind::kSpatial)  // a window of the output from a window of the input
      return "  ts_transpose_window(&" + params + ", " + e.in(0) + ", " + e.out() + ", " + e.win() + ");\n";
    return "  ts_transpose(&" + params + ", " + e.in_ptr(0) + ", " + e.out_ptr() + ");\n";
  }
};

}  // namespace

const OpUnit& TransposeUnit() {
  static const Transpose u;
  return u;
}

}  // namespace tessera::ops
