/* PAD with a constant (TFLM reference Pad), over one output window. */
#include <string.h>

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
