// Host throughput of the portable int8 kernels on representative layer shapes, whole layer
// versus the same layer computed as 4x4 patches (each from its own receptive window).
// Best of three runs. Prints a table; asserts nothing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "tessera/kernels.h"

namespace {

struct Shape {
  const char* name;
  int in_hw, in_c, out_c, k, stride;
  bool depthwise;
};

double Seconds(const std::chrono::steady_clock::time_point& t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main() {
  const Shape shapes[] = {
      {"mbv2 conv 3x3 s2 224x224x3->32", 224, 3, 32, 3, 2, false},
      {"mbv2 dw 3x3 s1 112x112x32", 112, 32, 32, 3, 1, true},
      {"mbv2 pw 1x1 112x112x32->16", 112, 32, 16, 1, 1, false},
      {"mbv2 dw 3x3 s2 112x112x96", 112, 96, 96, 3, 2, true},
      {"vww pw 1x1 24x24x64->128", 24, 64, 128, 1, 1, false},
  };
  std::mt19937 rng(1);
  std::printf("%-34s %10s %10s %12s %12s\n", "layer", "MMAC", "whole ms", "4x4 patch ms",
              "MMAC/s whole");
  for (const Shape& s : shapes) {
    const int pad = s.k / 2;
    const int out_hw = (s.in_hw + 2 * pad - s.k) / s.stride + 1;
    std::vector<int8_t> in(size_t(s.in_hw) * s.in_hw * s.in_c), out(size_t(out_hw) * out_hw * s.out_c);
    for (auto& b : in) b = static_cast<int8_t>(rng());
    const size_t fsize = s.depthwise ? size_t(s.k) * s.k * s.out_c : size_t(s.out_c) * s.k * s.k * s.in_c;
    std::vector<int8_t> filter(fsize);
    for (auto& b : filter) b = static_cast<int8_t>(rng());
    std::vector<int32_t> bias(s.out_c, 100), mult(s.out_c, 1500000000), shift(s.out_c, -9);
    ts_conv_params p{};
    p.in_h = p.in_w = s.in_hw, p.in_c = s.in_c, p.out_h = p.out_w = out_hw, p.out_c = s.out_c;
    p.filter_h = p.filter_w = s.k, p.filter_in_c = s.in_c, p.depth_multiplier = s.depthwise ? s.out_c / s.in_c : 1;
    p.stride_h = p.stride_w = s.stride, p.dilation_h = p.dilation_w = 1, p.pad_top = p.pad_left = pad;
    p.input_offset = 5, p.output_offset = -3, p.act_min = -128, p.act_max = 127;
    p.output_multiplier = mult.data(), p.output_shift = shift.data();
    const double macs = double(out_hw) * out_hw * s.out_c * s.k * s.k * (s.depthwise ? 1 : s.in_c);
    auto run = [&](ts_window w) {
      const ts_cbuf ib{in.data(), 0, 0, s.in_hw, s.in_hw};
      const ts_buf ob{out.data(), 0, 0, out_hw, out_hw};
      if (s.depthwise)
        ts_depthwise_conv2d_s8(&p, ib, filter.data(), bias.data(), ob, w, nullptr);
      else
        ts_conv2d_s8(&p, ib, filter.data(), bias.data(), ob, w, nullptr);
    };
    // Best of 3 (the machine is shared).
    double whole = 1e9, patches = 1e9;
    for (int rep = 0; rep < 3; ++rep) {
      auto t0 = std::chrono::steady_clock::now();
      run(ts_window{0, out_hw, 0, out_hw});
      whole = std::min(whole, Seconds(t0));
      t0 = std::chrono::steady_clock::now();
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b)
          run(ts_window{a * out_hw / 4, (a + 1) * out_hw / 4, b * out_hw / 4, (b + 1) * out_hw / 4});
      patches = std::min(patches, Seconds(t0));
    }
    std::printf("%-34s %10.1f %10.2f %12.2f %12.0f\n", s.name, macs / 1e6, whole * 1e3,
                patches * 1e3, macs / 1e6 / whole);
  }
  return 0;
}
