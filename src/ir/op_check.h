// Validation of one operator (ir/validate.cc calls each operator unit's Validate with one):
// operand, type, quantization and shape checks whose failures name the operator and tensor.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <variant>
#include <initializer_list>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tessera {

class OpCheck {
 public:
  static constexpr int kMaxRank = 8;

  OpCheck(Graph& g, int op) : g_(g), op_(op), nt_(static_cast<int>(g.tensors.size())) {}

  Graph& graph() const { return g_; }
  int index() const { return op_; }
  Operator& op() const { return g_.ops[op_]; }

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

  // The operator's options must be T (`name` for the message).
  template <class T>
  T& Options(const char* name) const {
    if (!std::holds_alternative<T>(g_.ops[op_].options)) OpFail(std::string("options must be ") + name);
    return std::get<T>(g_.ops[op_].options);
  }
  void NoOptions() const { Options<std::monostate>("none"); }

  void Arity(int min_in, int max_in) const {
    const int n = static_cast<int>(g_.ops[op_].inputs.size());
    if (n < min_in || n > max_in)
      OpFail("has " + std::to_string(n) + " inputs, expected " +
             (min_in == max_in ? std::to_string(min_in)
                               : std::to_string(min_in) + " to " + std::to_string(max_in)));
  }
  // Required operand k.
  int In(int k, const char* role) const {
    const Operator& op = g_.ops[op_];
    if (k >= static_cast<int>(op.inputs.size()) || op.inputs[k] == kNoTensor)
      OpFail(std::string(role) + " (input " + std::to_string(k) + ") is missing");
    return op.inputs[k];
  }
  // Optional operand k, or kNoTensor.
  int Opt(int k) const {
    const Operator& op = g_.ops[op_];
    return k < static_cast<int>(op.inputs.size()) ? op.inputs[k] : kNoTensor;
  }
  int Out() const { return g_.ops[op_].outputs[0]; }
  const Tensor& T(int t) const { return g_.tensors[t]; }

  std::string Role(const char* role, int t) const { return std::string(role) + " " + TRef(t); }

