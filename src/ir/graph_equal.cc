#include "ir/graph_equal.h"

#include <cstring>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace tessera {
namespace {

template <class T>
std::string Str(const std::vector<T>& v) {
  std::string r = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) r += ',';
    r += std::to_string(v[i]);
  }
  return r + "]";
}

bool SameFloats(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

bool SameFloat(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Options compare member by member (defaulted ==), SOFTMAX's beta bit for bit.
template <class T>
bool Eq(const T& a, const T& b) {
  return a == b;
}
bool Eq(const SoftmaxOptions& a, const SoftmaxOptions& b) { return SameFloat(a.beta, b.beta); }

bool SameOptions(const OpOptions& a, const OpOptions& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&b](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        return Eq(x, std::get<T>(b));
      },
      a);
}

}  // namespace

bool GraphsEqual(const Graph& a, const Graph& b, std::string* why) {
  auto differ = [why](const std::string& w) {
    if (why) *why = w;
    return false;
  };
  if (a.name != b.name) return differ("name '" + a.name + "' vs '" + b.name + "'");
  if (a.tensors.size() != b.tensors.size())
    return differ(std::to_string(a.tensors.size()) + " vs " + std::to_string(b.tensors.size()) + " tensors");
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    const Tensor& x = a.tensors[i];
    const Tensor& y = b.tensors[i];
    const std::string t = "tensor " + std::to_string(i) + " '" + x.name + "': ";
    if (x.name != y.name) return differ(t + "name vs '" + y.name + "'");
    if (x.type != y.type)
      return differ(t + "type " + DTypeName(x.type) + " vs " + DTypeName(y.type));
    if (x.shape != y.shape) return differ(t + "shape " + Str(x.shape) + " vs " + Str(y.shape));
    if (!SameFloats(x.quant.scale, y.quant.scale)) return differ(t + "quantization scales differ");
    if (x.quant.zero_point != y.quant.zero_point)
      return differ(t + "zero points " + Str(x.quant.zero_point) + " vs " + Str(y.quant.zero_point));
    if (x.quant.quantized_dimension != y.quant.quantized_dimension)
      return differ(t + "quantized_dimension " + std::to_string(x.quant.quantized_dimension) +
                    " vs " + std::to_string(y.quant.quantized_dimension));
    if (x.is_const != y.is_const) return differ(t + "constness differs");
    if (x.is_variable != y.is_variable) return differ(t + "is_variable differs");
    if (x.data != y.data) return differ(t + "constant data differs");
  }
  if (a.ops.size() != b.ops.size())
    return differ(std::to_string(a.ops.size()) + " vs " + std::to_string(b.ops.size()) + " operators");
  for (size_t i = 0; i < a.ops.size(); ++i) {
    const Operator& x = a.ops[i];
    const Operator& y = b.ops[i];
    const std::string o = "op " + std::to_string(i) + ": ";
    if (x.type != y.type) return differ(o + OpTypeName(x.type) + " vs " + OpTypeName(y.type));
    if (x.inputs != y.inputs) return differ(o + "inputs " + Str(x.inputs) + " vs " + Str(y.inputs));
    if (x.outputs != y.outputs) return differ(o + "outputs " + Str(x.outputs) + " vs " + Str(y.outputs));
    if (!SameOptions(x.options, y.options)) return differ(o + "options differ");
  }
  if (a.inputs != b.inputs) return differ("graph inputs " + Str(a.inputs) + " vs " + Str(b.inputs));
  if (a.outputs != b.outputs) return differ("graph outputs " + Str(a.outputs) + " vs " + Str(b.outputs));
  return true;
}

}  // namespace tessera
