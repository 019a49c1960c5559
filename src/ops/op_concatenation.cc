// CONCATENATION (TFLM concatenation.cc): a byte copy of every input along the axis (int8 or
// int16 inputs keep their bytes; TFLM does not rescale), and PACK (TFLM pack.cc): the same copy with
// a new axis of one entry per input. Both run over their whole output; PACK folds at load time
// when every input is a constant (shape arithmetic).
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

// The kernel call of a prepared CONCATENATION or PACK (p.operands, p.concat_*).
void RunConcat(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out) {
  std::vector<const void*> ptrs;
  for (const auto& op : p.operands)
    ptrs.push_back(op.view >= 0 ? static_cast<const void*>(inputs[op.view].data)
                                : static_cast<const void*>(op.const_data));
  ts_concatenation(ptrs.data(), p.concat_axis_sizes.data(), static_cast<int32_t>(ptrs.size()), p.concat_outer,
                   p.concat_inner_bytes, out.data);
}

std::string EmitConcat(const EmitContext& e) {
  const PreparedOp& p = e.p;
  std::string o = "  {\n    const void* const inputs[" + std::to_string(p.operands.size()) + "] = {";
  for (size_t k = 0; k < p.operands.size(); ++k) {
    const ops::Operand& od = p.operands[k];
    o += (k ? ", " : "") + (od.view >= 0 ? e.w.BufferPtr(e.st.inputs.at(od.view)) : e.const_operand(od));
  }
  o += "};\n    static const int32_t axis_sizes[" + std::to_string(p.concat_axis_sizes.size()) + "] = " +
       Array(p.concat_axis_sizes.data(), static_cast<int>(p.concat_axis_sizes.size())) + ";\n" +
       "    ts_concatenation(inputs, axis_sizes, " + std::to_string(p.operands.size()) + ", " +
       std::to_string(p.concat_outer) + ", " + std::to_string(p.concat_inner_bytes) + ", " + e.out_ptr() +
       ");\n  }\n";
  return o;
}

// One operand of a CONCATENATION or PACK: a view of RunOp's inputs or a Graph constant.
void AddConcatOperand(const Graph& g, const Operator& o, size_t i, PreparedOp& p, const std::string& role) {
  const Tensor& t = g.tensors[o.inputs[i]];
  ops::Operand op;
  op.tensor = o.inputs[i];
  op.shape = AsNHWC(t.shape);
  if (t.is_const) {
    RequireConst(p.label, t, role.c_str());
    op.const_data = t.data.data();
  } else {
    op.view = static_cast<int>(p.inputs.size());
    p.inputs.push_back(o.inputs[i]);
  }
  p.operands.push_back(op);
}

class Concatenation final : public OpUnit {
 public:
  Concatenation()
      : OpUnit(OpType::kConcatenation, "CONCATENATION",
               static_cast<int32_t>(tflite::fb::BuiltinOperator::CONCATENATION)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    ConcatenationOptions o;
    if (const auto* p = in.Table<tflite::fb::ConcatenationOptions>(BuiltinOptions::ConcatenationOptions)) {
      o.axis = p->axis();
      o.activation = in.ReadActivation(p->fused_activation_function());
    }
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const auto& o = out.Opts<ConcatenationOptions>(op);
    out.Set(BuiltinOptions::ConcatenationOptions,
            tflite::fb::CreateConcatenationOptions(out.b, o.axis, tflite::ToActivation(o.activation)).Union());
  }

