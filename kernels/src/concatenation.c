/* CONCATENATION: byte copy of each input slice (TFLM's int8 concatenation does not rescale). */
#include <string.h>

#include "tessera/kernels.h"

void ts_concatenation(const void* const* inputs, const int32_t* axis_sizes, int32_t num_inputs,
                      int32_t outer, int32_t inner_bytes, void* out) {
  int8_t* dst = (int8_t*)out;
  int32_t o, i;
  for (o = 0; o < outer; ++o) {
    for (i = 0; i < num_inputs; ++i) {
      const size_t slice = (size_t)axis_sizes[i] * (size_t)inner_bytes;
      memcpy(dst, (const int8_t*)inputs[i] + (size_t)o * slice, slice);
      dst += slice;
    }
  }
}
