// Naive formulations of the element-wise int8 kernels' TFLM arithmetic for tests (int64
// requantization through naive::Mbqm, gemmlowp's fixed point through support/naive_fixedpoint),
// one output element from its input bytes and the kernel's parameters.
#pragma once

#include <cstdint>

#include "tessera/kernels.h"

namespace tessera::naive {

int8_t SubElement(const ts_add_params& p, int8_t a, int8_t b);
int8_t SquaredDifferenceElement(const ts_add_params& p, int8_t a, int8_t b);
int8_t PreluElement(const ts_prelu_params& p, int8_t x, int8_t alpha);
int8_t LeakyReluElement(const ts_leaky_relu_params& p, int8_t x);
int8_t AbsElement(const ts_abs_params& p, int8_t x);
int8_t RsqrtElement(const ts_rsqrt_params& p, int8_t x);
int8_t TanhElement(const ts_logistic_params& p, int8_t x);

}  // namespace tessera::naive
