/* Dot-product micro-kernels of the DSP paths (conv_dsp.c, fully_connected_dsp.c): int8
 * inputs with an offset added, int8 weights, int32 accumulation with SMLAD on sign-extended
 * halfword pairs. Four bytes b0 b1 b2 b3 of a vector give the pairs (b0, b2) = SXTB16(w)
 * and (b1, b3) = SXTB16(ROR8(w)); inputs take the offset in the same instruction (SXTAB16),
 * so a product pair (x0+off)*w0 + (x2+off)*w2 is one SMLAD. The order of the additions
 * differs from the portable loops; int32 addition is associative (mod 2^32), so the sums
 * are the same. */
#ifndef TESSERA_KERNELS_DSP_DOT_H_
#define TESSERA_KERNELS_DSP_DOT_H_

#include "arm_dsp.h"

/* s00 += x0.w0, s01 += x0.w1, s10 += x1.w0, s11 += x1.w1 over n elements (inputs + off). */
static inline void ts_dsp_dot_2x2(const int8_t* x0, const int8_t* x1, const int8_t* w0,
                                  const int8_t* w1, int32_t n, uint32_t off2, int32_t off,
                                  int32_t* s00, int32_t* s01, int32_t* s10, int32_t* s11) {
  int32_t a00 = *s00, a01 = *s01, a10 = *s10, a11 = *s11;
  int32_t blocks = n >> 2;
  n &= 3;
  for (; blocks > 0; --blocks) {
    const uint32_t xa = ts_dsp_load4(x0), xb = ts_dsp_load4(x1);
    const uint32_t xa_e = ts_dsp_sxtab16(off2, xa), xa_o = ts_dsp_sxtab16_ror8(off2, xa);
    const uint32_t xb_e = ts_dsp_sxtab16(off2, xb), xb_o = ts_dsp_sxtab16_ror8(off2, xb);
    uint32_t w = ts_dsp_load4(w0);
    uint32_t we = ts_dsp_sxtb16(w);
    a00 = ts_dsp_smlad(xa_e, we, a00);
    a10 = ts_dsp_smlad(xb_e, we, a10);
    we = ts_dsp_sxtb16_ror8(w);
    a00 = ts_dsp_smlad(xa_o, we, a00);
    a10 = ts_dsp_smlad(xb_o, we, a10);
    w = ts_dsp_load4(w1);
    we = ts_dsp_sxtb16(w);
    a01 = ts_dsp_smlad(xa_e, we, a01);
    a11 = ts_dsp_smlad(xb_e, we, a11);
    we = ts_dsp_sxtb16_ror8(w);
    a01 = ts_dsp_smlad(xa_o, we, a01);
    a11 = ts_dsp_smlad(xb_o, we, a11);
    x0 += 4;
    x1 += 4;
    w0 += 4;
    w1 += 4;
  }
  for (; n > 0; --n) {
    const int32_t xa = (int32_t)*x0++ + off, xb = (int32_t)*x1++ + off;
    const int32_t wa = *w0++, wb = *w1++;
    a00 += xa * wa;
    a01 += xa * wb;
    a10 += xb * wa;
    a11 += xb * wb;
  }
  *s00 = a00;
  *s01 = a01;
  *s10 = a10;
  *s11 = a11;
}

/* s0 += x.w0, s1 += x.w1 over n elements; inputs + off2 lanes (off scalar), weights +
 * woff2 lanes (woff scalar; 0 for convolutions). */
