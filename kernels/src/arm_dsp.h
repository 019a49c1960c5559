/* Cortex-M DSP-extension primitives for the kernels' DSP paths (*_dsp.c).
 *
 * On a target with the DSP extension (__ARM_FEATURE_DSP: Cortex-M4, M7, M33 with DSP) the
 * ts_dsp_* functions below are the ACLE intrinsics (one instruction each). Elsewhere, or
 * when TS_FORCE_DSP_EMULATION is defined, they are portable C emulations with the same
 * results, so the same DSP-structured kernel code compiles and is tested on the host.
 *
 * TS_DSP_DISPATCH is 1 when the public kernels (ts_conv2d_s8, ...) should call their DSP
 * variants: a DSP target, unless TS_NO_DSP is defined (the portable firmware build).
 *
 * Halfword packing: a uint32_t holds two int16 lanes, lane 0 in bits 0..15, lane 1 in
 * bits 16..31. Byte lanes 0..3 are bits 0..7, ..., 24..31 (little endian: byte lane i is
 * the i-th byte in memory).
 */
#ifndef TESSERA_KERNELS_ARM_DSP_H_
#define TESSERA_KERNELS_ARM_DSP_H_

#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "tessera/kernels.h"

#if defined(__ARM_FEATURE_DSP) && !defined(TS_NO_DSP)
#define TS_DSP_DISPATCH 1
#else
#define TS_DSP_DISPATCH 0
#endif

#if defined(__ARM_FEATURE_DSP) && !defined(TS_FORCE_DSP_EMULATION)
#define TS_DSP_NATIVE 1
#include <arm_acle.h>
#else
#define TS_DSP_NATIVE 0
#endif

/* Inline assembly blocks that need every core register but SP and PC (or operands GCC can
 * only allocate when optimizing): built when optimizing only. Without optimization (-O0) GCC
 * keeps r7 as the frame pointer and spills every operand, so such blocks do not compile; the
 * same functions then take their C forms (same bytes, slower), and a debug build of the user's
 * firmware still compiles. */
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
#define TS_DSP_ASM 1
#else
#define TS_DSP_ASM 0
#endif

/* Unaligned little-endian 32-bit load of four int8 (LDR allows unaligned on ARMv7E-M). */
static inline uint32_t ts_dsp_load4(const int8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* Rotate right by 8 bits: moves byte lanes 1 and 3 to lanes 0 and 2. */
static inline uint32_t ts_dsp_ror8(uint32_t x) { return (x >> 8) | (x << 24); }

/* Two halfwords (lo, hi) packed into one word. */
static inline uint32_t ts_dsp_pack16(int32_t lo, int32_t hi) {
  return ((uint32_t)lo & 0xffffu) | ((uint32_t)hi << 16);
}

static inline int32_t ts_dsp_lane16(uint32_t x, int lane) {
  return (int32_t)(int16_t)(uint16_t)(lane ? (x >> 16) : (x & 0xffffu));
}

#if TS_DSP_NATIVE

/* SXTB16: sign-extend byte lanes 0 and 2 into halfword lanes 0 and 1. */
static inline uint32_t ts_dsp_sxtb16(uint32_t x) { return (uint32_t)__sxtb16((int32_t)x); }
/* SXTAB16: a's halfword lanes plus sign-extended byte lanes 0 and 2 of x (each mod 2^16). */
static inline uint32_t ts_dsp_sxtab16(uint32_t a, uint32_t x) {
  return (uint32_t)__sxtab16((int32_t)a, (int32_t)x);
}
/* SMLAD: acc + a.lane0 * b.lane0 + a.lane1 * b.lane1 (mod 2^32). */
static inline int32_t ts_dsp_smlad(uint32_t a, uint32_t b, int32_t acc) {
  return __smlad((int32_t)a, (int32_t)b, acc);
}
/* SMLABB / SMLATT: acc + a.lane0 * b.lane0, acc + a.lane1 * b.lane1. */
static inline int32_t ts_dsp_smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return __smlabb((int32_t)a, (int32_t)b, acc);
}
static inline int32_t ts_dsp_smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return __smlatt((int32_t)a, (int32_t)b, acc);
}
/* SXTB16 / SXTAB16 of x rotated right by 8 (byte lanes 1 and 3), one instruction each
 * (the rotation is part of the encoding; GCC does not fold a separate ROR into the
 * intrinsic). */
static inline uint32_t ts_dsp_sxtb16_ror8(uint32_t x) {
  uint32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
  return r;
}
static inline uint32_t ts_dsp_sxtab16_ror8(uint32_t a, uint32_t x) {
  uint32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
  return r;
}
/* PKHBT: lane 0 of a, lane 0 of b into lane 1 (b << 16). */
static inline uint32_t ts_dsp_pkhbt(uint32_t a, uint32_t b) {
  return (a & 0xffffu) | (b << 16);
}

