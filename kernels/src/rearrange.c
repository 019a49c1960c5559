/* Byte-moving rearrangements: DEPTH_TO_SPACE, SPACE_TO_DEPTH (TFLM depth_to_space.cc,
 * space_to_depth.cc), MIRROR_PAD (TFLM mirror_pad.cc), GATHER (TFLM gather.cc),
 * SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND (TFLM space_to_batch_nd.cc, batch_to_space_nd.cc with
 * reference_ops SpaceToBatchND / BatchToSpaceND). Access orders in kernels.h. */
#include <stddef.h>
#include <string.h>

#include "spatial_util.h"
#include "tessera/kernels.h"

ts_window ts_depth_to_space_input_window(const ts_space_depth_params* p, ts_window win) {
  const int32_t b = p->block_size;
  ts_window r;
  r.y0 = win.y0 / b;
  r.y1 = win.y1 > win.y0 ? (win.y1 - 1) / b + 1 : r.y0;
  r.x0 = win.x0 / b;
  r.x1 = win.x1 > win.x0 ? (win.x1 - 1) / b + 1 : r.x0;
  return r;
}

void ts_depth_to_space(const ts_space_depth_params* p, ts_cbuf in, ts_buf out, ts_window win) {
  const int32_t b = p->block_size, eb = p->elem_bytes;
  const size_t in_pixel = (size_t)p->in_c * (size_t)eb, out_pixel = (size_t)p->out_c * (size_t)eb;
  int32_t y, x;
  for (y = win.y0; y < win.y1; ++y)
    for (x = win.x0; x < win.x1; ++x) {
      const int8_t* src = TS_PIXEL(in, y / b, x / b, in_pixel) + (size_t)((y % b) * b + x % b) * out_pixel;
      memmove(TS_PIXEL(out, y, x, out_pixel), src, out_pixel);
    }
}

ts_window ts_space_to_depth_input_window(const ts_space_depth_params* p, ts_window win) {
  ts_window r;
  r.y0 = win.y0 * p->block_size;
  r.y1 = win.y1 * p->block_size;
  r.x0 = win.x0 * p->block_size;
  r.x1 = win.x1 * p->block_size;
  return r;
}

void ts_space_to_depth(const ts_space_depth_params* p, ts_cbuf in, ts_buf out, ts_window win) {
  const int32_t b = p->block_size, eb = p->elem_bytes;
  const size_t in_pixel = (size_t)p->in_c * (size_t)eb, out_pixel = (size_t)p->out_c * (size_t)eb;
  int32_t y, x, dy, dx;
  for (y = win.y0; y < win.y1; ++y)
    for (x = win.x0; x < win.x1; ++x) {
      int8_t* dst = TS_PIXEL(out, y, x, out_pixel);
      for (dy = 0; dy < b; ++dy)
        for (dx = 0; dx < b; ++dx, dst += in_pixel)
          memmove(dst, TS_PIXEL(in, y * b + dy, x * b + dx, in_pixel), in_pixel);
    }
}

int32_t ts_mirror_pad_source(int32_t index, int32_t pad_before, int32_t in_size, int32_t offset) {
  /* mirror_pad.cc GetInputDimension */
  if (index < pad_before) {
    const int32_t original = pad_before + offset - 1;
    const int32_t d = original - offset;
    return original - (index < d ? index : d);
  }
  index -= pad_before;
  if (index >= in_size) {
    const int32_t original = in_size - (1 + offset);
    index -= in_size;
    return original - (index < original ? index : original);
  }
  return index;
}

/* The range of sources of indices [lo, hi) along one axis. */
static void ts_mirror_range(int32_t lo, int32_t hi, int32_t pad_before, int32_t in_size, int32_t offset,
                            int32_t* src_lo, int32_t* src_hi) {
  int32_t i, mn = 0, mx = -1;
  for (i = lo; i < hi; ++i) {
    const int32_t s = ts_mirror_pad_source(i, pad_before, in_size, offset);
    if (i == lo || s < mn) mn = s;
    if (i == lo || s > mx) mx = s;
  }
  *src_lo = mn;
  *src_hi = mx + 1;
}

ts_window ts_mirror_pad_input_window(const ts_mirror_pad_params* p, ts_window win) {
  ts_window r;
  ts_mirror_range(win.y0, win.y1, p->pad_top, p->in_h, p->offset, &r.y0, &r.y1);
  ts_mirror_range(win.x0, win.x1, p->pad_left, p->in_w, p->offset, &r.x0, &r.x1);
  return r;
}

size_t ts_mirror_pad_scratch_bytes(const ts_mirror_pad_params* p) {
  return (size_t)p->out_c * (size_t)p->elem_bytes;
}

