/* Internal: byte moves shared by the copy and PAD kernels.
 *
 * Every move here has the result of a byte-by-byte copy in ascending order (the access order
 * of copies and PAD), for any overlap of source and destination. A block move reads a whole
 * block and then writes it: it reads bytes earlier and writes bytes later than the byte loop,
 * which changes the result only when the destination lies 1 to (block size - 1) bytes above
 * the source within the move (the byte loop would read bytes it has just written). So with
 * gap = d - s (as an address difference): blocks of up to B bytes are exact when gap <= 0,
 * gap >= B, or gap >= n (the n bytes written lie wholly above the n bytes read).
 *
 * On Thumb-2 (Cortex-M3/M4/M7/M33, GCC or Clang) word-aligned moves use LDMIA/STMIA of eight
 * registers: 4 instructions per 32 bytes. Elsewhere (the host, or TS_PORTABLE_COPY) the same
 * moves are C loops through uint32_t with memcpy. */
#ifndef TESSERA_KERNELS_COPY_UTIL_H_
#define TESSERA_KERNELS_COPY_UTIL_H_

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && defined(__thumb2__) && !defined(TS_PORTABLE_COPY)
#define TS_COPY_LDM 1
#else
#define TS_COPY_LDM 0
#endif

/* Block size of ts_copy_words_adv: its result equals the byte loop's when d <= s, d >= s + 32 or
 * d >= s + n. */
#define TS_COPY_BLOCK 32

/* Whole words from *s to *d while n >= 4, each read before it is written (the byte loop's
 * result when the destination lies at least 4 bytes from the source, or at or below it);
 * advances both, returns the bytes left (n mod 4). */
static inline int32_t ts_copy_word_steps(int8_t** dp, const int8_t** sp, int32_t n) {
  int8_t* d = *dp;
  const int8_t* s = *sp;
  while (n >= 4) {
    uint32_t a;
    memcpy(&a, s, 4);
    memcpy(d, &a, 4);
    s += 4;
    d += 4;
    n -= 4;
  }
  *dp = d;
  *sp = s;
  return n;
}

/* n bytes (a multiple of 4) from *s to *d, both 4-byte aligned, in blocks of up to 32 bytes
 * (see TS_COPY_BLOCK for when that equals the byte loop); advances *s and *d by n. On Thumb-2
 * one asm block: 32-byte LDMIA/STMIA pairs, then 16, 8 and 4 bytes as bits 4, 3 and 2 of n
 * say (flags from LSLS, conditional moves in IT blocks), no branch after the loop. */
static inline void ts_copy_words_adv(int8_t** dp, const int8_t** sp, int32_t n) {
#if TS_COPY_LDM
  int8_t* d = *dp;
  const int8_t* s = *sp;
  int32_t k;
  __asm__ volatile(
      "lsrs %[k], %[n], #5\n\t"
      "beq 2f\n"
      "1:\n\t"
      "ldmia %[s]!, {r3, r4, r5, r6, r8, r11, r12, lr}\n\t"
      "stmia %[d]!, {r3, r4, r5, r6, r8, r11, r12, lr}\n\t"
      "subs %[k], %[k], #1\n\t"
      "bne 1b\n"
      "2:\n\t"
      "lsls %[k], %[n], #28\n\t" /* C: bit 4 of n, N: bit 3 */
      "itt cs\n\t"
      "ldmcs %[s]!, {r3, r4, r5, r6}\n\t"
      "stmcs %[d]!, {r3, r4, r5, r6}\n\t"
      "itt mi\n\t"
      "ldmmi %[s]!, {r3, r4}\n\t"
      "stmmi %[d]!, {r3, r4}\n\t"
      "lsls %[k], %[n], #30\n\t" /* C: bit 2 of n */
      "itt cs\n\t"
      "ldrcs r3, [%[s]], #4\n\t"
      "strcs r3, [%[d]], #4"
      : [d] "+r"(d), [s] "+r"(s), [k] "=&r"(k)
      : [n] "r"(n)
      : "r3", "r4", "r5", "r6", "r8", "r11", "r12", "lr", "cc", "memory");
  *dp = d;
  *sp = s;
#else
  int8_t* d = *dp;
  const int8_t* s = *sp;
  while (n >= 32) {
    uint32_t a[8];
    memcpy(a, s, 32);
    memcpy(d, a, 32);
    s += 32;
    d += 32;
    n -= 32;
  }
  ts_copy_word_steps(&d, &s, n);
  *dp = d;
  *sp = s;
#endif
}

/* Copies n bytes from s to d with the result of a byte-by-byte copy in ascending order, for
 * any overlap. When s and d share their address modulo 4 and blocks are exact (above): up to
 * 3 bytes to align, ts_copy_words_adv, up to 3 bytes. Other placements (unaligned LDR/STR,
 * which ARMv7-M allows): 16 bytes at a time when exact (gap >= 16 or gap >= n), then 8 bytes
 * at a time when the destination lies at least 8 bytes above the source (or below it), then
 * one word when at least 4 bytes above (or below), then bytes; a destination 1 to 3 bytes above
 * the source goes byte by byte. */
static inline void ts_forward_copy(int8_t* d, const int8_t* s, int32_t n) {
  const uintptr_t gap = (uintptr_t)d - (uintptr_t)s;
  if (gap == 0u || n <= 0) return;
  if ((gap >= (uintptr_t)TS_COPY_BLOCK || gap >= (uintptr_t)n) && (gap & 3u) == 0u && n >= 8) {
    int32_t head = (int32_t)((0u - (uintptr_t)d) & 3u);
    n -= head;
    while (head-- > 0) *d++ = *s++;
    ts_copy_words_adv(&d, &s, n & ~3);
    n &= 3;
  } else if (gap >= 4u) {
    if (gap >= 16u || gap >= (uintptr_t)n) {
      while (n >= 16) {
        uint32_t a, b, c, e;
        memcpy(&a, s, 4);
        memcpy(&b, s + 4, 4);
        memcpy(&c, s + 8, 4);
        memcpy(&e, s + 12, 4);
        memcpy(d, &a, 4);
        memcpy(d + 4, &b, 4);
        memcpy(d + 8, &c, 4);
        memcpy(d + 12, &e, 4);
        s += 16;
        d += 16;
        n -= 16;
      }
    }
    if (gap >= 8u) {
      while (n >= 8) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + 4, &b, 4);
        s += 8;
        d += 8;
        n -= 8;
      }
    }
    n = ts_copy_word_steps(&d, &s, n);
  }
  while (n-- > 0) *d++ = *s++;
}

/* n bytes of value v, ascending. */
static inline void ts_fill(int8_t* d, int8_t v, int32_t n) {
  const uint32_t word = 0x01010101u * (uint8_t)v;
  while (n >= 8) {
    memcpy(d, &word, 4);
    memcpy(d + 4, &word, 4);
    d += 8;
    n -= 8;
  }
  while (n-- > 0) *d++ = v;
}

#endif