static inline void ts_dsp_dot_1x2(const int8_t* x, const int8_t* w0, const int8_t* w1, int32_t n,
                                  uint32_t off2, int32_t off, uint32_t woff2, int32_t woff,
                                  int32_t* s0, int32_t* s1) {
  int32_t a0 = *s0, a1 = *s1;
  for (; n >= 4; n -= 4) {
    const uint32_t xv = ts_dsp_load4(x);
    const uint32_t wa = ts_dsp_load4(w0), wb = ts_dsp_load4(w1);
    const uint32_t xe = ts_dsp_sxtab16(off2, xv), xo = ts_dsp_sxtab16_ror8(off2, xv);
    a0 = ts_dsp_smlad(xe, ts_dsp_sxtab16(woff2, wa), a0);
    a0 = ts_dsp_smlad(xo, ts_dsp_sxtab16_ror8(woff2, wa), a0);
    a1 = ts_dsp_smlad(xe, ts_dsp_sxtab16(woff2, wb), a1);
    a1 = ts_dsp_smlad(xo, ts_dsp_sxtab16_ror8(woff2, wb), a1);
    x += 4;
    w0 += 4;
    w1 += 4;
  }
  for (; n > 0; --n) {
    const int32_t xv = (int32_t)*x++ + off;
    a0 += xv * ((int32_t)*w0++ + woff);
    a1 += xv * ((int32_t)*w1++ + woff);
  }
  *s0 = a0;
  *s1 = a1;
}

/* ---- Requantization of the im2col paths (conv_dsp.c, fully_connected_dsp.c) ----
 * TFLM's double rounding (quant.c), split so that what depends on the channel alone is
 * decoded once per channel and shared by the pixels of a block. Valid when the multiplier
 * is not INT32_MIN and -31 <= shift <= 31 (the callers check every channel first and use
 * ts_dsp_output otherwise). */

/* (a * b + 2^30) >> 31 (arithmetic shift of the exact 64-bit value): the rounding doubling
 * high multiply of quant.c for every (a, b) except a == b == INT32_MIN (see
 * ts_dsp_requantize). On the device: SMULL, then floor(ab / 2^31) = 2*hi + bit 31 of lo
 * (LSLS puts that bit in the carry, ADC adds hi to itself with it), plus bit 30 of lo (the
 * rounding: the remainder of ab / 2^31 is at least 2^30 exactly when bit 30 is set). */
static inline int32_t ts_dsp_high_mul(int32_t a, int32_t b) {
#if TS_DSP_NATIVE
  int32_t lo, hi;
  __asm__("smull %0, %1, %2, %3\n\t"
          "lsls %0, %0, #1\n\t"
          "adc %1, %1, %1\n\t"
          "add %1, %1, %0, lsr #31"
          : "=&r"(lo), "=&r"(hi)
          : "r"(a), "r"(b)
          : "cc");
  return hi;
#else
  return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 30)) >> 31);
#endif
}

/* One channel's requantization constants. */
typedef struct {
  int32_t mult, left, right, mask, half;
} ts_dsp_rq;

static inline ts_dsp_rq ts_dsp_rq_decode(int32_t multiplier, int32_t shift) {
  ts_dsp_rq r;
  r.mult = multiplier;
  r.left = shift > 0 ? shift : 0;
  r.right = shift > 0 ? 0 : -shift;
  r.mask = (int32_t)(((uint32_t)1 << r.right) - 1u);
  r.half = r.mask >> 1;
  return r;
}

/* ts_multiply_by_quantized_multiplier(x, multiplier, shift) under the conditions above: the
 * rounding right shift adds 1 when the remainder exceeds mask/2, or mask/2 + 1 for negative
 * values (quant.c's threshold). */
static inline int32_t ts_dsp_rq_apply(int32_t x, const ts_dsp_rq* r) {
  const int32_t h = ts_dsp_high_mul((int32_t)((uint32_t)x << r->left), r->mult);
  const int32_t threshold = r->half + (int32_t)((uint32_t)h >> 31);
  return (h >> r->right) + ((h & r->mask) > threshold ? 1 : 0);
}

/* Whether every channel qualifies for ts_dsp_rq_apply and the activation range lies in int8
 * (then clamping to [-128, 127] first and to [act_min, act_max] second is the clamp). */
static inline int ts_dsp_rq_fast(const int32_t* multiplier, const int32_t* shift, int32_t n,
                                 int32_t act_min, int32_t act_max) {
  int32_t i;
  if (act_min < -128 || act_max > 127 || act_min > act_max) return 0;
  for (i = 0; i < n; ++i)
    if (multiplier[i] == (-2147483647 - 1) || shift[i] < -31 || shift[i] > 31) return 0;
  return 1;
}

