/* DEPTHWISE_CONV_2D int8, DSP-structured path. Same contract and bytes as
 * ts_depthwise_conv2d_s8_portable (depthwise_conv.c): only the order of the int32 additions
 * changes (mod 2^32 the sums are the same), and the requantization is exact (ts_dsp_output,
 * or ts_rq_requant2 or its folded form (ts_dw_tab3) where their conditions hold).
 *
 * 3x3 filters at stride 1 whose output shares no byte with the input (dilation 1, depth
 * multiplier 1, the activation range [-128, 127], every channel's requantization folding as
 * below, at least TS_DW_PL_MIN_N outputs along the window's longer side and TS_DW_PL_MIN in
 * all, its band within the workspace the other paths take; see ts_dw_pl_pays): the
 * channel-plane path (ts_dw_pl), two channels at a time. Their
 * input lines (rows, or columns when the window is taller than wide, so that the kernel steps
 * along the longer side) are gathered into a band of int16 in the workspace, the input offset
 * added and padding 0 (ts_dw_pl_fill: one halfword load per input pixel brings both channels,
 * SXTAB16 / SXTAB16 (ROR 8) split two pixels into the channels' words; about 2.7 modelled
 * cycles an input byte): pairs of columns a word, the lines of both channels interleaved in
 * blocks of 16 words, every line of the window in its own slot when it reads at most 8, else a
 * ring of 4 lines each written twice (slots l mod 4 and l mod 4 + 4) so that the three tap
 * lines of an output line are always adjacent slots reached by immediate offsets. Then one
 * channel at a time (ts_dw_pl_lines, one block of Cortex-M4 assembly): the six weight pairs
 * (w0, w1), (w1, w2) of the tap lines in registers, two output lines and two adjacent outputs
 * a step (with A = (b[x], b[x + 1]), B = (b[x + 2], b[x + 3]) of a tap line, out[x] +=
 * SMLAD(A, (w0, w1)) + B.lo * w2 and out[x + 1] += A.hi * w0 + SMLAD(B, (w1, w2)): eight band
 * loads and 24 multiply-accumulates for 36 MACs), the sums starting at 2 * bias (doubled
 * weights) and requantized in the same loop in ts_dw_tab3's folded form (SMMULR, ADD ASR #31,
 * ADD LSL #1, ASR, SSAT, STRB): about 82 modelled cycles for 4 outputs (2.3 a MAC), one line
 * at a time when an odd one is left (45 cycles for 2 outputs). Whole layers (bench_dw_dsp
 * --cycles, modelled cycles per MAC at W=0, this path against the others): kws_dscnn_int8's
 * 25x5x64 3.27 (4.98), vww_96_int8's 48x48x8 3.03 (3.84), 24x24x32 3.38 (4.01), 12x12x64 4.16
 * (4.93), 6x6x128 4.74 (5.10). Stride 2 is written (two outputs a step, A, B, C of three
 * blocks) but off unless TS_DW_PL_S2 (5.3-9.7 against 5.2-5.3: each output needs four input
 * bytes gathered). The band: 64 bytes a pair of band columns (kws 896 B), taken only where it
 * fits the workspace the other paths need anyway (ts_dw_pl_pays), so that no workspace grows
 * (vww's whole 48x48x8 layer, whose band would be 1,664 B against 1,024, stays on the runs).
 *
 * Narrow windows of 3x3 filters (dilation 1, depth multiplier 1, channels a multiple of 4, at
 * most TS_DW_PX_W1 columns at stride 1 or TS_DW_PX_W2 at other strides, at most
 * TS_DW_PX_MAX_CH channels, every channel's requantization folding as below; see
 * ts_dw_px_pays): the pixel path (ts_dw_px_row), one
 * pixel at a time, four channels at a time, from a per-call table of the doubled,
 * sign-extended weight pairs and the folded requantization terms (ts_dw_px4, 136 bytes per
 * four channels in the stack buffer below, 64 channels a chunk, the chunks the outer loop):
 * per tap one LDR of four input bytes, one LDRD of their weights, SXTAB16 twice (input offset
 * added), four SMLABB / SMLATT, in one block of assembly per row of taps on the device, and
 * per output byte 8 instructions (one block for the four); no per-row or per-channel set-up,
 * which is what makes the runs below costly in windows a few pixels wide. With the output
 * sharing bytes with the input (windows at most TS_DW_PX_OVL_W wide, every channel in one
 * chunk): the pixels in the contract's order, each group of four channels read then written
 * as the one-pixel path below does (through `scratch` when one is given).
 *
 * Paths otherwise (each output row of the window in order; rows with the same rows of taps together):
 *  - filters 3 taps wide (dilation 1, stride 1 or 2, at most 3 rows): channel runs
 *    (ts_dw_run3_*), one output channel at a time over up to TS_DW_RUN pixels of one or more
 *    output rows, the nine weights in registers as halfword pairs, each input byte loaded
 *    once for every pixel it feeds; the pixels with one column of padding next to the
 *    interior are part of the runs; depth multipliers too. With three rows of taps (all but
 *    the tensor's border rows) the third row's loads are addressed through the second row's
 *    offset shifted left by one (ts_dw_ldrsb2), one register fewer: the stride-1 column loop
 *    runs without spills (16 instructions per pixel and channel); the border rows' runs load
 *    and multiply two rows only. Each channel's constants (its weights as halfword pairs, the
 *    offset-and-bias term k, the multiplier, the requantization's shift and rounding term with
 *    the output offset folded in) come from a table (ts_dw_ch3, 32 bytes a channel) filled
 *    once per kernel call, set of tap rows and chunk of channels, the weights four channels
 *    at a time (ts_dw_tab3), then the requantization's terms one channel per pass with the
 *    call's constants in registers (ts_dw_tab3_fin, ~33 instructions a channel; the whole
 *    table ~68 a channel, which narrow windows pay once per call), in the stack buffer below, which is otherwise unused when the buffers do
 *    not overlap (68 channels a chunk; the chunks are the outer loop, so every run call of a
 *    set of tap rows reuses the table): a run's per-channel set-up is a few loads. The sums
 *    of a channel's run are requantized two at a time (ts_dw_store3: 10 instructions per
 *    output byte);
 *  - filters 5 or 7 taps wide (dilation 1, stride 1 or 2): channel runs over the interior
 *    columns one row of taps at a time (ts_dw_run_wide);
 *  - otherwise, with depth multiplier 1, two horizontally adjacent interior pixels share
 *    each weight load (ts_dw_pair).
 * The runs take a group of rows only with enough pixels per call and per row
 * (ts_dw_runs_pay); narrower ones take the pixel pairs or one pixel at a time.
 * Everything else (border pixels outside the runs): one pixel at a time in the portable
 * order, the pixel's reads, then its writes (interleaved per group of four channels, which
 * writes only bytes of the pixel's own output; through `scratch` when one is given and the
 * buffers overlap). Four channels per step: one 32-bit load brings four input channels of a
 * tap (and one the four weights); SXTAB16 / SXTB16 split them into the halfword pairs
 * (c0, c2) and (c1, c3) (input offset added), and SMLABB / SMLATT accumulate one channel
 * each; rows of two or three taps are unrolled; SSAT clamps when the activation range is
 * [-128, 127]. Depth multipliers that are a multiple of 4: each
 * input byte of a tap (offset added) multiplies the four weights of output channels
 * ic * dm + m .. + 3 with SMLABB / SMLATB. Other depth multipliers use the portable loops.
 * The columns whose taps all lie inside the input are computed once per call; only border
 * pixels compute their range of taps.
 *
 * Output buffer sharing bytes with the input (in-place and segment-overlap placements): the
 * runs and pairs read many pixels' inputs and write channel by channel, so their outputs go
 * to a stack buffer of TS_DW_OVL_BYTES bytes first:
 *  - when whole rows of the window fit in it, groups of such rows (a multiple of the rows
 *    per run call when possible) are computed into it exactly as above, then copied to the
 *    output (one LDMIA/STMIA move, copy_util.h, when the window spans whole output rows);
 *  - otherwise, per row: its left border pixels one at a time, its runs (at most
 *    TS_DW_OVL_BYTES / out_c pixels each, none when fewer than two fit) each computed into
 *    the buffer then copied (ts_dw_copy_out), its right border pixels one at a time.
 * Every read of a buffered group or run precedes every write of it, and groups, runs and
 * border pixels follow the contract's pixel order, so no byte is read later or written
 * earlier than the contract's order says: safe for every gap between the buffers the
 * contract allows (with or without a scratch). The 3-tap runs' table then takes the words
 * of the buffer the staged outputs leave and TS_DW_TAB_OVL entries beside it (chunks of
 * channels inside each staged group or run: a group still reads everything before it writes).
 * Stack, whether or not the buffers overlap: the buffer and those entries in
 * ts_depthwise_conv2d_s8_dsp's frame (2,496 bytes with TS_DW_OVL_BYTES = 1920 and
 * TS_DW_TAB_OVL = 8) plus the deepest run's frame (ts_dw_run_wide, about 650 bytes with its
 * TS_DW_RUN = 96 sums): about 3.1 KB (arm-none-eabi-gcc -O2 -fstack-usage, Cortex-M4), about
 * the DSP convolution's deepest path (bench_dw_dsp prints the painted stack of its
 * depthwise-only program). */
#include <string.h>

#include "copy_util.h"
#include "depthwise_dsp_util.h"
#include "spatial_util.h"

/* n staged output bytes from the stack buffer (word-aligned, no byte shared with the output)
 * to the output: LDMIA/STMIA blocks on Thumb-2 (copy_util.h, 0.125 instructions per byte
 * against newlib-nano memcpy's ~0.5 aligned, ~4 misaligned). */
__attribute__((noinline)) static void ts_dw_copy_out(int8_t* d, const int8_t* s, int32_t n) {
  ts_forward_copy(d, s, n);
}

/* Requantize four channels' accumulators into dst[0..3] (channels c..c+3); SSAT as the clamp
 * when `full` and the range is [-128, 127]. */
static inline __attribute__((always_inline)) void ts_dw_store4(int8_t* dst, const ts_conv_params* p, int32_t c,
                                                               int32_t a0, int32_t a1, int32_t a2, int32_t a3,
                                                               const int full) {
  const int32_t* mult = p->output_multiplier + c;
  const int32_t* shift = p->output_shift + c;
  const int32_t oo = p->output_offset, lo = p->act_min, hi = p->act_max;
  if (full && lo == -128 && hi == 127) {
    dst[0] = ts_dw_output_full(a0, mult[0], shift[0], oo);
    dst[1] = ts_dw_output_full(a1, mult[1], shift[1], oo);
    dst[2] = ts_dw_output_full(a2, mult[2], shift[2], oo);
    dst[3] = ts_dw_output_full(a3, mult[3], shift[3], oo);
    return;
  }
  dst[0] = ts_dw_output(a0, mult[0], shift[0], oo, lo, hi);
  dst[1] = ts_dw_output(a1, mult[1], shift[1], oo, lo, hi);
  dst[2] = ts_dw_output(a2, mult[2], shift[2], oo, lo, hi);
  dst[3] = ts_dw_output(a3, mult[3], shift[3], oo, lo, hi);
}

/* Output columns [*x_lo, *x_hi) whose taps all lie inside the input (may be empty). */
static void ts_dw_interior(int32_t pad, int32_t stride, int32_t dilation, int32_t taps, int32_t size,
                           int32_t* x_lo, int32_t* x_hi) {
  const int32_t last = size - 1 - (taps - 1) * dilation + pad; /* largest origin + pad */
  *x_lo = pad <= 0 ? 0 : (pad + stride - 1) / stride;
  *x_hi = last < 0 ? 0 : last / stride + 1;
}

/* Channels [c, C) of one pixel, one at a time (the channel count's remainder after the
 * groups of four): taps from x_base / w_base as in ts_dw_pixel. */
static void ts_dw_tail(const ts_conv_params* p, const int8_t* x_base, int32_t x_row, const int8_t* w_base,
                       int32_t rows, int32_t cols, const int32_t* bias, int8_t* dst, int32_t c) {
  const int32_t C = p->out_c, tap = C * p->dilation_w, w_row = p->filter_w * C;
  const int32_t off = p->input_offset;
  for (; c < C; ++c) {
    int32_t acc = bias ? bias[c] : 0, ky, kx;
    for (ky = 0; ky < rows; ++ky)
      for (kx = 0; kx < cols; ++kx)
        acc += (int32_t)w_base[ky * w_row + kx * C + c] * ((int32_t)x_base[ky * x_row + kx * tap + c] + off);
    dst[c] = ts_dw_output(acc, p->output_multiplier[c], p->output_shift[c], p->output_offset, p->act_min,
                          p->act_max);
  }
}

/* One output pixel, depth multiplier 1: taps (ky, kx) for ky < rows, kx < cols, the input of
 * tap (0, 0) at x_base (channel 0), input rows x_row bytes apart, its weights at w_base.
 * Per group of four channels: the group's reads, then its four output bytes. */
/* Tap column kx of the row of taps at xr (input) and wr (weights) for the four channels of
 * ts_dw_pixel's group. */
#define TS_DW_PIXEL_TAP(kx)                                                    \
  do {                                                                         \
    const uint32_t wv_ = ts_dsp_load4(wr + (kx) * C);                          \
    const uint32_t we_ = ts_dsp_sxtb16(wv_), wo_ = ts_dsp_sxtb16_ror8(wv_);    \
    TS_DW_MAC4(ts_dsp_load4(xr + (kx) * tap), we_, wo_, off2, a0, a1, a2, a3); \
  } while (0)
static void ts_dw_pixel(const ts_conv_params* p, const int8_t* x_base, int32_t x_row, const int8_t* w_base,
                        int32_t rows, int32_t cols, const int32_t* bias, int8_t* dst) {
  const int32_t C = p->out_c, tap = C * p->dilation_w, w_row = p->filter_w * C;
  const uint32_t off2 = ts_dsp_dup16(p->input_offset);
  int32_t c = 0;
  for (; c + 4 <= C; c += 4) {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, ky, kx;
    const int8_t* xr = x_base + c;
    const int8_t* wr = w_base + c;
    if (bias) {
      a0 = bias[c];
      a1 = bias[c + 1];
      a2 = bias[c + 2];
      a3 = bias[c + 3];
    }
    if (cols == 3) {
      for (ky = 0; ky < rows; ++ky) {
        TS_DW_PIXEL_TAP(0);
        TS_DW_BARRIER();
        TS_DW_PIXEL_TAP(1);
        TS_DW_BARRIER();
        TS_DW_PIXEL_TAP(2);
        xr += x_row;
        wr += w_row;
      }
    } else if (cols == 2) { /* border pixels of 3-tap filters */
      for (ky = 0; ky < rows; ++ky) {
        TS_DW_PIXEL_TAP(0);
        TS_DW_BARRIER();
        TS_DW_PIXEL_TAP(1);
        xr += x_row;
        wr += w_row;
      }
    } else {
      for (ky = 0; ky < rows; ++ky) {
        const int8_t* xp = xr;
        const int8_t* wp = wr;
        for (kx = 0; kx < cols; ++kx) {
          const uint32_t wv = ts_dsp_load4(wp), we = ts_dsp_sxtb16(wv), wo = ts_dsp_sxtb16_ror8(wv);
          TS_DW_MAC4(ts_dsp_load4(xp), we, wo, off2, a0, a1, a2, a3);
          xp += tap;
          wp += C;
        }
        xr += x_row;
        wr += w_row;
      }
    }
    ts_dw_store4(dst + c, p, c, a0, a1, a2, a3, 1);
  }
  if (c < C) ts_dw_tail(p, x_base, x_row, w_base, rows, cols, bias, dst, c);
}

/* Two output pixels A and B (B's input dxb bytes after A's), every column of taps inside
 * the input, rows of taps [0, rows) from x_a (pixel A's tap (0, 0), channel 0) and w_base;
 * outputs into d_a and d_b. Depth multiplier 1. */
