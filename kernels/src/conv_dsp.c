/* CONV_2D int8, DSP-structured path. Same contract and bytes as the portable
 * ts_conv2d_s8_portable (conv.c): only the order of the int32 additions changes.
 *
 * Main path (im2col, when a pixel's filter_h * filter_w * in_c taps fit
 * TS_CONV_DSP_COL_MAX): the taps of a block of output pixels are first copied into a column
 * buffer on the stack as int16 with the input offset added (padding taps as 0, so border
 * pixels need no special case), interleaved per group of four taps so that one LDRD gives
 * the lanes SXTB16 / SXTB16(ROR 8) give for four filter bytes (layout above ts_col_expand).
 * Every read of a block happens before its first write, so this is safe whatever the output
 * shares with the input (reads earlier and writes later than the portable order), and
 * `scratch` is not needed. Two kernels:
 *  - quad (requantization modes 5 and 6, the common case: every multiplier above 2^30, shifts
 *    in [-24, -1], |acc| < 2^30; pruned channels, all weights zero, whose parameters break
 *    this get equivalent ones from the operator layer, src/ops/ops.h ConstantChannelBias):
 *    four pixels x one output channel. The column holds
 *    2 * (input + offset), so the sums are 2 * acc and requantize in four instructions per
 *    output (ts_dsp_rq_doubled: ADD, SMMLAR, ASR, SSAT). Each filter word is loaded and
 *    extended once for the four pixels, each half group of the column (the four pixels' even
 *    or odd taps) is one LDMIA of four words (15 instructions per 4 taps x 4 pixels; 13.5
 *    with two groups per iteration where the channel loop is C). The per-channel constants
 *    {2 * bias, multiplier, nudge, shift} are computed once per call into the column's unused
 *    end when they fit (2 * k4 + 4 * out_c words), and the channel loop is then one assembly
 *    block on the device (ts_conv_col4_asm, 30 instructions per channel besides the MAC loop,
 *    its context in 32 bytes below the stack pointer). On the device, with k among the
 *    instantiations of ts_conv_c42_K (16, 27, 32, 40, 64, 128, 144, 288 taps), the channels
 *    go two at a time instead (four pixels x two channels, each column word feeding two
 *    SMLADs: 36 modelled Cortex-M4 cycles per group, the half group's two filter and two
 *    column words one chain of single loads, against 2 x 22-25; k = 16, 27, 32, 40 and 64
 *    without a loop, the sums started from the biases by the first SMLADs; k = 27, 3x3 filters over
 *    3 channels, reads its last group so that no byte past the filters is read), from the
 *    table, or without room for it from one built TS_C42_CHUNK channels at a time in the
 *    workspace (ts_conv_col4_pairs). Blocks are four pixels of the window in raster order:
 *    four of one row (or of the whole window when a 1x1 stride-1 filter reads whole rows of
 *    both buffers, which then follow each other), and a row's last 1-3 pixels with the next
 *    rows' first ones (ts_conv_quad_cross: the four outputs, not evenly spaced, are staged in
 *    4 * out_c bytes of the column's unused end and copied after the block's reads), so only
 *    the window's last 1-3 pixels go through the pair kernel (narrow patch windows, 1-3
 *    pixels wide, run in quads too). Without room for the staged outputs, a row's last 1-3
 *    pixels take the pair kernel (an odd last one with the next row's first). Padding-free
 *    blocks of one row build their column group by group (ts_conv_col_quad_fast, on the
 *    device 26 instructions per group of the four lanes, their eight words stored by four
 *    STRDs; also when in_c is not a multiple of 4 but filter_w * in_c is; 3x3 filters over 3
 *    channels from the three 9-byte rows, ts_conv_col_quad_333; other in_c not a multiple of
 *    4 after gathering each pixel's taps by words, ts_conv_col_quad_gather), others pixel by
 *    pixel. With one pixel the column is not
 *    doubled.
 *  - eight taps (a 1x1 filter over 8 channels without padding, modes 5 and 6, at least 4
 *    pixels, and 8 * out_c words fit the column: the pointwise layers after an 8-channel
 *    depthwise):
 *    one pixel x every output channel, the pixel's four column words in registers, the
 *    filters (extended and doubled) and the per-channel constants in a per-call table of 8
 *    words per channel (ts_conv_k8_run: 12 instructions per output on the device, against
 *    14.5 for the quad kernel at k == 8; a row of the window is one assembly block, 15
 *    instructions per pixel beside its channels); pixels in raster order, the portable
 *    access order.
 *  - pruned channels (quad kernel calls, and their pairs): a channel whose filter is all zeros
 *    and whose parameters are the operator layer's canonical ones for it (multiplier
 *    2^31 - 1, shift -1, even |bias| <= 1020: output_offset + bias / 2 whatever the input) is
 *    found per call (ts_conv_live_runs: only such channels' filters are read) and its outputs
 *    stored as that constant; the other channels run in runs of consecutive channels
 *    (ts_conv_col4_runs, ts_conv_two_runs: the same kernels over a slice of the channels),
 *    the run list in the column's unused end (at most TS_CONV_DSP_LIVE_RUNS; past that the
 *    last run takes the rest, pruned or not). vww_96_int8's later pointwise layers have 55-91%
 *    of their channels pruned.
 *  - pair (the other modes, and the rest of rows): two output pixels, per pair of output
 *    channels a 2x2 micro-kernel (LDRD of the column, SMLAD, 18 instructions per 4 taps) and
 *    a requantization shared by the two pixels (modes 5-6: ts_dsp_rq_doubled; 3-4:
 *    SMULL/QADD/ASR/SSAT, ts_dsp_rq_shifted; else the general one), the four output bytes
 *    saturated and clamped together (SSAT, SSUB8/SEL).
 * Column buffer (the caller's workspace, ts_conv2d_s8_workspace_bytes, sized per layer; the
 * stack's only without one): 4 * TS_CONV_DSP_COL_MAX bytes at most for the kernels' choices
 * (2304 with the default 576 taps), plus the chunked table (TS_C42_CHUNK or TS_P4_CHUNK channels
 * of 4 words) of the two- and four-channel kernels when the whole table has no room (the
 * eight-tap kernel's table takes the same in its own function, ts_conv_k8_call, beside
 * ts_conv_col_run rather than under it; the assembly channel loops take 24 or 32 bytes below
 * the stack pointer, in frames far from the deepest). Past the
 * lanes (k4 words for the pair kernel's two, 2 * k4 for the quad kernel's four) it also holds
 * the quad kernel's per-channel table, gather rows (in_c not a multiple of 4) and staged outputs
 * when they fit (so 3x3 filters over 16 channels, k4 = 144 with 32 outputs, keep quads across rows),
 * and in its last
 * TS_CONV_DSP_GATHER_MAX bytes a pixel's gathered taps when in_c is not a multiple of 4.
 * With the caller's workspace the kernel's stack is bounded at 992 B on the Cortex-M4
 * (firmware/stack_usage.sh: ts_conv2d_s8_ws 88 + ts_conv2d_s8_dsp_ws 80 + ts_conv_col_run 344,
 * the call's contexts in one ts_conv_call set by ts_conv_col_setup, whose frame is gone before
 * the blocks run, then the pair path's ts_conv_col_two 144 and the kernels; the pruned runs'
 * ts_conv_col4_runs 104 sets each run's channels in the call's own contexts rather than
 * copies). Without one, ts_conv2d_s8_dsp_stack holds the column on the stack. A smaller
 * TS_CONV_DSP_COL_MAX trades workspace for speed on layers with more taps.
 *
 * Otherwise (larger filters): two output pixels x two output channels per micro-kernel step
 * on the int8 input when both pixels see the whole filter, written straight to the output
 * when it shares no byte with the input, else staged in 2 * TS_CONV_DSP_PAIR_OUT_MAX bytes of
 * stack (out_c up to that) and stored after both pixels' reads; other pixels one at a time in
 * the portable access order. With dilation_w == 1 one row of taps is a single dot product of
 * filter_w * in_c elements.
 * Per call (per window in patch plans): the requantization mode (ts_conv_mode, one pass over the
 * multipliers and shifts and one over the biases in the common case) and the quad kernel's table.
 * Grouped convolutions use the portable loops. */
#include <string.h>

#include "dsp_dot.h"
#include "spatial_util.h"

#ifndef TS_CONV_DSP_COL_MAX
#define TS_CONV_DSP_COL_MAX 576 /* taps per pixel (filter_h * filter_w * in_c, rounded up to 4) */
#endif
#ifndef TS_CONV_DSP_PAIR_OUT_MAX
#define TS_CONV_DSP_PAIR_OUT_MAX 128 /* int8 path: two pixels' outputs staged on the stack */
#endif
#ifndef TS_CONV_DSP_GATHER_MAX
#define TS_CONV_DSP_GATHER_MAX 128 /* the same, when in_c is not a multiple of 4 */
#endif
#define TS_CONV_DSP_GATHER_WORDS ((TS_CONV_DSP_GATHER_MAX + 3) / 4) /* at the column's end */
#ifndef TS_CONV_DSP_LIVE_RUNS
#define TS_CONV_DSP_LIVE_RUNS 64 /* quad kernel: runs of live channels between pruned ones, at most */
#endif

#define TS_C42_CHUNK 8 /* channels per chunked table when the column's limit has no room for the whole (ts_conv_col4_pairs) */
#define TS_P4_CHUNK 4  /* channels per chunked table (ts_conv_p4_run) */
#define TS_C42_MIN 2   /* fewer channels in a call (a run between pruned ones): the one-channel kernels */

/* The k that have a two-channel x four-pixel instantiation (ts_conv_c42_K, device builds; the
 * workspace is sized the same on every build). */
static inline int ts_c42_has(int32_t k) {
  return k == 16 || k == 27 || k == 32 || k == 40 || k == 64 || k == 128 || k == 144 || k == 288;
}

/* ---- im2col path ---- */

/* Column layout: per group of four taps, 2 * lanes words; lane l (pixel l of the block) holds
 * its even taps (0, 2) at word l and its odd taps (1, 3) at word lanes + l. Two lanes (the
 * pair kernels): [p0 0,2 | p1 0,2 | p0 1,3 | p1 1,3]; four lanes (the quad kernel):
 * [p0 0,2 | p1 0,2 | p2 0,2 | p3 0,2 | p0 1,3 | ... | p3 1,3].
 * Column words of one pixel: `groups` groups of four taps from src (+ offset, doubled when
 * `dbl`). `dst` points at the pixel's lane of the first group. */
static inline __attribute__((always_inline)) uint32_t* ts_col_expand(uint32_t* dst, const int8_t* src,
                                                                   int32_t groups, uint32_t off2, const int dbl,
                                                                   const int lanes) {
  for (; groups > 0; --groups) {
    const uint32_t x = ts_dsp_load4(src);
    uint32_t e = ts_dsp_sxtab16(off2, x), o = ts_dsp_sxtab16_ror8(off2, x);
    src += 4;
    if (dbl) { /* 2 * (x + offset): |x + offset| <= 255, so the doubled lanes fit */
      e = ts_dsp_sadd16(e, e);
      o = ts_dsp_sadd16(o, o);
    }
    dst[0] = e;
    dst[lanes] = o;
    dst += 2 * lanes;
  }
  return dst;
}

/* The same, with `dbl` and `lanes` variables. */
static uint32_t* ts_col_expand_any(uint32_t* dst, const int8_t* src, int32_t groups, uint32_t off2, int dbl,
                                   int lanes) {
  if (lanes == 4)
    return dbl ? ts_col_expand(dst, src, groups, off2, 1, 4) : ts_col_expand(dst, src, groups, off2, 0, 4);
  return dbl ? ts_col_expand(dst, src, groups, off2, 1, 2) : ts_col_expand(dst, src, groups, off2, 0, 2);
}

static uint32_t* ts_col_zero(uint32_t* dst, int32_t groups, int lanes) {
  for (; groups > 0; --groups) {
    dst[0] = 0;
    dst[lanes] = 0;
    dst += 2 * lanes;
  }
  return dst;
}

static inline int8_t* ts_gather_fill(int8_t* g, int8_t v, int32_t n) {
  for (; n > 0; --n) {
    __asm__("" : "+r"(v));
    *g++ = v;
  }
  return g;
}

/* Byte copies and fills of a few bytes, inline: the empty asm keeps GCC from turning the
 * loops into calls of the library's memcpy/memset (slower at these sizes). */
static inline int8_t* ts_gather_copy(int8_t* g, const int8_t* src, int32_t n) {
  for (; n >= 4; n -= 4) {
    uint32_t v = ts_dsp_load4(src);
    __asm__("" : "+r"(v));
    memcpy(g, &v, 4);
    g += 4;
    src += 4;
  }
  for (; n > 0; --n) {
    int8_t b = *src++;
    __asm__("" : "+r"(b));
    *g++ = b;
  }
  return g;
}

/* Output pixel (oy, ox)'s taps into its lane of the column (col: the lane's first word). */
static void ts_conv_col_build(const ts_conv_params* p, ts_cbuf in, int32_t oy, int32_t ox,
                              uint32_t* col, uint32_t off2, int8_t* gather, int dbl, int lanes) {
  const int32_t in_c = p->in_c, fh = p->filter_h, fw = p->filter_w;
  const int32_t dh = p->dilation_h, dw = p->dilation_w;
  const int32_t iy = oy * p->stride_h - p->pad_top, ix = ox * p->stride_w - p->pad_left;
  int32_t ky0, ky1, kx0, kx1, ky, kx;
  ts_valid_taps(iy, dh, fh, p->in_h, &ky0, &ky1);
  ts_valid_taps(ix, dw, fw, p->in_w, &kx0, &kx1);
  if ((in_c & 3) == 0) { /* whole groups per tap: straight from the input */
    const int32_t tg = in_c >> 2;
    for (ky = 0; ky < fh; ++ky) {
      const int8_t* row;
      if (ky < ky0 || ky >= ky1 || kx0 >= kx1) {
        col = ts_col_zero(col, fw * tg, lanes);
        continue;
      }
      row = TS_PIXEL(in, iy + ky * dh, ix + kx0 * dw, in_c);
      col = ts_col_zero(col, kx0 * tg, lanes);
      if (dw == 1) {
        col = ts_col_expand_any(col, row, (kx1 - kx0) * tg, off2, dbl, lanes);
      } else {
        for (kx = kx0; kx < kx1; ++kx) col = ts_col_expand_any(col, row + (kx - kx0) * dw * in_c, tg, off2, dbl, lanes);
      }
      col = ts_col_zero(col, (fw - kx1) * tg, lanes);
    }
  } else if (fw * in_c == 4 && dw == 1) {
    /* one group per filter row (kws_dscnn_int8's 10x4 stem over 1 channel): the row's word
     * built in a register, padding bytes the input zero point (0 once the offset is added),
     * rows of padding only as zero words */
    const uint32_t padw = (uint32_t)(uint8_t)(int8_t)(-p->input_offset) * 0x01010101u;
    const int32_t s0 = kx0 * in_c, n = (kx1 - kx0) * in_c;
    /* the padding bytes of a row's word kept from padw (n valid bytes from byte s0) */
    const uint32_t keep = n >= 4 ? 0u : ~((((uint32_t)1 << (8 * n)) - 1u) << (8 * s0));
    const int32_t step = dh * in.w * in_c;
    const int8_t* row;
    if (n <= 0) ky0 = ky1 = fh; /* every row padding */
    for (ky = 0; ky < ky0; ++ky, col += 2 * lanes) col[0] = col[lanes] = 0;
    row = ky0 < ky1 ? TS_PIXEL(in, iy + ky0 * dh, ix + kx0, in_c) : 0;
    for (; ky < ky1; ++ky, row += step, col += 2 * lanes) {
      uint32_t v = 0, wd, e, o;
      int32_t i;
      for (i = n - 1; i >= 0; --i) v = (v << 8) | (uint8_t)row[i];
      wd = (padw & keep) | (v << (8 * s0));
      e = ts_dsp_sxtab16(off2, wd);
      o = ts_dsp_sxtab16_ror8(off2, wd);
      if (dbl) {
        e = ts_dsp_sadd16(e, e);
        o = ts_dsp_sadd16(o, o);
      }
      col[0] = e;
      col[lanes] = o;
    }
    for (; ky < fh; ++ky, col += 2 * lanes) col[0] = col[lanes] = 0;
  } else { /* gather the taps as bytes (padding = the input zero point), then expand */
    const int8_t pad = (int8_t)(-p->input_offset);
    const int32_t k = fh * fw * in_c, k4 = (k + 3) & ~3;
    int8_t* g = gather;
    for (ky = 0; ky < fh; ++ky) {
      const int8_t* row;
      if (ky < ky0 || ky >= ky1 || kx0 >= kx1) {
        g = ts_gather_fill(g, pad, fw * in_c);
        continue;
      }
      row = TS_PIXEL(in, iy + ky * dh, ix + kx0 * dw, in_c);
      g = ts_gather_fill(g, pad, kx0 * in_c);
      if (dw == 1) {
        g = ts_gather_copy(g, row, (kx1 - kx0) * in_c);
      } else {
        for (kx = kx0; kx < kx1; ++kx) g = ts_gather_copy(g, row + (kx - kx0) * dw * in_c, in_c);
      }
      g = ts_gather_fill(g, pad, (fw - kx1) * in_c);
    }
    ts_gather_fill(g, pad, k4 - k);
    ts_col_expand_any(col, gather, k4 >> 2, off2, dbl, lanes);
  }
}

/* Requantization of a 2x2 block (channels c, c+1 of pixels 0 and 1) and its stores.
 * mode 1: every channel qualifies for ts_dsp_rq_apply (ts_dsp_rq_fast); 2: besides, the output
 * offset is an int8, so a pair of channels whose shifts are in [-23, -1] can take
 * ts_dsp_rq_shifted (ts_conv_col_pair_m); 3: every channel's shift is in [-23, -1]
 * (ts_conv_col_pair_q); 4: besides, the activation range is [-128, 127]
 * (ts_conv_col_pair_qf, no clamp after SSAT); 5: as 2, and besides every multiplier is above
 * 2^30, every shift in [-24, -1] and every |accumulator| below 2^30 (ts_conv_mode), so the
 * column holds doubled inputs and the sums are 2 * acc (ts_dsp_rq_doubled; the quad kernel,
 * ts_conv_col_pair_d); 6: as 5 with the range [-128, 127] (no clamp after SSAT); 0: the
 * general ts_dsp_output. Biases are in the sums already. */
struct ts_conv_col4_ctx_s;
typedef struct {
  const int32_t* mult;
  const int32_t* shift;
  int32_t out_offset, act_min, act_max;
  uint32_t lo4, hi4;
  int mode;
  const struct ts_conv_col4_ctx_s* actx; /* the quad kernel's assembly loop (device builds) */
  const struct ts_conv_runs_s* runs;     /* pruned channels (ts_conv_col4_runs), or NULL */
  uint32_t* ctab; /* the chunked per-channel table's words in the column buffer (ts_conv_layout's
                     ctab: ts_conv_col4_pairs_run, ts_conv_p4_run), or NULL */
} ts_conv_out;

/* A call's requantization constants from p (mode, actx and runs are the caller's). */
static inline void ts_conv_out_consts(ts_conv_out* o, const ts_conv_params* p) {
  o->mult = p->output_multiplier;
  o->shift = p->output_shift;
  o->out_offset = p->output_offset;
  o->act_min = p->act_min;
  o->act_max = p->act_max;
  o->lo4 = ts_dsp_dup8(p->act_min);
  o->hi4 = ts_dsp_dup8(p->act_max);
}

static inline void ts_conv_store_2x2(const ts_conv_out* o, int32_t c, int32_t s00, int32_t s01,
                                     int32_t s10, int32_t s11, int8_t* d0, int8_t* d1) {
  if (o->mode >= 1) {
    const ts_dsp_rq r0 = ts_dsp_rq_decode(o->mult[c], o->shift[c]);
    const ts_dsp_rq r1 = ts_dsp_rq_decode(o->mult[c + 1], o->shift[c + 1]);
    const uint32_t oo = (uint32_t)o->out_offset;
    const int32_t v00 = ts_dsp_ssat8((int32_t)((uint32_t)ts_dsp_rq_apply(s00, &r0) + oo));
    const int32_t v01 = ts_dsp_ssat8((int32_t)((uint32_t)ts_dsp_rq_apply(s01, &r1) + oo));
    const int32_t v10 = ts_dsp_ssat8((int32_t)((uint32_t)ts_dsp_rq_apply(s10, &r0) + oo));
    const int32_t v11 = ts_dsp_ssat8((int32_t)((uint32_t)ts_dsp_rq_apply(s11, &r1) + oo));
    const uint32_t w = ts_dsp_clamp8x4(ts_dsp_pack8x4(v00, v01, v10, v11), o->lo4, o->hi4);
    ts_dsp_store2(d1 + c, w >> 16);
    ts_dsp_store2(d0 + c, w);
  } else {
    d1[c] = ts_dsp_output(s10, o->mult[c], o->shift[c], o->out_offset, o->act_min, o->act_max);
    d1[c + 1] = ts_dsp_output(s11, o->mult[c + 1], o->shift[c + 1], o->out_offset, o->act_min, o->act_max);
    d0[c] = ts_dsp_output(s00, o->mult[c], o->shift[c], o->out_offset, o->act_min, o->act_max);
    d0[c + 1] = ts_dsp_output(s01, o->mult[c + 1], o->shift[c + 1], o->out_offset, o->act_min, o->act_max);
  }
}

/* One group of four taps of both pixels (column words x[0..3]) against four filter bytes of
 * each of two channels at w0, w1 (or the words wa_in, wb_in). Ordered so that one filter word
 * is live at a time (four column words, a filter word and its halves: 6 temporaries beside
 * 4 accumulators and 4 pointers, no spill). */
#define TS_COL_STEP_2X2(x, wa_in, wb_in)                 \
  do {                                                   \
    const uint32_t a_ = (x)[0], b_ = (x)[1], c_ = (x)[2], d_ = (x)[3]; \
    uint32_t w_ = (wa_in), t_;                           \
    t_ = ts_dsp_sxtb16(w_);                              \
    s00 = ts_dsp_smlad(a_, t_, s00);                     \
    s10 = ts_dsp_smlad(b_, t_, s10);                     \
    t_ = ts_dsp_sxtb16_ror8(w_);                         \
    s00 = ts_dsp_smlad(c_, t_, s00);                     \
    s10 = ts_dsp_smlad(d_, t_, s10);                     \
    w_ = (wb_in);                                        \
    t_ = ts_dsp_sxtb16(w_);                              \
    s01 = ts_dsp_smlad(a_, t_, s01);                     \
    s11 = ts_dsp_smlad(b_, t_, s11);                     \
    t_ = ts_dsp_sxtb16_ror8(w_);                         \
    s01 = ts_dsp_smlad(c_, t_, s01);                     \
    s11 = ts_dsp_smlad(d_, t_, s11);                     \
  } while (0)

