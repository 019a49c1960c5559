// Resource variables (TFLM read_variable.cc, assign_variable.cc, micro_resource_variable.cc):
// the reader (tflite/resources.h) resolves every VAR_HANDLE at load time and gives each
// resource (container, shared_name) one state tensor (Tensor::is_variable, Plan::state), which
// READ_VARIABLE and ASSIGN_VARIABLE take as their operand 0 in place of the handle.
//  - READ_VARIABLE (state) -> output: copies the state's bytes into the output (TFLM: memcpy of
//    the resource buffer; the output has the resource's type and size).
//  - ASSIGN_VARIABLE (state, value) -> token: copies the value's bytes (an activation or a
//    constant) into the state. TFLite's ASSIGN_VARIABLE has no output; tessera's graph gives
//    every operator one, so the reader adds a one-byte int8 token that nothing reads (the kernel
//    writes 0 into it).
// Both run over their whole output. The state operand is read and updated in place like SVDF's
// (the checker versions it; the steps keep the file's order, so a READ after an ASSIGN of the
// same resource in one invoke sees the new value, a READ before it the previous invoke's).
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

struct ResourceParams {
  int64_t bytes = 0;
  int value = kNoTensor;          // ASSIGN_VARIABLE: the value tensor
  const uint8_t* const_value = nullptr;  // ASSIGN_VARIABLE of a constant
};

// State operand 0 and the other tensor `t` (READ's output, ASSIGN's value) must have one type
// and one element count: the bytes copied are the state's.
void CheckSameBytes(OpCheck& c, int st, int t, const char* role) {
  if (!c.T(st).is_variable)
    c.OpFail(c.Role("resource", st) + " must be a resource variable's state (is_variable)");
  if (c.T(st).type != c.T(t).type || c.T(st).num_elements() != c.T(t).num_elements())
    c.OpFail(c.Role(role, t) + " is " + DTypeName(c.T(t).type) + " " + ShapeStr(c.T(t).shape) + " but " +
             c.Role("resource", st) + " is " + DTypeName(c.T(st).type) + " " + ShapeStr(c.T(st).shape) +
             ": they must have one type and size");
}

class ResourceUnit : public StatefulUnit {
 public:
  using StatefulUnit::StatefulUnit;
  bool StateOperand(int operand) const override { return operand == 0; }
  void WriteOptions(tflite::OptionsOut&, const Operator&) const override {
    throw Error(std::string(name()) +
                ": tessera does not write resource variables back to .tflite (they are read as state tensors)");
  }
};

class ReadVariable final : public ResourceUnit {
 public:
  ReadVariable()
      : ResourceUnit(OpType::kReadVariable, "READ_VARIABLE",
                     static_cast<int32_t>(tflite::fb::BuiltinOperator::READ_VARIABLE)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    return in.Empty(BuiltinOptions::ReadVariableOptions);
  }

  void Validate(OpCheck& c) const override {
    c.Arity(1, 1);
    c.NoOptions();
    const int st = c.In(0, "resource"), out = c.Out();
    CheckSameBytes(c, st, out, "output");
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const Tensor& st = OperandTensor(g, p.label, o, 0, "resource");
    const Tensor& y = OutputTensor(g, p.label, o);
    if (!st.is_variable) Fail(p.label, "resource '" + st.name + "' is not state");
    if (st.num_bytes() != y.num_bytes() || st.type != y.type)
      Fail(p.label, "output '" + y.name + "' differs in type or size from resource '" + st.name + "'");
    UnitParams<ResourceParams>(p).bytes = st.num_bytes();
    p.inputs = {};
    p.kind = Kind::kWhole;
    p.impl = Impl::kUnit;
  }

  void RunState(const PreparedOp& p, const std::vector<ConstView>&, const MutView& out, Window, uint8_t*,
                uint8_t*, const std::vector<MutView>& state) const override {
    if (state.size() != 1) Fail(p.label, "needs one state view");
    ts_copy_bytes(state[0].data, out.data, static_cast<size_t>(UnitParams<ResourceParams>(p).bytes));
  }

  std::string Emit(const EmitContext& e) const override {
    return "  ts_copy_bytes(" + e.state_ptr(0) + ", " + e.out_ptr() + ", " +
           std::to_string(UnitParams<ResourceParams>(e.p).bytes) + ");\n";
  }
};

class AssignVariable final : public ResourceUnit {
 public:
  AssignVariable()
      : ResourceUnit(OpType::kAssignVariable, "ASSIGN_VARIABLE",
                     static_cast<int32_t>(tflite::fb::BuiltinOperator::ASSIGN_VARIABLE)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    return in.Empty(BuiltinOptions::AssignVariableOptions);
  }

  void Validate(OpCheck& c) const override {
    c.Arity(2, 2);
    c.NoOptions();
    const int st = c.In(0, "resource"), v = c.In(1, "value"), out = c.Out();
    CheckSameBytes(c, st, v, "value");
    if (c.T(out).type != DType::kInt8) c.OpFail("output " + c.TRef(out) + " (its token) must be int8");
    c.ExpectShape({1});
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const Tensor& st = OperandTensor(g, p.label, o, 0, "resource");
    const Tensor& v = OperandTensor(g, p.label, o, 1, "value");
    if (!st.is_variable) Fail(p.label, "resource '" + st.name + "' is not state");
    if (st.num_bytes() != v.num_bytes() || st.type != v.type)
      Fail(p.label, "value '" + v.name + "' differs in type or size from resource '" + st.name + "'");
    if (OutputTensor(g, p.label, o).num_bytes() != 1) Fail(p.label, "its token output must be one byte");
    ResourceParams& q = UnitParams<ResourceParams>(p);
    q.bytes = st.num_bytes();
    q.value = o.inputs[1];
    if (v.is_const) {
      q.const_value = v.data.data();
      p.inputs = {};
    } else {
      p.inputs = {o.inputs[1]};
      p.in_shape = AsNHWC(v.shape);
      p.in_elem_bytes = ElemBytes(v.type);
    }
    p.kind = Kind::kWhole;
    p.impl = Impl::kUnit;
  }

  void RunState(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window, uint8_t*,
                uint8_t*, const std::vector<MutView>& state) const override {
    const ResourceParams& q = UnitParams<ResourceParams>(p);
    if (state.size() != 1) Fail(p.label, "needs one state view");
    ts_copy_bytes(q.const_value ? q.const_value : inputs.at(0).data, state[0].data, static_cast<size_t>(q.bytes));
    out.data[0] = 0;
  }

  std::string Emit(const EmitContext& e) const override {
    const ResourceParams& q = UnitParams<ResourceParams>(e.p);
    const std::string src = q.const_value ? e.w.ConstTensor(q.value) : e.in_ptr(0);
    return "  ts_copy_bytes(" + src + ", " + e.state_ptr(0) + ", " + std::to_string(q.bytes) + ");\n  (" +
           e.out_ptr() + ")[0] = 0;\n";
  }
};

}  // namespace

const OpUnit& ReadVariableUnit() {
  static const ReadVariable u;
  return u;
}
const OpUnit& AssignVariableUnit() {
  static const AssignVariable u;
  return u;
}

}  // namespace tessera::ops
