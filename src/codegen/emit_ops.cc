// One plan step -> one kernel call, with the parameters ops::PrepareOp computes (the ones
// the host executor's RunOp passes to the same kernels); each operator unit emits its own.
#include <cstdio>
#include <sstream>

#include "codegen/emit_ops.h"
#include "ops/ops.h"
#include "ops/unit.h"

namespace tessera {

std::string EmitCall(const std::string& fn, std::initializer_list<std::string> args) {
  std::string r = "  " + fn + "(";
  bool first = true;
  for (const std::string& a : args) {
    if (!first) r += ", ";
    r += a;
    first = false;
  }
  r += ");\n";
  return r;
}

std::string Array(const int32_t* v, int n) {
  std::ostringstream o;
  o << "{";
  for (int i = 0; i < n; ++i) o << (i ? ", " : "") << v[i];
  o << "}";
  return o.str();
}

std::string DoubleLiteral(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

int32_t EmitContext::channels() const { return p.out_shape.c; }

std::string EmitContext::workspace() const {
  if (!has_workspace()) return "NULL";
  // std::string first: GCC 12 warns (-Wrestrict, a false positive) on "literal" + std::string&&.
  return std::string("(") + w.ArenaSym(st.workspace.region) + " + " + std::to_string(st.workspace.offset) + ")";
}

bool EmitContext::use_workspace() const { return has_workspace() || ops::WorkspaceBytes(p, st.window) == 0; }

// The filter: PrepareOp points into the Graph's constant data of the operator's filter
// operand; emit that tensor.
std::string EmitContext::filter() const {
  const Graph& g = w.graph();
  const Operator& op = g.ops[p.op];
  if (op.inputs.size() > 1 && op.inputs[1] != kNoTensor) {
    const Tensor& t = g.tensors[op.inputs[1]];
    if (t.is_const && !t.data.empty() &&
        reinterpret_cast<const uint8_t*>(p.filter) == t.data.data())
      return w.ConstTensor(op.inputs[1]);
  }
  throw Error("codegen: " + p.label + ": the prepared filter is not the operator's filter tensor");
}

std::string EmitContext::bias() const {
  if (p.bias.empty()) return "NULL";
  return w.ConstI32("bias", p.bias.data(), p.bias.size());
}

// PrepareOp points into the Graph's data of the operand tensor; emit that tensor.
std::string EmitContext::const_operand(const ops::Operand& od) const {
  const Graph& g = w.graph();
  if (od.tensor < 0 || od.tensor >= static_cast<int>(g.tensors.size()) || !g.tensors[od.tensor].is_const ||
      od.const_data != g.tensors[od.tensor].data.data())
    throw Error("codegen: " + p.label + ": a constant operand is not a constant tensor of the graph");
  return w.ConstTensor(od.tensor);
}

std::string EmitContext::operand(int k) const {
  const Plan& plan = w.plan();
  const ops::Operand& od = p.operands.at(k);
  const Shape4& s = od.shape;
  const Shape4& out = p.out_shape;
  Window held{0, s.h, 0, s.w};
  std::string data;
  if (od.view >= 0) {
    const int b = st.inputs.at(od.view);
    held = plan.buffers[b].window;
    data = w.BufferPtr(b);
  } else {
    data = const_operand(od);
  }
  const int64_t sc = (s.c == out.c) ? 1 : 0;
  const int64_t sx = (s.w == out.w) ? s.c : 0;
  const int64_t sy = (s.h == out.h) ? static_cast<int64_t>(held.w()) * s.c : 0;
  std::ostringstream o;
  o << "(ts_operand){(const int8_t*)" << data << ", " << held.y0 << ", " << held.x0 << ", " << sy << ", "
    << sx << ", " << sc << "}";
  return o.str();
}

std::string EmitRequantize(const EmitContext& e, const char* fn) {
  const ts_requant_params& c = e.p.requant;
  const std::string params = e.w.Params(
      "ts_requant_params", Init()
                               .F("input_zero_point", c.input_zero_point)
                               .F("output_zero_point", c.output_zero_point)
                               .F("multiplier", c.multiplier).F("shift", c.shift)
                               .F("act_min", c.act_min).F("act_max", c.act_max)
                               .str());
  return "  " + std::string(fn) + "(&" + params + ", " + e.in(0) + ", " + e.out() + ", " + std::to_string(e.channels()) +
         ", " + e.win() + ");\n";
}

std::string EmitOpStep(ModelWriter& w, int step) {
  const Step& st = w.plan().steps[step];
  const ops::PreparedOp p = ops::PrepareOp(w.graph(), st.op, st.fused_pad);
  return ops::Unit(p.type).Emit(EmitContext{w, st, p});
}

}  // namespace tessera