  void Validate(OpCheck& c) const override {
    const Operator& op = c.op();
    if (op.inputs.empty()) c.OpFail("has no inputs");
    int32_t& axis = c.Options<ConcatenationOptions>("ConcatenationOptions").axis;
    const int out = c.Out();
    // int8, or int16 (TFLM's int16 concatenation copies bytes as its int8 one does)
    const bool s16 = c.T(out).type == DType::kInt16;
    auto quant = [&](int t, const char* role) {
      if (!s16) return c.QuantInt8(t, role);
      c.Type(t, role, {DType::kInt16});
      c.PerTensor(t, role);
    };
    quant(out, "output");
    const int first = c.In(0, "input");
    const int r = static_cast<int>(c.T(first).shape.size());
    if (axis < -r || axis >= r) c.OpFail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(r));
    if (axis < 0) axis += r;  // canonical form
    std::vector<int32_t> want = c.T(first).shape;
    int64_t sum = 0;
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      const int t = c.In(static_cast<int>(k), "input");
      quant(t, "input");
      const auto& s = c.T(t).shape;
      if (static_cast<int>(s.size()) != r)
        c.OpFail("input " + c.TRef(t) + " " + ShapeStr(s) + " has a different rank than " + ShapeStr(want));
      for (int d = 0; d < r; ++d)
        if (d != axis && s[d] != want[d])
          c.OpFail("input " + c.TRef(t) + " " + ShapeStr(s) + " differs from " + ShapeStr(c.T(first).shape) +
                   " outside the concatenation axis " + std::to_string(axis));
      sum += s[axis];
    }
    if (sum > (int64_t{1} << 30)) c.OpFail("concatenated dimension is too large");
    want[axis] = static_cast<int32_t>(sum);
    c.ExpectShape(want);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& y = OutputTensor(g, label, o);
    RequireRank(label, y, 1, TS_MAX_DIMS, "output");
    const int rank = static_cast<int>(y.shape.size());
    const auto& opt = o.opts<ConcatenationOptions>();
    const int axis = opt.axis < 0 ? opt.axis + rank : opt.axis;
    if (axis < 0 || axis >= rank)
      Fail(label, "axis " + std::to_string(opt.axis) + " is out of range for rank " + std::to_string(rank));
    if (opt.activation != Activation::kNone) Fail(label, "a fused activation on CONCATENATION is not supported");
    if (o.inputs.empty()) Fail(label, "no inputs");
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= y.shape[i];
    for (int i = axis + 1; i < rank; ++i) inner *= y.shape[i];
    int64_t axis_total = 0;
    for (size_t i = 0; i < o.inputs.size(); ++i) {
      const std::string role = "input " + std::to_string(i);
      const Tensor& t = OperandTensor(g, label, o, static_cast<int>(i), role.c_str());
      if (t.type != y.type) Fail(label, role + " type differs from the output's");
      if (t.shape.size() != y.shape.size())
        Fail(label, role + " '" + t.name + "' has rank " + std::to_string(t.shape.size()) + ", the output " +
                        std::to_string(rank));
      for (int d = 0; d < rank; ++d)
        if (d != axis && t.shape[d] != y.shape[d])
          Fail(label, role + " '" + t.name + "' has shape " + ShapeStr(t.shape) + ", incompatible with output " +
                          ShapeStr(y.shape));
      // TFLM's int8 concatenation copies bytes; it does not rescale inputs whose
      // quantization differs from the output's.
      AddConcatOperand(g, o, i, p, role);
      p.concat_axis_sizes.push_back(t.shape[axis]);
      axis_total += t.shape[axis];
    }
    if (axis_total != y.shape[axis])
      Fail(label, "the inputs' sizes along axis " + std::to_string(axis) + " add up to " + std::to_string(axis_total) +
                      ", the output has " + std::to_string(y.shape[axis]));
    p.concat_outer = static_cast<int32_t>(outer);
    p.concat_inner_bytes = static_cast<int32_t>(inner * ElemBytes(y.type));
    if (!p.inputs.empty()) p.in_shape = AsNHWC(g.tensors[p.inputs[0]].shape);
    p.in_elem_bytes = p.out_elem_bytes = ElemBytes(y.type);
    p.kind = Kind::kWhole;
    p.impl = Impl::kConcat;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window,
           uint8_t*, uint8_t*) const override {
    RunConcat(p, inputs, out);
  }
  std::string Emit(const EmitContext& e) const override { return EmitConcat(e); }
};


class Pack final : public OpUnit {
 public:
  Pack() : OpUnit(OpType::kPack, "PACK", static_cast<int32_t>(tflite::fb::BuiltinOperator::PACK)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    PackOptions o;
    if (const auto* p = in.Table<tflite::fb::PackOptions>(BuiltinOptions::PackOptions)) {
      o.values_count = p->values_count();
      o.axis = p->axis();
    }
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const auto& o = out.Opts<PackOptions>(op);
    out.Set(BuiltinOptions::PackOptions, tflite::fb::CreatePackOptions(out.b, o.values_count, o.axis).Union());
  }

