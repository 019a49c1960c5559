/* QUANTIZE float32 -> int8 and DEQUANTIZE int8 -> float32 (TFLM reference AffineQuantize and
 * Dequantize), element-wise over a window. Floats are read/written with memcpy. */
#include <math.h>
#include <string.h>

#if defined(__ARM_FEATURE_SAT)
#include <arm_acle.h>
#endif

#include "fixedpoint.h"
#include "spatial_util.h"

/* TFLM's value: round(v / scale) in double (half away from zero), cast to int32, plus the
 * zero point, clamped. Saturating before the cast keeps it defined for any v. */
static int8_t ts_quantize_exact(float v, double scale, int32_t zero_point) {
  double r = round((double)v / scale);
  if (r > 2147483647.0 - 256.0) r = 2147483647.0 - 256.0;
  if (r < -2147483648.0 + 256.0) r = -2147483648.0 + 256.0;
  if (r != r) r = 0.0; /* NaN */
  return (int8_t)ts_clamp_i32((int32_t)r + zero_point, -128, 127);
}

/* ts_quantize_exact of the float with these bits. */
static int8_t ts_quantize_bits(uint32_t bits, double scale, int32_t zero_point) {
  float v;
  memcpy(&v, &bits, 4);
  return ts_quantize_exact(v, scale, zero_point);
}

/* trunc(q * 2^16) as an int32, saturated (q * 2^16 >= 2^31 gives INT32_MAX, <= -2^31 gives
 * INT32_MIN, NaN gives 0): one VCVT.S32.F32 with 16 fraction bits on a single-precision FPU
 * (round toward zero, saturating), the same arithmetic in C elsewhere. */
static inline int32_t ts_q16_trunc(float q) {
#if defined(__ARM_FP) && (__ARM_FP & 4) && defined(__ARM_ARCH) && __ARM_ARCH >= 7
  int32_t x;
  __asm__("vcvt.s32.f32 %0, %0, #16" : "+t"(q));
  memcpy(&x, &q, 4);
  return x;
#else
  if (q != q) return 0;
  if (q >= 32768.0f) return 2147483647;
  if (q <= -32768.0f) return -2147483647 - 1;
  return (int32_t)(q * 65536.0f); /* exact scaling by a power of two, then truncation */
#endif
}

/* The same value from a single-precision quotient (hardware division on a Cortex-M4F, where
 * the double division and round() are software routines) whenever that is certain; needs a
 * zero point in [-128, 127]. When scale is a float (TFLite scales are), q = v / scale in single
 * precision is the real quotient Q correctly rounded.
 *  - |q| < 256: |q - Q| <= 2^-17 (half of q's ulp), and X = trunc(q * 2^16) (ts_q16_trunc)
 *    has |q| - 2^-16 < |X| / 2^16 <= |q|, so U = (|X| + 2^15) / 2^16 lies in
 *    (|Q| + 1/2 - 3 * 2^-17, |Q| + 1/2 + 2^-17]. The rounding of |Q| half away from zero is
 *    floor(|Q| + 1/2); it equals floor(U) = (|X| + 2^15) >> 16 unless U lies within those
 *    margins of an integer, i.e. unless f = (|X| + 2^15) & 0xffff is 0 or above 65534
 *    (units of 2^-16): certain for 2 <= f <= 65533 (one unit to spare). The sign is X's (X is
 *    0 only when the result is 0).
 *  - |q| >= 256 (saturated X included): q * 2^16 is an integer, so floor(U) >= 256, and
 *    |Q| >= 256 - 2^-17 rounds to at least 256 too: with the zero point in [-128, 127] both
 *    clamp to the same end of [-128, 127] (whatever f is).
 *  - NaN: X = 0, the result 0, as ts_quantize_exact gives.
 * Returns 1 and sets *out when certain. */
static inline int ts_quantize_fast(uint32_t bits, float scale_f, int32_t zero_point, int8_t* out) {
  float v;
  int32_t x, sign, t;
  uint32_t u;
  memcpy(&v, &bits, 4);
  x = ts_q16_trunc(v / scale_f);
  sign = x >> 31;                                        /* -1 for negative X, else 0 */
  u = ((uint32_t)x ^ (uint32_t)sign) - (uint32_t)sign;   /* |X| (2^31 for INT32_MIN) */
  u += 32768u;
  if ((u & 0xffffu) - 2u > 65531u) return 0;             /* f outside [2, 65533] */
  t = (int32_t)(u >> 16);                                /* at most 32768 */
  t = (t ^ sign) - sign;
#if defined(__ARM_FEATURE_SAT)
  *out = (int8_t)__ssat(t + zero_point, 8); /* SSAT: the same clamp to [-128, 127] */
#else
  *out = (int8_t)ts_clamp_i32(t + zero_point, -128, 127);
#endif
  return 1;
}