  void Const(int t, const char* role) const {
    if (!T(t).is_const) OpFail(Role(role, t) + " must be constant");
  }
  void Activation(int t, const char* role) const {
    if (T(t).is_const) OpFail(Role(role, t) + " must not be constant");
  }
  void Type(int t, const char* role, std::initializer_list<DType> ok) const {
    for (DType d : ok)
      if (T(t).type == d) return;
    std::string want;
    for (DType d : ok) want += (want.empty() ? "" : " or ") + std::string(DTypeName(d));
    OpFail(Role(role, t) + " is " + DTypeName(T(t).type) + ", expected " + want);
  }
  // A quantized int8 activation with per-tensor quantization.
  void QuantInt8(int t, const char* role) const {
    Type(t, role, {DType::kInt8});
    PerTensor(t, role);
  }
  void PerTensor(int t, const char* role) const {
    if (T(t).quant.scale.size() != 1)
      OpFail(Role(role, t) + " needs per-tensor quantization (1 scale), has " +
             std::to_string(T(t).quant.scale.size()));
  }
  void Rank(int t, const char* role, int rank) const {
    if (static_cast<int>(T(t).shape.size()) != rank)
      OpFail(Role(role, t) + " has shape " + ShapeStr(T(t).shape) + ", expected rank " +
             std::to_string(rank));
  }
  void SameType(int a, int b, const char* ra, const char* rb) const {
    if (T(a).type != T(b).type)
      OpFail(Role(ra, a) + " is " + DTypeName(T(a).type) + " but " + Role(rb, b) + " is " +
             DTypeName(T(b).type));
  }
  void ExpectShape(const std::vector<int32_t>& want) const {
    const int o = Out();
    if (T(o).shape != want)
      OpFail("output " + TRef(o) + " has shape " + ShapeStr(T(o).shape) +
             ", but its inputs and options give " + ShapeStr(want));
  }
  // Integer values of a constant int32/int64 operand.
  std::vector<int64_t> Ints(int t, const char* role) const {
    Const(t, role);
    Type(t, role, {DType::kInt32, DType::kInt64});
    const Tensor& x = T(t);
    if (x.num_elements() > 64)
      OpFail(Role(role, t) + " has " + std::to_string(x.num_elements()) +
             " elements; a shape operand has at most 64");
    std::vector<int64_t> v(static_cast<size_t>(x.num_elements()));
    for (size_t i = 0; i < v.size(); ++i) {
      if (x.type == DType::kInt32) {
        int32_t e;
        std::memcpy(&e, x.data.data() + 4 * i, 4);
        v[i] = e;
      } else {
        int64_t e;
        std::memcpy(&e, x.data.data() + 8 * i, 8);
        v[i] = e;
      }
    }
    return v;
  }
  void Batch1(int t, const char* role) const {
    if (T(t).shape[0] != 1)
      OpFail(Role(role, t) + " has batch " + std::to_string(T(t).shape[0]) + "; only batch 1 is supported");
  }
  // Filter quantization: per-tensor, or per-channel along `axis` (the output channels).
  void FilterQuant(int f, int axis) const {
    const Quantization& q = T(f).quant;
    if (q.empty()) OpFail(Role("filter", f) + " is not quantized");
    if (q.per_channel() && q.quantized_dimension != axis)
      OpFail(Role("filter", f) + " is quantized along dimension " +
             std::to_string(q.quantized_dimension) + ", expected " + std::to_string(axis));
  }
  void Bias(int channels) const {
    const int b = Opt(operand::kBias);
    if (b == kNoTensor) return;
    Const(b, "bias");
    Type(b, "bias", {DType::kInt32});
    if (T(b).num_elements() != channels)
      OpFail(Role("bias", b) + " has " + std::to_string(T(b).num_elements()) +
             " elements, expected " + std::to_string(channels) + " (one per output channel)");
  }
  int32_t SpatialOut(Padding p, int32_t in, int32_t k, int32_t s, int32_t d, const char* axis) const {
    const int32_t o = ConvOutputSize(p, in, k, s, d);
    if (o < 1)
      OpFail(std::string("output ") + axis + " would be " + std::to_string(o) + " (input " +
             std::to_string(in) + ", filter " + std::to_string(k) + ", dilation " +
             std::to_string(d) + ", VALID padding)");
    return o;
  }
  void Strides(int32_t sh, int32_t sw) const {
    if (sh < 1 || sw < 1)
      OpFail("strides must be >= 1, got stride_h " + std::to_string(sh) + ", stride_w " + std::to_string(sw));
  }
  // A (dilated) filter spans (k-1)*d+1 input pixels: at most 2^30 like a dimension, so that
  // every consumer's window arithmetic (output pixel * stride - padding + tap * dilation)
  // stays within 32 bits.
  void Extent(const char* what, int32_t k, int32_t d) const {
    const int64_t e = (int64_t{k} - 1) * d + 1;
    if (e > (int64_t{1} << 30))
      OpFail(std::string(what) + " (filter " + std::to_string(k) + ", dilation " + std::to_string(d) +
             ") spans " + std::to_string(e) + " pixels, more than " + std::to_string(int64_t{1} << 30));
  }
  void Dilations(int32_t dh, int32_t dw) const {
    if (dh < 1 || dw < 1)
      OpFail("dilations must be >= 1, got dilation_h " + std::to_string(dh) + ", dilation_w " +
             std::to_string(dw));
  }

  // Input and output: quantized int8 activations.
  void IoInt8(int in, int out) const {
    Activation(in, "input");
    QuantInt8(in, "input");
    QuantInt8(out, "output");
  }

  // Shapes of ADD/MUL-like operands broadcast against each other (numpy, aligned at the last
  // dimension); fails naming both shapes when they cannot be.
  std::vector<int32_t> Broadcast(const std::vector<int32_t>& sa, const std::vector<int32_t>& sb) const {
    const size_t r = std::max(sa.size(), sb.size());
    std::vector<int32_t> want(r);
    for (size_t k = 0; k < r; ++k) {
      const int32_t da = k + sa.size() >= r ? sa[k + sa.size() - r] : 1;
      const int32_t db = k + sb.size() >= r ? sb[k + sb.size() - r] : 1;
      if (da != db && da != 1 && db != 1)
        OpFail("input shapes " + ShapeStr(sa) + " and " + ShapeStr(sb) + " cannot be broadcast");
      want[k] = da == 1 ? db : da;
    }
    return want;
  }

 private:
  Graph& g_;
  int op_;
  int nt_;
};

}  // namespace tessera
