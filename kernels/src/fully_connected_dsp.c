/* FULLY_CONNECTED int8, DSP-structured paths (TFLM reference_integer_ops::FullyConnected,
 * tensorflow/lite/kernels/internal/reference/integer_ops/fully_connected.h, same bytes as
 * ts_fully_connected_s8_portable in fully_connected.c).
 *
 * Two entry points:
 *  - ts_fully_connected_s8_packed_dsp (the second half of this file; the public
 *    ts_fully_connected_s8_packed calls it on DSP targets), what the operator unit
 *    runs and code generation emits whenever the filter packs (ts_fc_pack_s8: no filter
 *    offset, sums within the packed accumulators' range, i.e. TFLite's symmetric int8
 *    weights of any realistic layer): two output rows share each SMLAD lane (256 * hi + lo
 *    weights), so four MACs take one pipelined LDR, one SXTB16 and two SMLAD, the bias and
 *    input offset folded into per-row start values at packing time; 20 modelled cycles per
 *    block of 4 inputs x 4 rows (1.25 per MAC; ad01: 0.367M cycles at W=0, 1.39 per MAC
 *    with requantization and per-call work). No workspace: the input is widened in the loop
 *    (two SXTB16 per four inputs, shared by the four rows).
 *  - ts_fully_connected_s8_dsp (below), over the plain filter: filters that do not pack, and
 *    the recurrent kernels' calls.
 *
 * ts_fully_connected_s8_dsp. Cycles go to streaming the filter: every filter byte is used once per batch row, so the
 * kernel is bound by loading each filter word and its two SXTB16 (even and odd bytes) and two
 * SMLAD (four MACs). Four output rows are computed at a time: each input word is loaded and
 * widened (SXTAB16, input offset added) once and used by the four rows, whose filter words
 * are loaded in chains of pipelined LDRs; on the device in assembly (ts_fc_groups_asm,
 * ts_fc_dot4_asm: GCC spills in this loop, and the cycle model charges every spill), eight
 * input words per loop iteration. With a filter offset 0, depth >= 4:
 *  - the common per-tensor case (ts_fc_outq.dbl) runs whole rows of groups of four outputs
 *    in ts_fc_groups: the sums start at the biases, and each group is requantized with
 *    ts_dsp_rq_doubled (ADD, SMMLAR, ASR, SSAT per output), clamped (SSUB8/SEL) and stored as
 *    one word; a group with a sum outside [-2^30, 2^30) (2 * sum not exact) goes back to C;
 *  - otherwise each group's sums (ts_fc_dot4) plus the depth % 4 last products go through
 *    ts_dsp_output.
 * Leftover rows (out_depth % 4, or every row with a filter offset) go two at a time
 * (ts_dsp_dot_1x2). Sums are added in another order than the portable loop's; int32 addition
 * is associative mod 2^32, so they are equal.
 *
 * Access order: when the output buffer shares a byte with the input (no scratch), the
 * portable kernel runs instead (its order is the contract's). Otherwise each batch row's
 * outputs are written after the row is read. */
#include <stddef.h>
#include <string.h>

#include "dsp_dot.h"

/* The state of the four-row loops (read and written by the assembly: offsets fixed). */
typedef struct {
  int32_t acc[4];       /*  0: sums (in: start values for ts_fc_dot4; out) */
  uint32_t off2;        /* 16: the input offset in both halfword lanes */
  int32_t blocks;       /* 20: depth / 4 (>= 1) */
  const int8_t* row;    /* 24: the input row */
  const int32_t* bias;  /* 28: the current group's biases, or NULL */
  int8_t* dst;          /* 32: the current group's outputs */
  int32_t groups;       /* 36: groups of four outputs left (ts_fc_groups) */
  int32_t mult, right;  /* 40, 44: multiplier, -shift */
  int32_t m;            /* 48: (2 * output_offset + 1) << (right - 1) */
  uint32_t lo4, hi4;    /* 52, 56: the activation range in four byte lanes */
  const int8_t* w;      /* 60: the current group's first filter row */
  int32_t depth;        /* 64 */
} ts_fc_state;

#if TS_DSP_NATIVE
/* The offsets the assembly uses (32-bit pointers). */
typedef char ts_fc_state_layout[(offsetof(ts_fc_state, row) == 24 && offsetof(ts_fc_state, w) == 60 &&
                                 offsetof(ts_fc_state, depth) == 64) ? 1 : -1];

/* s->acc[r] += sum over the first 4 * blocks bytes of (x[d] + off) * w[r * depth + d]. */
void ts_fc_dot4_asm(const int8_t* x, const int8_t* w, int32_t depth, ts_fc_state* s);
/* Runs s->groups groups (see ts_fc_groups below); returns 1 when it stopped at a group whose
 * sums (in s->acc) are outside [-2^30, 2^30), with s->w, s->bias, s->dst at that group. */
int ts_fc_groups_asm(ts_fc_state* s);

/* One block of 4 input bytes x 4 rows. Registers: r0 input, r1 rows 0-1 (row 1 at
 * [r1, r2]), r2 depth - 4, r3 rows 2-3, r4-r7 sums, r8 offset, r9/r10 even/odd input
 * halfwords, r11/r12/lr filter words and their widened halves. 7 loads (chains of 3 and 2
 * pipelined LDRs), 2 SXTAB16, 8 SXTB16, 8 SMLAD. */