__attribute__((noinline)) static void ts_dw_pair(const ts_conv_params* p, const int8_t* x_a, int32_t dxb,
                                                 int32_t x_row, const int8_t* w_base, int32_t rows,
                                                 const int32_t* bias, int8_t* d_a, int8_t* d_b) {
  const int32_t C = p->out_c, fw = p->filter_w, tap = C * p->dilation_w, w_row = fw * C;
  const uint32_t off2 = ts_dsp_dup16(p->input_offset);
  int32_t c = 0;
  for (; c + 4 <= C; c += 4) {
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0, b1, b2, b3, ky, kx;
    const int8_t* xr = x_a + c;
    const int8_t* wr = w_base + c;
    if (bias) {
      a0 = bias[c];
      a1 = bias[c + 1];
      a2 = bias[c + 2];
      a3 = bias[c + 3];
    }
    b0 = a0;
    b1 = a1;
    b2 = a2;
    b3 = a3;
    if (fw == 3) {
      for (ky = 0; ky < rows; ++ky) {
        uint32_t wv = ts_dsp_load4(wr), we = ts_dsp_sxtb16(wv), wo = ts_dsp_sxtb16_ror8(wv);
        TS_DW_MAC4(ts_dsp_load4(xr), we, wo, off2, a0, a1, a2, a3);
        TS_DW_MAC4(ts_dsp_load4(xr + dxb), we, wo, off2, b0, b1, b2, b3);
        TS_DW_BARRIER();
        wv = ts_dsp_load4(wr + C);
        we = ts_dsp_sxtb16(wv);
        wo = ts_dsp_sxtb16_ror8(wv);
        TS_DW_MAC4(ts_dsp_load4(xr + tap), we, wo, off2, a0, a1, a2, a3);
        TS_DW_MAC4(ts_dsp_load4(xr + dxb + tap), we, wo, off2, b0, b1, b2, b3);
        TS_DW_BARRIER();
        wv = ts_dsp_load4(wr + 2 * C);
        we = ts_dsp_sxtb16(wv);
        wo = ts_dsp_sxtb16_ror8(wv);
        TS_DW_MAC4(ts_dsp_load4(xr + 2 * tap), we, wo, off2, a0, a1, a2, a3);
        TS_DW_MAC4(ts_dsp_load4(xr + dxb + 2 * tap), we, wo, off2, b0, b1, b2, b3);
        TS_DW_BARRIER();
        xr += x_row;
        wr += w_row;
      }
    } else {
      for (ky = 0; ky < rows; ++ky) {
        const int8_t* xp = xr;
        const int8_t* wp = wr;
        for (kx = 0; kx < fw; ++kx) {
          const uint32_t wv = ts_dsp_load4(wp), we = ts_dsp_sxtb16(wv), wo = ts_dsp_sxtb16_ror8(wv);
          TS_DW_MAC4(ts_dsp_load4(xp), we, wo, off2, a0, a1, a2, a3);
          TS_DW_MAC4(ts_dsp_load4(xp + dxb), we, wo, off2, b0, b1, b2, b3);
          xp += tap;
          wp += C;
        }
        xr += x_row;
        wr += w_row;
      }
    }
    ts_dw_store4(d_a + c, p, c, a0, a1, a2, a3, 0);
    ts_dw_store4(d_b + c, p, c, b0, b1, b2, b3, 0);
  }
  if (c < C) {
    ts_dw_tail(p, x_a, x_row, w_base, rows, fw, bias, d_a, c);
    ts_dw_tail(p, x_a + dxb, x_row, w_base, rows, fw, bias, d_b, c);
  }
}

/* Output pixels per chunk of a channel run (their int32 sums sit on the stack): longer runs
 * spread each channel's set-up over more pixels (several rows of narrow outputs per call);
 * 64 rather than 32: whole shared-model depthwise layers -3 to -5% instructions on the
 * emulated Cortex-M4 (bench_dw_dsp), 128 more bytes of stack. */
#ifndef TS_DW_RUN
#define TS_DW_RUN 96
#endif

/* The requantization of a channel's runs (ts_dw_run3_body, ts_dw_run_wide): nrows runs of n
 * sums (sums[r * n + o], the offset term k still to add) into d0 + r * d_step + o * C, with
 * ts_rq_requant2 when `fast` (the sums are then doubled), SSAT as the clamp when the range is
 * [-128, 127], else the general ts_dsp_output. */
static inline __attribute__((always_inline)) void ts_dw_store_runs(const int32_t* sums, int32_t k, int32_t mult,
                                                                   int32_t sh, int32_t oo, int32_t lo, int32_t hi,
                                                                   int fast, int full_range, int8_t* d0, int32_t C,
                                                                   int32_t n, int32_t nrows, int32_t d_step) {
  const int32_t* sp = sums;
  int32_t r, o;
  for (r = 0; r < nrows; ++r) {
    int8_t* dst = d0 + r * d_step;
    if (fast && full_range) {
      const int32_t pow2_e = (int32_t)1 << -sh, e1 = 1 - sh;
      for (o = 0; o < n; ++o) {
        const int32_t y = ts_rq_requant2((int32_t)((uint32_t)sp[o] + (uint32_t)k), mult, pow2_e, e1);
        *dst = (int8_t)ts_dsp_ssat8(y + oo);
        dst += C;
      }
    } else if (fast) {
      const int32_t pow2_e = (int32_t)1 << -sh, e1 = 1 - sh;
      for (o = 0; o < n; ++o) {
        const int32_t y = ts_rq_requant2((int32_t)((uint32_t)sp[o] + (uint32_t)k), mult, pow2_e, e1) + oo;
        *dst = (int8_t)(y < lo ? lo : (y > hi ? hi : y)); /* ts_clamp_i32's order */
        dst += C;
      }
    } else {
      for (o = 0; o < n; ++o) {
        *dst = ts_dsp_output((int32_t)((uint32_t)sp[o] + (uint32_t)k), mult, sh, oo, lo, hi);
        dst += C;
      }
    }
    sp += n;
  }
}

/* The constants of one output channel of the 3-tap runs for one set of tap rows, computed
 * once per chunk of channels and per call of the kernel (ts_dw_tab3) and loaded by every run
 * of the call (ts_dw_run3_body): 32 bytes.
 *  - W0 .. W3: the halfword pairs (w[0][0], w[0][1]), (w[1][0], w[1][1]), (w[2][0], w[2][1]),
 *    (w[0][2], w[1][2]) of the rows of taps (zero for rows beyond `rows`), times d;
 *  - W4: lane 0 d * w[2][2] (the runs multiply lane 0 only), lane 1 e1 = 1 - shift when the
 *    folded requantization below applies, else 0;
 *  - k = d * (bias + off * sum(w)) mod 2^32, the input offset's and the bias's term;
 *  - mult: the channel's multiplier; rc: with e1, 2^e + oo * 2^e1 (e = -shift, oo the output
 *    offset), else the shift.
 * d = 2 with e1 (the sums come out doubled for ts_rq_requant2), else 1. */
typedef struct {
  uint32_t W[5]; /* W0 .. W4 */
  int32_t k, mult, rc;
} ts_dw_ch3;

/* Whether a channel's requantization takes the folded form of ts_dw_tab3 (bias b, shift sh,
 * output offset oo): shifts 0 .. -21 with |oo| < 256, and -22 with oo in [-128, 127] (the
 * shift of channels whose weights are all zero in the shared models). */
static inline int ts_dw_folds(int32_t b, int32_t sh, int32_t oo) {
  return sh <= 0 && (sh >= -21 || (sh == -22 && oo >= -128 && oo <= 127)) && oo > -256 && oo < 256 &&
         b > -(1 << 29) + (1 << 19) && b < (1 << 29) - (1 << 19);
}

/* Table entry t of output channel c, tap rows [0, rows) of the weights at w_base (3 taps
 * wide), one channel at a time: the channels after the groups of four, and those whose
 * requantization does not fold (d = 1). */
__attribute__((noinline)) static void ts_dw_tab3_one(const ts_conv_params* p, const int8_t* w_base, int32_t rows,
                                                     const int32_t* bias, int32_t c, ts_dw_ch3* t) {
  const int32_t C = p->out_c, w_row = 3 * C, off = p->input_offset, oo = p->output_offset;
  const int8_t* w = w_base + c;
  const int32_t w00 = w[0], w01 = w[C], w02 = w[2 * C];
  const int32_t w10 = rows > 1 ? w[w_row] : 0, w11 = rows > 1 ? w[w_row + C] : 0;
  const int32_t w12 = rows > 1 ? w[w_row + 2 * C] : 0;
  const int32_t w20 = rows > 2 ? w[2 * w_row] : 0, w21 = rows > 2 ? w[2 * w_row + C] : 0;
  const int32_t w22 = rows > 2 ? w[2 * w_row + 2 * C] : 0;
  const int32_t b = bias ? bias[c] : 0, sh = p->output_shift[c];
  const int fast = ts_dw_folds(b, sh, oo);
  const int32_t d = fast ? 2 : 1;
  t->W[0] = ts_dsp_pack16(d * w00, d * w01);
  t->W[1] = ts_dsp_pack16(d * w10, d * w11);
  t->W[2] = ts_dsp_pack16(d * w20, d * w21);
  t->W[3] = ts_dsp_pack16(d * w02, d * w12);
  t->W[4] = ts_dsp_pack16(d * w22, fast ? 1 - sh : 0);
  t->k = (int32_t)((uint32_t)d *
                   ((uint32_t)b + (uint32_t)off * (uint32_t)(w00 + w01 + w02 + w10 + w11 + w12 + w20 + w21 + w22)));
  t->mult = p->output_multiplier[c];
  t->rc = fast ? (int32_t)(((uint32_t)1 << -sh) + ((uint32_t)oo << (1 - sh))) : sh;
}

/* The last part of the entries t[0 .. c1 - c0) of output channels [c0, c1) made by the groups
 * of four of ts_dw_tab3, whose W[0 .. 3] hold the doubled weights' pairs, W[4] lane 0 the
 * doubled w[2][2] (lane 1 zero) and k the sum of the doubled weights: lane 1 of W[4], k, mult
 * and rc of the folded requantization, one channel per pass with the call's constants in
 * registers; or the whole entry (ts_dw_tab3_one) when the channel's requantization does not
 * fold. */
__attribute__((noinline)) static void ts_dw_tab3_fin(const ts_conv_params* p, const int8_t* w_base, int32_t rows,
                                                     const int32_t* bias, int32_t c0, int32_t c1, ts_dw_ch3* t) {
  const int32_t* const shift = p->output_shift;
  const int32_t* const mult = p->output_multiplier;
  const int32_t oo = p->output_offset;
  const uint32_t off = (uint32_t)p->input_offset;
  /* ts_dw_folds: b + B in [0, 2B) with B = 2^29 - 2^19 - 1 (b in (-(2^29 - 2^19), 2^29 - 2^19)),
   * sh + 21 in [0, 21], the output offset checked once */
  const uint32_t bo = (1u << 29) - (1u << 19) - 1u, bspan = 2u * ((1u << 29) - (1u << 19)) - 1u;
  int32_t c;
  if (oo <= -256 || oo >= 256) {
    for (c = c0; c < c1; ++c, ++t) ts_dw_tab3_one(p, w_base, rows, bias, c, t);
    return;
  }
  for (c = c0; c < c1; ++c, ++t) {
    const int32_t b = bias ? bias[c] : 0, sh = shift[c];
    if ((uint32_t)(sh + 21) > 21u || (uint32_t)b + bo >= bspan) {
      ts_dw_tab3_one(p, w_base, rows, bias, c, t);
      continue;
    }
    t->W[4] |= (uint32_t)(1 - sh) << 16;
    t->k = (int32_t)((uint32_t)b * 2u + off * (uint32_t)t->k);
    t->mult = mult[c];
    t->rc = (int32_t)(((uint32_t)1 << -sh) + ((uint32_t)oo << (1 - sh)));
  }
}

/* Table entries t[0 .. c1 - c0) for output channels [c0, c1), tap rows [0, rows) of the
 * weights at w_base (3 taps wide). Four channels at a time: one 32-bit load brings a tap's
 * weights of channels c .. c + 3, SXTB16 / SXTB16 (ROR 8) split them into the halfword pairs
 * of (c, c + 2) and (c + 1, c + 3), SXTAB16 of the word onto those doubles them (|2w| <= 256),
 * PKHBT / PKHTB pair two taps' lanes into one channel's register, stored at once, SADD16
 * sums the nine taps of two channels at once (|sum| <= 9 * 256); entries whose
 * requantization does not fold are redone one at a time (ts_dw_tab3_one).
 *
 * The folded requantization: with the doubled sum x2 = 2 * acc, |acc| < 2^29, and a shift
 * -e in [-30, 0], ts_rq_requant2(x2, m, 2^e, e1) + oo = ((2h + 2^e + (h >> 31)) >> e1) + oo
 * with h = SMMULR(x2, m), and (X >> e1) + oo = (X + oo * 2^e1) >> e1 exactly (an arithmetic
 * shift is floor division by 2^e1, and adding a multiple of the divisor adds its quotient), so
 * the output is (2h + rc + (h >> 31)) >> e1 with rc = 2^e + oo * 2^e1 provided the sum does not
 * overflow: |h| <= |acc| < 2^29 (|m| <= 2^31 and SMMULR rounds to nearest, acc an integer),
 * so |2h + (h >> 31)| < 2^30, and e <= 21 with |oo| < 256 keeps |rc| <= 2^21 + 255 * 2^22 <
 * 2^30, as does e = 22 with oo in [-128, 127] (rc in [2^22 - 2^30, 255 * 2^22]), so the sum
 * stays below 2^31 in magnitude. |acc| < 2^29 holds when |bias| < 2^29 - 2^19:
 * |sum(w * (x + off))| <= 9 * 128 * 255 < 2^19. Otherwise (e > 21, |oo| >= 256, large
 * biases: not in the shared models) the general ts_dsp_output with d = 1. Checked against the
 * portable kernel at the edges by tests/test_kernels_dsp_dw_setup.cc. */
static void ts_dw_tab3(const ts_conv_params* p, const int8_t* w_base, int32_t rows, const int32_t* bias, int32_t c0,
                       int32_t c1, ts_dw_ch3* t) {
  const int32_t C = p->out_c, w_row = 3 * C;
  int32_t c = c0;
  for (; c + 4 <= c1; c += 4, t += 4) {
    const int8_t* w = w_base + c;
    uint32_t q, e, o, Ea, Oa, Eb, Ob, SE = 0, SO = 0, E2[3] = {0, 0, 0}, O2[3] = {0, 0, 0};
    int32_t r;
#define TS_DW_TAP(ptr, E, O)       \
  do {                             \
    q = ts_dsp_load4(ptr);         \
    e = ts_dsp_sxtb16(q);          \
    o = ts_dsp_sxtb16_ror8(q);     \
    E = ts_dsp_sxtab16(e, q);      \
    O = ts_dsp_sxtab16_ror8(o, q); \
  } while (0)
#pragma GCC unroll 3
    for (r = 0; r < 3; ++r) { /* columns 0 and 1 of row r into W[r]; column 2 kept */
      Ea = Oa = Eb = Ob = 0;
      if (r < rows) {
        const int8_t* wr = w + r * w_row;
        TS_DW_TAP(wr, Ea, Oa);
        TS_DW_TAP(wr + C, Eb, Ob);
        TS_DW_TAP(wr + 2 * C, E2[r], O2[r]);
        SE = ts_dw_sadd16(SE, ts_dw_sadd16(ts_dw_sadd16(Ea, Eb), E2[r]));
        SO = ts_dw_sadd16(SO, ts_dw_sadd16(ts_dw_sadd16(Oa, Ob), O2[r]));
      }
      t[0].W[r] = ts_dw_pack_lo(Ea, Eb);
      t[1].W[r] = ts_dw_pack_lo(Oa, Ob);
      t[2].W[r] = ts_dw_pack_hi(Ea, Eb);
      t[3].W[r] = ts_dw_pack_hi(Oa, Ob);
    }
#undef TS_DW_TAP
    t[0].W[3] = ts_dw_pack_lo(E2[0], E2[1]);
    t[1].W[3] = ts_dw_pack_lo(O2[0], O2[1]);
    t[2].W[3] = ts_dw_pack_hi(E2[0], E2[1]);
    t[3].W[3] = ts_dw_pack_hi(O2[0], O2[1]);
    t[0].W[4] = E2[2] & 0xffffu;
    t[1].W[4] = O2[2] & 0xffffu;
    t[2].W[4] = E2[2] >> 16;
    t[3].W[4] = O2[2] >> 16;
    t[0].k = (int32_t)(int16_t)(SE & 0xffffu);
    t[1].k = (int32_t)(int16_t)(SO & 0xffffu);
    t[2].k = (int32_t)SE >> 16;
    t[3].k = (int32_t)SO >> 16;
  }
  if (c > c0) ts_dw_tab3_fin(p, w_base, rows, bias, c0, c, t - (c - c0));
  for (; c < c1; ++c, ++t) ts_dw_tab3_one(p, w_base, rows, bias, c, t);
}

/* The requantization of a channel's runs from its table entry t when it does not fold (see
 * ts_dw_store3): ts_dsp_output. */
__attribute__((noinline)) static void ts_dw_store3_general(const int32_t* sp, const ts_dw_ch3* t,
                                                           const ts_conv_params* p, int8_t* d0, int32_t C, int32_t n,
                                                           int32_t nrows, int32_t d_step) {
  const int32_t k = t->k, mult = t->mult, sh = t->rc, oo = p->output_offset, lo = p->act_min, hi = p->act_max;
  int32_t r, o;
  for (r = 0; r < nrows; ++r, sp += n) {
    int8_t* dst = d0 + r * d_step;
    for (o = 0; o < n; ++o, dst += C) *dst = ts_dsp_output((int32_t)((uint32_t)sp[o] + (uint32_t)k), mult, sh, oo, lo, hi);
  }
}

/* One folded output (ts_dw_tab3) of sum s before the clamp: h = SMMULR(s + k, m), then
 * (rc + (h >> 31) + 2h) >> e1 (ADD with ASR #31, ADD with LSL #1, ASR). */
static inline __attribute__((always_inline)) int32_t ts_dw_folded(int32_t s, int32_t k, int32_t mult, int32_t rc,
                                                                  int32_t e1) {
  const int32_t h = ts_rq_smmulr((int32_t)((uint32_t)s + (uint32_t)k), mult);
  return (int32_t)((uint32_t)ts_dw_add_sign(rc, h) + (uint32_t)h * 2u) >> e1;
}

/* The requantization of a channel's runs from its table entry t: nrows runs of n sums
 * (sums[r * n + o], t->k still to add) into d0 + r * d_step + o * C; the folded form of
 * ts_dw_tab3 when t has it, two outputs per step (SSAT as the clamp when the range is
 * [-128, 127]: 10 instructions per output byte, was 13), else ts_dw_store3_general. */
