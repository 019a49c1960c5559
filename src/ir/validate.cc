// Graph::Validate(): structural checks and shape inference for the network IR.
//
// Shape rules are TFLite's: SAME/VALID output sizes with strides and dilation, depth
// multiplier, FULLY_CONNECTED with keep_num_dims, RESHAPE with -1 from its shape operand or
// options, MEAN axes with keep_dims, PAD's paddings operand, TRANSPOSE's permutation,
// CONCATENATION's axis, RESIZE_NEAREST_NEIGHBOR's size operand, ADD/MUL broadcasting.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tessera {
namespace {

constexpr int64_t kMaxBytes = int64_t{1} << 30;  // largest tensor (as the .tflite reader)
constexpr int kMaxRank = 8;
constexpr int kMaxActivationRank = 4;  // activations are viewed as NHWC

std::string ShapeStr(const std::vector<int32_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += ',';
    r += std::to_string(s[i]);
  }
  return r + "]";
}

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
    if (x.is_const) {
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
           "; activations have rank <= 4");
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
        if (t == kNoTensor || g_.tensors[t].is_const || is_input_[t]) continue;
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

  // ---- operand helpers ----
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
  void OptionsAre(size_t index, const char* name) const {
    if (g_.ops[op_].options.index() != index) OpFail(std::string("options must be ") + name);
  }

  // ---- operators ----
  void CheckOp(int i) {
    op_ = i;
    Operator& op = g_.ops[i];
    switch (op.type) {
      case OpType::kConv2D: return Conv(false);
      case OpType::kDepthwiseConv2D: return Conv(true);
      case OpType::kFullyConnected: return FullyConnected();
      case OpType::kAdd:
      case OpType::kMul: return Binary();
      case OpType::kAveragePool2D:
      case OpType::kMaxPool2D: return Pool();
      case OpType::kMean: return Mean();
      case OpType::kPad: return Pad();
      case OpType::kReshape: return Reshape();
      case OpType::kSoftmax: {
        OptionsAre(8, "SoftmaxOptions");
        const float beta = op.opts<SoftmaxOptions>().beta;
        if (!std::isfinite(beta) || !(beta > 0.0f))
          OpFail("beta is " + std::to_string(beta) + " (must be finite and > 0)");
        return Unary();
      }
      case OpType::kLogistic:
      case OpType::kHardSwish:
      case OpType::kRelu:
      case OpType::kRelu6:
        OptionsAre(0, "none");
        return Unary();
      case OpType::kConcatenation: return Concat();
      case OpType::kTranspose: return Transpose();
      case OpType::kResizeNearestNeighbor: return Resize();
      case OpType::kQuantize: {
        OptionsAre(0, "none");
        Arity(1, 1);
        const int in = In(0, "input"), out = Out();
        Activation(in, "input");
        Type(in, "input", {DType::kFloat32, DType::kInt8, DType::kInt16});
        if (T(in).type != DType::kFloat32) PerTensor(in, "input");
        Type(out, "output", {DType::kInt8, DType::kInt16});
        PerTensor(out, "output");
        return ExpectShape(T(in).shape);
      }
      case OpType::kDequantize: {
        OptionsAre(0, "none");
        Arity(1, 1);
        const int in = In(0, "input"), out = Out();
        Activation(in, "input");
        Type(in, "input", {DType::kInt8, DType::kInt16});
        PerTensor(in, "input");
        Type(out, "output", {DType::kFloat32});
        return ExpectShape(T(in).shape);
      }
    }
    OpFail("unknown operator type");
  }

  // Input and output: quantized int8 activations.
  void IoInt8(int in, int out) const {
    Activation(in, "input");
    QuantInt8(in, "input");
    QuantInt8(out, "output");
  }

  void Conv(bool depthwise) {
    Arity(2, 3);
    const int in = In(operand::kInput, "input"), f = In(operand::kFilter, "filter"), out = Out();
    IoInt8(in, out);
    Rank(in, "input", 4);
    Batch1(in, "input");
    Const(f, "filter");
    Type(f, "filter", {DType::kInt8});
    Rank(f, "filter", 4);
    const auto& is = T(in).shape;
    const auto& fs = T(f).shape;
    Padding pad;
    int32_t sh, sw, dh, dw, cout;
    if (!depthwise) {
      OptionsAre(1, "Conv2DOptions");
      const auto& o = g_.ops[op_].opts<Conv2DOptions>();
      pad = o.padding, sh = o.stride_h, sw = o.stride_w, dh = o.dilation_h, dw = o.dilation_w;
      cout = fs[0];
      if (fs[3] != is[3])
        OpFail("channel mismatch: input " + TRef(in) + " has " + std::to_string(is[3]) +
               " channels, filter " + TRef(f) + " " + ShapeStr(fs) + " expects " + std::to_string(fs[3]));
      FilterQuant(f, 0);
    } else {
      OptionsAre(2, "DepthwiseConv2DOptions");
      const auto& o = g_.ops[op_].opts<DepthwiseConv2DOptions>();
      pad = o.padding, sh = o.stride_h, sw = o.stride_w, dh = o.dilation_h, dw = o.dilation_w;
      cout = fs[3];
      if (fs[0] != 1) OpFail("filter " + TRef(f) + " has shape " + ShapeStr(fs) + ", expected [1,kh,kw,c]");
      if (o.depth_multiplier < 1 || static_cast<int64_t>(is[3]) * o.depth_multiplier != cout)
        OpFail("channel mismatch: input " + TRef(in) + " has " + std::to_string(is[3]) +
               " channels and depth_multiplier is " + std::to_string(o.depth_multiplier) +
               ", but filter " + TRef(f) + " " + ShapeStr(fs) + " has " + std::to_string(cout) +
               " output channels");
      FilterQuant(f, 3);
    }
    Strides(sh, sw);
    Dilations(dh, dw);
    if (fs[1] < 1 || fs[2] < 1 || cout < 1) OpFail("filter " + TRef(f) + " has an empty shape " + ShapeStr(fs));
    Extent("dilated filter height", fs[1], dh);
    Extent("dilated filter width", fs[2], dw);
    Bias(cout);
    const int32_t oh = SpatialOut(pad, is[1], fs[1], sh, dh, "height");
    const int32_t ow = SpatialOut(pad, is[2], fs[2], sw, dw, "width");
    ExpectShape({is[0], oh, ow, cout});
  }

  void FullyConnected() {
    Arity(2, 3);
    OptionsAre(4, "FullyConnectedOptions");
    const int in = In(operand::kInput, "input"), f = In(operand::kFilter, "filter"), out = Out();
    IoInt8(in, out);
    Const(f, "filter");
    Type(f, "filter", {DType::kInt8});
    Rank(f, "filter", 2);
    FilterQuant(f, 0);
    const int32_t units = T(f).shape[0], depth = T(f).shape[1];
    if (units < 1 || depth < 1) OpFail("filter " + TRef(f) + " has an empty shape " + ShapeStr(T(f).shape));
    Bias(units);
    const auto& is = T(in).shape;
    const int64_t n = T(in).num_elements();
    if (n % depth != 0)
      OpFail("input " + TRef(in) + " " + ShapeStr(is) + " has " + std::to_string(n) +
             " elements, not a multiple of the filter depth " + std::to_string(depth));
    if (g_.ops[op_].opts<FullyConnectedOptions>().keep_num_dims) {
      if (is.empty() || is.back() != depth)
        OpFail("keep_num_dims: input " + TRef(in) + " " + ShapeStr(is) +
               " must end in the filter depth " + std::to_string(depth));
      std::vector<int32_t> want = is;
      want.back() = units;
      ExpectShape(want);
    } else {
      ExpectShape({static_cast<int32_t>(n / depth), units});
    }
  }

  void Binary() {
    Arity(2, 2);
    OptionsAre(g_.ops[op_].type == OpType::kAdd ? 5 : 6,
               g_.ops[op_].type == OpType::kAdd ? "AddOptions" : "MulOptions");
    const int a = In(0, "input"), b = In(1, "input"), out = Out();
    QuantInt8(a, "input 0");
    QuantInt8(b, "input 1");
    QuantInt8(out, "output");
    if (T(a).is_const && T(b).is_const) OpFail("both inputs are constant");
    // Numpy broadcasting, aligned at the last dimension.
    const auto& sa = T(a).shape;
    const auto& sb = T(b).shape;
    const size_t r = std::max(sa.size(), sb.size());
    std::vector<int32_t> want(r);
    for (size_t k = 0; k < r; ++k) {
      const int32_t da = k + sa.size() >= r ? sa[k + sa.size() - r] : 1;
      const int32_t db = k + sb.size() >= r ? sb[k + sb.size() - r] : 1;
      if (da != db && da != 1 && db != 1)
        OpFail("input shapes " + ShapeStr(sa) + " and " + ShapeStr(sb) + " cannot be broadcast");
      want[k] = da == 1 ? db : da;
    }
    ExpectShape(want);
  }

  void Pool() {
    Arity(1, 1);
    OptionsAre(3, "Pool2DOptions");
    const int in = In(0, "input"), out = Out();
    IoInt8(in, out);
    Rank(in, "input", 4);
    Batch1(in, "input");
    const auto& o = g_.ops[op_].opts<Pool2DOptions>();
    Strides(o.stride_h, o.stride_w);
    if (o.filter_h < 1 || o.filter_w < 1)
      OpFail("filter size must be >= 1, got " + std::to_string(o.filter_h) + "x" + std::to_string(o.filter_w));
    Extent("filter height", o.filter_h, 1);
    Extent("filter width", o.filter_w, 1);
    const auto& is = T(in).shape;
    const int32_t oh = SpatialOut(o.padding, is[1], o.filter_h, o.stride_h, 1, "height");
    const int32_t ow = SpatialOut(o.padding, is[2], o.filter_w, o.stride_w, 1, "width");
    ExpectShape({is[0], oh, ow, is[3]});
  }

  void Mean() {
    Arity(2, 2);
    OptionsAre(10, "MeanOptions");
    const int in = In(0, "input"), ax = In(1, "axis"), out = Out();
    IoInt8(in, out);
    const auto& is = T(in).shape;
    const int r = static_cast<int>(is.size());
    if (T(ax).shape.size() > 1) OpFail(Role("axis", ax) + " must be a scalar or 1-D");
    std::vector<char> reduce(r, 0);
    for (int64_t a : Ints(ax, "axis")) {
      if (a < -r || a >= r)
        OpFail("axis " + std::to_string(a) + " is out of range for input rank " + std::to_string(r));
      reduce[(a + r) % r] = 1;
    }
    const bool keep = g_.ops[op_].opts<MeanOptions>().keep_dims;
    std::vector<int32_t> want;
    for (int d = 0; d < r; ++d) {
      if (!reduce[d]) want.push_back(is[d]);
      else if (keep) want.push_back(1);
    }
    ExpectShape(want);
  }

  void Pad() {
    Arity(2, 2);
    OptionsAre(0, "none");
    const int in = In(0, "input"), pads = In(1, "paddings"), out = Out();
    IoInt8(in, out);
    const auto& is = T(in).shape;
    const int r = static_cast<int>(is.size());
    if (T(pads).shape != std::vector<int32_t>{r, 2})
      OpFail(Role("paddings", pads) + " has shape " + ShapeStr(T(pads).shape) + ", expected [" +
             std::to_string(r) + ",2]");
    const auto p = Ints(pads, "paddings");
    std::vector<int32_t> want(r);
    for (int d = 0; d < r; ++d) {
      if (p[2 * d] < 0 || p[2 * d + 1] < 0)
        OpFail("paddings of dimension " + std::to_string(d) + " are negative (" +
               std::to_string(p[2 * d]) + ", " + std::to_string(p[2 * d + 1]) + ")");
      const int64_t v = is[d] + p[2 * d] + p[2 * d + 1];
      if (v > (int64_t{1} << 30)) OpFail("padded dimension " + std::to_string(d) + " is too large");
      want[d] = static_cast<int32_t>(v);
    }
    ExpectShape(want);
  }

  void Reshape() {
    Arity(1, 2);
    OptionsAre(7, "ReshapeOptions");
    const int in = In(0, "input"), out = Out();
    Activation(in, "input");
    Type(in, "input", {DType::kInt8});
    SameType(in, out, "input", "output");
    std::vector<int64_t> target;
    const int st = Opt(1);
    const auto& ns = g_.ops[op_].opts<ReshapeOptions>().new_shape;
    if (st != kNoTensor) {
      if (T(st).shape.size() > 1) OpFail(Role("shape", st) + " must be 1-D");
      target = Ints(st, "shape");
    } else if (!ns.empty()) {
      target.assign(ns.begin(), ns.end());
    } else {
      // Neither a shape operand nor new_shape: the declared output shape is the target, and
      // it is recorded in new_shape (TFLite's RESHAPE needs one of the two).
      target.assign(T(out).shape.begin(), T(out).shape.end());
      g_.ops[op_].opts<ReshapeOptions>().new_shape = T(out).shape;
    }
    if (target.size() > static_cast<size_t>(kMaxRank))
      OpFail("new shape has " + std::to_string(target.size()) + " dimensions");
    const int64_t n = T(in).num_elements();
    int unknown = -1;
    int64_t known = 1;
    for (size_t d = 0; d < target.size(); ++d) {
      if (target[d] == -1) {
        if (unknown >= 0) OpFail("new shape has more than one -1");
        unknown = static_cast<int>(d);
      } else if (target[d] < 1 || target[d] > (int64_t{1} << 30)) {
        OpFail("new shape dimension " + std::to_string(d) + " is " + std::to_string(target[d]));
      } else {
        known *= target[d];
        if (known > n) break;
      }
    }
    if (unknown >= 0) {
      if (known > n || n % known != 0)
        OpFail("cannot reshape " + ShapeStr(T(in).shape) + " (" + std::to_string(n) +
               " elements) with a -1 dimension");
      target[unknown] = n / known;
      known = n;
    }
    if (known != n)
      OpFail("new shape has " + std::to_string(known) + " elements, input " + TRef(in) + " " +
             ShapeStr(T(in).shape) + " has " + std::to_string(n));
    ExpectShape(std::vector<int32_t>(target.begin(), target.end()));
  }

  void Unary() {
    Arity(1, 1);
    const int in = In(0, "input"), out = Out();
    IoInt8(in, out);
    ExpectShape(T(in).shape);
  }

  void Concat() {
    const Operator& op = g_.ops[op_];
    if (op.inputs.empty()) OpFail("has no inputs");
    OptionsAre(9, "ConcatenationOptions");
    const int out = Out();
    QuantInt8(out, "output");
    const int first = In(0, "input");
    const int r = static_cast<int>(T(first).shape.size());
    int32_t& axis = g_.ops[op_].opts<ConcatenationOptions>().axis;
    if (axis < -r || axis >= r)
      OpFail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(r));
    if (axis < 0) axis += r;  // canonical form
    std::vector<int32_t> want = T(first).shape;
    int64_t sum = 0;
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      const int t = In(static_cast<int>(k), "input");
      QuantInt8(t, "input");
      const auto& s = T(t).shape;
      if (static_cast<int>(s.size()) != r)
        OpFail("input " + TRef(t) + " " + ShapeStr(s) + " has a different rank than " + ShapeStr(want));
      for (int d = 0; d < r; ++d)
        if (d != axis && s[d] != want[d])
          OpFail("input " + TRef(t) + " " + ShapeStr(s) + " differs from " + ShapeStr(T(first).shape) +
                 " outside the concatenation axis " + std::to_string(axis));
      sum += s[axis];
    }
    if (sum > (int64_t{1} << 30)) OpFail("concatenated dimension is too large");
    want[axis] = static_cast<int32_t>(sum);
    ExpectShape(want);
  }

  void Transpose() {
    Arity(2, 2);
    OptionsAre(0, "none");
    const int in = In(0, "input"), pt = In(1, "perm"), out = Out();
    IoInt8(in, out);
    const auto& is = T(in).shape;
    const int r = static_cast<int>(is.size());
    if (T(pt).shape.size() > 1) OpFail(Role("perm", pt) + " must be 1-D");
    const auto perm = Ints(pt, "perm");
    if (static_cast<int>(perm.size()) != r)
      OpFail(Role("perm", pt) + " has " + std::to_string(perm.size()) +
             " entries, input rank is " + std::to_string(r));
    std::vector<char> seen(r, 0);
    std::vector<int32_t> want(r);
    for (int d = 0; d < r; ++d) {
      if (perm[d] < 0 || perm[d] >= r || seen[perm[d]])
        OpFail(Role("perm", pt) + " is not a permutation of 0.." + std::to_string(r - 1));
      seen[perm[d]] = 1;
      want[d] = is[perm[d]];
    }
    ExpectShape(want);
  }

  void Resize() {
    Arity(2, 2);
    OptionsAre(11, "ResizeNearestNeighborOptions");
    const int in = In(0, "input"), st = In(1, "size"), out = Out();
    IoInt8(in, out);
    Rank(in, "input", 4);
    Batch1(in, "input");
    Type(st, "size", {DType::kInt32});
    const auto sz = Ints(st, "size");
    if (sz.size() != 2) OpFail(Role("size", st) + " must hold 2 values (height, width)");
    if (sz[0] < 1 || sz[1] < 1 || sz[0] > (1 << 20) || sz[1] > (1 << 20))
      OpFail(Role("size", st) + " is " + std::to_string(sz[0]) + "x" + std::to_string(sz[1]));
    const auto& is = T(in).shape;
    ExpectShape({is[0], static_cast<int32_t>(sz[0]), static_cast<int32_t>(sz[1]), is[3]});
  }
};

}  // namespace

void Graph::Validate() { Validator(*this).Run(); }

}  // namespace tessera