/* Saturating int32 addition (QADD). */
static inline int32_t ts_dsp_qadd(int32_t a, int32_t b) {
#if TS_DSP_NATIVE
  return __qadd(a, b);
#else
  const int64_t s = (int64_t)a + (int64_t)b;
  return s > 2147483647 ? 2147483647 : (s < -2147483647 - 1 ? -2147483647 - 1 : (int32_t)s);
#endif
}

/* The common case of the requantization, for a channel whose shift is -right with
 * 1 <= right <= 23 (a multiplier below 1/2) and an output offset in [-128, 127]: returns a
 * value whose saturation to int8 (ts_dsp_ssat8) is the saturation to int8 of
 *   ts_multiply_by_quantized_multiplier(acc, multiplier, -right) + output_offset.
 * nudge = (2 * output_offset + 1) << (right - 1), i.e. 2^(right-1) + output_offset * 2^right.
 * With h the rounding doubling high product (|h| < 2^31), quant.c's rounding right shift
 * (ties away from zero) is floor((h + 2^(right-1) - (h < 0)) / 2^right), and adding
 * output_offset * 2^right inside the floor adds output_offset to it. QADD saturates that sum
 * only when the exact sum lies outside int32; the shifted value is then at least 2^(31-right)
 * - 1 >= 255 (or at most -2^(31-right) <= -256) and so is the exact result (plus the
 * offset), so both saturate to the same byte. */
static inline int32_t ts_dsp_rq_shifted(int32_t acc, int32_t multiplier, int32_t right,
                                        int32_t nudge) {
  const int32_t h = ts_dsp_high_mul(acc, multiplier);
  return ts_dsp_qadd(h + (h >> 31), nudge) >> right;
}

/* SMMLAR: the high word of acc * 2^32 + a * b + 2^31 (the 64-bit sum taken mod 2^64, as the
 * instruction does). */
static inline int32_t ts_dsp_smmlar(int32_t a, int32_t b, int32_t acc) {
#if TS_DSP_NATIVE
  int32_t r;
  __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(acc));
  return r;
#else
  const uint64_t s = ((uint64_t)(uint32_t)acc << 32) + (uint64_t)((int64_t)a * (int64_t)b) + 0x80000000u;
  return (int32_t)(uint32_t)(s >> 32);
#endif
}

/* Lane-wise halfword addition (SADD16), each lane mod 2^16. */
static inline uint32_t ts_dsp_sadd16(uint32_t a, uint32_t b) {
#if TS_DSP_NATIVE
  return (uint32_t)__sadd16((int32_t)a, (int32_t)b);
#else
  return ((a + b) & 0xffffu) | (((a >> 16) + (b >> 16)) << 16);
#endif
}

/* The requantization from a doubled accumulator, in four instructions (ADD, SMMLAR, ASR and
 * the caller's SSAT), for a channel whose multiplier is above 2^30 and whose shift is -right
 * with 1 <= right <= 24, and an output offset in [-128, 127]: with acc2 = 2 * acc exactly
 * (|acc| < 2^30) and m = (2 * output_offset + 1) << (right - 1),
 *   ts_dsp_rq_doubled(acc2, multiplier, right, m)
 *     == ts_multiply_by_quantized_multiplier(acc, multiplier, -right) + output_offset
 * provided |acc| * multiplier / 2^31 + |m| + 2 < 2^31 (always true for right <= 23, where
 * |m| < 2^30).
 * Why: quant.c computes h = floor((acc * mult + 2^30) / 2^31) (mult != INT32_MIN), then rounds
 * h / 2^right half away from zero: floor((h - s + 2^(right-1)) / 2^right) with s = (h < 0)
 * (see ts_dsp_rq_shifted). Adding offset * 2^right inside the floor adds the offset, and a
 * multiple of 2^31 commutes with the inner floor, so the result is floor(x / 2^(31+right)),
 * x = acc * mult + 2^30 + 2^31 * (m - s). SMMLAR(acc2, mult, m - s) is the high word of
 * 2^32 (m - s) + 2 acc mult + 2^31 taken mod 2^64, i.e. floor(x / 2^31) mod 2^32, which is
 * floor(x / 2^31) itself under the proviso; the arithmetic shift by right divides by the rest.
 * Since mult > 2^30, h < 0 exactly when acc < 0 (acc <= -1 gives acc * mult < -2^30), i.e. s is
 * the sign bit of acc2. */