static inline __attribute__((always_inline)) void ts_dw_store3(const int32_t* sp, const ts_dw_ch3* t,
                                                               const ts_conv_params* p, int full_range, int8_t* d0,
                                                               int32_t C, int32_t n, int32_t nrows, int32_t d_step) {
  const int32_t e1 = (int32_t)(t->W[4] >> 16), k = t->k, mult = t->mult, rc = t->rc;
  int32_t r;
  if (!e1) {
    ts_dw_store3_general(sp, t, p, d0, C, n, nrows, d_step);
    return;
  }
  for (r = 0; r < nrows; ++r) {
    int8_t* dst = d0 + r * d_step;
    const int32_t* const end = sp + (n & ~1);
    if (full_range) {
      for (; sp != end; sp += 2) {
        const int32_t s0 = sp[0], s1 = sp[1];
        dst[0] = (int8_t)ts_dsp_ssat8(ts_dw_folded(s0, k, mult, rc, e1));
        dst[C] = (int8_t)ts_dsp_ssat8(ts_dw_folded(s1, k, mult, rc, e1));
        dst += 2 * C;
      }
      if (n & 1) *dst = (int8_t)ts_dsp_ssat8(ts_dw_folded(*sp++, k, mult, rc, e1));
    } else {
      const int32_t lo = p->act_min, hi = p->act_max;
      for (; sp != end; sp += 2) {
        const int32_t y0 = ts_dw_folded(sp[0], k, mult, rc, e1), y1 = ts_dw_folded(sp[1], k, mult, rc, e1);
        dst[0] = (int8_t)(y0 < lo ? lo : (y0 > hi ? hi : y0)); /* ts_clamp_i32's order */
        dst[C] = (int8_t)(y1 < lo ? lo : (y1 > hi ? hi : y1));
        dst += 2 * C;
      }
      if (n & 1) {
        const int32_t y = ts_dw_folded(*sp, k, mult, rc, e1);
        *dst = (int8_t)(y < lo ? lo : (y > hi ? hi : y));
        ++sp;
      }
    }
  }
}

/* nrows runs (nrows * n <= TS_DW_RUN) of n horizontally adjacent output pixels of a filter 3
 * taps wide (dilation 1, stride 1 or 2, at most 3 rows of taps), output channels [c0, c1)
 * with their table entries t[0 .. c1 - c0) (ts_dw_tab3), one channel at a time. Every
 * column of taps lies inside the input except, when `lead`, the first column of pixel 0 and,
 * when `trail`, the last column of pixel n - 1 (one column of padding on either side). x0:
 * the input (channel 0) of the first column of pixel 0 that lies inside the input, row 0 of
 * the taps; input rows x_row bytes apart; rows (1..3) rows of taps; output pixel 0 (channel 0)
 * at d0. Run r (every run has the same rows of taps and columns) starts x_step input bytes
 * and d_step output bytes after run r - 1. Output channel c reads input channel
 * c / depth_multiplier. Only into an output that shares no byte with the input (each
 * channel's outputs are written before the next channel's inputs are read).
 *
 * A channel's nine weights sit in five registers as halfword pairs (ts_dw_ch3). With
 * `three` the column loops load three rows of taps; without, two (rows 1 or 2: with one, the
 * second row's loads repeat row 0 and meet zero weights), which the border rows take. Each input byte is loaded once
 * (LDRSB) and multiplies every weight it meets (SMLABB / SMLABT select the halfword), adding
 * to the partial sums of the two or three pixels it belongs to; the input offset enters once
 * per channel as off * sum(w), with the bias: sum(w * (x + off)) + bias = sum(w * x) +
 * (off * sum(w) + bias) mod 2^32. A column of padding counts as input value -off (its taps
 * then add w * (-off + off) = 0). The run's sums are then requantized in a loop of their own
 * (ts_dw_store3). */
static inline __attribute__((always_inline)) void ts_dw_run3_body(
    const ts_conv_params* p, const int8_t* x0, int32_t x_row, const ts_dw_ch3* t, int32_t c0, int32_t c1,
    int32_t rows, int8_t* d0, int32_t n, int lead, int trail, int32_t nrows, int32_t x_step, int32_t d_step,
    const int three, int32_t* restrict sums) {
  const int32_t C = p->out_c, dm = p->depth_multiplier, col = p->in_c, off = p->input_offset;
  const int32_t r1 = rows > 1 ? x_row : 0;
  const int full_range = p->act_min == -128 && p->act_max == 127;
  const uint32_t vpad = (uint32_t)(-off); /* |off| <= 128: a halfword */
  int32_t c, o, ic = c0 / dm, m = c0 % dm, r;
  /* tap row 2 of the column at x, with three rows of taps (`three`, rows == 3), addressed
   * through r1 (ts_dw_ldrsb2: one register fewer in the column loops); without `three` (rows
   * 1 or 2, the tensor's border rows) no third row is loaded */
#define TS_DW_X2(x) ts_dw_ldrsb2((x), r1)
  for (c = c0; c < c1; ++c, ++t) {
    const uint32_t W0 = t->W[0], W1 = t->W[1], W2 = t->W[2], W3 = t->W[3], W4 = t->W[4];
    for (r = 0; r < nrows; ++r) {
      int32_t* const row_sums = sums + r * n;
      const int8_t* xp = x0 + ic + r * x_step;
      uint32_t v;
      int32_t pa = 0;
      /* column 0 of pixel 0 */
      if (lead) {
        pa = ts_dsp_smlabb(vpad, W0, pa);
        pa = ts_dsp_smlabb(vpad, W1, pa);
        if (three) pa = ts_dsp_smlabb(vpad, W2, pa);
      } else {
        v = (uint32_t)(int32_t)xp[0];
        pa = ts_dsp_smulbb(v, W0);
        v = (uint32_t)(int32_t)xp[r1];
        pa = ts_dsp_smlabb(v, W1, pa);
        if (three) {
          v = TS_DW_X2(xp);
          pa = ts_dsp_smlabb(v, W2, pa);
        }
        xp += col;
      }
      if (p->stride_w == 1) {
        int32_t pb, pc;
        v = (uint32_t)(int32_t)xp[0]; /* column 1 of pixel 0, 0 of pixel 1 */
        pa = ts_dsp_smlabt(v, W0, pa);
        pb = ts_dsp_smulbb(v, W0);
        v = (uint32_t)(int32_t)xp[r1];
        pa = ts_dsp_smlabt(v, W1, pa);
        pb = ts_dsp_smlabb(v, W1, pb);
        if (three) {
          v = TS_DW_X2(xp);
          pa = ts_dsp_smlabt(v, W2, pa);
          pb = ts_dsp_smlabb(v, W2, pb);
        }
        xp += col;
        for (o = 0; o < n - trail; ++o) { /* column o + 2: tap 2 of pixel o, 1 of o + 1, 0 of o + 2 */
          v = (uint32_t)(int32_t)xp[0];
          pa = ts_dsp_smlabb(v, W3, pa);
          pb = ts_dsp_smlabt(v, W0, pb);
          pc = ts_dsp_smulbb(v, W0);
          v = (uint32_t)(int32_t)xp[r1];
          pa = ts_dsp_smlabt(v, W3, pa);
          pb = ts_dsp_smlabt(v, W1, pb);
          pc = ts_dsp_smlabb(v, W1, pc);
          if (three) {
            v = TS_DW_X2(xp);
            pa = ts_dsp_smlabb(v, W4, pa);
            pb = ts_dsp_smlabt(v, W2, pb);
            pc = ts_dsp_smlabb(v, W2, pc);
          }
          row_sums[o] = pa;
          pa = pb;
          pb = pc;
          xp += col;
        }
      } else { /* stride 2 */
        int32_t pn;
        for (o = 0; o < n - trail; ++o) {
          v = (uint32_t)(int32_t)xp[0]; /* column 2o + 1: tap 1 of pixel o */
          pa = ts_dsp_smlabt(v, W0, pa);
          v = (uint32_t)(int32_t)xp[r1];
          pa = ts_dsp_smlabt(v, W1, pa);
          if (three) {
            v = TS_DW_X2(xp);
            pa = ts_dsp_smlabt(v, W2, pa);
          }
          xp += col;
          v = (uint32_t)(int32_t)xp[0]; /* column 2o + 2: tap 2 of pixel o, tap 0 of pixel o + 1 */
          pa = ts_dsp_smlabb(v, W3, pa);
          pn = ts_dsp_smulbb(v, W0);
          v = (uint32_t)(int32_t)xp[r1];
          pa = ts_dsp_smlabt(v, W3, pa);
          pn = ts_dsp_smlabb(v, W1, pn);
          if (three) {
            v = TS_DW_X2(xp);
            pa = ts_dsp_smlabb(v, W4, pa);
            pn = ts_dsp_smlabb(v, W2, pn);
          }
          xp += col;
          row_sums[o] = pa;
          pa = pn;
        }
        if (trail) { /* column 2o + 1 of the last pixel */
          v = (uint32_t)(int32_t)xp[0];
          pa = ts_dsp_smlabt(v, W0, pa);
          v = (uint32_t)(int32_t)xp[r1];
          pa = ts_dsp_smlabt(v, W1, pa);
          if (three) {
            v = TS_DW_X2(xp);
            pa = ts_dsp_smlabt(v, W2, pa);
          }
        }
      }
      if (trail) { /* the last pixel's column 2 is padding */
        pa = ts_dsp_smlabb(vpad, W3, pa);
        pa = ts_dsp_smlabt(vpad, W3, pa);
        if (three) pa = ts_dsp_smlabb(vpad, W4, pa);
        row_sums[n - 1] = pa;
      }
    }
    ts_dw_store3(sums, t, p, full_range, d0 + c, C, n, nrows, d_step);
    if (++m == dm) {
      m = 0;
      ++ic;
    }
  }
}

#undef TS_DW_X2

/* ts_dw_run3_body for one run (nrows == 1: the compiler drops the loop over runs), and for
 * several; each for three rows of taps (the third row's loads addressed through the second's
 * offset) and for fewer (border rows). */
__attribute__((noinline)) static void ts_dw_run3_one(const ts_conv_params* p, const int8_t* x0, int32_t x_row,
                                                     const ts_dw_ch3* t, int32_t c0, int32_t c1, int32_t rows,
                                                     int8_t* d0, int32_t n, int lead, int trail, int32_t* sums) {
  ts_dw_run3_body(p, x0, x_row, t, c0, c1, rows, d0, n, lead, trail, 1, 0, 0, 0, sums);
}
__attribute__((noinline)) static void ts_dw_run3_one3(const ts_conv_params* p, const int8_t* x0, int32_t x_row,
                                                      const ts_dw_ch3* t, int32_t c0, int32_t c1, int8_t* d0,
                                                      int32_t n, int lead, int trail, int32_t* sums) {
  ts_dw_run3_body(p, x0, x_row, t, c0, c1, 3, d0, n, lead, trail, 1, 0, 0, 1, sums);
}
__attribute__((noinline)) static void ts_dw_run3_rows(const ts_conv_params* p, const int8_t* x0, int32_t x_row,
                                                      const ts_dw_ch3* t, int32_t c0, int32_t c1, int32_t rows,
                                                      int8_t* d0, int32_t n, int lead, int trail, int32_t nrows,
                                                      int32_t x_step, int32_t d_step, int32_t* sums) {
  ts_dw_run3_body(p, x0, x_row, t, c0, c1, rows, d0, n, lead, trail, nrows, x_step, d_step, 0, sums);
}
__attribute__((noinline)) static void ts_dw_run3_rows3(const ts_conv_params* p, const int8_t* x0, int32_t x_row,
                                                       const ts_dw_ch3* t, int32_t c0, int32_t c1, int8_t* d0,
                                                       int32_t n, int lead, int trail, int32_t nrows,
                                                       int32_t x_step, int32_t d_step, int32_t* sums) {
  ts_dw_run3_body(p, x0, x_row, t, c0, c1, 3, d0, n, lead, trail, nrows, x_step, d_step, 1, sums);
}

/* Rows of taps of a wide filter (fw = 5 or 7, dilation 1, stride s = 1 or 2) for a run of
 * output pixels of one channel: sums[o] += sum over kx of w[kx] * x[(o * s + kx) * col] for
 * o < n, the weights of the row as halfword pairs (W0 = (w[0], w[1]), ..., W3 = w[6]). Two pixels at a time: their
 * fw + s columns are loaded once (LDRSB) and each meets the weights of both pixels. */
static inline __attribute__((always_inline)) void ts_dw_wide_row(const int8_t* xr, int32_t col, int32_t n,
                                                                 uint32_t W0, uint32_t W1, uint32_t W2, uint32_t W3,
                                                                 int32_t* sums, const int fw, const int s) {
  int32_t o;
#define TS_DW_WMAC(v, j, acc)                                                                          \
  do {                                                                                                 \
    const uint32_t w_ = (j) < 2 ? W0 : (j) < 4 ? W1 : (j) < 6 ? W2 : W3;                               \
    (acc) = ((j)&1) ? ts_dsp_smlabt((v), w_, (acc)) : ts_dsp_smlabb((v), w_, (acc));                   \
  } while (0)
  for (o = 0; o + 1 < n; o += 2) {
    const int8_t* t = xr + o * s * col;
    int32_t a = sums[o], b = sums[o + 1], j;
#pragma GCC unroll 16
    for (j = 0; j < fw + s; ++j) {
      const uint32_t v = (uint32_t)(int32_t)*t;
      t += col;
      if (j < fw) TS_DW_WMAC(v, j, a);
      if (j >= s && j - s < fw) TS_DW_WMAC(v, j - s, b);
    }
    sums[o] = a;
    sums[o + 1] = b;
  }
  if (o < n) {
    const int8_t* t = xr + o * s * col;
    int32_t a = sums[o], j;
#pragma GCC unroll 16
    for (j = 0; j < fw; ++j) {
      const uint32_t v = (uint32_t)(int32_t)*t;
      t += col;
      TS_DW_WMAC(v, j, a);
    }
    sums[o] = a;
  }
#undef TS_DW_WMAC
}

/* nrows runs (nrows * n <= TS_DW_RUN; run q starts x_step input and d_step output bytes
 * after run q - 1, with the same rows of taps) of n horizontally adjacent output pixels of a
 * filter 5 or 7 taps wide (dilation 1, stride 1 or 2), every tap column inside the input,
 * computed one output
 * channel at a time (only into an output that shares no byte with the input): x0 is the input
 * (channel 0) of pixel 0's tap (0, 0), input rows x_row bytes apart, w_base the weights of
 * tap row 0, rows the rows of taps; output pixel 0 at d0. The sums start at
 * off * sum(w) + bias (as in ts_dw_run3) and take one row of taps at a time
 * (ts_dw_wide_row); requantized as in ts_dw_run3. */
__attribute__((noinline)) static void ts_dw_run_wide(const ts_conv_params* p, const int8_t* x0, int32_t x_row,
                                                     const int8_t* w_base, int32_t rows, const int32_t* bias,
                                                     int8_t* d0, int32_t n, int32_t nrows, int32_t x_step,
                                                     int32_t d_step, int32_t* restrict sums) {
  const int32_t C = p->out_c, dm = p->depth_multiplier, col = p->in_c, fw = p->filter_w, w_row = fw * C;
  const int32_t off = p->input_offset, oo = p->output_offset, lo = p->act_min, hi = p->act_max;
  const int full_range = lo == -128 && hi == 127;
  const int s1 = p->stride_w == 1;
  int32_t c, o, r, q, ic = 0, m = 0;
  for (c = 0; c < C; ++c) {
    const int32_t b = bias ? bias[c] : 0, sh = p->output_shift[c];
    /* |sum(w * (x + off))| <= 49 * 128 * 255 < 2^21 */
    const int fast = sh <= 0 && sh >= -30 && b > -(1 << 29) + (1 << 21) && b < (1 << 29) - (1 << 21);
    const int32_t dsh = fast ? 1 : 0, d = 1 + dsh; /* the sums come out doubled for ts_rq_requant2 */
    int32_t wsum = 0, k;
    for (r = 0; r < rows; ++r) {
      const int8_t* w = w_base + r * w_row + c;
      const int32_t w0 = w[0], w1 = w[C], w2 = w[2 * C], w3 = w[3 * C], w4 = w[4 * C];
      const int32_t w5 = fw == 7 ? w[5 * C] : 0, w6 = fw == 7 ? w[6 * C] : 0;
      const uint32_t W0 = ts_dsp_pack16(w0 * d, w1 * d), W1 = ts_dsp_pack16(w2 * d, w3 * d);
      const uint32_t W2 = ts_dsp_pack16(w4 * d, w5 * d), W3 = (uint32_t)(w6 * d);
      wsum += w0 + w1 + w2 + w3 + w4 + w5 + w6;
      if (r == 0)
        for (o = 0; o < n * nrows; ++o) sums[o] = 0;
      for (q = 0; q < nrows; ++q) {
        const int8_t* xr = x0 + ic + r * x_row + q * x_step;
        int32_t* qs = sums + q * n;
        if (fw == 5) {
          if (s1)
            ts_dw_wide_row(xr, col, n, W0, W1, W2, W3, qs, 5, 1);
          else
            ts_dw_wide_row(xr, col, n, W0, W1, W2, W3, qs, 5, 2);
        } else {
          if (s1)
            ts_dw_wide_row(xr, col, n, W0, W1, W2, W3, qs, 7, 1);
          else
            ts_dw_wide_row(xr, col, n, W0, W1, W2, W3, qs, 7, 2);
        }
      }
    }
    k = (int32_t)(((uint32_t)b + (uint32_t)off * (uint32_t)wsum) << dsh);
    ts_dw_store_runs(sums, k, p->output_multiplier[c], sh, oo, lo, hi, fast, full_range, d0 + c, C, n, nrows, d_step);
    if (++m == dm) {
      m = 0;
      ++ic;
    }
  }
}

/* One output pixel, depth multiplier dm a multiple of 4: for each input channel ic, output
 * channels ic * dm .. ic * dm + dm - 1 in groups of four. Taps as in ts_dw_pixel (x_base:
 * channel 0 of tap (0, 0) in an input of in_c channels). */
