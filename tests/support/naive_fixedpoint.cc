#include "support/naive_fixedpoint.h"

#include <algorithm>
#include <limits>

#include "support/naive_kernels.h"

namespace tessera::naive {
namespace {
constexpr int64_t kMin = std::numeric_limits<int32_t>::min(), kMax = std::numeric_limits<int32_t>::max();
int32_t Wrap(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(v))); }
int32_t Mul(int32_t a, int32_t b) { return Srdhm(a, b); }  // fixed-point product, exponents add

// exp(a) for a in [-1/4, 0), Q0.31: Taylor expansion around -1/8.
int32_t ExpOnIntervalNegQuarter(int32_t a) {
  const int32_t c = 1895147668;          // exp(-1/8)
  const int32_t one_third = 715827883;   // 1/3
  const int32_t x = Wrap(int64_t(a) + (int64_t(1) << 28));
  const int32_t x2 = Mul(x, x), x3 = Mul(x2, x), x4 = Mul(x2, x2);
  const int32_t x4_over_4 = RoundingDivideByPot(x4, 2);
  const int32_t poly = RoundingDivideByPot(int64_t(Mul(Wrap(int64_t(x4_over_4) + x3), one_third)) + x2, 1);
  return Wrap(int64_t(c) + Mul(c, Wrap(int64_t(x) + poly)));
}

// (1 - a) / (1 + a) for a in [0, 1), Q0.31, by three Newton-Raphson steps in Q2.29.
int32_t OneMinusXOverOnePlusX(int32_t a) {
  const int64_t sum = int64_t(a) + kMax;  // RoundingHalfSum(a, 1)
  const int32_t half_den = static_cast<int32_t>(sum >= 0 ? (sum + 1) / 2 : (sum - 1) / 2);
  int32_t x = Wrap(int64_t(1515870810) + Mul(half_den, -1010580540));
  for (int i = 0; i < 3; ++i) {
    const int32_t one_minus = Wrap((int64_t(1) << 29) - Mul(half_den, x));
    x = Wrap(int64_t(x) + SatShl(Mul(x, one_minus), 2));
  }
  return SatShl(int64_t(x) - (int64_t(1) << 29), 2);
}
}  // namespace

int32_t SatShl(int64_t x, int e) { return static_cast<int32_t>(std::clamp(x * (int64_t(1) << e), kMin, kMax)); }

int32_t ExpOnNegativeValues(int32_t a, int int_bits) {
  const int frac = 31 - int_bits;
  const int32_t quarter = int32_t(1) << (frac - 2);
  const int32_t a_mod = (a & (quarter - 1)) - quarter;
  int32_t result = ExpOnIntervalNegQuarter(SatShl(a_mod, int_bits));
  const int32_t remainder = Wrap(int64_t(a_mod) - a);
  const int32_t mult[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  for (int e = -2; e <= 4; ++e)
    if (int_bits > e && (remainder & (int32_t(1) << (frac + e)))) result = Mul(result, mult[e + 2]);
  if (int_bits > 5 && a < -(int32_t(1) << (36 - int_bits))) result = 0;
  if (a == 0) result = static_cast<int32_t>(kMax);
  return result;
}

int32_t Tanh(int32_t a, int int_bits) {
  if (a == 0) return 0;
  const int32_t n = a < 0 ? a : -a;
  const int32_t t = OneMinusXOverOnePlusX(ExpOnNegativeValues(n, int_bits + 1));
  return a < 0 ? -t : t;
}

void InvSqrtMultiplier(int32_t v, int32_t* multiplier, int* shift) {
  if (v <= 1) {
    *multiplier = static_cast<int32_t>(kMax);
    *shift = 0;
    return;
  }
  int s = 11;
  while (v >= (1 << 29)) v /= 4, ++s;
  int lz = 0;
  while (!(uint32_t(v) & (0x80000000u >> lz))) ++lz;
  const int pairs = (lz - 1) / 2 - 1;
  s -= pairs;
  v <<= 2 * pairs;
  const int32_t half_input = RoundingDivideByPot(v >> 1, 1);
  int32_t x = 1 << 28;
  for (int i = 0; i < 5; ++i) {
    const int32_t x3 = SatShl(Mul(Mul(x, x), x), 6);
    x = SatShl(int64_t(Mul((1 << 28) + (1 << 27), x)) - Mul(half_input, x3), 3);
  }
  x = Mul(x, 1518500250);
  if (s < 0) {
    x = Wrap(int64_t(x) << -s);
    s = 0;
  }
  *multiplier = x;
  *shift = -s;
}

}  // namespace tessera::naive
