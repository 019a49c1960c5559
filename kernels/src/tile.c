/* TILE (TensorFlow Lite 2.9 tensorflow/lite/kernels/tile.cc: each output element repeats the
 * input element at its coordinates modulo the input's dimensions) and SPLIT / SPLIT_V / UNPACK
 * (TFLM tensorflow/lite/micro/kernels/split.cc, split_v.cc, unpack.cc) as byte moves. */
#include <string.h>

#include "tessera/kernels.h"

void ts_tile(const ts_tile_params* p, const void* in, void* out) {
  /* Padded to five axes in front; the last axis is copied as whole input rows. */
  int32_t dims[TS_SLICE_MAX_DIMS], mult[TS_SLICE_MAX_DIMS], idx[TS_SLICE_MAX_DIMS];
  ptrdiff_t step[TS_SLICE_MAX_DIMS];
  const int32_t pad = TS_SLICE_MAX_DIMS - p->rank;
  const size_t row = (size_t)(pad < TS_SLICE_MAX_DIMS ? p->in_dims[p->rank - 1] : 1) * (size_t)p->elem_bytes;
  char* dst = (char*)out;
  int32_t i, k;
  for (i = 0; i < TS_SLICE_MAX_DIMS; ++i) {
    dims[i] = i < pad ? 1 : p->in_dims[i - pad];
    mult[i] = i < pad ? 1 : p->multiples[i - pad];
    if (dims[i] <= 0 || mult[i] <= 0) return; /* empty output */
    idx[i] = 0;
  }
  step[4] = (ptrdiff_t)p->elem_bytes;
  for (i = 3; i >= 0; --i) step[i] = step[i + 1] * dims[i + 1];
  /* Odometer over the output's first four axes (extent dims * mult each); the input row is at
   * the coordinates modulo dims. */
  for (;;) {
    const char* src = (const char*)in;
    for (i = 0; i < 4; ++i) src += (ptrdiff_t)(idx[i] % dims[i]) * step[i];
    for (k = 0; k < mult[4]; ++k, dst += row) memcpy(dst, src, row);
    for (i = 3; i >= 0; --i) {
      if (++idx[i] < dims[i] * mult[i]) break;
      idx[i] = 0;
    }
    if (i < 0) break;
  }
}

void ts_split(const void* in, void* const* outputs, const int32_t* axis_sizes, int32_t num_outputs,
              int32_t outer, int32_t inner_bytes) {
  const char* src = (const char*)in;
  int32_t o, i;
  for (o = 0; o < outer; ++o) {
    for (i = 0; i < num_outputs; ++i) {
      const size_t n = (size_t)axis_sizes[i] * (size_t)inner_bytes;
      memmove((char*)outputs[i] + (size_t)o * n, src, n);
      src += n;
    }
  }
}
