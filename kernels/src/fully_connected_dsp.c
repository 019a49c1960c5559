/* FULLY_CONNECTED int8, DSP-structured path (TFLM reference_integer_ops::FullyConnected,
 * tensorflow/lite/kernels/internal/reference/integer_ops/fully_connected.h, same bytes as
 * ts_fully_connected_s8_portable in fully_connected.c).
 *
 * Cycles go to streaming the filter: every filter byte is used exactly once per batch row,
 * so the kernel is bound by loading each filter word once and its two SXTAB16 (filter
 * offset added, even and odd bytes) and two SMLAD (four MACs). Four output rows are
 * computed at a time (ts_fc_dot4x): each input word is loaded and widened (SXTAB16, input
 * offset added) once and used by the four rows, whose filter words are loaded back to back
 * (pipelined LDRs), eight input bytes per loop iteration. Leftover rows go two (or one) at a
 * time (ts_dsp_dot_1x2), leftover bytes (depth % 4) one by one. Sums are added in another
 * order than the portable loop's; int32 addition is associative mod 2^32, so they are equal.
 *
 * Access order: when the output buffer shares a byte with the input (no scratch), the
 * portable kernel runs instead (its order is the contract's). Otherwise each batch row's
 * outputs are written after the row is read. */
#include <string.h>

#include "dsp_dot.h"

/* Four rows' sums over the first 4 * blocks input bytes (blocks >= 1): s[r] += sum_d
 * (x[d] + off) * w[r * depth + d], r = 0..3 (filter offset 0). */
typedef struct {
  int32_t acc[4];
  uint32_t off2; /* the input offset in both halfword lanes */
  int32_t blocks;
} ts_fc_acc4;

#if TS_DSP_NATIVE
/* On the device, in assembly: GCC spills in this loop (4 sums, 4 filter rows, the input, the
 * widened input word, the offset and the loop end need all 14 free registers), and the
 * cycle model charges every spill. Registers: r0 input, r1 rows 0-1 (row 1 at [r1, r2]),
 * r2 depth - 4, r3 rows 2-3, r4-r7 sums, r8 offset, r9/r10 even/odd input halfwords
 * (SXTAB16), r11/r12/lr filter words and their widened halves; the loop end is reloaded
 * from the stack. Per 4 input bytes (16 MACs): 7 loads (two chains of 3 and 2 pipelined
 * LDRs and the input), 2 SXTAB16, 8 SXTB16, 8 SMLAD; blocks % 8 single blocks first, then
 * eight blocks per loop iteration. */
void ts_fc_dot4_asm(const int8_t* x, const int8_t* w, int32_t depth, ts_fc_acc4* s);
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
__asm__(
    "\t.pushsection .text.ts_fc_dot4_asm,\"ax\",%progbits\n"
    "\t.syntax unified\n"
    "\t.thumb\n"
    "\t.p2align 2\n"
    "\t.global ts_fc_dot4_asm\n"
    "\t.hidden ts_fc_dot4_asm\n"
    "\t.thumb_func\n"
    "\t.type ts_fc_dot4_asm, %function\n"
    "ts_fc_dot4_asm:\n\t"
    "push {r3, r4, r5, r6, r7, r8, r9, r10, r11, lr}\n\t"
    "sub sp, sp, #8\n\t"
    "ldm r3, {r4, r5, r6, r7, r8, r9}\n\t"
    "add r3, r1, r2, lsl #1\n\t"
    "subs r2, r2, #4\n\t"
    "and r10, r9, #7\n\t"
    "add r10, r0, r10, lsl #2\n\t"
    "add r9, r0, r9, lsl #2\n\t"
    "strd r9, r10, [sp]\n\t"
    "cmp r0, r10\n\t"
    "beq 2f\n"
    "1:\n\t" TS_FC_BLOCK
    "ldr r12, [sp, #4]\n\t"
    "cmp r0, r12\n\t"
    "bne 1b\n"
    "2:\n\t"
    "ldr r12, [sp]\n\t"
    "cmp r0, r12\n\t"
    "beq 4f\n"
    "3:\n\t" TS_FC_BLOCK TS_FC_BLOCK TS_FC_BLOCK TS_FC_BLOCK TS_FC_BLOCK TS_FC_BLOCK TS_FC_BLOCK TS_FC_BLOCK
    "ldr r12, [sp]\n\t"
    "cmp r0, r12\n\t"
    "bne 3b\n"
    "4:\n\t"
    "ldr r3, [sp, #8]\n\t"
    "stm r3, {r4, r5, r6, r7}\n\t"
    "add sp, sp, #8\n\t"
    "pop {r3, r4, r5, r6, r7, r8, r9, r10, r11, pc}\n"
    "\t.size ts_fc_dot4_asm, .-ts_fc_dot4_asm\n"
    "\t.popsection\n");
