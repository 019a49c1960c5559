// GATHER (TFLM gather.cc): rows of `params` picked along one axis by int32 `indices`, with
// batch_dims; int8 params (the output sharing their quantization: the kernel copies bytes) or
// float32, as TFLM's Prepare accepts. Either operand may be a constant (an embedding table, a
// fixed selection); constant indices outside [0, axis size) fail at validation, run-time ones
// fail the run (the executor throws naming the operator, the generated invoke returns -1), as
// TFLM's Eval does, and are never used to read. GATHERs of int32 / int64 values (shape
// arithmetic, int32 or int64 indices) fold at load time when their operands are constant.
// Runs over its whole output: an output window's rows come from rows of the params that only
// the indices' values say.
#include <cstring>
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

// The operator's geometry (TFLM gather.cc): params [batch..][outer..][axis][inner..], indices
// [batch..][coords..], output [batch..][outer..][coords..][inner..].
struct GatherGeometry {
  int axis = 0, batch_dims = 0;
  int64_t batches = 1, outer = 1, axis_size = 1, inner = 1, coords = 1;
  std::vector<int32_t> out_shape;
};

// Resolves the options against the operands' shapes as TFLM's Prepare does; false with `why`.
bool Resolve(const GatherOptions& o, const std::vector<int32_t>& ps, const std::vector<int32_t>& is, GatherGeometry* g,
             std::string* why) {
  const int pr = static_cast<int>(ps.size()), ir = static_cast<int>(is.size());
  if (pr < 1) {
    *why = "params must have rank 1 or more";
    return false;
  }
  const int axis = o.axis < 0 ? o.axis + pr : o.axis;
  if (axis < 0 || axis >= pr) {
    *why = "axis " + std::to_string(o.axis) + " is out of range for params rank " + std::to_string(pr);
    return false;
  }
  const int bd = o.batch_dims < 0 ? o.batch_dims + ir : o.batch_dims;
  if (bd < 0 || bd > ir || bd >= pr || bd > axis) {
    *why = "batch_dims " + std::to_string(o.batch_dims) + " is out of range (params rank " + std::to_string(pr) +
           ", indices rank " + std::to_string(ir) + ", axis " + std::to_string(axis) + ")";
    return false;
  }
  for (int i = 0; i < bd; ++i)
    if (ps[i] != is[i]) {
      *why = "batch dimension " + std::to_string(i) + " of params (" + std::to_string(ps[i]) + ") and indices (" +
             std::to_string(is[i]) + ") differ";
      return false;
    }
  g->axis = axis;
  g->batch_dims = bd;
  g->batches = g->outer = g->inner = g->coords = 1;
  for (int i = 0; i < bd; ++i) g->batches *= ps[i];
  for (int i = bd; i < axis; ++i) g->outer *= ps[i];
  for (int i = axis + 1; i < pr; ++i) g->inner *= ps[i];
  for (int i = bd; i < ir; ++i) g->coords *= is[i];
  g->axis_size = ps[axis];
  g->out_shape.assign(ps.begin(), ps.begin() + axis);
  g->out_shape.insert(g->out_shape.end(), is.begin() + bd, is.end());
  g->out_shape.insert(g->out_shape.end(), ps.begin() + axis + 1, ps.end());
  return true;
}

int64_t IndexAt(const Tensor& t, int64_t k) {
  if (t.type == DType::kInt64) {
    int64_t v;
    std::memcpy(&v, t.data.data() + 8 * k, 8);
    return v;
  }
  int32_t v;
  std::memcpy(&v, t.data.data() + 4 * k, 4);
  return v;
}

// The first index of a constant indices tensor outside [0, axis_size), or -1.
int64_t FirstBadIndex(const Tensor& t, int64_t axis_size) {
  for (int64_t k = 0; k < t.num_elements(); ++k) {
    const int64_t v = IndexAt(t, k);
    if (v < 0 || v >= axis_size) return k;
  }
  return -1;
}

bool HasData(const Tensor& t) { return t.is_const && static_cast<int64_t>(t.data.size()) == t.num_bytes(); }

struct GatherParams {
  int32_t batches = 1, outer = 1, axis_size = 1, inner_bytes = 1, coords = 1;
  int params_view = -1, indices_view = -1;  // index into RunOp's inputs, -1: a constant
  int params_tensor = kNoTensor, indices_tensor = kNoTensor;
  const uint8_t* params_const = nullptr;
  const uint8_t* indices_const = nullptr;
  Shape4 view_shapes[2];  // NHWC views of RunOp's inputs
};