static void ts_dw_multiplier_pixel(const ts_conv_params* p, const int8_t* x_base, int32_t x_row,
                                   const int8_t* w_base, int32_t rows, int32_t cols, const int32_t* bias,
                                   int8_t* dst) {
  const int32_t in_c = p->in_c, dm = p->depth_multiplier, C = p->out_c;
  const int32_t tap = in_c * p->dilation_w, w_row = p->filter_w * C;
  const int32_t off = p->input_offset;
  int32_t ic, m;
  for (ic = 0; ic < in_c; ++ic) {
    for (m = 0; m < dm; m += 4) {
      const int32_t oc = ic * dm + m;
      int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, ky, kx;
      const int8_t* xr = x_base + ic;
      const int8_t* wr = w_base + oc;
      if (bias) {
        a0 = bias[oc];
        a1 = bias[oc + 1];
        a2 = bias[oc + 2];
        a3 = bias[oc + 3];
      }
      for (ky = 0; ky < rows; ++ky) {
        const int8_t* xp = xr;
        const int8_t* wp = wr;
        for (kx = 0; kx < cols; ++kx) {
          /* the input value (offset added, |x + off| <= 255) in the low halfword */
          const uint32_t xv = (uint32_t)((int32_t)*xp + off);
          const uint32_t wv = ts_dsp_load4(wp), we = ts_dsp_sxtb16(wv), wo = ts_dsp_sxtb16_ror8(wv);
          a0 = ts_dsp_smlabb(we, xv, a0);
          a2 = ts_dsp_smlatb(we, xv, a2);
          a1 = ts_dsp_smlabb(wo, xv, a1);
          a3 = ts_dsp_smlatb(wo, xv, a3);
          xp += tap;
          wp += C;
        }
        xr += x_row;
        wr += w_row;
      }
      ts_dw_store4(dst + oc, p, oc, a0, a1, a2, a3, 0);
    }
  }
}

/* Output pixels [x_from, x_to) of row oy (tap rows [ky0, ky0 + rows)) one at a time, or two
 * at a time in the interior when `pairs`. */
static void ts_dw_row(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int32_t* bias, ts_buf out,
                      int8_t* scratch, int overlap, int pairs, int32_t x_lo, int32_t x_hi, int32_t oy, int32_t ky0,
                      int32_t rows, int32_t x_from, int32_t x_to) {
  const int32_t in_c = p->in_c, C = p->out_c, fw = p->filter_w, sw = p->stride_w, dh = p->dilation_h;
  const int32_t dw = p->dilation_w, x_row = in.w * in_c * dh;
  const int32_t iy_origin = oy * p->stride_h - p->pad_top;
  const int8_t* w_rows = filter + (int64_t)ky0 * fw * C;
  const int via_scratch = overlap && scratch;
  int32_t ox = x_from;
  while (ox < x_to) {
    const int32_t ix_origin = ox * sw - p->pad_left;
    const int interior = ox >= x_lo && ox < x_hi;
    int32_t kx0 = 0, kx1 = fw;
    const int8_t* x_base;
    int8_t* dst;
    if (pairs && interior && ox + 1 < x_hi && ox + 1 < x_to && rows > 0) {
      x_base = TS_PIXEL(in, iy_origin + ky0 * dh, ix_origin, in_c);
      ts_dw_pair(p, x_base, sw * C, x_row, w_rows, rows, bias, TS_PIXEL(out, oy, ox, C), TS_PIXEL(out, oy, ox + 1, C));
      ox += 2;
      continue;
    }
    if (!interior) ts_valid_taps(ix_origin, dw, fw, p->in_w, &kx0, &kx1);
    x_base = kx0 < kx1 && rows > 0 ? TS_PIXEL(in, iy_origin + ky0 * dh, ix_origin + kx0 * dw, in_c) : in.data;
    dst = via_scratch ? scratch : TS_PIXEL(out, oy, ox, C);
    if (p->depth_multiplier != 1)
      ts_dw_multiplier_pixel(p, x_base, x_row, w_rows + kx0 * C, rows, kx1 - kx0, bias, dst);
    else
      ts_dw_pixel(p, x_base, x_row, w_rows + kx0 * C, rows, kx1 - kx0, bias, dst);
    if (via_scratch) memcpy(TS_PIXEL(out, oy, ox, C), scratch, (size_t)C);
    ++ox;
  }
}

/* The pixel path's table (ts_dw_px_*): per group of four output channels c .. c + 3, the
 * nine taps' weights as halfword pairs, doubled and sign-extended once per call (w[2t] =
 * (2w(c), 2w(c + 2)), w[2t + 1] = (2w(c + 1), 2w(c + 3)) for tap t = ky * 3 + kx), and each
 * channel's folded requantization (ts_dw_tab3: k = 2 * bias, the multiplier, rc = 2^e +
 * oo * 2^e1, e1 = 1 - shift): 136 bytes a group. */
typedef struct {
  uint32_t w[18];
  int32_t k[4], mr[4][2], e1[4]; /* mr[j]: channel j's multiplier and rc (one LDRD) */
} ts_dw_px4;

/* Table groups for output channels [c0, c1) (multiples of 4) of a 3x3 filter whose
 * channels' requantizations all fold (ts_dw_px_pays). Per group: one 32-bit load per tap,
 * SXTB16 / SXTB16 (ROR 8) and SXTAB16 of the word onto those (the doubling, |2w| <= 256). */
__attribute__((noinline)) static void ts_dw_px_tab(const ts_conv_params* p, const int8_t* filter, const int32_t* bias,
                                                   int32_t c0, int32_t c1, ts_dw_px4* t) {
  const int32_t C = p->out_c, oo = p->output_offset;
  int32_t c, j;
  for (c = c0; c < c1; c += 4, ++t) {
    const int8_t* w = filter + c;
    for (j = 0; j < 9; ++j, w += C) {
      const uint32_t q = ts_dsp_load4(w);
      t->w[2 * j] = ts_dsp_sxtab16(ts_dsp_sxtb16(q), q);
      t->w[2 * j + 1] = ts_dsp_sxtab16_ror8(ts_dsp_sxtb16_ror8(q), q);
    }
    for (j = 0; j < 4; ++j) {
      const int32_t sh = p->output_shift[c + j];
      t->k[j] = (int32_t)((uint32_t)(bias ? bias[c + j] : 0) * 2u);
      t->mr[j][0] = p->output_multiplier[c + j];
      t->mr[j][1] = (int32_t)(((uint32_t)1 << -sh) + ((uint32_t)oo << (1 - sh)));
      t->e1[j] = 1 - sh;
    }
  }
}

/* One row of three taps of the pixel path (ts_dw_px_body): the inputs of four channels at
 * xr, xr + C, xr + 2C, the table's weight pairs at w[0 .. 5]. On the device one block of
 * assembly (LDR, LDRD of the two weight pairs, SXTAB16 twice, four multiply-accumulates a
 * tap: 8 instructions, no register beyond the block's 12), which GCC otherwise spreads over
 * single loads and spills. */
#if TS_DSP_ASM
#define TS_DW_PX_TAP(xaddr, woff)                   \
  "ldr %[xv], " xaddr "\n\t"                       \
  "ldrd %[we], %[wo], [%[w], #" woff "]\n\t"       \
  "sxtab16 %[xe], %[o2], %[xv]\n\t"               \
  "sxtab16 %[xv], %[o2], %[xv], ror #8\n\t"       \
  "smlabb %[a0], %[xe], %[we], %[a0]\n\t"         \
  "smlatt %[a2], %[xe], %[we], %[a2]\n\t"         \
  "smlabb %[a1], %[xv], %[wo], %[a1]\n\t"         \
  "smlatt %[a3], %[xv], %[wo], %[a3]\n\t"
#define TS_DW_PX_ROW3(xr, C, wp, off2, a0, a1, a2, a3)                                                    \
  do {                                                                                                  \
    uint32_t xv_, xe_, we_, wo_;                                                                        \
    __asm__(TS_DW_PX_TAP("[%[x]]", "0") TS_DW_PX_TAP("[%[x], %[c]]", "8")                               \
                TS_DW_PX_TAP("[%[x], %[c], lsl #1]", "16")                                              \
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xv] "=&r"(xv_), [xe] "=&r"(xe_), \
              [we] "=&r"(we_), [wo] "=&r"(wo_)                                                          \
            : [x] "r"(xr), [c] "r"(C), [w] "r"(wp), [o2] "r"(off2)                                        \
            : "memory");                                                                                \
  } while (0)
#define TS_DW_PX_ROW2(xr, C, wp, off2, a0, a1, a2, a3)                                                    \
  do {                                                                                                  \
    uint32_t xv_, xe_, we_, wo_;                                                                        \
    __asm__(TS_DW_PX_TAP("[%[x]]", "0") TS_DW_PX_TAP("[%[x], %[c]]", "8")                               \
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [xv] "=&r"(xv_), [xe] "=&r"(xe_), \
              [we] "=&r"(we_), [wo] "=&r"(wo_)                                                          \
            : [x] "r"(xr), [c] "r"(C), [w] "r"(wp), [o2] "r"(off2)                                        \
            : "memory");                                                                                \
  } while (0)
/* All nine taps of a group (ts_dw_px_body with three rows of three columns), the sums
 * starting from the table's k: 13 registers, the input pointer stepped by x_row between the
 * rows of taps. */
#define TS_DW_PX_PIX3(xp, C, x_row, wp, off2, a0, a1, a2, a3)                                            \
  do {                                                                                                  \
    uint32_t xv_, xe_, we_, wo_;                                                                        \
    const int8_t* x_ = (xp);                                                                            \
    __asm__("ldrd %[a0], %[a1], [%[w], #72]\n\t"                                                       \
            "ldrd %[a2], %[a3], [%[w], #80]\n\t"                                                       \
            TS_DW_PX_TAP("[%[x]]", "0") TS_DW_PX_TAP("[%[x], %[c]]", "8")                               \
            TS_DW_PX_TAP("[%[x], %[c], lsl #1]", "16")                                                  \
            "add %[x], %[x], %[r]\n\t"                                                                  \
            TS_DW_PX_TAP("[%[x]]", "24") TS_DW_PX_TAP("[%[x], %[c]]", "32")                             \
            TS_DW_PX_TAP("[%[x], %[c], lsl #1]", "40")                                                  \
            "add %[x], %[x], %[r]\n\t"                                                                  \
            TS_DW_PX_TAP("[%[x]]", "48") TS_DW_PX_TAP("[%[x], %[c]]", "56")                             \
            TS_DW_PX_TAP("[%[x], %[c], lsl #1]", "64")                                                  \
            : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3), [xv] "=&r"(xv_),            \
              [xe] "=&r"(xe_), [we] "=&r"(we_), [wo] "=&r"(wo_), [x] "+r"(x_)                            \
            : [c] "r"(C), [r] "r"(x_row), [w] "r"(wp), [o2] "r"(off2)                                    \
            : "memory");                                                                                \
  } while (0)
#else
#define TS_DW_PX_PIX3(xp, C, x_row, wp, off2, a0, a1, a2, a3)               \
  do {                                                                     \
    const int8_t* x_ = (xp);                                               \
    const ts_dw_px4* t_ = (const ts_dw_px4*)(const void*)(wp);             \
    a0 = t_->k[0];                                                         \
    a1 = t_->k[1];                                                         \
    a2 = t_->k[2];                                                         \
    a3 = t_->k[3];                                                         \
    TS_DW_PX_ROW3(x_, C, t_->w, off2, a0, a1, a2, a3);                      \
    TS_DW_PX_ROW3(x_ + (x_row), C, t_->w + 6, off2, a0, a1, a2, a3);        \
    TS_DW_PX_ROW3(x_ + 2 * (x_row), C, t_->w + 12, off2, a0, a1, a2, a3);   \
  } while (0)
#define TS_DW_PX_ROW2(xr, C, wp, off2, a0, a1, a2, a3)                       \
  do {                                                                     \
    TS_DW_MAC4(ts_dsp_load4(xr), (wp)[0], (wp)[1], off2, a0, a1, a2, a3);         \
    TS_DW_MAC4(ts_dsp_load4((xr) + (C)), (wp)[2], (wp)[3], off2, a0, a1, a2, a3); \
  } while (0)
#define TS_DW_PX_ROW3(xr, C, wp, off2, a0, a1, a2, a3)                       \
  do {                                                                     \
    TS_DW_MAC4(ts_dsp_load4(xr), (wp)[0], (wp)[1], off2, a0, a1, a2, a3);         \
    TS_DW_MAC4(ts_dsp_load4((xr) + (C)), (wp)[2], (wp)[3], off2, a0, a1, a2, a3); \
    TS_DW_MAC4(ts_dsp_load4((xr) + 2 * (C)), (wp)[4], (wp)[5], off2, a0, a1, a2, a3); \
  } while (0)
#endif

#if TS_DSP_ASM
/* The four output bytes of a group with the range [-128, 127] (ts_dw_px_out with `full`):
 * per byte LDRD of the multiplier and rc, LDR of e1, SMMULR, ADD (ASR #31), ADD (LSL #1),
 * ASR, SSAT, STRB. Offsets: mr at 88 + 8j, e1 at 120 + 4j (ts_dw_px4). Volatile: its only
 * effect is the stores. */
#define TS_DW_PX_OUT1(a, mr, e1, j)                   \
  "ldrd %[m], %[r], [%[t], #" mr "]\n\t"              \
  "ldr %[e], [%[t], #" e1 "]\n\t"                      \
  "smmulr %[m], %[" a "], %[m]\n\t"                    \
  "add %[r], %[r], %[m], asr #31\n\t"                 \
  "add %[r], %[r], %[m], lsl #1\n\t"                  \
  "asr %[r], %[r], %[e]\n\t"                          \
  "ssat %[r], #8, %[r]\n\t"                           \
  "strb %[r], [%[d], #" j "]\n\t"
#define TS_DW_PX_STORE4(tp, dp, a0, a1, a2, a3)                                                         \
  do {                                                                                               \
    int32_t m_, r_, e_;                                                                              \
    __asm__ volatile(TS_DW_PX_OUT1("a0", "88", "120", "0") TS_DW_PX_OUT1("a1", "96", "124", "1")                \
                TS_DW_PX_OUT1("a2", "104", "128", "2") TS_DW_PX_OUT1("a3", "112", "132", "3")          \
            : [m] "=&r"(m_), [r] "=&r"(r_), [e] "=&r"(e_)                                             \
            : [a0] "r"(a0), [a1] "r"(a1), [a2] "r"(a2), [a3] "r"(a3), [t] "r"(tp), [d] "r"(dp)          \
            : "memory");                                                                             \
  } while (0)
#endif

/* One folded output byte (ts_dw_tab3's form) of the doubled sum a of channel j of group t. */
static inline __attribute__((always_inline)) int8_t ts_dw_px_out(int32_t a, const ts_dw_px4* t, int j, int full,
                                                                 int32_t lo, int32_t hi) {
  const int32_t h = ts_rq_smmulr(a, t->mr[j][0]);
  const int32_t y = (int32_t)((uint32_t)ts_dw_add_sign(t->mr[j][1], h) + (uint32_t)h * 2u) >> t->e1[j];
  if (full) return (int8_t)ts_dsp_ssat8(y);
  return (int8_t)(y < lo ? lo : (y > hi ? hi : y)); /* ts_clamp_i32's order */
}

/* n output pixels of one row, channel groups [0, ng) of table t: pixel o's tap (ky0, kx0)
 * (channel 0 of the group's chunk) at x0 + o * xstep, taps ky0 .. ky0 + rows - 1 (input rows
 * x_row bytes apart), kx0 .. kx0 + cols - 1 (C bytes apart); output pixel o at d0 + o * C.
 * Per group of four channels and pixel: the group's reads (one 32-bit load a tap, SXTAB16 /
 * SXTAB16 (ROR 8) adding the input offset, SMLABB / SMLATT with the doubled weights), then
 * its four output bytes: each output byte is written after every input byte of its own
 * pixel and group is read. `three`: rows == cols == 3 (unrolled). */
static inline __attribute__((always_inline)) void ts_dw_px_body(const int8_t* x0, int32_t n, int32_t xstep, int32_t C,
                                                                int32_t x_row, const ts_dw_px4* t, int32_t ng,
                                                                int32_t ky0, int32_t kx0, int32_t rows, int32_t cols,
                                                                uint32_t off2, int8_t* d0, int32_t lo, int32_t hi,
                                                                int8_t* scratch, const int three) {
  const int full = lo == -128 && hi == 127;
  const int32_t wo = 2 * (ky0 * 3 + kx0);
  const ts_dw_px4* const tend = t + ng;
  int8_t* const dend = d0 + (int64_t)n * C;
  for (; d0 != dend; x0 += xstep, d0 += C) {
    const ts_dw_px4* tg = t;
    const int8_t* x = x0;
    int8_t* d = scratch ? scratch : d0;
    for (; tg != tend; ++tg, x += 4, d += 4) {
      const uint32_t* const w0 = tg->w + wo;
      int32_t a0, a1, a2, a3;
      if (three) {
        TS_DW_PX_PIX3(x, C, x_row, tg->w, off2, a0, a1, a2, a3);
      } else {
        a0 = tg->k[0];
        a1 = tg->k[1];
        a2 = tg->k[2];
        a3 = tg->k[3]; /* rows and cols 0 .. 3: each row of taps written out */
#define TS_DW_PX_ROWN(xr, w)                                \
  do {                                                      \
    if (cols == 3)                                          \
      TS_DW_PX_ROW3(xr, C, w, off2, a0, a1, a2, a3);        \
    else if (cols == 2)                                     \
      TS_DW_PX_ROW2(xr, C, w, off2, a0, a1, a2, a3);        \
    else if (cols == 1)                                     \
      TS_DW_MAC4(ts_dsp_load4(xr), (w)[0], (w)[1], off2, a0, a1, a2, a3); \
  } while (0)
        if (rows > 0) TS_DW_PX_ROWN(x, w0);
        if (rows > 1) TS_DW_PX_ROWN(x + x_row, w0 + 6);
        if (rows > 2) TS_DW_PX_ROWN(x + 2 * x_row, w0 + 12);
#undef TS_DW_PX_ROWN
      }
#if TS_DSP_ASM
      if (full) {
        TS_DW_PX_STORE4(tg, d, a0, a1, a2, a3);
        continue;
      }
#endif
      d[0] = ts_dw_px_out(a0, tg, 0, full, lo, hi);
      d[1] = ts_dw_px_out(a1, tg, 1, full, lo, hi);
      d[2] = ts_dw_px_out(a2, tg, 2, full, lo, hi);
      d[3] = ts_dw_px_out(a3, tg, 3, full, lo, hi);
    }
    if (scratch) memcpy(d0, scratch, (size_t)ng * 4u);
  }
}

