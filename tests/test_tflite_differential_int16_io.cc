// TensorFlow Lite 2.9 differential tests of the int16 model-boundary operators the keyword
// model needs: QUANTIZE from int16 (to int8, int16 and int32, TFLM's Requantize with any zero
// points; TFLite 2.9 takes int16 zero point 0 only) and SOFTMAX int8 -> int16 (zero point
// -32768). Random single-operator models written by tessera's writer. QUANTIZE: every byte
// equals TFLite's. SOFTMAX: TFLite 2.9 computes it from float tables where TFLM uses gemmlowp's
// fixed point (as for int8 SOFTMAX in test_tflite_differential_ops, support/ties.h): an output
// may differ by one step only where both values are within one step of the exact real value
// (TFLite's is not always the correctly rounded one at 16 bits); anything else fails. TFLM's own bytes are the bar (the keyword model).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "exec/executor.h"
#include "ir/graph.h"
#include "memory/greedy.h"
#include "support/tflite_c.h"
#include "tflite/writer.h"

namespace tessera {
namespace {

int Add(Graph& g, const std::string& name, DType type, std::vector<int32_t> shape, float scale, int64_t zp) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  t.quant.scale = {scale};
  t.quant.zero_point = {zp};
  g.tensors.push_back(t);
  return static_cast<int>(g.tensors.size()) - 1;
}

Graph Single(OpType type, OpOptions opts, DType in_t, float in_s, int64_t in_zp, DType out_t, float out_s,
             int64_t out_zp, std::vector<int32_t> shape) {
  Graph g;
  g.name = "io";
  const int x = Add(g, "x", in_t, shape, in_s, in_zp), y = Add(g, "y", out_t, shape, out_s, out_zp);
  Operator op;
  op.type = type;
  op.inputs = {x};
  op.outputs = {y};
  op.options = opts;
  g.ops.push_back(op);
  g.inputs = {x};
  g.outputs = {y};
  g.Validate();
  return g;
}

std::vector<uint8_t> RandomBytes(std::mt19937_64& r, size_t n) {
  std::vector<uint8_t> b(n);
  for (auto& v : b) v = static_cast<uint8_t>(r() >> 56);
  return b;
}

TEST(TfliteDifferentialInt16Io, QuantizeFromInt16) {
  TESSERA_REQUIRE_TFLITE();
  std::mt19937_64 r(161);
  auto U = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(r); };
  auto I = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(r); };
  int compared = 0;
  for (int c = 0; c < 120; ++c) {
    const DType out = c % 3 == 0 ? DType::kInt8 : c % 3 == 1 ? DType::kInt16 : DType::kInt32;
    const float in_s = static_cast<float>(std::pow(10.0, U(-5, -2)));
    const float out_s = static_cast<float>(in_s * std::pow(2.0, U(out == DType::kInt8 ? 4 : -3, out == DType::kInt8 ? 10 : 3)));
    // TFLite 2.9 takes int16 QUANTIZE inputs (and int16 outputs) with zero point 0 only; TFLM
    // takes any (the keyword model's last QUANTIZE has input zero point -32768: its TFLM
    // reference covers that).
    const int64_t in_zp = 0;
    const int64_t out_zp = out == DType::kInt8 ? I(-128, 127) : out == DType::kInt16 ? 0 : I(-100000, 100000);
    const std::vector<int32_t> shape = {1, I(1, 40)};
    const Graph g = Single(OpType::kQuantize, std::monostate{}, DType::kInt16, in_s, in_zp, out, out_s, out_zp, shape);
    const auto in = RandomBytes(r, static_cast<size_t>(shape[1]) * 2);
    const auto want = test::RunTflite(WriteTfliteBytes(g), {in});
    const auto got = RunPlan(g, PlanLayerByLayer(g), {in});
    ASSERT_EQ(got, want) << "QUANTIZE int16 -> " << DTypeName(out) << " case " << c << " in zp " << in_zp
                         << " out zp " << out_zp;
    ++compared;
  }
  EXPECT_EQ(compared, 120);
}

TEST(TfliteDifferentialInt16Io, SoftmaxInt8ToInt16) {
  TESSERA_REQUIRE_TFLITE();
  std::mt19937_64 r(162);
  auto U = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(r); };
  auto I = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(r); };
  int64_t elements = 0, approximations = 0;
  for (int c = 0; c < 100; ++c) {
    SoftmaxOptions o;
    o.beta = static_cast<float>(U(0.5, 2.0));
    const std::vector<int32_t> shape = {I(1, 3), I(1, 30)};
    const float in_scale = static_cast<float>(std::pow(10.0, U(-2, 0)));
    const Graph g = Single(OpType::kSoftmax, o, DType::kInt8, in_scale, I(-128, 127), DType::kInt16, 1.0f / 65536,
                           -32768, shape);
    const auto in = RandomBytes(r, static_cast<size_t>(shape[0]) * shape[1]);
    const auto want = test::RunTflite(WriteTfliteBytes(g), {in});
    const auto got = RunPlan(g, PlanLayerByLayer(g), {in});
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(want.size(), 1u);
    ASSERT_EQ(got[0].size(), want[0].size());
    const int depth = shape[1];
    for (size_t e = 0; e < got[0].size() / 2; ++e) {
      int16_t a, b;
      std::memcpy(&a, &got[0][2 * e], 2);
      std::memcpy(&b, &want[0][2 * e], 2);
      ++elements;
      if (a == b) continue;
      // The exact real value of this element, quantized at 1/65536 with zero point -32768.
      const size_t row = e / depth;
      int mx = -128;
      for (int k = 0; k < depth; ++k) mx = std::max(mx, static_cast<int>(static_cast<int8_t>(in[row * depth + k])));
      double sum = 0;
      for (int k = 0; k < depth; ++k)
        sum += std::exp(static_cast<double>(o.beta) * in_scale * (static_cast<int8_t>(in[row * depth + k]) - mx));
      const double real =
          std::exp(static_cast<double>(o.beta) * in_scale * (static_cast<int8_t>(in[e]) - mx)) / sum;
      const double exact = std::min(32767.0, real * 65536.0 - 32768.0);
      const bool both_near = std::abs(a - exact) < 1.0 && std::abs(b - exact) < 1.0;
      ASSERT_TRUE(std::abs(a - b) == 1 && both_near)
          << "SOFTMAX int8 -> int16 case " << c << " shape " << shape[0] << "x" << shape[1] << " element " << e
          << ": tessera " << a << ", TFLite " << b << ", exact " << real * 65536.0 - 32768.0;
      ++approximations;
    }
  }
  std::printf("  SOFTMAX int8 -> int16: %lld elements, %lld one-step approximations (TFLite's float tables)\n",
              static_cast<long long>(elements), static_cast<long long>(approximations));
  EXPECT_LT(approximations * 20, elements) << "more than 5% of the elements differ";
}

}  // namespace
}  // namespace tessera
