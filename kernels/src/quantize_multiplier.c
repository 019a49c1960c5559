/* TFLM's QuantizeMultiplier (tensorflow/lite/kernels/internal/quantization_util.cc), for the
 * *_prepare functions of the element-wise kernels. */
#include <math.h>

#include "tessera/kernels.h"

void ts_quantize_multiplier(double real, int32_t* multiplier, int* shift) {
  double q;
  int64_t q_fixed;
  if (real == 0.0) {
    *multiplier = 0;
    *shift = 0;
    return;
  }
  q = frexp(real, shift);
  q_fixed = (int64_t)round(q * 2147483648.0);
  if (q_fixed == ((int64_t)1 << 31)) { /* the mantissa rounded up to 1 */
    q_fixed /= 2;
    ++*shift;
  }
  if (*shift < -31) {
    *shift = 0;
    q_fixed = 0;
  }
  *multiplier = (int32_t)q_fixed;
}
