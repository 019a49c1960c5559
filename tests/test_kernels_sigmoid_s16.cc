// ts_logistic_s16 and ts_tanh_s16 (LOGISTIC / TANH int16) and ts_sigmoid_s16_prepare against
// a naive version of TensorFlow Lite Micro's int16 paths written here: the Prepare of
// logistic_common.cc / tanh.cc (CheckedLog2 of the scales, the power-of-two case, else the
// scale times 3 * 4096 doubled while at most 32767 / 2) and reference_integer_ops Logistic /
// Tanh (interpolation in the sigmoid table) in int64 arithmetic; every int16 input, several
// random and power-of-two input scales, unaligned buffers and a window.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "support/tflm_sigmoid_table.h"
#include "tessera/kernels.h"

namespace {

const auto& kTable = tessera::test::kTflmSigmoidTable;

// TFLM's CheckedLog2 (float arithmetic).
bool Log2(float x, int* r) {
  const float l = std::log(x) * (1.0f / std::log(2.0f));
  const float rounded = std::round(l);
  *r = static_cast<int>(rounded);
  return std::abs(l - rounded) < 1e-3f;
}

struct Params {
  int32_t mult = 0, shift = 0;
};

// The int16 branch of TFLM's CalculateArithmeticOpData(Logistic) / Tanh's.
Params NaivePrepare(float scale, bool tanh) {
  Params p;
  int l = 0;
  bool pot = Log2(scale, &l);
  p.shift = 12 + l;
  pot = pot && (p.shift == 0 || (tanh && p.shift == 1));
  if (pot) return p.mult = 0, p;
  double m = static_cast<double>(scale) * 4096.0 * 3.0;
  p.shift = 0;
  while (m <= 32767.0 / 2.0 && p.shift <= 30) {
    p.shift++;
    m = m * 2.0;
  }
  p.mult = static_cast<int32_t>(m);
  return p;
}

int64_t Scaled(int16_t x, Params p) {
  int64_t m = p.mult, s = p.shift;
  if (m == 0) {
    m = int64_t{3} << s;
    s = 0;
  }
  const int64_t round = s > 0 ? int64_t{1} << (s - 1) : 0;
  const int64_t v = x * m + round;
  return v >= 0 ? v >> s : -((-v + (int64_t{1} << s) - 1) >> s);  // floor division
}

// reference_integer_ops::Logistic (int16): |input| in steps of 2^9 through the table.
int16_t NaiveLogistic(int16_t x, Params p) {
  const int64_t v = Scaled(x, p), a = v < 0 ? -v : v;
  int64_t r = int64_t{0x7FFF} << 10;
  if (a / 512 < 255) r = kTable[a / 512] * int64_t{512} + (a % 512) * (kTable[a / 512 + 1] - kTable[a / 512]);
  r = v >= 0 ? r + 512 : (int64_t{1} << 25) - r + 511;
  return static_cast<int16_t>(r / 1024);
}

// reference_integer_ops::Tanh (int16): steps of 2^8, 2 sigmoid - 1.
int16_t NaiveTanh(int16_t x, Params p) {
  const int64_t v = Scaled(x, p), a = v < 0 ? -v : v;
  int64_t r = int64_t{0xFFFF} << 8;
  if (a / 256 < 255) r = kTable[a / 256] * int64_t{256} + (a % 256) * (kTable[a / 256 + 1] - kTable[a / 256]);
  r = v >= 0 ? r - (int64_t{1} << 23) + 128 : -r + (int64_t{1} << 23) + 127;
  return static_cast<int16_t>(r >= 0 ? r / 256 : -((-r + 255) / 256));
}

void CheckScale(float scale, bool tanh) {
  SCOPED_TRACE(testing::Message() << (tanh ? "TANH" : "LOGISTIC") << " input scale " << scale);
  const Params want = NaivePrepare(scale, tanh);
  ts_logistic_params p{};
  ASSERT_EQ(ts_sigmoid_s16_prepare(scale, 1.0f / 32768, tanh ? 1 : 0, &p), 0);
  EXPECT_EQ(p.input_multiplier, want.mult);
  EXPECT_EQ(p.input_left_shift, want.shift);
  // every int16 value, as a 256 x 256 x 1 tensor held one byte off alignment, in two windows
  std::vector<int8_t> in(2 * 65536 + 1), out(2 * 65536 + 1, 0);
  for (int i = 0; i < 65536; ++i) {
    const int16_t v = static_cast<int16_t>(i - 32768);
    std::memcpy(in.data() + 1 + 2 * i, &v, 2);
  }
  const ts_cbuf cin{in.data() + 1, 0, 0, 256, 256};
  const ts_buf cout{out.data() + 1, 0, 0, 256, 256};
  for (const ts_window w : {ts_window{0, 100, 0, 256}, ts_window{100, 256, 0, 256}})
    (tanh ? ts_tanh_s16 : ts_logistic_s16)(&p, cin, cout, 1, w);
  int mismatches = 0;
  double worst = 0;
  for (int i = 0; i < 65536; ++i) {
    const int16_t x = static_cast<int16_t>(i - 32768);
    int16_t got;
    std::memcpy(&got, out.data() + 1 + 2 * i, 2);
    const int16_t ref = tanh ? NaiveTanh(x, want) : NaiveLogistic(x, want);
    if (got != ref && mismatches++ < 5) ADD_FAILURE() << "x " << x << ": kernel " << got << ", naive " << ref;
    const double real = static_cast<double>(x) * scale;
    const double f = tanh ? std::tanh(real) : 1.0 / (1.0 + std::exp(-real));
    worst = std::max(worst, std::abs(got / 32768.0 - f));
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_LT(worst, 1e-3) << "the output should follow the function of the real input";
}

TEST(KernelSigmoidS16, EveryInputMatchesNaiveForRandomAndPowerOfTwoScales) {
  std::mt19937_64 r(16016);
  std::vector<float> scales = {1.0f / 4096, 1.0f / 2048, 1.0f / 1024, 1.0f / 8192, 1.0f / 32768, 1.0f / 256};
  for (int k = 0; k < 6; ++k)
    scales.push_back(static_cast<float>(std::pow(10.0, std::uniform_real_distribution<double>(-5.0, -2.5)(r))));
  for (float s : scales) {
    CheckScale(s, false);
    CheckScale(s, true);
  }
}

TEST(KernelSigmoidS16, PrepareRejectsOutputScalesOtherThanTwoToMinus15) {
  ts_logistic_params p{};
  EXPECT_EQ(ts_sigmoid_s16_prepare(1.0f / 4096, 1.0f / 32768, 0, &p), 0);
  EXPECT_EQ(p.input_multiplier, 0);  // the power-of-two case
  EXPECT_EQ(ts_sigmoid_s16_prepare(1.0f / 2048, 1.0f / 32768, 1, &p), 0);
  EXPECT_EQ(p.input_multiplier, 0);
  EXPECT_EQ(p.input_left_shift, 1);
  EXPECT_EQ(ts_sigmoid_s16_prepare(1.0f / 2048, 1.0f / 32768, 0, &p), 0);
  EXPECT_NE(p.input_multiplier, 0);  // LOGISTIC's power-of-two case is 2^-12 only
  EXPECT_EQ(ts_sigmoid_s16_prepare(1.0f / 4096, 1.0f / 16384, 0, &p), 2);
  EXPECT_EQ(ts_sigmoid_s16_prepare(1.0f / 4096, 1.0f / 32768 * 1.01f, 1, &p), 2);
  EXPECT_EQ(ts_sigmoid_s16_prepare(4.0f, 1.0f / 32768, 1, &p), 1);  // beyond 32767 / 12288
}

}  // namespace