#define TS_FC_BLOCK                        \
  "ldr r10, [r0], #4\n\t"                  \
  "ldr r11, [r1], #4\n\t"                  \
  "ldr r12, [r1, r2]\n\t"                  \
  "sxtab16 r9, r8, r10\n\t"                \
  "sxtab16 r10, r8, r10, ror #8\n\t"       \
  "sxtb16 lr, r11\n\t"                     \
  "smlad r4, r9, lr, r4\n\t"               \
  "sxtb16 r11, r11, ror #8\n\t"            \
  "smlad r4, r10, r11, r4\n\t"             \
  "sxtb16 lr, r12\n\t"                     \
  "smlad r5, r9, lr, r5\n\t"               \
  "sxtb16 r12, r12, ror #8\n\t"            \
  "smlad r5, r10, r12, r5\n\t"             \
  "ldr r11, [r3], #4\n\t"                  \
  "ldr r12, [r3, r2]\n\t"                  \
  "sxtb16 lr, r11\n\t"                     \
  "smlad r6, r9, lr, r6\n\t"               \
  "sxtb16 r11, r11, ror #8\n\t"            \
  "smlad r6, r10, r11, r6\n\t"             \
  "sxtb16 lr, r12\n\t"                     \
  "smlad r7, r9, lr, r7\n\t"               \
  "sxtb16 r12, r12, ror #8\n\t"            \
  "smlad r7, r10, r12, r7\n\t"
/* The loop over the blocks: x in r0, filter row 0 in r1, depth in r2, sums in r4-r7, offset
 * in r8, blocks in r9; [sp] and [sp, #4] hold the input's end and the end of the blocks % 8
 * single blocks done first; then eight blocks per iteration. */
#define TS_FC_LOOP                                                                             \
  "add r3, r1, r2, lsl #1\n\t"                                                                 \
  "subs r2, r2, #4\n\t"                                                                        \
  "and r10, r9, #7\n\t"                                                                        \
  "add r10, r0, r10, lsl #2\n\t"                                                               \
  "add r9, r0, r9, lsl #2\n\t"                                                                 \
  "strd r9, r10, [sp]\n\t"                                                                     \
  "cmp r0, r10\n\t"                                                                            \
  "beq 2f\n"                                                                                   \
  "1:\n\t" TS_FC_BLOCK                                                                         \
  "ldr r12, [sp, #4]\n\t"                                                                      \
  "cmp r0, r12\n\t"                                                                            \
  "bne 1b\n"                                                                                   \
  "2:\n\t"                                                                                     \
  "ldr r12, [sp]\n\t"                                                                          \
  "cmp r0, r12\n\t"                                                                            \
  "beq 4f\n"                                                                                   \
  "3:\n\t" TS_FC_BLOCK TS_FC_BLOCK TS_FC_BLOCK TS_FC_BLOCK TS_FC_BLOCK TS_FC_BLOCK TS_FC_BLOCK \
      TS_FC_BLOCK                                                                              \
  "ldr r12, [sp]\n\t"                                                                          \
  "cmp r0, r12\n\t"                                                                            \
  "bne 3b\n"                                                                                   \
  "4:\n\t"
#define TS_FC_FUNC(name)                              \
  "\t.pushsection .text." name ",\"ax\",%progbits\n" \
  "\t.syntax unified\n"                              \
  "\t.thumb\n"                                       \
  "\t.p2align 2\n"                                   \
  "\t.global " name "\n"                             \
  "\t.hidden " name "\n"                             \
  "\t.thumb_func\n"                                  \
  "\t.type " name ", %function\n" name ":\n\t"
__asm__(TS_FC_FUNC("ts_fc_dot4_asm")
    "push {r3, r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
    "sub sp, sp, #8\n\t"
    "ldm r3, {r4, r5, r6, r7, r8, r9}\n\t"
    TS_FC_LOOP
    "ldr r3, [sp, #8]\n\t"
    "stm r3, {r4, r5, r6, r7}\n\t"
    "add sp, sp, #8\n\t"
    "pop {r3, r4, r5, r6, r7, r8, r9, r10, r11, pc}\n"
    "\t.size ts_fc_dot4_asm, .-ts_fc_dot4_asm\n"
    "\t.popsection\n");
/* Per group: the sums from the biases (or 0), the loop, the range check (bit 31 of
 * acc ^ (acc << 1)), then per sum LSL, ADD (m + sign), SMMLAR, ASR, SSAT; BFI x3 packs the
 * bytes, SSUB8/SEL x2 clamp them, one STR stores them. */
#define TS_FC_RQ(r)                     \
  "lsl " r ", " r ", #1\n\t"            \
  "add r12, r11, " r ", asr #31\n\t"    \
  "smmlar " r ", " r ", r9, r12\n\t"    \
  "asr " r ", " r ", r10\n\t"           \
  "ssat " r ", #8, " r "\n\t"
