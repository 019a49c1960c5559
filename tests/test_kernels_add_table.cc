// ADD over windows of at least 1024 elements rescales its inputs through 256-entry tables; small
// windows compute every rescaling. Both must give TFLM's bytes: compared here with the public
// ts_multiply_by_quantized_multiplier applied element by element, over large windows with
// broadcast operands (strides 0), random requantization parameters as TFLM derives them, windows
// on both sides of the threshold, and in place (the output over the first input); parameters
// at the edges of the requantization shortcut's conditions (elementwise.c ts_add_fast: shifts
// 0 and -30, offsets -127 and 128, left shift 20) and just beyond them (the general path).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "tessera/kernels.h"

#include "../kernels/src/requant_util.h"

namespace {


int8_t RefAdd(const ts_add_params& p, int8_t a, int8_t b) {
  const int32_t s1 =
      ts_multiply_by_quantized_multiplier((p.input1_offset + a) * (1 << p.left_shift), p.input1_multiplier, p.input1_shift);
  const int32_t s2 =
      ts_multiply_by_quantized_multiplier((p.input2_offset + b) * (1 << p.left_shift), p.input2_multiplier, p.input2_shift);
  int32_t r = ts_multiply_by_quantized_multiplier(s1 + s2, p.output_multiplier, p.output_shift) + p.output_offset;
  if (r < p.act_min) r = p.act_min;
  if (r > p.act_max) r = p.act_max;
  return static_cast<int8_t>(r);
}

// ts_rq_requant2(2x, m, 2^e, e + 1) is TFLM's MultiplyByQuantizedMultiplier(x, m, -e) for
// |x| < 2^29 and 0 <= e <= 30: every shift, edge and random values and multipliers.
TEST(KernelsAddTable, Requant2MatchesMultiplyByQuantizedMultiplier) {
  std::mt19937 rng(99);
  const int32_t edge_x[] = {0, 1, -1, 2, -2, (1 << 29) - 1, -(1 << 29) + 1, 1 << 28, -(1 << 28), 12345, -12345};
  const int32_t edge_m[] = {0, 1, (1 << 30), (1 << 30) + 1, 2147483647, 1518500250, -1, -2147483647 - 1};
  for (int e = 0; e <= 30; ++e) {
    for (int32_t x : edge_x)
      for (int32_t m : edge_m)
        ASSERT_EQ(ts_rq_requant2(2 * x, m, int32_t{1} << e, e + 1), ts_multiply_by_quantized_multiplier(x, m, -e))
            << "x " << x << " m " << m << " e " << e;
    for (int i = 0; i < 20000; ++i) {
      const int32_t x = static_cast<int32_t>(rng() % ((1u << 30) - 1)) - ((1 << 29) - 1);
      const int32_t m = static_cast<int32_t>(rng());
      ASSERT_EQ(ts_rq_requant2(2 * x, m, int32_t{1} << e, e + 1), ts_multiply_by_quantized_multiplier(x, m, -e))
          << "x " << x << " m " << m << " e " << e;
    }
  }
}

TEST(KernelsAddTable, LargeAndSmallWindowsMatchElementByElement) {
  std::mt19937 rng(321);
  auto uni = [&](int lo, int hi) { return static_cast<int>(lo + rng() % static_cast<uint32_t>(hi - lo + 1)); };
  auto pick = [&](std::initializer_list<int> v) { return *(v.begin() + rng() % v.size()); };
  for (int trial = 0; trial < 360; ++trial) {
    const int h = uni(1, 24), w = uni(1, 24), c = uni(1, 48);
    ts_add_params p{};
    p.input1_offset = -uni(-128, 127);
    p.input2_offset = -uni(-128, 127);
    p.output_offset = uni(-128, 127);
    p.left_shift = 20;
    p.input1_multiplier = (1 << 30) + static_cast<int32_t>(rng() % (1u << 30));
    p.input2_multiplier = (1 << 30) + static_cast<int32_t>(rng() % (1u << 30));
    p.output_multiplier = (1 << 30) + static_cast<int32_t>(rng() % (1u << 30));
    p.input1_shift = -uni(0, 3);
    p.input2_shift = -uni(0, 3);
    p.output_shift = -uni(10, 20);
    p.act_min = uni(0, 1) ? -128 : p.output_offset;
    p.act_max = 127;
    if (trial % 3 == 1) {
      // The shortcut's edges and just beyond them (the general path then), any multipliers.
      p.input1_offset = pick({-127, 128, -128, 0, 5});
      p.input2_offset = pick({-127, 128, -128, 0, -5});
      p.left_shift = pick({20, 20, 19, 21, 0});
      p.input1_shift = pick({0, -1, -30, -31, 1});
      p.input2_shift = pick({0, -1, -30, -31, 1});
      p.output_shift = pick({0, -1, -30, -31, 1, -15});
      p.input1_multiplier = pick({2147483647, 1 << 30, 1, 1518500250});
      p.input2_multiplier = pick({2147483647, 1 << 30, 1, 1518500250});
      p.output_multiplier = pick({2147483647, 1 << 30, 1, 1518500250});
      p.act_min = pick({-128, -100, 0});
      p.act_max = pick({127, 100, 6});
    }
    // Operand b broadcast along a random set of axes.
    const bool bh = uni(0, 1), bw = uni(0, 1), bc = uni(0, 1);
    const int b_h = bh ? 1 : h, b_w = bw ? 1 : w, b_c = bc ? 1 : c;
    std::vector<int8_t> a(static_cast<size_t>(h * w * c)), b(static_cast<size_t>(b_h * b_w * b_c));
    for (auto& v : a) v = static_cast<int8_t>(rng());
    for (auto& v : b) v = static_cast<int8_t>(rng());
    const ts_operand oa{a.data(), 0, 0, w * c, c, 1};
    const ts_operand ob{b.data(), 0, 0, bh ? 0 : b_w * b_c, bw ? 0 : b_c, bc ? 0 : 1};
    std::vector<int8_t> want(a.size());
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        for (int k = 0; k < c; ++k)
          want[(y * w + x) * c + k] = RefAdd(p, a[(y * w + x) * c + k],
                                             b[(bh ? 0 : y) * b_w * b_c + (bw ? 0 : x) * b_c + (bc ? 0 : k)]);
    // Whole tensor (table path when h*w*c >= 1024), into a separate buffer and in place.
    std::vector<int8_t> out(a.size(), 0x55);
    ts_add_s8(&p, oa, ob, ts_buf{out.data(), 0, 0, h, w}, c, ts_window{0, h, 0, w});
    ASSERT_EQ(out, want) << "trial " << trial << " " << h << "x" << w << "x" << c;
    std::vector<int8_t> inplace = a;
    const ts_operand oi{inplace.data(), 0, 0, w * c, c, 1};
    ts_add_s8(&p, oi, ob, ts_buf{inplace.data(), 0, 0, h, w}, c, ts_window{0, h, 0, w});
    ASSERT_EQ(inplace, want) << "in place, trial " << trial;
    // One row at a time (small windows: every rescaling computed).
    std::vector<int8_t> rows(a.size(), 0x55);
    for (int y = 0; y < h; ++y)
      ts_add_s8(&p, oa, ob, ts_buf{rows.data(), 0, 0, h, w}, c, ts_window{y, y + 1, 0, w});
    ASSERT_EQ(rows, want) << "rows, trial " << trial;
  }
}

}  // namespace