/* The MAC loop of a channel pair over the column's whole groups: x from the column's start
 * to cend, w0 and w1 advanced by 4 bytes per group, the sums in s00, s01, s10, s11 (the
 * caller's variables). On the device, the loop of TS_COL_STEP_2X2 in 18 instructions per
 * group and 13 registers (GCC's schedule of the C loop keeps more words live and spills the
 * end pointer): the column's even-tap words, both filter words, their even halves; the
 * odd-tap words into the same registers, the odd halves. Not at -O0, where GCC cannot free
 * 13 registers for it. */
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
#define TS_COL_LOOP_2X2()                                                                   \
  do {                                                                                      \
    if (x != cend) {                                                                        \
      uint32_t a_, b_, wa_, wb_, t_;                                                        \
      __asm__ volatile(                                                                     \
          "1:\n\t"                                                                          \
          "ldrd %[a], %[b], [%[x]], #8\n\t"                                                 \
          "ldr %[wa], [%[w0]], #4\n\t"                                                      \
          "ldr %[wb], [%[w1]], #4\n\t"                                                      \
          "sxtb16 %[t], %[wa]\n\t"                                                          \
          "smlad %[s00], %[a], %[t], %[s00]\n\t"                                            \
          "smlad %[s10], %[b], %[t], %[s10]\n\t"                                            \
          "sxtb16 %[t], %[wb]\n\t"                                                          \
          "smlad %[s01], %[a], %[t], %[s01]\n\t"                                            \
          "smlad %[s11], %[b], %[t], %[s11]\n\t"                                            \
          "ldrd %[a], %[b], [%[x]], #8\n\t"                                                 \
          "sxtb16 %[t], %[wa], ror #8\n\t"                                                  \
          "smlad %[s00], %[a], %[t], %[s00]\n\t"                                            \
          "smlad %[s10], %[b], %[t], %[s10]\n\t"                                            \
          "sxtb16 %[t], %[wb], ror #8\n\t"                                                  \
          "smlad %[s01], %[a], %[t], %[s01]\n\t"                                            \
          "smlad %[s11], %[b], %[t], %[s11]\n\t"                                            \
          "cmp %[x], %[cend]\n\t"                                                           \
          "bne 1b"                                                                          \
          : [x] "+r"(x), [w0] "+r"(w0), [w1] "+r"(w1), [s00] "+r"(s00), [s01] "+r"(s01),    \
            [s10] "+r"(s10), [s11] "+r"(s11), [a] "=&r"(a_), [b] "=&r"(b_), [wa] "=&r"(wa_), \
            [wb] "=&r"(wb_), [t] "=&r"(t_)                                                  \
          : [cend] "r"(cend)                                                                \
          : "cc", "memory");                                                                \
    }                                                                                       \
  } while (0)
#else
#define TS_COL_LOOP_2X2()                                        \
  do {                                                           \
    while (x != cend) {                                          \
      TS_COL_STEP_2X2(x, ts_dsp_load4(w0), ts_dsp_load4(w1));    \
      x += 4;                                                    \
      w0 += 4;                                                   \
      w1 += 4;                                                   \
    }                                                            \
  } while (0)
#endif

/* The last, odd channel of both pixels (general requantization). */
static void ts_conv_col_last(const uint32_t* col, int32_t k, const int8_t* w0, const int32_t* bias,
                             const ts_conv_out* o, int32_t c, int8_t* d0, int8_t* d1) {
  const int32_t tail = k & 3;
  const uint32_t* const cend = col + 4 * (k >> 2);
  const uint32_t* x = col;
  int32_t s0 = 0, s1 = 0;
  while (x != cend) {
    const uint32_t wa = ts_dsp_load4(w0);
    uint32_t t = ts_dsp_sxtb16(wa);
    s0 = ts_dsp_smlad(x[0], t, s0);
    s1 = ts_dsp_smlad(x[1], t, s1);
    t = ts_dsp_sxtb16_ror8(wa);
    s0 = ts_dsp_smlad(x[2], t, s0);
    s1 = ts_dsp_smlad(x[3], t, s1);
    x += 4;
    w0 += 4;
  }
  if (tail) {
    const uint32_t wa = ts_dsp_load_tail(w0, tail);
    uint32_t t = ts_dsp_sxtb16(wa);
    s0 = ts_dsp_smlad(x[0], t, s0);
    s1 = ts_dsp_smlad(x[1], t, s1);
    t = ts_dsp_sxtb16_ror8(wa);
    s0 = ts_dsp_smlad(x[2], t, s0);
    s1 = ts_dsp_smlad(x[3], t, s1);
  }
  if (o->mode >= 5) { /* doubled column: the sums are even and exact */
    s0 >>= 1;
    s1 >>= 1;
  }
  if (bias) {
    s0 += bias[c];
    s1 += bias[c];
  }
  d1[c] = ts_dsp_output(s1, o->mult[c], o->shift[c], o->out_offset, o->act_min, o->act_max);
  d0[c] = ts_dsp_output(s0, o->mult[c], o->shift[c], o->out_offset, o->act_min, o->act_max);
}

/* Both pixels of the column, every output channel. k: taps per pixel. `quick` (a constant in
 * each instantiation): 2, every pair of channels takes ts_dsp_rq_shifted; 1, the pairs whose
 * shifts allow it; 0, none. `clamp`: 0 when the activation range is [-128, 127]. */
static inline __attribute__((always_inline)) void ts_conv_col_pair_impl(
    const uint32_t* col, int32_t k, const int8_t* filter, const int32_t* bias, int32_t out_c,
    const ts_conv_out* o, int8_t* d0, int8_t* d1, const int quick, const int clamp) {
  const int32_t tail = k & 3;
  const uint32_t* const cend = col + 4 * (k >> 2);
  const int32_t* mult = o->mult;
  const int32_t* shift = o->shift;
  const int32_t oo21 = 2 * o->out_offset + 1;
  const uint32_t lo4 = o->lo4, hi4 = o->hi4;
  const int8_t* w0 = filter;
  int32_t c;
  for (c = 0; c + 1 < out_c; c += 2) {
    const int8_t* w1 = w0 + k;
    const uint32_t* x = col;
    int32_t s00, s01, s10, s11;
    if (bias) {
      s00 = s10 = bias[c];
      s01 = s11 = bias[c + 1];
    } else {
      s00 = s01 = s10 = s11 = 0;
    }
    TS_COL_LOOP_2X2();
    if (tail) { /* the column holds zeros past the last tap */
      TS_COL_STEP_2X2(x, ts_dsp_load_tail(w0, tail), ts_dsp_load_tail(w1, tail));
    }
    w0 = w1 + tail; /* the next pair's first filter */
    if (quick == 2 || (quick == 1 && (uint32_t)(-shift[c] - 1) < 23u && (uint32_t)(-shift[c + 1] - 1) < 23u)) {
      const int32_t m0 = mult[c], m1 = mult[c + 1];
      const int32_t r0 = -shift[c], r1 = -shift[c + 1];
      const int32_t n0 = (int32_t)((uint32_t)oo21 << (r0 - 1)), n1 = (int32_t)((uint32_t)oo21 << (r1 - 1));
      const int32_t v00 = ts_dsp_ssat8(ts_dsp_rq_shifted(s00, m0, r0, n0));
      const int32_t v01 = ts_dsp_ssat8(ts_dsp_rq_shifted(s01, m1, r1, n1));
      const int32_t v10 = ts_dsp_ssat8(ts_dsp_rq_shifted(s10, m0, r0, n0));
      const int32_t v11 = ts_dsp_ssat8(ts_dsp_rq_shifted(s11, m1, r1, n1));
      uint32_t w = ts_dsp_pack8x4(v00, v01, v10, v11);
      if (clamp) w = ts_dsp_clamp8x4(w, lo4, hi4);
      ts_dsp_store2(d1 + c, w >> 16);
      ts_dsp_store2(d0 + c, w);
    } else {
      ts_conv_store_2x2(o, c, s00, s01, s10, s11, d0, d1);
    }
  }
  if (c < out_c) ts_conv_col_last(col, k, w0, bias, o, c, d0, d1);
}

__attribute__((noinline)) static void ts_conv_col_pair_q(const uint32_t* col, int32_t k, const int8_t* filter,
                               const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                               int8_t* d0, int8_t* d1) {
  ts_conv_col_pair_impl(col, k, filter, bias, out_c, o, d0, d1, 2, 1);
}

/* The same when the activation range is [-128, 127] (SSAT is the clamp). */
__attribute__((noinline)) static void ts_conv_col_pair_qf(const uint32_t* col, int32_t k, const int8_t* filter,
                               const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                               int8_t* d0, int8_t* d1) {
  ts_conv_col_pair_impl(col, k, filter, bias, out_c, o, d0, d1, 2, 0);
}

__attribute__((noinline)) static void ts_conv_col_pair_m(const uint32_t* col, int32_t k, const int8_t* filter,
                               const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                               int8_t* d0, int8_t* d1) {
  ts_conv_col_pair_impl(col, k, filter, bias, out_c, o, d0, d1, 1, 1);
}

__attribute__((noinline)) static void ts_conv_col_pair_g(const uint32_t* col, int32_t k, const int8_t* filter,
                               const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                               int8_t* d0, int8_t* d1) {
  ts_conv_col_pair_impl(col, k, filter, bias, out_c, o, d0, d1, 0, 1);
}

/* Modes 5 and 6: both pixels of the doubled column, every output channel; the sums start at
 * twice the biases and requantize through ts_dsp_rq_doubled (four instructions per output
 * byte with its SSAT, against eight for ts_dsp_rq_shifted). `clamp`: 0 when the activation
 * range is [-128, 127]. */
static inline __attribute__((always_inline)) void ts_conv_col_pair_d_impl(
    const uint32_t* col, int32_t k, const int8_t* filter, const int32_t* bias, int32_t out_c,
    const ts_conv_out* o, int8_t* d0, int8_t* d1, const int clamp, int32_t c0) {
  const int32_t tail = k & 3;
  const uint32_t* const cend = col + 4 * (k >> 2);
  const int32_t* mult = o->mult;
  const int32_t* shift = o->shift;
  const uint32_t oo21 = (uint32_t)(2 * o->out_offset + 1);
  const uint32_t lo4 = o->lo4, hi4 = o->hi4;
  const int8_t* w0 = filter; /* channel c0's filter */
  int32_t c;
  for (c = c0; c + 1 < out_c; c += 2) {
    const int8_t* w1 = w0 + k;
    const uint32_t* x = col;
    int32_t s00, s01, s10, s11;
    if (bias) {
      s00 = s10 = (int32_t)((uint32_t)bias[c] << 1);
      s01 = s11 = (int32_t)((uint32_t)bias[c + 1] << 1);
    } else {
      s00 = s01 = s10 = s11 = 0;
    }
    TS_COL_LOOP_2X2();
    if (tail) { /* the column holds zeros past the last tap */
      TS_COL_STEP_2X2(x, ts_dsp_load_tail(w0, tail), ts_dsp_load_tail(w1, tail));
    }
    w0 = w1 + tail; /* the next pair's first filter */
    {
      const int32_t m0 = mult[c], m1 = mult[c + 1];
      const int32_t r0 = -shift[c], r1 = -shift[c + 1];
      const int32_t n0 = (int32_t)(oo21 << (r0 - 1)), n1 = (int32_t)(oo21 << (r1 - 1));
      const int32_t v00 = ts_dsp_ssat8(ts_dsp_rq_doubled(s00, m0, r0, n0));
      const int32_t v01 = ts_dsp_ssat8(ts_dsp_rq_doubled(s01, m1, r1, n1));
      const int32_t v10 = ts_dsp_ssat8(ts_dsp_rq_doubled(s10, m0, r0, n0));
      const int32_t v11 = ts_dsp_ssat8(ts_dsp_rq_doubled(s11, m1, r1, n1));
      uint32_t w = ts_dsp_pack8x4(v00, v01, v10, v11);
      if (clamp) w = ts_dsp_clamp8x4(w, lo4, hi4);
      ts_dsp_store2(d1 + c, w >> 16);
      ts_dsp_store2(d0 + c, w);
    }
  }
  if (c < out_c) ts_conv_col_last(col, k, w0, bias, o, c, d0, d1);
}

#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
/* Four output channels x the column's two lanes (device, modes 5 and 6, k = 576: the 3x3
 * convolutions over 64 channels, whose four lanes do not fit the column): per half group one
 * LDRD of the two lanes' words, used for the four channels, whose filter words are k bytes
 * apart (immediate offsets, as ts_conv_c42_K) and loaded two at a time (pipelined), extended
 * and used per half group. Per group of four taps x two pixels x four channels (32 MACs): 40
 * modelled Cortex-M4 cycles (the two column words in the first filter pair's chain of single
 * loads), against 2 x 25 or so for the 2x2 kernel's C loop. The table
 * ({2 * bias, multiplier, nudge, shift} per channel) comes from ts_conv_p4_run, the context
 * (column, outputs, table, clamp bounds, column end, table end) sits in 32 bytes below the
 * stack pointer. Same sums as ts_conv_col_pair_d_impl, so the same bytes. */
typedef struct {
  const uint32_t* col;  /* 0 */
  int8_t* d0;           /* 4: the first pixel's output for the current four channels */
  const uint32_t* tbl;  /* 8 */
  int8_t* d1;           /* 12: the second pixel's */
  uint32_t lo4, hi4;    /* 16, 20 */
  const uint32_t* cend; /* 24: col + k */
  const uint32_t* tend; /* 28 */
} ts_p4_ctx;

#define TS_P4_PAIR(KA, KB, ROR, POST, A, B)          \
  "ldr %[e1], [%[w], #" KB "]\n\t"                   \
  "ldr %[e0], [%[w]" KA "]" POST "\n\t"              \
  "sxtb16 %[e0], %[e0]" ROR "\n\t"                   \
  "sxtb16 %[e1], %[e1]" ROR "\n\t"                   \
  "smlad %[" A "0], %[c0], %[e0], %[" A "0]\n\t"     \
  "smlad %[" A "1], %[c1], %[e0], %[" A "1]\n\t"     \
  "smlad %[" B "0], %[c0], %[e1], %[" B "0]\n\t"     \
  "smlad %[" B "1], %[c1], %[e1], %[" B "1]\n\t"
/* The same, the two column words loaded first in one chain of four single loads (TRM 3.3.2:
 * 5 cycles, against 3 for an LDRD and 3 for the two filter LDRs): 40 cycles a group. */
#define TS_P4_PAIR_COL(KA, KB, ROR, POST, A, B)      \
  "ldr %[c1], [%[x], #4]\n\t"                        \
  "ldr %[c0], [%[x]], #8\n\t"                        \
  "ldr %[e1], [%[w], #" KB "]\n\t"                   \
  "ldr %[e0], [%[w]" KA "]" POST "\n\t"              \
  "sxtb16 %[e0], %[e0]" ROR "\n\t"                   \
  "sxtb16 %[e1], %[e1]" ROR "\n\t"                   \
  "smlad %[" A "0], %[c0], %[e0], %[" A "0]\n\t"     \
  "smlad %[" A "1], %[c1], %[e0], %[" A "1]\n\t"     \
  "smlad %[" B "0], %[c0], %[e1], %[" B "0]\n\t"     \
  "smlad %[" B "1], %[c1], %[e1], %[" B "1]\n\t"
#define TS_P4_GROUP                                              \
  TS_P4_PAIR_COL("", "576", "", "", "a", "b")                    \
  TS_P4_PAIR(", #1152", "1728", "", "", "g", "h")                \
  TS_P4_PAIR_COL(", #1152", "1728", ", ror #8", "", "g", "h")    \
  TS_P4_PAIR("", "576", ", ror #8", ", #4", "a", "b")
#define TS_P4_RQ1(v)                                 \
  "add %[c0], %[e0], %[" v "], asr #31\n\t"          \
  "smmlar %[" v "], %[" v "], %[c1], %[c0]\n\t"      \
  "asr %[" v "], %[" v "], %[e1]\n\t"                \
  "ssat %[" v "], #8, %[" v "]\n\t"
#define TS_P4_RQ(off, A)                             \
  "ldr %[c1], [%[x], #" off "]\n\t"                 \
  "ldr %[e0], [%[x], #" off "+4]\n\t"                \
  "ldr %[e1], [%[x], #" off "+8]\n\t"                \
  TS_P4_RQ1(A "0") TS_P4_RQ1(A "1")
/* a pixel's four bytes (packed in v) to the output pointer at [sp, #off], advanced by 4 */
#define TS_P4_STORE4(v, off)                         \
  "ldr %[c0], [sp, #" off "]\n\t"                    \
  "strb %[" v "], [%[c0]]\n\t"                       \
  "lsr %[e0], %[" v "], #8\n\t"                      \
  "strb %[e0], [%[c0], #1]\n\t"                      \
  "lsr %[e0], %[" v "], #16\n\t"                     \
  "strb %[e0], [%[c0], #2]\n\t"                      \
  "lsr %[e0], %[" v "], #24\n\t"                     \
  "strb %[e0], [%[c0], #3]\n\t"                      \
  "add %[c0], %[c0], #4\n\t"                         \
  "str %[c0], [sp, #" off "]\n\t"
#define TS_P4_PACK                                   \
  "bfi %[a0], %[b0], #8, #8\n\t"                     \
  "bfi %[a0], %[g0], #16, #8\n\t"                    \
  "bfi %[a0], %[h0], #24, #8\n\t"                    \
  "bfi %[a1], %[b1], #8, #8\n\t"                     \
  "bfi %[a1], %[g1], #16, #8\n\t"                    \
  "bfi %[a1], %[h1], #24, #8\n\t"
#define TS_P4_CLAMP                                  \
  "ldrd %[b0], %[b1], [sp, #16]\n\t"                 \
  "ssub8 %[e0], %[a0], %[b0]\n\t"                    \
  "sel %[a0], %[a0], %[b0]\n\t"                      \
  "ssub8 %[e0], %[b1], %[a0]\n\t"                    \
  "sel %[a0], %[a0], %[b1]\n\t"                      \
  "ssub8 %[e0], %[a1], %[b0]\n\t"                    \
  "sel %[a1], %[a1], %[b0]\n\t"                      \
  "ssub8 %[e0], %[b1], %[a1]\n\t"                    \
  "sel %[a1], %[a1], %[b1]\n\t"
#define TS_P4_HEAD                                   \
  "sub sp, sp, #32\n\t"                              \
  "ldrd %[c0], %[c1], [%[x], #0]\n\t"                \
  "strd %[c0], %[c1], [sp, #0]\n\t"                  \
  "ldrd %[c0], %[c1], [%[x], #8]\n\t"                \
  "strd %[c0], %[c1], [sp, #8]\n\t"                  \
  "ldrd %[c0], %[c1], [%[x], #16]\n\t"               \
  "strd %[c0], %[c1], [sp, #16]\n\t"                 \
  "ldrd %[c0], %[c1], [%[x], #24]\n\t"               \
  "strd %[c0], %[c1], [sp, #24]\n\t"                 \
  "0:\n\t"                                           \
  "ldr %[x], [sp, #8]\n\t"                           \
  "ldr %[a0], [%[x]]\n\t"                            \
  "ldr %[b0], [%[x], #16]\n\t"                       \
  "ldr %[g0], [%[x], #32]\n\t"                       \
  "ldr %[h0], [%[x], #48]\n\t"                       \
  "ldr %[x], [sp, #0]\n\t"                           \
  "mov %[a1], %[a0]\n\t"                             \
  "mov %[b1], %[b0]\n\t"                             \
  "mov %[g1], %[g0]\n\t"                             \
  "mov %[h1], %[h0]\n\t"                             \
  "1:\n\t"                                           \
  TS_P4_GROUP TS_P4_GROUP TS_P4_GROUP TS_P4_GROUP    \
  "ldr %[e0], [sp, #24]\n\t"                         \
  "cmp %[x], %[e0]\n\t"                              \
  "bne 1b\n\t"                                       \
  "add %[w], %[w], #1728\n\t"                        \
  "ldr %[x], [sp, #8]\n\t"                           \
  TS_P4_RQ("4", "a") TS_P4_RQ("20", "b") TS_P4_RQ("36", "g") TS_P4_RQ("52", "h") \
  "add %[x], %[x], #64\n\t"                          \
  "str %[x], [sp, #8]\n\t"                           \
  TS_P4_PACK
#define TS_P4_TAIL                                   \
  TS_P4_STORE4("a0", "4") TS_P4_STORE4("a1", "12")   \
  "ldr %[e1], [sp, #28]\n\t"                         \
  "cmp %[x], %[e1]\n\t"                              \
  "bne 0b\n\t"                                       \
  "add sp, sp, #32"
#define TS_P4_OPERANDS                                                                            \
  : [x] "+r"(x), [w] "+r"(w), [a0] "=&r"(a0), [a1] "=&r"(a1), [b0] "=&r"(b0), [b1] "=&r"(b1),       \
    [g0] "=&r"(g0), [g1] "=&r"(g1), [h0] "=&r"(h0), [h1] "=&r"(h1), [c0] "=&r"(c0), [c1] "=&r"(c1), \
    [e0] "=&r"(e0), [e1] "=&r"(e1)                                                                \
  :                                                                                               \
  : "cc", "memory"

/* Every four channels of the context; returns the filter pointer after them. */
static __attribute__((noinline)) const int8_t* ts_conv_p4_576(const ts_p4_ctx* cx, const int8_t* w, int clamp) {
  uint32_t x = (uint32_t)cx;
  uint32_t a0, a1, b0, b1, g0, g1, h0, h1, c0, c1, e0, e1;
  if (clamp)
    __asm__ volatile(TS_P4_HEAD TS_P4_CLAMP TS_P4_TAIL TS_P4_OPERANDS);
  else
    __asm__ volatile(TS_P4_HEAD TS_P4_TAIL TS_P4_OPERANDS);
  return w;
}

/* The 2x2 kernel in a frame of its own (ts_conv_col_pair_d dispatches). */
__attribute__((noinline)) static void ts_conv_col_pair_d_c(const uint32_t* col, int32_t k, const int8_t* filter,
                                                           const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                                                           int8_t* d0, int8_t* d1) {
  ts_conv_col_pair_d_impl(col, k, filter, bias, out_c, o, d0, d1, o->mode == 5, 0);
}

