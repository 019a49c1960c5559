// STRIDED_SLICE (TFLM strided_slice.cc): a byte copy of a strided box of the input, rank <= 4
// as TFLM (its ellipsis, new-axis and offset fields unsupported, as TFLM ignores them). Runs
// over its whole output; folds at load time when its input is a constant (shape arithmetic).
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

constexpr int kMaxRank = 4;  // TFLM's strided_slice.cc

// The int32 values of constant operand `t` (begin, end, strides), or an error.
bool Int32s(const Graph& g, int t, std::vector<int32_t>* v, std::string* why, const char* role) {
  if (t < 0 || t >= static_cast<int>(g.tensors.size())) {
    *why = std::string(role) + " is missing";
    return false;
  }
  const Tensor& x = g.tensors[t];
  if (!x.is_const || x.type != DType::kInt32 || x.shape.size() > 1 ||
      static_cast<int64_t>(x.data.size()) != x.num_bytes()) {
    *why = std::string(role) + " tensor '" + x.name + "' must be a constant 1-D int32 tensor";
    return false;
  }
  v->resize(static_cast<size_t>(x.num_elements()));
  if (!v->empty()) std::memcpy(v->data(), x.data.data(), v->size() * 4);
  return true;
}

// Resolves operator o's slice of its input into *p and the output shape; false with *why.
bool Resolve(const Graph& g, const Operator& o, ts_slice_params* p, std::vector<int32_t>* out_shape,
             std::string* why) {
  const auto* opt = std::get_if<StridedSliceOptions>(&o.options);
  if (!opt) {
    *why = "options must be StridedSliceOptions";
    return false;
  }
  if (o.inputs.size() != 4 || o.inputs[0] < 0 || o.inputs[0] >= static_cast<int>(g.tensors.size())) {
    *why = "needs 4 inputs (input, begin, end, strides)";
    return false;
  }
  if (opt->ellipsis_mask || opt->new_axis_mask || opt->offset) {
    *why = "ellipsis_mask, new_axis_mask and offset are not supported (TFLM ignores them)";
    return false;
  }
  const Tensor& x = g.tensors[o.inputs[0]];
  if (x.shape.size() > static_cast<size_t>(kMaxRank)) {
    *why = "input '" + x.name + "' has rank " + std::to_string(x.shape.size()) + ", at most 4 is supported";
    return false;
  }
  std::vector<int32_t> begin, end, strides;
  if (!Int32s(g, o.inputs[1], &begin, why, "begin") || !Int32s(g, o.inputs[2], &end, why, "end") ||
      !Int32s(g, o.inputs[3], &strides, why, "strides"))
    return false;
  if (begin.size() != end.size() || begin.size() != strides.size() || begin.size() > x.shape.size()) {
    *why = "begin, end and strides must have the same length, at most the input's rank";
    return false;
  }
  const ts_strided_slice_spec spec{static_cast<int32_t>(begin.size()),
                                   begin.data(),
                                   end.data(),
                                   strides.data(),
                                   opt->begin_mask,
                                   opt->end_mask,
                                   0,
                                   0,
                                   opt->shrink_axis_mask,
                                   0};
  int32_t out_rank = 0, out_dims[TS_SLICE_MAX_DIMS];
  if (!ts_strided_slice_resolve(&spec, static_cast<int32_t>(x.shape.size()), x.shape.data(), DTypeSize(x.type), p,
                                &out_rank, out_dims)) {
    *why = "the slice is invalid (a zero stride, or a shrunk axis that selects no element)";
    return false;
  }
  out_shape->assign(out_dims, out_dims + out_rank);
  return true;
}

std::string ArrayOf(const int32_t* v) { return Array(v, TS_SLICE_MAX_DIMS); }