__attribute__((noinline)) static void ts_dw_px_three(const int8_t* x0, int32_t n, int32_t xstep, int32_t C,
                                                     int32_t x_row, const ts_dw_px4* t, int32_t ng, uint32_t off2,
                                                     int8_t* d0, int32_t lo, int32_t hi, int8_t* scratch) {
  ts_dw_px_body(x0, n, xstep, C, x_row, t, ng, 0, 0, 3, 3, off2, d0, lo, hi, scratch, 1);
}
/* The border pixels' common cases: three rows of two columns (a column of padding), two rows
 * of three (a row of padding). */
__attribute__((noinline)) static void ts_dw_px_side(const int8_t* x0, int32_t n, int32_t xstep, int32_t C,
                                                    int32_t x_row, const ts_dw_px4* t, int32_t ng, int32_t kx0,
                                                    uint32_t off2, int8_t* d0, int32_t lo, int32_t hi,
                                                    int8_t* scratch) {
  ts_dw_px_body(x0, n, xstep, C, x_row, t, ng, 0, kx0, 3, 2, off2, d0, lo, hi, scratch, 0);
}
__attribute__((noinline)) static void ts_dw_px_edge(const int8_t* x0, int32_t n, int32_t xstep, int32_t C,
                                                    int32_t x_row, const ts_dw_px4* t, int32_t ng, int32_t ky0,
                                                    uint32_t off2, int8_t* d0, int32_t lo, int32_t hi,
                                                    int8_t* scratch) {
  ts_dw_px_body(x0, n, xstep, C, x_row, t, ng, ky0, 0, 2, 3, off2, d0, lo, hi, scratch, 0);
}
__attribute__((noinline)) static void ts_dw_px_some(const int8_t* x0, int32_t n, int32_t xstep, int32_t C,
                                                    int32_t x_row, const ts_dw_px4* t, int32_t ng, int32_t ky0,
                                                    int32_t kx0, int32_t rows, int32_t cols, uint32_t off2,
                                                    int8_t* d0, int32_t lo, int32_t hi, int8_t* scratch) {
  ts_dw_px_body(x0, n, xstep, C, x_row, t, ng, ky0, kx0, rows, cols, off2, d0, lo, hi, scratch, 0);
}

/* Output row oy, columns [x0, x1), channels [c0, c0 + 4 * ng) through the pixel path (its
 * table t holds those channels): the interior columns [x_lo, x_hi) in one call, the border
 * pixels one call each with their range of taps. */
static void ts_dw_px_row(const ts_conv_params* p, ts_cbuf in, ts_buf out, const ts_dw_px4* t, int32_t c0, int32_t ng,
                         int32_t x_lo, int32_t x_hi, int32_t oy, int32_t x0, int32_t x1, int8_t* scratch) {
  const int32_t C = p->out_c, sw = p->stride_w, x_row = in.w * C;
  const int32_t iy = oy * p->stride_h - p->pad_top;
  const uint32_t off2 = ts_dsp_dup16(p->input_offset);
  const int32_t lo = p->act_min, hi = p->act_max;
  int32_t ky0, ky1, ox = x0;
  ts_valid_taps(iy, 1, 3, p->in_h, &ky0, &ky1);
  while (ox < x1) {
    const int32_t ix = ox * sw - p->pad_left;
    if (ox >= x_lo && ox < x_hi) {
      const int32_t e = x_hi < x1 ? x_hi : x1;
      const int8_t* xb = TS_PIXEL(in, iy + ky0, ix, C) + c0;
      int8_t* d = TS_PIXEL(out, oy, ox, C) + c0;
      if (ky1 - ky0 == 3)
        ts_dw_px_three(xb, e - ox, sw * C, C, x_row, t, ng, off2, d, lo, hi, scratch);
      else if (ky1 - ky0 == 2)
        ts_dw_px_edge(xb, e - ox, sw * C, C, x_row, t, ng, ky0, off2, d, lo, hi, scratch);
      else
        ts_dw_px_some(xb, e - ox, sw * C, C, x_row, t, ng, ky0, 0, ky1 - ky0, 3, off2, d, lo, hi, scratch);
      ox = e;
    } else {
      int32_t kx0, kx1;
      ts_valid_taps(ix, 1, 3, p->in_w, &kx0, &kx1);
      if (ky1 - ky0 == 3 && kx1 - kx0 == 2)
        ts_dw_px_side(TS_PIXEL(in, iy, ix + kx0, C) + c0, 1, 0, C, x_row, t, ng, kx0, off2,
                      TS_PIXEL(out, oy, ox, C) + c0, lo, hi, scratch);
      else
        ts_dw_px_some(kx0 < kx1 && ky0 < ky1 ? TS_PIXEL(in, iy + ky0, ix + kx0, C) + c0 : in.data, 1, 0, C, x_row, t,
                    ng, ky0, kx0, ky1 - ky0, kx1 - kx0, off2, TS_PIXEL(out, oy, ox, C) + c0, lo, hi, scratch);
      ++ox;
    }
  }
}

/* Bytes of the stack buffer that takes the outputs while the output buffer shares bytes with
 * the input (see the top of this file): six rows of a 5-pixel, 64-channel window, one row of
 * 10 x 144 or 3 x 480, runs of 13 pixels of 144 channels. */
#ifndef TS_DW_OVL_BYTES
#define TS_DW_OVL_BYTES 1920
#endif
/* Table entries of the 3-tap runs (ts_dw_ch3, 32 bytes each) next to that buffer, for calls
 * whose buffers overlap; the others use the buffer too (TS_DW_OVL_BYTES / 32 + TS_DW_TAB_OVL
 * channels per table). */
#ifndef TS_DW_TAB_OVL
#define TS_DW_TAB_OVL 8
#endif

/* Whether a call takes the pixel path (ts_dw_px_row) rather than the runs: 3x3 filters,
 * dilation 1, depth multiplier 1, channels a multiple of 4, every channel's requantization
 * folding (ts_dw_folds); without overlap at least TS_DW_PX_MIN pixels in windows at most
 * TS_DW_PX_W1 columns wide (stride 1) or TS_DW_PX_W2 (other strides), at most
 * TS_DW_PX_MAX_CH channels; with the output
 * sharing bytes with the input, windows at most TS_DW_PX_OVL_W wide whose channels all fit
 * the table (TS_DW_PX_CH: one pixel at a time, all its channels, as the contract's order
 * wants). Measured on the emulated Cortex-M4 with bench/bench_dw_dsp against the runs (whole
 * layers, --grid 2 windows, overlap): 3x3 windows of 6x6x128 -40%, 6x6 windows of 12x12x64
 * -18%, 3x3 windows of 12x12x64 stride 2 -40%, kws_dscnn_int8's 25x5x64 whole -19%, in
 * windows -38%, overlapping -28%; whole 6x6x128 -21%, 12x12x64 -2%, 24x24x16 stride 2 -3%,
 * 12x12x64 overlapping -11%, 10- and 12-column windows of 20x20x48 and 24x24x32 -3% and
 * -0.5%; but 24x24x32 overlapping +3%, whole 20x20x48 +7%, 48x48x8 +30%: wider windows stay
 * with the runs. */
#ifndef TS_DW_PX_W1
#define TS_DW_PX_W1 12
#endif
#ifndef TS_DW_PX_W2
#define TS_DW_PX_W2 24
#endif
#ifndef TS_DW_PX_MIN
#define TS_DW_PX_MIN 6
#endif
#ifndef TS_DW_PX_OVL_W
#define TS_DW_PX_OVL_W 16
#endif
/* Most channels of a non-overlapping pixel-path call: with more, the table is rebuilt for
 * each of more than four chunks of TS_DW_PX_CH channels and the runs are as fast
 * (bench_dw_dsp, mcunet_vww1_80's 3x3x384 and 3x3x480 whole layers: totals whole / --grid 2
 * 8.447 / 9.417 -> 8.433 / 9.417M); at 192, person_detect's 3x3x256 whole layer would take
 * the runs, 4.2 -> 6.6 instructions per MAC. */
#ifndef TS_DW_PX_MAX_CH
#define TS_DW_PX_MAX_CH 256
#endif
/* Channels the pixel path's table holds in the stack buffer (ts_dw_px4: 136 bytes a group). */
#define TS_DW_PX_CH ((TS_DW_OVL_BYTES + TS_DW_TAB_OVL * 32) / 136 * 4)
/* The pixel path's conditions but the channels' folding (ts_dw_px_pays). */
static int ts_dw_px_fits(const ts_conv_params* p, int32_t win_w, int32_t win_h, int overlap) {
  const int32_t C = p->out_c, oo = p->output_offset;
  if (p->filter_w != 3 || p->filter_h != 3 || p->dilation_w != 1 || p->dilation_h != 1 ||
      p->depth_multiplier != 1 || C % 4 != 0 || oo <= -256 || oo >= 256)
    return 0;
  if (overlap) {
    if (C > TS_DW_PX_CH || win_w > TS_DW_PX_OVL_W) return 0;
  } else if (win_w * win_h < TS_DW_PX_MIN || win_w > (p->stride_w == 1 ? TS_DW_PX_W1 : TS_DW_PX_W2) ||
             C > TS_DW_PX_MAX_CH) {
    return 0;
  }
  return 1;
}

/* Whether every channel's requantization folds (ts_dw_folds). */
static int ts_dw_all_fold(const ts_conv_params* p, const int32_t* bias) {
  const int32_t oo = p->output_offset;
  int32_t c;
  for (c = 0; c < p->out_c; ++c)
    if (!ts_dw_folds(bias ? bias[c] : 0, p->output_shift[c], oo)) return 0;
  return 1;
}

static int ts_dw_px_pays(const ts_conv_params* p, const int32_t* bias, int32_t win_w, int32_t win_h, int overlap) {
  return ts_dw_px_fits(p, win_w, win_h, overlap) && ts_dw_all_fold(p, bias);
}

static inline int32_t ts_dw_clamp_run(int32_t n) { return n < 1 ? 1 : (n > TS_DW_RUN ? TS_DW_RUN : n); }

/* When the channel runs beat one pixel at a time (their set-up per channel is spread over
 * the call's pixels, and per row over the row's): 3-tap runs at least TS_DW_RUN3_MIN_N
 * pixels wide with at least TS_DW_RUN3_MIN pixels per call (TS_DW_RUN3_MIN_W2 when only two
 * wide), 5- and 7-tap runs with at least TS_DW_WIDE_MIN pixels per call. Measured on the
 * emulated Cortex-M4 with bench/bench_dw_dsp (whole outputs and --grid 2 windows): e.g. 3x3
 * outputs of 480 channels 9.5 -> 7.8 instructions per MAC, 3x3 windows of 6x6x128 8.5 -> 7.8,
 * 5x5 windows of a 5x5 filter over 10x10x120 6.2 -> 5.3; with the per-call table, runs two
 * and three pixels wide (they were four at least): kws_dscnn_int8's 25x5x64 layers in 2x2
 * windows (13 or 12 rows of 3 or 2 pixels) 8.4 -> 6.2 instructions per MAC, while 2x2
 * windows of 2x2 pixels stay faster one pixel at a time (5x5x240: 7.9 against 8.2). */
#ifndef TS_DW_RUN3_MIN
#define TS_DW_RUN3_MIN 4
#endif
#ifndef TS_DW_RUN3_MIN_N
#define TS_DW_RUN3_MIN_N 2
#endif
#ifndef TS_DW_RUN3_MIN_W2
#define TS_DW_RUN3_MIN_W2 8
#endif
#ifndef TS_DW_WIDE_MIN
#define TS_DW_WIDE_MIN 12
#endif

/* The runs over `width` columns of `nrows` rows, at most nmax pixels per call, pay. */
static inline int ts_dw_runs_pay(int wide, int32_t width, int32_t nrows, int32_t nmax) {
  const int32_t per = width < nmax ? nmax / width : 1;
  const int32_t px = width < nmax ? width * (nrows < per ? nrows : per) : nmax;
  if (wide) return px >= TS_DW_WIDE_MIN;
  return width >= TS_DW_RUN3_MIN_N && px >= (width >= 3 ? TS_DW_RUN3_MIN : TS_DW_RUN3_MIN_W2);
}

/* One call of the channel runs (output channels [c0, c1) of the 3-tap runs with their table
 * t; every channel for the wide ones): n pixels of each of k rows from output row y (input
 * row iy of the first tap row), column ox, into d0. */
__attribute__((noinline)) static void ts_dw_run_call(const ts_conv_params* p, ts_cbuf in,
                                                                 const int8_t* w_rows, const int32_t* bias,
                                                                 const ts_dw_ch3* t, int32_t c0, int32_t c1,
                                                                 int wide, int32_t x_lo, int32_t x_hi, int32_t iy,
                                                                 int32_t ox, int32_t n, int32_t k, int32_t rows,
                                                                 int8_t* d0, int32_t d_step, int32_t* sums) {
  const int32_t in_c = p->in_c, sw = p->stride_w;
  const int32_t x_row = in.w * in_c * p->dilation_h, x_step = p->stride_h * in.w * in_c;
  const int lead = ox < x_lo, trail = ox + n > x_hi;
  if (wide)
    ts_dw_run_wide(p, TS_PIXEL(in, iy, ox * sw - p->pad_left, in_c), x_row, w_rows, rows, bias, d0, n, k, x_step,
                   d_step, sums);
  else if (k == 1 && rows == 3)
    ts_dw_run3_one3(p, TS_PIXEL(in, iy, ox * sw - p->pad_left + lead, in_c), x_row, t, c0, c1, d0, n, lead, trail, sums);
  else if (k == 1)
    ts_dw_run3_one(p, TS_PIXEL(in, iy, ox * sw - p->pad_left + lead, in_c), x_row, t, c0, c1, rows, d0, n, lead,
                   trail, sums);
  else if (rows == 3)
    ts_dw_run3_rows3(p, TS_PIXEL(in, iy, ox * sw - p->pad_left + lead, in_c), x_row, t, c0, c1, d0, n, lead, trail,
                     k, x_step, d_step, sums);
  else
    ts_dw_run3_rows(p, TS_PIXEL(in, iy, ox * sw - p->pad_left + lead, in_c), x_row, t, c0, c1, rows, d0, n, lead,
                    trail, k, x_step, d_step, sums);
}

/* The channel runs over output columns [seg_lo, seg_hi) of rows [oy, oy + nrows) (same rows
 * of taps [ky0, ky0 + rows)), at most nmax pixels per call: rows are cut into runs of nearly
 * equal length, several whole rows per call when a row is narrower than nmax. The 3-tap
 * runs take their channels' constants from `tab` (room for tab_n channels), filled by
 * ts_dw_tab3 once per chunk of tab_n channels: without `obuf` the chunks are the outer loop
 * (every call of a chunk reuses its table; the output shares no byte with the input, so any
 * order is allowed). With `obuf` (nrows = 1, the output buffer overlapping the input), each
 * call computes all its channels (chunk by chunk, the table refilled per call unless it holds
 * every channel) into obuf (laid out like the output, pixel stride out_c; nmax * out_c <=
 * TS_DW_OVL_BYTES), and its pixels are then copied to the output: every read of the call
 * precedes every write, so no byte is read later or written earlier than in the contract's
 * pixel order. */
