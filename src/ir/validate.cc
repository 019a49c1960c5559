// Graph::Validate(): structural checks (tensors, graph inputs and outputs, wiring and
// execution order) and, per operator, its unit's Validate (ops/unit.h): TFLite's shape rules
// and the operand, type and quantization checks live with each operator.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/op_check.h"
#include "ops/unit.h"

namespace tessera {
namespace {

constexpr int64_t kMaxBytes = int64_t{1} << 30;  // largest tensor (as the .tflite reader)
constexpr int kMaxRank = 8;
constexpr int kMaxActivationRank = 5;  // NHWC views; a rank-5 one folds its leading axes into n

class Validator {
 public:
  explicit Validator(Graph& g) : g_(g), nt_(static_cast<int>(g.tensors.size())) {}

  void Run() {
    for (int t = 0; t < nt_; ++t) CheckTensor(t);
    CheckGraphEnds();
    CheckWiring();
    for (int i = 0; i < static_cast<int>(g_.ops.size()); ++i) CheckOp(i);
    for (size_t k = 0; k < g_.outputs.size(); ++k) {
      const int t = g_.outputs[k];
      if (g_.tensors[t].is_variable)
        Fail("graph output " + std::to_string(k) + " (" + TRef(t) + ") is state (is_variable)");
      if (!g_.tensors[t].is_const && producer_[t] < 0 && !is_input_[t])
        Fail("graph output " + std::to_string(k) + " (" + TRef(t) + ") is never written");
    }
  }

 private:
  Graph& g_;
  const int nt_;
  std::vector<int> producer_;    // op writing each tensor, -1
  std::vector<char> is_input_;   // graph inputs
  int op_ = -1;                  // operator being checked

  [[noreturn]] void Fail(const std::string& msg) const { throw Error(msg); }

  std::string TRef(int t) const {
    std::string r = "tensor " + std::to_string(t);
    if (t >= 0 && t < nt_ && !g_.tensors[t].name.empty()) r += " '" + g_.tensors[t].name + "'";
    return r;
  }
  std::string ORef(int i) const {
    return std::string(OpTypeName(g_.ops[i].type)) + " (op " + std::to_string(i) + ")";
  }
  [[noreturn]] void OpFail(const std::string& msg) const { Fail(ORef(op_) + ": " + msg); }

  // ---- tensors ----
  void CheckTensor(int t) {
    Tensor& x = g_.tensors[t];
    const std::string ref = TRef(t);
    if (static_cast<int>(x.shape.size()) > kMaxRank)
      Fail(ref + ": rank " + std::to_string(x.shape.size()) + " exceeds " + std::to_string(kMaxRank));
    int64_t n = 1;
    for (size_t d = 0; d < x.shape.size(); ++d) {
      if (x.shape[d] < 0)
        Fail(ref + ": shape " + ShapeStr(x.shape) + " has a negative dimension");
      n *= x.shape[d];  // n <= 2^30 and the dimension < 2^31 before: no overflow
      if (n > kMaxBytes / DTypeSize(x.type))
        Fail(ref + ": shape " + ShapeStr(x.shape) + " is too large (more than " +
             std::to_string(kMaxBytes) + " bytes)");
    }
    if (x.is_variable) {
      if (x.is_const) Fail(ref + ": is both constant and state (is_variable)");
      if (static_cast<int64_t>(x.data.size()) != x.num_bytes())
        Fail(ref + ": state's initial value holds " + std::to_string(x.data.size()) +
             " bytes, but shape " + ShapeStr(x.shape) + " " + DTypeName(x.type) + " needs " +
             std::to_string(x.num_bytes()));
      if (x.num_elements() == 0) Fail(ref + ": state has no elements, shape " + ShapeStr(x.shape));
    } else if (x.is_const) {
      if (static_cast<int64_t>(x.data.size()) != x.num_bytes())
        Fail(ref + ": constant data holds " + std::to_string(x.data.size()) +
             " bytes, but shape " + ShapeStr(x.shape) + " " + DTypeName(x.type) + " needs " +
             std::to_string(x.num_bytes()));
    } else if (!x.data.empty()) {
      Fail(ref + ": has data but is not marked constant");
    }
    const Quantization& q = x.quant;
    if (q.scale.size() != q.zero_point.size())
      Fail(ref + ": quantization has " + std::to_string(q.scale.size()) + " scales but " +
           std::to_string(q.zero_point.size()) + " zero points");
    for (size_t i = 0; i < q.scale.size(); ++i)
      if (!std::isfinite(q.scale[i]) || !(q.scale[i] > 0.0f))
        Fail(ref + ": quantization scale[" + std::to_string(i) + "] is " +
             std::to_string(q.scale[i]) + " (must be finite and > 0)");
    if (q.per_channel()) {
      if (q.quantized_dimension < 0 || q.quantized_dimension >= static_cast<int>(x.shape.size()))
        Fail(ref + ": quantized_dimension " + std::to_string(q.quantized_dimension) +
             " is out of range for shape " + ShapeStr(x.shape));
      if (x.shape[q.quantized_dimension] != static_cast<int64_t>(q.scale.size()))
        Fail(ref + ": per-channel quantization has " + std::to_string(q.scale.size()) +
             " scales, but dimension " + std::to_string(q.quantized_dimension) + " of shape " +
             ShapeStr(x.shape) + " has " + std::to_string(x.shape[q.quantized_dimension]));
    }
    int64_t lo = 0, hi = 0;
    if (x.type == DType::kInt8) lo = -128, hi = 127;
    if (x.type == DType::kUInt8) lo = 0, hi = 255;
    if (x.type == DType::kInt16) lo = -32768, hi = 32767;
    if (hi > 0)
      for (size_t i = 0; i < q.zero_point.size(); ++i)
        if (q.zero_point[i] < lo || q.zero_point[i] > hi)
          Fail(ref + ": zero_point[" + std::to_string(i) + "] = " +
               std::to_string(q.zero_point[i]) + " is outside the range of " + DTypeName(x.type));
  }

