// Kernel workspaces (kernels.h "Kernel workspace"): the *_ws entry points of CONV_2D's and
// DEPTHWISE_CONV_2D's DSP paths and of ADD / SUB / SQUARED_DIFFERENCE, with the buffers they
// would keep on the stack in a caller's workspace of exactly *_workspace_bytes bytes, give
// the bytes of the portable loops (and of the entry points without a workspace); they write
// no byte past the workspace (guard bytes after it stay as they were); and the workspace's
// previous contents do not matter (filled with random bytes before every call).
// On the host the DSP paths run over the C emulation of the intrinsics (arm_dsp.h); the
// emulated Cortex-M runs of the same code are the firmware tests' (test_firmware_dsp,
// test_firmware_models, through the generated code's *_ws calls).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "support/random_bytes.h"

extern "C" {
#include "tessera/kernels.h"
}

namespace {

using tessera::test::RandomBytes;
using tessera::test::Rng;
using tessera::test::Uniform;

constexpr size_t kGuard = 256;
constexpr uint8_t kGuardByte = 0xA5;

// A workspace of `bytes` (word-aligned, random contents) followed by kGuard guard bytes.
struct Workspace {
  std::vector<uint32_t> words;
  size_t bytes;
  Workspace(Rng& r, size_t n) : words((n + kGuard) / 4 + 1), bytes(n) {
    const std::vector<int8_t> junk = RandomBytes(r, n);
    if (n) std::memcpy(words.data(), junk.data(), n);
    std::memset(reinterpret_cast<uint8_t*>(words.data()) + n, kGuardByte, kGuard);
  }
  void* data() { return bytes ? words.data() : nullptr; }
  bool GuardIntact() const {
    const uint8_t* g = reinterpret_cast<const uint8_t*>(words.data()) + bytes;
    return std::all_of(g, g + kGuard, [](uint8_t b) { return b == kGuardByte; });
  }
};

struct Layer {
  ts_conv_params p{};
  std::vector<int8_t> filter, input;
  std::vector<int32_t> bias, mult, shift;
  std::string Describe() const {
    return "in " + std::to_string(p.in_h) + "x" + std::to_string(p.in_w) + "x" + std::to_string(p.in_c) + " out_c " +
           std::to_string(p.out_c) + " filter " + std::to_string(p.filter_h) + "x" + std::to_string(p.filter_w) +
           " stride " + std::to_string(p.stride_h) + " pad " + std::to_string(p.pad_top);
  }
};

Layer MakeLayer(Rng& r, bool depthwise, int it) {
  Layer l;
  ts_conv_params& p = l.p;
  const int32_t kf[] = {1, 3, 5};
  p.filter_h = p.filter_w = kf[Uniform(r, 0, 2)];
  if (depthwise) {
    p.in_c = it % 2 ? 4 * Uniform(r, 1, 24) : Uniform(r, 1, 40);
    p.depth_multiplier = it % 7 == 0 ? 4 : 1;
    p.out_c = p.in_c * p.depth_multiplier;
  } else {
    p.in_c = it % 2 ? 4 * Uniform(r, 1, 16) : Uniform(r, 1, 20);
    if (it % 5 == 0) { p.in_c = 8; p.filter_h = p.filter_w = 1; }  // the eight-tap kernel
    p.out_c = Uniform(r, 1, 48);
    p.depth_multiplier = 1;
  }
  p.filter_in_c = p.in_c;
  p.stride_h = p.stride_w = Uniform(r, 1, 2);
  p.dilation_h = p.dilation_w = 1;
  p.in_h = Uniform(r, 2, 14);
  p.in_w = Uniform(r, 2, 14);
  p.pad_top = Uniform(r, 0, p.filter_h / 2);
  p.pad_left = Uniform(r, 0, p.filter_w / 2);
  p.out_h = std::max(1, (p.in_h + 2 * p.pad_top - p.filter_h) / p.stride_h + 1);
  p.out_w = std::max(1, (p.in_w + 2 * p.pad_left - p.filter_w) / p.stride_w + 1);
  p.input_offset = Uniform(r, -127, 128);
  p.output_offset = Uniform(r, -128, 127);
  p.act_min = -128;
  p.act_max = 127;
  const size_t taps = size_t(p.filter_h) * p.filter_w;
  l.filter = RandomBytes(r, depthwise ? taps * p.out_c : taps * p.in_c * p.out_c);
  l.input = RandomBytes(r, size_t(p.in_h) * p.in_w * p.in_c);
  for (int32_t o = 0; o < p.out_c; ++o) {
    l.bias.push_back(Uniform(r, -30000, 30000));
    l.mult.push_back(Uniform(r, (1 << 30) + 1, 2147483647));
    l.shift.push_back(Uniform(r, -10, -1));
  }
  if (!depthwise && it % 3 == 1) {
    // Pruned channels (all-zero filters with the operator layer's canonical parameters,
    // kernels.h TS_CONSTANT_CHANNEL_*): the quad kernel's live runs in the workspace.
    for (int32_t o = 0; o < p.out_c; ++o) {
      if (Uniform(r, 0, 2) != 0) continue;
      std::fill(l.filter.begin() + size_t(o) * taps * p.in_c, l.filter.begin() + size_t(o + 1) * taps * p.in_c, 0);
      l.mult[o] = TS_CONSTANT_CHANNEL_MULTIPLIER;
      l.shift[o] = TS_CONSTANT_CHANNEL_SHIFT;
      l.bias[o] = 2 * Uniform(r, -60, 60);
    }
  }
  p.output_multiplier = l.mult.data();
  p.output_shift = l.shift.data();
  return l;
}

void CheckConvLike(bool depthwise) {
  Rng r(depthwise ? 77 : 76);
  int with_ws = 0, pixel_only = 0, overlapping = 0;
  for (int it = 0; it < 300; ++it) {
    const Layer l = MakeLayer(r, depthwise, it);
    SCOPED_TRACE(l.Describe());
    const ts_conv_params& p = l.p;
    size_t need = depthwise ? 0 : ts_conv2d_s8_workspace_bytes(&p);
    with_ws += depthwise || need > 0;
    const ts_cbuf in = {l.input.data(), 0, 0, p.in_h, p.in_w};
    // The whole output, and a window of it.
    ts_window wins[2] = {{0, p.out_h, 0, p.out_w}, {0, p.out_h, 0, p.out_w}};
    wins[1].y0 = Uniform(r, 0, p.out_h - 1);
    wins[1].y1 = Uniform(r, wins[1].y0 + 1, p.out_h);
    wins[1].x0 = Uniform(r, 0, p.out_w - 1);
    wins[1].x1 = Uniform(r, wins[1].x0 + 1, p.out_w);
    for (const ts_window& w : wins) {
      if (depthwise) {
        need = ts_depthwise_conv2d_s8_workspace_bytes(&p, l.bias.data(), w);
        pixel_only += need > 0 && need < ts_depthwise_conv2d_s8_workspace_bytes(&p, l.bias.data(), {0, 1, 0, 64});
      }
      const size_t n = size_t(p.out_h) * p.out_w * p.out_c;
      std::vector<int8_t> want(n, 0), got(n, 0), got_stack(n, 0);
      const ts_buf ow = {want.data(), 0, 0, p.out_h, p.out_w}, og = {got.data(), 0, 0, p.out_h, p.out_w},
                   os = {got_stack.data(), 0, 0, p.out_h, p.out_w};
      Workspace ws(r, need);
      if (depthwise) {
        ts_depthwise_conv2d_s8_portable(&p, in, l.filter.data(), l.bias.data(), ow, w, nullptr);
        ts_depthwise_conv2d_s8_dsp_ws(&p, in, l.filter.data(), l.bias.data(), og, w, nullptr, ws.data());
        ts_depthwise_conv2d_s8_dsp(&p, in, l.filter.data(), l.bias.data(), os, w, nullptr);
      } else {
        ts_conv2d_s8_portable(&p, in, l.filter.data(), l.bias.data(), ow, w, nullptr);
        ts_conv2d_s8_dsp_ws(&p, in, l.filter.data(), l.bias.data(), og, w, nullptr, ws.data());
        ts_conv2d_s8_dsp(&p, in, l.filter.data(), l.bias.data(), os, w, nullptr);
      }
      ASSERT_EQ(got, want);
      ASSERT_EQ(got_stack, want);
      ASSERT_TRUE(ws.GuardIntact()) << "wrote past its " << need << "-byte workspace";
      // Depthwise with the output over the input (shifted down far enough for the contract's
      // order: each output byte written after its input's last read): the staging buffer and
      // the table after it, in the same workspace size, give the same bytes.
      if (depthwise && p.depth_multiplier == 1 && p.stride_h == 1 && p.stride_w == 1 && p.out_h == p.in_h &&
          p.out_w == p.in_w) {
        const size_t shift = size_t(p.filter_h / 2 + 1) * (p.in_w + 1) * p.in_c;
        std::vector<int8_t> arena(shift + l.input.size()), sc(p.out_c);
        std::memcpy(arena.data() + shift, l.input.data(), l.input.size());
        const ts_cbuf in2 = {arena.data() + shift, 0, 0, p.in_h, p.in_w};
        const ts_buf o2 = {arena.data(), 0, 0, p.out_h, p.out_w};
        Workspace ws2(r, need);
        ts_depthwise_conv2d_s8_dsp_ws(&p, in2, l.filter.data(), l.bias.data(), o2, w, sc.data(), ws2.data());
        ASSERT_TRUE(ws2.GuardIntact()) << "overlapping: wrote past its " << need << "-byte workspace";
        if (w.y0 == 0 && w.x0 == 0 && w.y1 == p.out_h && w.x1 == p.out_w) {
          ASSERT_TRUE(std::equal(want.begin(), want.end(), arena.begin())) << "overlapping output differs";
          ++overlapping;
        }
      }
    }
  }
  EXPECT_GE(with_ws, 200);  // most layers take a DSP path with a workspace
  // Depthwise windows on the pixel path either way: only its table (checked above as exact).
  if (depthwise) {
    EXPECT_GE(pixel_only, 20);
    EXPECT_GE(overlapping, 20);
  }
}

TEST(KernelWorkspace, ConvInsideItsWorkspaceAndExact) { CheckConvLike(false); }
TEST(KernelWorkspace, DepthwiseInsideItsWorkspaceAndExact) { CheckConvLike(true); }

// A CONV_2D workspace is what the layer's own taps and channels use, not the whole 2,304-byte
// column: figures from the layout (conv_dsp.c ts_conv_layout) worked out by hand.
TEST(KernelWorkspace, ConvWorkspaceSizedToTheLayer) {
  ts_conv_params p{};
  p.dilation_h = p.dilation_w = p.stride_h = p.stride_w = p.depth_multiplier = 1;
  // 1x1 over 12 channels, 16 outputs: k4 12; lanes 24 + table 64 + staged 16 + runs 9 words.
  p.in_c = p.filter_in_c = 12;
  p.filter_h = p.filter_w = 1;
  p.out_c = 16;
  EXPECT_EQ(ts_conv2d_s8_workspace_bytes(&p), 4u * (24 + 64 + 16 + 9));
  // Over 8 channels: the eight-tap kernel's table (8 words a channel, 128) exceeds the
  // column's 16 + 64 + 16 + 9.
  p.in_c = p.filter_in_c = 8;
  EXPECT_EQ(ts_conv2d_s8_workspace_bytes(&p), 4u * 128);
  // With 64 outputs: 512 words against 16 + 256 + 64 + 33.
  p.out_c = 64;
  EXPECT_EQ(ts_conv2d_s8_workspace_bytes(&p), 4u * 512);
  // 10x4 over 1 channel (gathered), 64 outputs: k4 40; limit 544; lanes 80 + table 256 +
  // gather rows 41 + staged 64 + runs 33 = 474; the gather area's 10 words above.
  p.in_c = p.filter_in_c = 1;
  p.filter_h = 10;
  p.filter_w = 4;
  EXPECT_EQ(ts_conv2d_s8_workspace_bytes(&p), 4u * (474 + 10));
  // 3x3 over 64 channels (k4 576): only the pair kernels' two lanes fit, the whole column,
  // plus the four-channel kernel's chunked requantization table (4 channels x 4 words).
  p.in_c = p.filter_in_c = 64;
  p.filter_h = p.filter_w = 3;
  EXPECT_EQ(ts_conv2d_s8_workspace_bytes(&p), 4u * (576 + 4 * 4));
  // Taps past the column: the int8 path, no workspace.
  p.in_c = p.filter_in_c = 65;
  EXPECT_EQ(ts_conv2d_s8_workspace_bytes(&p), 0u);
}

TEST(KernelWorkspace, GroupedConvolutionNeedsNone) {
  ts_conv_params p{};
  p.in_c = 8;
  p.filter_in_c = 4;
  p.filter_h = p.filter_w = 3;
  p.out_c = 8;
  EXPECT_EQ(ts_conv2d_s8_workspace_bytes(&p), 0u);
  p.depth_multiplier = 3;  // depthwise with a multiplier not 1 nor a multiple of 4: portable
  p.in_c = 4;
  p.out_c = 12;
  EXPECT_EQ(ts_depthwise_conv2d_s8_workspace_bytes(&p, nullptr, {0, 1, 0, 1}), 0u);
}

// ADD, SUB and SQUARED_DIFFERENCE: the tables on windows of 1,024 elements or more.
TEST(KernelWorkspace, BinaryTablesInsideTheWorkspaceAndExact) {
  Rng r(78);
  int tables = 0;
  for (int it = 0; it < 120; ++it) {
    const int32_t h = Uniform(r, 1, 24), w = Uniform(r, 1, 24), c = Uniform(r, 1, 16);
    const std::vector<int8_t> a = RandomBytes(r, size_t(h) * w * c), b = RandomBytes(r, size_t(h) * w * c);
    const ts_operand oa = {a.data(), 0, 0, w * c, c, 1}, ob = {b.data(), 0, 0, w * c, c, 1};
    const ts_window win = {0, h, 0, w};
    const int kind = it % 3;
    ts_add_params p{};
    const float s1 = 0.01f + 0.001f * Uniform(r, 0, 50), s2 = 0.01f + 0.001f * Uniform(r, 0, 50),
                so = 0.02f + 0.001f * Uniform(r, 0, 50);
    const int32_t z1 = Uniform(r, -20, 20), z2 = Uniform(r, -20, 20), zo = Uniform(r, -20, 20);
    int ok;
    // ADD's parameters have SUB's form (left shift 20, multipliers below 1)
    if (kind <= 1) ok = ts_sub_s8_prepare(s1, z1, s2, z2, so, zo, -128, 127, &p);
    else ok = ts_squared_difference_s8_prepare(s1, z1, s2, z2, so, zo, &p);
    ASSERT_EQ(ok, 0);
    const size_t need = kind == 0 ? ts_add_s8_workspace_bytes(c, win) : ts_sub_s8_workspace_bytes(c, win);
    EXPECT_EQ(need, int64_t(h) * w * c >= 1024 ? 2048u : 0u);
    tables += need > 0;
    std::vector<int8_t> want(a.size()), got(a.size());
    const ts_buf ow = {want.data(), 0, 0, h, w}, og = {got.data(), 0, 0, h, w};
    Workspace ws(r, need);
    if (kind == 0) {
      ts_add_s8(&p, oa, ob, ow, c, win);
      ts_add_s8_ws(&p, oa, ob, og, c, win, ws.data());
    } else if (kind == 1) {
      ts_sub_s8(&p, oa, ob, ow, c, win);
      ts_sub_s8_ws(&p, oa, ob, og, c, win, ws.data());
    } else {
      ts_squared_difference_s8(&p, oa, ob, ow, c, win);
      ts_squared_difference_s8_ws(&p, oa, ob, og, c, win, ws.data());
    }
    ASSERT_EQ(got, want) << "kind " << kind << " " << h << "x" << w << "x" << c;
    ASSERT_TRUE(ws.GuardIntact());
  }
  EXPECT_GE(tables, 20);
}

}  // namespace
