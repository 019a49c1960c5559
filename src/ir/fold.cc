#include "ir/fold.h"

#include <cstring>
#include <string>
#include <vector>

#include "ops/unit.h"

namespace tessera {
namespace {

// "[1,1,1,64]" of an int32 / int64 constant (at most 16 values shown).
std::string ValueStr(const Tensor& t) {
  const int64_t n = t.num_elements();
  const int es = DTypeSize(t.type);
  if ((t.type != DType::kInt32 && t.type != DType::kInt64) || static_cast<int64_t>(t.data.size()) != n * es)
    return std::to_string(t.data.size()) + " bytes";
  std::string r = "[";
  for (int64_t i = 0; i < n && i < 16; ++i) {
    int64_t v = 0;
    if (es == 4) {
      int32_t x;
      std::memcpy(&x, t.data.data() + 4 * i, 4);
      v = x;
    } else {
      std::memcpy(&v, t.data.data() + 8 * i, 8);
    }
    if (i) r += ',';
    r += std::to_string(v);
  }
  return r + (n > 16 ? ",...]" : "]");
}

}  // namespace

int FoldConstants(Graph& g) {
  std::vector<Operator> kept;
  int folded = 0;
  const int nt = static_cast<int>(g.tensors.size());
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Operator& o = g.ops[i];
    std::vector<uint8_t> bytes;
    const int t = static_cast<int>(o.type);
    const bool one_output = o.outputs.size() == 1 && o.outputs[0] >= 0 && o.outputs[0] < nt;
    // Shape arithmetic only (int32 / int64 values): data tensors stay computed at run time.
    const bool integer = one_output && (g.tensors[o.outputs[0]].type == DType::kInt32 ||
                                        g.tensors[o.outputs[0]].type == DType::kInt64);
    if (t < 0 || t >= kNumOpTypes || !integer || !ops::Unit(o.type).Fold(g, o, &bytes)) {
      kept.push_back(o);
      continue;
    }
    Tensor& out = g.tensors[o.outputs[0]];
    const std::string label = std::string(OpTypeName(o.type)) + " (op " + std::to_string(i) + ")";
    if (static_cast<int64_t>(bytes.size()) != out.num_bytes())
      throw Error(label + ": folds to " + std::to_string(bytes.size()) + " bytes, but its output tensor '" +
                  out.name + "' " + ShapeStr(out.shape) + " " + DTypeName(out.type) + " holds " +
                  std::to_string(out.num_bytes()));
    out.data = std::move(bytes);
    out.is_const = true;
    g.folded.push_back(label + " -> tensor " + std::to_string(o.outputs[0]) + " '" + out.name + "' = " +
                       ValueStr(out) + " " + DTypeName(out.type));
    ++folded;
  }
  g.ops = std::move(kept);
  return folded;
}

}  // namespace tessera
