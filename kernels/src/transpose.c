/* TRANSPOSE of any element size, rank <= TS_MAX_DIMS (TFLM reference Transpose). */
#include <string.h>

#include "tessera/kernels.h"

void ts_transpose(const ts_transpose_params* p, const void* in, void* out) {
  const int32_t rank = p->rank;
  const size_t eb = (size_t)p->elem_bytes;
  int64_t in_stride[TS_MAX_DIMS], out_dims[TS_MAX_DIMS], src_stride[TS_MAX_DIMS];
  int32_t idx[TS_MAX_DIMS];
  int64_t total = 1, n, s = 1;
  int32_t i;
  const int8_t* src = (const int8_t*)in;
  int8_t* dst = (int8_t*)out;
  if (rank <= 0) {
    memcpy(dst, src, eb);
    return;
  }
  for (i = rank - 1; i >= 0; --i) {
    in_stride[i] = s;
    s *= p->in_dims[i];
  }
  for (i = 0; i < rank; ++i) {
    out_dims[i] = p->in_dims[p->perm[i]];
    src_stride[i] = in_stride[p->perm[i]];
    total *= out_dims[i];
    idx[i] = 0;
  }
  for (n = 0; n < total; ++n) {
    int64_t off = 0;
    for (i = 0; i < rank; ++i) off += idx[i] * src_stride[i];
    memcpy(dst + (size_t)n * eb, src + (size_t)off * eb, eb);
    for (i = rank - 1; i >= 0; --i) {
      if (++idx[i] < out_dims[i]) break;
      idx[i] = 0;
    }
  }
}

/* The 4-D form of p: dims and perm padded at the front as the NHWC view pads the shape. */
static int32_t transpose_4d(const ts_transpose_params* p, int32_t dims[4], int32_t perm[4]) {
  const int32_t k = 4 - p->rank;
  int32_t i;
  if (p->rank < 1 || p->rank > 4) return 0;
  for (i = 0; i < 4; ++i) {
    dims[i] = i < k ? 1 : p->in_dims[i - k];
    perm[i] = i < k ? i : p->perm[i - k] + k;
  }
  return 1;
}

int ts_transpose_windowable(const ts_transpose_params* p) {
  int32_t dims[4], perm[4];
  if (!transpose_4d(p, dims, perm)) return 0;
  return dims[0] == 1 && dims[perm[0]] == 1;
}

ts_window ts_transpose_input_window(const ts_transpose_params* p, ts_window win) {
  int32_t dims[4], perm[4];
  ts_window r = {0, 0, 0, 0};
  if (!transpose_4d(p, dims, perm) || win.y1 <= win.y0 || win.x1 <= win.x0) return r;
  r.y1 = dims[1];
  r.x1 = dims[2];
  /* Output axis 1 (rows) is input axis perm[1], output axis 2 (columns) input axis perm[2]. */
  if (perm[1] == 1) r.y0 = win.y0, r.y1 = win.y1;
  if (perm[1] == 2) r.x0 = win.y0, r.x1 = win.y1;
  if (perm[2] == 1) r.y0 = win.x0, r.y1 = win.x1;
  if (perm[2] == 2) r.x0 = win.x0, r.x1 = win.x1;
  return r;
}

void ts_transpose_window(const ts_transpose_params* p, ts_cbuf in, ts_buf out, ts_window win) {
  int32_t dims[4], perm[4];
  int64_t stride[4], origin[4] = {0, 0, 0, 0};
  int32_t y, x, c, out_c;
  const size_t eb = (size_t)p->elem_bytes;
  if (!transpose_4d(p, dims, perm)) return;
  /* Element strides of the input buffer along each axis of the 4-D input (batch 1). */
  stride[3] = 1;
  stride[2] = dims[3];
  stride[1] = (int64_t)in.w * dims[3];
  stride[0] = 0;
  origin[1] = in.y0;
  origin[2] = in.x0;
  out_c = dims[perm[3]];
  {
    const int64_t sy = stride[perm[1]], sx = stride[perm[2]], sc = stride[perm[3]];
    const int64_t base = -origin[perm[1]] * sy - origin[perm[2]] * sx - origin[perm[3]] * sc;
    const int8_t* src = in.data;
    for (y = win.y0; y < win.y1; ++y) {
      for (x = win.x0; x < win.x1; ++x) {
        const int8_t* s = src + (size_t)((base + y * sy + x * sx) * (int64_t)eb);
        int8_t* d = out.data + (size_t)((((int64_t)(y - out.y0) * out.w + (x - out.x0)) * out_c) * (int64_t)eb);
        if (eb == 1) {
          for (c = 0; c < out_c; ++c) d[c] = s[(size_t)(c * sc)];
        } else {
          for (c = 0; c < out_c; ++c) memcpy(d + (size_t)c * eb, s + (size_t)(c * sc) * eb, eb);
        }
      }
    }
  }
}
