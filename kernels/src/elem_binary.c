/* Broadcasting binary int8 kernels: SUB (TFLM sub.cc / sub_common.cc with
 * reference_ops::BroadcastQuantSubSlow), SQUARED_DIFFERENCE (TFLM squared_difference.cc),
 * MAXIMUM / MINIMUM (TFLM maximum_minimum.cc), PRELU (TFLM prelu.cc / prelu_common.cc with
 * reference_ops::BroadcastPrelu4DSlow), and their Prepare-time parameters. Access order:
 * elements of the window in row-major (y, x, c) order, each element's operands read, then the
 * element written. */
#include "broadcast_util.h"
#include "fixedpoint.h"
#include "prepare_util.h"

#define TS_MBQM ts_multiply_by_quantized_multiplier

/* ADD's input rescaling (reference_ops Add/Sub): (offset + v) << left_shift, times a multiplier
 * below one. */
static inline int32_t ts_rescale_input(int32_t offset, int32_t v, int32_t left_shift,
                                       int32_t multiplier, int32_t shift) {
  return TS_MBQM((int32_t)((uint32_t)(offset + v) << left_shift), multiplier, shift);
}

/* sub_common.cc CalculateOpDataSub (the same expressions as ADD's): float arithmetic for the
 * scale ratios, each converted to double; left_shift 20 for int8 outputs, 15 for int16. */
static int ts_sub_prepare(float input1_scale, int32_t input1_zero_point, float input2_scale,
                          int32_t input2_zero_point, float output_scale, int32_t output_zero_point,
                          int32_t act_min, int32_t act_max, int32_t left_shift, ts_add_params* p) {
  const float twice_max_input_scale = 2 * (input1_scale < input2_scale ? input2_scale : input1_scale);
  const double real1 = (double)(input1_scale / twice_max_input_scale);
  const double real2 = (double)(input2_scale / twice_max_input_scale);
  const double real_out = (double)(twice_max_input_scale / ((float)(1 << left_shift) * output_scale));
  p->input1_offset = -input1_zero_point;
  p->input2_offset = -input2_zero_point;
  p->output_offset = output_zero_point;
  p->left_shift = left_shift;
  p->act_min = act_min;
  p->act_max = act_max;
  if (ts_qm_smaller_than_one(real1, &p->input1_multiplier, &p->input1_shift) != 0 ||
      ts_qm_smaller_than_one(real2, &p->input2_multiplier, &p->input2_shift) != 0 ||
      ts_qm_smaller_than_one(real_out, &p->output_multiplier, &p->output_shift) != 0)
    return -1;
  return 0;
}

int ts_sub_s8_prepare(float input1_scale, int32_t input1_zero_point, float input2_scale,
                      int32_t input2_zero_point, float output_scale, int32_t output_zero_point,
                      int32_t act_min, int32_t act_max, ts_add_params* p) {
  return ts_sub_prepare(input1_scale, input1_zero_point, input2_scale, input2_zero_point, output_scale,
                        output_zero_point, act_min, act_max, 20, p);
}

int ts_sub_s16_prepare(float input1_scale, float input2_scale, float output_scale, int32_t act_min, int32_t act_max,
                       ts_add_params* p) {
  return ts_sub_prepare(input1_scale, 0, input2_scale, 0, output_scale, 0, act_min, act_max, 15, p);
}

/* Windows of at least this many elements rescale their inputs through two 256-entry tables, as
 * ADD does (elementwise.c): a rescaled input depends only on its byte. 2 KiB of workspace, 512
 * rescalings to fill them; the operands are read in the same order either way. */
#define TS_DIFF_TABLE_MIN_ELEMENTS 1024

/* The output of SUB (square == 0) or SQUARED_DIFFERENCE (square == 1) from the difference d of
 * the rescaled inputs; |d| <= 255 * 2^7 for SQUARED_DIFFERENCE (both rescaled values at most half
 * of 255 * 2^7), so its square fits. */
static inline int8_t ts_diff_output(const ts_add_params* p, int32_t d, int square) {
  const int32_t r = TS_MBQM(square ? d * d : d, p->output_multiplier, p->output_shift) + p->output_offset;
  return (int8_t)ts_clamp_i32(r, p->act_min, p->act_max);
}

static int64_t ts_diff_elements(int32_t channels, ts_window win) {
  return (win.y1 > win.y0 && win.x1 > win.x0) ? (int64_t)(win.y1 - win.y0) * (win.x1 - win.x0) * channels : 0;
}

size_t ts_sub_s8_workspace_bytes(int32_t channels, ts_window win) {
  return ts_diff_elements(channels, win) >= TS_DIFF_TABLE_MIN_ELEMENTS ? 512 * sizeof(int32_t) : 0;
}

static inline __attribute__((always_inline)) void ts_diff_body(const ts_add_params* p, ts_operand a, ts_operand b,
                                                               ts_buf out, int32_t channels, ts_window win,
                                                               int square, int32_t* restrict t1) {
  const int32_t off1 = p->input1_offset, off2 = p->input2_offset, ls = p->left_shift;
  if (ts_diff_elements(channels, win) >= TS_DIFF_TABLE_MIN_ELEMENTS) {
    int32_t* const restrict t2 = t1 + 256;
    const int32_t* u1 = t1 + 128;
    const int32_t* u2 = t2 + 128;
    int32_t v;
    for (v = -128; v < 128; ++v) {
      t1[v + 128] = ts_rescale_input(off1, v, ls, p->input1_multiplier, p->input1_shift);
      t2[v + 128] = ts_rescale_input(off2, v, ls, p->input2_multiplier, p->input2_shift);
    }
    TS_BC_FOR_EACH(a, b, out, channels, win, *dst = ts_diff_output(p, u1[*pa] - u2[*pb], square));
  } else {
    TS_BC_FOR_EACH(a, b, out, channels, win, {
      const int32_t s1 = ts_rescale_input(off1, *pa, ls, p->input1_multiplier, p->input1_shift);
      const int32_t s2 = ts_rescale_input(off2, *pb, ls, p->input2_multiplier, p->input2_shift);
      *dst = ts_diff_output(p, s1 - s2, square);
    });
  }
}