static inline __attribute__((always_inline)) void ts_dw_runs(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                                                             const int32_t* bias, ts_buf out, int wide, int32_t x_lo,
                                                             int32_t x_hi, int32_t seg_lo, int32_t seg_hi, int32_t oy,
                                                             int32_t nrows, int32_t ky0, int32_t rows, int32_t nmax,
                                                             int8_t* obuf, ts_dw_ch3* tab, int32_t tab_n,
                                                             int32_t* sums) {
  const int32_t C = p->out_c, d_step = out.w * C;
  const int8_t* w_rows = filter + (int64_t)ky0 * p->filter_w * C;
  const int32_t width = seg_hi - seg_lo;
  const int32_t per = width < nmax ? nmax / width : 1; /* rows per call */
  const int32_t chunks = (width + nmax - 1) / nmax;    /* calls per row */
  const int32_t chunk = wide ? C : tab_n;              /* channels per table */
  const int once = C <= chunk;
  int32_t r, c0 = 0, c1;
  if (once && !wide) ts_dw_tab3(p, w_rows, rows, bias, 0, C, tab);
  do { /* chunks of channels (once without obuf, or when the table holds every channel) */
    c1 = obuf || once ? C : (C - c0 < chunk ? C : c0 + chunk);
    if (!obuf && !once) ts_dw_tab3(p, w_rows, rows, bias, c0, c1, tab);
    for (r = 0; r < nrows; r += per) {
      const int32_t y = oy + r, iy = y * p->stride_h - p->pad_top + ky0 * p->dilation_h;
      /* (n and k clamped to what they are anyway: the compiler then knows their ranges in the
       * runs, whose loops it compiles better for it) */
      const int32_t k = ts_dw_clamp_run(nrows - r < per ? nrows - r : per);
      int32_t ox = seg_lo, left = chunks;
      for (; ox < seg_hi; --left) {
        const int32_t n = ts_dw_clamp_run((seg_hi - ox + left - 1) / left);
        if (!obuf) {
          ts_dw_run_call(p, in, w_rows, bias, tab, c0, c1, wide, x_lo, x_hi, iy, ox, n, k, rows,
                         TS_PIXEL(out, y, ox, C), d_step, sums);
        } else if (once) {
          ts_dw_run_call(p, in, w_rows, bias, tab, 0, C, wide, x_lo, x_hi, iy, ox, n, k, rows, obuf, d_step, sums);
          ts_dw_copy_out(TS_PIXEL(out, y, ox, C), obuf, n * C);
        } else {
          int32_t q0, q1;
          for (q0 = 0; q0 < C; q0 = q1) {
            q1 = C - q0 < chunk ? C : q0 + chunk;
            ts_dw_tab3(p, w_rows, rows, bias, q0, q1, tab);
            ts_dw_run_call(p, in, w_rows, bias, tab, q0, q1, wide, x_lo, x_hi, iy, ox, n, k, rows, obuf, d_step,
                           sums);
          }
          ts_dw_copy_out(TS_PIXEL(out, y, ox, C), obuf, n * C);
        }
        ox += n;
      }
    }
    c0 = c1;
  } while (c0 < C);
}

/* Output rows [oy, oy + nrows) (same rows of taps) of columns [win.x0, win.x1) when the output
 * shares no byte with the input (out may then be a buffer of these rows only): border pixels
 * one at a time (or in pairs), then the runs over [seg_lo, seg_hi) if `runs`. */
static inline __attribute__((always_inline)) void ts_dw_rows(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int32_t* bias, ts_buf out,
                       ts_window win, int8_t* scratch, int pairs, int runs, int wide, int32_t x_lo, int32_t x_hi,
                       int32_t seg_lo, int32_t seg_hi, int32_t oy, int32_t nrows, int32_t ky0, int32_t rows,
                       ts_dw_ch3* tab, int32_t tab_n, int32_t* sums) {
  int32_t r;
  if (!runs || rows == 0 || !ts_dw_runs_pay(wide, seg_hi - seg_lo, nrows, TS_DW_RUN)) {
    for (r = 0; r < nrows; ++r)
      ts_dw_row(p, in, filter, bias, out, scratch, 0, pairs, x_lo, x_hi, oy + r, ky0, rows, win.x0, win.x1);
    return;
  }
  for (r = 0; r < nrows; ++r) {
    ts_dw_row(p, in, filter, bias, out, scratch, 0, pairs, x_lo, x_hi, oy + r, ky0, rows, win.x0, seg_lo);
    ts_dw_row(p, in, filter, bias, out, scratch, 0, pairs, x_lo, x_hi, oy + r, ky0, rows, seg_hi, win.x1);
  }
  ts_dw_runs(p, in, filter, bias, out, wide, x_lo, x_hi, seg_lo, seg_hi, oy, nrows, ky0, rows, TS_DW_RUN, 0, tab,
             tab_n, sums);
}

/* The workspace: the overlap buffer, then TS_DW_TAB_OVL table entries (without overlap, all
 * table), then the channel runs' TS_DW_RUN sums (words). */
#define TS_DW_BUF_WORDS (TS_DW_OVL_BYTES / 4 + TS_DW_TAB_OVL * (int32_t)(sizeof(ts_dw_ch3) / 4))
#define TS_DW_WS_WORDS (TS_DW_BUF_WORDS + TS_DW_RUN)

/* The workspace's layout for a call over a window (in words from its start; one function for
 * the kernel and ts_depthwise_conv2d_s8_workspace_bytes), whether or not the output shares
 * bytes with the input (known only at the call): with, one window row of staged outputs when
 * it fits in TS_DW_OVL_BYTES (else the runs' nmax pixels, the table then taking the rest of
 * the buffer, as the runs refill it per call), then the 3-tap table; without, the table from
 * the start. The table holds TS_DW_TAB_OVL channels at a time where its chunks are an outer
 * loop (each channel's constants are computed once per pass over the rows either way); the
 * pixel path's table (four channels an entry) from the start when that path may be taken; the
 * runs' TS_DW_RUN sums above the largest of these. Only the words a layer's channels and
 * window use, not the whole TS_DW_WS_WORDS. */
typedef struct {
  int32_t group, nmax;      /* overlapping calls: window rows staged at a time, or pixels when 0 */
  int32_t used;             /* overlapping calls: words of staged outputs (the table after them) */
  int32_t tab_ovl, tab_own; /* table entries: overlapping calls, the others */
  int32_t sums, words;      /* word offset of the sums; the whole layout */
} ts_dw_layout;

/* (folds: ts_dw_all_fold's answer when known, else -1) */
static void ts_dw_layout_of_k(const ts_conv_params* p, const int32_t* bias, int32_t win_w, int32_t win_h,
                              int folds, ts_dw_layout* l) {
  const int32_t C = p->out_c, e = (int32_t)(sizeof(ts_dw_ch3) / 4), q = (int32_t)(sizeof(ts_dw_px4) / 4);
  int32_t n, end, top;
  l->group = (int64_t)C * win_w <= TS_DW_OVL_BYTES ? 1 : 0;
  l->nmax = l->group || TS_DW_OVL_BYTES / C >= TS_DW_RUN ? TS_DW_RUN : TS_DW_OVL_BYTES / C;
  l->used = ((l->group ? win_w : l->nmax) * C + 3) / 4;
  n = (TS_DW_BUF_WORDS - l->used) / e; /* overlapping: the table after the staged outputs */
  if (l->group && n > TS_DW_TAB_OVL) n = TS_DW_TAB_OVL;
  l->tab_ovl = n;
  top = l->used + (C < n ? C : n) * e;
  l->tab_own = TS_DW_TAB_OVL; /* the table alone */
  end = (C < TS_DW_TAB_OVL ? C : TS_DW_TAB_OVL) * e;
  top = end > top ? end : top;
  if ((ts_dw_px_fits(p, win_w, win_h, 0) || ts_dw_px_fits(p, win_w, win_h, 1)) &&
      (folds >= 0 ? folds : ts_dw_all_fold(p, bias))) {
    n = TS_DW_BUF_WORDS / q * 4; /* the pixel path's */
    end = (C < n ? C : n) / 4 * q;
    top = end > top ? end : top;
  }
  l->sums = top;
  l->words = top + TS_DW_RUN;
}

static void ts_dw_layout_of(const ts_conv_params* p, const int32_t* bias, int32_t win_w, int32_t win_h,
                            ts_dw_layout* l) {
  ts_dw_layout_of_k(p, bias, win_w, win_h, -1, l);
}

/* The channel-plane path (ts_dw_pl_*): 3x3 filters, dilation 1, depth multiplier 1, strides
 * 1 or 2, the activation range [-128, 127], every channel's requantization folding
 * (ts_dw_folds), the output sharing no byte with the input (see the top of this file). */
/* When the path is taken: the longer side of the window (the minor axis) at least
 * TS_DW_PL_MIN_N outputs, strides 1, or also 2 with TS_DW_PL_S2 (measured with bench/bench_dw_dsp
 * --cycles, modelled Cortex-M4 cycles per MAC, this path against the others: kws_dscnn_int8's
 * 25x5x64 3.51 against 4.98; vww_96_int8's 48x48x8 3.32 / 3.84, 24x24x32 3.67 / 4.01, 12x12x64
 * 4.48 / 4.93, but 6x6x128 5.19 / 5.10, and at stride 2 48x48x16 5.87 / 5.29, 24x24x32 7.05 /
 * 5.15, 12x12x64 9.67 / 5.24: a stride-2 output needs four input bytes gathered, and its lines
 * are refilled and computed one call at a time). */
#ifndef TS_DW_PL_MIN_N
#define TS_DW_PL_MIN_N 6
#endif
#ifndef TS_DW_PL_MIN
#define TS_DW_PL_MIN 24 /* and at least this many outputs */
#endif
#ifndef TS_DW_PL_S2
#define TS_DW_PL_S2 0
#endif
/* Lines of the band: a whole window's input lines when they are at most this many, else a
 * ring of half as many, each line written twice. */
#define TS_DW_PL_SLOTS 8
/* Words of a block: two channels' slots (the second channel's from word TS_DW_PL_SLOTS). */
#define TS_DW_PL_BLK (2 * TS_DW_PL_SLOTS)

/* How a window is laid out in the band: the minor axis (along which the kernel steps, the
 * longer side of the window) and the major one (lines); nq blocks of TS_DW_PL_SLOTS words. */
typedef struct {
  int transposed;       /* minor axis = rows (the window is taller than wide) */
  int32_t n, lines;     /* outputs along the minor axis; output lines */
  int32_t s_minor, s_major, pad_minor, pad_major, win_minor0, win_major0;
  int32_t in_minor, in_major; /* the input's extent along each axis */
  int32_t nq;           /* blocks (pairs of band columns) */
  int32_t need;         /* input lines the window reads along the major axis */
  int whole;            /* every line in its own slot (need <= TS_DW_PL_SLOTS), else the ring */
} ts_dw_pl_geo;

static void ts_dw_pl_geo_of(const ts_conv_params* p, ts_window win, ts_dw_pl_geo* g) {
  const int32_t ww = win.x1 - win.x0, wh = win.y1 - win.y0;
  g->transposed = wh > ww;
  if (!g->transposed) {
    g->n = ww; g->lines = wh; g->s_minor = p->stride_w; g->s_major = p->stride_h;
    g->pad_minor = p->pad_left; g->pad_major = p->pad_top; g->win_minor0 = win.x0; g->win_major0 = win.y0;
    g->in_minor = p->in_w; g->in_major = p->in_h;
  } else {
    g->n = wh; g->lines = ww; g->s_minor = p->stride_h; g->s_major = p->stride_w;
    g->pad_minor = p->pad_top; g->pad_major = p->pad_left; g->win_minor0 = win.y0; g->win_major0 = win.x0;
    g->in_minor = p->in_h; g->in_major = p->in_w;
  }
  /* band columns (n - 1) * s + 3, one more for the last step's second word, in pairs */
  g->nq = ((g->n - 1) * g->s_minor + 3 + 2) / 2;
  g->need = (g->lines - 1) * g->s_major + 3;
  g->whole = g->need <= TS_DW_PL_SLOTS;
}

/* The workspace the other paths take for a call over a window win_w x win_h (which of them
 * runs depends on whether the buffers overlap, known only at the call): the pixel path's table
 * when it is taken either way, else the layout of ts_dw_layout_of. */
static size_t ts_dw_other_bytes(const ts_conv_params* p, const int32_t* bias, int32_t win_w, int32_t win_h,
                                int folds) {
  if (folds < 0) folds = ts_dw_all_fold(p, bias);
  if (ts_dw_px_fits(p, win_w, win_h, 0) && ts_dw_px_fits(p, win_w, win_h, 1) && folds) {
    const int32_t per = TS_DW_BUF_WORDS * (int32_t)sizeof(int32_t) / (int32_t)sizeof(ts_dw_px4) * 4;
    const int32_t ch = p->out_c < per ? p->out_c : per;
    return (size_t)(ch / 4) * sizeof(ts_dw_px4);
  } else {
    ts_dw_layout lay;
    ts_dw_layout_of_k(p, bias, win_w, win_h, folds, &lay);
    return (size_t)lay.words * sizeof(int32_t);
  }
}

/* Whether a call takes the channel-plane path when its buffers do not overlap: the conditions
 * at the top of this file, and a band no larger than the workspace the other paths need
 * anyway (the call's workspace is the larger of the two, so the band adds no byte to it:
 * vww_96_int8's whole 48x48x8 layer would need 1,664 bytes against the runs' 1,024, 608 more
 * bytes in the arenas of its overlapping placements (bench_memory); that layer stays on the
 * runs). */
__attribute__((noinline)) static int ts_dw_pl_pays(const ts_conv_params* p, const int32_t* bias,
                                                   ts_window win) {
  const int32_t oo = p->output_offset;
  ts_dw_pl_geo g;
  int32_t c;
  const int32_t smax = TS_DW_PL_S2 ? 2 : 1;
  if (p->filter_w != 3 || p->filter_h != 3 || p->dilation_w != 1 || p->dilation_h != 1 ||
      p->depth_multiplier != 1 || p->stride_w < 1 || p->stride_w > smax || p->stride_h < 1 || p->stride_h > smax ||
      p->act_min != -128 || p->act_max != 127 || oo <= -256 || oo >= 256 || win.x1 <= win.x0 || win.y1 <= win.y0)
    return 0;
  ts_dw_pl_geo_of(p, win, &g);
  if (g.n < TS_DW_PL_MIN_N || g.n * g.lines < TS_DW_PL_MIN || g.nq * TS_DW_PL_BLK > TS_DW_WS_WORDS) return 0;
  for (c = 0; c < p->out_c; ++c)
    if (!ts_dw_folds(bias ? bias[c] : 0, p->output_shift[c], oo)) return 0;
  return (size_t)g.nq * TS_DW_PL_BLK * sizeof(int32_t) <= ts_dw_other_bytes(p, bias, g.transposed ? g.lines : g.n,
                                                                              g.transposed ? g.n : g.lines, 1);
}

/* One channel's constants for ts_dw_pl_lines (the assembly reads them at these offsets). */
typedef struct {
  uint32_t w[6];    /* 0: (w[r][0], w[r][1]) for tap lines r = 0..2, then (w[r][1], w[r][2]), doubled */
  int32_t m, rc;    /* 24, 28: the folded requantization (ts_dw_tab3) */
  int32_t k, e1;    /* 32, 36: 2 * bias; 1 - shift */
  int32_t cm;       /* 40: output bytes between neighbours along the minor axis */
  int32_t run;      /* 44: band bytes of a line's steps (32 a step) */
  int32_t odd;      /* 48: stride 1 with n odd: one output after the pairs */
  int32_t pline;    /* 52: band bytes between output lines */
  int32_t dline;    /* 56: output bytes between output lines */
  int32_t s2;       /* 60: stride 2 along the minor axis */
} ts_dw_pl_ctx;

/* nlines output lines of one channel from the band (p: the slot of tap line 0 in block 0;
 * tap lines 1 and 2 in the next slots; block q + 1 TS_DW_PL_BLK words on), the first line's
 * output at d. Stride 1 along the minor axis: two adjacent outputs per step; with A = (b[x],
 * b[x + 1]) and B = (b[x + 2], b[x + 3]) of a tap line (w0, w1, w2): out[x] += SMLAD(A, (w0,
 * w1)) + B.lo * w2 (SMLABT), out[x + 1] += A.hi * w0 (SMLATB) + SMLAD(B, (w1, w2)); stride 2:
 * one output per step, SMLAD(A, (w0, w1)) + B.lo * w2. The sums start at k = 2 * bias (the
 * band holds x + offset, the weights are doubled) and are requantized in the folded form
 * (ts_dw_folded with k = 0), SSAT as the clamp. */
