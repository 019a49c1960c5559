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