/* Channels [c, out_c) of ts_conv_p4_run (at most three) through the 2x2 kernel. */
__attribute__((noinline)) static void ts_conv_p4_rest(const uint32_t* col, int32_t k, const int8_t* w,
                                                      const int32_t* bias, int32_t c, int32_t out_c,
                                                      const ts_conv_out* o, int8_t* d0, int8_t* d1) {
  ts_conv_col_pair_d_impl(col, k, w, bias, out_c, o, d0, d1, o->mode == 5, c);
}

/* ts_conv_col_pair_d for k = 576 and at least four channels: the table TS_P4_CHUNK channels
 * at a time in the column buffer above the two lanes (o->ctab, ts_conv_layout), four channels
 * per pass; returns the channels done (the last 1-3 go through ts_conv_p4_rest, called by
 * ts_conv_col_pair_d beside this frame rather than under it). */
__attribute__((noinline)) static int32_t ts_conv_p4_run(const uint32_t* col, int32_t k, const int8_t* filter,
                                                     const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                                                     int8_t* d0, int8_t* d1) {
  uint32_t* const t = o->ctab;
  const uint32_t oo21 = (uint32_t)(2 * o->out_offset + 1);
  const int clamp = o->mode == 5;
  const int8_t* w = filter;
  ts_p4_ctx cx;
  int32_t c = 0;
  cx.col = col;
  cx.lo4 = o->lo4;
  cx.hi4 = o->hi4;
  cx.cend = col + k;
  while (out_c - c >= 4) {
    const int32_t m = (out_c - c > TS_P4_CHUNK ? TS_P4_CHUNK : out_c - c) & ~3;
    int32_t j;
    for (j = 0; j < m; ++j) {
      const int32_t r = -o->shift[c + j];
      t[4 * j] = bias ? (uint32_t)bias[c + j] << 1 : 0u;
      t[4 * j + 1] = (uint32_t)o->mult[c + j];
      t[4 * j + 2] = oo21 << (r - 1);
      t[4 * j + 3] = (uint32_t)r;
    }
    cx.d0 = d0 + c;
    cx.d1 = d1 + c;
    cx.tbl = t;
    cx.tend = t + 4 * m;
    w = ts_conv_p4_576(&cx, w, clamp);
    c += m;
  }
  return c;
}
#endif

/* Modes 5 and 6 in one instantiation (the pair kernel only takes the rest of rows there). */
__attribute__((noinline)) static void ts_conv_col_pair_d(const uint32_t* col, int32_t k, const int8_t* filter,
                                                         const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                                                         int8_t* d0, int8_t* d1) {
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
  if (k == 576 && out_c >= 4 && o->ctab) {
    const int32_t c = ts_conv_p4_run(col, k, filter, bias, out_c, o, d0, d1);
    if (c < out_c) ts_conv_p4_rest(col, k, filter + (int64_t)c * k, bias, c, out_c, o, d0, d1);
    return;
  }
  ts_conv_col_pair_d_c(col, k, filter, bias, out_c, o, d0, d1);
#else
  ts_conv_col_pair_d_impl(col, k, filter, bias, out_c, o, d0, d1, o->mode == 5, 0);
#endif
}

/* One pixel (the column's lane 0) and every output channel: the odd last pixel of a window,
 * which the 2x2 kernel would compute twice. On the device four channels per pass (an
 * assembly loop of 24 instructions per group), the rest two at a time. */
__attribute__((noinline)) static void ts_conv_col_one(const uint32_t* col, int32_t k, const int8_t* filter,
                                                      const int32_t* bias, int32_t out_c,
                                                      const ts_conv_out* o, int8_t* d0) {
  const int32_t tail = k & 3;
  const uint32_t* const cend = col + 4 * (k >> 2);
  const int8_t* w0 = filter;
  int32_t c = 0;
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
  /* four channels per pass: the column's two words of a group loaded once for the four
   * filters (24 instructions per group against 30 for two passes of the loop below) */
  for (; c + 3 < out_c; c += 4) {
    const int8_t *w1 = w0 + k, *w2 = w1 + k, *w3 = w2 + k;
    const uint32_t* x = col;
    int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, r;
    if (x != cend) {
      uint32_t a, b, t, e;
      __asm__ volatile(
          "1:\n\t"
          "ldr %[b], [%[x], #8]\n\t"
          "ldr %[a], [%[x]], #16\n\t"
          "ldr %[t], [%[w0]], #4\n\t"
          "sxtb16 %[e], %[t]\n\t"
          "sxtb16 %[t], %[t], ror #8\n\t"
          "smlad %[s0], %[a], %[e], %[s0]\n\t"
          "smlad %[s0], %[b], %[t], %[s0]\n\t"
          "ldr %[t], [%[w1]], #4\n\t"
          "sxtb16 %[e], %[t]\n\t"
          "sxtb16 %[t], %[t], ror #8\n\t"
          "smlad %[s1], %[a], %[e], %[s1]\n\t"
          "smlad %[s1], %[b], %[t], %[s1]\n\t"
          "ldr %[t], [%[w2]], #4\n\t"
          "sxtb16 %[e], %[t]\n\t"
          "sxtb16 %[t], %[t], ror #8\n\t"
          "smlad %[s2], %[a], %[e], %[s2]\n\t"
          "smlad %[s2], %[b], %[t], %[s2]\n\t"
          "ldr %[t], [%[w3]], #4\n\t"
          "sxtb16 %[e], %[t]\n\t"
          "sxtb16 %[t], %[t], ror #8\n\t"
          "smlad %[s3], %[a], %[e], %[s3]\n\t"
          "smlad %[s3], %[b], %[t], %[s3]\n\t"
          "cmp %[x], %[cend]\n\t"
          "bne 1b"
          : [x] "+r"(x), [w0] "+r"(w0), [w1] "+r"(w1), [w2] "+r"(w2), [w3] "+r"(w3), [s0] "+r"(s0),
            [s1] "+r"(s1), [s2] "+r"(s2), [s3] "+r"(s3), [a] "=&r"(a), [b] "=&r"(b), [t] "=&r"(t),
            [e] "=&r"(e)
          : [cend] "r"(cend)
          : "cc", "memory");
    }
    if (tail) {
      const uint32_t a = x[0], b = x[2];
      uint32_t wt = ts_dsp_load_tail(w0, tail);
      s0 = ts_dsp_smlad(b, ts_dsp_sxtb16_ror8(wt), ts_dsp_smlad(a, ts_dsp_sxtb16(wt), s0));
      wt = ts_dsp_load_tail(w1, tail);
      s1 = ts_dsp_smlad(b, ts_dsp_sxtb16_ror8(wt), ts_dsp_smlad(a, ts_dsp_sxtb16(wt), s1));
      wt = ts_dsp_load_tail(w2, tail);
      s2 = ts_dsp_smlad(b, ts_dsp_sxtb16_ror8(wt), ts_dsp_smlad(a, ts_dsp_sxtb16(wt), s2));
      wt = ts_dsp_load_tail(w3, tail);
      s3 = ts_dsp_smlad(b, ts_dsp_sxtb16_ror8(wt), ts_dsp_smlad(a, ts_dsp_sxtb16(wt), s3));
    }
    w0 = w3 + tail;
    for (r = 0; r < 4; ++r) { /* one copy of the requantization (flash) */
      int32_t v = r == 0 ? s0 : r == 1 ? s1 : r == 2 ? s2 : s3;
      if (o->mode >= 5) v >>= 1; /* doubled column: the sums are even */
      if (bias) v += bias[c + r];
      d0[c + r] = ts_dsp_output(v, o->mult[c + r], o->shift[c + r], o->out_offset, o->act_min, o->act_max);
    }
  }
#endif
  for (; c < out_c; c += 2) {
    const int two = c + 1 < out_c;
    const int8_t* w1 = two ? w0 + k : w0;
    const uint32_t* x = col;
    int32_t s0 = 0, s1 = 0;
    while (x != cend) {
      const uint32_t a = x[0], b = x[2], wa = ts_dsp_load4(w0), wb = ts_dsp_load4(w1);
      s0 = ts_dsp_smlad(a, ts_dsp_sxtb16(wa), s0);
      s0 = ts_dsp_smlad(b, ts_dsp_sxtb16_ror8(wa), s0);
      s1 = ts_dsp_smlad(a, ts_dsp_sxtb16(wb), s1);
      s1 = ts_dsp_smlad(b, ts_dsp_sxtb16_ror8(wb), s1);
      x += 4;
      w0 += 4;
      w1 += 4;
    }
    if (tail) {
      const uint32_t wa = ts_dsp_load_tail(w0, tail), wb = ts_dsp_load_tail(w1, tail);
      s0 = ts_dsp_smlad(x[0], ts_dsp_sxtb16(wa), s0);
      s0 = ts_dsp_smlad(x[2], ts_dsp_sxtb16_ror8(wa), s0);
      s1 = ts_dsp_smlad(x[0], ts_dsp_sxtb16(wb), s1);
      s1 = ts_dsp_smlad(x[2], ts_dsp_sxtb16_ror8(wb), s1);
    }
    w0 = w1 + tail;
    if (o->mode >= 5) { /* doubled column */
      s0 >>= 1;
      s1 >>= 1;
    }
    if (bias) {
      s0 += bias[c];
      if (two) s1 += bias[c + 1];
    }
    d0[c] = ts_dsp_output(s0, o->mult[c], o->shift[c], o->out_offset, o->act_min, o->act_max);
    if (two) d0[c + 1] = ts_dsp_output(s1, o->mult[c + 1], o->shift[c + 1], o->out_offset, o->act_min, o->act_max);
  }
}

/* The im2col path applies: the taps fit the column (and the gather buffer when in_c is not
 * a multiple of 4, whose padding byte -input_offset must be an int8). */
static int ts_conv_col_fits(const ts_conv_params* p) {
  const int64_t k4 = ((int64_t)p->filter_h * p->filter_w * p->in_c + 3) & ~(int64_t)3;
  if (k4 <= 0 || k4 > TS_CONV_DSP_COL_MAX) return 0;
  if ((p->in_c & 3) != 0 && (k4 > TS_CONV_DSP_GATHER_MAX || k4 > TS_CONV_DSP_COL_MAX - TS_CONV_DSP_GATHER_WORDS ||
                             p->input_offset < -127 || p->input_offset > 128))
    return 0;
  return 1;
}

/* The column's layout in words from its start, one function for ts_conv_col_setup and
 * ts_conv2d_s8_workspace_bytes (the caller's workspace is exactly `words` words). Every choice
 * of ts_conv_col_setup is made against `limit` (TS_CONV_DSP_COL_MAX, less the gather area's
 * TS_CONV_DSP_GATHER_WORDS when in_c is not a multiple of 4), so a layer runs the same kernels
 * whatever its workspace; but the gather area (k4 bytes) sits right above the highest word
 * those choices can use (the quad kernel's four lanes, table, gather rows, staged outputs and
 * live runs, or the pair kernels' two lanes), not at the column's end, so a layer needs only
 * the words its own taps and channels take. */
typedef struct {
  int32_t limit;  /* the words ts_conv_col_setup's choices may use */
  int32_t gather; /* word offset of the gather area (in_c not a multiple of 4) */
  int32_t ctab;   /* word offset of the chunked table (TS_C42_CHUNK or TS_P4_CHUNK channels of
                     4 words) when the layer's kernels may need one, else -1 */
  int32_t words;  /* the whole layout */
} ts_conv_col_layout;

/* Room for the live runs (a word each) given free_words >= 2 words: no more than
 * TS_CONV_DSP_LIVE_RUNS, nor than out_c channels can form plus one (runs of live channels
 * alternate with pruned ones, so at most (out_c + 1) / 2; one more and ts_conv_live_runs
 * never cuts its last run short). */
static int32_t ts_conv_max_runs(int64_t free_words, int32_t out_c) {
  int64_t n = free_words < TS_CONV_DSP_LIVE_RUNS ? free_words : TS_CONV_DSP_LIVE_RUNS;
  if (n > (int64_t)(out_c + 1) / 2 + 1) n = (int64_t)(out_c + 1) / 2 + 1;
  return (int32_t)n;
}

static void ts_conv_layout(const ts_conv_params* p, ts_conv_col_layout* l) {
  const int32_t k = p->filter_h * p->filter_w * p->in_c, k4 = (k + 3) & ~3, out_c = p->out_c;
  const int gathered = (p->in_c & 3) != 0;
  int32_t top = k4; /* the pair kernels' two lanes */
  int32_t ctab = 0; /* the chunked table's words */
  l->limit = TS_CONV_DSP_COL_MAX - (gathered ? TS_CONV_DSP_GATHER_WORDS : 0);
  if (2 * k4 > l->limit && k == 576 && out_c >= 4) ctab = 4 * TS_P4_CHUNK; /* ts_conv_p4_run */
  if (2 * k4 <= l->limit) { /* the quad kernel (as ts_conv_col_setup places its parts) */
    int32_t used = 2 * k4, free_words;
    if (2 * k4 + 4 * out_c <= l->limit)
      used += 4 * out_c; /* table */
    else if (ts_c42_has(k) && out_c >= TS_C42_MIN) /* ts_conv_col4_pairs_run */
      ctab = 4 * (out_c < TS_C42_CHUNK ? out_c : TS_C42_CHUNK);
    if (gathered && used + k4 + 1 <= l->limit) used += k4 + 1;  /* gather rows */
    if (used + out_c <= l->limit) used += out_c;                /* staged outputs */
    free_words = l->limit - used;                               /* live runs */
    if (free_words >= 2) used += ts_conv_max_runs(free_words, out_c);
    top = used;
  }
  l->gather = top;
  l->words = top + (gathered ? k4 / 4 : 0);
  l->ctab = ctab ? l->words : -1; /* above every other part: the limit's choices stay the same */
  l->words += ctab;
}

/* The requantization mode of the im2col path (see ts_conv_out). Doubled sums (modes 5, 6)
 * need every multiplier above 2^30, every shift in [-24, -1], an input offset in
 * [-127, 128] and an output offset in [-128, 127], and |acc| < 2^30 (from |bias| and
 * |input + offset| * |weight| <= 255 * 128 = 32640 per tap), and the value
 * floor(x / 2^31) of ts_dsp_rq_doubled within int32: |acc| * mult / 2^31 + |nudge| + 2 below
 * 2^31, which only a shift of -24 (nudge up to 255 * 2^23) can break. */
static int ts_conv_mode(const ts_conv_params* p, const int32_t* bias, int32_t k4, int* pruned) {
  const int32_t out_c = p->out_c;
  int32_t c;
  int mode;
  *pruned = 0;
  {
    /* the common case in one pass (per call, so per window of a patch plan): every
     * multiplier above 2^30 and every shift in [-24, -1], which implies ts_dsp_rq_fast's
     * per-channel conditions; the same result as the general code below */
    const int32_t* mult = p->output_multiplier;
    const int32_t* shift = p->output_shift;
    int64_t acc = 0;
    int32_t minsh = 0;
    uint32_t top = 0; /* bit 31: a multiplier of 2^31 - 1, TS_CONSTANT_CHANNEL_MULTIPLIER (maybe a pruned channel) */
    int any24;
    for (c = 0; c < out_c; ++c) {
      const int32_t sh = shift[c];
      if (mult[c] <= (1 << 30) || (uint32_t)(sh + 24) > 23u) break;
      minsh = sh < minsh ? sh : minsh;
      top |= (uint32_t)mult[c] + 1u;
    }
    any24 = minsh == -24;
    *pruned = c == out_c && (top >> 31) != 0;
    if (c == out_c && p->act_min >= -128 && p->act_max <= 127 && p->act_min <= p->act_max) {
      if (bias) { /* the largest |bias| (2^31 for INT32_MIN) */
        uint32_t mb = 0;
        int32_t i;
        for (i = 0; i < out_c; ++i) {
          const int32_t v = bias[i];
          const uint32_t b = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
          mb = b > mb ? b : mb;
        }
        acc = (int64_t)mb;
      }
      if (p->output_offset < -128 || p->output_offset > 127) return 1;
      mode = any24 ? 2 : 3;
      acc += (int64_t)k4 * 32640;
      if (p->input_offset >= -127 && p->input_offset <= 128 && acc < ((int64_t)1 << 30)) {
        const int32_t oo21 = 2 * p->output_offset + 1;
        const int64_t nudge = (int64_t)(oo21 < 0 ? -oo21 : oo21) << 23;
        for (c = 0; any24 && c < out_c; ++c)
          if (shift[c] == -24 && ((acc * mult[c]) >> 31) + nudge + 2 >= ((int64_t)1 << 31)) break;
        if (!any24 || c == out_c) mode = 5;
      }
      if ((mode == 3 || mode == 5) && p->act_min == -128 && p->act_max == 127) ++mode;
      return mode;
    }
  }
  mode = ts_dsp_rq_fast(p->output_multiplier, p->output_shift, out_c, p->act_min, p->act_max);
  if (!mode || p->output_offset < -128 || p->output_offset > 127) return mode;
  mode = 3;
  for (c = 0; c < out_c; ++c)
    if (p->output_shift[c] < -23 || p->output_shift[c] > -1) mode = 2;
  if (p->input_offset >= -127 && p->input_offset <= 128) {
    int64_t acc = 0;
    for (c = 0; c < out_c; ++c) {
      const int64_t b = bias ? (bias[c] < 0 ? -(int64_t)bias[c] : bias[c]) : 0;
      if (p->output_multiplier[c] <= (1 << 30) || p->output_shift[c] < -24 || p->output_shift[c] > -1) break;
      if (b > acc) acc = b;
    }
    acc += (int64_t)k4 * 32640;
    if (c == out_c && acc < ((int64_t)1 << 30)) {
      const int32_t oo21 = 2 * p->output_offset + 1;
      const int64_t nudge = (int64_t)(oo21 < 0 ? -oo21 : oo21) << 23;
      for (c = 0; c < out_c; ++c)
        if (p->output_shift[c] == -24 && ((acc * p->output_multiplier[c]) >> 31) + nudge + 2 >= ((int64_t)1 << 31))
          break;
      if (c == out_c) mode = 5;
    }
  }
  if ((mode == 3 || mode == 5) && p->act_min == -128 && p->act_max == 127) ++mode;
  return mode;
}

/* What the column of one pixel needs, computed once per call. */
typedef struct {
  int32_t run;        /* filter_w * in_c: one filter row (dilation_w == 1) */
  int32_t step;       /* bytes between the input rows of two filter rows */
  int32_t k, k4;      /* taps per pixel, rounded up to 4 */
  int32_t ylim, xlim; /* a pixel whose first tap is at (iy, ix) with 0 <= iy < ylim and
                         0 <= ix < xlim has no padding tap */
  int fast;           /* dilation_w == 1 and such pixels exist */
  int dbl;            /* the column holds 2 * (input + offset) (modes 5 and 6) */
  uint32_t off2;
} ts_conv_geom;

/* Output pixel (oy, ox)'s column lane (`lanes` lanes per group): padding-free pixels inline
 * (filter_h runs of filter_w * in_c bytes), others through ts_conv_col_build. */
static inline __attribute__((always_inline)) void ts_conv_col_pixel(
    const ts_conv_params* p, ts_cbuf in, const ts_conv_geom* g, int32_t oy, int32_t ox,
    uint32_t* col, int8_t* gather, const int lanes, const int dbl) {
  const int32_t iy = oy * p->stride_h - p->pad_top, ix = ox * p->stride_w - p->pad_left;
  if (g->fast && (uint32_t)iy < (uint32_t)g->ylim && (uint32_t)ix < (uint32_t)g->xlim) {
    const int8_t* row = TS_PIXEL(in, iy, ix, p->in_c);
    int32_t ky;
    if ((g->run & 3) == 0) { /* whole groups per filter row (in_c a multiple of 4, or e.g. 4 x 1) */
      for (ky = 0; ky < p->filter_h; ++ky, row += g->step)
        col = ts_col_expand(col, row, g->run >> 2, g->off2, dbl, lanes);
    } else {
      int8_t* t = gather;
      for (ky = 0; ky < p->filter_h; ++ky, row += g->step) t = ts_gather_copy(t, row, g->run);
      ts_gather_fill(t, (int8_t)(-p->input_offset), g->k4 - g->k);
      ts_col_expand(col, gather, g->k4 >> 2, g->off2, dbl, lanes);
    }
    return;
  }
  ts_conv_col_build(p, in, oy, ox, col, g->off2, gather, dbl, lanes);
}

/* The column of a block of `lanes` pixels (ys[l], xs[l]), doubled when `dbl`. Kept out of
 * ts_conv_col_run so that its loop keeps its few variables in registers. */
/* The four lanes of a block whose pixels are padding-free, with whole groups per tap
 * (in_c a multiple of 4), their first taps at s, s + is, s + 2 is, s + 3 is: group by group,
 * doubled (the quad kernel's modes). */
