/* REDUCE_MAX and REDUCE_MIN int8 over any axes, following TFLM's
 * tensorflow/lite/micro/kernels/reduce_common.cc (EvalMaxHelper / EvalMinHelper, int8 with equal
 * input and output quantization) -> reference_ops::ReduceGeneric
 * (tensorflow/lite/kernels/internal/reference/reduce.h): each output starts at the initial value
 * (lowest for max, highest for min) and takes the max / min of its input elements. */
#include <stddef.h>
#include <string.h>

#include "tessera/kernels.h"

size_t ts_reduce_s8_scratch_bytes(const ts_reduce_params* p) {
  size_t n = 1;
  int32_t i;
  for (i = 0; i < p->rank; ++i)
    if (!p->reduce[i]) n *= (size_t)p->dims[i];
  return n;
}

static void ts_reduce_extreme_s8(const ts_reduce_params* p, const int8_t* in, int8_t* out,
                                 int8_t* scratch, int is_max) {
  int32_t kept_dims[TS_MAX_DIMS], red_dims[TS_MAX_DIMS], kidx[TS_MAX_DIMS], nk = 0, nr = 0, i, k;
  ptrdiff_t kept_stride[TS_MAX_DIMS], red_stride[TS_MAX_DIMS], stride = 1;
  int64_t count = 1, num_out = 1, o;
  int8_t* dst = scratch ? scratch : out;
  const int8_t* base = in; /* the first input element of the current output */
  /* Kept and reduced axes listed innermost first, with their strides in the input. */
  for (i = p->rank - 1; i >= 0; --i) {
    if (p->reduce[i]) {
      red_dims[nr] = p->dims[i];
      red_stride[nr++] = stride;
      count *= p->dims[i];
    } else {
      kept_dims[nk] = p->dims[i];
      kept_stride[nk++] = stride;
      num_out *= p->dims[i];
    }
    stride *= p->dims[i];
  }
  for (k = 0; k < nk; ++k) kidx[k] = 0;
  for (o = 0; o < num_out; ++o) {
    int32_t idx[TS_MAX_DIMS], acc = is_max ? -128 : 127;
    const int8_t* at = base;
    for (k = 0; k < nr; ++k) idx[k] = 0;
    if (count > 0) {
      /* The reduced elements in odometer order, innermost reduced axis fastest. */
      const int32_t inner = nr > 0 ? red_dims[0] : 1;
      const ptrdiff_t inner_stride = nr > 0 ? red_stride[0] : 0;
      for (;;) {
        const int8_t* q = at;
        int32_t j;
        if (is_max) {
          for (j = 0; j < inner; ++j, q += inner_stride)
            if (*q > acc) acc = *q;
        } else {
          for (j = 0; j < inner; ++j, q += inner_stride)
            if (*q < acc) acc = *q;
        }
        for (k = 1; k < nr; ++k) {
          if (++idx[k] < red_dims[k]) {
            at += red_stride[k];
            break;
          }
          idx[k] = 0;
          at -= (ptrdiff_t)(red_dims[k] - 1) * red_stride[k];
        }
        if (k >= nr) break;
      }
    }
    dst[o] = (int8_t)acc;
    /* The next output: the kept axes' odometer, innermost first (no division). */
    for (k = 0; k < nk; ++k) {
      if (++kidx[k] < kept_dims[k]) {
        base += kept_stride[k];
        break;
      }
      kidx[k] = 0;
      base -= (ptrdiff_t)(kept_dims[k] - 1) * kept_stride[k];
    }
  }
  if (scratch) memcpy(out, scratch, (size_t)num_out);
}

void ts_reduce_max_s8(const ts_reduce_params* p, const int8_t* in, int8_t* out, int8_t* scratch) {
  ts_reduce_extreme_s8(p, in, out, scratch, 1);
}

void ts_reduce_min_s8(const ts_reduce_params* p, const int8_t* in, int8_t* out, int8_t* scratch) {
  ts_reduce_extreme_s8(p, in, out, scratch, 0);
}
