// ARG_MAX and ARG_MIN of an int8 tensor over one constant axis (TFLM arg_min_max.cc): int32 or
// int64 indices, the first index of the extreme value on a tie. Runs over its whole output
// (its output never shares bytes with its input).
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

struct ArgParams {
  int32_t outer = 1, axis_size = 1, inner = 1, out_bytes = 4;
};

// The axis of input shape `is` named by a one-element int32/int64 constant; -1 when invalid
// (`why` then says why).
int Axis(const std::vector<int64_t>& v, size_t rank, std::string* why) {
  if (v.size() != 1) {
    *why = "has " + std::to_string(v.size()) + " values, expected 1";
    return -1;
  }
  const int64_t r = static_cast<int64_t>(rank);
  if (v[0] < -r || v[0] >= r) {
    *why = "is " + std::to_string(v[0]) + ", out of range for input rank " + std::to_string(rank);
    return -1;
  }
  return static_cast<int>((v[0] + r) % r);
}

class ArgMinMax final : public OpUnit {
 public:
  explicit ArgMinMax(bool is_max)
      : OpUnit(is_max ? OpType::kArgMax : OpType::kArgMin, is_max ? "ARG_MAX" : "ARG_MIN",
               static_cast<int32_t>(is_max ? tflite::fb::BuiltinOperator::ARG_MAX : tflite::fb::BuiltinOperator::ARG_MIN)),
        is_max_(is_max) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    ArgMinMaxOptions o;
    tflite::fb::TensorType t = tflite::fb::TensorType::INT64;
    bool present = false;
    if (is_max_) {
      if (const auto* p = in.Table<tflite::fb::ArgMaxOptions>(BuiltinOptions::ArgMaxOptions)) t = p->output_type(), present = true;
    } else {
      if (const auto* p = in.Table<tflite::fb::ArgMinOptions>(BuiltinOptions::ArgMinOptions)) t = p->output_type(), present = true;
    }
    const auto d = tflite::FromTensorType(t);
    if (present && (!d || (*d != DType::kInt32 && *d != DType::kInt64)))
      in.Fail("output_type must be INT32 or INT64, is " + std::string(tflite::fb::EnumNameTensorType(t)));
    if (d) o.out_type = *d;
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const auto t = tflite::ToTensorType(out.Opts<ArgMinMaxOptions>(op).out_type);
    if (is_max_)
      out.Set(BuiltinOptions::ArgMaxOptions, tflite::fb::CreateArgMaxOptions(out.b, t).Union());
    else
      out.Set(BuiltinOptions::ArgMinOptions, tflite::fb::CreateArgMinOptions(out.b, t).Union());
  }

  void Validate(OpCheck& c) const override {
    c.Arity(2, 2);
    const DType ot = c.Options<ArgMinMaxOptions>(is_max_ ? "ArgMaxOptions" : "ArgMinOptions").out_type;
    const int in = c.In(0, "input"), ax = c.In(1, "axis"), out = c.Out();
    c.Activation(in, "input");
    c.Type(in, "input", {DType::kInt8});
    c.Type(out, "output", {DType::kInt32, DType::kInt64});
    if (c.T(out).type != ot)
      c.OpFail("output " + c.TRef(out) + " is " + DTypeName(c.T(out).type) + " but output_type says " + DTypeName(ot));
    const auto& is = c.T(in).shape;
    if (is.empty() || is.size() > static_cast<size_t>(OpCheck::kMaxRank))
      c.OpFail(c.Role("input", in) + " has rank " + std::to_string(is.size()));
    std::string why;
    const int a = Axis(c.Ints(ax, "axis"), is.size(), &why);
    if (a < 0) c.OpFail(c.Role("axis", ax) + " " + why);
    std::vector<int32_t> want;
    for (size_t d = 0; d < is.size(); ++d)
      if (static_cast<int>(d) != a) want.push_back(is[d]);
    c.ExpectShape(want);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& ax = OperandTensor(g, label, o, 1, "axis");
    const Tensor& y = OutputTensor(g, label, o);
    RequireType(label, x, DType::kInt8, "input");
    if (y.type != DType::kInt32 && y.type != DType::kInt64)
      Fail(label, "output '" + y.name + "' is " + DTypeName(y.type) + ", expected int32 or int64");
    std::string why;
    const int a = Axis(ConstInts(label, ax, "axis"), x.shape.size(), &why);
    if (a < 0) Fail(label, "axis '" + ax.name + "' " + why);
    ArgParams& q = UnitParams<ArgParams>(p);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < a; ++d) outer *= x.shape[d];
    for (size_t d = a + 1; d < x.shape.size(); ++d) inner *= x.shape[d];
    q.outer = static_cast<int32_t>(outer);
    q.axis_size = x.shape[a];
    q.inner = static_cast<int32_t>(inner);
    q.out_bytes = ElemBytes(y.type);
    if (y.num_elements() != outer * inner) Fail(label, "output '" + y.name + "' does not have the input's shape without the axis");
    p.inputs = {o.inputs[0]};
    p.in_shape = AsNHWC(x.shape);
    p.in_elem_bytes = 1;
    p.out_elem_bytes = q.out_bytes;
    p.kind = Kind::kWhole;
    p.impl = Impl::kUnit;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window,
           uint8_t*, uint8_t*) const override {
    const ArgParams& q = UnitParams<ArgParams>(p);
    ts_arg_min_max_s8(reinterpret_cast<const int8_t*>(inputs[0].data), q.outer, q.axis_size, q.inner, is_max_ ? 1 : 0,
                      q.out_bytes, out.data);
  }

  std::string Emit(const EmitContext& e) const override {
    const ArgParams& q = UnitParams<ArgParams>(e.p);
    return EmitCall("ts_arg_min_max_s8", {e.in_ptr(0), std::to_string(q.outer), std::to_string(q.axis_size),
                                          std::to_string(q.inner), is_max_ ? "1" : "0", std::to_string(q.out_bytes),
                                          e.out_ptr()});
  }

 private:
  bool is_max_;
};

}  // namespace

const OpUnit& ArgMaxUnit() {
  static const ArgMinMax u(true);
  return u;
}
const OpUnit& ArgMinUnit() {
  static const ArgMinMax u(false);
  return u;
}

}  // namespace tessera::ops
