/* RESIZE_BILINEAR int8 over one output window, following TFLM's
 * tensorflow/lite/micro/kernels/resize_bilinear.cc -> reference_ops::ResizeBilinearInteger
 * (tensorflow/lite/kernels/internal/reference/resize_bilinear.h): integer source positions in
 * 1/1024ths, weights products divided by 2^20 rounding half away from zero (the default build,
 * TFLITE_SINGLE_ROUNDING off). */
#include <string.h>

#include "spatial_util.h"
#include "tessera/kernels.h"

/* TFLM's scale in 1/1024ths for one axis. */
static int32_t ts_bilinear_scale_10(int32_t in_size, int32_t out_size, int32_t align_corners) {
  if (align_corners && out_size > 1)
    return ((1 << 10) * (in_size - 1) + (out_size - 1) / 2) / (out_size - 1);
  return ((1 << 10) * in_size + out_size / 2) / out_size;
}

/* ComputeInterpolationValuesInteger for a given scale. */
static void ts_bilinear_at(int32_t out_index, int32_t scale, int32_t in_size, int32_t half_pixel_centers,
                           int32_t* scaled_10, int32_t* lower, int32_t* upper) {
  const int32_t v = half_pixel_centers ? out_index * scale + scale / 2 - (1 << 9) : out_index * scale;
  const int32_t lo = v / (1 << 10);
  const int32_t hi = (v + (1 << 10) - 1) / (1 << 10);
  *scaled_10 = v;
  *lower = lo > 0 ? lo : 0;
  *upper = hi < in_size - 1 ? hi : in_size - 1;
}

void ts_resize_bilinear_source(int32_t out_index, int32_t in_size, int32_t out_size,
                               int32_t align_corners, int32_t half_pixel_centers,
                               int32_t* scaled_10, int32_t* lower, int32_t* upper) {
  ts_bilinear_at(out_index, ts_bilinear_scale_10(in_size, out_size, align_corners), in_size,
                 half_pixel_centers, scaled_10, lower, upper);
}

void ts_resize_bilinear_input_range(int32_t o0, int32_t o1, int32_t in_size, int32_t out_size,
                                    int32_t align_corners, int32_t half_pixel_centers,
                                    int32_t* first, int32_t* end) {
  /* Both bounds are non-decreasing in the output index (the scale is >= 0). */
  int32_t v, lo0, hi0, lo1, hi1;
  ts_resize_bilinear_source(o0, in_size, out_size, align_corners, half_pixel_centers, &v, &lo0, &hi0);
  ts_resize_bilinear_source(o1 - 1, in_size, out_size, align_corners, half_pixel_centers, &v, &lo1,
                            &hi1);
  *first = lo0 < hi0 ? lo0 : hi0;
  *end = (lo1 > hi1 ? lo1 : hi1) + 1;
}

static int ts_bilinear_axis_ok(int32_t in_size, int32_t out_size, int32_t align_corners,
                               int32_t half_pixel_centers) {
  int64_t scale, last;
  /* Sizes for which TFLM's scale computation itself stays within int32. */
  if (in_size < 1 || out_size < 1 || in_size > (1 << 20) || out_size > (1 << 24)) return 0;
  scale = ts_bilinear_scale_10(in_size, out_size, align_corners);
  last = (int64_t)(out_size - 1) * scale + (half_pixel_centers ? scale / 2 : 0);
  if (last > 2147483647) return 0;
  if (half_pixel_centers) last -= 1 << 9;
  return last < 0 || last / 1024 < in_size;
}

int ts_resize_bilinear_in_bounds(const ts_resize_params* p) {
  return ts_bilinear_axis_ok(p->in_h, p->out_h, p->align_corners, p->half_pixel_centers) &&
         ts_bilinear_axis_ok(p->in_w, p->out_w, p->align_corners, p->half_pixel_centers);
}

size_t ts_resize_bilinear_s8_scratch_bytes(const ts_resize_params* p) { return (size_t)p->channels; }

void ts_resize_bilinear_s8(const ts_resize_params* p, ts_cbuf in, ts_buf out, ts_window win,
                           int8_t* scratch) {
  const int32_t ch = p->channels;
  const int32_t scale_y = ts_bilinear_scale_10(p->in_h, p->out_h, p->align_corners);
  const int32_t scale_x = ts_bilinear_scale_10(p->in_w, p->out_w, p->align_corners);
  int32_t oy, ox, c;
  for (oy = win.y0; oy < win.y1; ++oy) {
    int32_t ys, y0, y1, wy1, wy0;
    ts_bilinear_at(oy, scale_y, p->in_h, p->half_pixel_centers, &ys, &y0, &y1);
    wy1 = ys - (1 << 10) * y0;
    wy0 = (1 << 10) - wy1;
    for (ox = win.x0; ox < win.x1; ++ox) {
      int32_t xs, x0, x1, wx1, wx0;
      const int8_t *p00, *p10, *p01, *p11;
      int8_t* dst = scratch ? scratch : TS_PIXEL(out, oy, ox, ch);
      ts_bilinear_at(ox, scale_x, p->in_w, p->half_pixel_centers, &xs, &x0, &x1);
      wx1 = xs - (1 << 10) * x0;
      wx0 = (1 << 10) - wx1;
      p00 = TS_PIXEL(in, y0, x0, ch);
      p10 = TS_PIXEL(in, y1, x0, ch);
      p01 = TS_PIXEL(in, y0, x1, ch);
      p11 = TS_PIXEL(in, y1, x1, ch);
      for (c = 0; c < ch; ++c) {
        /* In bounds (ts_resize_bilinear_in_bounds), Y - 1024 * y0 lies in [-512, 1024), so
         * |wy0| + |wy1| <= 2048 (likewise for x) and the sum's magnitude stays below
         * 128 * 2048 * 2048 = 2^29: int32 holds TFLM's int64 sum exactly. */
        const int32_t sum = p00[c] * wy0 * wx0 + p10[c] * wy1 * wx0 + p01[c] * wy0 * wx1 +
                            p11[c] * wy1 * wx1;
        const int32_t round = sum > 0 ? (1 << 19) : -(1 << 19);
        dst[c] = (int8_t)((sum + round) / (1 << 20));
      }
      if (scratch) memcpy(TS_PIXEL(out, oy, ox, ch), scratch, (size_t)ch);
    }
  }
}