static inline __attribute__((always_inline)) void ts_col_quad_expand(uint32_t* col, const int8_t* s, int32_t is,
                                                                     int32_t groups, int32_t rows, int32_t step,
                                                                     uint32_t off2) {
  const int8_t* s2 = s + 2 * is;
  int32_t ky, j;
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
  /* a group of the four lanes in 26 instructions (four LDRs, eight SXTAB16 and SADD16 each,
   * four STRDs, the loop's CMP/BNE), against 33 for GCC's schedule of the C (eight STRs) */
  (void)j;
  if (groups > 0)
    for (ky = 0; ky < rows; ++ky, s += step, s2 += step) {
      const int8_t *a = s, *b = s2;
      const uint32_t* const cend = col + 8 * groups;
      uint32_t x0, x1, x2, x3, e0, e1;
      __asm__ volatile(
          "1:\n\t"
          "ldr %[x1], [%[a], %[is]]\n\t"
          "ldr %[x0], [%[a]], #4\n\t"
          "ldr %[x3], [%[b], %[is]]\n\t"
          "ldr %[x2], [%[b]], #4\n\t"
          "sxtab16 %[e0], %[off2], %[x0]\n\t"
          "sxtab16 %[x0], %[off2], %[x0], ror #8\n\t"
          "sxtab16 %[e1], %[off2], %[x1]\n\t"
          "sxtab16 %[x1], %[off2], %[x1], ror #8\n\t"
          "sadd16 %[e0], %[e0], %[e0]\n\t"
          "sadd16 %[e1], %[e1], %[e1]\n\t"
          "sadd16 %[x0], %[x0], %[x0]\n\t"
          "sadd16 %[x1], %[x1], %[x1]\n\t"
          "strd %[x0], %[x1], [%[col], #16]\n\t"
          "strd %[e0], %[e1], [%[col]]\n\t"
          "sxtab16 %[e0], %[off2], %[x2]\n\t"
          "sxtab16 %[x2], %[off2], %[x2], ror #8\n\t"
          "sxtab16 %[e1], %[off2], %[x3]\n\t"
          "sxtab16 %[x3], %[off2], %[x3], ror #8\n\t"
          "sadd16 %[e0], %[e0], %[e0]\n\t"
          "sadd16 %[e1], %[e1], %[e1]\n\t"
          "sadd16 %[x2], %[x2], %[x2]\n\t"
          "sadd16 %[x3], %[x3], %[x3]\n\t"
          "strd %[x2], %[x3], [%[col], #24]\n\t"
          "strd %[e0], %[e1], [%[col], #8]\n\t"
          "adds %[col], %[col], #32\n\t"
          "cmp %[col], %[cend]\n\t"
          "bne 1b"
          : [a] "+r"(a), [b] "+r"(b), [col] "+r"(col), [x0] "=&r"(x0), [x1] "=&r"(x1), [x2] "=&r"(x2),
            [x3] "=&r"(x3), [e0] "=&r"(e0), [e1] "=&r"(e1)
          : [is] "r"(is), [off2] "r"(off2), [cend] "r"(cend)
          : "cc", "memory");
    }
#else
  for (ky = 0; ky < rows; ++ky, s += step, s2 += step) {
    const int8_t *a = s, *b = s2;
    for (j = 0; j < groups; ++j, a += 4, b += 4, col += 8) {
      uint32_t x0 = ts_dsp_load4(a), x1 = ts_dsp_load4(a + is);
      uint32_t e0 = ts_dsp_sxtab16(off2, x0), o0 = ts_dsp_sxtab16_ror8(off2, x0);
      uint32_t e1 = ts_dsp_sxtab16(off2, x1), o1 = ts_dsp_sxtab16_ror8(off2, x1);
      col[0] = ts_dsp_sadd16(e0, e0);
      col[1] = ts_dsp_sadd16(e1, e1);
      col[4] = ts_dsp_sadd16(o0, o0);
      col[5] = ts_dsp_sadd16(o1, o1);
      x0 = ts_dsp_load4(b);
      x1 = ts_dsp_load4(b + is);
      e0 = ts_dsp_sxtab16(off2, x0);
      o0 = ts_dsp_sxtab16_ror8(off2, x0);
      e1 = ts_dsp_sxtab16(off2, x1);
      o1 = ts_dsp_sxtab16_ror8(off2, x1);
      col[2] = ts_dsp_sadd16(e0, e0);
      col[3] = ts_dsp_sadd16(e1, e1);
      col[6] = ts_dsp_sadd16(o0, o0);
      col[7] = ts_dsp_sadd16(o1, o1);
    }
  }
#endif
}

/* The four lanes of a block whose pixels are padding-free, with whole groups per tap
 * (in_c a multiple of 4), their first taps at s, s + is, s + 2 is, s + 3 is: group by group,
 * doubled (the quad kernel's modes). */
__attribute__((noinline)) static void ts_conv_col_quad_fast(const ts_conv_params* p, const ts_conv_geom* g,
                                                            const int8_t* s, int32_t is, uint32_t* col) {
  ts_col_quad_expand(col, s, is, g->run >> 2, p->filter_h, g->step, g->off2);
}

/* The same when in_c is not a multiple of 4 (with dilation_w == 1): each pixel's filter_h runs
 * of filter_w * in_c bytes gathered into its row of k4 bytes of `gather` (4 * k4 + 4 bytes:
 * the column's unused end or the gather buffer; padding with the input zero point, which the
 * offset turns into 0), then the four rows expanded group by group. */
__attribute__((noinline)) static void ts_conv_col_quad_gather(const ts_conv_params* p, const ts_conv_geom* g,
                                                              const int8_t* s, int32_t is, uint32_t* col,
                                                              int8_t* gather, const int8_t* in_end) {
  const int32_t k4 = g->k4, run = g->run, step = g->step, words = (run + 3) >> 2;
  const int8_t pad = (int8_t)(-p->input_offset);
  /* whole words per run (up to 3 bytes past it, overwritten by the next run or the padding)
   * when the last pixel's last run has them inside the input and the gather buffer */
  const int over = s + 3 * is + (p->filter_h - 1) * step + 4 * words <= in_end;
  int l;
  for (l = 0; l < 4; ++l, s += is) {
    const int8_t* r = s;
    int8_t* t = gather + l * k4;
    int32_t ky;
    if (over && words == 3) { /* 3x3 filters over 3 channels: three words a row, loads together */
      uint32_t v;
      for (ky = 0; ky < p->filter_h; ++ky, r += step, t += run) {
        uint32_t v0 = ts_dsp_load4(r), v1 = ts_dsp_load4(r + 4), v2 = ts_dsp_load4(r + 8);
        __asm__("" : "+r"(v0), "+r"(v1), "+r"(v2));
        memcpy(t, &v0, 4);
        memcpy(t + 4, &v1, 4);
        memcpy(t + 8, &v2, 4);
      }
      v = ts_dsp_dup8(pad);
      memcpy(t, &v, 4);
    } else if (over) {
      uint32_t v;
      for (ky = 0; ky < p->filter_h; ++ky, r += step, t += run) {
        const int8_t* rr = r;
        int8_t* tt = t;
        int32_t i;
        for (i = words; i > 0; --i, rr += 4, tt += 4) {
          v = ts_dsp_load4(rr);
          memcpy(tt, &v, 4);
        }
      }
      v = ts_dsp_dup8(pad); /* the k4 - k padding bytes (and up to 3 more, overwritten) */
      memcpy(t, &v, 4);
    } else {
      for (ky = 0; ky < p->filter_h; ++ky, r += step) t = ts_gather_copy(t, r, run);
      ts_gather_fill(t, pad, k4 - g->k);
    }
  }
  ts_col_quad_expand(col, gather, k4, k4 >> 2, 1, 0, g->off2);
}

/* 3x3 filters over 3 channels (k = 27, k4 = 28; the stems of vww_96 and resnet8), padding-free
 * pixels: each pixel's seven words of taps straight from its three input rows of nine bytes,
 * without the gather buffer: row 0's bytes 0-3 and 4-7, row 0's byte 8 with row 1's 0-2 (LDRB,
 * LDR, ORR shifted), row 1's 3-6, row 1's 7-8 with row 2's 0-1 (a halfword load), row 2's 2-5,
 * and row 2's 6-8 with the padding byte -input_offset above (its column value 0); every load
 * lies within the row's nine bytes. Then expanded (+ offset, doubled) into the pixel's lane. */
__attribute__((noinline)) static void ts_conv_col_quad_333(const ts_conv_geom* g, const int8_t* s, int32_t is,
                                                           uint32_t* col, uint32_t padw) {
  const int32_t step = g->step;
  const uint32_t off2 = g->off2;
  int l;
  for (l = 0; l < 4; ++l, s += is, ++col) {
    const int8_t* const r1 = s + step;
    const int8_t* const r2 = r1 + step;
    uint16_t h;
    memcpy(&h, r1 + 7, 2);
#define TS_COL333_WORD(j, v)                                                        \
  do {                                                                              \
    const uint32_t x_ = (v), e_ = ts_dsp_sxtab16(off2, x_), o_ = ts_dsp_sxtab16_ror8(off2, x_); \
    col[8 * (j)] = ts_dsp_sadd16(e_, e_);                                           \
    col[8 * (j) + 4] = ts_dsp_sadd16(o_, o_);                                       \
  } while (0)
    TS_COL333_WORD(0, ts_dsp_load4(s));
    TS_COL333_WORD(1, ts_dsp_load4(s + 4));
    TS_COL333_WORD(2, (uint32_t)(uint8_t)s[8] | (ts_dsp_load4(r1) << 8));
    TS_COL333_WORD(3, ts_dsp_load4(r1 + 3));
    TS_COL333_WORD(4, (uint32_t)h | (ts_dsp_load4(r2) << 16));
    TS_COL333_WORD(5, ts_dsp_load4(r2 + 2));
    TS_COL333_WORD(6, (ts_dsp_load4(r2 + 5) >> 8) | padw);
#undef TS_COL333_WORD
  }
}

/* The four lanes of pixels (y, x) to (y, x + 3), doubled. */
__attribute__((noinline)) static void ts_conv_col_quad(const ts_conv_params* p, ts_cbuf in, const ts_conv_geom* g,
                                                       int32_t y, int32_t x, uint32_t* col, int8_t* gather) {
  int l;
  for (l = 0; l < 4; ++l) ts_conv_col_pixel(p, in, g, y, x + l, col + l, gather, 4, 1);
}

static inline __attribute__((always_inline)) void ts_conv_col_duo(const ts_conv_params* p, ts_cbuf in, const ts_conv_geom* g,
                                                      const int32_t* ys, const int32_t* xs, uint32_t* col,
                                                      int8_t* gather, int n) {
  int l;
  for (l = 0; l < n; ++l) ts_conv_col_pixel(p, in, g, ys[l], xs[l], col + l, gather, 2, g->dbl);
}

/* ---- quad kernel (modes 5 and 6): four pixels x one output channel ----
 * Each filter word is loaded and sign-extended once for four pixels (13.5-15 instructions per
 * group of 4 taps x 4 pixels on the device, against 18 per 4 taps x 2 pixels x 2 channels for
 * the pair kernel), and the per-channel work (bias, multiplier, shift) is shared by four outputs. */

/* The MAC loop of one channel over the four-lane column: x from the column's start to cend
 * (8 words per group), w advanced by 4 bytes per group, sums s0..s3 (the caller's). Runs at
 * least once (the caller checks x != cend). */
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
/* Assembly text shared by the quad kernel's loops (operands x, c0..c3, s0..s3 and the named
 * register `s` holding two sign-extended filter halfwords): the four lanes' SMLADs against one
 * filter register, and a half group, one LDMIA of the four lanes' words then those SMLADs. */
#define TS_Q4_SMLAD4(s)                              \
  "smlad %[s0], %[c0], %[" s "], %[s0]\n\t"          \
  "smlad %[s1], %[c1], %[" s "], %[s1]\n\t"          \
  "smlad %[s2], %[c2], %[" s "], %[s2]\n\t"          \
  "smlad %[s3], %[c3], %[" s "], %[s3]\n\t"
#define TS_Q4_HALF(s)                                \
  "ldmia %[x]!, {%[c0], %[c1], %[c2], %[c3]}\n\t"    \
  TS_Q4_SMLAD4(s)
/* A whole group from the filter word in register `f` (loaded before): the even taps' LDMIA
 * ahead of the two SXTB16s (e, then f itself for the odd taps), their SMLADs, then the odd half
 * group (TS_COL4_LOOP). */
#define TS_Q4_LDM_GROUP(f)                           \
  "ldmia %[x]!, {%[c0], %[c1], %[c2], %[c3]}\n\t"    \
  "sxtb16 %[e], %[" f "]\n\t"                        \
  "sxtb16 %[" f "], %[" f "], ror #8\n\t"            \
  TS_Q4_SMLAD4("e")                                  \
  TS_Q4_HALF(f)
/* Each half group (the four lanes' even or odd taps) is one LDMIA of four words, into four
 * registers fixed in ascending order (r8-r11: LDM fills them in register order), and the
 * groups go two per iteration: 27 instructions per two groups (the first group alone when
 * their number is odd, 13), against 17 per group with LDRD of the column. Both filter words
 * by one LDRD when the filter pointer is word-aligned (LDRD faults otherwise: a filter need
 * not be), else by two LDRs (28). */
#define TS_COL4_LOOP()                                                                     \
  do {                                                                                     \
    register uint32_t c0_ __asm__("r8");                                                    \
    register uint32_t c1_ __asm__("r9");                                                    \
    register uint32_t c2_ __asm__("r10");                                                   \
    register uint32_t c3_ __asm__("r11");                                                   \
    uint32_t e_, o_, u_;                                                                   \
    if (((cend - x) >> 3) & 1) {                                                           \
      __asm__ volatile(                                                                    \
          "ldr %[o], [%[w]], #4\n\t"                                                       \
          TS_Q4_LDM_GROUP("o")                                                             \
          : [x] "+r"(x), [w] "+r"(w), [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2),         \
            [s3] "+r"(s3), [c0] "=&r"(c0_), [c1] "=&r"(c1_), [c2] "=&r"(c2_),              \
            [c3] "=&r"(c3_), [e] "=&r"(e_), [o] "=&r"(o_)                                  \
          :                                                                                \
          : "memory");                                                                     \
    }                                                                                      \
    if (x == cend) {                                                                       \
    } else if ((((uintptr_t)w) & 3) == 0) {                                                \
      __asm__ volatile(                                                                    \
          "1:\n\t"                                                                         \
          "ldrd %[o], %[u], [%[w]], #8\n\t"                                                 \
          TS_Q4_LDM_GROUP("o")                                                             \
          TS_Q4_LDM_GROUP("u")                                                             \
          "cmp %[x], %[cend]\n\t"                                                          \
          "bne 1b"                                                                         \
          : [x] "+r"(x), [w] "+r"(w), [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2),         \
            [s3] "+r"(s3), [c0] "=&r"(c0_), [c1] "=&r"(c1_), [c2] "=&r"(c2_),              \
            [c3] "=&r"(c3_), [e] "=&r"(e_), [o] "=&r"(o_), [u] "=&r"(u_)                   \
          : [cend] "r"(cend)                                                               \
          : "cc", "memory");                                                               \
    } else                                                                                 \
      __asm__ volatile(                                                                    \
          "1:\n\t"                                                                         \
          "ldr %[o], [%[w]], #4\n\t"                                                       \
          TS_Q4_LDM_GROUP("o")                                                             \
          "ldr %[o], [%[w]], #4\n\t"                                                       \
          TS_Q4_LDM_GROUP("o")                                                             \
          "cmp %[x], %[cend]\n\t"                                                          \
          "bne 1b"                                                                         \
          : [x] "+r"(x), [w] "+r"(w), [s0] "+r"(s0), [s1] "+r"(s1), [s2] "+r"(s2),         \
            [s3] "+r"(s3), [c0] "=&r"(c0_), [c1] "=&r"(c1_), [c2] "=&r"(c2_),              \
            [c3] "=&r"(c3_), [e] "=&r"(e_), [o] "=&r"(o_)                                  \
          : [cend] "r"(cend)                                                               \
          : "cc", "memory");                                                               \
  } while (0)
#else
#define TS_COL4_LOOP()                         \
  do {                                         \
    do {                                       \
      TS_COL4_STEP(x, ts_dsp_load4(w));        \
      x += 8;                                  \
      w += 4;                                  \
    } while (x != cend);                       \
  } while (0)
#endif

/* One group of four taps of the four lanes (x[0..7]) against one filter word. */
#define TS_COL4_STEP(x, w_in)                          \
  do {                                                 \
    const uint32_t w_ = (w_in);                        \
    const uint32_t e_ = ts_dsp_sxtb16(w_), o_ = ts_dsp_sxtb16_ror8(w_); \
    s0 = ts_dsp_smlad((x)[0], e_, s0);                 \
    s1 = ts_dsp_smlad((x)[1], e_, s1);                 \
    s2 = ts_dsp_smlad((x)[2], e_, s2);                 \
    s3 = ts_dsp_smlad((x)[3], e_, s3);                 \
    s0 = ts_dsp_smlad((x)[4], o_, s0);                 \
    s1 = ts_dsp_smlad((x)[5], o_, s1);                 \
    s2 = ts_dsp_smlad((x)[6], o_, s2);                 \
    s3 = ts_dsp_smlad((x)[7], o_, s3);                 \
  } while (0)

/* Per-channel constants of the quad kernel, {2 * bias, multiplier, nudge, right shift} per
 * channel (see ts_dsp_rq_doubled), kept in the unused end of the column when they fit. */
static void ts_conv_quad_table(uint32_t* t, const int32_t* bias, const ts_conv_out* o, int32_t out_c) {
  const uint32_t oo21 = (uint32_t)(2 * o->out_offset + 1);
  int32_t c;
  for (c = 0; c < out_c; ++c, t += 4) {
    const int32_t r = -o->shift[c];
    t[0] = bias ? (uint32_t)bias[c] << 1 : 0u;
    t[1] = (uint32_t)o->mult[c];
    t[2] = oo21 << (r - 1);
    t[3] = (uint32_t)r;
  }
}

/* Four pixels (the column's lanes 0..3), every output channel; pixel l's output is at
 * d + l * st. Filters are read a whole group at a time, past the end of a filter whose taps
 * are not a multiple of 4 into the next one (the column holds zeros there), except for the
 * last filters whose whole groups would reach past the filter array (the last one; the last
 * three when k = 1): their last group is read as its remaining bytes. `tbl`: the per-channel
 * constants (ts_conv_quad_table) when `table`, else they come from bias and o. `clamp`: 0
 * when the activation range is [-128, 127]. */
static inline __attribute__((always_inline)) void ts_conv_col4_impl(
    const uint32_t* col, int32_t k, const int8_t* filter, const int32_t* bias, int32_t out_c,
    const ts_conv_out* o, const uint32_t* tbl, int8_t* d, int32_t st, const int table, const int clamp) {
  const int32_t k4 = (k + 3) & ~3, tail = k & 3;
  const int32_t* mult = o->mult;
  const int32_t* shift = o->shift;
  const uint32_t oo21 = (uint32_t)(2 * o->out_offset + 1);
  const uint32_t lo4 = o->lo4, hi4 = o->hi4;
  /* channels [0, nfull) may read whole groups: c * k + k4 <= out_c * k */
  const int32_t nfull = out_c * k >= k4 ? (out_c * k - k4) / k + 1 : 0;
  const int8_t* w = filter;
  int32_t c;
  for (c = 0; c < out_c; ++c, ++d) {
    const uint32_t* x = col;
    int32_t s0, s1, s2, s3, m, r, n;
    if (table) {
      s0 = (int32_t)tbl[0];
      m = (int32_t)tbl[1];
      n = (int32_t)tbl[2];
      r = (int32_t)tbl[3];
      tbl += 4;
    } else {
      s0 = bias ? (int32_t)((uint32_t)bias[c] << 1) : 0;
    }
    s1 = s2 = s3 = s0;
    if (c < nfull) {
      const uint32_t* const cend = col + 2 * k4;
      TS_COL4_LOOP();
      w -= k4 - k;
    } else { /* the last filters (k % 4 != 0): whole groups, then the last 1..3 bytes */
      const uint32_t* const cend = col + 2 * (k - tail);
      if (x != cend) TS_COL4_LOOP();
      TS_COL4_STEP(x, ts_dsp_load_tail(w, tail));
      w += tail;
    }
    if (!table) {
      m = mult[c];
      r = -shift[c];
      n = (int32_t)(oo21 << (r - 1));
    }
    {
      const int32_t v0 = ts_dsp_ssat8(ts_dsp_rq_doubled(s0, m, r, n));
      const int32_t v1 = ts_dsp_ssat8(ts_dsp_rq_doubled(s1, m, r, n));
      const int32_t v2 = ts_dsp_ssat8(ts_dsp_rq_doubled(s2, m, r, n));
      const int32_t v3 = ts_dsp_ssat8(ts_dsp_rq_doubled(s3, m, r, n));
      int8_t* const d2 = d + 2 * st;
      if (clamp) {
        const uint32_t v = ts_dsp_clamp8x4(ts_dsp_pack8x4(v0, v1, v2, v3), lo4, hi4);
        d[0] = (int8_t)v;
        d[st] = (int8_t)(v >> 8);
        d2[0] = (int8_t)(v >> 16);
        d2[st] = (int8_t)(v >> 24);
      } else {
        d[0] = (int8_t)v0;
        d[st] = (int8_t)v1;
        d2[0] = (int8_t)v2;
        d2[st] = (int8_t)v3;
      }
    }
  }
}

#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
/* ts_conv_col4_impl with the table, every channel but the last ones whose whole groups would
 * reach past the filter array (their last group ts_conv_col4_impl reads safely), in one
 * assembly loop. Each half group of the column (four lanes' even or odd taps) is one LDMIA
 * into r8-r11 (as TS_COL4_LOOP), which leaves no register for the context: the block copies
 * it (column start, stride, table end, k4 - k, lo4, hi4) and the output pointer to 32 bytes
 * it takes below the stack pointer (given back at its end), and reads them there. Per
 * channel: the sums start from the table's 2 * bias in the first group's SMLADs (s3 holds
 * it until its own; 13 instructions), the other groups in a loop of 15 (at least one:
 * k > 4), 4 instructions per output (ADD, SMMLAR, ASR, SSAT; ts_dsp_rq_doubled), the four
 * byte stores (with the clamp of ts_dsp_clamp8x4 first when `clamp`; the filter pointer moved
 * back by k4 - k when k is not a multiple of 4): 30 instructions per channel beside the 13
 * and 15 per group, 41 with the clamp and the move (GCC's schedule of the C keeps about 50:
 * its variables do not fit the registers the MAC loop leaves). With k == 16 the groups are
 * unrolled (TS_Q4_HEAD16). */
#define TS_Q4_ENTER                                  \
  "sub sp, sp, #32\n\t"                              \
  "ldmia %[e], {%[c0], %[c1], %[c2], %[c3]}\n\t"     \
  "stmia sp, {%[c0], %[c1], %[c2], %[c3]}\n\t"       \
  "ldrd %[c0], %[c1], [%[e], #16]\n\t"               \
  "strd %[c0], %[c1], [sp, #16]\n\t"                 \
  "str %[t], [sp, #24]\n\t"
/* One group of the channel loop: the filter word into t, its two SXTB16s (e and t), the two
 * half groups. */
#define TS_Q4_GROUP                                  \
  "ldr %[t], [%[w]], #4\n\t"                         \
  "sxtb16 %[e], %[t]\n\t"                            \
  "sxtb16 %[t], %[t], ror #8\n\t"                    \
  TS_Q4_HALF("e")                                    \
  TS_Q4_HALF("t")
/* A channel's first group: the column start and the table's 2 * bias (into s3, which every
 * lane's first SMLAD adds until s3's own), the filter word, the even taps' LDMIA ahead of the
 * SXTB16s, then the odd half group. */
