/* ADD int16 (TFLM add.cc, int16 output: the general rescaling path that reference_ops::Add
 * takes with pot_scale false, and BroadcastAdd4DSlow's small-integer path when the shapes
 * differ; both compute the same per-element arithmetic). Each input, plus its offset, is
 * shifted left by left_shift (15 for int16), scaled by a multiplier below one, the two summed,
 * and the sum scaled to the output, offset, clamped. Access order: elements of the window in
 * row-major (y, x, c) order, each element's two operands read, then the element written. */
#include <stddef.h>

#include "fixedpoint.h"
#include "tessera/kernels.h"
#include "unaligned.h"

static inline int32_t ts_add_s16_rescale(int32_t offset, int32_t v, int32_t left_shift, int32_t multiplier,
                                         int32_t shift) {
  /* (offset + v) * 2^left_shift in wrapping arithmetic; |offset + v| < 2^16 and left_shift 15
   * keep it within int32 for int16 operands with zero point 0 */
  return ts_multiply_by_quantized_multiplier((int32_t)((uint32_t)(offset + v) << left_shift), multiplier, shift);
}

void ts_add_s16(const ts_add_params* p, ts_operand a, ts_operand b, ts_buf out, int32_t channels, ts_window win) {
  int32_t y, x, c;
  for (y = win.y0; y < win.y1; ++y) {
    for (x = win.x0; x < win.x1; ++x) {
      /* element indices of the operands' first channel and of the output pixel */
      ptrdiff_t ia = (ptrdiff_t)(y - a.y0) * a.sy + (ptrdiff_t)(x - a.x0) * a.sx;
      ptrdiff_t ib = (ptrdiff_t)(y - b.y0) * b.sy + (ptrdiff_t)(x - b.x0) * b.sx;
      const ptrdiff_t io = ((ptrdiff_t)(y - out.y0) * out.w + (x - out.x0)) * channels;
      for (c = 0; c < channels; ++c, ia += a.sc, ib += b.sc) {
        const int32_t s1 = ts_add_s16_rescale(p->input1_offset, ts_load_s16(a.data, ia), p->left_shift,
                                              p->input1_multiplier, p->input1_shift);
        const int32_t s2 = ts_add_s16_rescale(p->input2_offset, ts_load_s16(b.data, ib), p->left_shift,
                                              p->input2_multiplier, p->input2_shift);
        const int32_t r =
            ts_multiply_by_quantized_multiplier(s1 + s2, p->output_multiplier, p->output_shift) + p->output_offset;
        ts_store_s16(out.data, io + c, (int16_t)ts_clamp_i32(r, p->act_min, p->act_max));
      }
    }
  }
}