__asm__(TS_FC_FUNC("ts_fc_groups_asm")
    "push {r0, r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
    "sub sp, sp, #8\n"
    "5:\n\t"
    "ldr r0, [sp, #8]\n\t"
    "ldr r1, [r0, #36]\n\t"
    "cmp r1, #0\n\t"
    "beq 7f\n\t"
    "ldr r12, [r0, #28]\n\t"
    "cmp r12, #0\n\t"
    "beq 6f\n\t"
    "ldm r12, {r4, r5, r6, r7}\n\t"
    "b 9f\n"
    "6:\n\t"
    "movs r4, #0\n\t"
    "movs r5, #0\n\t"
    "movs r6, #0\n\t"
    "movs r7, #0\n"
    "9:\n\t"
    "ldrd r8, r9, [r0, #16]\n\t"
    "ldr r2, [r0, #64]\n\t"
    "ldr r1, [r0, #60]\n\t"
    "ldr r0, [r0, #24]\n\t"
    TS_FC_LOOP
    "ldr r0, [sp, #8]\n\t"
    "eor r8, r4, r4, lsl #1\n\t"
    "eor r9, r5, r5, lsl #1\n\t"
    "orr r8, r8, r9\n\t"
    "eor r9, r6, r6, lsl #1\n\t"
    "orr r8, r8, r9\n\t"
    "eor r9, r7, r7, lsl #1\n\t"
    "orrs r8, r8, r9\n\t"
    "bmi 8f\n\t"
    "ldrd r9, r10, [r0, #40]\n\t"
    "ldr r11, [r0, #48]\n\t"
    TS_FC_RQ("r4") TS_FC_RQ("r5") TS_FC_RQ("r6") TS_FC_RQ("r7")
    "bfi r4, r5, #8, #8\n\t"
    "bfi r4, r6, #16, #8\n\t"
    "bfi r4, r7, #24, #8\n\t"
    "ldrd r5, r6, [r0, #52]\n\t"
    "ssub8 r7, r4, r5\n\t"
    "sel r4, r4, r5\n\t"
    "ssub8 r7, r6, r4\n\t"
    "sel r4, r4, r6\n\t"
    "ldr r1, [r0, #32]\n\t"
    "str r4, [r1], #4\n\t"
    "str r1, [r0, #32]\n\t"
    "ldr r1, [r0, #28]\n\t"
    "cmp r1, #0\n\t"
    "it ne\n\t"
    "addne r1, r1, #16\n\t"
    "str r1, [r0, #28]\n\t"
    "ldr r1, [r0, #60]\n\t"
    "ldr r2, [r0, #64]\n\t"
    "add r1, r1, r2, lsl #2\n\t"
    "str r1, [r0, #60]\n\t"
    "ldr r1, [r0, #36]\n\t"
    "subs r1, r1, #1\n\t"
    "str r1, [r0, #36]\n\t"
    "b 5b\n"
    "8:\n\t"
    "stm r0, {r4, r5, r6, r7}\n\t"
    "movs r0, #1\n\t"
    "b 10f\n"
    "7:\n\t"
    "movs r0, #0\n"
    "10:\n\t"
    "add sp, sp, #8\n\t"
    "pop {r1, r4, r5, r6, r7, r8, r9, r10, r11, pc}\n"
    "\t.size ts_fc_groups_asm, .-ts_fc_groups_asm\n"
    "\t.popsection\n");
#undef TS_FC_RQ
#undef TS_FC_FUNC
#undef TS_FC_LOOP
#undef TS_FC_BLOCK
#define ts_fc_dot4 ts_fc_dot4_asm
#define ts_fc_groups ts_fc_groups_asm
#else
/* The same in C (the host's emulated intrinsics). */
static void ts_fc_dot4(const int8_t* x, const int8_t* w, int32_t depth, ts_fc_state* s) {
  const int8_t* w0 = w;
  const int8_t* w1 = w0 + depth;
  const int8_t* w2 = w1 + depth;
  const int8_t* w3 = w2 + depth;
  int32_t a0 = s->acc[0], a1 = s->acc[1], a2 = s->acc[2], a3 = s->acc[3];
  int32_t blocks;
  for (blocks = s->blocks; blocks > 0; --blocks) {
    const uint32_t xv = ts_dsp_load4(x);
    const uint32_t xe = ts_dsp_sxtab16(s->off2, xv), xo = ts_dsp_sxtab16_ror8(s->off2, xv);
    uint32_t q = ts_dsp_load4(w0);
    a0 = ts_dsp_smlad(xo, ts_dsp_sxtb16_ror8(q), ts_dsp_smlad(xe, ts_dsp_sxtb16(q), a0));
    q = ts_dsp_load4(w1);
    a1 = ts_dsp_smlad(xo, ts_dsp_sxtb16_ror8(q), ts_dsp_smlad(xe, ts_dsp_sxtb16(q), a1));
    q = ts_dsp_load4(w2);
    a2 = ts_dsp_smlad(xo, ts_dsp_sxtb16_ror8(q), ts_dsp_smlad(xe, ts_dsp_sxtb16(q), a2));
    q = ts_dsp_load4(w3);
    a3 = ts_dsp_smlad(xo, ts_dsp_sxtb16_ror8(q), ts_dsp_smlad(xe, ts_dsp_sxtb16(q), a3));
    x += 4;
    w0 += 4;
    w1 += 4;
    w2 += 4;
    w3 += 4;
  }
  s->acc[0] = a0;
  s->acc[1] = a1;
  s->acc[2] = a2;
  s->acc[3] = a3;
}

/* ts_dsp_rq_doubled of 2 * acc saturated to int8; bit 31 of *wide set when 2 * acc is not
 * exact (bits 31 and 30 of acc differ). */
static int32_t ts_fc_out_dbl(const ts_fc_state* s, int32_t acc, uint32_t* wide) {
  const int32_t a2 = (int32_t)((uint32_t)acc << 1);
  *wide |= (uint32_t)(a2 ^ acc);
  return ts_dsp_ssat8(ts_dsp_rq_doubled(a2, s->mult, s->right, s->m));
}