  // [outer][inputs][inner] of operator o (all inputs of one shape and type), or false.
  static bool Geometry(const Graph& g, const Operator& o, int64_t* outer, int64_t* inner_bytes, int* axis,
                       std::string* why) {
    const auto* opt = std::get_if<PackOptions>(&o.options);
    if (!opt || o.inputs.empty()) {
      *why = "needs PackOptions and at least one input";
      return false;
    }
    for (int t : o.inputs)
      if (t < 0 || t >= static_cast<int>(g.tensors.size())) {
        *why = "an input is missing";
        return false;
      }
    const Tensor& first = g.tensors[o.inputs[0]];
    for (int t : o.inputs)
      if (g.tensors[t].shape != first.shape || g.tensors[t].type != first.type) {
        *why = "inputs differ in shape or type";
        return false;
      }
    if (opt->values_count != static_cast<int32_t>(o.inputs.size())) {
      *why = "values_count " + std::to_string(opt->values_count) + " but " + std::to_string(o.inputs.size()) +
             " inputs";
      return false;
    }
    const int r = static_cast<int>(first.shape.size());
    *axis = opt->axis < 0 ? opt->axis + r + 1 : opt->axis;
    if (*axis < 0 || *axis > r) {
      *why = "axis " + std::to_string(opt->axis) + " is out of range for inputs of rank " + std::to_string(r);
      return false;
    }
    *outer = 1;
    *inner_bytes = DTypeSize(first.type);
    for (int d = 0; d < r; ++d) (d < *axis ? *outer : *inner_bytes) *= first.shape[d];
    return true;
  }

  bool Fold(const Graph& g, const Operator& o, std::vector<uint8_t>* out) const override {
    int64_t outer, inner;
    int axis;
    std::string why;
    if (!Geometry(g, o, &outer, &inner, &axis, &why)) return false;
    std::vector<const void*> ptrs;
    for (int t : o.inputs) {
      const Tensor& x = g.tensors[t];
      if (!x.is_const || static_cast<int64_t>(x.data.size()) != x.num_bytes()) return false;
      ptrs.push_back(x.data.data());
    }
    out->assign(static_cast<size_t>(outer * inner) * o.inputs.size(), 0);
    const std::vector<int32_t> ones(o.inputs.size(), 1);
    ts_concatenation(ptrs.data(), ones.data(), static_cast<int32_t>(ptrs.size()), static_cast<int32_t>(outer),
                     static_cast<int32_t>(inner), out->data());
    return true;
  }

  void Validate(OpCheck& c) const override {
    c.Options<PackOptions>("PackOptions");
    int64_t outer, inner;
    int axis;
    std::string why;
    if (!Geometry(c.graph(), c.op(), &outer, &inner, &axis, &why)) c.OpFail(why);
    const int first = c.In(0, "input");
    c.SameType(first, c.Out(), "input", "output");
    std::vector<int32_t> want = c.T(first).shape;
    want.insert(want.begin() + axis, static_cast<int32_t>(c.op().inputs.size()));
    c.ExpectShape(want);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    int64_t outer, inner;
    int axis;
    std::string why;
    if (!Geometry(g, o, &outer, &inner, &axis, &why)) Fail(p.label, why);
    for (size_t i = 0; i < o.inputs.size(); ++i) {
      AddConcatOperand(g, o, i, p, "input " + std::to_string(i));
      p.concat_axis_sizes.push_back(1);
    }
    p.concat_outer = static_cast<int32_t>(outer);
    p.concat_inner_bytes = static_cast<int32_t>(inner);
    if (!p.inputs.empty()) p.in_shape = AsNHWC(g.tensors[p.inputs[0]].shape);
    p.in_elem_bytes = p.out_elem_bytes = ElemBytes(g.tensors[o.inputs[0]].type);
    p.kind = Kind::kWhole;
    p.impl = Impl::kConcat;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window,
           uint8_t*, uint8_t*) const override {
    RunConcat(p, inputs, out);
  }
  std::string Emit(const EmitContext& e) const override { return EmitConcat(e); }
};

}  // namespace

const OpUnit& ConcatenationUnit() {
  static const Concatenation u;
  return u;
}
const OpUnit& PackUnit() {
  static const Pack u;
  return u;
}

}  // namespace tessera::ops
