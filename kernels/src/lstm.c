/* UNIDIRECTIONAL_SEQUENCE_LSTM, integer (see kernels.h): TFLM's EvalLstm for int8 and int16
 * activations with an int16 cell state, computed one state element at a time. */
#include <string.h>

#include "dsp_dot.h"
#include "dsp_dot16.h"
#include "fixedpoint.h"
#include "unaligned.h"

static int16_t sat16(int32_t v) { return (int16_t)ts_clamp_i32(v, -32768, 32767); }

/* One element of a gate's fully connected layer: row `row` of `w` times the vector `x`. */
static int16_t fc_s8(const int8_t* x, int32_t x_offset, const int8_t* w, int32_t w_offset, int32_t depth,
                     const int32_t* bias, int32_t row, int32_t multiplier, int32_t shift) {
  const int8_t* wr = w + (ptrdiff_t)row * depth;
  int32_t acc = 0, d;
  for (d = 0; d < depth; ++d) acc += ((int32_t)wr[d] + w_offset) * ((int32_t)x[d] + x_offset);
  if (bias) acc += bias[row];
  return sat16(ts_multiply_by_quantized_multiplier(acc, multiplier, shift));
}

static int16_t fc_s16(const int8_t* x, const int8_t* w, int32_t w_offset, int32_t depth, const int64_t* bias,
                      int32_t row, int32_t multiplier, int32_t shift) {
  const int8_t* wr = w + (ptrdiff_t)row * depth;
  int64_t acc = 0;
  int32_t d;
  for (d = 0; d < depth; ++d) acc += (int64_t)(((int32_t)wr[d] + w_offset) * (int32_t)ts_load_s16(x, d));
  if (bias) acc += bias[row];
  return sat16(ts_multiply_by_quantized_multiplier_64(acc, multiplier, shift));
}

/* Gate g of state element j before its activation: the saturating sum of both FCs. */
static int16_t gate_sum(const ts_lstm_params* p, int g, const int8_t* x, const int8_t* h, int32_t j) {
  const ts_lstm_gate* q = &p->gate[g];
  int16_t a, b;
  if (p->s16) {
    a = fc_s16(x, q->input_weights, q->input_filter_offset, p->n_input, q->bias64, j, q->input_multiplier,
               q->input_shift);
    b = fc_s16(h, q->recurrent_weights, q->recurrent_filter_offset, p->n_state, NULL, j,
               q->recurrent_multiplier, q->recurrent_shift);
  } else {
    a = fc_s8(x, p->input_offset, q->input_weights, q->input_filter_offset, p->n_input, q->bias32, j,
              q->input_multiplier, q->input_shift);
    b = fc_s8(h, p->hidden_offset, q->recurrent_weights, q->recurrent_filter_offset, p->n_state, NULL, j,
              q->recurrent_multiplier, q->recurrent_shift);
  }
  return sat16((int32_t)a + (int32_t)b);
}

/* The four gates' sums of state element j on the DSP path (same values as gate_sum): the int8
 * FCs two gates at a time (ts_dsp_dot_1x2: the input row widened once for both gates' rows, the
 * offsets added by SXTAB16; int32 sums as the portable loop's), the 16x8 FCs by
 * ts_dsp16_dot1_64 (exact int64 sums) when the weights' offset is 0. */
static int16_t fc_s8_done(int32_t acc, const int32_t* bias, int32_t row, int32_t multiplier, int32_t shift) {
  if (bias) acc += bias[row];
  /* ts_multiply_by_quantized_multiplier inlined (arm_dsp.h: the same results) */
  return sat16(ts_dsp_requantize(acc, multiplier, shift));
}