static int ts_fc_groups(ts_fc_state* s) {
  for (; s->groups > 0; --s->groups) {
    uint32_t wide = 0;
    int32_t v0, v1, v2, v3, r;
    uint32_t packed;
    for (r = 0; r < 4; ++r) s->acc[r] = s->bias ? s->bias[r] : 0;
    ts_fc_dot4(s->row, s->w, s->depth, s);
    v0 = ts_fc_out_dbl(s, s->acc[0], &wide);
    v1 = ts_fc_out_dbl(s, s->acc[1], &wide);
    v2 = ts_fc_out_dbl(s, s->acc[2], &wide);
    v3 = ts_fc_out_dbl(s, s->acc[3], &wide);
    if (wide >> 31) return 1;
    packed = ts_dsp_clamp8x4(ts_dsp_pack8x4(v0, v1, v2, v3), s->lo4, s->hi4);
    memcpy(s->dst, &packed, 4);
    s->dst += 4;
    if (s->bias) s->bias += 4;
    s->w += 4 * s->depth;
  }
  return 0;
}
#endif

/* One output byte through ts_dsp_output (out of line: inlined, its temporaries would
 * enlarge the callers' frames). */
__attribute__((noinline)) static int8_t ts_fc_out(const ts_fc_params* p, int32_t o, int32_t acc) {
  const int32_t c = p->per_channel ? o : 0;
  return ts_dsp_output(acc, p->output_multiplier[c], p->output_shift[c], p->output_offset,
                       p->act_min, p->act_max);
}

/* Outputs [0, out_depth & ~3) of one batch row, four at a time (filter offset 0, depth >= 4;
 * s set up by the caller). `dbl`: the doubled requantization applies (see the top). */
__attribute__((noinline)) static void ts_fc_rows4(const ts_fc_params* p, ts_fc_state* s, int dbl,
                                                  const int8_t* filter, const int32_t* bias,
                                                  int8_t* dst) {
  const int32_t depth = p->in_depth, body = depth & ~3, off = p->input_offset;
  const int8_t* const row = s->row;
  int32_t o, r, d;
  s->bias = bias;
  s->dst = dst;
  s->w = filter;
  s->groups = p->out_depth >> 2;
  for (;;) {
    if (dbl) {
      if (!ts_fc_groups(s)) return;
    } else {
      if (s->groups == 0) return;
      for (r = 0; r < 4; ++r) s->acc[r] = s->bias ? s->bias[r] : 0;
      ts_fc_dot4(row, s->w, depth, s);
    }
    /* this group through ts_dsp_output */
    o = (int32_t)(s->dst - dst);
    for (r = 0; r < 4; ++r) {
      const int8_t* wr = s->w + (int64_t)r * depth;
      int32_t acc = s->acc[r];
      for (d = body; d < depth; ++d) acc += ((int32_t)row[d] + off) * (int32_t)wr[d];
      s->dst[r] = ts_fc_out(p, o + r, acc);
    }
    s->dst += 4;
    if (s->bias) s->bias += 4;
    s->w += 4 * depth;
    --s->groups;
  }
}

/* Outputs [o, out_depth) of one batch row, two at a time. */
__attribute__((noinline)) static void ts_fc_rows2(const ts_fc_params* p, int32_t o,
                                                  const int8_t* row, const int8_t* filter,
                                                  const int32_t* bias, int8_t* dst) {
  const int32_t depth = p->in_depth, out_depth = p->out_depth;
  const int32_t off = p->input_offset, woff = p->filter_offset;
  const uint32_t off2 = ts_dsp_dup16(off), woff2 = ts_dsp_dup16(woff);
  for (; o < out_depth; o += 2) {
    const int two = o + 1 < out_depth;
    const int8_t* w0 = filter + (int64_t)o * depth;
    const int8_t* w1 = two ? w0 + depth : w0;
    int32_t s0 = 0, s1 = 0;
    ts_dsp_dot_1x2(row, w0, w1, depth, off2, off, woff2, woff, &s0, &s1);
    if (bias) {
      s0 += bias[o];
      if (two) s1 += bias[o + 1];
    }
    dst[o] = ts_fc_out(p, o, s0);
    if (two) dst[o + 1] = ts_fc_out(p, o + 1, s1);
  }
}

void ts_fully_connected_s8_dsp(const ts_fc_params* p, const int8_t* in, const int8_t* filter,
                               const int32_t* bias, int8_t* out, int8_t* scratch) {
  const int32_t depth = p->in_depth, out_depth = p->out_depth;
  const int rows4 = depth >= 4 && p->filter_offset == 0;
  const int32_t right = -p->output_shift[0];
  const int dbl = rows4 && !p->per_channel && (depth & 3) == 0 &&
                  p->output_multiplier[0] > (1 << 30) && right >= 1 && right <= 23 &&
                  p->output_offset >= -128 && p->output_offset <= 127 && p->act_min >= -128 &&
                  p->act_max <= 127 && p->act_min <= p->act_max;
  ts_fc_state s;
  int32_t b;
  if (!scratch && ts_dsp_overlap(in, (size_t)p->batches * (size_t)depth, out,
                                 (size_t)p->batches * (size_t)out_depth)) {
    ts_fully_connected_s8_portable(p, in, filter, bias, out, scratch);
    return;
  }
  s.off2 = ts_dsp_dup16(p->input_offset);
  s.blocks = depth >> 2;
  s.depth = depth;
  s.mult = p->output_multiplier[0];
  s.right = right;
  s.m = dbl ? (int32_t)((uint32_t)(2 * p->output_offset + 1) << (right - 1)) : 0;
  s.lo4 = ts_dsp_dup8(p->act_min);
  s.hi4 = ts_dsp_dup8(p->act_max);
  for (b = 0; b < p->batches; ++b) {
    int8_t* dst = scratch ? scratch : out + (int64_t)b * out_depth;
    s.row = in + (int64_t)b * depth;
    if (rows4) ts_fc_rows4(p, &s, dbl, filter, bias, dst);
    ts_fc_rows2(p, rows4 ? out_depth & ~3 : 0, s.row, filter, bias, dst);
    if (scratch) memcpy(out + (int64_t)b * out_depth, scratch, (size_t)out_depth);
  }
}

