// LOG_SOFTMAX int8: TFLM's own golden bytes (log_softmax_test.cc, input range [-10, 10]);
// ts_log_softmax_prepare against TFLM's Prepare formulas evaluated here in double; the kernel
// against a literal re-derivation of reference_ops::LogSoftmaxQuantized written here with int64
// arithmetic (gemmlowp's fixed-point exp and log spelled out on raw values) over random scales,
// depths and rows; and against the real log-softmax within one output step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "support/naive_zoo_kernels.h"
#include "tessera/kernels.h"

namespace tessera::zoo {
namespace {

constexpr int64_t kMin32 = std::numeric_limits<int32_t>::min(), kMax32 = std::numeric_limits<int32_t>::max();

int32_t Sat(int64_t v) { return static_cast<int32_t>(std::clamp(v, kMin32, kMax32)); }

// a * b / 2^31: ties up for a non-negative product, toward zero for a negative one; -1 * -1
// saturates.
int32_t Mul(int32_t a, int32_t b) {
  if (a == kMin32 && b == kMin32) return static_cast<int32_t>(kMax32);
  const int64_t ab = int64_t(a) * b, half = int64_t(1) << 30;
  return static_cast<int32_t>(ab >= 0 ? (ab + half) >> 31 : -((-ab + half - 1) >> 31));
}
// x / 2^k rounded half away from zero.
int32_t Div(int64_t x, int k) {
  if (k == 0) return static_cast<int32_t>(x);
  const int64_t half = int64_t(1) << (k - 1);
  return static_cast<int32_t>(x >= 0 ? (x + half) >> k : -((-x + half) >> k));
}
// x * 2^k saturated to int32.
int32_t Shl(int32_t x, int k) { return Sat(int64_t(x) * (int64_t(1) << k)); }
// From `from` to `to` integer bits.
int32_t Rescale(int32_t x, int from, int to) { return from >= to ? Shl(x, from - to) : Div(x, to - from); }

// exp(x) for x in [-1/4, 0), 0 integer bits (gemmlowp's Taylor step around -1/8).
int32_t ExpQuarter(int32_t a) {
  const int32_t c = 1895147668, third = 715827883;
  const int32_t x = a + (1 << 28);
  const int32_t x2 = Mul(x, x), x3 = Mul(x2, x), x4 = Mul(x2, x2);
  const int32_t poly = Div(int64_t(Mul(Div(x4, 2) + x3, third)) + x2, 1);
  return c + Mul(c, x + poly);
}
// exp(a) for a <= 0 with 5 integer bits; the result with 0.
int32_t ExpNeg5(int32_t a) {
  const int frac = 26;
  const int32_t quarter = 1 << (frac - 2);
  const int32_t rem_quarter = (a & (quarter - 1)) - quarter;
  int32_t r = ExpQuarter(Rescale(rem_quarter, 5, 0));
  const int32_t rest = rem_quarter - a;
  const int32_t mult[] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  for (int e = -2; e <= 4; ++e)
    if (rest & (int32_t(1) << (frac + e))) r = Mul(r, mult[e + 2]);
  if (a == 0) r = static_cast<int32_t>(kMax32);
  return r;
}
// 1 / (1 + x), x in [0, 1), both 0 integer bits (Newton-Raphson on the half denominator).
int32_t Recip(int32_t a) {
  const int64_t s = int64_t(a) + kMax32;
  const int32_t hd = static_cast<int32_t>((s + (s >= 0 ? 1 : -1)) / 2);
  int32_t x = 1515870810 + Mul(hd, -1010580540);
  for (int i = 0; i < 3; ++i) x = x + Rescale(Mul(x, (1 << 29) - Mul(hd, x)), 4, 2);
  return Rescale(x, 1, 0);
}
int Clz(uint32_t v) {
  int n = 0;
  for (uint32_t bit = 0x80000000u; bit && !(v & bit); bit >>= 1) ++n;
  return n;
}
// log(x) for x >= 1 with 12 integer bits, result with 5 (accumulated with 6).
int32_t Log12(int32_t x) {
  const int32_t ln2 = 1488522236, ssh = 1805811301, sh = 1518500250;
  const int32_t an = 117049297, ad = 127690142, ai = 1057819769, af = 638450708;
  const int32_t quarter6 = Div(536870912, 6);
  const int ha = Clz(static_cast<uint32_t>(x));
  const int32_t ra = Shl(Mul(Shl(x, ha - 1), sh), 1);
  const int32_t pa = Sat(int64_t(Shl(12 - ha, 25)) + quarter6);
  const int hb = Clz(static_cast<uint32_t>(Mul(x, sh))) - 1;
  const int32_t rb = Shl(x, hb);
  const int32_t pb = Sat(int64_t(Shl(12 - hb, 25)) - quarter6);
  const int32_t r = std::min(ra, rb), pw = std::max(pa, pb);
  const int64_t hs = int64_t(r) + ssh;
  const int32_t p = static_cast<int32_t>((hs + (hs >= 0 ? 1 : -1)) / 2);
  const int32_t q = 2 * (r - ssh);
  const int32_t sq = Mul(q, q);
  const int32_t num = Mul(q, r) + Mul(Mul(q, sq), an);
  const int32_t den = Mul(p, ai + q + Mul(ad, sq)) + Mul(af, q);
  return Rescale(Mul(pw, ln2) + Mul(Div(num, 6), Recip(den)), 6, 5);
}

std::vector<int8_t> Naive(const ts_log_softmax_params& p, const std::vector<int8_t>& in, int rows, int depth) {
  std::vector<int8_t> out(in.size());
  for (int r = 0; r < rows; ++r) {
    const int8_t* row = in.data() + int64_t(r) * depth;
    const int32_t mx = *std::max_element(row, row + depth);
    int32_t sum = 0;
    for (int c = 0; c < depth; ++c)
      if (row[c] - mx >= p.diff_min) sum += Div(ExpNeg5(Mbqm(row[c] - mx, p.input_multiplier, p.input_left_shift)), 12);
    const int32_t lg = Log12(sum);
    const int32_t adj = std::max(p.diff_min - 1, Mbqm(static_cast<int32_t>(int64_t(lg) + kMin32),
                                                     p.reverse_scaling_divisor, -p.reverse_scaling_right_shift));
    for (int c = 0; c < depth; ++c) {
      const int32_t d = row[c] - mx;
      int32_t v = -128;
      if (d > adj)
        v = std::clamp(Div(int64_t(Mbqm(d, p.input_multiplier, p.input_left_shift)) - lg, 22) + 127, -128, 127);
      out[int64_t(r) * depth + c] = static_cast<int8_t>(v);
    }
  }
  return out;
}

std::vector<int8_t> Kernel(const ts_log_softmax_params& p, const std::vector<int8_t>& in, int rows, int depth,
                           bool scratch) {
  std::vector<int8_t> out(in.size() + 1, 0x77), s(static_cast<size_t>(depth) + 1);
  ts_log_softmax_s8(&p, in.data(), out.data(), rows, depth, scratch ? s.data() : nullptr);
  EXPECT_EQ(out.back(), 0x77);
  out.pop_back();
  return out;
}

TEST(KernelsZooLogSoftmax, TflmGoldenBytes) {
  // TFLM's test: inputs {0, -6, 2, 4, 3, -2, 10, 1} quantized over [-10, 10]: scale 20/255 as
  // a float, zero point 0, x / scale in float (-6, 2 and -2 land on ties, rounded away from
  // zero; 10 gives 128, clamped).
  ts_log_softmax_params p{};
  const float scale = 20.0f / 255.0f;
  ASSERT_EQ(ts_log_softmax_prepare(static_cast<double>(scale), &p), 1);
  std::vector<int8_t> in;
  for (float x : {0.0f, -6.0f, 2.0f, 4.0f, 3.0f, -2.0f, 10.0f, 1.0f})
    in.push_back(static_cast<int8_t>(std::clamp(std::round(x / scale), -128.0f, 127.0f)));
  ASSERT_EQ(in, std::vector<int8_t>({0, -77, 26, 51, 38, -26, 127, 13}));
  EXPECT_EQ(Kernel(p, in, 2, 4, false), std::vector<int8_t>({61, -36, 93, 125, 15, -65, 127, -16}));
}

TEST(KernelsZooLogSoftmax, PrepareMatchesTflmFormulas) {
  Rng rng(61);
  for (int it = 0; it < 20000; ++it) {
    const float scale = static_cast<float>(std::exp2(Real(rng, -26.0, 8.0)));
    const double s = scale;
    ts_log_softmax_params p{};
    const double real = std::min(s * 67108864.0, 2147483647.0);
    if (!(real > 1.0)) {
      EXPECT_EQ(ts_log_softmax_prepare(s, &p), 0) << s;
      continue;
    }
    ASSERT_EQ(ts_log_softmax_prepare(s, &p), 1) << s;
    int32_t m = 0;
    int sh = 0;
    QuantizeMultiplier(real, &m, &sh);
    EXPECT_EQ(p.input_multiplier, m);
    EXPECT_EQ(p.input_left_shift, sh);
    int32_t dm = 0;
    int dsh = 0;
    QuantizeMultiplier(std::ldexp(1.0, 31 - sh) / m, &dm, &dsh);
    EXPECT_EQ(p.reverse_scaling_divisor, dm);
    EXPECT_EQ(p.reverse_scaling_right_shift, -dsh);
    EXPECT_EQ(p.diff_min, -static_cast<int32_t>(std::floor(31.0 * std::ldexp(1.0, 26 - sh))));
  }
  ts_log_softmax_params p{};
  EXPECT_EQ(ts_log_softmax_prepare(0.0, &p), 0);
  EXPECT_EQ(ts_log_softmax_prepare(-1.0, &p), 0);
  EXPECT_EQ(ts_log_softmax_prepare(1e-9, &p), 0);
}

TEST(KernelsZooLogSoftmax, MatchesTheReDerivationAndTheRealFunction) {
  Rng rng(67);
  for (int it = 0; it < 3000; ++it) {
    const double scale = static_cast<float>(std::exp2(Real(rng, -9.0, 1.5)));
    ts_log_softmax_params p{};
    ASSERT_EQ(ts_log_softmax_prepare(scale, &p), 1);
    const int rows = Int(rng, 1, 4), depth = Int(rng, 1, it % 10 == 0 ? 600 : 40);
    std::vector<int8_t> in = RandomBytes(rng, static_cast<size_t>(rows) * depth);
    if (it % 3 == 0)  // a narrow spread: many elements near the maximum
      for (auto& b : in) b = static_cast<int8_t>(Int(rng, 100, 127));
    if (it % 7 == 0) std::fill(in.begin(), in.end(), static_cast<int8_t>(Int(rng, -128, 127)));
    const auto expect = Naive(p, in, rows, depth);
    ASSERT_EQ(Kernel(p, in, rows, depth, false), expect) << "it " << it << " scale " << scale;
    ASSERT_EQ(Kernel(p, in, rows, depth, true), expect) << "scratch, it " << it;
    std::vector<int8_t> inplace = in;
    ts_log_softmax_s8(&p, inplace.data(), inplace.data(), rows, depth, nullptr);
    ASSERT_EQ(inplace, expect) << "in place, it " << it;
    // The real log-softmax, quantized with scale 1/16 and zero point 127: within one step.
    for (int r = 0; r < rows; ++r) {
      const int8_t* row = in.data() + int64_t(r) * depth;
      const int mx = *std::max_element(row, row + depth);
      double sum = 0;
      for (int c = 0; c < depth; ++c) sum += std::exp(scale * (row[c] - mx));
      for (int c = 0; c < depth; ++c) {
        const double ls = scale * (row[c] - mx) - std::log(sum);
        const double q = std::clamp(std::round(127.0 + ls * 16.0), -128.0, 127.0);
        ASSERT_LE(std::abs(expect[int64_t(r) * depth + c] - q), 1.0)
            << "it " << it << " scale " << scale << " diff " << row[c] - mx;
      }
    }
  }
}

}  // namespace
}  // namespace tessera::zoo
