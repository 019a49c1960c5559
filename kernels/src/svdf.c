/* SVDF (see kernels.h): TFLM svdf.cc's integer and float reference arithmetic, one filter
 * at a time, without scratch. */
#include <string.h>

#include "dsp_dot.h"
#include "tessera/kernels.h"
#include "unaligned.h"

static int32_t ts_svdf_state_at(const ts_svdf_params* p, const void* base, ptrdiff_t i) {
  return p->state_bytes == 2 ? ts_load_s16((const int8_t*)base, i) : ((const int8_t*)base)[i];
}

static void ts_svdf_state_set(const ts_svdf_params* p, void* base, ptrdiff_t i, int32_t v) {
  if (p->state_bytes == 2)
    ts_store_s16((int8_t*)base, i, (int16_t)v);
  else
    ((int8_t*)base)[i] = (int8_t)v;
}

void ts_svdf_s8_portable(const ts_svdf_params* p, const int8_t* in, const int8_t* weights_feature,
                         const void* weights_time, const int32_t* bias, void* state, int8_t* out) {
  const int32_t mem = p->memory_size;
  const int32_t lo = p->state_bytes == 2 ? -32768 : -128;
  const int32_t hi = p->state_bytes == 2 ? 32767 : 127;
  int32_t b, u, r, j, k;
  for (b = 0; b < p->batch; ++b) {
    const int8_t* x = in + (ptrdiff_t)b * p->input_size;
    /* Shift each filter's memory left by one and append the new feature value. (TFLM shifts
     * the whole state by one element; the element moved into the last slot of a row is then
     * overwritten by that row's new value, so a per-row shift is the same.) */
    for (k = 0; k < p->num_filters; ++k) {
      const ptrdiff_t row = ((ptrdiff_t)b * p->num_filters + k) * mem;
      const int8_t* w = weights_feature + (ptrdiff_t)k * p->input_size;
      int32_t dot = 0;
      for (j = 0; j + 1 < mem; ++j) ts_svdf_state_set(p, state, row + j, ts_svdf_state_at(p, state, row + j + 1));
      for (j = 0; j < p->input_size; ++j) dot += (int32_t)w[j] * ((int32_t)x[j] - p->input_zero_point);
      dot = ts_multiply_by_quantized_multiplier(dot, p->multiplier1, p->shift1);
      if (dot < lo) dot = lo;
      if (dot > hi) dot = hi;
      /* The zero point is added after the clamp and the sum narrowed to the state's type,
       * wrapping (TFLM at the reference commit; later TFLM adds it before the clamp). */
      dot += p->state_zero_point;
      dot = p->state_bytes == 2 ? (int32_t)(((uint32_t)dot + 32768u) & 0xFFFFu) - 32768
                                : (int32_t)(((uint32_t)dot + 128u) & 0xFFu) - 128;
      ts_svdf_state_set(p, state, row + mem - 1, dot);
    }
    for (u = 0; u < p->num_units; ++u) {
      int32_t acc = bias ? bias[u] : 0;
      for (r = 0; r < p->rank; ++r) {
        const int32_t f = u * p->rank + r;
        const ptrdiff_t row = ((ptrdiff_t)b * p->num_filters + f) * mem;
        int32_t dot = 0;
        for (j = 0; j < mem; ++j)
          dot += ts_svdf_state_at(p, weights_time, (ptrdiff_t)f * mem + j) *
                 (ts_svdf_state_at(p, state, row + j) - p->state_zero_point);
        acc += dot;
      }
      acc = ts_multiply_by_quantized_multiplier(acc, p->multiplier2, p->shift2) + p->output_zero_point;
      if (acc < -128) acc = -128;
      if (acc > 127) acc = 127;
      out[(ptrdiff_t)b * p->num_units + u] = (int8_t)acc;
    }
  }
}

/* The new state value of a filter from its feature dot product (as in the portable loop). */
static int32_t ts_svdf_feature(const ts_svdf_params* p, int32_t dot) {
  const int32_t lo = p->state_bytes == 2 ? -32768 : -128;
  const int32_t hi = p->state_bytes == 2 ? 32767 : 127;
  dot = ts_multiply_by_quantized_multiplier(dot, p->multiplier1, p->shift1);
  if (dot < lo) dot = lo;
  if (dot > hi) dot = hi;
  dot += p->state_zero_point;
  return p->state_bytes == 2 ? (int32_t)(((uint32_t)dot + 32768u) & 0xFFFFu) - 32768
                             : (int32_t)(((uint32_t)dot + 128u) & 0xFFu) - 128;
}

/* DSP path (same bytes as ts_svdf_s8_portable): the feature dot products two filters at a time
 * (ts_dsp_dot_1x2: the input widened once, its offset added by SXTAB16, SMLAD), each state row
 * shifted by one memmove, and with int16 state and weights_time and a state zero point 0 (the
 * 16-bit SVDF's), the time dot products by SMLAD straight on the int16 pairs (two products per
 * instruction); with int8 state and weights_time, four at a time (SXTAB16 subtracts the state's
 * zero point: |state - zero point| <= 255 fits a halfword lane); int32 sums as the portable
 * loop's (mod 2^32). Other time dot products (int16 state with a zero point) as the portable
 * loop. No stack buffers. */