/* ======================================================================================
 * The packed filter (ts_fc_pack_s8, ts_fully_connected_s8_packed): two output rows per
 * SMLAD lane pair.
 *
 * A filter word holds two weights of each of two rows, lo and hi, at the same two input
 * positions: halfword lane j is lo's weight a in the low byte and hi's weight b' = b - (a < 0)
 * in the high byte, so that the lane read as int16 is exactly 256 * b + a. Against the input
 * pair (x, x') sign-extended by SXTB16:
 *   A += SMLAD(x, word)           = x (256 b + a) + x' (256 b2 + a2)
 *   B += SMLAD(x, SXTB16(word))   = x a + x' a2
 * so that after the row B is lo's sum and (A - B) / 256 hi's: four MACs for one LDR, one
 * SXTB16 and two SMLAD (the filter streamed once, the input loaded and widened once for four
 * rows). A is taken mod 2^32: (A - B) = 256 * hi's sum exactly when that sum lies in
 * [-2^23, 2^23), which the packing checks from the weights (|sum| <= |start| + 128 * sum |b|
 * for int8 inputs); b' fits in int8 unless b = -128 and a < 0, which it checks too.
 *
 * The input offset is folded into each row's start value (bias + input_offset * sum of the
 * row's weights, exact mod 2^32 as the reference's int32 sum), so the loop widens the raw
 * input bytes (SXTB16: (x0, x2) and (x1, x3)).
 *
 * Layout (int32 words): [0] flags (bit 0: every sum of a lo row has |sum| < 2^30 whatever the
 * input, so the doubled requantization applies without a check); then per group of four
 * output rows g (4g: lo of pair 0, 4g+1: its hi, 4g+2: lo of pair 1, 4g+3: its hi; rows past
 * out_depth are zero): the start values of A0, B0, A1, B1 (A = 256 * start_hi + start_lo mod
 * 2^32, B = start_lo), then per block of four inputs 4k..4k+3 (the last padded with zeros)
 * four words: pair 0 at inputs (4k, 4k+2), pair 0 at (4k+1, 4k+3), pair 1 likewise.
 * ====================================================================================== */

#define TS_FCP_HI_LIMIT ((int64_t)1 << 23)
#define TS_FCP_DBL_LIMIT ((int64_t)1 << 30)

size_t ts_fc_packed_words(const ts_fc_params* p) {
  const size_t groups = ((size_t)p->out_depth + 3) / 4, blocks = ((size_t)p->in_depth + 3) / 4;
  return 1 + groups * (4 + 4 * blocks);
}

/* Row o's weight at input d (0 past the filter). */
static int32_t ts_fcp_w(const ts_fc_params* p, const int8_t* filter, int32_t o, int32_t d) {
  return o < p->out_depth && d < p->in_depth ? filter[(int64_t)o * p->in_depth + d] : 0;
}

/* Row o's start value (bias + input_offset * sum of its weights, in int64) and sum of |w|. */
static int64_t ts_fcp_start(const ts_fc_params* p, const int8_t* filter, const int32_t* bias,
                            int32_t o, int64_t* abs_sum) {
  int64_t s = 0, a = 0;
  int32_t d;
  if (o >= p->out_depth) {
    *abs_sum = 0;
    return 0;
  }
  for (d = 0; d < p->in_depth; ++d) {
    const int32_t w = filter[(int64_t)o * p->in_depth + d];
    s += w;
    a += w < 0 ? -w : w;
  }
  *abs_sum = a;
  return (bias ? bias[o] : 0) + (int64_t)p->input_offset * s;
}

int ts_fc_pack_s8(const ts_fc_params* p, const int8_t* filter, const int32_t* bias, int32_t* packed) {
  const int32_t depth = p->in_depth, out_depth = p->out_depth;
  const int32_t groups = (out_depth + 3) / 4, blocks = (depth + 3) / 4;
  uint32_t flags = 1;
  int32_t* q = packed + 1;
  int32_t g, k, pr, e, j;
  if (p->filter_offset != 0 || depth < 1 || out_depth < 1) return 0;
  for (g = 0; g < groups; ++g) {
    for (pr = 0; pr < 2; ++pr) {
      const int32_t lo = 4 * g + 2 * pr, hi = lo + 1;
      int64_t abs_lo, abs_hi;
      const int64_t s_lo = ts_fcp_start(p, filter, bias, lo, &abs_lo);
      const int64_t s_hi = ts_fcp_start(p, filter, bias, hi, &abs_hi);
      int32_t d;
      if ((s_hi < 0 ? -s_hi : s_hi) + 128 * abs_hi >= TS_FCP_HI_LIMIT) return 0;
      for (d = 0; d < depth; ++d)
        if (ts_fcp_w(p, filter, hi, d) == -128 && ts_fcp_w(p, filter, lo, d) < 0) return 0;
      if ((s_lo < 0 ? -s_lo : s_lo) + 128 * abs_lo >= TS_FCP_DBL_LIMIT) flags &= ~1u;
      q[2 * pr] = (int32_t)(((uint32_t)(int32_t)s_hi << 8) + (uint32_t)s_lo);
      q[2 * pr + 1] = (int32_t)(uint32_t)s_lo;
    }
    q += 4;
    for (k = 0; k < blocks; ++k)
      for (pr = 0; pr < 2; ++pr)
        for (e = 0; e < 2; ++e) {
          uint32_t word = 0;
          for (j = 0; j < 2; ++j) {
            const int32_t d = 4 * k + e + 2 * j;
            const int32_t a = ts_fcp_w(p, filter, 4 * g + 2 * pr, d);
            const int32_t b = ts_fcp_w(p, filter, 4 * g + 2 * pr + 1, d) - (a < 0 ? 1 : 0);
            word |= (((uint32_t)a & 0xffu) | (((uint32_t)b & 0xffu) << 8)) << (16 * j);
          }
          *q++ = (int32_t)word;
        }
  }
  packed[0] = (int32_t)flags;
  return 1;
}

