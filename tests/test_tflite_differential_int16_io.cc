// TensorFlow Lite 2.9 differential tests of the int16 model-boundary operators: QUANTIZE from
// int16 (to int8, int16 and int32, TFLM's Requantize with any zero points; TFLite 2.9 takes int16
// zero point 0 only), QUANTIZE float32 -> int16 (TFLM divides and rounds in float, TFLite 2.9's
// optimized kernel in double: every difference is shown to be that), DEQUANTIZE int16 (every
// byte), SOFTMAX int8 -> int16 (zero point -32768) and int16 -> int16 (TFLite 2.9 builds its
// tables in double where TFLM uses float: every difference is shown to be that). QUANTIZE
// int8 -> int16 has no oracle here (TFLite 2.9's Prepare refuses it; TFLM runs it):
// test_kernels_int16_io and test_int16_plans cover it. Random single-operator models written by tessera's writer. QUANTIZE: every byte
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
#include "ops/prepare_util.h"
#include "tessera/kernels.h"
#include "support/naive_softmax_s16.h"
#include "support/tflite_c.h"
#include "tflite/writer.h"

namespace tessera {
namespace {

int Add(Graph& g, const std::string& name, DType type, std::vector<int32_t> shape, float scale, int64_t zp) {
  Tensor t;
  t.name = name;
  t.type = type;
  t.shape = std::move(shape);
  if (type != DType::kFloat32) {
    t.quant.scale = {scale};
    t.quant.zero_point = {zp};
  }
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

namespace tessera {
namespace {

std::vector<uint8_t> FloatBytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

TEST(TfliteDifferentialInt16Io, QuantizeFloatToInt16) {
  TESSERA_REQUIRE_TFLITE();
  std::mt19937_64 r(163);
  auto U = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(r); };
  auto I = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(r); };
  int64_t elements = 0, differ = 0;
  for (int c = 0; c < 120; ++c) {
    const float out_s = static_cast<float>(std::pow(10.0, U(-5, -1)));
    const std::vector<int32_t> shape = {1, I(1, 60)};
    // TFLite 2.9 takes int16 QUANTIZE outputs with zero point 0 only.
    const Graph g = Single(OpType::kQuantize, std::monostate{}, DType::kFloat32, 0.0f, 0, DType::kInt16, out_s, 0, shape);
    std::vector<float> v(shape[1]);
    for (auto& x : v) {
      const int kind = I(0, 3);
      // Reals on a tie (k + 0.5 steps) and their float neighbours, out of range, ordinary.
      if (kind == 0) {
        x = static_cast<float>((I(-30000, 30000) + 0.5) * static_cast<double>(out_s));
        const int nudge = I(-1, 1);
        if (nudge) x = std::nextafter(x, nudge > 0 ? INFINITY : -INFINITY);
      } else if (kind == 1) {
        x = static_cast<float>(U(-2, 2) * 40000 * out_s);
      } else {
        x = static_cast<float>(U(-30000, 30000) * out_s);
      }
    }
    const auto in = FloatBytes(v);
    const auto want = test::RunTflite(WriteTfliteBytes(g), {in});
    const auto got = RunPlan(g, PlanLayerByLayer(g), {in});
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(got[0].size(), want[0].size());
    for (size_t e = 0; e < v.size(); ++e) {
      int16_t a, b;
      std::memcpy(&a, &got[0][2 * e], 2);
      std::memcpy(&b, &want[0][2 * e], 2);
      ++elements;
      // tessera: TFLM's float quotient and rounding.
      const float fq = std::round(v[e] / out_s);
      ASSERT_EQ(a, static_cast<int16_t>(std::clamp(fq, -32768.0f, 32767.0f))) << "case " << c << " element " << e;
      if (a == b) continue;
      // TFLite 2.9's optimized AffineQuantize divides by the scale widened to double: every
      // difference is that arithmetic.
      const double dq = std::round(static_cast<double>(v[e]) / static_cast<double>(out_s));
      ASSERT_EQ(b, static_cast<int16_t>(std::clamp(dq, -32768.0, 32767.0)))
          << "case " << c << " element " << e << ": tessera " << a << ", TFLite " << b << " for " << v[e];
      ++differ;
    }
  }
  std::printf("  QUANTIZE float32 -> int16: %lld elements, %lld where TFLite's double division rounds differently\n",
              static_cast<long long>(elements), static_cast<long long>(differ));
}

TEST(TfliteDifferentialInt16Io, DequantizeInt16) {
  TESSERA_REQUIRE_TFLITE();
  std::mt19937_64 r(165);
  auto U = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(r); };
  auto I = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(r); };
  for (int c = 0; c < 100; ++c) {
    const float in_s = static_cast<float>(std::pow(10.0, U(-6, 1)));
    const std::vector<int32_t> shape = {1, I(1, 50)};
    const Graph g =
        Single(OpType::kDequantize, std::monostate{}, DType::kInt16, in_s, 0, DType::kFloat32, 0.0f, 0, shape);
    const auto in = RandomBytes(r, static_cast<size_t>(shape[1]) * 2);
    const auto want = test::RunTflite(WriteTfliteBytes(g), {in});
    const auto got = RunPlan(g, PlanLayerByLayer(g), {in});
    ASSERT_EQ(got, want) << "DEQUANTIZE int16 case " << c;
  }
}

TEST(TfliteDifferentialInt16Io, SoftmaxInt16) {
  TESSERA_REQUIRE_TFLITE();
  std::mt19937_64 r(166);
  auto U = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(r); };
  auto I = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(r); };
  // TFLM's tables (float) and TensorFlow Lite 2.9's (double).
  const std::vector<int16_t> exp_f = naive::ExpLut<float>(), recip_f = naive::RecipLut<float>();
  const std::vector<int16_t> exp_d = naive::ExpLut<double>(), recip_d = naive::RecipLut<double>();
  int64_t elements = 0, differ = 0, table_entries_differ = 0, cases_differ = 0;
  for (int i = 0; i < 513; ++i) table_entries_differ += (exp_f[i] != exp_d[i]) + (recip_f[i] != recip_d[i]);
  for (int c = 0; c < 122; ++c) {
    SoftmaxOptions o;
    o.beta = static_cast<float>(U(0.3, 2.0));
    std::vector<int32_t> shape = {I(1, 3), I(1, 40)};
    float in_scale = static_cast<float>(std::pow(10.0, U(-5, -2.5)));
    // The last two cases: 3000 rows of two elements whose difference sweeps the sums of exps
    // over [1.2, 1.7] (in_scale 1e-4, beta 1), where the 1/(1+x) tables of TFLM (float) and
    // TensorFlow Lite 2.9 (double) differ in an entry.
    const bool sweep = c >= 120;
    if (sweep) {
      o.beta = 1.0f;
      in_scale = 1e-4f;
      shape = {3000, 2};
    }
    // TFLite 2.9 takes int16 SOFTMAX with zero points 0 only.
    const Graph g = Single(OpType::kSoftmax, o, DType::kInt16, in_scale, 0, DType::kInt16, 1.0f / 32768, 0, shape);
    auto in = RandomBytes(r, static_cast<size_t>(shape[0]) * shape[1] * 2);
    if (sweep) {
      for (int row = 0; row < 3000; ++row) {
        const int16_t hi = static_cast<int16_t>(I(-5000, 5000));
        const int16_t lo = static_cast<int16_t>(hi - (4000 + row * 3 + (c - 120)));
        std::memcpy(&in[4 * row], c == 120 ? &hi : &lo, 2);
        std::memcpy(&in[4 * row + 2], c == 120 ? &lo : &hi, 2);
      }
    }
    const auto want = test::RunTflite(WriteTfliteBytes(g), {in});
    const auto got = RunPlan(g, PlanLayerByLayer(g), {in});
    ASSERT_EQ(got.size(), 1u);
    ASSERT_EQ(got[0].size(), want[0].size());
    std::vector<int16_t> x(in.size() / 2), a(x.size()), b(x.size());
    std::memcpy(x.data(), in.data(), in.size());
    std::memcpy(a.data(), got[0].data(), in.size());
    std::memcpy(b.data(), want[0].data(), in.size());
    // TFLM: the multiplier from the double product of scale and beta, float tables.
    int32_t m_tflm, m_tfl;
    int s_tflm, s_tfl;
    ts_quantize_multiplier(static_cast<double>(in_scale) * static_cast<double>(o.beta) / (10.0 / 65535.0), &m_tflm, &s_tflm);
    ASSERT_EQ(a, naive::SoftmaxS16(x, shape[0], shape[1], m_tflm, s_tflm, exp_f, recip_f)) << "case " << c;
    elements += static_cast<int64_t>(x.size());
    if (a == b) continue;
    // TensorFlow Lite 2.9: the float product of scale and beta, double tables. Its bytes are
    // that arithmetic exactly.
    ts_quantize_multiplier(static_cast<double>(in_scale * o.beta) / (10.0 / 65535.0), &m_tfl, &s_tfl);
    ASSERT_EQ(b, naive::SoftmaxS16(x, shape[0], shape[1], m_tfl, s_tfl, exp_d, recip_d))
        << "case " << c << ": TFLite's output is not its own arithmetic either";
    for (size_t e = 0; e < x.size(); ++e) differ += a[e] != b[e];
    ++cases_differ;
  }
  std::printf("  SOFTMAX int16: %lld elements, %lld differ from TFLite 2.9 (its double tables: %lld of 1026 "
              "entries differ from TFLM's float ones)\n",
              static_cast<long long>(elements), static_cast<long long>(differ),
              static_cast<long long>(table_entries_differ));
  EXPECT_LT(differ * 10, elements);
  EXPECT_GT(cases_differ, 0) << "the sweep never reached the table entries where TFLM and TFLite differ";
}

}  // namespace
}  // namespace tessera
