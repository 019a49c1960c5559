// AVERAGE_POOL_2D's DSP variant (four channels per 32-bit load, halfword sums with SXTAB16, on
// the host over arm_dsp.h's C emulations) gives the portable loops' bytes: random shapes,
// filters from 1x1 to whole-tensor windows (up to 256 taps on the four-channel path, more on the
// per-channel one), strides, padding, channel counts that are not multiples of four, activation
// ranges, sub-windows of the output, with and without a scratch buffer, and inputs at the
// extremes (all -128, all 127: the halfword sums' limits).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "tessera/kernels.h"

namespace {

TEST(DspPool, AverageMatchesPortable) {
  std::mt19937 rng(2024);
  auto uni = [&](int lo, int hi) { return static_cast<int>(lo + rng() % static_cast<uint32_t>(hi - lo + 1)); };
  int four_channel_cases = 0, wide_cases = 0;
  for (int trial = 0; trial < 600; ++trial) {
    ts_pool_params p{};
    p.in_h = uni(1, 24);
    p.in_w = uni(1, 24);
    p.channels = uni(1, 40);
    const bool global = trial % 5 == 0;
    p.filter_h = global ? p.in_h : uni(1, std::min(p.in_h, 7));
    p.filter_w = global ? p.in_w : uni(1, std::min(p.in_w, 7));
    p.stride_h = global ? 1 : uni(1, 3);
    p.stride_w = global ? 1 : uni(1, 3);
    p.pad_top = global ? 0 : uni(0, p.filter_h - 1);
    p.pad_left = global ? 0 : uni(0, p.filter_w - 1);
    p.out_h = (p.in_h + 2 * p.pad_top - p.filter_h) / p.stride_h + 1;
    p.out_w = (p.in_w + 2 * p.pad_left - p.filter_w) / p.stride_w + 1;
    if (p.out_h < 1 || p.out_w < 1) continue;
    p.act_min = uni(0, 2) ? -128 : uni(-128, 0);
    p.act_max = uni(0, 2) ? 127 : uni(p.act_min, 127);
    if (p.filter_h * p.filter_w <= 256 && p.channels >= 4) ++four_channel_cases;
    if (p.filter_h * p.filter_w > 256) ++wide_cases;
    std::vector<int8_t> in(static_cast<size_t>(p.in_h * p.in_w * p.channels));
    const int fill = trial % 7;
    for (auto& v : in) v = static_cast<int8_t>(fill == 1 ? -128 : fill == 2 ? 127 : static_cast<int>(rng()));
    ts_window win{0, p.out_h, 0, p.out_w};
    if (trial % 3 == 1) {
      win.y0 = uni(0, p.out_h - 1);
      win.y1 = uni(win.y0 + 1, p.out_h);
      win.x0 = uni(0, p.out_w - 1);
      win.x1 = uni(win.x0 + 1, p.out_w);
    }
    const size_t out_bytes = static_cast<size_t>(p.out_h * p.out_w * p.channels);
    std::vector<int8_t> want(out_bytes, 0x33), got(out_bytes, 0x33), scratch(ts_pool2d_s8_scratch_bytes(&p));
    const ts_cbuf cin{in.data(), 0, 0, p.in_h, p.in_w};
    ts_avg_pool2d_s8_portable(&p, cin, ts_buf{want.data(), 0, 0, p.out_h, p.out_w}, win, nullptr);
    ts_avg_pool2d_s8_dsp(&p, cin, ts_buf{got.data(), 0, 0, p.out_h, p.out_w}, win, nullptr);
    ASSERT_EQ(got, want) << "trial " << trial << " " << p.in_h << "x" << p.in_w << "x" << p.channels << " f"
                         << p.filter_h << "x" << p.filter_w;
    std::fill(got.begin(), got.end(), 0x33);
    ts_avg_pool2d_s8_dsp(&p, cin, ts_buf{got.data(), 0, 0, p.out_h, p.out_w}, win, scratch.data());
    ASSERT_EQ(got, want) << "scratch, trial " << trial;
  }
  EXPECT_GT(four_channel_cases, 200);
  EXPECT_GT(wide_cases, 10);
}

// 256 taps (16 x 16), every input -128 or 127: the halfword sums at their limits (-32768,
// 32512); 257 taps take the per-channel path.
TEST(DspPool, AverageAtTheHalfwordLimits) {
  for (int side_w : {16, 17})
    for (int value : {-128, 127, -1}) {
      ts_pool_params p{};
      p.in_h = p.filter_h = 16;
      p.in_w = p.filter_w = side_w;
      p.channels = 12;
      p.stride_h = p.stride_w = 1;
      p.out_h = p.out_w = 1;
      p.act_min = -128;
      p.act_max = 127;
      std::vector<int8_t> in(static_cast<size_t>(p.in_h * p.in_w * p.channels), static_cast<int8_t>(value));
      in[5] = 0;  // channel 5 one step off the limit
      std::vector<int8_t> want(12, 0x33), got(12, 0x33);
      const ts_cbuf cin{in.data(), 0, 0, p.in_h, p.in_w};
      ts_avg_pool2d_s8_portable(&p, cin, ts_buf{want.data(), 0, 0, 1, 1}, ts_window{0, 1, 0, 1}, nullptr);
      ts_avg_pool2d_s8_dsp(&p, cin, ts_buf{got.data(), 0, 0, 1, 1}, ts_window{0, 1, 0, 1}, nullptr);
      EXPECT_EQ(got, want) << side_w << " " << value;
      EXPECT_EQ(want[0], static_cast<int8_t>(value));
    }
}

}  // namespace