/* The fused whole-row loop's arguments (read by the assembly: offsets fixed). */
typedef struct {
  const int8_t* x;     /*  0: the input row */
  const int8_t* xend;  /*  4: x + 4 * blocks (blocks = depth / 4) */
  const int8_t* xrem;  /*  8: x + 4 * (blocks % 8): the single blocks done first */
  const int32_t* w;    /* 12: the first group's start values */
  int8_t* dst;         /* 16: the current group's outputs */
  int8_t* dst_end;     /* 20: dst + 4 * groups (groups >= 1) */
  int32_t mult, right; /* 24, 28: multiplier, -shift */
  int32_t m;           /* 32: (2 * output_offset + 1) << (right - 1) */
  uint32_t lo4, hi4;   /* 36, 40: the activation range in four byte lanes */
} ts_fcp_args;

/* One block (the C form of the assembly's TS_FCP_BLOCK; also the depth % 4 tail) of four inputs (raw bytes xv) against four filter words. */
static void ts_fcp_block(uint32_t xv, const int32_t* w, int32_t* a) {
  const uint32_t xe = ts_dsp_sxtb16(xv), xo = ts_dsp_sxtb16_ror8(xv);
  const uint32_t w0 = (uint32_t)w[0], w1 = (uint32_t)w[1], w2 = (uint32_t)w[2], w3 = (uint32_t)w[3];
  a[0] = ts_dsp_smlad(xe, w0, a[0]);
  a[1] = ts_dsp_smlad(xe, ts_dsp_sxtb16(w0), a[1]);
  a[0] = ts_dsp_smlad(xo, w1, a[0]);
  a[1] = ts_dsp_smlad(xo, ts_dsp_sxtb16(w1), a[1]);
  a[2] = ts_dsp_smlad(xe, w2, a[2]);
  a[3] = ts_dsp_smlad(xe, ts_dsp_sxtb16(w2), a[3]);
  a[2] = ts_dsp_smlad(xo, w3, a[2]);
  a[3] = ts_dsp_smlad(xo, ts_dsp_sxtb16(w3), a[3]);
}

#if TS_DSP_NATIVE
typedef char ts_fcp_args_layout[(offsetof(ts_fcp_args, dst_end) == 20 && offsetof(ts_fcp_args, hi4) == 40) ? 1 : -1];

/* acc[0..3] (A0, B0, A1, B1) += one group's blocks of filter words from w over x. */
void ts_fcp_dot4_asm(const int8_t* x, const int32_t* w, int32_t blocks, int32_t* acc);
/* Every group of a->groups (see ts_fcp_groups below). */
void ts_fcp_groups_asm(ts_fcp_args* a);

/* One block: r0 input, r1 filter words, r4-r7 A0, B0, A1, B1. 5 pipelined LDRs (6 cycles),
 * 2 SXTB16 for the input, per filter word SMLAD, SXTB16, SMLAD: 20 cycles for 16 MACs. */
#define TS_FCP_BLOCK                 \
  "ldr r3, [r0], #4\n\t"             \
  "ldr r8, [r1], #16\n\t"            \
  "ldr r9, [r1, #-12]\n\t"           \
  "ldr r10, [r1, #-8]\n\t"           \
  "ldr r11, [r1, #-4]\n\t"           \
  "sxtb16 r2, r3\n\t"                \
  "sxtb16 r3, r3, ror #8\n\t"        \
  "smlad r4, r2, r8, r4\n\t"         \
  "sxtb16 r8, r8\n\t"                \
  "smlad r5, r2, r8, r5\n\t"         \
  "smlad r4, r3, r9, r4\n\t"         \
  "sxtb16 r9, r9\n\t"                \
  "smlad r5, r3, r9, r5\n\t"         \
  "smlad r6, r2, r10, r6\n\t"        \
  "sxtb16 r10, r10\n\t"              \
  "smlad r7, r2, r10, r7\n\t"        \
  "smlad r6, r3, r11, r6\n\t"        \
  "sxtb16 r11, r11\n\t"              \
  "smlad r7, r3, r11, r7\n\t"
/* The blocks: r0 from lr (its blocks % 8 single blocks) to r12 (eight per iteration). */
#define TS_FCP_LOOP                                                                         \
  "cmp r0, lr\n\t"                                                                          \
  "beq 3f\n"                                                                                \
  "2:\n\t" TS_FCP_BLOCK                                                                     \
  "cmp r0, lr\n\t"                                                                          \
  "bne 2b\n"                                                                                \
  "3:\n\t"                                                                                  \
  "cmp r0, r12\n\t"                                                                         \
  "beq 5f\n\t"                                                                              \
  ".p2align 2\n"                                                                            \
  "4:\n\t" TS_FCP_BLOCK TS_FCP_BLOCK TS_FCP_BLOCK TS_FCP_BLOCK TS_FCP_BLOCK TS_FCP_BLOCK    \
      TS_FCP_BLOCK TS_FCP_BLOCK                                                             \
  "cmp r0, r12\n\t"                                                                         \
  "bne 4b\n"                                                                                \
  "5:\n\t"
