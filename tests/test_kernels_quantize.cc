// QUANTIZE float32 -> int8 takes a single-precision shortcut when its result is certain; the
// bytes must stay TFLM's: round(v / scale) in double, half away from zero, plus the zero
// point, clamped. Compared with that formula (written here independently) over random values,
// every value within a few float steps of each tie (k + 0.5) * scale, huge, tiny, infinite and
// NaN inputs, and scales that are not floats (the exact path).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "tessera/kernels.h"

namespace {

int8_t Reference(float v, double scale, int32_t zp) {
  if (std::isnan(v)) return static_cast<int8_t>(std::clamp<int64_t>(zp, -128, 127));
  const double r = std::round(static_cast<double>(v) / scale);
  const double clamped = std::clamp(r, -2147483648.0 + 256.0, 2147483647.0 - 256.0);
  const int64_t q = static_cast<int64_t>(clamped) + zp;
  return static_cast<int8_t>(std::clamp<int64_t>(q, -128, 127));
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

TEST(KernelsQuantize, FloatScalesAgreeWithTheDoubleFormulaAroundEveryTie) {
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
  const std::vector<float> values = {0.0f,   -0.0f, 1e-45f, -1e-45f, 1e-38f, 3e38f, -3e38f, inf, -inf,
                                     std::numeric_limits<float>::quiet_NaN(), 1e9f, -1e9f, 127.5f, -128.5f};
  for (double scale : {1.0 / 128.0, 1e-35, 1e35, 0.1 /* not a float */, 1.0 / 3.0 /* not a float */})
    for (int32_t zp : {-128, 0, 127}) ExpectExact(values, scale, zp);
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-40.0f, 40.0f);
  std::vector<float> random(5000);
  for (auto& v : random) v = u(rng);
  ExpectExact(random, 0.1, 3);  // exact path throughout
}

}  // namespace