__attribute__((noinline)) static void ts_dw_pl_lines(const uint32_t* p, int8_t* d, const ts_dw_pl_ctx* x,
                                                     int32_t nlines) {
#if TS_DSP_ASM
  /* the assembly's variables, addressed from sp: k, e1, cm, the line's end, lines left, the
   * line's band and output pointers, the context */
  int32_t v[14];
  v[0] = x->k;
  v[1] = x->e1;
  v[2] = x->cm;
  v[3] = 0;
  v[4] = nlines;
  v[5] = (int32_t)(uintptr_t)p;
  v[6] = (int32_t)(uintptr_t)d;
  v[7] = (int32_t)(uintptr_t)x;
  v[8] = x->run;
  v[9] = x->pline;
  v[10] = x->dline;
  v[11] = x->odd;
  v[12] = x->m;
  v[13] = x->rc;
  __asm__ volatile(
      "ldr r12, %[v7]\n\t"
      "ldr r11, [r12, #60]\n\t"
      "ldm r12, {r2, r3, r4, r5, r6, r7, r8, r9}\n\t"
      "cmp r11, #0\n\t"
      "bne 20f\n\t"
      "ldr r11, [r12, #52]\n\t"
      "cmp r11, #4\n\t"
      "bne 10f\n\t"
      /* stride 1 along both axes, band lines 4 bytes apart: two lines at a time while two are left */
      "40:\n\t"
      "ldr r10, %[v4]\n\t"
      "cmp r10, #2\n\t"
      "blt 45f\n\t"
      "ldr r0, %[v5]\n\t"
      "ldr r10, %[v8]\n\t"
      "ldr r1, %[v6]\n\t"
      "add r10, r0, r10\n\t"
      "str r10, %[v3]\n\t"
      "cmp r0, r10\n\t"
      "beq 43f\n\t"
      "41:\n\t"
      "ldr r12, [r0]\n\t"
      "ldr lr, [r0, #64]\n\t"
      "ldr r10, %[v0]\n\t"
      "smlatb r9, r12, r2, r10\n\t"
      "smlad r8, r12, r2, r10\n\t"
      "smlabt r8, lr, r5, r8\n\t"
      "smlad r9, lr, r5, r9\n\t"
      "ldr r12, [r0, #4]\n\t"
      "ldr lr, [r0, #68]\n\t"
      "smlad r8, r12, r3, r8\n\t"
      "smlatb r9, r12, r3, r9\n\t"
      "smlabt r8, lr, r6, r8\n\t"
      "smlad r9, lr, r6, r9\n\t"
      "smlatb r11, r12, r2, r10\n\t"
      "smlad r10, r12, r2, r10\n\t"
      "smlabt r10, lr, r5, r10\n\t"
      "smlad r11, lr, r5, r11\n\t"
      "ldr r12, [r0, #8]\n\t"
      "ldr lr, [r0, #72]\n\t"
      "smlad r8, r12, r4, r8\n\t"
      "smlatb r9, r12, r4, r9\n\t"
      "smlabt r8, lr, r7, r8\n\t"
      "smlad r9, lr, r7, r9\n\t"
      "smlad r10, r12, r3, r10\n\t"
      "smlatb r11, r12, r3, r11\n\t"
      "smlabt r10, lr, r6, r10\n\t"
      "smlad r11, lr, r6, r11\n\t"
      "ldr r12, [r0, #12]\n\t"
      "ldr lr, [r0, #76]\n\t"
      "smlad r10, r12, r4, r10\n\t"
      "smlatb r11, r12, r4, r11\n\t"
      "smlabt r10, lr, r7, r10\n\t"
      "smlad r11, lr, r7, r11\n\t"
      "add r0, r0, #64\n\t"
      "ldr r12, %[v12]\n\t"
      "ldr lr, %[v13]\n\t"
      "smmulr r8, r8, r12\n\t"
      "smmulr r9, r9, r12\n\t"
      "smmulr r10, r10, r12\n\t"
      "smmulr r11, r11, r12\n\t"
      "add r12, lr, r8, asr #31\n\t"
      "add r8, r12, r8, lsl #1\n\t"
      "add r12, lr, r9, asr #31\n\t"
      "add r9, r12, r9, lsl #1\n\t"
      "add r12, lr, r10, asr #31\n\t"
      "add r10, r12, r10, lsl #1\n\t"
      "add r12, lr, r11, asr #31\n\t"
      "add r11, r12, r11, lsl #1\n\t"
      "ldr r12, %[v1]\n\t"
      "ldr lr, %[v2]\n\t"
      "asr r8, r8, r12\n\t"
      "asr r9, r9, r12\n\t"
      "asr r10, r10, r12\n\t"
      "asr r11, r11, r12\n\t"
      "ssat r8, #8, r8\n\t"
      "ssat r9, #8, r9\n\t"
      "ssat r10, #8, r10\n\t"
      "ssat r11, #8, r11\n\t"
      "ldr r12, %[v10]\n\t"
      "add r12, r1, r12\n\t"
      "strb r8, [r1]\n\t"
      "strb r9, [r1, lr]\n\t"
      "strb r10, [r12]\n\t"
      "strb r11, [r12, lr]\n\t"
      "add r1, r1, lr, lsl #1\n\t"
      "ldr r12, %[v3]\n\t"
      "cmp r0, r12\n\t"
      "bne 41b\n\t"
      "43:\n\t"
      "ldr r10, %[v11]\n\t"
      "cmp r10, #0\n\t"
      "beq 44f\n\t"
      /* the last outputs of odd lines */
      "ldr r12, [r0]\n\t"
      "ldr lr, [r0, #64]\n\t"
      "ldr r10, %[v0]\n\t"
      "smlad r8, r12, r2, r10\n\t"
      "smlabt r8, lr, r5, r8\n\t"
      "ldr r12, [r0, #4]\n\t"
      "ldr lr, [r0, #68]\n\t"
      "smlad r8, r12, r3, r8\n\t"
      "smlabt r8, lr, r6, r8\n\t"
      "smlad r10, r12, r2, r10\n\t"
      "smlabt r10, lr, r5, r10\n\t"
      "ldr r12, [r0, #8]\n\t"
      "ldr lr, [r0, #72]\n\t"
      "smlad r8, r12, r4, r8\n\t"
      "smlabt r8, lr, r7, r8\n\t"
      "smlad r10, r12, r3, r10\n\t"
      "smlabt r10, lr, r6, r10\n\t"
      "ldr r12, [r0, #12]\n\t"
      "ldr lr, [r0, #76]\n\t"
      "smlad r10, r12, r4, r10\n\t"
      "smlabt r10, lr, r7, r10\n\t"
      "ldr r12, %[v12]\n\t"
      "ldr lr, %[v13]\n\t"
      "smmulr r8, r8, r12\n\t"
      "smmulr r10, r10, r12\n\t"
      "add r11, lr, r8, asr #31\n\t"
      "add r8, r11, r8, lsl #1\n\t"
      "add r11, lr, r10, asr #31\n\t"
      "add r10, r11, r10, lsl #1\n\t"
      "ldr r12, %[v1]\n\t"
      "ldr lr, %[v10]\n\t"
      "asr r8, r8, r12\n\t"
      "asr r10, r10, r12\n\t"
      "ssat r8, #8, r8\n\t"
      "ssat r10, #8, r10\n\t"
      "strb r8, [r1]\n\t"
      "strb r10, [r1, lr]\n\t"
      "44:\n\t"
      /* the next two lines */
      "ldr r0, %[v5]\n\t"
      "ldr r1, %[v6]\n\t"
      "ldr r10, %[v10]\n\t"
      "ldr r11, %[v4]\n\t"
      "add r0, r0, #8\n\t"
      "add r1, r1, r10, lsl #1\n\t"
      "sub r11, r11, #2\n\t"
      "str r0, %[v5]\n\t"
      "str r1, %[v6]\n\t"
      "str r11, %[v4]\n\t"
      "b 40b\n\t"
      "45:\n\t"
      "cmp r10, #0\n\t"
      "beq 99f\n\t"
      "ldr r8, %[v12]\n\t"
      "ldr r9, %[v13]\n\t"
      /* stride 1: two outputs a step (A at block q, B at block q + 1) */
      "10:\n\t"
      "ldr r0, %[v5]\n\t"
      "ldr r10, %[v8]\n\t"
      "ldr r1, %[v6]\n\t"
      "add r10, r0, r10\n\t"
      "str r10, %[v3]\n\t"
      "cmp r0, r10\n\t"
      "beq 13f\n\t"
      "11:\n\t"
      "ldr r12, [r0]\n\t"
      "ldr lr, [r0, #64]\n\t"
      "ldr r10, %[v0]\n\t"
      "smlatb r11, r12, r2, r10\n\t"
      "smlad r10, r12, r2, r10\n\t"
      "smlabt r10, lr, r5, r10\n\t"
      "smlad r11, lr, r5, r11\n\t"
      "ldr r12, [r0, #4]\n\t"
      "ldr lr, [r0, #68]\n\t"
      "smlad r10, r12, r3, r10\n\t"
      "smlatb r11, r12, r3, r11\n\t"
      "smlabt r10, lr, r6, r10\n\t"
      "smlad r11, lr, r6, r11\n\t"
      "ldr r12, [r0, #8]\n\t"
      "ldr lr, [r0, #72]\n\t"
      "smlad r10, r12, r4, r10\n\t"
      "smlatb r11, r12, r4, r11\n\t"
      "smlabt r10, lr, r7, r10\n\t"
      "smlad r11, lr, r7, r11\n\t"
      "add r0, r0, #64\n\t"
      "smmulr r10, r10, r8\n\t"
      "smmulr r11, r11, r8\n\t"
      "add r12, r9, r10, asr #31\n\t"
      "add r12, r12, r10, lsl #1\n\t"
      "add lr, r9, r11, asr #31\n\t"
      "add lr, lr, r11, lsl #1\n\t"
      "ldr r10, %[v1]\n\t"
      "ldr r11, %[v2]\n\t"
      "asr r12, r12, r10\n\t"
      "asr lr, lr, r10\n\t"
      "ssat r12, #8, r12\n\t"
      "ssat lr, #8, lr\n\t"
      "strb r12, [r1]\n\t"
      "strb lr, [r1, r11]\n\t"
      "add r1, r1, r11, lsl #1\n\t"
      "ldr r10, %[v3]\n\t"
      "cmp r0, r10\n\t"
      "bne 11b\n\t"
      "13:\n\t"
      "ldr r10, %[v11]\n\t"
      "cmp r10, #0\n\t"
      "beq 14f\n\t"
      /* the last output of an odd line */
      "ldr r12, [r0]\n\t"
      "ldr lr, [r0, #64]\n\t"
      "ldr r10, %[v0]\n\t"
      "smlad r10, r12, r2, r10\n\t"
      "smlabt r10, lr, r5, r10\n\t"
      "ldr r12, [r0, #4]\n\t"
      "ldr lr, [r0, #68]\n\t"
      "smlad r10, r12, r3, r10\n\t"
      "smlabt r10, lr, r6, r10\n\t"
      "ldr r12, [r0, #8]\n\t"
      "ldr lr, [r0, #72]\n\t"
      "smlad r10, r12, r4, r10\n\t"
      "smlabt r10, lr, r7, r10\n\t"
      "smmulr r10, r10, r8\n\t"
      "add r12, r9, r10, asr #31\n\t"
      "add r12, r12, r10, lsl #1\n\t"
      "ldr r11, %[v1]\n\t"
      "asr r12, r12, r11\n\t"
      "ssat r12, #8, r12\n\t"
      "strb r12, [r1]\n\t"
      "14:\n\t"
      /* the next line */
      "ldr r0, %[v5]\n\t"
      "ldr r10, %[v9]\n\t"
      "ldr r1, %[v6]\n\t"
      "ldr r11, %[v10]\n\t"
      "add r0, r0, r10\n\t"
      "add r1, r1, r11\n\t"
      "str r0, %[v5]\n\t"
      "str r1, %[v6]\n\t"
      "ldr r10, %[v4]\n\t"
      "subs r10, r10, #1\n\t"
      "str r10, %[v4]\n\t"
      "bne 10b\n\t"
      "b 99f\n\t"
      /* stride 2: two outputs a step (A, B, C at blocks q, q + 1, q + 2) */
      "20:\n\t"
      "ldr r0, %[v5]\n\t"
      "ldr r10, %[v8]\n\t"
      "ldr r1, %[v6]\n\t"
      "add r10, r0, r10\n\t"
      "str r10, %[v3]\n\t"
      "cmp r0, r10\n\t"
      "beq 23f\n\t"
      "21:\n\t"
      "ldr r12, [r0]\n\t"
      "ldr lr, [r0, #64]\n\t"
      "ldr r10, %[v0]\n\t"
      "smlad r11, lr, r2, r10\n\t"
      "smlad r10, r12, r2, r10\n\t"
      "smlabt r10, lr, r5, r10\n\t"
      "ldr r12, [r0, #128]\n\t"
      "smlabt r11, r12, r5, r11\n\t"
      "ldr r12, [r0, #4]\n\t"
      "ldr lr, [r0, #68]\n\t"
      "smlad r10, r12, r3, r10\n\t"
      "smlad r11, lr, r3, r11\n\t"
      "smlabt r10, lr, r6, r10\n\t"
      "ldr r12, [r0, #132]\n\t"
      "smlabt r11, r12, r6, r11\n\t"
      "ldr r12, [r0, #8]\n\t"
      "ldr lr, [r0, #72]\n\t"
      "smlad r10, r12, r4, r10\n\t"
      "smlad r11, lr, r4, r11\n\t"
      "smlabt r10, lr, r7, r10\n\t"
      "ldr r12, [r0, #136]\n\t"
      "smlabt r11, r12, r7, r11\n\t"
      "add r0, r0, #128\n\t"
      "smmulr r10, r10, r8\n\t"
      "smmulr r11, r11, r8\n\t"
      "add r12, r9, r10, asr #31\n\t"
      "add r12, r12, r10, lsl #1\n\t"
      "add lr, r9, r11, asr #31\n\t"
      "add lr, lr, r11, lsl #1\n\t"
      "ldr r10, %[v1]\n\t"
      "ldr r11, %[v2]\n\t"
      "asr r12, r12, r10\n\t"
      "asr lr, lr, r10\n\t"
      "ssat r12, #8, r12\n\t"
      "ssat lr, #8, lr\n\t"
      "strb r12, [r1]\n\t"
      "strb lr, [r1, r11]\n\t"
      "add r1, r1, r11, lsl #1\n\t"
      "ldr r10, %[v3]\n\t"
      "cmp r0, r10\n\t"
      "bne 21b\n\t"
      "23:\n\t"
      "ldr r10, %[v11]\n\t"
      "cmp r10, #0\n\t"
      "beq 24f\n\t"
      /* the last output of an odd line */
      "ldr r12, [r0]\n\t"
      "ldr lr, [r0, #64]\n\t"
      "ldr r10, %[v0]\n\t"
      "smlad r10, r12, r2, r10\n\t"
      "smlabt r10, lr, r5, r10\n\t"
      "ldr r12, [r0, #4]\n\t"
      "ldr lr, [r0, #68]\n\t"
      "smlad r10, r12, r3, r10\n\t"
      "smlabt r10, lr, r6, r10\n\t"
      "ldr r12, [r0, #8]\n\t"
      "ldr lr, [r0, #72]\n\t"
      "smlad r10, r12, r4, r10\n\t"
      "smlabt r10, lr, r7, r10\n\t"
      "smmulr r10, r10, r8\n\t"
      "add r12, r9, r10, asr #31\n\t"
      "add r12, r12, r10, lsl #1\n\t"
      "ldr r11, %[v1]\n\t"
      "asr r12, r12, r11\n\t"
      "ssat r12, #8, r12\n\t"
      "strb r12, [r1]\n\t"
      "24:\n\t"
      /* the next line */
      "ldr r0, %[v5]\n\t"
      "ldr r10, %[v9]\n\t"
      "ldr r1, %[v6]\n\t"
      "ldr r11, %[v10]\n\t"
      "add r0, r0, r10\n\t"
      "add r1, r1, r11\n\t"
      "str r0, %[v5]\n\t"
      "str r1, %[v6]\n\t"
      "ldr r10, %[v4]\n\t"
      "subs r10, r10, #1\n\t"
      "str r10, %[v4]\n\t"
      "bne 20b\n\t"
      "99:\n\t"
      : [v0] "+m"(v[0]), [v1] "+m"(v[1]), [v2] "+m"(v[2]), [v3] "+m"(v[3]), [v4] "+m"(v[4]), [v5] "+m"(v[5]),
        [v6] "+m"(v[6]), [v7] "+m"(v[7]), [v8] "+m"(v[8]), [v9] "+m"(v[9]), [v10] "+m"(v[10]), [v11] "+m"(v[11]),
        [v12] "+m"(v[12]), [v13] "+m"(v[13])
      :
      : "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory");
#else
  const int32_t B = TS_DW_PL_BLK;
  int32_t l;
  for (l = 0; l < nlines; ++l, p += x->pline / 4, d += x->dline) {
    const uint32_t* b = p;
    int8_t* q = d;
    const uint32_t* const end = p + x->run / 4;
#define TS_DW_PL_OUT(a) ((int8_t)ts_dsp_ssat8(ts_dw_folded((a), 0, x->m, x->rc, x->e1)))
    for (; b != end; q += 2 * x->cm) {
      int32_t a = x->k, e = x->k, r;
      for (r = 0; r < 3; ++r) {
        const uint32_t A0 = b[r], B0 = b[B + r];
        if (!x->s2) {
          e = ts_dsp_smlatb(A0, x->w[r], e);
          a = ts_dsp_smlad(A0, x->w[r], a);
          a = ts_dsp_smlabt(B0, x->w[3 + r], a);
          e = ts_dsp_smlad(B0, x->w[3 + r], e);
        } else {
          e = ts_dsp_smlad(B0, x->w[r], e);
          a = ts_dsp_smlad(A0, x->w[r], a);
          a = ts_dsp_smlabt(B0, x->w[3 + r], a);
          e = ts_dsp_smlabt(b[2 * B + r], x->w[3 + r], e);
        }
      }
      q[0] = TS_DW_PL_OUT(a);
      q[x->cm] = TS_DW_PL_OUT(e);
      b += x->s2 ? 2 * B : B;
    }
    if (x->odd) {
      int32_t a = x->k, r;
      for (r = 0; r < 3; ++r) {
        a = ts_dsp_smlad(b[r], x->w[r], a);
        a = ts_dsp_smlabt(b[B + r], x->w[3 + r], a);
      }
      q[0] = TS_DW_PL_OUT(a);
    }
#undef TS_DW_PL_OUT
  }
#endif
}

/* A halfword of two adjacent input bytes (channels c, c + 1), whatever its alignment. */
static inline uint32_t ts_dw_pl_ld2(const int8_t* x) {
  uint16_t v;
  memcpy(&v, x, 2);
  return v;
}

/* Input lines [l0, l1) (window-local, along the major axis; line l at x + l * sl, x the input
 * of band column j0 of line 0) of channel c (`two`: of channels c and c + 1, x[1] the second)
 * into the band: band columns [j0, j1) from the input (st bytes between columns), the input
 * offset added, two columns a word, channel c + 1 TS_DW_PL_SLOTS words after channel c. Line l
 * in slot l, or with `dup` (the ring) in slots l mod 4 and l mod 4 + 4; lines outside the input
 * (coordinate mj0 + l outside [0, in_major)) are zeroed in the ring and skipped otherwise (the
 * band was zeroed once per call). The words of columns outside [j0, j1) are left as they are
 * (0). Two channels: one halfword load per input pixel, SXTAB16 and SXTAB16 (ROR 8) split the
 * two pixels' pairs into the channels' words (2.75 cycles an input byte against 5.5 for one
 * channel's byte loads). */