static void fc_s8_pair(const int8_t* x, int32_t x_offset, int32_t depth, int32_t j, const ts_lstm_gate* q0,
                       const ts_lstm_gate* q1, int recurrent, int16_t* r0, int16_t* r1) {
  const int8_t* w0 = (recurrent ? q0->recurrent_weights : q0->input_weights) + (ptrdiff_t)j * depth;
  const int8_t* w1 = (recurrent ? q1->recurrent_weights : q1->input_weights) + (ptrdiff_t)j * depth;
  const int32_t o0 = recurrent ? q0->recurrent_filter_offset : q0->input_filter_offset;
  const int32_t o1 = recurrent ? q1->recurrent_filter_offset : q1->input_filter_offset;
  const uint32_t xo2 = ts_dsp_dup16(x_offset);
  int32_t s0 = 0, s1 = 0, unused = 0;
  if (o0 == o1) {
    ts_dsp_dot_1x2(x, w0, w1, depth, xo2, x_offset, ts_dsp_dup16(o0), o0, &s0, &s1);
  } else {
    ts_dsp_dot_1x2(x, w0, w0, depth, xo2, x_offset, ts_dsp_dup16(o0), o0, &s0, &unused);
    ts_dsp_dot_1x2(x, w1, w1, depth, xo2, x_offset, ts_dsp_dup16(o1), o1, &s1, &unused);
  }
  if (recurrent) {
    *r0 = fc_s8_done(s0, NULL, j, q0->recurrent_multiplier, q0->recurrent_shift);
    *r1 = fc_s8_done(s1, NULL, j, q1->recurrent_multiplier, q1->recurrent_shift);
  } else {
    *r0 = fc_s8_done(s0, q0->bias32, j, q0->input_multiplier, q0->input_shift);
    *r1 = fc_s8_done(s1, q1->bias32, j, q1->input_multiplier, q1->input_shift);
  }
}

static int16_t fc_s16_dsp(const int8_t* x, const int8_t* w, int32_t w_offset, int32_t depth, const int64_t* bias,
                          int32_t row, int32_t multiplier, int32_t shift) {
  int64_t acc;
  if (w_offset != 0) return fc_s16(x, w, w_offset, depth, bias, row, multiplier, shift);
  acc = ts_dsp16_dot1_64(x, w + (ptrdiff_t)row * depth, depth);
  if (bias) acc += bias[row];
  return sat16(ts_multiply_by_quantized_multiplier_64(acc, multiplier, shift));
}

static void gate_sums(const ts_lstm_params* p, const int8_t* x, const int8_t* h, int32_t j, int dsp, int16_t* gs) {
  int g;
  if (!dsp) {
    for (g = 0; g < 4; ++g) gs[g] = gate_sum(p, g, x, h, j);
    return;
  }
  if (p->s16) {
    for (g = 0; g < 4; ++g) {
      const ts_lstm_gate* q = &p->gate[g];
      const int16_t a = fc_s16_dsp(x, q->input_weights, q->input_filter_offset, p->n_input, q->bias64, j,
                                   q->input_multiplier, q->input_shift);
      const int16_t b = fc_s16_dsp(h, q->recurrent_weights, q->recurrent_filter_offset, p->n_state, NULL, j,
                                   q->recurrent_multiplier, q->recurrent_shift);
      gs[g] = sat16((int32_t)a + (int32_t)b);
    }
    return;
  }
  for (g = 0; g < 4; g += 2) {
    int16_t a0, a1, b0, b1;
    fc_s8_pair(x, p->input_offset, p->n_input, j, &p->gate[g], &p->gate[g + 1], 0, &a0, &a1);
    fc_s8_pair(h, p->hidden_offset, p->n_state, j, &p->gate[g], &p->gate[g + 1], 1, &b0, &b1);
    gs[g] = sat16((int32_t)a0 + (int32_t)b0);
    gs[g + 1] = sat16((int32_t)a1 + (int32_t)b1);
  }
}

/* 8x8->16 on the DSP path, state elements four at a time: rows j..j+3 of a gate's weights
 * (consecutive, `depth` bytes apart) against one input vector, each input word widened once
 * (SXTAB16 adds the input offset) for the four rows; a weights' offset 0 lets SXTB16 widen the
 * weights, else SXTAB16 adds it. int32 sums as the portable loop's (mod 2^32). */