#define TS_FCP_FUNC(name)                             \
  "\t.pushsection .text." name ",\"ax\",%progbits\n" \
  "\t.syntax unified\n"                              \
  "\t.thumb\n"                                       \
  "\t.p2align 2\n"                                   \
  "\t.global " name "\n"                             \
  "\t.hidden " name "\n"                             \
  "\t.thumb_func\n"                                  \
  "\t.type " name ", %function\n" name ":\n\t"
__asm__(TS_FCP_FUNC("ts_fcp_dot4_asm")
    "push {r3, r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
    "ldm r3, {r4, r5, r6, r7}\n\t"
    "add r12, r0, r2, lsl #2\n\t"
    "and r2, r2, #7\n\t"
    "add lr, r0, r2, lsl #2\n\t"
    TS_FCP_LOOP
    "ldr r3, [sp]\n\t"
    "stm r3, {r4, r5, r6, r7}\n\t"
    "pop {r3, r4, r5, r6, r7, r8, r9, r10, r11, pc}\n"
    "\t.size ts_fcp_dot4_asm, .-ts_fcp_dot4_asm\n"
    "\t.popsection\n");
/* Per group: A0, B0, A1, B1 from the start values (LDM; r1 runs on through the groups), the
 * loop, the doubled sums (2 lo = B << 1, 2 hi = (A - B) >> 7: exact), one LDM of dst, dst_end
 * and the requantization constants, per output ADD (m + sign), SMMLAR, ASR, SSAT
 * (ts_dsp_rq_doubled), BFI x3, SSUB8/SEL x2 for the range, one STR. r12 holds the arguments
 * at the top of each group; [sp] keeps them through the loop. */
#define TS_FCP_RQ(r)                    \
  "add r3, r10, " r ", asr #31\n\t"     \
  "smmlar " r ", " r ", r8, r3\n\t"     \
  "asr " r ", " r ", r9\n\t"            \
  "ssat " r ", #8, " r "\n\t"
__asm__(TS_FCP_FUNC("ts_fcp_groups_asm")
    "push {r0, r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
    "ldr r1, [r0, #12]\n\t"
    "mov r12, r0\n"
    "1:\n\t"
    "ldm r1!, {r4, r5, r6, r7}\n\t"
    "ldm r12, {r0, r12, lr}\n\t"
    TS_FCP_LOOP
    "ldr r12, [sp]\n\t"
    "sub r4, r4, r5\n\t"
    "add r0, r12, #16\n\t"
    "asr r4, r4, #7\n\t"
    "lsl r5, r5, #1\n\t"
    "ldm r0, {r0, r2, r8, r9, r10, r11, lr}\n\t"
    "sub r6, r6, r7\n\t"
    "asr r6, r6, #7\n\t"
    "lsl r7, r7, #1\n\t"
    TS_FCP_RQ("r5") TS_FCP_RQ("r4") TS_FCP_RQ("r7") TS_FCP_RQ("r6")
    "bfi r5, r4, #8, #8\n\t"
    "bfi r5, r7, #16, #8\n\t"
    "bfi r5, r6, #24, #8\n\t"
    "ssub8 r3, r5, r11\n\t"
    "sel r5, r5, r11\n\t"
    "ssub8 r3, lr, r5\n\t"
    "sel r5, r5, lr\n\t"
    "str r5, [r0], #4\n\t"
    "str r0, [r12, #16]\n\t"
    "cmp r0, r2\n\t"
    "bne 1b\n\t"
    "pop {r0, r4, r5, r6, r7, r8, r9, r10, r11, pc}\n"
    "\t.size ts_fcp_groups_asm, .-ts_fcp_groups_asm\n"
    "\t.popsection\n");
#undef TS_FCP_RQ
#undef TS_FCP_FUNC
#undef TS_FCP_LOOP
#undef TS_FCP_BLOCK
#define ts_fcp_dot4 ts_fcp_dot4_asm
#define ts_fcp_groups ts_fcp_groups_asm
#else
static void ts_fcp_dot4(const int8_t* x, const int32_t* w, int32_t blocks, int32_t* acc) {
  for (; blocks > 0; --blocks, x += 4, w += 4) ts_fcp_block(ts_dsp_load4(x), w, acc);
}

static void ts_fcp_groups(ts_fcp_args* s) {
  const int32_t blocks = (int32_t)((s->xend - s->x) >> 2);
  const int32_t* w = s->w;
  do {
    int32_t a[4], v[4], r;
    uint32_t packed;
    for (r = 0; r < 4; ++r) a[r] = w[r];
    ts_fcp_dot4(s->x, w + 4, blocks, a);
    w += 4 + 4 * blocks;
    v[0] = (int32_t)((uint32_t)a[1] << 1);
    v[1] = (int32_t)((uint32_t)a[0] - (uint32_t)a[1]) >> 7;
    v[2] = (int32_t)((uint32_t)a[3] << 1);
    v[3] = (int32_t)((uint32_t)a[2] - (uint32_t)a[3]) >> 7;
    for (r = 0; r < 4; ++r) v[r] = ts_dsp_ssat8(ts_dsp_rq_doubled(v[r], s->mult, s->right, s->m));
    packed = ts_dsp_clamp8x4(ts_dsp_pack8x4(v[0], v[1], v[2], v[3]), s->lo4, s->hi4);
    memcpy(s->dst, &packed, 4);
    s->dst += 4;
  } while (s->dst != s->dst_end);
}
#endif

