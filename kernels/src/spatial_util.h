/* Internal helpers of the window-aware spatial kernels. */
#ifndef TESSERA_KERNELS_SPATIAL_UTIL_H_
#define TESSERA_KERNELS_SPATIAL_UTIL_H_

#include <stdint.h>

/* Range [*k0, *k1) of filter taps k in [0, taps) whose input coordinate
 * origin + k * dilation lies in [0, size). */
static inline void ts_valid_taps(int32_t origin, int32_t dilation, int32_t taps, int32_t size,
                                 int32_t* k0, int32_t* k1) {
  int32_t lo = 0, hi = taps;
  if (origin < 0) lo = (-origin + dilation - 1) / dilation;
  if (origin + (taps - 1) * dilation >= size) {
    /* smallest k with origin + k*d >= size */
    const int32_t need = size - origin; /* may be <= 0 */
    hi = need <= 0 ? 0 : (need + dilation - 1) / dilation;
  }
  if (hi > taps) hi = taps;
  if (lo > hi) lo = hi;
  *k0 = lo;
  *k1 = hi;
}

/* TRANSPOSE_CONV (transpose_conv.c, conv_s16_dsp.c): the input row/column of filter tap k for output coordinate o, or -1 when there is none. */
static inline int32_t ts_tc_source(int32_t o, int32_t pad, int32_t k, int32_t stride, int32_t size) {
  const int32_t t = o + pad - k;
  if (t < 0 || t % stride != 0) return -1;
  return t / stride < size ? t / stride : -1;
}

/* Address of element (y, x, 0) of a buffer holding a window with `pixel` bytes per pixel. */
#define TS_PIXEL(buf, y, x, pixel) \
  ((buf).data + ((int64_t)((y) - (buf).y0) * (buf).w + ((x) - (buf).x0)) * (int64_t)(pixel))

#endif
