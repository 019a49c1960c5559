/* SUM int8 (TFLM reduce.cc / reduce_common.cc EvalSum, reference_ops::QuantizedMeanOrSum with
 * compute_sum) and ARG_MAX / ARG_MIN (TFLM arg_min_max.cc, reference_ops::ArgMinMax). */
#include <stddef.h>
#include <string.h>

#include "fixedpoint.h"
#include "prepare_util.h"

int ts_sum_s8_prepare(float input_scale, int32_t input_zero_point, float output_scale,
                      int32_t output_zero_point, ts_mean_params* p) {
  /* reduce_common.cc PrepareMeanOrSum: QuantizeMultiplier(double / double) */
  p->input_zero_point = input_zero_point;
  p->output_zero_point = output_zero_point;
  p->requantize = 1;
  ts_qm((double)input_scale / (double)output_scale, &p->multiplier, &p->shift);
  return 0;
}

size_t ts_sum_s8_scratch_bytes(const ts_mean_params* p) {
  size_t n = 1;
  int32_t i;
  for (i = 0; i < p->rank; ++i)
    if (!p->reduce[i]) n *= (size_t)p->dims[i];
  return n;
}

void ts_sum_s8(const ts_mean_params* p, const int8_t* in, int8_t* out, int8_t* scratch) {
  /* strides of the input axes; the kept and reduced axes listed outermost first */
  ptrdiff_t stride[TS_MAX_DIMS], kept_stride[TS_MAX_DIMS], red_stride[TS_MAX_DIMS];
  int32_t kept_dims[TS_MAX_DIMS], red_dims[TS_MAX_DIMS], kidx[TS_MAX_DIMS], ridx[TS_MAX_DIMS];
  int32_t nk = 0, nr = 0, i;
  int64_t count = 1;
  ptrdiff_t base = 0, s = 1;
  int8_t* dst = scratch ? scratch : out;
  size_t o = 0, num_out = ts_sum_s8_scratch_bytes(p);
  for (i = p->rank - 1; i >= 0; --i) {
    stride[i] = s;
    s *= p->dims[i];
  }
  for (i = 0; i < p->rank; ++i) {
    if (p->reduce[i]) {
      red_dims[nr] = p->dims[i];
      red_stride[nr++] = stride[i];
      count *= p->dims[i];
    } else {
      kept_dims[nk] = p->dims[i];
      kept_stride[nk++] = stride[i];
    }
  }
  if (num_out == 0) return;
  for (i = 0; i < nk; ++i) kidx[i] = 0;
  for (;;) {
    /* output element o (kept index kidx, input offset base): the sum of its reduced elements in
     * row-major order of the reduced axes */
    int32_t sum = 0;
    if (count > 0) {
      ptrdiff_t at = base;
      for (i = 0; i < nr; ++i) ridx[i] = 0;
      for (;;) {
        sum += in[at];
        for (i = nr - 1; i >= 0; --i) {
          if (++ridx[i] < red_dims[i]) {
            at += red_stride[i];
            break;
          }
          ridx[i] = 0;
          at -= (ptrdiff_t)(red_dims[i] - 1) * red_stride[i];
        }
        if (i < 0) break;
      }
      {
        const int32_t shifted = (int32_t)((int64_t)sum - (int64_t)p->input_zero_point * count);
        const int32_t v = ts_multiply_by_quantized_multiplier(shifted, p->multiplier, p->shift) +
                          p->output_zero_point;
        dst[o] = (int8_t)ts_clamp_i32(v, -128, 127);
      }
    } else {
      dst[o] = 0; /* TFLM leaves an empty reduction's output zeroed */
    }
    ++o;
    for (i = nk - 1; i >= 0; --i) {
      if (++kidx[i] < kept_dims[i]) {
        base += kept_stride[i];
        break;
      }
      kidx[i] = 0;
      base -= (ptrdiff_t)(kept_dims[i] - 1) * kept_stride[i];
    }
    if (i < 0) break;
  }
  if (scratch) memcpy(out, scratch, num_out);
}

void ts_arg_min_max_s8(const int8_t* in, int32_t outer, int32_t axis_size, int32_t inner,
                       int32_t is_arg_max, int32_t out_bytes, void* out) {
  unsigned char* dst = (unsigned char*)out;
  int32_t o, j, i;
  for (o = 0; o < outer; ++o) {
    for (j = 0; j < inner; ++j) {
      const int8_t* p = in + (ptrdiff_t)o * axis_size * inner + j;
      int8_t best = axis_size > 0 ? p[0] : 0;
      int32_t best_index = 0;
      for (i = 1; i < axis_size; ++i) {
        const int8_t v = p[(ptrdiff_t)i * inner];
        if (is_arg_max ? v > best : v < best) {
          best = v;
          best_index = i;
        }
      }
      if (out_bytes == 8) {
        const int64_t v64 = best_index;
        memcpy(dst, &v64, 8);
      } else {
        memcpy(dst, &best_index, 4);
      }
      dst += out_bytes;
    }
  }
}
