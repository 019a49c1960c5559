/* PAD with a constant (TFLM reference Pad), over one output window. */
#include <string.h>

#include "copy_util.h"
#include "spatial_util.h"
#include "tessera/kernels.h"

size_t ts_pad_scratch_bytes(const ts_pad_params* p) {
  return (size_t)p->out_c * (size_t)p->elem_bytes;
}

void ts_pad(const ts_pad_params* p, ts_cbuf in, ts_buf out, ts_window win, int8_t* scratch) {
  const int32_t eb = p->elem_bytes;
  const size_t out_pixel = (size_t)p->out_c * (size_t)eb;
  const size_t in_pixel = (size_t)p->in_c * (size_t)eb;
  int32_t oy, ox;
  if (!scratch && p->pad_c == 0 && in_pixel == out_pixel && win.x1 > win.x0) {
    /* Spatial padding only: per output row, the padding columns left of the input, the input
     * row's span (contiguous in both buffers), the padding columns right of it; pixels in
     * ascending order, each pixel's bytes read before written (block copies read a block
     * whole before writing it, see copy_util.h). */
    const int32_t x_in0 = p->pad_left, x_in1 = p->pad_left + p->in_w; /* output columns of input */
    const int32_t a = win.x0 > x_in0 ? win.x0 : x_in0;
    const int32_t b = win.x1 < x_in1 ? win.x1 : x_in1;
    for (oy = win.y0; oy < win.y1; ++oy) {
      const int32_t iy = oy - p->pad_top;
      int8_t* dst = TS_PIXEL(out, oy, win.x0, out_pixel);
      if (iy < 0 || iy >= p->in_h || a >= b) {
        ts_fill(dst, p->pad_value, (int32_t)((size_t)(win.x1 - win.x0) * out_pixel));
        continue;
      }
      ts_fill(dst, p->pad_value, (int32_t)((size_t)(a - win.x0) * out_pixel));
      ts_forward_copy(TS_PIXEL(out, oy, a, out_pixel), TS_PIXEL(in, iy, a - p->pad_left, in_pixel),
                      (int32_t)((size_t)(b - a) * in_pixel));
      ts_fill(TS_PIXEL(out, oy, b, out_pixel), p->pad_value, (int32_t)((size_t)(win.x1 - b) * out_pixel));
    }
    return;
  }
  for (oy = win.y0; oy < win.y1; ++oy) {
    const int32_t iy = oy - p->pad_top;
    for (ox = win.x0; ox < win.x1; ++ox) {
      const int32_t ix = ox - p->pad_left;
      int8_t* dst = scratch ? scratch : TS_PIXEL(out, oy, ox, out_pixel);
      if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
        memset(dst, p->pad_value, out_pixel);
      } else {
        const int8_t* src = TS_PIXEL(in, iy, ix, in_pixel);
        const size_t before = (size_t)p->pad_c * (size_t)eb;
        const size_t after = out_pixel - before - in_pixel;
        /* element order: bytes of the output pixel ascending, each read before written */
        memset(dst, p->pad_value, before);
        memmove(dst + before, src, in_pixel);
        memset(dst + before + in_pixel, p->pad_value, after);
      }
      if (scratch) memcpy(TS_PIXEL(out, oy, ox, out_pixel), scratch, out_pixel);
    }
  }
}