void ts_quantize_f32_s8(double scale, int32_t zero_point, ts_cbuf in, ts_buf out,
                        int32_t channels, ts_window win) {
  const float scale_f = (float)scale;
  /* A float scale, normal and not huge: the single-precision quotient of a float by it is
   * the correctly rounded real quotient (no overflow or underflow where it matters). */
  const int fast = (double)scale_f == scale && scale_f >= 1e-30f && scale_f <= 1e30f && zero_point >= -128 &&
                   zero_point <= 127;
  int32_t y, i;
  if (win.x1 <= win.x0) return;
  /* A row of the window is contiguous in both buffers: elements in row-major order. */
  for (y = win.y0; y < win.y1; ++y) {
    const int8_t* src = TS_PIXEL(in, y, win.x0, (int64_t)channels * 4);
    int8_t* dst = TS_PIXEL(out, y, win.x0, channels);
    const int32_t n = (win.x1 - win.x0) * channels;
    if (fast) {
      for (i = 0; i < n; ++i) {
        uint32_t bits;
        memcpy(&bits, src + (size_t)i * 4, 4);
        if (!ts_quantize_fast(bits, scale_f, zero_point, &dst[i])) dst[i] = ts_quantize_bits(bits, scale, zero_point);
      }
    } else {
      for (i = 0; i < n; ++i) {
        uint32_t bits;
        memcpy(&bits, src + (size_t)i * 4, 4);
        dst[i] = ts_quantize_bits(bits, scale, zero_point);
      }
    }
  }
}

void ts_dequantize_s8_f32(double scale, int32_t zero_point, ts_cbuf in, ts_buf out,
                          int32_t channels, ts_window win) {
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    for (x = win.x0; x < win.x1; ++x) {
      const int8_t* src = TS_PIXEL(in, y, x, channels);
      int8_t* dst = TS_PIXEL(out, y, x, (int64_t)channels * 4);
      for (c = 0; c < channels; ++c) {
        const float f = (float)(scale * (double)((int32_t)src[c] - zero_point));
        memcpy(dst + (size_t)c * 4, &f, 4);
      }
    }
  }
}

/* TFLM's AffineQuantize to int16: TfLiteRound(v / (float)scale) with the quotient and the
 * rounding in single precision (v is a float and the scale is cast to float, so the division
 * is a float division; round half away from zero), cast to int32, plus the zero point,
 * clamped. The cast saturates here (TFLM's is undefined beyond the int32 range) and NaN gives
 * the zero point. */
static int16_t ts_quantize_s16_one(float v, float scale_f, int32_t zero_point) {
  const float q = roundf(v / scale_f);
  int32_t r;
  if (q != q) {
    r = 0;
  } else if (q >= 2147483520.0f) { /* largest float below 2^31 */
    r = 2147483647 - 65536;
  } else if (q <= -2147483648.0f) {
    r = -2147483647 - 1 + 65536;
  } else {
    r = (int32_t)q;
    if (r > 2147483647 - 65536) r = 2147483647 - 65536;
    if (r < -2147483647 - 1 + 65536) r = -2147483647 - 1 + 65536;
  }
  return (int16_t)ts_clamp_i32(r + zero_point, -32768, 32767);
}

void ts_quantize_f32_s16(double scale, int32_t zero_point, ts_cbuf in, ts_buf out, int32_t channels,
                         ts_window win) {
  const float scale_f = (float)scale;
  int32_t y, i;
  if (win.x1 <= win.x0) return;
  for (y = win.y0; y < win.y1; ++y) {
    const int8_t* src = TS_PIXEL(in, y, win.x0, (int64_t)channels * 4);
    int8_t* dst = TS_PIXEL(out, y, win.x0, (int64_t)channels * 2);
    const int32_t n = (win.x1 - win.x0) * channels;
    for (i = 0; i < n; ++i) {
      float v;
      int16_t q;
      memcpy(&v, src + (size_t)i * 4, 4);
      q = ts_quantize_s16_one(v, scale_f, zero_point);
      memcpy(dst + (size_t)i * 2, &q, 2);
    }
  }
}

void ts_dequantize_s16_f32(double scale, int32_t zero_point, ts_cbuf in, ts_buf out, int32_t channels,
                           ts_window win) {
  int32_t y, i;
  if (win.x1 <= win.x0) return;
  for (y = win.y0; y < win.y1; ++y) {
    const int8_t* src = TS_PIXEL(in, y, win.x0, (int64_t)channels * 2);
    int8_t* dst = TS_PIXEL(out, y, win.x0, (int64_t)channels * 4);
    const int32_t n = (win.x1 - win.x0) * channels;
    for (i = 0; i < n; ++i) {
      int16_t q;
      float f;
      memcpy(&q, src + (size_t)i * 2, 2);
      f = (float)(scale * (double)((int32_t)q - zero_point));
      memcpy(dst + (size_t)i * 4, &f, 4);
    }
  }
}