static inline __attribute__((always_inline)) void dot4_s8_rows(const int8_t* x, const int8_t* w, int32_t depth,
                                                               int32_t off, int32_t woff, const int has_woff,
                                                               int32_t* s) {
  const uint32_t off2 = ts_dsp_dup16(off), woff2 = ts_dsp_dup16(woff);
  const int8_t* w1 = w + depth;
  const int8_t* w2 = w1 + depth;
  const int8_t* w3 = w2 + depth;
  int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, n;
  for (n = depth; n >= 4; n -= 4) {
    const uint32_t xv = ts_dsp_load4(x);
    const uint32_t xe = ts_dsp_sxtab16(off2, xv), xo = ts_dsp_sxtab16_ror8(off2, xv);
    uint32_t q = ts_dsp_load4(w);
    a0 = ts_dsp_smlad(xe, has_woff ? ts_dsp_sxtab16(woff2, q) : ts_dsp_sxtb16(q), a0);
    a0 = ts_dsp_smlad(xo, has_woff ? ts_dsp_sxtab16_ror8(woff2, q) : ts_dsp_sxtb16_ror8(q), a0);
    q = ts_dsp_load4(w1);
    a1 = ts_dsp_smlad(xe, has_woff ? ts_dsp_sxtab16(woff2, q) : ts_dsp_sxtb16(q), a1);
    a1 = ts_dsp_smlad(xo, has_woff ? ts_dsp_sxtab16_ror8(woff2, q) : ts_dsp_sxtb16_ror8(q), a1);
    q = ts_dsp_load4(w2);
    a2 = ts_dsp_smlad(xe, has_woff ? ts_dsp_sxtab16(woff2, q) : ts_dsp_sxtb16(q), a2);
    a2 = ts_dsp_smlad(xo, has_woff ? ts_dsp_sxtab16_ror8(woff2, q) : ts_dsp_sxtb16_ror8(q), a2);
    q = ts_dsp_load4(w3);
    a3 = ts_dsp_smlad(xe, has_woff ? ts_dsp_sxtab16(woff2, q) : ts_dsp_sxtb16(q), a3);
    a3 = ts_dsp_smlad(xo, has_woff ? ts_dsp_sxtab16_ror8(woff2, q) : ts_dsp_sxtb16_ror8(q), a3);
    x += 4;
    w += 4;
    w1 += 4;
    w2 += 4;
    w3 += 4;
  }
  for (; n > 0; --n) {
    const int32_t xv = (int32_t)*x++ + off;
    a0 += xv * ((int32_t)*w++ + woff);
    a1 += xv * ((int32_t)*w1++ + woff);
    a2 += xv * ((int32_t)*w2++ + woff);
    a3 += xv * ((int32_t)*w3++ + woff);
  }
  s[0] = a0;
  s[1] = a1;
  s[2] = a2;
  s[3] = a3;
}

__attribute__((noinline)) static void dot4_s8(const int8_t* x, const int8_t* w, int32_t depth, int32_t off,
                                              int32_t woff, int32_t* s) {
  if (woff)
    dot4_s8_rows(x, w, depth, off, woff, 1, s);
  else
    dot4_s8_rows(x, w, depth, off, 0, 0, s);
}

/* The sums of the four gates of state elements j..j+3 (sums[g][k]: gate g, element j + k). */
static void gate_sums4(const ts_lstm_params* p, const int8_t* x, const int8_t* h, int32_t j, int16_t sums[4][4]) {
  int g, k;
  for (g = 0; g < 4; ++g) {
    const ts_lstm_gate* q = &p->gate[g];
    int32_t a[4], b[4];
    dot4_s8(x, q->input_weights + (ptrdiff_t)j * p->n_input, p->n_input, p->input_offset, q->input_filter_offset, a);
    dot4_s8(h, q->recurrent_weights + (ptrdiff_t)j * p->n_state, p->n_state, p->hidden_offset,
            q->recurrent_filter_offset, b);
    for (k = 0; k < 4; ++k)
      sums[g][k] = sat16((int32_t)fc_s8_done(a[k], q->bias32, j + k, q->input_multiplier, q->input_shift) +
                         (int32_t)fc_s8_done(b[k], NULL, j + k, q->recurrent_multiplier, q->recurrent_shift));
  }
}

/* MulElementwise: int16 x int16, requantized, + offset, clamped. */
static int32_t mul_q(int16_t a, int16_t b, int32_t multiplier, int32_t shift, int32_t offset, int32_t lo,
                     int32_t hi) {
  return ts_clamp_i32(offset + ts_multiply_by_quantized_multiplier((int32_t)a * (int32_t)b, multiplier, shift), lo,
                      hi);
}

/* One time step over `rows` batch rows: x [rows, n_input], h and c [rows, n_state] (updated),
 * out [rows, n_state] (the new hidden state, then copied to h). */
