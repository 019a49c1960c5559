// QUANTIZE uint8 <-> int8 and DEQUANTIZE uint8 -> float32 against TFLM's Requantize /
// Dequantize written independently (support/naive_zoo_kernels): every input byte, random
// scales and zero points (the ends included), saturation, TFLM's "x ^ 0x80" shortcut for equal
// scales with zero points 128 apart, and random tilings of the window (each tile reading only
// its own window).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "support/naive_zoo_kernels.h"
#include "tessera/kernels.h"

namespace tessera::zoo {
namespace {

struct Case {
  bool u8_to_s8 = true;
  int32_t in_zp = 0, out_zp = 0, mult = 0, shift = 0;
  int32_t act_min = -128, act_max = 255;
};

int8_t Expected(const Case& c, int8_t byte) {
  const int32_t q = c.u8_to_s8 ? int32_t(uint8_t(byte)) : int32_t(byte);
  const int64_t v = int64_t(c.out_zp) + Mbqm(q - c.in_zp, c.mult, c.shift);
  const int64_t lo = std::max<int64_t>(c.u8_to_s8 ? -128 : 0, c.act_min);
  const int64_t hi = std::min<int64_t>(c.u8_to_s8 ? 127 : 255, c.act_max);
  return static_cast<int8_t>(static_cast<uint8_t>(std::clamp<int64_t>(v, lo, hi)));
}

void RunKernel(const Case& c, ts_cbuf in, ts_buf out, int32_t channels, ts_window win) {
  const ts_requant_params p{c.in_zp, c.out_zp, c.mult, c.shift, c.act_min, c.act_max};
  if (c.u8_to_s8)
    ts_requantize_u8_s8(&p, in, out, channels, win);
  else
    ts_requantize_s8_u8(&p, in, out, channels, win);
}

// All 256 input bytes as one 16 x 4 x 4 tensor, whole and over a random tiling.
void CheckAllBytes(Rng& rng, const Case& c, const std::string& what) {
  Image img{16, 4, 4, {}};
  for (int i = 0; i < 256; ++i) img.bytes.push_back(static_cast<int8_t>(i));
  std::vector<int8_t> expect(256);
  for (int i = 0; i < 256; ++i) expect[i] = Expected(c, img.bytes[i]);
  std::vector<int8_t> got(256, 0x11);
  RunKernel(c, ts_cbuf{img.bytes.data(), 0, 0, 16, 4}, ts_buf{got.data(), 0, 0, 16, 4}, 4, ts_window{0, 16, 0, 4});
  for (int i = 0; i < 256; ++i) ASSERT_EQ(got[i], expect[i]) << what << " input byte " << i;
  const auto tiled = RunTiled(rng, img, 16, 4, 4, [](ts_window w) { return w; },
                              [&](ts_cbuf in, ts_buf out, ts_window w) { RunKernel(c, in, out, 4, w); });
  ASSERT_EQ(tiled, expect) << what << " (tiled)";
}

TEST(KernelsZooQuantize, RandomScalesAndZeroPoints) {
  Rng rng(11);
  for (int it = 0; it < 400; ++it) {
    Case c;
    c.u8_to_s8 = it % 2 == 0;
    const int32_t in_lo = c.u8_to_s8 ? 0 : -128, out_lo = c.u8_to_s8 ? -128 : 0;
    // Zero points often at the ends of their range.
    auto zp = [&](int32_t lo) {
      const int k = Int(rng, 0, 3);
      return k == 0 ? lo : k == 1 ? lo + 255 : lo + Int(rng, 0, 255);
    };
    c.in_zp = zp(in_lo);
    c.out_zp = zp(out_lo);
    const double in_scale = std::exp2(Real(rng, -12, 2)), out_scale = std::exp2(Real(rng, -12, 2));
    int s = 0;
    QuantizeMultiplier(static_cast<double>(static_cast<float>(in_scale)) / static_cast<float>(out_scale),
                       &c.mult, &s);
    c.shift = s;
    c.act_min = out_lo;
    c.act_max = out_lo + 255;
    if (it % 7 == 0) {  // a narrower clamp
      c.act_min = out_lo + Int(rng, 0, 100);
      c.act_max = c.act_min + Int(rng, 0, 155);
    }
    CheckAllBytes(rng, c, "case " + std::to_string(it));
  }
}

TEST(KernelsZooQuantize, EqualScalesZeroPointsApart128AreTflmsXorShortcut) {
  Rng rng(3);
  int32_t m = 0;
  int s = 0;
  QuantizeMultiplier(1.0, &m, &s);
  ASSERT_EQ(m, 1 << 30);
  ASSERT_EQ(s, 1);
  for (int dir = 0; dir < 2; ++dir)
    for (int32_t out_zp : {-128, -1, 0, 5, 127}) {
      Case c;
      c.u8_to_s8 = dir == 0;
      c.mult = m;
      c.shift = s;
      c.out_zp = c.u8_to_s8 ? out_zp : out_zp + 128;  // uint8 output zero point in [0, 255]
      c.in_zp = c.u8_to_s8 ? c.out_zp + 128 : c.out_zp - 128;
      c.act_min = c.u8_to_s8 ? -128 : 0;
      c.act_max = c.act_min + 255;
      std::vector<int8_t> in(256), got(256);
      for (int i = 0; i < 256; ++i) in[i] = static_cast<int8_t>(i);
      RunKernel(c, ts_cbuf{in.data(), 0, 0, 1, 256}, ts_buf{got.data(), 0, 0, 1, 256}, 1, ts_window{0, 1, 0, 256});
      for (int i = 0; i < 256; ++i)
        ASSERT_EQ(uint8_t(got[i]), uint8_t(i ^ 0x80)) << "dir " << dir << " zp " << c.in_zp << "->" << c.out_zp;
      CheckAllBytes(rng, c, "xor shortcut");
    }
}

// Equal scales with any zero points (the kernel's shortcut for multiplier 2^30, shift 1)
// against the general formula, and against plain "q - in_zp + out_zp, clamped".
TEST(KernelsZooQuantize, EqualScalesAnyZeroPoints) {
  Rng rng(5);
  int32_t m = 0;
  int s = 0;
  QuantizeMultiplier(1.0, &m, &s);
  for (int it = 0; it < 300; ++it) {
    Case c;
    c.u8_to_s8 = it % 2 == 0;
    c.mult = m;
    c.shift = s;
    c.in_zp = c.u8_to_s8 ? Int(rng, 0, 255) : Int(rng, -128, 127);
    c.out_zp = c.u8_to_s8 ? Int(rng, -128, 127) : Int(rng, 0, 255);
    c.act_min = c.u8_to_s8 ? -128 : 0;
    c.act_max = c.act_min + 255;
    if (it % 5 == 0) c.act_max = c.act_min + Int(rng, 0, 255);
    for (int b = 0; b < 256; ++b) {
      const int32_t q = c.u8_to_s8 ? b : int8_t(b);
      const int32_t plain = std::clamp(q - c.in_zp + c.out_zp, c.act_min, c.act_max);
      ASSERT_EQ(uint8_t(Expected(c, static_cast<int8_t>(b))), uint8_t(plain));
    }
    CheckAllBytes(rng, c, "equal scales " + std::to_string(it));
  }
}

TEST(KernelsZooQuantize, HandComputedValuesAndSaturation) {
  // uint8 scale 1, zp 128 -> int8 scale 0.5, zp 0: out = 2 * (q - 128), saturating.
  Case c;
  int s = 0;
  QuantizeMultiplier(2.0, &c.mult, &s);
  c.shift = s;
  c.in_zp = 128;
  c.out_zp = 0;
  const uint8_t qs[] = {0, 64, 100, 127, 128, 129, 191, 192, 255};
  const int8_t want[] = {-128, -128, -56, -2, 0, 2, 126, 127, 127};
  for (size_t i = 0; i < sizeof(qs); ++i) {
    int8_t b = static_cast<int8_t>(qs[i]), o = 0;
    RunKernel(c, ts_cbuf{&b, 0, 0, 1, 1}, ts_buf{&o, 0, 0, 1, 1}, 1, ts_window{0, 1, 0, 1});
    EXPECT_EQ(o, want[i]) << int(qs[i]);
  }
  // int8 scale 1/3, zp -10 -> uint8 scale 1, zp 250. TFLM rounds twice: the multiplier is
  // 2/3 with a right shift of 1, so x = q + 10 becomes round(2x/3), then that halved rounding
  // half away from zero (-118 -> -79 -> -40, where round(-118/3) would be -39), plus 250,
  // clamped to 255.
  Case d;
  d.u8_to_s8 = false;
  QuantizeMultiplier(1.0 / 3.0, &d.mult, &s);
  d.shift = s;
  d.in_zp = -10;
  d.out_zp = 250;
  d.act_min = 0;
  d.act_max = 255;
  const int8_t ds[] = {-128, -12, -11, -10, -9, -8, 5, 6, 127};
  const uint8_t dwant[] = {210, 249, 249, 250, 251, 251, 255, 255, 255};
  for (size_t i = 0; i < sizeof(ds); ++i) {
    int8_t b = ds[i], o = 0;
    RunKernel(d, ts_cbuf{&b, 0, 0, 1, 1}, ts_buf{&o, 0, 0, 1, 1}, 1, ts_window{0, 1, 0, 1});
    EXPECT_EQ(uint8_t(o), dwant[i]) << int(ds[i]);
  }
}

TEST(KernelsZooDequantize, Uint8ToFloat) {
  Rng rng(9);
  // Hand values: scale 0.5, zero point 128.
  {
    const uint8_t qs[] = {0, 1, 127, 128, 129, 255};
    const float want[] = {-64.0f, -63.5f, -0.5f, 0.0f, 0.5f, 63.5f};
    std::vector<int8_t> in(6), out(24);
    for (int i = 0; i < 6; ++i) in[i] = static_cast<int8_t>(qs[i]);
    ts_dequantize_u8_f32(0.5, 128, ts_cbuf{in.data(), 0, 0, 1, 6}, ts_buf{out.data(), 0, 0, 1, 6}, 1,
                         ts_window{0, 1, 0, 6});
    for (int i = 0; i < 6; ++i) {
      float f;
      std::memcpy(&f, out.data() + 4 * i, 4);
      EXPECT_EQ(f, want[i]) << i;
    }
  }
  for (int it = 0; it < 50; ++it) {
    const double scale = static_cast<float>(std::exp2(Real(rng, -10, 3)));
    const int32_t zp = Int(rng, 0, 3) == 0 ? (it % 2 ? 255 : 0) : Int(rng, 0, 255);
    Image img{16, 8, 2, {}};
    for (int i = 0; i < 256; ++i) img.bytes.push_back(static_cast<int8_t>(i));
    std::vector<int8_t> expect(1024);
    for (int i = 0; i < 256; ++i) {
      // TFLM: static_cast<float>(scale * (val - zero_point)) with a double scale.
      const float f = static_cast<float>(scale * static_cast<double>(i - zp));
      std::memcpy(expect.data() + 4 * i, &f, 4);
    }
    const auto got = RunTiled(rng, img, 16, 8, 8, [](ts_window w) { return w; },
                              [&](ts_cbuf in, ts_buf out, ts_window w) {
                                ts_dequantize_u8_f32(scale, zp, in, out, 2, w);
                              });
    ASSERT_EQ(got, expect) << "scale " << scale << " zp " << zp;
  }
}

}  // namespace
}  // namespace tessera::zoo
