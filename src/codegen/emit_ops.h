// Internal to the code generator: the writer that collects model.c's constants and kernel
// parameters, and the emission of one operator step as a kernel call.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "ir/graph.h"
#include "ops/ops.h"
#include "plan/plan.h"

namespace tessera {

class ModelWriter {
 public:
  ModelWriter(const Graph& g, const Plan& plan, std::string prefix)
      : g_(g), plan_(plan), prefix_(std::move(prefix)) {}

  const Graph& graph() const { return g_; }
  const Plan& plan() const { return plan_; }

  // <prefix>_<what>
  std::string Sym(const std::string& what) const;
  // C expression: int8_t* to buffer b's first byte (arena or external region).
  std::string BufferPtr(int b) const;
  // The arena array of memory region r: <prefix>_arena, or <prefix>_arena_<name> with regions.
  std::string ArenaSym(int region) const;
  // C expression: int8_t* to state tensor t's first byte (its slot in the state region).
  std::string StatePtr(int tensor) const;
  // C compound literal (ts_cbuf / ts_buf) for buffer b.
  std::string Buf(int b, bool is_const) const;
  static std::string Win(const Window& w);

  // A const array with the constant tensor t's data (emitted once); returns its symbol, or for
  // a tensor the plan pins in a memory region (Plan::pinned_weights) a C expression pointing
  // at its copy there (<prefix>_init() copies it from the const array).
  std::string ConstTensor(int t);
  // The const array of tensor t (emitted once), pinned or not.
  std::string ConstTensorData(int t);
  // A const int32_t array (deduplicated by content); returns its symbol.
  std::string ConstI32(const std::string& name, const int32_t* v, size_t n);
  // A const int64_t array (deduplicated by content); returns its symbol.
  std::string ConstI64(const std::string& name, const int64_t* v, size_t n);
  // A const int16_t array (deduplicated by content); returns its symbol.
  std::string ConstI16(const std::string& name, const int16_t* v, size_t n);
  // A const int8_t array (deduplicated by content); returns its symbol.
  std::string ConstI8(const std::string& name, const int8_t* v, size_t n);
  // A const struct `ctype` with the given C initializer (deduplicated); returns its symbol.
  std::string Params(const std::string& ctype, const std::string& initializer);

  std::string consts() const { return consts_.str(); }
  std::string params() const { return params_.str(); }

 private:
  std::string ConstBytes(const std::string& name, const std::string& ctype, const void* data,
                         size_t count, size_t elem_size);

  const Graph& g_;
  const Plan& plan_;
  std::string prefix_;
  std::ostringstream consts_, params_;
  std::map<std::string, std::string> const_dedup_, param_dedup_;
  std::set<std::string> const_names_;
  std::map<int, std::string> tensor_syms_;
};

// Designated-initializer builder for kernel parameter structs: Init().F("name", v).str().
class Init {
 public:
  template <class T>
  Init& F(const char* name, T v) {
    o_ << (first_ ? "" : ", ") << "." << name << " = " << static_cast<int64_t>(v);
    first_ = false;
    return *this;
  }
  Init& S(const char* name, const std::string& expr) {
    o_ << (first_ ? "" : ", ") << "." << name << " = " << expr;
    first_ = false;
    return *this;
  }
  std::string str() const {
    std::string r = "{";
    r += o_.str();
    r += "}";
    return r;
  }

 private:
  std::ostringstream o_;
  bool first_ = true;
};

// "  fn(a, b, c);\n": one kernel call statement.
std::string EmitCall(const std::string& fn, std::initializer_list<std::string> args);

// "{1, 2, 3}"
std::string Array(const int32_t* v, int n);
// A C double literal that reads back as exactly v.
std::string DoubleLiteral(double v);

// What an operator unit's Emit (ops/unit.h) gets: the writer, the step and its prepared
// operator, and the C expressions of its buffers.
struct EmitContext {
  ModelWriter& w;
  const Step& st;
  const ops::PreparedOp& p;

  std::string in(int i) const { return w.Buf(st.inputs.at(i), true); }    // ts_cbuf
  std::string in_ptr(int i) const { return w.BufferPtr(st.inputs.at(i)); }
  std::string out() const { return w.Buf(st.outputs.at(0), false); }      // ts_buf
  std::string out_ptr() const { return w.BufferPtr(st.outputs.at(0)); }
  std::string win() const { return ModelWriter::Win(st.window); }          // ts_window
  std::string scratch() const { return st.scratch >= 0 ? w.BufferPtr(st.scratch) : std::string("NULL"); }
  // int8_t* to state operand i (p.state[i]) in the state region.
  std::string state_ptr(int i) const { return w.StatePtr(p.state.at(i)); }
  // The step's kernel workspace (Step::workspace) in the arena, when it has one ("NULL" else).
  bool has_workspace() const { return st.workspace.bytes > 0; }
  std::string workspace() const;
  // Whether to call the kernel's *_ws entry point: with the step's workspace, or with NULL when
  // the kernel needs none over this step's window (ops::WorkspaceBytes 0: the entry point
  // without one would enter its stack buffer's frame for nothing, as ADD's does). The entry
  // point without a workspace only where the plan left a needed one to the stack.
  bool use_workspace() const;
  int32_t channels() const;  // the output's channels
  // The operator's filter (a constant tensor emitted once) and bias ("NULL" when none).
  std::string filter() const;
  std::string bias() const;
  // C expression of constant operand `od` (ADD/MUL/CONCATENATION).
  std::string const_operand(const ops::Operand& od) const;
  // ts_operand for ADD/MUL-like operand k (broadcast strides as ops::RunOp derives them).
  std::string operand(int k) const;
};

// A requantizing kernel (`fn`, ts_requantize_s8 or a uint8 variant of it) over the step's
// window with p.requant (RELU, QUANTIZE).
std::string EmitRequantize(const EmitContext& e, const char* fn = "ts_requantize_s8");

// C statements (with trailing newline) running operator step `step` of the plan: the kernel
// call with parameters from the operator layer (src/ops), as the operator's unit emits it.
std::string EmitOpStep(ModelWriter& w, int step);

}  // namespace tessera