class Gather final : public OpUnit {
 public:
  Gather() : OpUnit(OpType::kGather, "GATHER", static_cast<int32_t>(tflite::fb::BuiltinOperator::GATHER)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    GatherOptions o;
    if (const auto* p = in.Table<tflite::fb::GatherOptions>(BuiltinOptions::GatherOptions)) {
      o.axis = p->axis();
      o.batch_dims = p->batch_dims();
    }
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const GatherOptions& o = out.Opts<GatherOptions>(op);
    out.Set(BuiltinOptions::GatherOptions, tflite::fb::CreateGatherOptions(out.b, o.axis, o.batch_dims).Union());
  }

  // int32 / int64 values with constant int32 / int64 indices, every index in range.
  bool Fold(const Graph& g, const Operator& o, std::vector<uint8_t>* out) const override {
    const int nt = static_cast<int>(g.tensors.size());
    if (o.inputs.size() != 2 || !std::holds_alternative<GatherOptions>(o.options)) return false;
    for (int t : o.inputs)
      if (t < 0 || t >= nt) return false;
    const Tensor& x = g.tensors[o.inputs[0]];
    const Tensor& ix = g.tensors[o.inputs[1]];
    if ((x.type != DType::kInt32 && x.type != DType::kInt64) || (ix.type != DType::kInt32 && ix.type != DType::kInt64) ||
        !HasData(x) || !HasData(ix))
      return false;
    GatherGeometry geo;
    std::string why;
    if (!Resolve(o.opts<GatherOptions>(), x.shape, ix.shape, &geo, &why)) return false;
    if (FirstBadIndex(ix, geo.axis_size) >= 0) return false;
    const int64_t eb = DTypeSize(x.type);
    out->assign(static_cast<size_t>(geo.batches * geo.outer * geo.coords * geo.inner * eb), 0);
    if (out->empty()) return true;
    return ts_gather(x.data.data(), static_cast<int32_t>(geo.batches), static_cast<int32_t>(geo.outer),
                     static_cast<int32_t>(geo.axis_size), static_cast<int32_t>(geo.inner * eb), ix.data.data(),
                     DTypeSize(ix.type), static_cast<int32_t>(geo.coords), out->data()) == 0;
  }

