/* Dot-product micro-kernels of the 16x8 DSP paths (conv_s16.c, fully_connected_s16.c, lstm.c):
 * int16 activations (no offset: int16 zero points are 0) times int8 weights, summed with SMLAD
 * into int32.
 *
 * Lanes: four weight bytes w0 w1 w2 w3 give (w0, w2) = SXTB16(w) and (w1, w3) = SXTB16(ROR8(w));
 * four activations loaded as two words (x0, x1) and (x2, x3) (LDR, any alignment: unaligned word
 * loads are allowed on ARMv7E-M) are regrouped to match with two PKHBT / PKHTB: (x0, x2) and
 * (x1, x3). With several weight rows the regrouped activations serve every row.
 *
 * Exactness: SMLAD adds mod 2^32, so an int32 (wrapping) accumulation gets the portable loop's
 * value whatever the length. For an int64 accumulation (TFLM's 16x8 kernels with an int64 bias)
 * every product is at most 2^22 in magnitude (|x| <= 2^15, |w| <= 2^7), so a sum of at most
 * TS_DSP16_CHUNK = 508 < 2^9 products, and every partial sum on the way, lies in
 * (-2^31, 2^31): the int32 sum is the exact sum, and the callers add it to their int64
 * accumulators after at most that many products. */
#ifndef TESSERA_KERNELS_DSP_DOT16_H_
#define TESSERA_KERNELS_DSP_DOT16_H_

#include "arm_dsp.h"
#include "unaligned.h"

/* Products summed exactly in int32 before the int64 accumulators take them (a multiple of 4). */
#define TS_DSP16_CHUNK 508

/* PKHTB: top halfword of a in lane 1, top halfword of b in lane 0 (b >> 16); PKHBT as
 * ts_dsp_pkhbt, one instruction on the device (GCC does not form them from the C). */
static inline uint32_t ts_dsp_pkhtb16(uint32_t a, uint32_t b) {
#if TS_DSP_NATIVE
  uint32_t r;
  __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
#else
  return (a & 0xffff0000u) | (b >> 16);
#endif
}
static inline uint32_t ts_dsp_pkhbt16(uint32_t a, uint32_t b) {
#if TS_DSP_NATIVE
  uint32_t r;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
#else
  return ts_dsp_pkhbt(a, b);
#endif
}

/* (x0, x2) and (x1, x3) of four int16 at byte address x. */
static inline void ts_dsp16_pairs(const int8_t* x, uint32_t* even, uint32_t* odd) {
  const uint32_t lo = ts_dsp_load4(x), hi = ts_dsp_load4(x + 4);
  *even = ts_dsp_pkhbt16(lo, hi);
  *odd = ts_dsp_pkhtb16(hi, lo);
}

/* s[r] += sum over i < n of x[i] * w[r * stride + i], r = 0..3 (int32, mod 2^32). x: int16 at
 * byte address x (any alignment), w: int8. On the device the loop over blocks of four
 * products is one assembly block (GCC's allocation of the C spills a row pointer): rows 0-1
 * and 2-3 addressed by two pointers and the stride, 2 + 4 loads, 2 PKH, 8 SXTB16, 8 SMLAD per
 * block. */
