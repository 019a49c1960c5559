/* Internal fixed-point helpers shared by the kernels: gemmlowp-style arithmetic as used by
 * TensorFlow Lite Micro's reference kernels (exp on negative values, 1/(1+x), logistic).
 * Raw int32 values; the number of integer bits of each operand is stated per function. */
#ifndef TESSERA_KERNELS_FIXEDPOINT_H_
#define TESSERA_KERNELS_FIXEDPOINT_H_

#include <stdint.h>

#include "tessera/kernels.h"

#define TS_INT32_MIN (-2147483647 - 1)
#define TS_INT32_MAX 2147483647

static inline int32_t ts_fp_srdhm(int32_t a, int32_t b) {
  return ts_saturating_rounding_doubling_high_mul(a, b);
}

static inline int32_t ts_fp_rdbpot(int32_t x, int e) { return ts_rounding_divide_by_pot(x, e); }

/* SaturatingRoundingMultiplyByPOT with a positive exponent: saturating left shift. */
static inline int32_t ts_fp_sat_shl(int32_t x, int e) {
  const int32_t threshold = (int32_t)((1u << (31 - e)) - 1u);
  if (x > threshold) return TS_INT32_MAX;
  if (x < -threshold) return TS_INT32_MIN;
  return (int32_t)((uint32_t)x << e);
}

/* Rescale a value with `src_bits` integer bits to `dst_bits` integer bits. */
static inline int32_t ts_fp_rescale(int32_t x, int src_bits, int dst_bits) {
  const int e = src_bits - dst_bits;
  if (e > 0) return ts_fp_sat_shl(x, e);
  if (e < 0) return ts_fp_rdbpot(x, -e);
  return x;
}

/* exp(a) for a in [-1/4, 0), a and result with 0 integer bits. */
static inline int32_t ts_fp_exp_on_interval_neg_quarter_0(int32_t a) {
  const int32_t constant_term = 1895147668;     /* exp(-1/8) */
  const int32_t constant_1_over_3 = 715827883;  /* 1/3 */
  const int32_t x = a + (1 << 28);              /* a + 1/8 */
  const int32_t x2 = ts_fp_srdhm(x, x);
  const int32_t x3 = ts_fp_srdhm(x2, x);
  const int32_t x4 = ts_fp_srdhm(x2, x2);
  const int32_t x4_over_4 = ts_fp_rdbpot(x4, 2);
  const int32_t poly =
      ts_fp_rdbpot(ts_fp_srdhm(x4_over_4 + x3, constant_1_over_3) + x2, 1);
  return constant_term + ts_fp_srdhm(constant_term, x + poly);
}

/* exp(a) for a <= 0; `a` has `int_bits` integer bits (1..6), the result 0 integer bits. */
static inline int32_t ts_fp_exp_on_negative_values(int32_t a, int int_bits) {
  static const int32_t kMultipliers[7] = {1672461947, 1302514674, 790015084, 290630308,
                                          39332535,   720401,     242};
  const int frac_bits = 31 - int_bits;
  const int32_t one_quarter = (int32_t)1 << (frac_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = (a & mask) - one_quarter;
  int32_t result = ts_fp_exp_on_interval_neg_quarter_0(
      ts_fp_rescale(a_mod_quarter_minus_one_quarter, int_bits, 0));
  const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
  int exponent;
  for (exponent = -2; exponent <= 4; ++exponent) {
    if (int_bits > exponent) {
      const int shift_amount = frac_bits + exponent;
      if (remainder & ((int32_t)1 << shift_amount))
        result = ts_fp_srdhm(result, kMultipliers[exponent + 2]);
    }
  }
  if (int_bits > 5) {
    const int32_t clamp = -((int32_t)1 << (36 - int_bits)); /* -32.0 */
    if (a < clamp) result = 0;
  }
  if (a == 0) result = TS_INT32_MAX;
  return result;
}

/* (a + b) / 2 rounded half away from zero, as gemmlowp's RoundingHalfSum. */
static inline int32_t ts_fp_rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + (int64_t)b;
  const int64_t sign = sum >= 0 ? 1 : -1;
  return (int32_t)((sum + sign) / 2);
}

/* 1 / (1 + a) for a in [0, 1): input 0 integer bits, result 0 integer bits. */
static inline int32_t ts_fp_one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int32_t half_denominator = ts_fp_rounding_half_sum(a, TS_INT32_MAX); /* 0 int bits */
  const int32_t constant_48_over_17 = 1515870810;   /* 2 integer bits */
  const int32_t constant_neg_32_over_17 = -1010580540;
  const int32_t f2_one = (int32_t)1 << 29;
  int32_t x = constant_48_over_17 + ts_fp_srdhm(half_denominator, constant_neg_32_over_17);
  int i;
  for (i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = ts_fp_srdhm(half_denominator, x); /* 2 bits */
    const int32_t one_minus = f2_one - half_denominator_times_x;
    x = x + ts_fp_rescale(ts_fp_srdhm(x, one_minus), 4, 2);
  }
  /* ExactMulByPot<-1>: same raw with one integer bit less (2 -> 1), then to 0 bits. */
  return ts_fp_rescale(x, 1, 0);
}

/* logistic(a); `a` has `int_bits` integer bits, the result 0 integer bits. */
static inline int32_t ts_fp_logistic(int32_t a, int int_bits) {
  int32_t abs_a, pos, neg;
  if (a == 0) return (int32_t)1 << 30;
  abs_a = a > 0 ? a : -a;
  pos = ts_fp_one_over_one_plus_x_for_x_in_0_1(ts_fp_exp_on_negative_values(-abs_a, int_bits));
  neg = TS_INT32_MAX - pos;
  return a > 0 ? pos : neg;
}

static inline int ts_count_leading_zeros_u32(uint32_t x) {
  int n = 0;
  if (x == 0) return 32;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++n;
  }
  return n;
}

static inline int32_t ts_clamp_i32(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

#endif