__attribute__((noinline)) static void ts_dw_pl_fill(uint32_t* band, const int8_t* x, int32_t st, int32_t sl,
                                                    int32_t l0, int32_t l1, int32_t mj0, int32_t in_major,
                                                    int32_t nq, int32_t j0, int32_t j1, int32_t off, int dup,
                                                    int two) {
  const uint32_t off2 = ts_dsp_dup16(off);
  const int32_t h = TS_DW_PL_SLOTS / 2, S = TS_DW_PL_SLOTS, Q = TS_DW_PL_BLK, st2 = 2 * st;
  const int32_t lead = j0 & 1, pairs = (j1 - j0 - lead) / 2, tail = (j1 - j0 - lead) & 1;
  int32_t l;
  if (j0 >= j1) return;
  for (l = l0; l < l1; ++l) {
    uint32_t* bw = band + (dup ? (l & 3) : l);
    const int8_t* xp = x + (int64_t)l * sl;
    uint32_t* end;
    uint32_t v, u;
    if (mj0 + l < 0 || mj0 + l >= in_major) {
      int32_t q;
      if (dup)
        for (q = 0; q < nq; ++q) bw[q * Q] = bw[q * Q + h] = bw[q * Q + S] = bw[q * Q + S + h] = 0;
      continue;
    }
    bw += Q * (j0 >> 1);
    if (lead) { /* column j0 - 1 lies outside the input */
      v = (uint32_t)(xp[0] + off) << 16;
      u = (uint32_t)(xp[1] + off) << 16;
      bw[0] = v;
      if (two) bw[S] = u;
      if (dup) {
        bw[h] = v;
        if (two) bw[S + h] = u;
      }
      bw += Q;
      xp += st;
    }
    end = bw + pairs * Q;
    if (two && dup) {
      for (; bw != end; bw += Q, xp += st2) {
        const uint32_t t = ts_dw_pl_ld2(xp) | (ts_dw_pl_ld2(xp + st) << 16);
        v = ts_dsp_sxtab16(off2, t);
        u = ts_dsp_sxtab16_ror8(off2, t);
        bw[0] = v;
        bw[h] = v;
        bw[S] = u;
        bw[S + h] = u;
      }
    } else if (two) {
      for (; bw != end; bw += Q, xp += st2) {
        const uint32_t t = ts_dw_pl_ld2(xp) | (ts_dw_pl_ld2(xp + st) << 16);
        bw[0] = ts_dsp_sxtab16(off2, t);
        bw[S] = ts_dsp_sxtab16_ror8(off2, t);
      }
    } else if (dup) {
      for (; bw != end; bw += Q, xp += st2) {
        v = ts_dsp_sxtab16(off2, (uint32_t)(uint8_t)xp[0] | ((uint32_t)(uint8_t)xp[st] << 16));
        bw[0] = v;
        bw[h] = v;
      }
    } else {
      for (; bw != end; bw += Q, xp += st2)
        bw[0] = ts_dsp_sxtab16(off2, (uint32_t)(uint8_t)xp[0] | ((uint32_t)(uint8_t)xp[st] << 16));
    }
    if (tail) {
      v = (uint32_t)(xp[0] + off) & 0xffffu;
      bw[0] = v;
      if (dup) bw[h] = v;
      if (two) {
        u = (uint32_t)(xp[1] + off) & 0xffffu;
        bw[S] = u;
        if (dup) bw[S + h] = u;
      }
    }
  }
}

/* Channel c's constants into x (tap line r: filter row r, or column r when transposed). */
static void ts_dw_pl_ctx_of(const ts_conv_params* p, const int8_t* filter, const int32_t* bias, int32_t c,
                            int transposed, ts_dw_pl_ctx* x) {
  const int32_t C = p->out_c, sh = p->output_shift[c];
  /* bytes between tap lines, and between the taps of a line */
  const int32_t la = transposed ? C : 3 * C, tb = transposed ? 3 * C : C;
  const int8_t* w = filter + c;
  int32_t r;
  for (r = 0; r < 3; ++r, w += la) {
    const int32_t w0 = 2 * w[0], w1 = 2 * w[tb], w2 = 2 * w[2 * tb];
    x->w[r] = ts_dsp_pack16(w0, w1);
    x->w[3 + r] = ts_dsp_pack16(w1, w2);
  }
  x->m = p->output_multiplier[c];
  x->e1 = 1 - sh;
  x->rc = (int32_t)(((uint32_t)1 << -sh) + ((uint32_t)p->output_offset << (1 - sh)));
  x->k = (int32_t)((uint32_t)(bias ? bias[c] : 0) * 2u);
}

/* The window through the channel-plane path (ts_dw_pl_pays holds), the band in `band`
 * (nq * TS_DW_PL_BLK words). Two output channels at a time (the last alone when the count is
 * odd): their constants (ts_dw_pl_ctx), their input lines into the band (ts_dw_pl_fill), each
 * channel's output lines from it (ts_dw_pl_lines): every line at once when the window reads
 * at most TS_DW_PL_SLOTS lines, else a ring of TS_DW_PL_SLOTS / 2 lines (line l in slots
 * l mod 4 and l mod 4 + 4, so the three tap lines of an output line are adjacent slots),
 * refilled one or two output lines at a time. */
__attribute__((noinline)) static void ts_dw_pl(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                                               const int32_t* bias, ts_buf out, ts_window win, uint32_t* band) {
  const int32_t C = p->out_c, off = p->input_offset;
  ts_dw_pl_geo g;
  ts_dw_pl_ctx x[2];
  int32_t j0, j1, mn0, mj0, q, c, st, sl, dl, i;
  ts_dw_pl_geo_of(p, win, &g);
  mn0 = g.win_minor0 * g.s_minor - g.pad_minor; /* input coordinate of band column 0 */
  mj0 = g.win_major0 * g.s_major - g.pad_major; /* of window line 0 */
  j0 = mn0 < 0 ? -mn0 : 0;
  j1 = g.in_minor - mn0;
  if (j1 > (g.n - 1) * g.s_minor + 3) j1 = (g.n - 1) * g.s_minor + 3;
  if (j1 < j0) j1 = j0;
  /* bytes between input columns (minor) and lines (major), output lines */
  st = g.transposed ? in.w * C : C;
  sl = g.transposed ? C : in.w * C;
  dl = g.transposed ? C : out.w * C;
  for (q = 0; q < g.nq * TS_DW_PL_BLK; ++q) band[q] = 0;
  for (i = 0; i < 2; ++i) {
    x[i].cm = g.transposed ? out.w * C : C;
    x[i].s2 = g.s_minor == 2;
    x[i].run = g.n / 2 * TS_DW_PL_BLK * 4 * (x[i].s2 ? 2 : 1);
    x[i].odd = g.n & 1;
    x[i].dline = dl;
  }
  for (c = 0; c < C; c += 2) {
    const int two = c + 1 < C;
    const int8_t* const xc = g.transposed ? TS_PIXEL(in, mn0 + j0, mj0, C) + c : TS_PIXEL(in, mj0, mn0 + j0, C) + c;
    int8_t* const d0 = TS_PIXEL(out, win.y0, win.x0, C) + c;
    int32_t y, got;
    ts_dw_pl_ctx_of(p, filter, bias, c, g.transposed, &x[0]);
    if (two) ts_dw_pl_ctx_of(p, filter, bias, c + 1, g.transposed, &x[1]);
    if (g.whole) {
      ts_dw_pl_fill(band, xc, st, sl, 0, g.need, mj0, g.in_major, g.nq, j0, j1, off, 0, two);
      x[0].pline = x[1].pline = 4 * g.s_major;
      ts_dw_pl_lines(band, d0, &x[0], g.lines);
      if (two) ts_dw_pl_lines(band + TS_DW_PL_SLOTS, d0 + 1, &x[1], g.lines);
      continue;
    }
    x[0].pline = x[1].pline = 4;
    for (y = 0, got = 0; y < g.lines;) {
      const int32_t nl = g.s_major == 1 && y + 1 < g.lines ? 2 : 1;
      const int32_t first = y * g.s_major, upto = (y + nl - 1) * g.s_major + 3;
      if (got < first) got = first;
      ts_dw_pl_fill(band, xc, st, sl, got, upto, mj0, g.in_major, g.nq, j0, j1, off, 1, two);
      got = upto;
      ts_dw_pl_lines(band + (first & 3), d0 + (int64_t)y * dl, &x[0], nl);
      if (two) ts_dw_pl_lines(band + TS_DW_PL_SLOTS + (first & 3), d0 + 1 + (int64_t)y * dl, &x[1], nl);
      y += nl;
    }
  }
}

static int ts_dw_dsp_applies(const ts_conv_params* p) {
  const int32_t dm = p->depth_multiplier;
  return p->in_c * dm == p->out_c && (dm == 1 || dm % 4 == 0);
}

size_t ts_depthwise_conv2d_s8_stack_workspace_bytes(void) { return (size_t)TS_DW_WS_WORDS * sizeof(int32_t); }

/* What a call over `win` uses: when it takes the pixel path whether or not its output shares
 * bytes with its input (ts_dw_px_pays both ways; which one holds is known only at the call),
 * only the pixel path's table for its channels (a chunk of them at most); else the whole
 * workspace (the overlap buffer, the runs' tables and sums). */
size_t ts_depthwise_conv2d_s8_workspace_bytes(const ts_conv_params* p, const int32_t* bias, ts_window win) {
  const int32_t win_w = win.x1 - win.x0, win_h = win.y1 - win.y0;
  if (!ts_dw_dsp_applies(p) || win_w <= 0 || win_h <= 0) return 0;
  /* the channel-plane path's band, when taken, fits these bytes (ts_dw_pl_pays) */
  return ts_dw_other_bytes(p, bias, win_w, win_h, -1);
}

/* Without a caller's workspace: the same bytes on this function's frame (no dispatching frame
 * between it and the entry point's caller). */
void ts_depthwise_conv2d_s8_dsp(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                                const int32_t* bias, ts_buf out, ts_window win, int8_t* scratch) {
  int32_t ws[TS_DW_WS_WORDS];
  ts_depthwise_conv2d_s8_dsp_ws(p, in, filter, bias, out, win, scratch, ws);
}

void ts_depthwise_conv2d_s8_dsp_ws(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                                   const int32_t* bias, ts_buf out, ts_window win, int8_t* scratch,
                                   void* workspace) {
  const int32_t in_c = p->in_c, C = p->out_c, dm = p->depth_multiplier;
  const int32_t fw = p->filter_w, sw = p->stride_w, dh = p->dilation_h, dw = p->dilation_w;
  const int32_t win_w = win.x1 - win.x0;
  const int multiplier = dm != 1;
  int32_t* const restrict obuf_words = (int32_t*)workspace; /* word-aligned */
  const int32_t ws_bytes = TS_DW_BUF_WORDS * (int32_t)sizeof(int32_t); /* the buffer and tables */
  ts_dw_layout lay;
  int32_t* sums;
  int8_t* const obuf = (int8_t*)obuf_words;
  ts_dw_ch3* tab = (ts_dw_ch3*)(void*)obuf_words;
  int32_t tab_n = ws_bytes / (int32_t)sizeof(ts_dw_ch3);
  int overlap, pairs = !multiplier, runs, wide;
  int32_t oy, x_lo, x_hi, seg_lo, seg_hi, group = 0, nmax = TS_DW_RUN;
  if (in_c * dm != C || (multiplier && dm % 4 != 0)) {
    ts_depthwise_conv2d_s8_portable(p, in, filter, bias, out, win, scratch);
    return;
  }
  if (win.y1 <= win.y0 || win_w <= 0) return;
  overlap = ts_dsp_overlap(out.data, (size_t)out.h * (size_t)out.w * (size_t)C, in.data,
                           (size_t)in.h * (size_t)in.w * (size_t)in_c);
  if (!overlap && ts_dw_pl_pays(p, bias, win)) { /* before the other paths' layout: none of it is used */
    ts_dw_pl(p, in, filter, bias, out, win, (uint32_t*)obuf_words);
    return;
  }
  ts_dw_layout_of(p, bias, win_w, win.y1 - win.y0, &lay);
  sums = obuf_words + lay.sums;
  tab_n = lay.tab_own;
  if (overlap) {
    group = lay.group; /* a whole window row at a time when the buffer holds one */
    nmax = lay.nmax;
  }
  runs = nmax >= 2 && fw == 3 && dw == 1 && (sw == 1 || sw == 2) && p->filter_h <= 3;
  wide = nmax >= 2 && (fw == 5 || fw == 7) && dw == 1 && (sw == 1 || sw == 2);
  ts_dw_interior(p->pad_left, sw, dw, fw, p->in_w, &x_lo, &x_hi);
  /* The columns of the channel runs: the interior, and the pixel next to it on either side
   * when exactly one of its columns of taps is padding. */
  seg_lo = x_lo;
  seg_hi = x_hi;
  if (runs && x_lo < x_hi) {
    if (x_lo >= 1 && (x_lo - 1) * sw - p->pad_left == -1) seg_lo = x_lo - 1;
    if (x_hi * sw - p->pad_left + 2 == p->in_w) seg_hi = x_hi + 1;
  }
  seg_lo = seg_lo > win.x0 ? seg_lo : win.x0;
  seg_hi = seg_hi < win.x1 ? seg_hi : win.x1;
  wide = wide && seg_hi - seg_lo >= 2;
  runs = (runs && seg_hi - seg_lo >= 2) || wide;
  if (group > 0 && runs) { /* a multiple of the rows per run call when it holds one */
    const int32_t width = seg_hi - seg_lo;
    const int32_t per = width < TS_DW_RUN ? TS_DW_RUN / width : 1;
    if (group > per) group -= group % per;
  }
  if (ts_dw_px_pays(p, bias, win_w, win.y1 - win.y0, overlap)) { /* the pixel path, chunks of channels outermost */
    ts_dw_px4* const pt = (ts_dw_px4*)(void*)obuf_words;
    const int32_t per = ws_bytes / (int32_t)sizeof(ts_dw_px4) * 4;
    int32_t c0, c1;
    for (c0 = 0; c0 < C; c0 = c1) {
      c1 = C - c0 < per ? C : c0 + per;
      ts_dw_px_tab(p, filter, bias, c0, c1, pt);
      for (oy = win.y0; oy < win.y1; ++oy)
        ts_dw_px_row(p, in, out, pt, c0, (c1 - c0) / 4, x_lo, x_hi, oy, win.x0, win.x1, overlap ? scratch : 0);
    }
    return;
  }
  if (overlap) { /* the table: the words of the buffer the staged outputs leave, and the rest */
    const int32_t used = lay.used;
    tab = (ts_dw_ch3*)(void*)(obuf_words + used);
    tab_n = lay.tab_ovl;
  }
  for (oy = win.y0; oy < win.y1;) {
    int32_t ky0, ky1, rows, nrows = 1, r;
    ts_valid_taps(oy * p->stride_h - p->pad_top, dh, p->filter_h, p->in_h, &ky0, &ky1);
    rows = ky1 - ky0;
    /* the following rows with the same rows of taps */
    for (; oy + nrows < win.y1; ++nrows) {
      int32_t k0, k1;
      ts_valid_taps((oy + nrows) * p->stride_h - p->pad_top, dh, p->filter_h, p->in_h, &k0, &k1);
      if (k0 != ky0 || k1 != ky1) break;
    }
    if (!overlap) {
      ts_dw_rows(p, in, filter, bias, out, win, scratch, pairs, runs, wide, x_lo, x_hi, seg_lo, seg_hi, oy, nrows,
                 ky0, rows, tab, tab_n, sums);
    } else if (group > 0) {
      /* groups of whole window rows computed into obuf (which shares no byte with the input),
       * then copied to the output: all reads of a group precede all its writes */
      for (r = 0; r < nrows;) {
        const int32_t g = nrows - r < group ? nrows - r : group;
        const ts_buf ob = {obuf, oy + r, win.x0, g, win_w};
        int32_t q;
        ts_dw_rows(p, in, filter, bias, ob, win, 0, pairs, runs, wide, x_lo, x_hi, seg_lo, seg_hi, oy + r, g, ky0,
                   rows, tab, tab_n, sums);
        if (win_w == out.w) /* whole rows: one move */
          ts_dw_copy_out(TS_PIXEL(out, oy + r, win.x0, C), obuf, g * win_w * C);
        else
          for (q = 0; q < g; ++q)
            ts_dw_copy_out(TS_PIXEL(out, oy + r + q, win.x0, C), obuf + (int64_t)q * win_w * C, win_w * C);
        r += g;
      }
    } else {
      /* a window row does not fit in obuf: per row, in the contract's order, its left border
       * pixels (the portable order), its runs through obuf, its right border pixels */
      for (r = 0; r < nrows; ++r) {
        if (!runs || rows == 0 || !ts_dw_runs_pay(wide, seg_hi - seg_lo, 1, nmax)) {
          ts_dw_row(p, in, filter, bias, out, scratch, 1, 0, x_lo, x_hi, oy + r, ky0, rows, win.x0, win.x1);
          continue;
        }
        ts_dw_row(p, in, filter, bias, out, scratch, 1, 0, x_lo, x_hi, oy + r, ky0, rows, win.x0, seg_lo);
        ts_dw_runs(p, in, filter, bias, out, wide, x_lo, x_hi, seg_lo, seg_hi, oy + r, 1, ky0, rows, nmax, obuf, tab,
                   tab_n, sums);
        ts_dw_row(p, in, filter, bias, out, scratch, 1, 0, x_lo, x_hi, oy + r, ky0, rows, seg_hi, win.x1);
      }
    }
    oy += nrows;
  }
}
