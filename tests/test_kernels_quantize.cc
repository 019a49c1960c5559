// QUANTIZE float32 -> int8 must give TFLM's bytes: reference/quantize.h AffineQuantize,
// static_cast<int32_t>(TfLiteRound(val / static_cast<float>(scale))) + zero_point, clamped; the
// quotient of two floats is a float division and TfLiteRound<float> rounds half away from zero
// in single precision. Compared with that formula (written here from TFLM's definition) over
// random values, every value within a few float steps of each tie (k + 0.5) * scale, huge, tiny,
// infinite and NaN inputs, quotients around +-32768 and scales that are not floats (TFLM casts
// the scale to float); and on values, found by search, where a double division (TensorFlow
// Lite 2.9's arithmetic, tessera's before) gives another byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "tessera/kernels.h"

namespace {

int8_t Reference(float v, double scale, int32_t zp) {
  const float q = v / static_cast<float>(scale);  // float / float
  const float rounded = std::round(q);            // TfLiteRound<float>
  if (std::isnan(rounded)) return static_cast<int8_t>(std::clamp<int32_t>(zp, -128, 127));  // cast undefined: zp
  // Beyond the int32 range TFLM's cast is undefined; the kernel saturates (documented).
  const double clamped = std::clamp(static_cast<double>(rounded), -2147483648.0, 2147483647.0);
  const int64_t unclamped = static_cast<int64_t>(clamped) + zp;
  return static_cast<int8_t>(std::clamp<int64_t>(unclamped, -128, 127));
}

// Runs the kernel over `values` as one row of single-channel pixels.
std::vector<int8_t> Kernel(const std::vector<float>& values, double scale, int32_t zp) {
  const int32_t n = static_cast<int32_t>(values.size());
  std::vector<int8_t> in(values.size() * 4), out(values.size());
  std::memcpy(in.data(), values.data(), in.size());
  ts_quantize_f32_s8(scale, zp, ts_cbuf{in.data(), 0, 0, 1, n}, ts_buf{out.data(), 0, 0, 1, n}, 1,
                     ts_window{0, 1, 0, n});
  return out;
}

void ExpectExact(const std::vector<float>& values, double scale, int32_t zp) {
  const std::vector<int8_t> got = Kernel(values, scale, zp);
  for (size_t i = 0; i < values.size(); ++i)
    ASSERT_EQ(got[i], Reference(values[i], scale, zp))
        << "v=" << values[i] << " (bits " << std::hex << [&] {
             uint32_t b;
             std::memcpy(&b, &values[i], 4);
             return b;
           }() << std::dec << ") scale=" << scale << " zp=" << zp;
}

TEST(KernelsQuantize, FloatScalesAgreeWithTflmsFloatFormulaAroundEveryTie) {
  std::mt19937 rng(5);
  const float scales[] = {1.0f / 128.0f, 1.0f / 255.0f, 0.0078125f, 0.003921569f, 0.0213f, 0.5f, 1.0f, 3.7f,
                          1e-3f, 17.0f};
  for (float s : scales) {
    for (int32_t zp : {-128, -1, 0, 5, 127}) {
      std::vector<float> values;
      for (int k = -300; k <= 300; ++k) {
        // Around the tie (k + 0.5) * scale and around k * scale, eight float steps either way.
        for (float centre : {static_cast<float>((k + 0.5) * static_cast<double>(s)),
                             static_cast<float>(k * static_cast<double>(s))}) {
          float v = centre;
          for (int i = 0; i < 8; ++i) v = std::nextafter(v, -std::numeric_limits<float>::infinity());
          for (int i = 0; i < 17; ++i) {
            values.push_back(v);
            v = std::nextafter(v, std::numeric_limits<float>::infinity());
          }
        }
      }
      std::uniform_real_distribution<float> u(-300.0f * s, 300.0f * s);
      for (int i = 0; i < 4000; ++i) values.push_back(u(rng));
      ExpectExact(values, static_cast<double>(s), zp);
    }
  }
}

TEST(KernelsQuantize, ExtremeInputsAndNonFloatScales) {
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> values = {0.0f,   -0.0f, 1e-45f, -1e-45f, 1e-38f, 3e38f, -3e38f, inf, -inf,
                               std::numeric_limits<float>::quiet_NaN(), 1e9f, -1e9f, 127.5f, -128.5f};
  // Quotients around +-32768 (with scale 1): where the kernel's single-precision path ends.
  for (float q = 32766.0f; q <= 32770.0f; q += 0.25f) {
    values.push_back(q);
    values.push_back(-q);
    values.push_back(std::nextafter(q, 0.0f));
    values.push_back(-std::nextafter(q, 0.0f));
  }
  for (double scale : {1.0, 1.0 / 128.0, 1e-35, 1e35, 0.1 /* not a float */, 1.0 / 3.0 /* not a float */})
    for (int32_t zp : {-128, 0, 127}) ExpectExact(values, scale, zp);
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-40.0f, 40.0f);
  std::vector<float> random(5000);
  for (auto& v : random) v = u(rng);
  ExpectExact(random, 0.1, 3);
}

TEST(KernelsQuantize, DividesAndRoundsInFloatNotDouble) {
  // A value found in a model's input: the float quotient -90.5 (a tie, rounded away from zero
  // to -91) of a value whose real quotient is -90.4999...; a double division gives -90.
  {
    const float v = -0.45545429f, s = 0.00503264414f;
    ASSERT_EQ(Reference(v, s, 0), -91);
    ASSERT_EQ(std::round(static_cast<double>(v) / static_cast<double>(s)), -90.0);
    EXPECT_EQ(Kernel({v}, s, 0)[0], -91);
  }
  // Values a float step or so around ties (t + 0.5) * scale whose float quotient rounds to
  // another integer than the double one, found by search (no chosen constants), each with a
  // random zero point: the kernel follows the float arithmetic.
  std::mt19937 rng(1603);
  std::uniform_real_distribution<double> exponent(-4.0, -1.0);
  std::uniform_int_distribution<int32_t> tie(-128, 127), zero_point(-128, 127);
  int found = 0;
  for (int k = 0; k < 400000 && found < 60; ++k) {
    const float s = static_cast<float>(std::pow(10.0, exponent(rng)));
    const int32_t t = tie(rng), zp = zero_point(rng);
    const float base = static_cast<float>((t + 0.5) * static_cast<double>(s));
    for (float v : {std::nextafter(base, -INFINITY), base, std::nextafter(base, INFINITY)}) {
      const double by_double = std::round(static_cast<double>(v) / static_cast<double>(s));
      const float by_float = std::round(v / s);
      if (static_cast<double>(by_float) == by_double) continue;
      const int32_t want = std::clamp(static_cast<int32_t>(by_float) + zp, -128, 127);
      const int32_t double_byte = std::clamp(static_cast<int32_t>(by_double) + zp, -128, 127);
      if (want == double_byte) continue;  // both clamp to the same end
      ASSERT_EQ(Reference(v, s, zp), want);
      ASSERT_EQ(Kernel({v}, s, zp)[0], want) << "v=" << v << " scale=" << s << " zp=" << zp;
      ++found;
    }
  }
  EXPECT_GE(found, 50) << "too few values separating float from double arithmetic found";
}

}  // namespace