static inline void ts_dsp16_dot4(const int8_t* x, const int8_t* w, int32_t stride, int32_t n, int32_t* s) {
  const int8_t* w0 = w;
  int32_t a0 = s[0], a1 = s[1], a2 = s[2], a3 = s[3];
  int32_t i = n >> 2;
#if TS_DSP_ASM
  if (i > 0) {
    const int8_t* w2 = w0 + 2 * stride;
    uint32_t xe, xo, t, q;
    __asm__ volatile(
        "1:\n\t"
        "ldr %[t], [%[x]], #4\n\t"
        "ldr %[q], [%[x]], #4\n\t"
        "pkhbt %[xe], %[t], %[q], lsl #16\n\t"
        "pkhtb %[xo], %[q], %[t], asr #16\n\t"
        "ldr %[t], [%[w0], %[st]]\n\t"
        "sxtb16 %[q], %[t]\n\t"
        "smlad %[a1], %[xe], %[q], %[a1]\n\t"
        "sxtb16 %[t], %[t], ror #8\n\t"
        "smlad %[a1], %[xo], %[t], %[a1]\n\t"
        "ldr %[t], [%[w0]], #4\n\t"
        "sxtb16 %[q], %[t]\n\t"
        "smlad %[a0], %[xe], %[q], %[a0]\n\t"
        "sxtb16 %[t], %[t], ror #8\n\t"
        "smlad %[a0], %[xo], %[t], %[a0]\n\t"
        "ldr %[t], [%[w2], %[st]]\n\t"
        "sxtb16 %[q], %[t]\n\t"
        "smlad %[a3], %[xe], %[q], %[a3]\n\t"
        "sxtb16 %[t], %[t], ror #8\n\t"
        "smlad %[a3], %[xo], %[t], %[a3]\n\t"
        "ldr %[t], [%[w2]], #4\n\t"
        "sxtb16 %[q], %[t]\n\t"
        "smlad %[a2], %[xe], %[q], %[a2]\n\t"
        "sxtb16 %[t], %[t], ror #8\n\t"
        "smlad %[a2], %[xo], %[t], %[a2]\n\t"
        "subs %[i], %[i], #1\n\t"
        "bne 1b\n\t"
        : [x] "+r"(x), [w0] "+r"(w0), [w2] "+r"(w2), [i] "+r"(i), [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2),
          [a3] "+r"(a3), [xe] "=&r"(xe), [xo] "=&r"(xo), [t] "=&r"(t), [q] "=&r"(q)
        : [st] "r"(stride)
        : "cc", "memory");
  }
#else
  {
    const int8_t* w1 = w0 + stride;
    const int8_t* w2 = w1 + stride;
    const int8_t* w3 = w2 + stride;
    for (; i > 0; --i) {
      uint32_t xe, xo, q;
      ts_dsp16_pairs(x, &xe, &xo);
      q = ts_dsp_load4(w0);
      a0 = ts_dsp_smlad(xo, ts_dsp_sxtb16_ror8(q), ts_dsp_smlad(xe, ts_dsp_sxtb16(q), a0));
      q = ts_dsp_load4(w1);
      a1 = ts_dsp_smlad(xo, ts_dsp_sxtb16_ror8(q), ts_dsp_smlad(xe, ts_dsp_sxtb16(q), a1));
      q = ts_dsp_load4(w2);
      a2 = ts_dsp_smlad(xo, ts_dsp_sxtb16_ror8(q), ts_dsp_smlad(xe, ts_dsp_sxtb16(q), a2));
      q = ts_dsp_load4(w3);
      a3 = ts_dsp_smlad(xo, ts_dsp_sxtb16_ror8(q), ts_dsp_smlad(xe, ts_dsp_sxtb16(q), a3));
      x += 8;
      w0 += 4;
      w1 += 4;
      w2 += 4;
      w3 += 4;
    }
  }
#endif
  for (i = n & 3; i > 0; --i) {
    const int32_t v = ts_load_s16(x, 0);
    a0 += v * w0[0];
    a1 += v * w0[stride];
    a2 += v * w0[2 * stride];
    a3 += v * w0[3 * stride];
    ++w0;
    x += 2;
  }
  s[0] = a0;
  s[1] = a1;
  s[2] = a2;
  s[3] = a3;
}

/* acc + sum over i < n of x[i] * w[i] (int32, mod 2^32). */
static inline int32_t ts_dsp16_dot1(const int8_t* x, const int8_t* w, int32_t n, int32_t acc) {
  int32_t i;
  for (i = n >> 2; i > 0; --i) {
    uint32_t xe, xo;
    const uint32_t q = ts_dsp_load4(w);
    ts_dsp16_pairs(x, &xe, &xo);
    acc = ts_dsp_smlad(xo, ts_dsp_sxtb16_ror8(q), ts_dsp_smlad(xe, ts_dsp_sxtb16(q), acc));
    x += 8;
    w += 4;
  }
  for (i = n & 3; i > 0; --i) {
    acc += (int32_t)ts_load_s16(x, 0) * *w++;
    x += 2;
  }
  return acc;
}

/* ts_multiply_by_quantized_multiplier_64 (conv_s16.c) inlined: the same expression. */
static inline int32_t ts_dsp16_mbqm64(int64_t x, int32_t multiplier, int shift) {
  const int32_t reduced = multiplier < 0x7FFF0000 ? (int32_t)(((int64_t)multiplier + (1 << 15)) >> 16) : 0x7FFF;
  const int total_shift = 15 - shift;
  const int64_t r = x * (int64_t)reduced + ((int64_t)1 << (total_shift - 1));
  return (int32_t)(r >> total_shift);
}

/* The int64 sum over i < n of x[i] * w[i], chunk by chunk (exact, see the top). */
static inline int64_t ts_dsp16_dot1_64(const int8_t* x, const int8_t* w, int32_t n) {
  int64_t acc = 0;
  while (n > 0) {
    const int32_t k = n < TS_DSP16_CHUNK ? n : TS_DSP16_CHUNK;
    acc += ts_dsp16_dot1(x, w, k, 0);
    x += 2 * k;
    w += k;
    n -= k;
  }
  return acc;
}

#endif
