/* UNIDIRECTIONAL_SEQUENCE_LSTM, integer (see kernels.h): TFLM's EvalLstm for int8 and int16
 * activations with an int16 cell state, computed one state element at a time. */
#include <string.h>

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

/* MulElementwise: int16 x int16, requantized, + offset, clamped. */
static int32_t mul_q(int16_t a, int16_t b, int32_t multiplier, int32_t shift, int32_t offset, int32_t lo,
                     int32_t hi) {
  return ts_clamp_i32(offset + ts_multiply_by_quantized_multiplier((int32_t)a * (int32_t)b, multiplier, shift), lo,
                      hi);
}

/* One time step over `rows` batch rows: x [rows, n_input], h and c [rows, n_state] (updated),
 * out [rows, n_state] (the new hidden state, then copied to h). */
static void lstm_step(const ts_lstm_params* p, const int8_t* x, int8_t* h, int8_t* c, int8_t* out, int32_t rows) {
  const int32_t n_in = p->n_input, n_s = p->n_state, eb = p->s16 ? 2 : 1;
  const int32_t h_lo = p->s16 ? -32768 : -128, h_hi = p->s16 ? 32767 : 127;
  int32_t r, j;
  for (r = 0; r < rows; ++r) {
    const int8_t* xr = x + (ptrdiff_t)r * n_in * eb;
    const int8_t* hr = h + (ptrdiff_t)r * n_s * eb;
    int8_t* cr = c + (ptrdiff_t)r * n_s * 2;
    int8_t* orow = out + (ptrdiff_t)r * n_s * eb;
    for (j = 0; j < n_s; ++j) {
      const int16_t f = ts_logistic_s16_value(gate_sum(p, TS_LSTM_FORGET, xr, hr, j), 0, 0);
      const int16_t i = ts_logistic_s16_value(gate_sum(p, TS_LSTM_INPUT, xr, hr, j), 0, 0);
      const int16_t gs = gate_sum(p, TS_LSTM_CELL, xr, hr, j);
      /* the cell gate's tanh: scale power -12, so shift 0 and multiplier 3 */
      const int16_t g = p->cell_gate_sigmoid ? ts_logistic_s16_value(gs, 0, 0) : ts_tanh_s16_value(gs, 0, 0);
      int16_t cv = ts_load_s16(cr, j), o, t;
      const int16_t fc = (int16_t)mul_q(f, cv, p->forget_multiplier, p->forget_shift, 0, -32768, 32767);
      const int16_t ig = (int16_t)mul_q(i, g, p->input_multiplier, p->input_shift, 0, -32768, 32767);
      int32_t hv;
      cv = sat16((int32_t)fc + (int32_t)ig);
      if (p->cell_clip >= 0) cv = (int16_t)ts_clamp_i32(cv, -p->cell_clip, p->cell_clip);
      ts_store_s16(cr, j, cv);
      o = ts_logistic_s16_value(gate_sum(p, TS_LSTM_OUTPUT, xr, hr, j), 0, 0);
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

void ts_lstm(const ts_lstm_params* p, const int8_t* input, int8_t* output, int8_t* hidden_state,
             int8_t* cell_state) {
  const int32_t eb = p->s16 ? 2 : 1;
  const int32_t B = p->batches, T = p->time_steps, n_in = p->n_input, n_s = p->n_state;
  int32_t b, t;
  if (p->time_major) {
    for (t = 0; t < T; ++t)
      lstm_step(p, input + (ptrdiff_t)t * B * n_in * eb, hidden_state, cell_state,
                output + (ptrdiff_t)t * B * n_s * eb, B);
    return;
  }
  for (b = 0; b < B; ++b)
    for (t = 0; t < T; ++t)
      lstm_step(p, input + ((ptrdiff_t)b * T + t) * n_in * eb, hidden_state + (ptrdiff_t)b * n_s * eb,
                cell_state + (ptrdiff_t)b * n_s * 2, output + ((ptrdiff_t)b * T + t) * n_s * eb, 1);
}
