#include "support/random_case.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace tessera::test {

Quantization Q(float scale, int64_t zero_point) {
  Quantization q;
  q.scale = {scale};
  q.zero_point = {zero_point};
  return q;
}

Quantization RandQ(Rand& r) { return Q(static_cast<float>(std::pow(10.0, r.U(-2.5, -0.5))), r.I(-128, 127)); }

Activation RandAct(Rand& r) {
  switch (r.I(0, 3)) {
    case 0: return Activation::kNone;
    case 1: return Activation::kRelu;
    case 2: return Activation::kRelu6;
    default: return Activation::kReluN1To1;
  }
}

int AddTensor(Graph& g, const std::string& name, DType type, std::vector<int32_t> shape, Quantization q,
              std::vector<uint8_t> data) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  t.quant = std::move(q);
  t.is_const = !data.empty();
  t.data = std::move(data);
  g.tensors.push_back(std::move(t));
  return static_cast<int>(g.tensors.size()) - 1;
}

std::vector<uint8_t> RandomBytes(Rand& r, int64_t n) { return RangeBytes(r, n, -128, 127); }

std::vector<uint8_t> RangeBytes(Rand& r, int64_t n, int lo, int hi) {
  lo = std::clamp(lo, -128, 127);
  hi = std::clamp(hi, lo, 127);
  std::vector<uint8_t> v(static_cast<size_t>(n));
  for (auto& b : v) b = static_cast<uint8_t>(static_cast<int8_t>(r.I(lo, hi)));
  return v;
}

}  // namespace tessera::test
