/* Internal helpers of the broadcasting element-wise kernels (ts_operand, kernels.h). */
#ifndef TESSERA_KERNELS_BROADCAST_UTIL_H_
#define TESSERA_KERNELS_BROADCAST_UTIL_H_

#include <stddef.h>

#include "spatial_util.h"
#include "tessera/kernels.h"

/* Element (y, x0, 0) of an operand. */
static inline const int8_t* ts_bc_operand_row(const ts_operand* op, int32_t y, int32_t x0) {
  return op->data + (ptrdiff_t)(y - op->y0) * op->sy + (ptrdiff_t)(x0 - op->x0) * op->sx;
}

/* Runs STMT for every element of window `win` in row-major (y, x, c) order, with `pa`, `pb`
 * pointing at the element of operands `a` and `b` and `dst` at the output element; STMT reads
 * through pa/pb and then writes *dst (a statement list, given as the
 * last macro arguments). */
#define TS_BC_FOR_EACH(a, b, out, channels, win, ...)                                    \
  do {                                                                                    \
    const ptrdiff_t ts_ax_ = (a).sx, ts_ac_ = (a).sc, ts_bx_ = (b).sx, ts_bc_ = (b).sc; \
    int32_t ts_y_, ts_x_, ts_c_;                                                          \
    for (ts_y_ = (win).y0; ts_y_ < (win).y1; ++ts_y_) {                                   \
      const int8_t* ts_ra_ = ts_bc_operand_row(&(a), ts_y_, (win).x0);                    \
      const int8_t* ts_rb_ = ts_bc_operand_row(&(b), ts_y_, (win).x0);                    \
      int8_t* ts_row_ = TS_PIXEL(out, ts_y_, (win).x0, channels);                         \
      for (ts_x_ = (win).x0; ts_x_ < (win).x1;                                            \
           ++ts_x_, ts_ra_ += ts_ax_, ts_rb_ += ts_bx_, ts_row_ += (channels)) {          \
        const int8_t* pa = ts_ra_;                                                        \
        const int8_t* pb = ts_rb_;                                                        \
        for (ts_c_ = 0; ts_c_ < (channels); ++ts_c_, pa += ts_ac_, pb += ts_bc_) {        \
          int8_t* dst = ts_row_ + ts_c_;                                                  \
          __VA_ARGS__;                                                                           \
        }                                                                                 \
      }                                                                                   \
    }                                                                                     \
  } while (0)

/* The same over one input held as a window: `src` points at the input element, `dst` at the output
 * element, pixels row-major, channels ascending. */
#define TS_UNARY_FOR_EACH(in, out, channels, win, ...)           \
  do {                                                            \
    int32_t ts_y_, ts_x_, ts_c_;                                  \
    for (ts_y_ = (win).y0; ts_y_ < (win).y1; ++ts_y_) {           \
      for (ts_x_ = (win).x0; ts_x_ < (win).x1; ++ts_x_) {         \
        const int8_t* ts_s_ = TS_PIXEL(in, ts_y_, ts_x_, channels); \
        int8_t* ts_d_ = TS_PIXEL(out, ts_y_, ts_x_, channels);    \
        for (ts_c_ = 0; ts_c_ < (channels); ++ts_c_) {            \
          const int8_t* src = ts_s_ + ts_c_;                      \
          int8_t* dst = ts_d_ + ts_c_;                            \
          __VA_ARGS__;                                                   \
        }                                                         \
      }                                                           \
    }                                                             \
  } while (0)

#endif
