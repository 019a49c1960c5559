/* NEG float32 (TFLM neg.cc, reference_ops::Negate): the sign bit of every element flipped.
 * Access order in kernels.h. */
#include <string.h>

#include "spatial_util.h"
#include "tessera/kernels.h"

void ts_neg_f32(ts_cbuf in, ts_buf out, int32_t channels, ts_window win) {
  const int64_t pixel = (int64_t)channels * 4;
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y)
    for (x = win.x0; x < win.x1; ++x) {
      const int8_t* src = TS_PIXEL(in, y, x, pixel);
      int8_t* dst = TS_PIXEL(out, y, x, pixel);
      for (c = 0; c < channels; ++c) {
        uint32_t v;
        memcpy(&v, src + (size_t)c * 4u, 4);
        v ^= 0x80000000u;
        memcpy(dst + (size_t)c * 4u, &v, 4);
      }
    }
}
