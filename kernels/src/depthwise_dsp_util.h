/* Helpers of the DEPTHWISE_CONV_2D DSP path (depthwise_conv_dsp.c): the halfword
 * multiply-accumulates, packs and adds it needs beyond arm_dsp.h (one instruction each on a
 * DSP target, C emulations elsewhere, checked against their definitions by
 * tests/test_kernels_dsp_depthwise.cc, and through the kernel against the portable one on the
 * host and on the emulated device), the output bytes' requantizations, and the four-channel
 * tap step. */
#ifndef TESSERA_KERNELS_DEPTHWISE_DSP_UTIL_H_
#define TESSERA_KERNELS_DEPTHWISE_DSP_UTIL_H_

#include "arm_dsp.h"
#include "requant_util.h"

#if TS_DSP_NATIVE
/* SMULBB / SMULBT: a.lane0 * b.lane0, a.lane0 * b.lane1 (GCC's arm_acle.h has no
 * __smulbb). */
static inline int32_t ts_dsp_smulbb(uint32_t a, uint32_t b) {
  int32_t r;
  __asm__("smulbb %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
static inline int32_t ts_dsp_smulbt(uint32_t a, uint32_t b) {
  int32_t r;
  __asm__("smulbt %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
/* SSAT #8: x clamped to [-128, 127]. */
static inline int32_t ts_dsp_ssat8(int32_t x) { return __ssat(x, 8); }
/* SMLABT / SMLATB: acc + a.lane0 * b.lane1, acc + a.lane1 * b.lane0 (mod 2^32). */
static inline int32_t ts_dsp_smlabt(uint32_t a, uint32_t b, int32_t acc) {
  return __smlabt((int32_t)a, (int32_t)b, acc);
}
static inline int32_t ts_dsp_smlatb(uint32_t a, uint32_t b, int32_t acc) {
  return __smlatb((int32_t)a, (int32_t)b, acc);
}
/* x[2 * r] in one LDRSB with a shifted register offset: a run loads tap rows 0, 1, 2 of a
 * column at x, x + r, x + 2r, and addressing the third through r (LSL #1) frees the register
 * 2r would take, which the 3-tap runs' column loop otherwise lacks (GCC hoists 2r into one).
 * Reads only; used inside the runs, whose inputs nothing writes while they run. */
static inline uint32_t ts_dw_ldrsb2(const int8_t* x, int32_t r) {
  uint32_t v;
  __asm__("ldrsb %0, [%1, %2, lsl #1]" : "=r"(v) : "r"(x), "r"(r));
  return v;
}
/* SADD16: lane-wise a + b (each mod 2^16). */
static inline uint32_t ts_dw_sadd16(uint32_t a, uint32_t b) { return (uint32_t)__sadd16((int32_t)a, (int32_t)b); }
/* a + (h >> 31) (arithmetic: a - 1 for negative h) in one ADD with a shifted operand, which
 * GCC otherwise splits when the sum takes a third term. */
static inline int32_t ts_dw_add_sign(int32_t a, int32_t h) {
  int32_t r;
  __asm__("add %0, %1, %2, asr #31" : "=r"(r) : "r"(a), "r"(h));
  return r;
}
/* PKHBT with LSL #16: (lane 0 of a, lane 0 of b); PKHTB with ASR #16: (lane 1 of a, lane 1 of
 * b). */
static inline uint32_t ts_dw_pack_lo(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(a), "r"(b));
  return r;
}
static inline uint32_t ts_dw_pack_hi(uint32_t a, uint32_t b) {
  uint32_t r;
  __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(b), "r"(a));
  return r;
}
#else
static inline int32_t ts_dw_add_sign(int32_t a, int32_t h) { return (int32_t)((uint32_t)a + (uint32_t)(h >> 31)); }
static inline uint32_t ts_dw_pack_lo(uint32_t a, uint32_t b) { return (a & 0xffffu) | (b << 16); }
static inline uint32_t ts_dw_pack_hi(uint32_t a, uint32_t b) { return (a >> 16) | (b & 0xffff0000u); }
static inline uint32_t ts_dw_sadd16(uint32_t a, uint32_t b) {
  return ((a + b) & 0xffffu) | (((a >> 16) + (b >> 16)) << 16);
}
static inline uint32_t ts_dw_ldrsb2(const int8_t* x, int32_t r) { return (uint32_t)(int32_t)x[2 * r]; }
static inline int32_t ts_dsp_ssat8(int32_t x) { return x < -128 ? -128 : (x > 127 ? 127 : x); }
static inline int32_t ts_dsp_smulbb(uint32_t a, uint32_t b) { return ts_dsp_lane16(a, 0) * ts_dsp_lane16(b, 0); }
static inline int32_t ts_dsp_smulbt(uint32_t a, uint32_t b) { return ts_dsp_lane16(a, 0) * ts_dsp_lane16(b, 1); }
static inline int32_t ts_dsp_smlabt(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(ts_dsp_lane16(a, 0) * ts_dsp_lane16(b, 1)));
}
static inline int32_t ts_dsp_smlatb(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(ts_dsp_lane16(a, 1) * ts_dsp_lane16(b, 0)));
}
#endif

