/* RESIZE_NEAREST_NEIGHBOR (TFLM reference), over one output window. */
#include <math.h>
#include <string.h>

#include "spatial_util.h"
#include "tessera/kernels.h"

int32_t ts_resize_nearest_source(int32_t out_index, int32_t in_size, int32_t out_size,
                                 int32_t align_corners, int32_t half_pixel_centers) {
  const float scale = (align_corners && out_size > 1)
                          ? (float)(in_size - 1) / (float)(out_size - 1)
                          : (float)in_size / (float)out_size;
  const float offset = half_pixel_centers ? 0.5f : 0.0f;
  const float pos = ((float)out_index + offset) * scale;
  int32_t v = align_corners ? (int32_t)roundf(pos) : (int32_t)floorf(pos);
  if (v > in_size - 1) v = in_size - 1;
  if (half_pixel_centers && v < 0) v = 0;
  return v;
}

size_t ts_resize_nearest_scratch_bytes(const ts_resize_params* p) {
  return (size_t)p->channels * (size_t)p->elem_bytes;
}

void ts_resize_nearest(const ts_resize_params* p, ts_cbuf in, ts_buf out, ts_window win,
                       int8_t* scratch) {
  const size_t pixel = (size_t)p->channels * (size_t)p->elem_bytes;
  int32_t oy, ox;
  for (oy = win.y0; oy < win.y1; ++oy) {
    const int32_t iy =
        ts_resize_nearest_source(oy, p->in_h, p->out_h, p->align_corners, p->half_pixel_centers);
    for (ox = win.x0; ox < win.x1; ++ox) {
      const int32_t ix = ts_resize_nearest_source(ox, p->in_w, p->out_w, p->align_corners,
                                                  p->half_pixel_centers);
      int8_t* dst = scratch ? scratch : TS_PIXEL(out, oy, ox, pixel);
      memmove(dst, TS_PIXEL(in, iy, ix, pixel), pixel);
      if (scratch) memcpy(TS_PIXEL(out, oy, ox, pixel), scratch, pixel);
    }
  }
}