#define TS_Q4_FIRST                                  \
  "0:\n\t"                                           \
  "ldr %[x], [sp, #0]\n\t"                           \
  "ldr %[s3], [%[tbl]], #16\n\t"                     \
  "ldr %[t], [%[w]], #4\n\t"                         \
  "ldmia %[x]!, {%[c0], %[c1], %[c2], %[c3]}\n\t"    \
  "sxtb16 %[e], %[t]\n\t"                            \
  "sxtb16 %[t], %[t], ror #8\n\t"                    \
  "smlad %[s0], %[c0], %[e], %[s3]\n\t"              \
  "smlad %[s1], %[c1], %[e], %[s3]\n\t"              \
  "smlad %[s2], %[c2], %[e], %[s3]\n\t"              \
  "smlad %[s3], %[c3], %[e], %[s3]\n\t"              \
  TS_Q4_HALF("t")
#define TS_Q4_HEAD                                   \
  TS_Q4_FIRST                                      \
  "1:\n\t"                                           \
  TS_Q4_GROUP                                      \
  "cmp %[x], %[cend]\n\t"                            \
  "bne 1b\n\t"
#define TS_Q4_ADJUST                                 \
  "ldr %[t], [sp, #12]\n\t"                          \
  "sub %[w], %[w], %[t]\n\t"
#define TS_Q4_REQUANT                                \
  "ldrd %[c0], %[c1], [%[tbl], #-12]\n\t"            \
  "ldr %[c2], [%[tbl], #-4]\n\t"                     \
  "add %[t], %[c1], %[s0], asr #31\n\t"              \
  "smmlar %[s0], %[s0], %[c0], %[t]\n\t"             \
  "asr %[s0], %[s0], %[c2]\n\t"                      \
  "ssat %[s0], #8, %[s0]\n\t"                        \
  "add %[t], %[c1], %[s1], asr #31\n\t"              \
  "smmlar %[s1], %[s1], %[c0], %[t]\n\t"             \
  "asr %[s1], %[s1], %[c2]\n\t"                      \
  "ssat %[s1], #8, %[s1]\n\t"                        \
  "add %[t], %[c1], %[s2], asr #31\n\t"              \
  "smmlar %[s2], %[s2], %[c0], %[t]\n\t"             \
  "asr %[s2], %[s2], %[c2]\n\t"                      \
  "ssat %[s2], #8, %[s2]\n\t"                        \
  "add %[t], %[c1], %[s3], asr #31\n\t"              \
  "smmlar %[s3], %[s3], %[c0], %[t]\n\t"             \
  "asr %[s3], %[s3], %[c2]\n\t"                      \
  "ssat %[s3], #8, %[s3]\n\t"
/* The four outputs of a channel (s0..s3, requantized) to the output pointer in register `d`,
 * pixels t bytes apart (t = out_c, from the block's copy); the clamp to [lo, hi] first packs
 * them in s0 (BFI) and clamps the four bytes at once (SSUB8 / SEL against lo4 and hi4). */
#define TS_Q4_STORE_AT(d)                            \
  "strb %[s0], [%[" d "]]\n\t"                       \
  "strb %[s1], [%[" d "], %[t]]\n\t"                 \
  "add %[c1], %[" d "], %[t], lsl #1\n\t"            \
  "strb %[s2], [%[c1]]\n\t"                          \
  "strb %[s3], [%[c1], %[t]]\n\t"
#define TS_Q4_CLAMP8                                 \
  "bfi %[s0], %[s1], #8, #8\n\t"                     \
  "bfi %[s0], %[s2], #16, #8\n\t"                    \
  "bfi %[s0], %[s3], #24, #8\n\t"                    \
  "ldrd %[c0], %[c1], [sp, #16]\n\t"                 \
  "ssub8 %[t], %[s0], %[c0]\n\t"                     \
  "sel %[s0], %[s0], %[c0]\n\t"                      \
  "ssub8 %[t], %[c1], %[s0]\n\t"                     \
  "sel %[s0], %[s0], %[c1]\n\t"
#define TS_Q4_PACKED_STORE_AT(d)                     \
  "strb %[s0], [%[" d "]]\n\t"                       \
  "lsr %[s1], %[s0], #8\n\t"                         \
  "strb %[s1], [%[" d "], %[t]]\n\t"                 \
  "add %[c1], %[" d "], %[t], lsl #1\n\t"            \
  "lsr %[s2], %[s0], #16\n\t"                        \
  "strb %[s2], [%[c1]]\n\t"                          \
  "lsr %[s3], %[s0], #24\n\t"                        \
  "strb %[s3], [%[c1], %[t]]\n\t"
#define TS_Q4_STORE                                  \
  "ldr %[t], [sp, #4]\n\t"                           \
  "ldr %[e], [sp, #24]\n\t"                          \
  TS_Q4_STORE_AT("e")
#define TS_Q4_CLAMP_STORE                            \
  TS_Q4_CLAMP8                                       \
  "ldr %[t], [sp, #4]\n\t"                           \
  "ldr %[e], [sp, #24]\n\t"                          \
  TS_Q4_PACKED_STORE_AT("e")
#define TS_Q4_NEXT                                   \
  "adds %[e], %[e], #1\n\t"                          \
  "str %[e], [sp, #24]\n\t"                          \
  "ldr %[t], [sp, #8]\n\t"                           \
  "cmp %[tbl], %[t]\n\t"                             \
  "bne 0b\n\t"                                       \
  "ldr %[t], [sp, #24]\n\t"                          \
  "add sp, sp, #32"
#define TS_Q4_OPERANDS                                                                          \
  : [x] "=&r"(x), [w] "+r"(w), [tbl] "+r"(tbl), [t] "+r"(t), [e] "+r"(e), [s0] "=&r"(s0),      \
    [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3), [c0] "=&r"(c0), [c1] "=&r"(c1),             \
    [c2] "=&r"(c2), [c3] "=&r"(c3)                                                              \
  : [cend] "r"(cend)                                                                            \
  : "cc", "memory"

/* k == 16: the four groups unrolled (no column end to compare with), which leaves a register
 * for the output pointer: 82 instructions per channel against 90. */
#define TS_Q4_HEAD16                                 \
  TS_Q4_FIRST TS_Q4_GROUP TS_Q4_GROUP TS_Q4_GROUP
#define TS_Q4_STORE16                                \
  "ldr %[t], [sp, #4]\n\t"                           \
  TS_Q4_STORE_AT("dd")
#define TS_Q4_CLAMP_STORE16                          \
  TS_Q4_CLAMP8                                       \
  "ldr %[t], [sp, #4]\n\t"                           \
  TS_Q4_PACKED_STORE_AT("dd")
#define TS_Q4_NEXT16                                 \
  "adds %[dd], %[dd], #1\n\t"                        \
  "ldr %[t], [sp, #8]\n\t"                           \
  "cmp %[tbl], %[t]\n\t"                             \
  "bne 0b\n\t"                                       \
  "add sp, sp, #32"
#define TS_Q4_OPERANDS16                                                                        \
  : [x] "=&r"(x), [w] "+r"(w), [tbl] "+r"(tbl), [dd] "+r"(d), [t] "=&r"(t), [e] "+r"(e),       \
    [s0] "=&r"(s0), [s1] "=&r"(s1), [s2] "=&r"(s2), [s3] "=&r"(s3), [c0] "=&r"(c0),             \
    [c1] "=&r"(c1), [c2] "=&r"(c2), [c3] "=&r"(c3)                                              \
  :                                                                                             \
  : "cc", "memory"

/* k a multiple of 8 (from 24): the first two groups before the loop, the loop two groups per
 * iteration (28 instructions per two groups against 30, the second group 13 against 15). */
#define TS_Q4_HEAD2                                  \
  TS_Q4_FIRST TS_Q4_GROUP                          \
  "1:\n\t"                                           \
  TS_Q4_GROUP TS_Q4_GROUP                          \
  "cmp %[x], %[cend]\n\t"                            \
  "bne 1b\n\t"

/* What the assembly channel loop copies below the stack pointer (its 14 operands take every
 * register), set once per call (ts_conv_col4_ctx_init): the same for every block of the
 * call. The first six words, in this order, are the block's copy. */
typedef struct ts_conv_col4_ctx_s {
  const uint32_t* col;
  int32_t st;           /* out_c: the four pixels' outputs follow each other */
  const uint32_t* tend; /* the table's end for the channels of the loop */
  int32_t wadj;         /* k4 - k: bytes read past a filter's end */
  uint32_t lo4, hi4;
  const uint32_t* cend; /* the column's end */
  int32_t n;            /* the channels of the loop */
} ts_conv_col4_ctx;

static void ts_conv_col4_ctx_init(ts_conv_col4_ctx* ctx, const uint32_t* col, int32_t k, int32_t out_c,
                                  const ts_conv_out* o, const uint32_t* tbl) {
  const int32_t k4 = (k + 3) & ~3;
  /* as nfull in ts_conv_col4_impl; none when k <= 4 (the loop wants a second group) */
  ctx->n = k > 4 && out_c * k >= k4 ? (out_c * k - k4) / k + 1 : 0;
  ctx->col = col;
  ctx->st = out_c;
  ctx->tend = tbl + 4 * ctx->n;
  ctx->wadj = k4 - k;
  ctx->lo4 = o->lo4;
  ctx->hi4 = o->hi4;
  ctx->cend = col + 2 * k4;
}

/* The channels after the assembly loop (one instantiation, the clamp a variable). */
__attribute__((noinline)) static void ts_conv_col4_rest(const uint32_t* col, int32_t k, const int8_t* filter,
                                                        int32_t out_c, const ts_conv_out* o, const uint32_t* tbl,
                                                        int8_t* d, int32_t st, int clamp) {
  ts_conv_col4_impl(col, k, filter, 0, out_c, o, tbl, d, st, 1, clamp);
}

/* Two output channels x four pixels (device, table path, k a multiple of 8 among
 * TS_C42_KS): the column's four lanes as in the quad kernel, each half group read as two
 * LDRDs (two lanes each) and used for both channels, so each column word feeds two SMLADs
 * instead of one. The two channels' filter words are one LDR apart by k bytes (k an immediate
 * of the instantiation, which is why k is a parameter of the code: no register is left for
 * it) and are loaded, extended (SXTB16) and used per half group (loaded again for the odd
 * half: the raw words find no register either). Eight accumulators, two column words, two
 * filter words and the two pointers take all fourteen registers; the context (column start,
 * stride, table, output, clamp bounds, column end, table end) lives in 32 bytes below the
 * stack pointer for the block. Modelled Cortex-M4 cycles (firmware/cycles/m4_model.h) per
 * group of four taps, 32 MACs, per half: two filter and two column words in one chain of
 * single loads (2 + 1 + 1 + 1), two SXTB16, four SMLADs, two more column words (3), four
 * SMLADs: 36, against 2 x 22-25 for the one-channel loop; the groups are unrolled by eight
 * (k = 288), six (144) or four (128), the loop test (column end from the context) 5 cycles;
 * k = 16, 27, 32, 40 and 64 have no loop (TS_C42_FN_FLAT).
 * Per pair: the sums start from the table's 2 * bias, 4 instructions a requantization
 * (ts_dsp_rq_doubled), then the eight bytes (clamped four at a time with SSUB8 / SEL when
 * `clamp`). The sums are those of ts_conv_col4_impl (same products, same order of the int32
 * additions is not needed: exact mod 2^32), so the bytes are the same. */
typedef struct {
  const uint32_t* col;  /* 0 */
  int32_t st;           /* 4: out_c */
  const uint32_t* tbl;  /* 8: the pair's table entries (advanced per pair) */
  int8_t* d;            /* 12: the pair's first output (advanced by 2 per pair) */
  uint32_t lo4, hi4;    /* 16, 20 */
  const uint32_t* cend; /* 24: the column's end, col + 2 * k */
  const uint32_t* tend; /* 28: the table's end for the pairs */
} ts_c42_ctx;

/* A half group's multiply-accumulates once its filter words e0, e1 and the first pair of column
 * words are loaded: both filter words widened (ROR: their odd bytes), the second pair of column
 * words loaded between the two sets of four SMLADs. */
#define TS_C42_MACS(ROR)                             \
  "sxtb16 %[e0], %[e0]" ROR "\n\t"                   \
  "sxtb16 %[e1], %[e1]" ROR "\n\t"                   \
  "smlad %[a0], %[c0], %[e0], %[a0]\n\t"             \
  "smlad %[a1], %[c1], %[e0], %[a1]\n\t"             \
  "smlad %[b0], %[c0], %[e1], %[b0]\n\t"             \
  "smlad %[b1], %[c1], %[e1], %[b1]\n\t"             \
  "ldr %[c1], [%[x], #4]\n\t"                        \
  "ldr %[c0], [%[x]], #8\n\t"                        \
  "smlad %[a2], %[c0], %[e0], %[a2]\n\t"             \
  "smlad %[a3], %[c1], %[e0], %[a3]\n\t"             \
  "smlad %[b2], %[c0], %[e1], %[b2]\n\t"             \
  "smlad %[b3], %[c1], %[e1], %[b3]\n\t"

/* A half group: the four single loads chain (TRM 3.3.2: 2 + 1 + 1 + 1 = 5 cycles, against
 * 3 + 3 for two LDRs and an LDRD), the second pair of column words too (3, as an LDRD). */
#define TS_C42_HALF(K, ROR, POST)                    \
  "ldr %[e1], [%[w], #" #K "]\n\t"                   \
  "ldr %[e0], [%[w]]" POST "\n\t"                    \
  "ldr %[c1], [%[x], #4]\n\t"                        \
  "ldr %[c0], [%[x]], #8\n\t"                        \
  TS_C42_MACS(ROR)
#define TS_C42_GROUP(K) TS_C42_HALF(K, "", "") TS_C42_HALF(K, ", ror #8", ", #4")
/* The first half group of a loop-less instantiation: the sums start from the two channels'
 * 2 * bias in a3 and b3 (TS_C42_START_FLAT), read by each channel's first four SMLADs (a3 and
 * b3 last), instead of six MOVs. */
#define TS_C42_HALF_FIRST(K)                         \
  "ldr %[e1], [%[w], #" #K "]\n\t"                   \
  "ldr %[e0], [%[w]]\n\t"                            \
  "ldr %[c1], [%[x], #4]\n\t"                        \
  "ldr %[c0], [%[x]], #8\n\t"                        \
  "sxtb16 %[e0], %[e0]\n\t"                          \
  "sxtb16 %[e1], %[e1]\n\t"                          \
  "smlad %[a0], %[c0], %[e0], %[a3]\n\t"             \
  "smlad %[a1], %[c1], %[e0], %[a3]\n\t"             \
  "smlad %[b0], %[c0], %[e1], %[b3]\n\t"             \
  "smlad %[b1], %[c1], %[e1], %[b3]\n\t"             \
  "ldr %[c1], [%[x], #4]\n\t"                        \
  "ldr %[c0], [%[x]], #8\n\t"                        \
  "smlad %[a2], %[c0], %[e0], %[a3]\n\t"             \
  "smlad %[a3], %[c1], %[e0], %[a3]\n\t"             \
  "smlad %[b2], %[c0], %[e1], %[b3]\n\t"             \
  "smlad %[b3], %[c1], %[e1], %[b3]\n\t"
#define TS_C42_GROUP_FIRST(K) TS_C42_HALF_FIRST(K) TS_C42_HALF(K, ", ror #8", ", #4")
/* The last group of k = 4g + 3 taps (27: 3x3 filters over 3 channels): the second channel's
 * word is read one byte lower and shifted right by 8 (its three taps, a zero above), so no
 * byte past its filter is read; the first channel's fourth byte is the second channel's first,
 * against the column's zero tap. */
#define TS_C42_HALF3(K, ROR, POST)                   \
  "ldr %[e1], [%[w], #" #K " - 1]\n\t"               \
  "ldr %[e0], [%[w]]" POST "\n\t"                    \
  "ldr %[c1], [%[x], #4]\n\t"                        \
  "ldr %[c0], [%[x]], #8\n\t"                        \
  "lsr %[e1], %[e1], #8\n\t"                         \
  TS_C42_MACS(ROR)
#define TS_C42_GROUP3(K) TS_C42_HALF3(K, "", "") TS_C42_HALF3(K, ", ror #8", ", #4")
#define TS_C42_ENTER                                 \
  "sub sp, sp, #32\n\t"                              \
  "ldrd %[c0], %[c1], [%[x], #0]\n\t"                \
  "strd %[c0], %[c1], [sp, #0]\n\t"                  \
  "ldrd %[c0], %[c1], [%[x], #8]\n\t"                \
  "strd %[c0], %[c1], [sp, #8]\n\t"                  \
  "ldrd %[c0], %[c1], [%[x], #16]\n\t"               \
  "strd %[c0], %[c1], [sp, #16]\n\t"                 \
  "ldrd %[c0], %[c1], [%[x], #24]\n\t"               \
  "strd %[c0], %[c1], [sp, #24]\n\t"                 \
  "ldr %[x], [%[x], #8]\n\t"
/* (x holds the pair's table entries, at byte 8 of the context, at 0: set by TS_C42_ENTER, and kept
 * by TS_C42_REQUANT, which also stores it, when TS_C42_NEXT loops back) */
#define TS_C42_START                                 \
  "0:\n\t"                                           \
  "ldr %[a0], [%[x]]\n\t"                            \
  "ldr %[b0], [%[x], #16]\n\t"                       \
  "ldr %[x], [sp, #0]\n\t"                           \
  "mov %[a1], %[a0]\n\t"                             \
  "mov %[a2], %[a0]\n\t"                             \
  "mov %[a3], %[a0]\n\t"                             \
  "mov %[b1], %[b0]\n\t"                             \
  "mov %[b2], %[b0]\n\t"                             \
  "mov %[b3], %[b0]\n\t"                             \
  "1:\n\t"
#define TS_C42_START_FLAT                            \
  "0:\n\t"                                           \
  "ldr %[a3], [%[x]]\n\t"                            \
  "ldr %[b3], [%[x], #16]\n\t"                       \
  "ldr %[x], [sp, #0]\n\t"
#define TS_C42_LOOP_END(K)                           \
  "ldr %[e0], [sp, #24]\n\t"                         \
  "cmp %[x], %[e0]\n\t"                              \
  "bne 1b\n\t"                                       \
  "add %[w], %[w], #" #K "\n\t"
#define TS_C42_RQ1(v)                                \
  "add %[c0], %[e0], %[" v "], asr #31\n\t"          \
  "smmlar %[" v "], %[" v "], %[c1], %[c0]\n\t"      \
  "asr %[" v "], %[" v "], %[e1]\n\t"                \
  "ssat %[" v "], #8, %[" v "]\n\t"
/* (each channel's multiplier, nudge and shift: three single loads in a chain, 2 + 1 + 1
 * cycles, against 3 + 2 for an LDRD and an LDR) */
#define TS_C42_REQUANT                               \
  "ldr %[x], [sp, #8]\n\t"                           \
  "ldr %[c1], [%[x], #4]\n\t"                        \
  "ldr %[e0], [%[x], #8]\n\t"                        \
  "ldr %[e1], [%[x], #12]\n\t"                       \
  TS_C42_RQ1("a0") TS_C42_RQ1("a1") TS_C42_RQ1("a2") TS_C42_RQ1("a3") \
  "ldr %[c1], [%[x], #20]\n\t"                       \
  "ldr %[e0], [%[x], #24]\n\t"                       \
  "ldr %[e1], [%[x], #28]\n\t"                       \
  TS_C42_RQ1("b0") TS_C42_RQ1("b1") TS_C42_RQ1("b2") TS_C42_RQ1("b3") \
  "add %[x], %[x], #32\n\t"                          \
  "str %[x], [sp, #8]\n\t"                           \
  "ldr %[c0], [sp, #12]\n\t"                         \
  "ldr %[c1], [sp, #4]\n\t"                          \
  "add %[e0], %[c0], #2\n\t"                         \
  "str %[e0], [sp, #12]\n\t"
/* (each pixel's address computed two stores before its first: no store directly follows the
 * instruction that writes its address register, TRM 3.3.2's stall; e0 and e1 are free here) */
#define TS_C42_STORE                                 \
  "add %[e0], %[c0], %[c1]\n\t"                      \
  "strb %[a0], [%[c0]]\n\t"                          \
  "strb %[b0], [%[c0], #1]\n\t"                      \
  "add %[e1], %[e0], %[c1]\n\t"                      \
  "strb %[a1], [%[e0]]\n\t"                          \
  "strb %[b1], [%[e0], #1]\n\t"                      \
  "add %[c0], %[e1], %[c1]\n\t"                      \
  "strb %[a2], [%[e1]]\n\t"                          \
  "strb %[b2], [%[e1], #1]\n\t"                      \
  "strb %[a3], [%[c0]]\n\t"                          \
  "strb %[b3], [%[c0], #1]\n\t"
/* clamp: (a0, b0, a1, b1) packed in a0 and (a2, b2, a3, b3) in a2, each clamped to
 * [lo4, hi4] (bytes), stored by bytes */
#define TS_C42_CLAMP_STORE                           \
  "bfi %[a0], %[b0], #8, #8\n\t"                     \
  "bfi %[a0], %[a1], #16, #8\n\t"                    \
  "bfi %[a0], %[b1], #24, #8\n\t"                    \
  "bfi %[a2], %[b2], #8, #8\n\t"                     \
  "bfi %[a2], %[a3], #16, #8\n\t"                    \
  "bfi %[a2], %[b3], #24, #8\n\t"                    \
  "ldrd %[b0], %[b1], [sp, #16]\n\t"                 \
  "ssub8 %[e0], %[a0], %[b0]\n\t"                    \
  "sel %[a0], %[a0], %[b0]\n\t"                      \
  "ssub8 %[e0], %[b1], %[a0]\n\t"                    \
  "sel %[a0], %[a0], %[b1]\n\t"                      \
  "ssub8 %[e0], %[a2], %[b0]\n\t"                    \
  "sel %[a2], %[a2], %[b0]\n\t"                      \
  "ssub8 %[e0], %[b1], %[a2]\n\t"                    \
  "sel %[a2], %[a2], %[b1]\n\t"                      \
  "strb %[a0], [%[c0]]\n\t"                          \
  "lsr %[e0], %[a0], #8\n\t"                         \
  "strb %[e0], [%[c0], #1]\n\t"                      \
  "add %[c0], %[c0], %[c1]\n\t"                      \
  "lsr %[e0], %[a0], #16\n\t"                        \
  "strb %[e0], [%[c0]]\n\t"                          \
  "lsr %[e0], %[a0], #24\n\t"                        \
  "strb %[e0], [%[c0], #1]\n\t"                      \
  "add %[c0], %[c0], %[c1]\n\t"                      \
  "strb %[a2], [%[c0]]\n\t"                          \
  "lsr %[e0], %[a2], #8\n\t"                         \
  "strb %[e0], [%[c0], #1]\n\t"                      \
  "add %[c0], %[c0], %[c1]\n\t"                      \
  "lsr %[e0], %[a2], #16\n\t"                        \
  "strb %[e0], [%[c0]]\n\t"                          \
  "lsr %[e0], %[a2], #24\n\t"                        \
  "strb %[e0], [%[c0], #1]\n\t"
