#include "ir/graph.h"

#include "ops/unit.h"

#include <algorithm>
#include <limits>
#include <string>

namespace tessera {

const char* DTypeName(DType t) {
  switch (t) {
    case DType::kFloat32: return "float32";
    case DType::kInt32: return "int32";
    case DType::kInt16: return "int16";
    case DType::kInt8: return "int8";
    case DType::kUInt8: return "uint8";
    case DType::kInt64: return "int64";
    case DType::kBool: return "bool";
  }
  return "?";
}

int DTypeSize(DType t) {
  switch (t) {
    case DType::kFloat32: return 4;
    case DType::kInt32: return 4;
    case DType::kInt16: return 2;
    case DType::kInt8: return 1;
    case DType::kUInt8: return 1;
    case DType::kInt64: return 8;
    case DType::kBool: return 1;
  }
  return 1;
}

std::string OpLabel(const Graph& g, int op) {
  return "operator " + std::to_string(op) + " (" + OpTypeName(g.ops[op].type) + ")";
}

std::string TensorLabel(const Graph& g, int tensor) {
  return "tensor " + std::to_string(tensor) + " ('" + g.tensors[tensor].name + "')";
}

const char* OpTypeName(OpType t) {
  const int i = static_cast<int>(t);
  if (i < 0 || i >= kNumOpTypes) return "?";
  return ops::Unit(t).name();
}

const char* ActivationName(Activation a) {
  switch (a) {
    case Activation::kNone: return "NONE";
    case Activation::kRelu: return "RELU";
    case Activation::kReluN1To1: return "RELU_N1_TO_1";
    case Activation::kRelu6: return "RELU6";
  }
  return "?";
}

int64_t Tensor::num_elements() const {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

int Graph::producer(int t) const {
  for (size_t i = 0; i < ops.size(); ++i)
    for (int o : ops[i].outputs)
      if (o == t) return static_cast<int>(i);
  return -1;
}

std::vector<int> Graph::consumers(int t) const {
  std::vector<int> r;
  for (size_t i = 0; i < ops.size(); ++i)
    for (int in : ops[i].inputs)
      if (in == t) {
        r.push_back(static_cast<int>(i));
        break;
      }
  return r;
}

bool Graph::is_activation(int t) const {
  return t >= 0 && t < static_cast<int>(tensors.size()) && !tensors[t].is_const &&
         !tensors[t].is_variable;
}

std::vector<uint8_t> VariableResetValue(const Tensor& t) {
  uint8_t fill = 0;
  if (t.type == DType::kInt8 && !t.quant.zero_point.empty())
    fill = static_cast<uint8_t>(static_cast<int8_t>(t.quant.zero_point[0]));
  return std::vector<uint8_t>(static_cast<size_t>(t.num_bytes()), fill);
}

bool Graph::is_state(int t) const {
  return t >= 0 && t < static_cast<int>(tensors.size()) && tensors[t].is_variable;
}

std::vector<int> Graph::state_tensors() const {
  std::vector<int> r;
  for (int t = 0; t < static_cast<int>(tensors.size()); ++t)
    if (tensors[t].is_variable) r.push_back(t);
  return r;
}

std::string ShapeStr(const std::vector<int32_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) r += ',';
    r += std::to_string(s[i]);
  }
  return r + "]";
}

Shape4 AsNHWC(const std::vector<int32_t>& shape) {
  Shape4 s;
  int32_t d[4] = {1, 1, 1, 1};
  int r = static_cast<int>(shape.size());
  // Rank > 4: the leading dimensions fold into n (h, w, c are the last three).
  const int lead = r > 4 ? r - 3 : 0;
  if (lead > 0)
    for (int i = 0; i < lead; ++i) d[0] *= shape[i];
  for (int i = lead; i < r; ++i) d[4 - (r - lead) + (i - lead)] = shape[i];
  s.n = d[0];
  s.h = d[1];
  s.w = d[2];
  s.c = d[3];
  return s;
}

// 64-bit arithmetic: filter, stride and dilation come from the model file and may be huge
// (Validate rejects the results, which must not overflow on the way).
static int32_t ClampToInt32(int64_t v) {
  return static_cast<int32_t>(std::clamp<int64_t>(v, INT32_MIN, INT32_MAX));
}

int32_t ConvOutputSize(Padding p, int32_t in, int32_t filter, int32_t stride, int32_t dilation) {
  const int64_t eff = (int64_t{filter} - 1) * dilation + 1;
  if (p == Padding::kSame) return ClampToInt32((int64_t{in} + stride - 1) / stride);
  return ClampToInt32((int64_t{in} - eff + stride) / stride);
}

int32_t ConvPaddingBefore(Padding p, int32_t in, int32_t filter, int32_t stride, int32_t dilation,
                          int32_t out) {
  if (p == Padding::kValid) return 0;
  const int64_t eff = (int64_t{filter} - 1) * dilation + 1;
  const int64_t total = std::max<int64_t>(0, (int64_t{out} - 1) * stride + eff - in);
  return ClampToInt32(total / 2);
}

}  // namespace tessera
