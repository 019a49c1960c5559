/* Dot-product micro-kernels of the DSP paths (conv_dsp.c, fully_connected_dsp.c): int8
 * inputs with an offset added, int8 weights, int32 accumulation with SMLAD on sign-extended
 * halfword pairs. Four bytes b0 b1 b2 b3 of a vector give the pairs (b0, b2) = SXTB16(w)
 * and (b1, b3) = SXTB16(ROR8(w)); inputs take the offset in the same instruction (SXTAB16),
 * so a product pair (x0+off)*w0 + (x2+off)*w2 is one SMLAD. The order of the additions
 * differs from the portable loops; int32 addition is associative (mod 2^32), so the sums
 * are the same. */
#ifndef TESSERA_KERNELS_DSP_DOT_H_
#define TESSERA_KERNELS_DSP_DOT_H_

#include "arm_dsp.h"

/* s00 += x0.w0, s01 += x0.w1, s10 += x1.w0, s11 += x1.w1 over n elements (inputs + off). */
static inline void ts_dsp_dot_2x2(const int8_t* x0, const int8_t* x1, const int8_t* w0,
                                  const int8_t* w1, int32_t n, uint32_t off2, int32_t off,
                                  int32_t* s00, int32_t* s01, int32_t* s10, int32_t* s11) {
  int32_t a00 = *s00, a01 = *s01, a10 = *s10, a11 = *s11;
  int32_t blocks = n >> 2;
  n &= 3;
  for (; blocks > 0; --blocks) {
    const uint32_t xa = ts_dsp_load4(x0), xb = ts_dsp_load4(x1);
    const uint32_t xa_e = ts_dsp_sxtab16(off2, xa), xa_o = ts_dsp_sxtab16_ror8(off2, xa);
    const uint32_t xb_e = ts_dsp_sxtab16(off2, xb), xb_o = ts_dsp_sxtab16_ror8(off2, xb);
    uint32_t w = ts_dsp_load4(w0);
    uint32_t we = ts_dsp_sxtb16(w);
    a00 = ts_dsp_smlad(xa_e, we, a00);
    a10 = ts_dsp_smlad(xb_e, we, a10);
    we = ts_dsp_sxtb16_ror8(w);
    a00 = ts_dsp_smlad(xa_o, we, a00);
    a10 = ts_dsp_smlad(xb_o, we, a10);
    w = ts_dsp_load4(w1);
    we = ts_dsp_sxtb16(w);
    a01 = ts_dsp_smlad(xa_e, we, a01);
    a11 = ts_dsp_smlad(xb_e, we, a11);
    we = ts_dsp_sxtb16_ror8(w);
    a01 = ts_dsp_smlad(xa_o, we, a01);
    a11 = ts_dsp_smlad(xb_o, we, a11);
    x0 += 4;
    x1 += 4;
    w0 += 4;
    w1 += 4;
  }
  for (; n > 0; --n) {
    const int32_t xa = (int32_t)*x0++ + off, xb = (int32_t)*x1++ + off;
    const int32_t wa = *w0++, wb = *w1++;
    a00 += xa * wa;
    a01 += xa * wb;
    a10 += xb * wa;
    a11 += xb * wb;
  }
  *s00 = a00;
  *s01 = a01;
  *s10 = a10;
  *s11 = a11;
}

/* s0 += x.w0, s1 += x.w1 over n elements; inputs + off2 lanes (off scalar), weights +
 * woff2 lanes (woff scalar; 0 for convolutions). */
static inline void ts_dsp_dot_1x2(const int8_t* x, const int8_t* w0, const int8_t* w1, int32_t n,
                                  uint32_t off2, int32_t off, uint32_t woff2, int32_t woff,
                                  int32_t* s0, int32_t* s1) {
  int32_t a0 = *s0, a1 = *s1;
  for (; n >= 4; n -= 4) {
    const uint32_t xv = ts_dsp_load4(x);
    const uint32_t wa = ts_dsp_load4(w0), wb = ts_dsp_load4(w1);
    const uint32_t xe = ts_dsp_sxtab16(off2, xv), xo = ts_dsp_sxtab16_ror8(off2, xv);
    a0 = ts_dsp_smlad(xe, ts_dsp_sxtab16(woff2, wa), a0);
    a0 = ts_dsp_smlad(xo, ts_dsp_sxtab16_ror8(woff2, wa), a0);
    a1 = ts_dsp_smlad(xe, ts_dsp_sxtab16(woff2, wb), a1);
    a1 = ts_dsp_smlad(xo, ts_dsp_sxtab16_ror8(woff2, wb), a1);
    x += 4;
    w0 += 4;
    w1 += 4;
  }
  for (; n > 0; --n) {
    const int32_t xv = (int32_t)*x++ + off;
    a0 += xv * ((int32_t)*w0++ + woff);
    a1 += xv * ((int32_t)*w1++ + woff);
  }
  *s0 = a0;
  *s1 = a1;
}

#endif
