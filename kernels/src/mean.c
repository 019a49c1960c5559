/* MEAN int8 over any axes (TFLM's integer mean: reference_ops::Mean when input and output
 * share quantization, reference_ops::QuantizedMeanOrSum otherwise). */
#include <stddef.h>
#include <string.h>

#include "fixedpoint.h"

size_t ts_mean_s8_scratch_bytes(const ts_mean_params* p) {
  size_t n = 1;
  int32_t i;
  for (i = 0; i < p->rank; ++i)
    if (!p->reduce[i]) n *= (size_t)p->dims[i];
  return n;
}

static int clz64(uint64_t x) {
  int n = 0;
  if (x == 0) return 64;
  while (!(x & ((uint64_t)1 << 63))) {
    x <<= 1;
    ++n;
  }
  return n;
}

void ts_mean_s8(const ts_mean_params* p, const int8_t* in, int8_t* out, int8_t* scratch) {
  int32_t kept_dims[TS_MAX_DIMS], kept_stride[TS_MAX_DIMS], nk = 0;
  int32_t red_dims[TS_MAX_DIMS], red_stride[TS_MAX_DIMS], nr = 0;
  int32_t stride = 1, i;
  int64_t count = 1, num_out = 1, o;
  int32_t multiplier = p->multiplier, shift = p->shift;
  int8_t* dst = scratch ? scratch : out;
  for (i = p->rank - 1; i >= 0; --i) {
    if (p->reduce[i]) {
      red_dims[nr] = p->dims[i];
      red_stride[nr] = stride;
      ++nr;
      count *= p->dims[i];
    } else {
      kept_dims[nk] = p->dims[i];
      kept_stride[nk] = stride;
      ++nk;
      num_out *= p->dims[i];
    }
    stride *= p->dims[i];
  }
  /* The kept and reduced axes are listed innermost first. */
  if (p->requantize && count > 0) {
    /* Fold 1/count into the multiplier, as TFLM does. */
    int s = 63 - clz64((uint64_t)count);
    if (s > 32) s = 32;
    if (s > 31 + shift) s = 31 + shift;
    multiplier = (int32_t)(((int64_t)multiplier << s) / count);
    shift = shift - s;
  }
  for (o = 0; o < num_out; ++o) {
    int64_t base = 0, rem = o;
    int32_t idx[TS_MAX_DIMS];
    int32_t sum = 0, k;
    if (num_out <= 0x7fffffff) {
      /* 32-bit division (a 64-bit one is a library call on a Cortex-M). */
      int32_t r32 = (int32_t)o;
      for (k = 0; k < nk; ++k) {
        base += (int64_t)(r32 % kept_dims[k]) * kept_stride[k];
        r32 /= kept_dims[k];
      }
    } else {
      for (k = 0; k < nk; ++k) {
        base += (rem % kept_dims[k]) * kept_stride[k];
        rem /= kept_dims[k];
      }
    }
    for (k = 0; k < nr; ++k) idx[k] = 0;
    if (count > 0) {
      /* The reduced elements in odometer order (innermost reduced axis fastest), the offset
       * kept up to date as the odometer turns. */
      const int8_t* at = in + base;
      const int32_t inner = nr > 0 ? red_dims[0] : 1;
      const ptrdiff_t inner_stride = nr > 0 ? red_stride[0] : 0;
      for (;;) {
        int32_t j;
        const int8_t* q = at;
        for (j = 0; j < inner; ++j, q += inner_stride) sum += *q;
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
    if (count == 0) {
      dst[o] = 0;
    } else if (!p->requantize) {
      dst[o] = (int8_t)(sum / (int32_t)count);
    } else {
      const int32_t shifted = (int32_t)((int64_t)sum - (int64_t)p->input_zero_point * count);
      int32_t v = ts_multiply_by_quantized_multiplier(shifted, multiplier, shift) +
                  p->output_zero_point;
      dst[o] = (int8_t)ts_clamp_i32(v, -128, 127);
    }
  }
  if (scratch) memcpy(out, scratch, (size_t)num_out);
}