void ts_mirror_pad(const ts_mirror_pad_params* p, ts_cbuf in, ts_buf out, ts_window win,
                   int8_t* scratch) {
  const int32_t eb = p->elem_bytes;
  const size_t in_pixel = (size_t)p->in_c * (size_t)eb, out_pixel = (size_t)p->out_c * (size_t)eb;
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    const int32_t sy = ts_mirror_pad_source(y, p->pad_top, p->in_h, p->offset);
    for (x = win.x0; x < win.x1; ++x) {
      const int32_t sx = ts_mirror_pad_source(x, p->pad_left, p->in_w, p->offset);
      const int8_t* src = TS_PIXEL(in, sy, sx, in_pixel);
      int8_t* dst = scratch ? scratch : TS_PIXEL(out, y, x, out_pixel);
      if (p->pad_c == 0 && p->in_c == p->out_c) {
        memmove(dst, src, out_pixel);
      } else {
        for (c = 0; c < p->out_c; ++c) {
          const int32_t sc = ts_mirror_pad_source(c, p->pad_c, p->in_c, p->offset);
          memmove(dst + (size_t)c * (size_t)eb, src + (size_t)sc * (size_t)eb, (size_t)eb);
        }
      }
      if (scratch) memcpy(TS_PIXEL(out, y, x, out_pixel), scratch, out_pixel);
    }
  }
}

int32_t ts_gather(const void* params, int32_t batches, int32_t outer, int32_t axis_size, int32_t inner_bytes,
                  const void* indices, int32_t index_bytes, int32_t num_indices, void* out) {
  const int8_t* in = (const int8_t*)params;
  const unsigned char* idx = (const unsigned char*)indices;
  int8_t* dst = (int8_t*)out;
  int32_t b, o, k;
  for (b = 0; b < batches; ++b)
    for (o = 0; o < outer; ++o)
      for (k = 0; k < num_indices; ++k, dst += inner_bytes) {
        const size_t at = (size_t)b * (size_t)num_indices + (size_t)k;
        int64_t i;
        if (index_bytes == 8) {
          memcpy(&i, idx + at * 8u, 8);
        } else {
          int32_t i32;
          memcpy(&i32, idx + at * 4u, 4);
          i = i32;
        }
        if (i < 0 || i >= axis_size) return -1;
        memmove(dst, in + (((ptrdiff_t)b * outer + o) * axis_size + (ptrdiff_t)i) * inner_bytes,
                (size_t)inner_bytes);
      }
  return 0;
}

void ts_space_to_batch_nd(const ts_batch_space_params* p, const void* in, void* out) {
  const size_t pixel = (size_t)p->depth * (size_t)p->elem_bytes;
  const int8_t* src = (const int8_t*)in;
  int8_t* dst = (int8_t*)out;
  int32_t b, y, x;
  for (b = 0; b < p->out_b; ++b) {
    const int32_t ib = b % p->in_b, shift = b / p->in_b;
    const int32_t shift_h = shift / p->block_w, shift_w = shift % p->block_w;
    for (y = 0; y < p->out_h; ++y) {
      const int32_t sy = y * p->block_h + shift_h - p->pad_top;
      for (x = 0; x < p->out_w; ++x, dst += pixel) {
        const int32_t sx = x * p->block_w + shift_w - p->pad_left;
        if (sy < 0 || sy >= p->in_h || sx < 0 || sx >= p->in_w)
          memset(dst, p->pad_value, pixel);
        else
          memmove(dst, src + (((ptrdiff_t)ib * p->in_h + sy) * p->in_w + sx) * (ptrdiff_t)pixel, pixel);
      }
    }
  }
}

void ts_batch_to_space_nd(const ts_batch_space_params* p, const void* in, void* out) {
  const size_t pixel = (size_t)p->depth * (size_t)p->elem_bytes;
  const int8_t* src = (const int8_t*)in;
  int8_t* dst = (int8_t*)out;
  int32_t b, y, x;
  for (b = 0; b < p->in_b; ++b) {
    const int32_t ob = b % p->out_b, s = b / p->out_b;
    for (y = 0; y < p->in_h; ++y) {
      const int32_t oy = y * p->block_h + s / p->block_w - p->pad_top;
      if (oy < 0 || oy >= p->out_h) continue;
      for (x = 0; x < p->in_w; ++x) {
        const int32_t ox = x * p->block_w + s % p->block_w - p->pad_left;
        if (ox < 0 || ox >= p->out_w) continue;
        memmove(dst + (((ptrdiff_t)ob * p->out_h + oy) * p->out_w + ox) * (ptrdiff_t)pixel,
                src + (((ptrdiff_t)b * p->in_h + y) * p->in_w + x) * (ptrdiff_t)pixel, pixel);
      }
    }
  }
}