#else /* portable emulation */

static inline uint32_t ts_dsp_sxtb16(uint32_t x) {
  return ts_dsp_pack16((int8_t)(uint8_t)(x & 0xffu), (int8_t)(uint8_t)((x >> 16) & 0xffu));
}
static inline uint32_t ts_dsp_sxtab16(uint32_t a, uint32_t x) {
  const uint32_t lo = (a + (uint32_t)(int32_t)(int8_t)(uint8_t)(x & 0xffu)) & 0xffffu;
  const uint32_t hi = ((a >> 16) + (uint32_t)(int32_t)(int8_t)(uint8_t)((x >> 16) & 0xffu)) & 0xffffu;
  return lo | (hi << 16);
}
static inline int32_t ts_dsp_smlad(uint32_t a, uint32_t b, int32_t acc) {
  const int32_t p0 = ts_dsp_lane16(a, 0) * ts_dsp_lane16(b, 0);
  const int32_t p1 = ts_dsp_lane16(a, 1) * ts_dsp_lane16(b, 1);
  return (int32_t)((uint32_t)acc + (uint32_t)p0 + (uint32_t)p1);
}
static inline int32_t ts_dsp_smlabb(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(ts_dsp_lane16(a, 0) * ts_dsp_lane16(b, 0)));
}
static inline int32_t ts_dsp_smlatt(uint32_t a, uint32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(ts_dsp_lane16(a, 1) * ts_dsp_lane16(b, 1)));
}
static inline uint32_t ts_dsp_pkhbt(uint32_t a, uint32_t b) {
  return (a & 0xffffu) | (b << 16);
}
static inline uint32_t ts_dsp_sxtb16_ror8(uint32_t x) { return ts_dsp_sxtb16(ts_dsp_ror8(x)); }
static inline uint32_t ts_dsp_sxtab16_ror8(uint32_t a, uint32_t x) {
  return ts_dsp_sxtab16(a, ts_dsp_ror8(x));
}

#endif

/* The input offset in both halfword lanes, for ts_dsp_sxtab16. */
static inline uint32_t ts_dsp_dup16(int32_t v) { return ts_dsp_pack16(v, v); }

/* ts_multiply_by_quantized_multiplier (quant.c) inlined, in fewer instructions and with the
 * same results (checked exhaustively on random and edge values by tests/test_kernels_dsp.cc):
 *  - the rounding doubling high multiply (ab + nudge) / 2^31, truncating toward zero with
 *    nudge = 2^30 for ab >= 0 and 1 - 2^30 otherwise, equals (ab + 2^30) >> 31 (arithmetic)
 *    in both cases: for ab < 0 the truncation is (ab + 1 - 2^30 + 2^31 - 1) >> 31;
 *    the one overflow (both operands INT32_MIN) saturates to INT32_MAX as in quant.c;
 *  - the rounding right shift is quant.c's expression, with (x < 0) as -(x >> 31). */
static inline int32_t ts_dsp_requantize(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  const int32_t shifted = (int32_t)((uint32_t)x << left_shift);
  const int64_t ab = (int64_t)shifted * (int64_t)multiplier;
  const int32_t high = (shifted == multiplier && shifted == (-2147483647 - 1))
                           ? 2147483647
                           : (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
  const int32_t mask = (int32_t)(((uint32_t)1 << right_shift) - 1u);
  const int32_t threshold = (mask >> 1) - (high >> 31);
  return (high >> right_shift) + ((high & mask) > threshold ? 1 : 0);
}

/* Output byte: requantize, add the output zero point, clamp to the activation range. */
static inline int8_t ts_dsp_output(int32_t acc, int32_t multiplier, int32_t shift,
                                   int32_t output_offset, int32_t act_min, int32_t act_max) {
  int32_t v = ts_dsp_requantize(acc, multiplier, shift) + output_offset;
  v = v < act_min ? act_min : (v > act_max ? act_max : v); /* as ts_clamp_i32, even if min > max */
  return (int8_t)v;
}

/* Ranges of two memory regions overlap (the kernels' DSP paths batch pixels only when
 * the output buffer shares no byte with the input buffer). */
static inline int ts_dsp_overlap(const void* a, size_t a_bytes, const void* b, size_t b_bytes) {
  const uintptr_t a0 = (uintptr_t)a, b0 = (uintptr_t)b;
  return a0 < b0 + b_bytes && b0 < a0 + a_bytes;
}

#endif
