/* Internal helpers of the *_prepare functions (TFLM's quantization_util.cc). */
#ifndef TESSERA_KERNELS_PREPARE_UTIL_H_
#define TESSERA_KERNELS_PREPARE_UTIL_H_

#include "tessera/kernels.h"

/* QuantizeMultiplier into an int32_t shift. */
static inline void ts_qm(double real, int32_t* multiplier, int32_t* shift) {
  int s = 0;
  ts_quantize_multiplier(real, multiplier, &s);
  *shift = (int32_t)s;
}

/* TFLM's QuantizeMultiplierSmallerThanOneExp: its checks (0 < real < 1, shift <= 0) fail as -1. */
static inline int ts_qm_smaller_than_one(double real, int32_t* multiplier, int32_t* shift) {
  if (!(real > 0.0 && real < 1.0)) return -1;
  ts_qm(real, multiplier, shift);
  return *shift <= 0 ? 0 : -1;
}

/* TFLM's int8 zero points lie in [-128, 127]. */
static inline int ts_zp_ok(int32_t zp) { return zp >= -128 && zp <= 127; }

#endif