#define TS_C42_NEXT                                  \
  "ldr %[e1], [sp, #28]\n\t"                         \
  "cmp %[x], %[e1]\n\t"                              \
  "bne 0b\n\t"                                       \
  "ldr %[x], [sp, #12]\n\t"                          \
  "add sp, sp, #32"
#define TS_C42_OPERANDS                                                                           \
  : [x] "+r"(x), [w] "+r"(w), [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [a3] "=&r"(a3),       \
    [b0] "=&r"(b0), [b1] "=&r"(b1), [b2] "=&r"(b2), [b3] "=&r"(b3), [c0] "=&r"(c0), [c1] "=&r"(c1), \
    [e0] "=&r"(e0), [e1] "=&r"(e1)                                                                \
  :                                                                                               \
  : "cc", "memory"
#define TS_C42_BODY4(K) TS_C42_GROUP(K) TS_C42_GROUP(K) TS_C42_GROUP(K) TS_C42_GROUP(K)
#define TS_C42_BODY2(K) TS_C42_GROUP(K) TS_C42_GROUP(K)
#define TS_C42_BODY6(K) TS_C42_BODY4(K) TS_C42_BODY2(K)
#define TS_C42_BODY8(K) TS_C42_BODY4(K) TS_C42_BODY4(K)
/* One instantiation per k: every pair of the context; returns the filter pointer after them,
 * *d the output pointer after them. */
#define TS_C42_FN(K, BODY)                                                                        \
  static __attribute__((noinline)) const int8_t* ts_conv_c42_##K(const ts_c42_ctx* cx, const int8_t* w, \
                                                                int clamp, int8_t** d) {          \
    uint32_t x = (uint32_t)cx;                                                                    \
    uint32_t a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, e0, e1;                                      \
    if (clamp)                                                                                    \
      __asm__ volatile(TS_C42_ENTER TS_C42_START BODY(K) TS_C42_LOOP_END(K) TS_C42_REQUANT        \
                           TS_C42_CLAMP_STORE TS_C42_NEXT TS_C42_OPERANDS);                       \
    else                                                                                          \
      __asm__ volatile(TS_C42_ENTER TS_C42_START BODY(K) TS_C42_LOOP_END(K) TS_C42_REQUANT        \
                           TS_C42_STORE TS_C42_NEXT TS_C42_OPERANDS);                             \
    *d = (int8_t*)x;                                                                              \
    return w;                                                                                     \
  }
/* Without a loop (every group unrolled, `BODY`, its first group TS_C42_GROUP_FIRST), the
 * filter pointer then advanced to the next pair (ADV: 2k less the 4 bytes per group the
 * groups advanced it by). */
#define TS_C42_FN_FLAT(K, BODY, ADV)                                                              \
  static __attribute__((noinline)) const int8_t* ts_conv_c42_##K(const ts_c42_ctx* cx, const int8_t* w, \
                                                                int clamp, int8_t** d) {          \
    uint32_t x = (uint32_t)cx;                                                                    \
    uint32_t a0, a1, a2, a3, b0, b1, b2, b3, c0, c1, e0, e1;                                      \
    if (clamp)                                                                                    \
      __asm__ volatile(TS_C42_ENTER TS_C42_START_FLAT BODY "add %[w], %[w], #" #ADV "\n\t"        \
                           TS_C42_REQUANT TS_C42_CLAMP_STORE TS_C42_NEXT TS_C42_OPERANDS);        \
    else                                                                                          \
      __asm__ volatile(TS_C42_ENTER TS_C42_START_FLAT BODY "add %[w], %[w], #" #ADV "\n\t"        \
                           TS_C42_REQUANT TS_C42_STORE TS_C42_NEXT TS_C42_OPERANDS);              \
    *d = (int8_t*)x;                                                                              \
    return w;                                                                                     \
  }
TS_C42_FN_FLAT(27, TS_C42_GROUP_FIRST(27) TS_C42_GROUP(27) TS_C42_GROUP(27) TS_C42_GROUP(27) TS_C42_GROUP(27)
                   TS_C42_GROUP(27) TS_C42_GROUP3(27), 26)
TS_C42_FN_FLAT(16, TS_C42_GROUP_FIRST(16) TS_C42_GROUP(16) TS_C42_GROUP(16) TS_C42_GROUP(16), 16)
TS_C42_FN_FLAT(32, TS_C42_GROUP_FIRST(32) TS_C42_GROUP(32) TS_C42_GROUP(32) TS_C42_GROUP(32) TS_C42_GROUP(32) TS_C42_GROUP(32) TS_C42_GROUP(32) TS_C42_GROUP(32), 32)
TS_C42_FN_FLAT(40, TS_C42_GROUP_FIRST(40) TS_C42_GROUP(40) TS_C42_GROUP(40) TS_C42_GROUP(40) TS_C42_GROUP(40) TS_C42_GROUP(40) TS_C42_GROUP(40) TS_C42_GROUP(40) TS_C42_GROUP(40) TS_C42_GROUP(40), 40)
TS_C42_FN_FLAT(64, TS_C42_GROUP_FIRST(64) TS_C42_GROUP(64) TS_C42_GROUP(64) TS_C42_GROUP(64) TS_C42_GROUP(64) TS_C42_GROUP(64) TS_C42_GROUP(64) TS_C42_GROUP(64) TS_C42_GROUP(64) TS_C42_GROUP(64) TS_C42_GROUP(64) TS_C42_GROUP(64) TS_C42_GROUP(64) TS_C42_GROUP(64) TS_C42_GROUP(64) TS_C42_GROUP(64), 64)
TS_C42_FN(128, TS_C42_BODY4)
TS_C42_FN(144, TS_C42_BODY6)
TS_C42_FN(288, TS_C42_BODY8)

/* The pairs of the first n channels when k has an instantiation; returns the channels done. */
static inline __attribute__((always_inline)) int32_t ts_conv_c42(const uint32_t* col, int32_t k, const int8_t** w,
                                                                 int32_t n, const ts_conv_out* o, const uint32_t* tbl,
                                                                 int8_t** d, int32_t st, int clamp) {
  ts_c42_ctx cx;
  const int32_t np = n / 2;
  if (n < TS_C42_MIN || !ts_c42_has(k)) return 0;
  cx.col = col;
  cx.st = st;
  cx.tbl = tbl;
  cx.d = *d;
  cx.lo4 = o->lo4;
  cx.hi4 = o->hi4;
  cx.cend = col + 2 * ((k + 3) & ~3);
  cx.tend = tbl + 8 * np;
  switch (k) {
    case 27: *w = ts_conv_c42_27(&cx, *w, clamp, d); break;
    case 16: *w = ts_conv_c42_16(&cx, *w, clamp, d); break;
    case 32: *w = ts_conv_c42_32(&cx, *w, clamp, d); break;
    case 40: *w = ts_conv_c42_40(&cx, *w, clamp, d); break;
    case 64: *w = ts_conv_c42_64(&cx, *w, clamp, d); break;
    case 128: *w = ts_conv_c42_128(&cx, *w, clamp, d); break;
    case 144: *w = ts_conv_c42_144(&cx, *w, clamp, d); break;
    default: *w = ts_conv_c42_288(&cx, *w, clamp, d); break;
  }
  return 2 * np;
}

/* `st` must be out_c (ctx->st). The channels the two-channel or the assembly loop take;
 * returns how many, with *wp, *tp and *dp at the rest's filter, table entry and outputs (the
 * rest goes through ts_conv_col4_rest, which the caller calls beside this frame). */
static inline __attribute__((always_inline)) int32_t ts_conv_col4_asm(
    const uint32_t* col, int32_t k, const int8_t** wp, int32_t out_c, const ts_conv_out* o,
    const uint32_t** tp, int8_t** dp, int32_t st, const int clamp) {
  const ts_conv_col4_ctx* const ctx = o->actx;
  const int32_t k4 = (k + 3) & ~3;
  const uint32_t* const cend = ctx->cend;
  const int8_t* w = *wp;
  const uint32_t* tbl = *tp;
  int8_t* d = *dp;
  int32_t n = ctx->n;
  {
    /* every channel: the two-channel loops read no byte past the last filter (k = 27 too) */
    const int32_t done = ts_conv_c42(col, k, &w, out_c, o, tbl, &d, st, clamp);
    if (done) {
      *wp = w;
      *tp = tbl + 4 * done;
      *dp = d;
      return done;
    }
  }
  if (n > 0) {
    const uint32_t* x;
    int32_t s0, s1, s2, s3;
    register uint32_t c0 __asm__("r8");
    register uint32_t c1 __asm__("r9");
    register uint32_t c2 __asm__("r10");
    register uint32_t c3 __asm__("r11");
    uint32_t e = (uint32_t)ctx, t = (uint32_t)d;
    if (k == 16) {
      if (clamp)
        __asm__ volatile(TS_Q4_ENTER TS_Q4_HEAD16 TS_Q4_REQUANT TS_Q4_CLAMP_STORE16 TS_Q4_NEXT16
                             TS_Q4_OPERANDS16);
      else
        __asm__ volatile(TS_Q4_ENTER TS_Q4_HEAD16 TS_Q4_REQUANT TS_Q4_STORE16 TS_Q4_NEXT16 TS_Q4_OPERANDS16);
    } else if ((k & 7) == 0 && k >= 24) {
      if (clamp)
        __asm__ volatile(TS_Q4_ENTER TS_Q4_HEAD2 TS_Q4_REQUANT TS_Q4_CLAMP_STORE TS_Q4_NEXT TS_Q4_OPERANDS);
      else
        __asm__ volatile(TS_Q4_ENTER TS_Q4_HEAD2 TS_Q4_REQUANT TS_Q4_STORE TS_Q4_NEXT TS_Q4_OPERANDS);
    } else if (clamp && k4 != k)
      __asm__ volatile(TS_Q4_ENTER TS_Q4_HEAD TS_Q4_ADJUST TS_Q4_REQUANT TS_Q4_CLAMP_STORE TS_Q4_NEXT TS_Q4_OPERANDS);
    else if (clamp)
      __asm__ volatile(TS_Q4_ENTER TS_Q4_HEAD TS_Q4_REQUANT TS_Q4_CLAMP_STORE TS_Q4_NEXT TS_Q4_OPERANDS);
    else if (k4 != k)
      __asm__ volatile(TS_Q4_ENTER TS_Q4_HEAD TS_Q4_ADJUST TS_Q4_REQUANT TS_Q4_STORE TS_Q4_NEXT TS_Q4_OPERANDS);
    else
      __asm__ volatile(TS_Q4_ENTER TS_Q4_HEAD TS_Q4_REQUANT TS_Q4_STORE TS_Q4_NEXT TS_Q4_OPERANDS);
    if (k != 16) d = (int8_t*)t;
  }
  *wp = w;
  *tp = tbl;
  *dp = d;
  return n > 0 ? n : 0;
}

/* The table kernels' assembly part, without and with the clamp (a leaf frame: the rest's
 * ts_conv_col4_rest is called beside it, by ts_conv_col4_t / _tc). */
__attribute__((noinline)) static int32_t ts_conv_col4_asm_n(const uint32_t* col, int32_t k, const int8_t** wp,
                                                            int32_t out_c, const ts_conv_out* o, const uint32_t** tp,
                                                            int8_t** dp, int32_t st) {
  return ts_conv_col4_asm(col, k, wp, out_c, o, tp, dp, st, 0);
}

__attribute__((noinline)) static int32_t ts_conv_col4_asm_c(const uint32_t* col, int32_t k, const int8_t** wp,
                                                            int32_t out_c, const ts_conv_out* o, const uint32_t** tp,
                                                            int8_t** dp, int32_t st) {
  return ts_conv_col4_asm(col, k, wp, out_c, o, tp, dp, st, 1);
}
#endif

#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
/* ts_conv_col4 (no table in the column) when k has a two-channel instantiation: the table
 * built TS_C42_CHUNK channels at a time in the column buffer above the limit's words
 * (o->ctab, ts_conv_layout), in a frame of its own (an odd last channel through
 * ts_conv_col4_rest with its entry). */
__attribute__((noinline)) static int32_t ts_conv_col4_pairs_run(const uint32_t* col, int32_t k, const int8_t* filter,
                                                         const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                                                         const uint32_t* tbl, int8_t* d, int32_t st) {
  uint32_t* const t = o->ctab;
  const uint32_t oo21 = (uint32_t)(2 * o->out_offset + 1);
  const int clamp = o->mode == 5;
  const int8_t* w = filter;
  int32_t c = 0;
  (void)tbl;
  while (c < out_c) {
    const int32_t m = out_c - c > TS_C42_CHUNK ? TS_C42_CHUNK : out_c - c;
    int32_t j;
    for (j = 0; j < m; ++j) {
      const int32_t r = -o->shift[c + j];
      t[4 * j] = bias ? (uint32_t)bias[c + j] << 1 : 0u;
      t[4 * j + 1] = (uint32_t)o->mult[c + j];
      t[4 * j + 2] = oo21 << (r - 1);
      t[4 * j + 3] = (uint32_t)r;
    }
    j = ts_conv_c42(col, k, &w, m, o, t, &d, st, clamp);
    if (j < m) return c + j; /* an odd last channel: its table entry stays at t + 4 * j */
    c += m;
  }
  return c;
}
#endif

/* The instantiations: without the table (larger layers), with the
 * table without and with the clamp. */
__attribute__((noinline)) static void ts_conv_col4(const uint32_t* col, int32_t k, const int8_t* filter,
                                                   const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                                                   const uint32_t* tbl, int8_t* d, int32_t st) {
  if (o->mode == 5)
    ts_conv_col4_impl(col, k, filter, bias, out_c, o, tbl, d, st, 0, 1);
  else
    ts_conv_col4_impl(col, k, filter, bias, out_c, o, tbl, d, st, 0, 0);
}

#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
/* The quad kernel without the column's table when k has a two-channel instantiation: runs of
 * fewer than TS_C42_MIN channels (between pruned ones) keep the one-channel kernel, whose
 * set-up is smaller; a frame of its own keeps the table off the other path. */
__attribute__((noinline)) static void ts_conv_col4_pairs(const uint32_t* col, int32_t k, const int8_t* filter,
                                                         const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                                                         const uint32_t* tbl, int8_t* d, int32_t st) {
  if (out_c < TS_C42_MIN || !o->ctab) {
    ts_conv_col4(col, k, filter, bias, out_c, o, tbl, d, st);
  } else {
    /* the odd last channel beside ts_conv_col4_pairs_run's frame, not under it: its table
     * entry is the last chunk's (chunks start at multiples of TS_C42_CHUNK) */
    const int32_t c = ts_conv_col4_pairs_run(col, k, filter, bias, out_c, o, tbl, d, st);
    if (c < out_c)
      ts_conv_col4_rest(col, k, filter + (int64_t)c * k, out_c - c, o, o->ctab + 4 * (c % TS_C42_CHUNK), d + c, st,
                        o->mode == 5);
  }
}
#endif

__attribute__((noinline)) static void ts_conv_col4_t(const uint32_t* col, int32_t k, const int8_t* filter,
                                                     const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                                                     const uint32_t* tbl, int8_t* d, int32_t st) {
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
  const int8_t* w = filter;
  int32_t n;
  (void)bias;
  n = ts_conv_col4_asm_n(col, k, &w, out_c, o, &tbl, &d, st);
  if (n < out_c) ts_conv_col4_rest(col, k, w, out_c - n, o, tbl, d, st, 0);
#else
  ts_conv_col4_impl(col, k, filter, bias, out_c, o, tbl, d, st, 1, 0);
#endif
}

__attribute__((noinline)) static void ts_conv_col4_tc(const uint32_t* col, int32_t k, const int8_t* filter,
                                                      const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                                                      const uint32_t* tbl, int8_t* d, int32_t st) {
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
  const int8_t* w = filter;
  int32_t n;
  (void)bias;
  n = ts_conv_col4_asm_c(col, k, &w, out_c, o, &tbl, &d, st);
  if (n < out_c) ts_conv_col4_rest(col, k, w, out_c - n, o, tbl, d, st, 1);
#else
  ts_conv_col4_impl(col, k, filter, bias, out_c, o, tbl, d, st, 1, 1);
#endif
}

/* ---- eight-tap kernel (modes 5 and 6, a 1x1 filter over 8 channels, no padding): one pixel
 * x every output channel ----
 * With eight taps a pixel's column is four words (its two input words through SXTAB16), held
 * in registers while every output channel is computed from a per-call table of 8 words per
 * channel in the column buffer: the filter's four extended words doubled (sxtb16 / sxtb16
 * ror 8 of each filter word, each lane times 2: |2 w| <= 256 fits), 2 * bias, multiplier,
 * nudge, right shift (ts_dsp_rq_doubled). The sums are the same 2 * acc as with the doubled
 * column. Each pixel reads its taps before writing its outputs, in raster order: the
 * portable access order. On the device a channel is one LDMIA of five words (the filter
 * words and 2 * bias), four SMLADs, one LDMIA of three, ts_dsp_rq_doubled's four
 * instructions (the clamp's SSUB8/SEL pairs when the range is not [-128, 127]) and STRB with
 * post-increment: 12 instructions per output with two channels per iteration, against 14.5
 * for the quad kernel at k == 8. */
#define TS_CONV_K8_WORDS 8 /* table words per output channel */

static void ts_conv_k8_table(uint32_t* t, const int8_t* filter, const int32_t* bias, const ts_conv_out* o,
                             int32_t out_c) {
  const uint32_t oo21 = (uint32_t)(2 * o->out_offset + 1);
  int32_t c;
  for (c = 0; c < out_c; ++c, t += TS_CONV_K8_WORDS, filter += 8) {
    const uint32_t w0 = ts_dsp_load4(filter), w1 = ts_dsp_load4(filter + 4);
    const int32_t r = -o->shift[c];
    uint32_t e;
    e = ts_dsp_sxtb16(w0);
    t[0] = ts_dsp_sadd16(e, e);
    e = ts_dsp_sxtb16_ror8(w0);
    t[1] = ts_dsp_sadd16(e, e);
    e = ts_dsp_sxtb16(w1);
    t[2] = ts_dsp_sadd16(e, e);
    e = ts_dsp_sxtb16_ror8(w1);
    t[3] = ts_dsp_sadd16(e, e);
    t[4] = bias ? (uint32_t)bias[c] << 1 : 0u;
    t[5] = (uint32_t)o->mult[c];
    t[6] = oo21 << (r - 1);
    t[7] = (uint32_t)r;
  }
}

#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
#define TS_K8_BODY                                                    \
  "ldmia %[t]!, {%[w0], %[w1], %[w2], %[w3], %[acc]}\n\t"             \
  "smlad %[acc], %[x0], %[w0], %[acc]\n\t"                            \
  "smlad %[acc], %[x1], %[w1], %[acc]\n\t"                            \
  "smlad %[acc], %[x2], %[w2], %[acc]\n\t"                            \
  "smlad %[acc], %[x3], %[w3], %[acc]\n\t"                            \
  "ldmia %[t]!, {%[w0], %[w1], %[w2]}\n\t"                            \
  "add %[w3], %[w1], %[acc], asr #31\n\t"                             \
  "smmlar %[acc], %[acc], %[w0], %[w3]\n\t"                           \
  "asr %[acc], %[acc], %[w2]\n\t"                                     \
  "ssat %[acc], #8, %[acc]\n\t"
#define TS_K8_CLAMP                                                   \
  "ssub8 %[w3], %[acc], %[lo]\n\t"                                    \
  "sel %[acc], %[acc], %[lo]\n\t"                                     \
  "ssub8 %[w3], %[hi], %[acc]\n\t"                                    \
  "sel %[acc], %[acc], %[hi]\n\t"
#define TS_K8_STORE "strb %[acc], [%[d]], #1\n\t"
#define TS_K8_LOOP(body) "1:\n\t" body "cmp %[t], %[tend]\n\t" "bne 1b"
#endif

#if !(TS_DSP_NATIVE && defined(__OPTIMIZE__))
/* Every output channel of one pixel whose column words are x0..x3 (`clamp`: the range is not
 * [-128, 127]): the host's loop. */
static void ts_conv_k8_pixel(const uint32_t* t, const uint32_t* tend, uint32_t x0, uint32_t x1, uint32_t x2,
                             uint32_t x3, int8_t* d, uint32_t lo4, uint32_t hi4, int clamp) {
  for (; t != tend; t += TS_CONV_K8_WORDS) {
    int32_t acc = (int32_t)t[4];
    uint32_t v;
    acc = ts_dsp_smlad(x0, t[0], acc);
    acc = ts_dsp_smlad(x1, t[1], acc);
    acc = ts_dsp_smlad(x2, t[2], acc);
    acc = ts_dsp_smlad(x3, t[3], acc);
    v = (uint32_t)ts_dsp_ssat8(ts_dsp_rq_doubled(acc, (int32_t)t[5], (int32_t)t[7], (int32_t)t[6]));
    if (clamp) v = ts_dsp_clamp8x4(v, lo4, hi4);
    *d++ = (int8_t)v;
  }
}
#endif

/* A padding-free run of a 1x1 filter over eight channels: the pixels whose first input byte
 * is s, s + is, ..., up to se (excluded), outputs from d on. On the device one assembly
 * block: the run's constants in 24 bytes below the stack pointer (given back at its end), 15
 * instructions per pixel beside the channel loop (GCC's loop around the channel block keeps
 * about 36). Returns the output pointer past the run. */
