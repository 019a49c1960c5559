#include "support/naive_elem.h"

#include <algorithm>
#include <cstdlib>

#include "support/naive_fixedpoint.h"
#include "support/naive_kernels.h"

namespace tessera::naive {
namespace {
int8_t Clamp8(int64_t v, int64_t lo = -128, int64_t hi = 127) {
  return static_cast<int8_t>(std::min(std::max(v, lo), hi));
}
// ADD's rescaling of one input: (v - zero point) << left_shift, times a multiplier below one.
int64_t Rescaled(int32_t offset, int8_t v, int32_t left_shift, int32_t m, int32_t s) {
  return Mbqm((int64_t(offset) + v) * (int64_t(1) << left_shift), m, s);
}
}  // namespace

int8_t SubElement(const ts_add_params& p, int8_t a, int8_t b) {
  const int64_t d = Rescaled(p.input1_offset, a, p.left_shift, p.input1_multiplier, p.input1_shift) -
                    Rescaled(p.input2_offset, b, p.left_shift, p.input2_multiplier, p.input2_shift);
  return Clamp8(Mbqm(d, p.output_multiplier, p.output_shift) + p.output_offset, p.act_min, p.act_max);
}

int8_t SquaredDifferenceElement(const ts_add_params& p, int8_t a, int8_t b) {
  const int64_t d = Rescaled(p.input1_offset, a, p.left_shift, p.input1_multiplier, p.input1_shift) -
                    Rescaled(p.input2_offset, b, p.left_shift, p.input2_multiplier, p.input2_shift);
  return Clamp8(Mbqm(d * d, p.output_multiplier, p.output_shift) + p.output_offset, p.act_min, p.act_max);
}

int8_t PreluElement(const ts_prelu_params& p, int8_t x, int8_t alpha) {
  const int64_t v = int64_t(p.input_offset) + x;
  const int64_t o = v >= 0 ? Mbqm(v, p.output_multiplier_1, p.output_shift_1)
                           : Mbqm(v * (int64_t(p.alpha_offset) + alpha), p.output_multiplier_2, p.output_shift_2);
  return Clamp8(o + p.output_offset);
}

int8_t LeakyReluElement(const ts_leaky_relu_params& p, int8_t x) {
  const int64_t v = int64_t(x) - p.input_zero_point;
  const int64_t o = v >= 0 ? Mbqm(v, p.multiplier_identity, p.shift_identity) : Mbqm(v, p.multiplier_alpha, p.shift_alpha);
  return Clamp8(o + p.output_zero_point);
}

int8_t AbsElement(const ts_abs_params& p, int8_t x) {
  const int64_t v = std::llabs(int64_t(x) - p.input_zero_point);
  return Clamp8((p.needs_rescale ? Mbqm(v, p.multiplier, p.shift) : v) + p.output_zero_point);
}

int8_t RsqrtElement(const ts_rsqrt_params& p, int8_t x) {
  const int32_t v = int32_t(x) - p.input_zero_point;
  if (v == 0) return 127;
  int32_t m;
  int s;
  InvSqrtMultiplier(v, &m, &s);
  const int64_t data = Mbqm(1, m, s + 20);
  return Clamp8(Mbqm(data, p.multiplier, p.shift - 20) + p.output_zero_point);
}

int8_t TanhElement(const ts_logistic_params& p, int8_t x) {
  const int32_t v = int32_t(x) - p.input_zero_point;
  if (v <= -p.input_range_radius) return -128;
  if (v >= p.input_range_radius) return 127;
  const int32_t q4 = Mbqm(v, p.input_multiplier, p.input_left_shift);
  return Clamp8(RoundingDivideByPot(Tanh(q4, 4), 24));
}

}  // namespace tessera::naive