void ts_svdf_s8_dsp(const ts_svdf_params* p, const int8_t* in, const int8_t* weights_feature,
                    const void* weights_time, const int32_t* bias, void* state, int8_t* out) {
  const int32_t mem = p->memory_size, eb = p->state_bytes, nf = p->num_filters, n_in = p->input_size;
  const int32_t off = -p->input_zero_point;
  const uint32_t off2 = ts_dsp_dup16(off);
  const int pairs = eb == 2 && p->state_zero_point == 0;
  const uint32_t zoff2 = ts_dsp_dup16(-p->state_zero_point); /* int8 state: - zero point per lane */
  int32_t b, u, r, j, k;
  for (b = 0; b < p->batch; ++b) {
    const int8_t* x = in + (ptrdiff_t)b * n_in;
    int8_t* const rows = (int8_t*)state + (ptrdiff_t)b * nf * mem * eb;
    for (k = 0; k < nf; k += 2) {
      const int two = k + 1 < nf;
      const int8_t* w0 = weights_feature + (ptrdiff_t)k * n_in;
      const int8_t* w1 = two ? w0 + n_in : w0;
      int32_t s0 = 0, s1 = 0;
      int8_t* row = rows + (ptrdiff_t)k * mem * eb;
      ts_dsp_dot_1x2(x, w0, w1, n_in, off2, off, 0, 0, &s0, &s1);
      memmove(row, row + eb, (size_t)(mem - 1) * (size_t)eb);
      ts_svdf_state_set(p, row, mem - 1, ts_svdf_feature(p, s0));
      if (two) {
        row += (ptrdiff_t)mem * eb;
        memmove(row, row + eb, (size_t)(mem - 1) * (size_t)eb);
        ts_svdf_state_set(p, row, mem - 1, ts_svdf_feature(p, s1));
      }
    }
    for (u = 0; u < p->num_units; ++u) {
      int32_t acc = bias ? bias[u] : 0;
      for (r = 0; r < p->rank; ++r) {
        const int32_t f = u * p->rank + r;
        const int8_t* row = rows + (ptrdiff_t)f * mem * eb;
        const int8_t* wt = (const int8_t*)weights_time + (ptrdiff_t)f * mem * eb;
        int32_t dot = 0;
        j = 0;
        if (pairs) {
          for (; j + 2 <= mem; j += 2) dot = ts_dsp_smlad(ts_dsp_load4(wt + 2 * j), ts_dsp_load4(row + 2 * j), dot);
        } else if (eb == 1) {
          for (; j + 4 <= mem; j += 4) {
            const uint32_t sv = ts_dsp_load4(row + j), wv = ts_dsp_load4(wt + j);
            dot = ts_dsp_smlad(ts_dsp_sxtab16(zoff2, sv), ts_dsp_sxtb16(wv), dot);
            dot = ts_dsp_smlad(ts_dsp_sxtab16_ror8(zoff2, sv), ts_dsp_sxtb16_ror8(wv), dot);
          }
        }
        for (; j < mem; ++j)
          dot += ts_svdf_state_at(p, wt, j) * (ts_svdf_state_at(p, row, j) - p->state_zero_point);
        acc += dot;
      }
      acc = ts_multiply_by_quantized_multiplier(acc, p->multiplier2, p->shift2) + p->output_zero_point;
      if (acc < -128) acc = -128;
      if (acc > 127) acc = 127;
      out[(ptrdiff_t)b * p->num_units + u] = (int8_t)acc;
    }
  }
}

/* The public kernel: the DSP path on Cortex-M with the DSP extension (unless TS_NO_DSP), the
 * portable loops elsewhere. */
void ts_svdf_s8(const ts_svdf_params* p, const int8_t* in, const int8_t* weights_feature,
                const void* weights_time, const int32_t* bias, void* state, int8_t* out) {
#if TS_DSP_DISPATCH
  ts_svdf_s8_dsp(p, in, weights_feature, weights_time, bias, state, out);
#else
  ts_svdf_s8_portable(p, in, weights_feature, weights_time, bias, state, out);
#endif
}

void ts_svdf_f32(const ts_svdf_params* p, const float* in, const float* weights_feature,
                 const float* weights_time, const float* bias, float* state, float act_min, float act_max,
                 float* out) {
  const int32_t mem = p->memory_size;
  int32_t b, u, r, j, k;
  for (b = 0; b < p->batch; ++b) {
    const float* x = in + (ptrdiff_t)b * p->input_size;
    for (k = 0; k < p->num_filters; ++k) {
      float* row = state + ((ptrdiff_t)b * p->num_filters + k) * mem;
      const float* w = weights_feature + (ptrdiff_t)k * p->input_size;
      float dot = 0.0f;
      for (j = 0; j + 1 < mem; ++j) row[j] = row[j + 1];
      for (j = 0; j < p->input_size; ++j) dot += w[j] * x[j];
      row[mem - 1] = dot;
    }
    for (u = 0; u < p->num_units; ++u) {
      float acc = bias ? bias[u] : 0.0f;
      for (r = 0; r < p->rank; ++r) {
        const int32_t f = u * p->rank + r;
        const float* row = state + ((ptrdiff_t)b * p->num_filters + f) * mem;
        const float* w = weights_time + (ptrdiff_t)f * mem;
        float dot = 0.0f;
        for (j = 0; j < mem; ++j) dot += w[j] * row[j];
        acc += dot;
      }
      if (acc < act_min) acc = act_min;
      if (acc > act_max) acc = act_max;
      out[(ptrdiff_t)b * p->num_units + u] = acc;
    }
  }
}