static void lstm_step(const ts_lstm_params* p, const int8_t* x, int8_t* h, int8_t* c, int8_t* out, int32_t rows,
                      int dsp) {
  const int32_t n_in = p->n_input, n_s = p->n_state, eb = p->s16 ? 2 : 1;
  const int32_t h_lo = p->s16 ? -32768 : -128, h_hi = p->s16 ? 32767 : 127;
  int32_t r, j;
  for (r = 0; r < rows; ++r) {
    const int8_t* xr = x + (ptrdiff_t)r * n_in * eb;
    const int8_t* hr = h + (ptrdiff_t)r * n_s * eb;
    int8_t* cr = c + (ptrdiff_t)r * n_s * 2;
    int8_t* orow = out + (ptrdiff_t)r * n_s * eb;
    int16_t block[4][4]; /* DSP, 8x8->16: the gates' sums of four elements */
    for (j = 0; j < n_s; ++j) {
      int16_t sums[4], f, i, g, cv, o, t, fc, ig;
      int32_t hv;
      /* every gate's sum reads only the input and the old hidden state: all four first */
      if (dsp && !p->s16 && (j & ~3) + 4 <= n_s) {
        int k;
        if ((j & 3) == 0) gate_sums4(p, xr, hr, j, block);
        for (k = 0; k < 4; ++k) sums[k] = block[k][j & 3];
      } else {
        gate_sums(p, xr, hr, j, dsp, sums);
      }
      f = ts_logistic_s16_value(sums[TS_LSTM_FORGET], 0, 0);
      i = ts_logistic_s16_value(sums[TS_LSTM_INPUT], 0, 0);
      /* the cell gate's tanh: scale power -12, so shift 0 and multiplier 3 */
      g = p->cell_gate_sigmoid ? ts_logistic_s16_value(sums[TS_LSTM_CELL], 0, 0)
                               : ts_tanh_s16_value(sums[TS_LSTM_CELL], 0, 0);
      cv = ts_load_s16(cr, j);
      fc = (int16_t)mul_q(f, cv, p->forget_multiplier, p->forget_shift, 0, -32768, 32767);
      ig = (int16_t)mul_q(i, g, p->input_multiplier, p->input_shift, 0, -32768, 32767);
      cv = sat16((int32_t)fc + (int32_t)ig);
      if (p->cell_clip >= 0) cv = (int16_t)ts_clamp_i32(cv, -p->cell_clip, p->cell_clip);
      ts_store_s16(cr, j, cv);
      o = ts_logistic_s16_value(sums[TS_LSTM_OUTPUT], 0, 0);
      t = ts_tanh_s16_value(cv, p->cell_tanh_multiplier, p->cell_tanh_shift);
      hv = mul_q(t, o, p->hidden_multiplier, p->hidden_shift, p->hidden_zero_point, h_lo, h_hi);
      if (p->s16)
        ts_store_s16(orow, j, (int16_t)hv);
      else
        orow[j] = (int8_t)hv;
    }
  }
  /* every element of the step read the old hidden state: only now replace it */
  memcpy(h, out, (size_t)rows * (size_t)n_s * (size_t)eb);
}

static void lstm_run(const ts_lstm_params* p, const int8_t* input, int8_t* output, int8_t* hidden_state,
                     int8_t* cell_state, int dsp) {
  const int32_t eb = p->s16 ? 2 : 1;
  const int32_t B = p->batches, T = p->time_steps, n_in = p->n_input, n_s = p->n_state;
  int32_t b, t;
  if (p->time_major) {
    for (t = 0; t < T; ++t)
      lstm_step(p, input + (ptrdiff_t)t * B * n_in * eb, hidden_state, cell_state,
                output + (ptrdiff_t)t * B * n_s * eb, B, dsp);
    return;
  }
  for (b = 0; b < B; ++b)
    for (t = 0; t < T; ++t)
      lstm_step(p, input + ((ptrdiff_t)b * T + t) * n_in * eb, hidden_state + (ptrdiff_t)b * n_s * eb,
                cell_state + (ptrdiff_t)b * n_s * 2, output + ((ptrdiff_t)b * T + t) * n_s * eb, 1, dsp);
}

void ts_lstm_portable(const ts_lstm_params* p, const int8_t* input, int8_t* output, int8_t* hidden_state,
                      int8_t* cell_state) {
  lstm_run(p, input, output, hidden_state, cell_state, 0);
}

void ts_lstm_dsp(const ts_lstm_params* p, const int8_t* input, int8_t* output, int8_t* hidden_state,
                 int8_t* cell_state) {
  lstm_run(p, input, output, hidden_state, cell_state, 1);
}

/* The public kernel: the DSP path on Cortex-M with the DSP extension (unless TS_NO_DSP). */
void ts_lstm(const ts_lstm_params* p, const int8_t* input, int8_t* output, int8_t* hidden_state,
             int8_t* cell_state) {
  lstm_run(p, input, output, hidden_state, cell_state, TS_DSP_DISPATCH);
}