  // ---- graph inputs / outputs ----
  void CheckGraphEnds() {
    is_input_.assign(nt_, 0);
    if (g_.inputs.empty()) Fail("the graph has no inputs");
    if (g_.outputs.empty()) Fail("the graph has no outputs");
    for (size_t k = 0; k < g_.inputs.size(); ++k) {
      const int t = g_.inputs[k];
      if (t < 0 || t >= nt_)
        Fail("graph input " + std::to_string(k) + " is tensor index " + std::to_string(t) +
             ", out of range (" + std::to_string(nt_) + " tensors)");
      if (g_.tensors[t].is_const)
        Fail("graph input " + std::to_string(k) + " (" + TRef(t) + ") is a constant");
      if (g_.tensors[t].is_variable)
        Fail("graph input " + std::to_string(k) + " (" + TRef(t) + ") is state (is_variable)");
      if (is_input_[t]) Fail("graph input " + std::to_string(k) + " (" + TRef(t) + ") is listed twice");
      is_input_[t] = 1;
      CheckActivationShape(t, "graph input " + std::to_string(k));
    }
    for (size_t k = 0; k < g_.outputs.size(); ++k) {
      const int t = g_.outputs[k];
      if (t < 0 || t >= nt_)
        Fail("graph output " + std::to_string(k) + " is tensor index " + std::to_string(t) +
             ", out of range (" + std::to_string(nt_) + " tensors)");
    }
  }

  void CheckActivationShape(int t, const std::string& role) const {
    const Tensor& x = g_.tensors[t];
    if (static_cast<int>(x.shape.size()) > kMaxActivationRank)
      Fail(role + " (" + TRef(t) + ") has rank " + std::to_string(x.shape.size()) +
           "; activations have rank <= 5");
    if (x.num_elements() == 0) Fail(role + " (" + TRef(t) + ") has no elements, shape " + ShapeStr(x.shape));
  }

  // ---- operands, producers, execution order ----
  void CheckWiring() {
    producer_.assign(nt_, -1);
    const int nops = static_cast<int>(g_.ops.size());
    // Pass 1: index ranges and single writers.
    for (int i = 0; i < nops; ++i) {
      op_ = i;
      const Operator& op = g_.ops[i];
      for (size_t k = 0; k < op.inputs.size(); ++k) {
        const int t = op.inputs[k];
        if (t == kNoTensor) continue;
        if (t < 0 || t >= nt_)
          OpFail("input " + std::to_string(k) + " is tensor index " + std::to_string(t) +
                 ", out of range (" + std::to_string(nt_) + " tensors)");
      }
      if (op.outputs.size() != 1)
        OpFail("has " + std::to_string(op.outputs.size()) + " outputs, expected 1");
      for (size_t k = 0; k < op.outputs.size(); ++k) {
        const int t = op.outputs[k];
        if (t < 0 || t >= nt_)
          OpFail("output " + std::to_string(k) + " is tensor index " + std::to_string(t) +
                 ", out of range (" + std::to_string(nt_) + " tensors)");
        if (g_.tensors[t].is_const) OpFail("output " + TRef(t) + " is a constant");
        if (g_.tensors[t].is_variable)
          OpFail("output " + TRef(t) + " is state (is_variable): operators update state in place");
        if (is_input_[t]) OpFail("output " + TRef(t) + " is a graph input");
        if (producer_[t] >= 0)
          OpFail("output " + TRef(t) + " is already written by " + ORef(producer_[t]));
        producer_[t] = i;
        CheckActivationShape(t, ORef(i) + ": output");
      }
    }
    // Pass 2: every activation is written before it is read.
    for (int i = 0; i < nops; ++i) {
      op_ = i;
      for (size_t k = 0; k < g_.ops[i].inputs.size(); ++k) {
        const int t = g_.ops[i].inputs[k];
        if (t != kNoTensor && g_.tensors[t].is_variable &&
            !ops::Unit(g_.ops[i].type).StateOperand(static_cast<int>(k)))
          OpFail("input " + std::to_string(k) + " (" + TRef(t) + ") is state (is_variable), which " +
                 OpTypeName(g_.ops[i].type) + " does not take there");
        if (t == kNoTensor || g_.tensors[t].is_const || g_.tensors[t].is_variable || is_input_[t]) continue;
        const int p = producer_[t];
        if (p < 0)
          OpFail("input " + std::to_string(k) + " (" + TRef(t) +
                 ") is never written: not a constant, a graph input or an operator output");
        if (p == i) OpFail("reads its own output " + TRef(t) + " (a cycle)");
        if (p > i)
          OpFail("input " + std::to_string(k) + " (" + TRef(t) + ") is read before it is written by " +
                 ORef(p) + " (operators out of execution order, or a cycle)");
      }
    }
  }

  // ---- operators: each unit validates its own ----
  void CheckOp(int i) {
    op_ = i;
    const int t = static_cast<int>(g_.ops[i].type);
    if (t < 0 || t >= kNumOpTypes) OpFail("unknown operator type");
    OpCheck c(g_, i);
    ops::Unit(g_.ops[i].type).Validate(c);
  }
};

}  // namespace

void Graph::Validate() { Validator(*this).Run(); }

}  // namespace tessera