  void Validate(OpCheck& c) const override {
    c.Arity(2, 2);
    const GatherOptions& o = c.Options<GatherOptions>("GatherOptions");
    const int x = c.In(0, "params"), ix = c.In(1, "indices"), out = c.Out();
    for (int t : {x, ix})
      if (c.T(t).shape.size() > static_cast<size_t>(OpCheck::kMaxRank))
        c.OpFail(c.Role(t == x ? "params" : "indices", t) + " has rank " + std::to_string(c.T(t).shape.size()));
    GatherGeometry geo;
    std::string why;
    if (!Resolve(o, c.T(x).shape, c.T(ix).shape, &geo, &why)) c.OpFail(why);
    for (int t : {x, ix})
      if (c.T(t).is_const && !HasData(c.T(t)))
        c.OpFail(c.Role(t == x ? "params" : "indices", t) + " is constant but holds " +
                 std::to_string(c.T(t).data.size()) + " bytes, expected " + std::to_string(c.T(t).num_bytes()));
    c.Type(ix, "indices", {DType::kInt32, DType::kInt64});
    if (c.T(ix).is_const) {
      const int64_t k = FirstBadIndex(c.T(ix), geo.axis_size);
      if (k >= 0)
        c.OpFail("index " + std::to_string(IndexAt(c.T(ix), k)) + " (element " + std::to_string(k) + " of " +
                 c.Role("indices", ix) + ") is outside [0, " + std::to_string(geo.axis_size) + ") of axis " +
                 std::to_string(geo.axis));
    }
    if (c.T(x).type == DType::kInt32 || c.T(x).type == DType::kInt64)
      c.OpFail(c.Role("params", x) + " is " + DTypeName(c.T(x).type) +
               ", which only folds at load time (both operands constant); TFLM's GATHER takes int8 or float32");
    c.Type(x, "params", {DType::kInt8, DType::kFloat32});
    if (c.T(ix).type != DType::kInt32)
      c.OpFail(c.Role("indices", ix) + " is " + DTypeName(c.T(ix).type) +
               ", expected int32 (TFLM's GATHER takes int32 positions only)");
    c.SameType(x, out, "params", "output");
    if (c.T(x).type == DType::kInt8) {
      c.PerTensor(x, "params");
      c.PerTensor(out, "output");
      if (c.T(x).quant.scale != c.T(out).quant.scale || c.T(x).quant.zero_point != c.T(out).quant.zero_point)
        c.OpFail(c.Role("params", x) + " and output " + c.TRef(out) + " must share scale and zero point");
    }
    if (geo.batches * geo.outer * geo.coords * geo.inner * DTypeSize(c.T(x).type) > (int64_t{1} << 30))
      c.OpFail("output too large");
    c.ExpectShape(geo.out_shape);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, 0, "params");
    const Tensor& ix = OperandTensor(g, label, o, 1, "indices");
    const Tensor& y = OutputTensor(g, label, o);
    if (x.type != DType::kInt8 && x.type != DType::kFloat32)
      Fail(label, std::string("GATHER of ") + DTypeName(x.type) + " is not supported");
    RequireType(label, ix, DType::kInt32, "indices");
    if (x.type != y.type) Fail(label, "params and output types differ");
    if (!std::holds_alternative<GatherOptions>(o.options)) Fail(label, "options must be GatherOptions");
    GatherGeometry geo;
    std::string why;
    if (!Resolve(o.opts<GatherOptions>(), x.shape, ix.shape, &geo, &why)) Fail(label, why);
    if (geo.out_shape != y.shape)
      Fail(label, "output '" + y.name + "' has shape " + ShapeStr(y.shape) + ", expected " + ShapeStr(geo.out_shape));
    GatherParams& q = UnitParams<GatherParams>(p);
    q.batches = static_cast<int32_t>(geo.batches);
    q.outer = static_cast<int32_t>(geo.outer);
    q.axis_size = static_cast<int32_t>(geo.axis_size);
    q.inner_bytes = static_cast<int32_t>(geo.inner * ElemBytes(x.type));
    q.coords = static_cast<int32_t>(geo.coords);
    q.params_tensor = o.inputs[0];
    q.indices_tensor = o.inputs[1];
    p.inputs.clear();
    auto operand = [&](const Tensor& t, int tensor, const char* role, int* view, const uint8_t** data) {
      if (t.is_const) {
        RequireConst(label, t, role);
        *data = t.data.data();
        return;
      }
      *view = static_cast<int>(p.inputs.size());
      q.view_shapes[*view] = AsNHWC(t.shape);
      p.inputs.push_back(tensor);
    };
    operand(x, o.inputs[0], "params", &q.params_view, &q.params_const);
    operand(ix, o.inputs[1], "indices", &q.indices_view, &q.indices_const);
    if (q.indices_const) {
      const int64_t k = FirstBadIndex(ix, geo.axis_size);
      if (k >= 0) Fail(label, "constant indices '" + ix.name + "' hold an index outside [0, " + std::to_string(geo.axis_size) + ")");
    }
    p.in_shape = p.inputs.empty() ? Shape4{} : q.view_shapes[0];
    p.in_elem_bytes = p.inputs.empty() ? 1 : ElemBytes(g.tensors[p.inputs[0]].type);
    p.out_elem_bytes = ElemBytes(y.type);
    p.kind = Kind::kWhole;
    p.impl = Impl::kUnit;
  }

  Window RequiredInputWindow(const PreparedOp& p, int input, Window) const override {
    const GatherParams& q = UnitParams<GatherParams>(p);
    if (input < 0 || input >= static_cast<int>(p.inputs.size()) || input > 1)
      Fail(p.label, "no input buffer " + std::to_string(input));
    return FullOf(q.view_shapes[input]);
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window,
           uint8_t*, uint8_t*) const override {
    const GatherParams& q = UnitParams<GatherParams>(p);
    const uint8_t* x = q.params_view >= 0 ? inputs[q.params_view].data : q.params_const;
    const uint8_t* ix = q.indices_view >= 0 ? inputs[q.indices_view].data : q.indices_const;
    if (ts_gather(x, q.batches, q.outer, q.axis_size, q.inner_bytes, ix, 4, q.coords, out.data) == 0) return;
    const int64_t n = int64_t{q.batches} * q.coords;
    for (int64_t k = 0; k < n; ++k) {
      int32_t v;
      std::memcpy(&v, ix + 4 * k, 4);
      if (v < 0 || v >= q.axis_size)
        Fail(p.label, "index " + std::to_string(v) + " (element " + std::to_string(k) + " of the indices) is outside [0, " +
                          std::to_string(q.axis_size) + ") (TFLM's GATHER fails too)");
    }
    Fail(p.label, "an index is out of range");
  }

  std::string Emit(const EmitContext& e) const override {
    const GatherParams& q = UnitParams<GatherParams>(e.p);
    const std::string x = q.params_view >= 0 ? e.in_ptr(q.params_view) : e.w.ConstTensor(q.params_tensor);
    const std::string ix = q.indices_view >= 0 ? e.in_ptr(q.indices_view) : e.w.ConstTensor(q.indices_tensor);
    std::string r = "  if (ts_gather(" + x + ", " + std::to_string(q.batches) + ", " + std::to_string(q.outer) + ", " +
                    std::to_string(q.axis_size) + ", " + std::to_string(q.inner_bytes) + ", " + ix + ", 4, " +
                    std::to_string(q.coords) + ", " + e.out_ptr() + ") != 0) return -1; /* GATHER index out of range */\n";
    return r;
  }
};

}  // namespace

const OpUnit& GatherUnit() {
  static const Gather u;
  return u;
}

}  // namespace tessera::ops
