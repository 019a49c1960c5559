// TensorFlow Lite Micro's int16 SOFTMAX (reference_ops::SoftmaxInt16) and its tables (common.h's
// gen_lut<FloatT, int16_t, int16_t>), re-derived for tests from their definitions, apart from
// kernels/src/softmax.c and src/ops: the table arithmetic in a chosen floating type (TFLM: float;
// TensorFlow Lite 2.9: double), the rest in int64.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace tessera::naive {

// gen_lut: 512 samples of f over [in_min, in_max] plus the end point, each the rounded sample
// (outputs in [out_min, out_max] scaled to int16) less half the rounded midpoint error.
template <class F>
std::vector<int16_t> GenLutS16(F (*f)(F), F in_min, F in_max, F out_min, F out_max) {
  std::vector<int16_t> lut(513);
  const F step = (in_max - in_min) / 512;
  const F half_step = step / 2;
  const F inv = static_cast<F>(32767 - (-32768) + 1) / (out_max - out_min);
  auto clamp = [](F v) { return static_cast<int16_t>(std::min<F>(std::max<F>(v, F(-32768)), F(32767))); };
  for (int i = 0; i < 512; i++) {
    const F val = f(in_min + i * step);
    const F val_midpoint = f(in_min + i * step + half_step);
    const F val_next = f(in_min + (i + 1) * step);
    const F sample_val = std::round(val * inv);
    const F midpoint_interp_val = std::round((val_next * inv + std::round(val * inv)) / 2);
    const F midpoint_val = std::round(val_midpoint * inv);
    const F midpoint_err = midpoint_interp_val - midpoint_val;
    const F bias = std::round(midpoint_err / 2);
    lut[i] = clamp(sample_val - bias);
  }
  lut[512] = clamp(std::round(f(in_max) * inv));
  return lut;
}

// The exp table over [-10, 0] and the 1/(1+x) table over [0, 1] in floating type F.
template <class F>
std::vector<int16_t> ExpLut() {
  return GenLutS16<F>([](F v) -> F { return std::exp(v); }, F(-10), F(0), F(-1), F(1));
}
template <class F>
std::vector<int16_t> RecipLut() {
  return GenLutS16<F>([](F v) -> F { return F(1) / (F(1) + v); }, F(0), F(1), F(-1), F(1));
}

// TFLM's 32-bit MultiplyByQuantizedMultiplier (double rounding).
int32_t Mbqm32(int32_t x, int32_t m, int shift);
// The interpolating int16 table lookup (513 entries).
int16_t LutLookupS16(int16_t value, const std::vector<int16_t>& lut);
// SoftmaxInt16 over rows x depth with input multiplier / shift and the two tables.
std::vector<int16_t> SoftmaxS16(const std::vector<int16_t>& in, int rows, int depth, int32_t mult, int shift,
                                const std::vector<int16_t>& exp_lut, const std::vector<int16_t>& recip_lut);

}  // namespace tessera::naive