class StridedSlice final : public OpUnit {
 public:
  StridedSlice()
      : OpUnit(OpType::kStridedSlice, "STRIDED_SLICE", static_cast<int32_t>(tflite::fb::BuiltinOperator::STRIDED_SLICE)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    StridedSliceOptions o;
    if (const auto* p = in.Table<tflite::fb::StridedSliceOptions>(BuiltinOptions::StridedSliceOptions)) {
      o.begin_mask = p->begin_mask();
      o.end_mask = p->end_mask();
      o.ellipsis_mask = p->ellipsis_mask();
      o.new_axis_mask = p->new_axis_mask();
      o.shrink_axis_mask = p->shrink_axis_mask();
      o.offset = p->offset();
    }
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const auto& o = out.Opts<StridedSliceOptions>(op);
    out.Set(BuiltinOptions::StridedSliceOptions,
            tflite::fb::CreateStridedSliceOptions(out.b, o.begin_mask, o.end_mask, o.ellipsis_mask, o.new_axis_mask,
                                                  o.shrink_axis_mask, o.offset)
                .Union());
  }

  bool Fold(const Graph& g, const Operator& o, std::vector<uint8_t>* out) const override {
    ts_slice_params p;
    std::vector<int32_t> shape;
    std::string why;
    if (!Resolve(g, o, &p, &shape, &why)) return false;
    const Tensor& x = g.tensors[o.inputs[0]];
    if (!x.is_const || static_cast<int64_t>(x.data.size()) != x.num_bytes()) return false;
    int64_t n = DTypeSize(x.type);
    for (int32_t d : shape) n *= d;
    out->assign(static_cast<size_t>(n), 0);
    ts_slice(&p, x.data.data(), out->data());
    return true;
  }

  void Validate(OpCheck& c) const override {
    c.Arity(4, 4);
    c.Options<StridedSliceOptions>("StridedSliceOptions");
    const int in = c.In(0, "input"), out = c.Out();
    c.Activation(in, "input");
    c.Type(in, "input", {DType::kInt8, DType::kInt16, DType::kInt32, DType::kFloat32});
    c.SameType(in, out, "input", "output");
    for (int k = 1; k <= 3; ++k) c.Const(c.In(k, k == 1 ? "begin" : k == 2 ? "end" : "strides"), "operand");
    ts_slice_params p;
    std::vector<int32_t> shape;
    std::string why;
    if (!Resolve(c.graph(), c.op(), &p, &shape, &why)) c.OpFail(why);
    c.ExpectShape(shape);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    std::vector<int32_t> shape;
    std::string why;
    if (!Resolve(g, o, &UnitParams<ts_slice_params>(p), &shape, &why)) Fail(p.label, why);
    const Tensor& x = OperandTensor(g, p.label, o, 0, "input");
    p.inputs = {o.inputs[0]};
    p.in_shape = AsNHWC(x.shape);
    p.in_elem_bytes = p.out_elem_bytes = ElemBytes(x.type);
    p.kind = Kind::kWhole;
    p.impl = Impl::kUnit;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window,
           uint8_t*, uint8_t*) const override {
    ts_slice(&UnitParams<ts_slice_params>(p), inputs[0].data, out.data);
  }

  std::string Emit(const EmitContext& e) const override {
    const ts_slice_params& c = UnitParams<ts_slice_params>(e.p);
    const std::string params = e.w.Params("ts_slice_params", Init()
                                                                 .F("rank", c.rank)
                                                                 .S("in_dims", ArrayOf(c.in_dims))
                                                                 .S("start", ArrayOf(c.start))
                                                                 .S("stride", ArrayOf(c.stride))
                                                                 .S("count", ArrayOf(c.count))
                                                                 .F("elem_bytes", c.elem_bytes)
                                                                 .str());
    return "  ts_slice(&" + params + ", " + e.in_ptr(0) + ", " + e.out_ptr() + ");\n";
  }
};

}  // namespace

const OpUnit& StridedSliceUnit() {
  static const StridedSlice u;
  return u;
}

}  // namespace tessera::ops
