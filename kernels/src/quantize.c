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

/* The same value from a single-precision quotient (hardware division on a Cortex-M4F, where
 * the double division and round() are software routines) whenever that is certain. When scale
 * is a float (TFLite scales are), q = v / scale in single precision is the real quotient
 * correctly rounded: for |q| < 256 it is within 2^-17 of it, and the double quotient within
 * 2^-45. Rounding half away from zero changes value only at half-integers, so when q lies
 * more than 2^-16 from every half-integer both quotients round to the integer q rounds to;
 * otherwise (near a tie, |q| >= 256, NaN) the exact computation decides. Returns 1 and sets
 * *out when certain.
 * The rounding: d = |q| + 0.5 in single precision is within 2^-16 of the exact sum (|q| <
 * 256: d's ulp is at most 2^-15), t = (int)d its floor, frac = d - t exact. When frac lies
 * more than 2^-15 from 0 and 1, |q| + 0.5 is more than 2^-16 from every integer, so t is
 * floor(|q| + 0.5), the rounding of |q| half away from zero; v's sign bit gives the sign
 * (scale_f > 0). */
static int ts_quantize_fast(uint32_t bits, float scale_f, int32_t zero_point, int8_t* out) {
  float v;
  int32_t sign; /* -1 when v's sign bit is set, else 0: the sign of q (scale_f > 0; q = -0 gives t = 0) */
  float q, a, d, frac;
  int32_t t;
  memcpy(&v, &bits, 4);
  sign = -(int32_t)(bits >> 31);
  q = v / scale_f;
  a = fabsf(q);
  if (!(a < 256.0f)) return 0; /* also NaN */
  d = a + 0.5f;
  t = (int32_t)d;          /* floor: d >= 0.5 */
  frac = d - (float)t;     /* exact */
  if (!(fabsf(frac - 0.5f) < 0.5f - 1.0f / 32768.0f)) return 0; /* frac in (2^-15, 1 - 2^-15) */
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
  const int fast = (double)scale_f == scale && scale_f >= 1e-30f && scale_f <= 1e30f;
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
