/* FULLY_CONNECTED int8, DSP-structured path (TFLM reference_integer_ops::FullyConnected,
 * tensorflow/lite/kernels/internal/reference/integer_ops/fully_connected.h, same bytes as
 * ts_fully_connected_s8_portable in fully_connected.c).
 *
 * Cycles go to streaming the filter: every filter byte is used once per batch row, so the
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