/* The sums of a group's four rows from A0, B0, A1, B1. */
static void ts_fcp_sums(const int32_t* a, int32_t* s) {
  s[0] = a[1];
  s[1] = (int32_t)((uint32_t)a[0] - (uint32_t)a[1]) >> 8;
  s[2] = a[3];
  s[3] = (int32_t)((uint32_t)a[2] - (uint32_t)a[3]) >> 8;
}

/* One group's A0, B0, A1, B1 over the whole row (the depth % 4 last inputs read bytewise). */
__attribute__((noinline)) static void ts_fcp_group(const ts_fc_params* p, const int8_t* row,
                                                   const int32_t* gp, int32_t* a) {
  const int32_t blocks = p->in_depth >> 2, tail = p->in_depth & 3;
  int32_t r;
  for (r = 0; r < 4; ++r) a[r] = gp[r];
  ts_fcp_dot4(row, gp + 4, blocks, a);
  if (tail) ts_fcp_block(ts_dsp_load_tail(row + 4 * blocks, tail), gp + 4 + 4 * blocks, a);
}

/* Outputs [4 * g, out_depth) of one batch row, a group at a time, through ts_dsp_output. */
__attribute__((noinline)) static void ts_fcp_rows(const ts_fc_params* p, const int8_t* row,
                                                  const int32_t* packed, int32_t g, int8_t* dst) {
  const int32_t out_depth = p->out_depth, groups = (out_depth + 3) >> 2;
  const int64_t gw = 4 + 4 * (int64_t)((p->in_depth + 3) >> 2);
  int32_t r, a[4], s[4];
  for (; g < groups; ++g) {
    ts_fcp_group(p, row, packed + 1 + g * gw, a);
    ts_fcp_sums(a, s);
    for (r = 0; r < 4 && 4 * g + r < out_depth; ++r) dst[4 * g + r] = ts_fc_out(p, 4 * g + r, s[r]);
  }
}

/* The portable order (an output sharing bytes with the input, no scratch): each output after
 * a whole read of its row. */
__attribute__((noinline)) static void ts_fcp_in_order(const ts_fc_params* p, const int8_t* in,
                                                      const int32_t* packed, int8_t* out) {
  const int32_t depth = p->in_depth, out_depth = p->out_depth;
  const int64_t gw = 4 + 4 * (int64_t)((depth + 3) >> 2);
  int32_t b, o, a[4], s[4];
  for (b = 0; b < p->batches; ++b) {
    const int8_t* row = in + (int64_t)b * depth;
    for (o = 0; o < out_depth; ++o) {
      ts_fcp_group(p, row, packed + 1 + (o >> 2) * gw, a);
      ts_fcp_sums(a, s);
      out[(int64_t)b * out_depth + o] = ts_fc_out(p, o, s[o & 3]);
    }
  }
}

/* Outputs [0, out_depth & ~3) of one batch row through the fused loop (the doubled
 * requantization applies: see ts_fully_connected_s8_packed_dsp). */
__attribute__((noinline)) static void ts_fcp_row_dbl(const ts_fc_params* p, const int8_t* row,
                                                     const int32_t* packed, int8_t* dst) {
  const int32_t blocks = p->in_depth >> 2, right = -p->output_shift[0];
  ts_fcp_args args;
  args.x = row;
  args.xend = row + 4 * blocks;
  args.xrem = row + 4 * (blocks & 7);
  args.w = packed + 1;
  args.dst = dst;
  args.dst_end = dst + 4 * (p->out_depth >> 2);
  args.mult = p->output_multiplier[0];
  args.right = right;
  args.m = (int32_t)((uint32_t)(2 * p->output_offset + 1) << (right - 1));
  args.lo4 = ts_dsp_dup8(p->act_min);
  args.hi4 = ts_dsp_dup8(p->act_max);
  ts_fcp_groups(&args);
}

void ts_fully_connected_s8_packed_dsp(const ts_fc_params* p, const int8_t* in, const int32_t* packed,
                                      int8_t* out, int8_t* scratch) {
  const int32_t depth = p->in_depth, out_depth = p->out_depth;
  const int32_t right = -p->output_shift[0];
  const int dbl = (packed[0] & 1) && !p->per_channel && (depth & 3) == 0 && depth >= 4 &&
                  out_depth >= 4 && p->output_multiplier[0] > (1 << 30) && right >= 1 &&
                  right <= 23 && p->output_offset >= -128 && p->output_offset <= 127 &&
                  p->act_min >= -128 && p->act_max <= 127 && p->act_min <= p->act_max;
  int32_t b;
  if (!scratch && ts_dsp_overlap(in, (size_t)p->batches * (size_t)depth, out,
                                 (size_t)p->batches * (size_t)out_depth)) {
    ts_fcp_in_order(p, in, packed, out);
    return;
  }
  for (b = 0; b < p->batches; ++b) {
    const int8_t* row = in + (int64_t)b * depth;
    int8_t* dst = scratch ? scratch : out + (int64_t)b * out_depth;
    if (dbl) ts_fcp_row_dbl(p, row, packed, dst);
    if (!dbl || (out_depth & 3)) ts_fcp_rows(p, row, packed, dbl ? out_depth >> 2 : 0, dst);
    if (scratch) memcpy(out + (int64_t)b * out_depth, scratch, (size_t)out_depth);
  }
}