#undef TS_FC_BLOCK
#define ts_fc_dot4 ts_fc_dot4_asm
#else
/* The same sums in C (the host's emulated intrinsics). */
static void ts_fc_dot4(const int8_t* x, const int8_t* w, int32_t depth, ts_fc_acc4* s) {
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
#endif

/* The output stage: requantization, output offset, activation clamp. `fast`: every channel
 * qualifies for ts_dsp_rq_apply and the activation range lies in int8 (ts_dsp_rq_fast); then
 * the offset is added with saturation (QADD) and the value saturated to int8 before the clamp
 * to the range, which gives the clamp of the exact sum. Otherwise ts_dsp_output. */
typedef struct {
  const ts_fc_params* p;
  int fast, per_channel;
  int32_t oo, lo, hi; /* output offset, activation range */
  ts_dsp_rq rq;       /* channel 0's (per-tensor) constants */
  /* dbl: per-tensor requantization through ts_dsp_rq_doubled (multiplier above 2^30, shift
   * -right with 1 <= right <= 23, output offset and activation range in int8), for the groups
   * of four sums in [-2^30, 2^30) (so 2 * sum is exact; checked per group, the others take
   * ts_fc_out); m = (2 * output_offset + 1) << (right - 1). */
  int dbl;
  int32_t mult, right, m;
  uint32_t lo4, hi4; /* the activation range in four byte lanes */
} ts_fc_outq;

static inline __attribute__((always_inline)) int8_t ts_fc_out(const ts_fc_outq* q, int32_t o,
                                                              int32_t acc) {
  const ts_fc_params* p = q->p;
  const int32_t c = q->per_channel ? o : 0;
  if (q->fast) {
    int32_t v;
    if (q->per_channel) {
      const ts_dsp_rq r = ts_dsp_rq_decode(p->output_multiplier[c], p->output_shift[c]);
      v = ts_dsp_rq_apply(acc, &r);
    } else {
      v = ts_dsp_rq_apply(acc, &q->rq);
    }
    v = ts_dsp_ssat8(ts_dsp_qadd(v, q->oo));
    v = v < q->lo ? q->lo : v;
    return (int8_t)(v > q->hi ? q->hi : v);
  }
  return ts_dsp_output(acc, p->output_multiplier[c], p->output_shift[c], p->output_offset,
                       p->act_min, p->act_max);
}

/* ts_dsp_rq_doubled of 2 * acc saturated to int8 (q->dbl); bit 31 of *wide set when 2 * acc
 * is not exact. */
static inline __attribute__((always_inline)) int32_t ts_fc_out_dbl(const ts_fc_outq* q, int32_t acc,
                                                                   uint32_t* wide) {
  const int32_t a2 = (int32_t)((uint32_t)acc << 1);
  *wide |= (uint32_t)(a2 ^ acc);
  return ts_dsp_ssat8(ts_dsp_rq_doubled(a2, q->mult, q->right, q->m));
}

/* One batch row: dst[o] for every output o. */
static void ts_fc_row(const ts_fc_outq* qp, const int8_t* row, const int8_t* filter,
                      const int32_t* bias, int8_t* dst) {
  const ts_fc_outq q_ = *qp, *const q = &q_;
  const ts_fc_params* p = q->p;
  const int32_t depth = p->in_depth, out_depth = p->out_depth;
  const int32_t off = p->input_offset, woff = p->filter_offset;
  const uint32_t off2 = ts_dsp_dup16(off), woff2 = ts_dsp_dup16(woff);
  const int32_t body = depth & ~3;
  int32_t o = 0, r, d;
  if (body > 0 && woff == 0) {
    ts_fc_acc4 s;
    s.off2 = off2;
    s.blocks = body >> 2;
    for (; o + 4 <= out_depth; o += 4) {
      const int8_t* w = filter + (int64_t)o * depth;
      if (bias) {
        s.acc[0] = bias[o];
        s.acc[1] = bias[o + 1];
        s.acc[2] = bias[o + 2];
        s.acc[3] = bias[o + 3];
      } else {
        s.acc[0] = s.acc[1] = s.acc[2] = s.acc[3] = 0;
      }
      ts_fc_dot4(row, w, depth, &s);
      if (q->dbl && body == depth) {
        uint32_t wide = 0; /* bit 31: some sum outside [-2^30, 2^30) (bits 31 and 30 differ) */
        const int32_t v0 = ts_fc_out_dbl(q, s.acc[0], &wide), v1 = ts_fc_out_dbl(q, s.acc[1], &wide);
        const int32_t v2 = ts_fc_out_dbl(q, s.acc[2], &wide), v3 = ts_fc_out_dbl(q, s.acc[3], &wide);
        if (!(wide >> 31)) {
          const uint32_t packed = ts_dsp_clamp8x4(ts_dsp_pack8x4(v0, v1, v2, v3), q->lo4, q->hi4);
          memcpy(dst + o, &packed, 4);
          continue;
        }
      }
      for (r = 0; r < 4; ++r) {
        int32_t acc = s.acc[r];
        if (body < depth) {
          const int8_t* wr = w + (int64_t)r * depth;
          for (d = body; d < depth; ++d) acc += ((int32_t)row[d] + off) * (int32_t)wr[d];
        }
        dst[o + r] = ts_fc_out(q, o + r, acc);
      }
    }
  }
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
    dst[o] = ts_fc_out(q, o, s0);
    if (two) dst[o + 1] = ts_fc_out(q, o + 1, s1);
  }
}

