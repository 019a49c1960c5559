/* Multi-byte elements at any byte offset. A plan may place an int16 (or wider) buffer at any
 * offset of the arena, and the checker accepts it; an access through a misaligned typed pointer
 * is undefined behaviour in C, so the kernels that read or write such elements go through
 * memcpy (one LDRH / STRH on the Cortex-M4, which allows unaligned halfword accesses). */
#ifndef TESSERA_KERNELS_UNALIGNED_H_
#define TESSERA_KERNELS_UNALIGNED_H_

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Element i of the int16 array starting at byte address p. */
static inline int16_t ts_load_s16(const int8_t* p, ptrdiff_t i) {
  int16_t v;
  memcpy(&v, p + 2 * i, sizeof v);
  return v;
}

static inline void ts_store_s16(int8_t* p, ptrdiff_t i, int16_t v) { memcpy(p + 2 * i, &v, sizeof v); }

#endif /* TESSERA_KERNELS_UNALIGNED_H_ */
