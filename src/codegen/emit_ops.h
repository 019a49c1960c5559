// Internal to the code generator: the writer that collects model.c's constants and kernel
// parameters, and the emission of one operator step as a kernel call.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "ir/graph.h"
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
  // C compound literal (ts_cbuf / ts_buf) for buffer b.
  std::string Buf(int b, bool is_const) const;
  static std::string Win(const Window& w);

  // A const array with the constant tensor t's data (emitted once); returns its symbol.
  std::string ConstTensor(int t);
  // A const int32_t array (deduplicated by content); returns its symbol.
  std::string ConstI32(const std::string& name, const int32_t* v, size_t n);
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

// C statements (with trailing newline) running operator step `step` of the plan: the kernel
// call with parameters from the operator layer (src/ops). Throws Error for an operator the
// kernels do not cover.
std::string EmitOpStep(ModelWriter& w, int step);

}  // namespace tessera