static inline __attribute__((always_inline)) int8_t* ts_conv_k8_run1x1(const int8_t* s, int32_t is, const int8_t* se,
                                                                      uint32_t off2, const uint32_t* tbl,
                                                                      const uint32_t* tend, int8_t* d, uint32_t lo4,
                                                                      uint32_t hi4, int two, int clamp) {
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
  register uint32_t w0 __asm__("r8");
  register uint32_t w1 __asm__("r9");
  register uint32_t w2 __asm__("r10");
  register uint32_t w3 __asm__("r11");
  register uint32_t acc __asm__("r12");
  uint32_t x0 = (uint32_t)s, x1 = (uint32_t)is, x2 = off2, x3 = (uint32_t)se;
  const uint32_t* t = tbl;
#define TS_K8R_ENTER                \
  "sub sp, sp, #24\n\t"             \
  "str %[x0], [sp, #0]\n\t"         \
  "str %[x1], [sp, #4]\n\t"         \
  "str %[x2], [sp, #8]\n\t"         \
  "str %[x3], [sp, #12]\n\t"        \
  "str %[t], [sp, #16]\n\t"         \
  "2:\n\t"                          \
  "ldr %[w0], [sp, #0]\n\t"         \
  "ldr %[w1], [sp, #4]\n\t"         \
  "ldr %[x1], [%[w0]]\n\t"          \
  "ldr %[x3], [%[w0], #4]\n\t"      \
  "add %[w0], %[w0], %[w1]\n\t"     \
  "str %[w0], [sp, #0]\n\t"         \
  "ldr %[w2], [sp, #8]\n\t"         \
  "sxtab16 %[x0], %[w2], %[x1]\n\t" \
  "sxtab16 %[x1], %[w2], %[x1], ror #8\n\t" \
  "sxtab16 %[x2], %[w2], %[x3]\n\t" \
  "sxtab16 %[x3], %[w2], %[x3], ror #8\n\t" \
  "ldr %[t], [sp, #16]\n\t"
#define TS_K8R_NEXT                 \
  "\n\t"                            \
  "ldr %[w0], [sp, #0]\n\t"         \
  "ldr %[w1], [sp, #12]\n\t"        \
  "cmp %[w0], %[w1]\n\t"            \
  "bne 2b\n\t"                      \
  "add sp, sp, #24"
#define TS_K8R_OPERANDS                                                                         \
  : [t] "+r"(t), [d] "+r"(d), [x0] "+r"(x0), [x1] "+r"(x1), [x2] "+r"(x2), [x3] "+r"(x3),      \
    [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3), [acc] "=&r"(acc)           \
  : [tend] "r"(tend), [lo] "r"(lo4), [hi] "r"(hi4)                                               \
  : "cc", "memory"
  if (two && clamp)
    __asm__ volatile(TS_K8R_ENTER TS_K8_LOOP(TS_K8_BODY TS_K8_CLAMP TS_K8_STORE TS_K8_BODY TS_K8_CLAMP TS_K8_STORE)
                         TS_K8R_NEXT TS_K8R_OPERANDS);
  else if (two)
    __asm__ volatile(TS_K8R_ENTER TS_K8_LOOP(TS_K8_BODY TS_K8_STORE TS_K8_BODY TS_K8_STORE) TS_K8R_NEXT
                         TS_K8R_OPERANDS);
  else if (clamp)
    __asm__ volatile(TS_K8R_ENTER TS_K8_LOOP(TS_K8_BODY TS_K8_CLAMP TS_K8_STORE) TS_K8R_NEXT TS_K8R_OPERANDS);
  else
    __asm__ volatile(TS_K8R_ENTER TS_K8_LOOP(TS_K8_BODY TS_K8_STORE) TS_K8R_NEXT TS_K8R_OPERANDS);
  return d;
#else
  const int32_t out_c = (int32_t)(tend - tbl) / TS_CONV_K8_WORDS;
  (void)two;
  for (; s != se; s += is, d += out_c) {
    const uint32_t a = ts_dsp_load4(s), b = ts_dsp_load4(s + 4);
    ts_conv_k8_pixel(tbl, tend, ts_dsp_sxtab16(off2, a), ts_dsp_sxtab16_ror8(off2, a), ts_dsp_sxtab16(off2, b),
                     ts_dsp_sxtab16_ror8(off2, b), d, lo4, hi4, clamp);
  }
  return d;
#endif
}

/* The window's pixels in raster order through the eight-tap kernel (a 1x1 filter over eight
 * channels without padding: every pixel's taps are its input pixel's eight bytes, a row of
 * the window one run); `tbl`: the table (ts_conv_k8_table). */
__attribute__((noinline)) static void ts_conv_k8_run(const ts_conv_params* p, const ts_cbuf* in, const ts_buf* out,
                                                     const ts_window* win, uint32_t off2, const ts_conv_out* o,
                                                     const uint32_t* tbl) {
  const int32_t out_c = p->out_c, is = p->stride_w * 8, n = win->x1 - win->x0;
  const uint32_t* const tend = tbl + TS_CONV_K8_WORDS * out_c;
  const int two = (out_c & 1) == 0, clamp = o->mode == 5;
  int32_t y;
  for (y = win->y0; y < win->y1; ++y) {
    const int8_t* s = TS_PIXEL(*in, y * p->stride_h, win->x0 * p->stride_w, 8);
    ts_conv_k8_run1x1(s, is, s + n * is, off2, tbl, tend, TS_PIXEL(*out, y, win->x0, out_c), o->lo4, o->hi4, two,
                      clamp);
  }
}

/* The next pixel of the window in row-major order. */
static inline void ts_conv_next(ts_window win, int32_t* oy, int32_t* ox) {
  if (++*ox == win.x1) {
    *ox = win.x0;
    ++*oy;
  }
}

/* Everything a block of the im2col path needs (one pointer keeps the drivers' registers
 * free). */
typedef void (*ts_conv_kern4)(const uint32_t* col, int32_t k, const int8_t* filter, const int32_t* bias,
                              int32_t out_c, const ts_conv_out* o, const uint32_t* tbl, int8_t* d, int32_t st);
typedef struct {
  const ts_conv_params* p;
  const ts_cbuf* in;
  const ts_buf* out;
  const int8_t* filter;
  const int32_t* bias;
  const ts_conv_geom* g;
  const ts_conv_out* o;
  uint32_t* col;
  int8_t* gather;
  const uint32_t* tbl; /* the quad kernel's per-channel constants, or NULL */
  int8_t* qgather;     /* 4 * k4 + 4 bytes for ts_conv_col_quad_gather, or NULL */
  int8_t* stage;       /* 4 * out_c bytes: the outputs of a quad across rows, or NULL */
  ts_conv_kern4 kern4; /* the quad kernel */
  const int16_t* runs; /* pruned channels: the live ones' runs [runs[2i], runs[2i+1]), or NULL */
  int32_t nruns;
} ts_conv_blk;

/* A pruned channel's output (see ts_conv_live_runs). */
static inline int32_t ts_conv_pruned_value(const ts_conv_params* p, const int32_t* bias, int32_t c) {
  return p->output_offset + (bias ? bias[c] / 2 : 0);
}

/* Pruned channels. A channel whose filter is all zeros has the accumulator `bias` whatever
 * the input; the operator layer gives such channels multiplier 2^31 - 1, shift -1 and an even
 * bias |b| <= 1020 (src/ops/ops.h), for which the requantization is exactly b / 2: the
 * output is output_offset + b / 2 (b = 0 without a bias) when that is within the activation
 * range, which it is for the operator layer's b. ts_conv_live_runs finds the channels with
 * these parameters and such a value whose filter is all zeros (per call, reading the
 * filters of those channels only), and writes the runs of the other channels; the quad and
 * pair kernels then run channel run by channel run (each block's reads still all before its
 * writes) and store the constants of the others. Returns the
 * number of runs, or -1 when no channel is pruned. After max_runs - 1 runs, the last one
 * takes every channel to the end (pruned ones computed as any other). */
__attribute__((noinline)) static int32_t ts_conv_live_runs(const ts_conv_params* p, const int8_t* filter,
                                                          const int32_t* bias, int32_t k,
                                                          int16_t* runs, int32_t max_runs) {
  const int32_t out_c = p->out_c;
  const int32_t* mult = p->output_multiplier;
  const int32_t* shift = p->output_shift;
  int32_t c, n = 0, start = -1, pruned = 0;
  if (out_c > 32767) return -1;
  for (c = 0; c < out_c; ++c) {
    int dead = mult[c] == TS_CONSTANT_CHANNEL_MULTIPLIER && shift[c] == TS_CONSTANT_CHANNEL_SHIFT;
    if (dead) {
      const int32_t b = bias ? bias[c] : 0, v = p->output_offset + b / 2;
      dead = (b & 1) == 0 && b >= -1020 && b <= 1020 && v >= p->act_min && v <= p->act_max;
    }
    if (dead) {
      const int8_t* f = filter + (int64_t)c * k;
      int32_t i = 0;
      uint32_t any = 0;
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
      if (k >= 16 && ((uintptr_t)f & 3) == 0) { /* 16 bytes per LDMIA: 7 instructions, against 11 */
        register uint32_t w0 __asm__("r8");
        register uint32_t w1 __asm__("r9");
        register uint32_t w2 __asm__("r10");
        register uint32_t w3 __asm__("r11");
        const int8_t* const end = f + (k & ~15);
        __asm__("1:\n\t"
                "ldmia %[f]!, {%[w0], %[w1], %[w2], %[w3]}\n\t"
                "orr %[w0], %[w0], %[w1]\n\t"
                "orr %[w2], %[w2], %[w3]\n\t"
                "orr %[any], %[any], %[w0]\n\t"
                "orr %[any], %[any], %[w2]\n\t"
                "cmp %[f], %[end]\n\t"
                "bne 1b"
                : [f] "+r"(f), [any] "+r"(any), [w0] "=&r"(w0), [w1] "=&r"(w1), [w2] "=&r"(w2), [w3] "=&r"(w3)
                : [end] "r"(end)
                : "cc", "memory");
        i = k & ~15;
        f -= i;
      }
#endif
      for (; i + 16 <= k; i += 16)
        any |= ts_dsp_load4(f + i) | ts_dsp_load4(f + i + 4) | ts_dsp_load4(f + i + 8) | ts_dsp_load4(f + i + 12);
      for (; i < k; ++i) any |= (uint8_t)f[i];
      dead = any == 0;
    }
    if (!dead) {
      if (start < 0) start = c;
      if (n == max_runs - 1) break; /* the last run: to the end */
      continue;
    }
    ++pruned;
    if (start >= 0) {
      runs[2 * n] = (int16_t)start;
      runs[2 * n + 1] = (int16_t)c;
      ++n;
      start = -1;
    }
  }
  if (!pruned) return -1;
  if (start >= 0) {
    runs[2 * n] = (int16_t)start;
    runs[2 * n + 1] = (int16_t)out_c;
    ++n;
  }
  return n;
}

/* Pruned channels of a call (ts_conv_live_runs). */
typedef struct ts_conv_runs_s {
  const ts_conv_params* p;
  const int16_t* runs; /* the live channels' runs [runs[2i], runs[2i+1]) */
  int32_t n;
  ts_conv_kern4 kern4; /* the quad kernel of the live runs */
} ts_conv_runs;

/* Pruned channels [c, c1) of four pixels (outputs at d, d + st, d + 2 st, d + 3 st):
 * oo + b / 2 (b even, the sum within the activation range). A leaf of its own keeps
 * ts_conv_col4_runs' registers free. */
__attribute__((noinline)) static void ts_conv_pruned4(const int32_t* bias, int32_t oo, int32_t c, int32_t c1,
                                                      int8_t* d, int32_t st) {
  for (; c < c1; ++c) {
    const int32_t v = bias ? oo + (bias[c] >> 1) : oo;
    int8_t* const dc = d + c;
    dc[0] = (int8_t)v;
    dc[st] = (int8_t)v;
    dc[2 * st] = (int8_t)v;
    dc[3 * st] = (int8_t)v;
  }
}

/* A quad kernel (b->kern4 when a call has pruned channels): each run of live channels through
 * the call's quad kernel, the pruned channels' constants stored (outputs at d, d + st,
 * d + 2 st, d + 3 st). The run's channel slice is set in the call's own ts_conv_out and
 * assembly context (ts_conv_col_run's, never const objects) and restored after the last run:
 * no copies of them in this frame, which lies on the kernel's deepest stack path. */
__attribute__((noinline)) static void ts_conv_col4_runs(const uint32_t* col, int32_t k, const int8_t* filter,
                                                        const int32_t* bias, int32_t out_c, const ts_conv_out* o,
                                                        const uint32_t* tbl, int8_t* d, int32_t st) {
  const ts_conv_runs* const rs = o->runs;
  const int16_t* run = rs->runs;
  const int16_t* const run_end = run + 2 * rs->n;
  const int32_t oo = o->out_offset;
  ts_conv_out* const ro = (ts_conv_out*)o;
  const int32_t* const mult = o->mult;
  const int32_t* const shift = o->shift;
  int32_t c = 0;
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
  ts_conv_col4_ctx* const x = (ts_conv_col4_ctx*)o->actx;
  const uint32_t* const tend = x ? x->tend : 0;
  const int32_t xn = x ? x->n : 0;
  const int32_t k4 = (k + 3) & ~3;
#endif
  for (;;) {
    const int32_t c0 = run != run_end ? run[0] : out_c;
    if (c < c0) ts_conv_pruned4(bias, oo, c, c0, d, st);
    if (run == run_end) break;
    {
      const int32_t c1 = run[1];
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
      if (x) { /* the assembly loop's channels and table end for this run */
        const int32_t n = c1 - c0;
        x->n = k > 4 && n * k >= k4 ? (n * k - k4) / k + 1 : 0;
        x->tend = tbl + 4 * (c0 + x->n);
      }
#endif
      ro->mult = mult + c0;
      ro->shift = shift + c0;
      rs->kern4(col, k, filter + (int64_t)c0 * k, bias ? bias + c0 : 0, c1 - c0, o, tbl ? tbl + 4 * c0 : 0, d + c0,
                st);
      c = c1;
      run += 2;
    }
  }
  ro->mult = mult;
  ro->shift = shift;
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
  if (x) {
    x->n = xn;
    x->tend = tend;
  }
#endif
}

/* The pair kernel of the mode over the column's two lanes. */
static void ts_conv_two_kern(const uint32_t* col, int32_t k, const int8_t* filter, const int32_t* bias, int32_t out_c,
                             const ts_conv_out* o, int8_t* d0, int8_t* d1) {
  if (o->mode >= 5)
    ts_conv_col_pair_d(col, k, filter, bias, out_c, o, d0, d1);
  else if (o->mode == 4)
    ts_conv_col_pair_qf(col, k, filter, bias, out_c, o, d0, d1);
  else if (o->mode == 3)
    ts_conv_col_pair_q(col, k, filter, bias, out_c, o, d0, d1);
  else if (o->mode == 2)
    ts_conv_col_pair_m(col, k, filter, bias, out_c, o, d0, d1);
  else
    ts_conv_col_pair_g(col, k, filter, bias, out_c, o, d0, d1);
}

/* The pair kernel (one pixel when d1 is NULL) with pruned channels, as ts_conv_col4_runs (the
 * run's channel slice set in the call's own ts_conv_out, restored after each run). */
__attribute__((noinline)) static void ts_conv_two_runs(const ts_conv_blk* b, int8_t* d0, int8_t* d1) {
  const int32_t out_c = b->p->out_c, k = b->g->k;
  ts_conv_out* const o = (ts_conv_out*)b->o;
  const int32_t* const mult = o->mult;
  const int32_t* const shift = o->shift;
  int32_t r, c = 0;
  for (r = 0; r <= b->nruns; ++r) {
    const int32_t c0 = r < b->nruns ? b->runs[2 * r] : out_c;
    for (; c < c0; ++c) {
      const int32_t v = ts_conv_pruned_value(b->p, b->bias, c);
      d0[c] = (int8_t)v;
      if (d1) d1[c] = (int8_t)v;
    }
    if (r == b->nruns) break;
    {
      const int32_t c1 = b->runs[2 * r + 1];
      const int8_t* const f = b->filter + (int64_t)c0 * k;
      const int32_t* const bs = b->bias ? b->bias + c0 : 0;
      o->mult = mult + c0;
      o->shift = shift + c0;
      if (d1)
        ts_conv_two_kern(b->col, k, f, bs, c1 - c0, o, d0 + c0, d1 + c0);
      else
        ts_conv_col_one(b->col, k, f, bs, c1 - c0, o, d0 + c0);
      o->mult = mult;
      o->shift = shift;
      c = c1;
    }
  }
}

/* Pixels (y0, x0) and (y1, x1), in this order (both reads before either write), through the
 * pair kernel of the mode; a single pixel when they are the same. */
__attribute__((noinline)) static void ts_conv_col_two(const ts_conv_blk* b, int32_t y0, int32_t x0, int32_t y1,
                                                      int32_t x1) {
  const ts_conv_params* p = b->p;
  const ts_conv_out* o = b->o;
  const int32_t out_c = p->out_c, k = b->g->k;
  int32_t ys[2], xs[2];
  int8_t *d0, *d1;
  ys[0] = y0;
  xs[0] = x0;
  ys[1] = y1;
  xs[1] = x1;
  d0 = TS_PIXEL(*b->out, y0, x0, out_c);
  if (y0 == y1 && x0 == x1) {
    ts_conv_col_duo(p, *b->in, b->g, ys, xs, b->col, b->gather, 1);
    if (b->runs)
      ts_conv_two_runs(b, d0, 0);
    else
      ts_conv_col_one(b->col, k, b->filter, b->bias, out_c, o, d0);
    return;
  }
  ts_conv_col_duo(p, *b->in, b->g, ys, xs, b->col, b->gather, 2);
  d1 = TS_PIXEL(*b->out, y1, x1, out_c);
  if (b->runs)
    ts_conv_two_runs(b, d0, d1);
  else
    ts_conv_two_kern(b->col, k, b->filter, b->bias, out_c, o, d0, d1);
}

/* `count` consecutive pixels of row y from x (count a multiple of 4) through the quad kernel;
 * `flat`: the window's rows follow each other in both buffers (a 1x1 stride-1 filter over
 * whole rows), so the run may continue past x1 into the next rows as one row. */
static inline __attribute__((always_inline)) void ts_conv_quad_run(const ts_conv_blk* b, int32_t y, int32_t x, int32_t count, int flat) {
  const ts_conv_params* p = b->p;
  const ts_conv_geom* g = b->g;
  const int32_t out_c = p->out_c, k = g->k, in_c = p->in_c;
  const int32_t iy = y * p->stride_h - p->pad_top, is = p->stride_w * in_c;
  const int row_fast = g->fast && (uint32_t)iy < (uint32_t)g->ylim &&
                       ((g->run & 3) == 0 || b->qgather);
  int32_t ix = x * p->stride_w - p->pad_left;
  int8_t* d = TS_PIXEL(*b->out, y, x, out_c);
  const int8_t* s = TS_PIXEL(*b->in, iy, ix, in_c);
  const int8_t* const in_end = b->in->data + (size_t)b->in->h * (size_t)b->in->w * (size_t)in_c;
  for (; count > 0; count -= 4, x += 4, ix += 4 * p->stride_w, d += 4 * out_c, s += 4 * is) {
    if (flat || (row_fast && (uint32_t)ix < (uint32_t)g->xlim && (uint32_t)(ix + 3 * p->stride_w) < (uint32_t)g->xlim)) {
      if ((g->run & 3) == 0) /* whole groups per filter row */
        ts_conv_col_quad_fast(p, g, s, is, b->col);
      else if (in_c == 3 && p->filter_h == 3 && p->filter_w == 3)
        ts_conv_col_quad_333(g, s, is, b->col, (uint32_t)(uint8_t)(-p->input_offset) << 24);
      else
        ts_conv_col_quad_gather(p, g, s, is, b->col, b->qgather, in_end);
    } else {
      ts_conv_col_quad(p, *b->in, g, y, x, b->col, b->gather);
    }
    b->kern4(b->col, k, b->filter, b->bias, out_c, b->o, b->tbl, d, out_c);
  }
}

/* The four pixels of the window from (y, x) in raster order, not all of one row (a quad
 * across row ends), through the quad kernel: their four lanes built first, then the outputs
 * staged in b->stage and copied to the pixels (every read before any write, writes in pixel
 * order). */
__attribute__((noinline)) static void ts_conv_quad_cross(const ts_conv_blk* b, ts_window win, int32_t y,
                                                         int32_t x) {
  const ts_conv_params* p = b->p;
  const int32_t out_c = p->out_c, y0 = y, x0 = x;
  int l;
  for (l = 0; l < 4; ++l) {
    ts_conv_col_pixel(p, *b->in, b->g, y, x, b->col + l, b->gather, 4, 1);
    ts_conv_next(win, &y, &x);
  }
  b->kern4(b->col, b->g->k, b->filter, b->bias, out_c, b->o, b->tbl, b->stage, out_c);
  y = y0; /* the four pixels again, in the same order */
  x = x0;
  for (l = 0; l < 4; ++l) {
    ts_gather_copy(TS_PIXEL(*b->out, y, x, out_c), b->stage + l * out_c, out_c);
    ts_conv_next(win, &y, &x);
  }
}

/* The window through the quad kernel, blocks of four pixels in raster order (a row's last
 * 1-3 pixels with the next rows' first when the staged outputs fit, else in pairs, an odd
 * last pixel with the next row's first): each block reads all its pixels before writing any
 * and blocks follow the pixels' order, so the access order holds. A 1x1 stride-1 filter over
 * whole rows of both buffers runs as one row. */
static inline __attribute__((always_inline)) void ts_conv_quads(const ts_conv_blk* b, ts_window win, int64_t npix) {
  const ts_conv_params* p = b->p;
  const int32_t ww = win.x1 - win.x0;
  int32_t y, x, rest;
  if (p->filter_h == 1 && p->filter_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
      p->pad_left == 0 && (p->in_c & 3) == 0 && ww == b->out->w && ww == b->in->w && win.x0 == b->out->x0 &&
      win.x0 == b->in->x0 && npix <= 0x7fffffff - 3) {
    const int32_t quads = (int32_t)(npix >> 2) * 4;
    ts_conv_quad_run(b, win.y0, win.x0, quads, 1);
    y = win.y0 + quads / ww;
    x = win.x0 + quads % ww;
    rest = (int32_t)(npix - quads);
    while (rest >= 2) {
      int32_t ny = y, nx = x;
      ts_conv_next(win, &ny, &nx);
      ts_conv_col_two(b, y, x, ny, nx);
      y = ny;
      x = nx;
      ts_conv_next(win, &y, &x);
      rest -= 2;
    }
    if (rest) ts_conv_col_two(b, y, x, y, x);
    return;
  }
  if (b->stage) {
    /* raster order in quads: a row's last 1-3 pixels form a quad with the next rows' first
     * ones (ts_conv_quad_cross), only the window's last 1-3 pixels go in pairs; `rest`
     * pixels from (py, px) wait for a quad */
    int32_t py = 0, px = 0;
    rest = 0;
    for (y = win.y0; y < win.y1; ++y) {
      int32_t quads;
      x = win.x0;
      if (rest) {
        const int32_t take = 4 - rest < win.x1 - x ? 4 - rest : win.x1 - x;
        x += take;
        rest += take;
        if (rest < 4) continue;
        ts_conv_quad_cross(b, win, py, px);
        rest = 0;
      }
      quads = (win.x1 - x) & ~3;
      if (quads) ts_conv_quad_run(b, y, x, quads, 0);
      x += quads;
      if (x < win.x1) {
        py = y;
        px = x;
        rest = win.x1 - x;
      }
    }
    if (rest >= 2) {
      int32_t ny = py, nx = px;
      ts_conv_next(win, &ny, &nx);
      ts_conv_col_two(b, py, px, ny, nx);
      ts_conv_next(win, &ny, &nx);
      py = ny;
      px = nx;
      rest -= 2;
    }
    if (rest) ts_conv_col_two(b, py, px, py, px);
    return;
  }
  /* a row's odd last pixel pairs with the next row's first (both read before either write) */
  rest = 0;
  for (y = win.y0; y < win.y1; ++y) {
    int32_t quads;
    x = win.x0;
    if (rest) {
      ts_conv_col_two(b, y - 1, win.x1 - 1, y, x);
      ++x;
      rest = 0;
    }
    quads = (win.x1 - x) & ~3;
    if (quads) ts_conv_quad_run(b, y, x, quads, 0);
    for (x += quads; x + 1 < win.x1; x += 2) ts_conv_col_two(b, y, x, y, x + 1);
    if (x < win.x1) rest = 1;
  }
  if (rest) ts_conv_col_two(b, win.y1 - 1, win.x1 - 1, win.y1 - 1, win.x1 - 1);
}