static __attribute__((noinline)) void ts_diff_s8(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out,
                                                 int32_t channels, ts_window win, int square, int32_t* t1) {
  ts_diff_body(p, a, b, out, channels, win, square, t1);
}

/* Without a caller's workspace: the tables on this function's stack frame (one frame below
 * the entry point, as before workspaces). */
static __attribute__((noinline)) void ts_diff_s8_stack(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out,
                                                       int32_t channels, ts_window win, int square) {
  int32_t t[512];
  ts_diff_body(p, a, b, out, channels, win, square, t);
}

void ts_sub_s8_ws(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out, int32_t channels,
                  ts_window win, void* workspace) {
  ts_diff_s8(p, a, b, out, channels, win, 0, (int32_t*)workspace);
}

void ts_sub_s8(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out, int32_t channels,
               ts_window win) {
  ts_diff_s8_stack(p, a, b, out, channels, win, 0);
}

int ts_squared_difference_s8_prepare(float input1_scale, int32_t input1_zero_point,
                                     float input2_scale, int32_t input2_zero_point,
                                     float output_scale, int32_t output_zero_point,
                                     ts_add_params* p) {
  /* squared_difference.cc PrepareQuantized with left_shift 7: double arithmetic but for the
   * denominator's float product (1 << 14) * output_scale */
  const double twice_max_input_scale =
      2.0 * (double)(input1_scale < input2_scale ? input2_scale : input1_scale);
  const double real1 = (double)input1_scale / twice_max_input_scale;
  const double real2 = (double)input2_scale / twice_max_input_scale;
  const double real_out = (twice_max_input_scale * twice_max_input_scale) /
                          (double)((float)(1 << 14) * output_scale);
  if (!ts_zp_ok(input1_zero_point) || !ts_zp_ok(input2_zero_point) || !ts_zp_ok(output_zero_point))
    return -1;
  p->input1_offset = -input1_zero_point;
  p->input2_offset = -input2_zero_point;
  p->output_offset = output_zero_point;
  p->left_shift = 7;
  p->act_min = -128;
  p->act_max = 127;
  if (ts_qm_smaller_than_one(real1, &p->input1_multiplier, &p->input1_shift) != 0 ||
      ts_qm_smaller_than_one(real2, &p->input2_multiplier, &p->input2_shift) != 0)
    return -1;
  ts_qm(real_out, &p->output_multiplier, &p->output_shift);
  return 0;
}

void ts_squared_difference_s8_ws(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out,
                                 int32_t channels, ts_window win, void* workspace) {
  ts_diff_s8(p, a, b, out, channels, win, 1, (int32_t*)workspace);
}

void ts_squared_difference_s8(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out,
                              int32_t channels, ts_window win) {
  ts_diff_s8_stack(p, a, b, out, channels, win, 1);
}

void ts_maximum_s8(ts_operand a, ts_operand b, ts_buf out, int32_t channels, ts_window win) {
  TS_BC_FOR_EACH(a, b, out, channels, win, {
    const int8_t va = *pa, vb = *pb;
    *dst = va > vb ? va : vb;
  });
}

void ts_minimum_s8(ts_operand a, ts_operand b, ts_buf out, int32_t channels, ts_window win) {
  TS_BC_FOR_EACH(a, b, out, channels, win, {
    const int8_t va = *pa, vb = *pb;
    *dst = va < vb ? va : vb;
  });
}

int ts_prelu_s8_prepare(float input_scale, int32_t input_zero_point, float alpha_scale,
                        int32_t alpha_zero_point, float output_scale, int32_t output_zero_point,
                        ts_prelu_params* p) {
  /* prelu_common.cc CalculatePreluParams: double arithmetic */
  const double real1 = (double)input_scale / (double)output_scale;
  const double real2 = (double)input_scale * (double)alpha_scale / (double)output_scale;
  ts_qm(real1, &p->output_multiplier_1, &p->output_shift_1);
  ts_qm(real2, &p->output_multiplier_2, &p->output_shift_2);
  p->input_offset = -input_zero_point;
  p->alpha_offset = -alpha_zero_point;
  p->output_offset = output_zero_point;
  return 0;
}

void ts_prelu_s8(const ts_prelu_params* p, ts_operand a, ts_operand b, ts_buf out,
                 int32_t channels, ts_window win) {
  TS_BC_FOR_EACH(a, b, out, channels, win, {
    const int32_t v = p->input_offset + *pa;
    const int32_t r = v >= 0 ? TS_MBQM(v, p->output_multiplier_1, p->output_shift_1)
                             : TS_MBQM(v * (p->alpha_offset + *pb), p->output_multiplier_2,
                                       p->output_shift_2);
    *dst = (int8_t)ts_clamp_i32(r + p->output_offset, -128, 127);
  });
}