/* One output byte of a single accumulator: ts_rq_requant2 when |acc| < 2^29 and the shift is
 * in [-30, 0], else ts_dsp_output; clamped in ts_clamp_i32's order. The same byte as
 * ts_dsp_output(acc, m, shift, oo, lo, hi) in every case. */
static inline int8_t ts_dw_output(int32_t acc, int32_t m, int32_t shift, int32_t oo, int32_t lo, int32_t hi) {
  if (shift <= 0 && shift >= -30 && acc > -(1 << 29) && acc < (1 << 29)) {
    const int32_t y = ts_rq_requant2((int32_t)((uint32_t)acc * 2u), m, (int32_t)1 << -shift, 1 - shift) + oo;
    return (int8_t)(y < lo ? lo : (y > hi ? hi : y));
  }
  return ts_dsp_output(acc, m, shift, oo, lo, hi);
}

/* ts_dw_output with the activation range [-128, 127]: SSAT as the clamp. */
static inline int8_t ts_dw_output_full(int32_t acc, int32_t m, int32_t shift, int32_t oo) {
  if (shift <= 0 && shift >= -30 && acc > -(1 << 29) && acc < (1 << 29))
    return (int8_t)ts_dsp_ssat8(ts_rq_requant2((int32_t)((uint32_t)acc * 2u), m, (int32_t)1 << -shift, 1 - shift) + oo);
  return ts_dsp_output(acc, m, shift, oo, -128, 127);
}

/* Compiler barrier between the taps of an unrolled row: keeps GCC's pre-allocation
 * scheduler from hoisting every load of the row ahead of the multiply-accumulates, which
 * needs more registers than the core has (the spills cost more than the loads). */
#if defined(__GNUC__)
#define TS_DW_BARRIER() __asm__ volatile("" ::: "memory")
#else
#define TS_DW_BARRIER() ((void)0)
#endif

/* One tap of four channels c0..c3 for one pixel: xv holds the four input bytes, we / wo the
 * weights of (c0, c2) / (c1, c3) as halfword pairs; the input offset (both lanes of off2)
 * is added while the bytes are extended. a0..a3 are lvalues. */
#define TS_DW_MAC4(xv, we, wo, off2, a0, a1, a2, a3)         \
  do {                                                      \
    const uint32_t xe_ = ts_dsp_sxtab16((off2), (xv));      \
    const uint32_t xo_ = ts_dsp_sxtab16_ror8((off2), (xv)); \
    (a0) = ts_dsp_smlabb(xe_, (we), (a0));                  \
    (a2) = ts_dsp_smlatt(xe_, (we), (a2));                  \
    (a1) = ts_dsp_smlabb(xo_, (wo), (a1));                  \
    (a3) = ts_dsp_smlatt(xo_, (wo), (a3));                  \
  } while (0)

#endif
