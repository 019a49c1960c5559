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

#include "tessera/kernels.h"

namespace {

// sigmoid(i/24) in 0.16 (TFLM common.h's sigmoid_table_uint16), typed in for the naive model.
const uint16_t kTable[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535};

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
