/* Requantization of a doubled value in a few instructions (SMMULR, then an add-and-shift
 * rounding), for the depthwise convolution's DSP path (depthwise_dsp_util.h) and ADD
 * (elementwise.c): the same result as
 * ts_multiply_by_quantized_multiplier (TFLM's MultiplyByQuantizedMultiplier) whenever its
 * conditions hold. SMMULR is one instruction on a target with the DSP extension, a C emulation
 * with the same result elsewhere. */
#ifndef TESSERA_KERNELS_REQUANT_UTIL_H_
#define TESSERA_KERNELS_REQUANT_UTIL_H_

#include <stdint.h>

#if defined(__ARM_FEATURE_DSP) && !defined(TS_FORCE_DSP_EMULATION)
/* SMMULR: (a * b + 2^31) >> 32, the rounded high word of the 64-bit product. */
static inline int32_t ts_rq_smmulr(int32_t a, int32_t b) {
  int32_t r;
  __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
#else
static inline int32_t ts_rq_smmulr(int32_t a, int32_t b) {
  return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 31)) >> 32);
}
#endif

/* x2 = 2 * x with |x| < 2^29, a multiplier m and a shift -e with 0 <= e <= 30 (no left
 * shift), pow2_e = 2^e, e1 = e + 1: equals ts_multiply_by_quantized_multiplier(x, m, -e).
 *  - the rounding doubling high multiply (x * m + 2^30) >> 31 (nudge 1 - 2^30 and truncation
 *    for negative products, the same value) is SMMULR(2x, m) = (2x * m + 2^31) >> 32; x is
 *    never INT32_MIN, the one case SaturatingRoundingDoublingHighMul treats apart;
 *  - the rounding right shift by e, half away from zero, of that h (|h| <= |x| < 2^29, so
 *    2h + 2^e stays below 2^31 for e <= 30) is (2h + 2^e + (h < 0 ? -1 : 0)) >> (e + 1): for
 *    h >= 0 it is floor(h / 2^e + 1/2); for h < 0 it is floor((2h + 2^e - 1) / 2^(e+1)), which
 *    equals floor((2h + 2^e - 2) / 2^(e+1)) (an even numerator plus one never reaches the next
 *    multiple of an even divisor), i.e. floor((h + 2^(e-1) - 1) / 2^e): the tie goes down,
 *    away from zero; for e = 0 both sides are h.
 * Checked against ts_multiply_by_quantized_multiplier by tests/test_kernels_add_table.cc and
 * tests/test_kernels_dsp_depthwise.cc. */
static inline int32_t ts_rq_requant2(int32_t x2, int32_t m, int32_t pow2_e, int32_t e1) {
  const int32_t h = ts_rq_smmulr(x2, m);
  return (int32_t)((uint32_t)h * 2u + (uint32_t)pow2_e + (uint32_t)(h >> 31)) >> e1;
}

#endif