void ts_fully_connected_s8_dsp(const ts_fc_params* p, const int8_t* in, const int8_t* filter,
                               const int32_t* bias, int8_t* out, int8_t* scratch) {
  const int32_t depth = p->in_depth, out_depth = p->out_depth;
  ts_fc_outq q;
  int32_t b;
  if (!scratch && ts_dsp_overlap(in, (size_t)p->batches * (size_t)depth, out,
                                 (size_t)p->batches * (size_t)out_depth)) {
    ts_fully_connected_s8_portable(p, in, filter, bias, out, scratch);
    return;
  }
  q.p = p;
  q.fast = ts_dsp_rq_fast(p->output_multiplier, p->output_shift, p->per_channel ? out_depth : 1,
                          p->act_min, p->act_max);
  q.per_channel = p->per_channel;
  q.oo = p->output_offset;
  q.lo = p->act_min;
  q.hi = p->act_max;
  q.rq = ts_dsp_rq_decode(p->output_multiplier[0], p->output_shift[0]);
  q.mult = p->output_multiplier[0];
  q.right = -p->output_shift[0];
  q.dbl = !p->per_channel && q.fast && q.mult > (1 << 30) && q.right >= 1 && q.right <= 23 &&
          q.oo >= -128 && q.oo <= 127;
  if (q.dbl) {
    q.m = (int32_t)((uint32_t)(2 * q.oo + 1) << (q.right - 1));
    q.lo4 = ts_dsp_dup8(q.lo);
    q.hi4 = ts_dsp_dup8(q.hi);
  }
  for (b = 0; b < p->batches; ++b) {
    int8_t* dst = scratch ? scratch : out + (int64_t)b * out_depth;
    ts_fc_row(&q, in + (int64_t)b * depth, filter, bias, dst);
    if (scratch) memcpy(out + (int64_t)b * out_depth, scratch, (size_t)out_depth);
  }
}
