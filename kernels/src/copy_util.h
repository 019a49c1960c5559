/* Internal: byte moves shared by the copy and PAD kernels. */
#ifndef TESSERA_KERNELS_COPY_UTIL_H_
#define TESSERA_KERNELS_COPY_UTIL_H_

#include <stdint.h>
#include <string.h>

/* Copies n bytes from s to d with the result of a byte-by-byte copy in ascending order, for
 * any overlap: eight bytes at a time (each block read whole, then written) unless d lies 1 to
 * 7 bytes above s, the only case where a byte copy reads bytes it has just written within one
 * block. Blocks are moved through uint32_t with memcpy (unaligned LDR/STR on ARMv7E-M). */
static inline void ts_forward_copy(int8_t* d, const int8_t* s, int32_t n) {
  const uintptr_t gap = (uintptr_t)d - (uintptr_t)s;
  if (gap == 0u) return;
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