/* A call of the im2col path: its blocks' context and what that points to, in the frame of
 * ts_conv_col_run (set by ts_conv_col_setup, whose frame is gone before the first block). */
typedef struct {
  ts_conv_blk b;
  ts_conv_geom g;
  ts_conv_out o;
  ts_conv_runs rs;
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
  ts_conv_col4_ctx actx;
#endif
} ts_conv_call;

/* The call's set-up: geometry, mode, the column's parts (table, gather rows, staged outputs,
 * live runs). Returns 1 for the quad kernel's path, 0 for the pair kernels'. */
__attribute__((noinline)) static int ts_conv_col_setup(const ts_conv_params* p, const ts_cbuf* in,
                                                       const int8_t* filter, const int32_t* bias, const ts_buf* out,
                                                       int64_t npix, uint32_t* restrict col, ts_conv_call* cc) {
  ts_conv_blk* const b = &cc->b;
  ts_conv_geom* const g = &cc->g;
  ts_conv_out* const o = &cc->o;
  int pruned;
  const int32_t out_c = p->out_c, k = p->filter_h * p->filter_w * p->in_c;
  /* in_c not a multiple of 4: a pixel's taps are gathered as bytes at lay.gather, above
   * every word the choices below (made against `limit`) can use (ts_conv_layout) */
  ts_conv_col_layout lay;
  int32_t limit;
  ts_conv_layout(p, &lay);
  limit = lay.limit;
  g->run = p->filter_w * p->in_c;
  g->step = in->w * p->in_c * p->dilation_h;
  g->k = k;
  g->k4 = (k + 3) & ~3;
  g->ylim = p->in_h - (p->filter_h - 1) * p->dilation_h;
  g->xlim = p->in_w - (p->filter_w - 1) * p->dilation_w;
  g->fast = p->dilation_w == 1 && g->ylim > 0 && g->xlim > 0;
  g->off2 = ts_dsp_dup16(p->input_offset);
  ts_conv_out_consts(o, p);
  o->mode = ts_conv_mode(p, bias, g->k4, &pruned);
  if (npix == 1 && o->mode >= 5) { /* one pixel: the doubled column would not pay */
    int32_t c;
    o->mode = 4;
    for (c = 0; c < out_c; ++c)
      if (p->output_shift[c] < -23) o->mode = 2; /* mode 5's shifts are in [-24, -1] */
    if (o->mode == 4 && (p->act_min != -128 || p->act_max != 127)) o->mode = 3;
  }
  o->actx = 0;
  o->runs = 0;
  o->ctab = lay.ctab >= 0 ? col + lay.ctab : 0;
  g->dbl = o->mode >= 5;
  b->p = p;
  b->in = in;
  b->out = out;
  b->filter = filter;
  b->bias = bias;
  b->g = g;
  b->o = o;
  b->col = col;
  b->gather = (int8_t*)(col + lay.gather);
  b->tbl = 0;
  b->runs = 0;
  b->nruns = 0;
  /* four lanes of 2 * k4 / 4 words per group fit the column */
  if (!(g->dbl && 2 * g->k4 <= limit && npix >= 4)) return 0;
  {
    int64_t free_words;
    /* the per-channel constants after the four lanes, when they fit */
    if ((int64_t)2 * g->k4 + 4 * (int64_t)out_c <= limit) {
      b->tbl = col + 2 * g->k4;
      ts_conv_quad_table(col + 2 * g->k4, bias, o, out_c);
      b->kern4 = o->mode == 6 ? ts_conv_col4_t : ts_conv_col4_tc;
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
      ts_conv_col4_ctx_init(&cc->actx, col, k, out_c, o, b->tbl);
      o->actx = &cc->actx;
#endif
    } else {
      b->kern4 = ts_conv_col4;
#if TS_DSP_NATIVE && defined(__OPTIMIZE__)
      if (ts_c42_has(k)) b->kern4 = ts_conv_col4_pairs;
#endif
    }
    {
      /* the quads' gather rows (in_c not a multiple of 4 only): after the lanes (and the
       * table) */
      const int64_t used = 2 * (int64_t)g->k4 + (b->tbl ? 4 * (int64_t)out_c : 0);
      b->qgather = 0;
      b->stage = 0;
      if ((p->in_c & 3) && used + g->k4 + 1 <= limit) b->qgather = (int8_t*)(col + used);
      /* the staged outputs of quads across rows: after those, when they fit */
      if (used + (b->qgather ? g->k4 + 1 : 0) + out_c <= limit)
        b->stage = (int8_t*)(col + used + (b->qgather ? g->k4 + 1 : 0));
      free_words = limit - used - (b->qgather ? g->k4 + 1 : 0) - (b->stage ? out_c : 0);
    }
    /* pruned channels: the live runs after those, up to TS_CONV_DSP_LIVE_RUNS (a word each) */
    if (pruned && free_words >= 2) {
      int16_t* const runs = (int16_t*)(col + limit - free_words);
      b->nruns = ts_conv_live_runs(p, filter, bias, k, runs, ts_conv_max_runs(free_words, out_c));
      if (b->nruns >= 0) b->runs = runs;
    }
    if (b->runs) { /* the quad kernel through ts_conv_col4_runs */
      cc->rs.p = p;
      cc->rs.runs = b->runs;
      cc->rs.n = b->nruns;
      cc->rs.kern4 = b->kern4;
      o->runs = &cc->rs;
      b->kern4 = ts_conv_col4_runs;
    }
  }
  return 1;
}

/* The window through the im2col path: the set-up's frame returns before the blocks run. */
__attribute__((noinline)) static void ts_conv_col_run(const ts_conv_params* p, const ts_cbuf* in, const int8_t* filter,
                                                      const int32_t* bias, const ts_buf* out, const ts_window* win_,
                                                      int64_t npix, uint32_t* restrict col) {
  ts_conv_call cc;
  const ts_window win = *win_;
  int32_t oy = win.y0, ox = win.x0;
  int64_t n;
  if (ts_conv_col_setup(p, in, filter, bias, out, npix, col, &cc)) {
    ts_conv_quads(&cc.b, win, npix);
    return;
  }
  for (n = 0; n + 1 < npix; n += 2) {
    int32_t ny = oy, nx = ox;
    ts_conv_next(win, &ny, &nx);
    ts_conv_col_two(&cc.b, oy, ox, ny, nx);
    oy = ny;
    ox = nx;
    ts_conv_next(win, &oy, &ox);
  }
  if (n < npix) ts_conv_col_two(&cc.b, oy, ox, oy, ox);
}

/* ---- int8 path (filters too large for the column) ---- */

__attribute__((noinline)) static void ts_conv_dsp_pair(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                             const int32_t* bias, const int8_t* x0, const int8_t* x1,
                             int8_t* d0, int8_t* d1) {
  const int32_t in_c = p->in_c, out_c = p->out_c, fh = p->filter_h, fw = p->filter_w;
  const int32_t fstride = fh * fw * in_c;
  const int32_t row_bytes = in.w * in_c * p->dilation_h;
  const int32_t tap_bytes = in_c * p->dilation_w;
  const int32_t off = p->input_offset;
  const uint32_t off2 = ts_dsp_dup16(off);
  const int contiguous = p->dilation_w == 1;
  int32_t oc;
  if (fh == 1 && contiguous) { /* one run of fw * in_c elements: the pointwise case */
    const int32_t n = fw * in_c, oo = p->output_offset, lo = p->act_min, hi = p->act_max;
    const int32_t* mult = p->output_multiplier;
    const int32_t* shift = p->output_shift;
    for (oc = 0; oc + 1 < out_c; oc += 2) {
      const int8_t* w0 = filter + (int64_t)oc * fstride;
      int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0;
      ts_dsp_dot_2x2(x0, x1, w0, w0 + fstride, n, off2, off, &s00, &s01, &s10, &s11);
      if (bias) {
        s00 += bias[oc];
        s10 += bias[oc];
        s01 += bias[oc + 1];
        s11 += bias[oc + 1];
      }
      d0[oc] = ts_dsp_output(s00, mult[oc], shift[oc], oo, lo, hi);
      d1[oc] = ts_dsp_output(s10, mult[oc], shift[oc], oo, lo, hi);
      d0[oc + 1] = ts_dsp_output(s01, mult[oc + 1], shift[oc + 1], oo, lo, hi);
      d1[oc + 1] = ts_dsp_output(s11, mult[oc + 1], shift[oc + 1], oo, lo, hi);
    }
    if (oc == out_c) return;
  } else {
    oc = 0;
  }
  for (; oc < out_c; oc += 2) {
    const int two = oc + 1 < out_c;
    const int8_t* w0 = filter + (int64_t)oc * fstride;
    const int8_t* w1 = two ? w0 + fstride : w0;
    int32_t s00 = 0, s01 = 0, s10 = 0, s11 = 0;
    int32_t ky, kx;
    for (ky = 0; ky < fh; ++ky) {
      const int8_t* r0 = x0 + (int64_t)ky * row_bytes;
      const int8_t* r1 = x1 + (int64_t)ky * row_bytes;
      const int32_t wrow = ky * fw * in_c;
      if (contiguous) {
        ts_dsp_dot_2x2(r0, r1, w0 + wrow, w1 + wrow, fw * in_c, off2, off, &s00, &s01, &s10, &s11);
      } else {
        for (kx = 0; kx < fw; ++kx)
          ts_dsp_dot_2x2(r0 + kx * tap_bytes, r1 + kx * tap_bytes, w0 + wrow + kx * in_c,
                         w1 + wrow + kx * in_c, in_c, off2, off, &s00, &s01, &s10, &s11);
      }
    }
    if (bias) {
      s00 += bias[oc];
      s10 += bias[oc];
      if (two) {
        s01 += bias[oc + 1];
        s11 += bias[oc + 1];
      }
    }
    d0[oc] = ts_dsp_output(s00, p->output_multiplier[oc], p->output_shift[oc], p->output_offset,
                           p->act_min, p->act_max);
    d1[oc] = ts_dsp_output(s10, p->output_multiplier[oc], p->output_shift[oc], p->output_offset,
                           p->act_min, p->act_max);
    if (two) {
      d0[oc + 1] = ts_dsp_output(s01, p->output_multiplier[oc + 1], p->output_shift[oc + 1],
                                 p->output_offset, p->act_min, p->act_max);
      d1[oc + 1] = ts_dsp_output(s11, p->output_multiplier[oc + 1], p->output_shift[oc + 1],
                                 p->output_offset, p->act_min, p->act_max);
    }
  }
}

/* One output pixel whose valid taps are [ky0,ky1) x [kx0,kx1); `x` is the input pixel of
 * tap (ky0, kx0). */
__attribute__((noinline)) static void ts_conv_dsp_single(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                               const int32_t* bias, const int8_t* x, int32_t ky0, int32_t ky1,
                               int32_t kx0, int32_t kx1, int8_t* d) {
  const int32_t in_c = p->in_c, out_c = p->out_c, fw = p->filter_w;
  const int32_t fstride = p->filter_h * fw * in_c;
  const int32_t row_bytes = in.w * in_c * p->dilation_h;
  const int32_t tap_bytes = in_c * p->dilation_w;
  const int32_t off = p->input_offset;
  const uint32_t off2 = ts_dsp_dup16(off);
  const int contiguous = p->dilation_w == 1;
  int32_t oc;
  for (oc = 0; oc < out_c; oc += 2) {
    const int two = oc + 1 < out_c;
    const int8_t* w0 = filter + (int64_t)oc * fstride;
    const int8_t* w1 = two ? w0 + fstride : w0;
    int32_t s0 = 0, s1 = 0;
    int32_t ky, kx;
    for (ky = ky0; ky < ky1; ++ky) {
      const int8_t* r = x + (int64_t)(ky - ky0) * row_bytes;
      const int32_t wtap = (ky * fw + kx0) * in_c;
      if (contiguous) {
        ts_dsp_dot_1x2(r, w0 + wtap, w1 + wtap, (kx1 - kx0) * in_c, off2, off, 0, 0, &s0, &s1);
      } else {
        for (kx = kx0; kx < kx1; ++kx)
          ts_dsp_dot_1x2(r + (kx - kx0) * tap_bytes, w0 + wtap + (kx - kx0) * in_c,
                         w1 + wtap + (kx - kx0) * in_c, in_c, off2, off, 0, 0, &s0, &s1);
      }
    }
    if (bias) {
      s0 += bias[oc];
      if (two) s1 += bias[oc + 1];
    }
    d[oc] = ts_dsp_output(s0, p->output_multiplier[oc], p->output_shift[oc], p->output_offset,
                          p->act_min, p->act_max);
    if (two)
      d[oc + 1] = ts_dsp_output(s1, p->output_multiplier[oc + 1], p->output_shift[oc + 1],
                                p->output_offset, p->act_min, p->act_max);
  }
}

/* The int8 path over the window's npix pixels. */
__attribute__((noinline)) static void ts_conv_int8_run(const ts_conv_params* p, const ts_cbuf* in_, const int8_t* filter,
                                                       const int32_t* bias, const ts_buf* out_, const ts_window* win_,
                                                       int8_t* scratch, int64_t npix) {
  const ts_cbuf in = *in_;
  const ts_buf out = *out_;
  const ts_window win = *win_;
  const int32_t in_c = p->in_c, out_c = p->out_c, fh = p->filter_h, fw = p->filter_w;
  int8_t pair_out[2 * TS_CONV_DSP_PAIR_OUT_MAX];
  int overlap;
  int32_t oy, ox;
  int64_t k;
  overlap = ts_dsp_overlap(out.data, (size_t)out.h * (size_t)out.w * (size_t)out_c, in.data,
                           (size_t)in.h * (size_t)in.w * (size_t)in_c);
  oy = win.y0;
  ox = win.x0;
  for (k = 0; k < npix;) {
    const int32_t iy = oy * p->stride_h - p->pad_top, ix = ox * p->stride_w - p->pad_left;
    int32_t ky0, ky1, kx0, kx1;
    int32_t ny = oy, nx = ox + 1; /* the next pixel */
    if (nx == win.x1) {
      nx = win.x0;
      ++ny;
    }
    ts_valid_taps(iy, p->dilation_h, fh, p->in_h, &ky0, &ky1);
    ts_valid_taps(ix, p->dilation_w, fw, p->in_w, &kx0, &kx1);
    if ((!overlap || out_c <= TS_CONV_DSP_PAIR_OUT_MAX) && k + 1 < npix && ky0 == 0 && ky1 == fh &&
        kx0 == 0 && kx1 == fw) {
      const int32_t iy1 = ny * p->stride_h - p->pad_top, ix1 = nx * p->stride_w - p->pad_left;
      int32_t ly0, ly1, lx0, lx1;
      ts_valid_taps(iy1, p->dilation_h, fh, p->in_h, &ly0, &ly1);
      ts_valid_taps(ix1, p->dilation_w, fw, p->in_w, &lx0, &lx1);
      if (ly0 == 0 && ly1 == fh && lx0 == 0 && lx1 == fw) {
        if (!overlap) {
          ts_conv_dsp_pair(p, in, filter, bias, TS_PIXEL(in, iy, ix, in_c), TS_PIXEL(in, iy1, ix1, in_c),
                           TS_PIXEL(out, oy, ox, out_c), TS_PIXEL(out, ny, nx, out_c));
        } else { /* both pixels computed on the stack before either is stored */
          ts_conv_dsp_pair(p, in, filter, bias, TS_PIXEL(in, iy, ix, in_c), TS_PIXEL(in, iy1, ix1, in_c),
                           pair_out, pair_out + out_c);
          memcpy(TS_PIXEL(out, oy, ox, out_c), pair_out, (size_t)out_c);
          memcpy(TS_PIXEL(out, ny, nx, out_c), pair_out + out_c, (size_t)out_c);
        }
        k += 2;
        oy = ny;
        ox = nx + 1;
        if (ox == win.x1) {
          ox = win.x0;
          ++oy;
        }
        continue;
      }
    }
    {
      int8_t* dst = (overlap && scratch) ? scratch : TS_PIXEL(out, oy, ox, out_c);
      if (ky0 < ky1 && kx0 < kx1) {
        ts_conv_dsp_single(p, in, filter, bias,
                           TS_PIXEL(in, iy + ky0 * p->dilation_h, ix + kx0 * p->dilation_w, in_c),
                           ky0, ky1, kx0, kx1, dst);
      } else { /* every tap is padding: the sum is the bias alone */
        ts_conv_dsp_single(p, in, filter, bias, in.data, 0, 0, 0, 0, dst);
      }
      if (dst == scratch) memcpy(TS_PIXEL(out, oy, ox, out_c), scratch, (size_t)out_c);
    }
    ++k;
    oy = ny;
    ox = nx;
  }
}

/* The eight-tap kernel applies (a 1x1 filter over 8 channels without padding, the table fits
 * the column, doubled sums: modes 5 and 6, at least 4 pixels): its own function and frame
 * (the table where the column would be), not under ts_conv_col_run's. Returns 0 when it does
 * not apply. */
__attribute__((noinline)) static int ts_conv_k8_call(const ts_conv_params* p, const ts_cbuf* in, const int8_t* filter,
                                                     const int32_t* bias, const ts_buf* out, const ts_window* win,
                                                     int64_t npix, uint32_t* restrict tbl) {
  ts_conv_out o;
  int pruned;
  if (p->in_c != 8 || p->filter_h != 1 || p->filter_w != 1 || p->pad_top != 0 || p->pad_left != 0 || npix < 4 ||
      (int64_t)TS_CONV_K8_WORDS * p->out_c > TS_CONV_DSP_COL_MAX)
    return 0;
  o.mode = ts_conv_mode(p, bias, 8, &pruned);
  if (o.mode < 5) return 0;
  ts_conv_out_consts(&o, p);
  o.actx = 0;
  o.runs = 0;
  o.ctab = 0;
  ts_conv_k8_table(tbl, filter, bias, &o, p->out_c);
  ts_conv_k8_run(p, in, out, win, ts_dsp_dup16(p->input_offset), &o, tbl);
  return 1;
}

size_t ts_conv2d_s8_stack_workspace_bytes(void) {
  return (size_t)(TS_CONV_DSP_COL_MAX + 4 * TS_C42_CHUNK) * sizeof(uint32_t);
}

/* The words this layer's im2col path writes (ts_conv_layout), or the eight-tap kernel's
 * table when that may apply and is larger: its own need, not the whole column. */
size_t ts_conv2d_s8_workspace_bytes(const ts_conv_params* p) {
  ts_conv_col_layout lay;
  int32_t words;
  if (p->filter_in_c != p->in_c || !ts_conv_col_fits(p)) return 0;
  ts_conv_layout(p, &lay);
  words = lay.words;
  if (p->in_c == 8 && p->filter_h == 1 && p->filter_w == 1 && p->pad_top == 0 && p->pad_left == 0 &&
      (int64_t)TS_CONV_K8_WORDS * p->out_c <= TS_CONV_DSP_COL_MAX && TS_CONV_K8_WORDS * p->out_c > words)
    words = TS_CONV_K8_WORDS * p->out_c;
  return (size_t)words * sizeof(uint32_t);
}

/* Separate functions for the two paths keep their stack frames apart (the column in the
 * workspace on one path, the int8 path's staging on the other). */
void ts_conv2d_s8_dsp_ws(const ts_conv_params* p, ts_cbuf in, const int8_t* filter, const int32_t* bias,
                         ts_buf out, ts_window win, int8_t* scratch, void* workspace) {
  const int32_t ww = win.x1 - win.x0;
  const int64_t npix = (int64_t)(win.y1 - win.y0) * (ww > 0 ? ww : 0);
  if (p->filter_in_c != p->in_c) { /* grouped convolution */
    ts_conv2d_s8_portable(p, in, filter, bias, out, win, scratch);
    return;
  }
  if (npix <= 0) return;
  if (!ts_conv_col_fits(p))
    ts_conv_int8_run(p, &in, filter, bias, &out, &win, scratch, npix);
  else if (!ts_conv_k8_call(p, &in, filter, bias, &out, &win, npix, (uint32_t*)workspace))
    ts_conv_col_run(p, &in, filter, bias, &out, &win, npix, (uint32_t*)workspace);
}

/* Without a caller's workspace: the column on the stack, in a frame of its own that calls
 * needing none never enter. */
static __attribute__((noinline)) void ts_conv2d_s8_dsp_stack(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                                                             const int32_t* bias, ts_buf out, ts_window win,
                                                             int8_t* scratch) {
  uint32_t col[TS_CONV_DSP_COL_MAX + 4 * TS_C42_CHUNK]; /* ts_conv_layout's words at most */
  ts_conv2d_s8_dsp_ws(p, in, filter, bias, out, win, scratch, col);
}

void ts_conv2d_s8_dsp(const ts_conv_params* p, ts_cbuf in, const int8_t* filter,
                      const int32_t* bias, ts_buf out, ts_window win, int8_t* scratch) {
  if (ts_conv2d_s8_workspace_bytes(p))
    ts_conv2d_s8_dsp_stack(p, in, filter, bias, out, win, scratch);
  else
    ts_conv2d_s8_dsp_ws(p, in, filter, bias, out, win, scratch, NULL);
}
