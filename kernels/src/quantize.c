/* QUANTIZE float32 -> int8 / int16 and DEQUANTIZE int8 / int16 -> float32 (TFLM reference
 * AffineQuantize and Dequantize), element-wise over a window. Floats are read/written with
 * memcpy. */
#include <math.h>
#include <string.h>

#if defined(__ARM_FEATURE_SAT)
#include <arm_acle.h>
#endif

#include "fixedpoint.h"
#include "spatial_util.h"

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

/* TFLM's AffineQuantize (reference/quantize.h) of one float before the zero point, shared by
 * the int8 and int16 kernels: TfLiteRound(v / static_cast<float>(scale)). v and the scale are
 * floats, so the quotient q is the single-precision (correctly rounded) quotient, and it is
 * rounded half away from zero in single precision; TFLM then casts it to int32. Here the
 * result is saturated to [-2^31 + 2^16, 2^31 - 2^16] (TFLM's cast is undefined beyond the
 * int32 range) so that adding a zero point of an int8 or int16 tensor stays defined, and NaN
 * gives 0 (what a VCVT gives on a Cortex-M).
 *  - |q| < 32768 (every value that does not clamp to an int8 end, most int16 values) without
 *    roundf, exactly: X = trunc(q * 2^16) (ts_q16_trunc, one VCVT on a Cortex-M4F) has
 *    |X| <= |q| * 2^16 < |X| + 1, so with the integer N = |X| + 2^15,
 *    floor(|q| + 1/2) = floor((N + d) / 2^16) for some d in [0, 1), which is N >> 16. The
 *    sign is X's (X is 0 only when the rounded value is 0). NaN gives X = 0.
 *  - |q| >= 32768 (X saturated; q = -32768 included): roundf and a saturating conversion. */
static inline int32_t ts_quantize_round(float v, float scale_f) {
  const float q = v / scale_f;
  const int32_t x = ts_q16_trunc(q);
  float r;
  if (x != 2147483647 && x != -2147483647 - 1) {
    const int32_t sign = x >> 31;                                              /* -1 or 0 */
    const uint32_t u = (((uint32_t)x ^ (uint32_t)sign) - (uint32_t)sign) + 32768u; /* N */
    const int32_t t = (int32_t)(u >> 16);
    return (t ^ sign) - sign;
  }
  r = roundf(q);
  if (r >= 2147483520.0f) return 2147483647 - 65536; /* largest float below 2^31 */
  if (r <= -2147483648.0f) return -2147483647 - 1 + 65536;
  {
    const int32_t i = (int32_t)r;
    if (i > 2147483647 - 65536) return 2147483647 - 65536;
    if (i < -2147483647 - 1 + 65536) return -2147483647 - 1 + 65536;
    return i;
  }
}

void ts_quantize_f32_s8(double scale, int32_t zero_point, ts_cbuf in, ts_buf out,
                        int32_t channels, ts_window win) {
  const float scale_f = (float)scale; /* TFLM: static_cast<float>(scale) */
  int32_t y, i;
  if (win.x1 <= win.x0) return;
  /* A row of the window is contiguous in both buffers: elements in row-major order. */
  for (y = win.y0; y < win.y1; ++y) {
    const int8_t* src = TS_PIXEL(in, y, win.x0, (int64_t)channels * 4);
    int8_t* dst = TS_PIXEL(out, y, win.x0, channels);
    const int32_t n = (win.x1 - win.x0) * channels;
    for (i = 0; i < n; ++i) {
      float v;
      int32_t r;
      memcpy(&v, src + (size_t)i * 4, 4);
      r = ts_quantize_round(v, scale_f) + zero_point;
#if defined(__ARM_FEATURE_SAT)
      dst[i] = (int8_t)__ssat(r, 8); /* SSAT: the clamp to [-128, 127] */
#else
      dst[i] = (int8_t)ts_clamp_i32(r, -128, 127);
#endif
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
      q = (int16_t)ts_clamp_i32(ts_quantize_round(v, scale_f) + zero_point, -32768, 32767);
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