static inline int32_t ts_dsp_rq_doubled(int32_t acc2, int32_t multiplier, int32_t right, int32_t m) {
  return ts_dsp_smmlar(acc2, multiplier, m + (acc2 >> 31)) >> right;
}

/* Saturate to [-128, 127] (SSAT #8). */
static inline int32_t ts_dsp_ssat8(int32_t x) {
#if TS_DSP_NATIVE
  return __ssat(x, 8);
#else
  return x < -128 ? -128 : (x > 127 ? 127 : x);
#endif
}

/* Low bytes of a, b, c, d as byte lanes 0..3 (three BFIs). */
static inline uint32_t ts_dsp_pack8x4(int32_t a, int32_t b, int32_t c, int32_t d) {
#if TS_DSP_NATIVE
  uint32_t r = (uint32_t)a;
  __asm__("bfi %0, %1, #8, #8\n\t"
          "bfi %0, %2, #16, #8\n\t"
          "bfi %0, %3, #24, #8"
          : "+r"(r)
          : "r"(b), "r"(c), "r"(d));
  return r;
#else
  return ((uint32_t)a & 0xffu) | (((uint32_t)b & 0xffu) << 8) | (((uint32_t)c & 0xffu) << 16) |
         ((uint32_t)d << 24);
#endif
}

/* Each signed byte lane of v clamped to [lane of lo4, lane of hi4] (SSUB8 sets the GE flags
 * of the lanes where the difference is >= 0, SEL picks per lane by them). */
static inline uint32_t ts_dsp_clamp8x4(uint32_t v, uint32_t lo4, uint32_t hi4) {
#if TS_DSP_NATIVE
  uint32_t t;
  __asm__("ssub8 %0, %1, %2\n\t"
          "sel %1, %1, %2\n\t"
          "ssub8 %0, %3, %1\n\t"
          "sel %1, %1, %3"
          : "=&r"(t), "+r"(v)
          : "r"(lo4), "r"(hi4));
  (void)t;
  return v;
#else
  uint32_t r = 0;
  int lane;
  for (lane = 0; lane < 4; ++lane) {
    int32_t x = (int8_t)(uint8_t)(v >> (8 * lane));
    const int32_t lo = (int8_t)(uint8_t)(lo4 >> (8 * lane)), hi = (int8_t)(uint8_t)(hi4 >> (8 * lane));
    x = x < lo ? lo : x;
    x = x > hi ? hi : x;
    r |= ((uint32_t)x & 0xffu) << (8 * lane);
  }
  return r;
#endif
}

/* A byte in all four lanes. */
static inline uint32_t ts_dsp_dup8(int32_t v) { return ((uint32_t)v & 0xffu) * 0x01010101u; }

/* Two bytes stored at p (unaligned halfword store). */
static inline void ts_dsp_store2(int8_t* p, uint32_t v) {
  const uint16_t h = (uint16_t)v;
  memcpy(p, &h, 2);
}

/* The first n (1..3) bytes at p as the low byte lanes of a word, the others zero: the last,
 * partial group of a filter row without reading past it. */
static inline uint32_t ts_dsp_load_tail(const int8_t* p, int32_t n) {
  uint32_t v = (uint8_t)p[0];
  if (n > 1) v |= (uint32_t)(uint8_t)p[1] << 8;
  if (n > 2) v |= (uint32_t)(uint8_t)p[2] << 16;
  return v;
}

#endif
