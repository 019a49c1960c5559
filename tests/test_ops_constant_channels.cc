// CONV_2D output channels whose filter weights are all zero (pruned channels): PrepareOp gives
// them the canonical requantization (multiplier 2^31 - 1, shift -1, bias 2 * (v - output
// offset), ops.h ConstantChannelBias), which must give the same bytes as their own:
//  - the canonical requantization against the reference one (quant.c), for every value and
//    output offset, and for any original bias, multiplier and shift (edges included: biases
//    near +-2^30 and the int32 ends, multipliers 0 and 2^30, shifts -31..0 and positive), with
//    the full and clamped activation ranges;
//  - the DSP conv kernel (host, intrinsics emulated) with canonical parameters against the
//    portable kernel with the original ones, on layers with such channels;
//  - the same on the emulated Cortex-M4 and M7 (the assembly channel loops), where the quad
//    kernel skips the MACs of such channels (conv_dsp.c ts_conv_live_runs);
//  - a one-operator model with hostile pruned channels, prepared and run by the operator
//    layer, against TensorFlow Lite's C library;
//  - every CONV_2D of vww_96_int8 alone, operator layer against TFLite on random input;
//  - the shared models: only zero-weight CONV_2D channels (seen in the filter tensors
//    themselves) canonicalized, every zero-weight one with unusual parameters, and
//    vww_96_int8's convolutions then all within the conv kernel's doubled-sum conditions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <vector>

#include "codegen/device.h"
#include "ops/ops.h"
#include "support/all_ops_graph.h"
#include "support/kernel_program.h"
#include "support/paths.h"
#include "support/random_bytes.h"
#include "support/tflite_c.h"
#include "tflite/reader.h"
#include "tflite/writer.h"

extern "C" {
#include "tessera/kernels.h"
}

namespace tessera {
namespace {

using test::Rng;
using test::Uniform;

int32_t RefOut(int32_t acc, int32_t m, int32_t s, int32_t oo, int32_t lo, int32_t hi) {
  const int64_t r = static_cast<int64_t>(ts_multiply_by_quantized_multiplier(acc, m, s)) + oo;
  return static_cast<int32_t>(std::clamp<int64_t>(r, lo, hi));
}

TEST(ConstantChannels, CanonicalRequantizationGivesEveryValue) {
  // d = v - output_offset for every int8 v and output offset.
  for (int32_t d = -255; d <= 255; ++d)
    ASSERT_EQ(ts_multiply_by_quantized_multiplier(2 * d, ops::kConstantMultiplier, ops::kConstantShift), d) << d;
  for (int32_t oo = -128; oo <= 127; ++oo)
    for (int32_t v = -128; v <= 127; ++v) {
      int32_t b = 0;
      // act range [-128, 127] and a clamped one containing v
      ASSERT_TRUE(ops::ConstantChannelBias(2 * (v - oo), ops::kConstantMultiplier, ops::kConstantShift, oo, -128,
                                           127, &b));
      ASSERT_EQ(b, 2 * (v - oo));
      ASSERT_EQ(RefOut(b, ops::kConstantMultiplier, ops::kConstantShift, oo, -128, 127), v);
      const int32_t lo = std::max(-128, v - 3), hi = std::min(127, v + 5);
      ASSERT_EQ(RefOut(b, ops::kConstantMultiplier, ops::kConstantShift, oo, lo, hi), v);
    }
}

TEST(ConstantChannels, CanonicalBiasKeepsTheOutput) {
  Rng r(77);
  const int32_t kMin = std::numeric_limits<int32_t>::min(), kMax = std::numeric_limits<int32_t>::max();
  const int32_t edge_bias[] = {0, 1, -1, 1 << 30, -(1 << 30), (1 << 30) + 128, -(1 << 30) - 128,
                               (1 << 30) - 64, kMin, kMax, kMin + 1, 1 << 29, 12345};
  const int32_t edge_mult[] = {0, 1, 1 << 30, (1 << 30) + 1, kMax, 1073741760, 1320764593};
  int checked = 0, refused = 0;
  for (int it = 0; it < 300000; ++it) {
    const int32_t bias = it % 3 == 0 ? edge_bias[Uniform(r, 0, 12)] : static_cast<int32_t>(r());
    const int32_t mult = it % 4 == 0 ? edge_mult[Uniform(r, 0, 6)] : Uniform(r, 1 << 30, kMax);
    const int32_t shift = it % 7 == 0 ? Uniform(r, 0, 31) : Uniform(r, -31, 0);
    const int32_t oo = Uniform(r, -128, 127);
    int32_t lo = -128, hi = 127;
    switch (it % 3) {
      case 1: lo = oo; break;                                           // RELU
      case 2: lo = Uniform(r, -128, 127), hi = Uniform(r, lo, 127); break;  // any clamp
      default: break;
    }
    int32_t b = 0;
    if (!ops::ConstantChannelBias(bias, mult, shift, oo, lo, hi, &b)) {
      // only when output_offset + the requantized bias leaves int32
      const int64_t raw = static_cast<int64_t>(ts_multiply_by_quantized_multiplier(bias, mult, shift)) + oo;
      ASSERT_TRUE(raw < kMin || raw > kMax) << bias << " " << mult << " " << shift;
      ++refused;
      continue;
    }
    ASSERT_GE(b, -510);
    ASSERT_LE(b, 510);
    ASSERT_EQ(RefOut(b, ops::kConstantMultiplier, ops::kConstantShift, oo, lo, hi), RefOut(bias, mult, shift, oo, lo, hi))
        << bias << " " << mult << " " << shift << " " << oo << " [" << lo << "," << hi << "]";
    ++checked;
  }
  EXPECT_GT(checked, 290000);
  EXPECT_LT(refused, 10000);
  int32_t b = 0;
  EXPECT_FALSE(ops::ConstantChannelBias(0, kMax, -1, 128, -128, 127, &b));   // offset beyond int8
  EXPECT_FALSE(ops::ConstantChannelBias(0, kMax, -1, 0, -129, 127, &b));     // range beyond int8
  EXPECT_FALSE(ops::ConstantChannelBias(0, kMax, -32, 0, -128, 127, &b));    // shift beyond [-31, 31]
}

// Random conv layer with some zero-weight channels carrying hostile parameters; the DSP kernel
// with the canonical parameters gives the portable kernel's bytes with the original ones.
TEST(ConstantChannels, DspKernelWithCanonicalChannelsEqualsPortable) {
  Rng r(123);
  int quad_eligible = 0;
  for (int it = 0; it < 400; ++it) {
    ts_conv_params p{};
    const int32_t fk = it % 3 == 0 ? 1 : 3;
    p.in_h = Uniform(r, 3, 9);
    p.in_w = Uniform(r, 3, 11);
    p.in_c = (it % 4 == 3) ? Uniform(r, 1, 12) : (it % 7 == 6 ? 16 : 4 * Uniform(r, 1, 8));
    p.filter_in_c = p.in_c;
    p.depth_multiplier = 1;
    p.out_c = it % 5 == 4 ? Uniform(r, 60, 300) : Uniform(r, 1, 40);
    p.filter_h = p.filter_w = fk;
    p.stride_h = p.stride_w = Uniform(r, 1, 2);
    p.dilation_h = p.dilation_w = 1;
    p.pad_top = p.pad_left = fk / 2;
    p.out_h = (p.in_h + 2 * p.pad_top - fk) / p.stride_h + 1;
    p.out_w = (p.in_w + 2 * p.pad_left - fk) / p.stride_w + 1;
    p.input_offset = Uniform(r, -127, 128);
    p.output_offset = Uniform(r, -128, 127);
    if (it % 2) {
      p.act_min = -128, p.act_max = 127;
    } else {
      p.act_min = std::max(-128, p.output_offset), p.act_max = 127;
    }
    const int64_t per = static_cast<int64_t>(fk) * fk * p.in_c;
    std::vector<int8_t> filter = test::RandomBytes(r, static_cast<size_t>(per * p.out_c));
    std::vector<int32_t> mult(p.out_c), shift(p.out_c), bias(p.out_c);
    std::vector<int32_t> cmult, cshift, cbias;
    for (int32_t c = 0; c < p.out_c; ++c) {
      mult[c] = Uniform(r, (1 << 30) + 1, std::numeric_limits<int32_t>::max());
      shift[c] = Uniform(r, -12, -6);
      bias[c] = Uniform(r, -40000, 40000);
      if (it % 5 == 4 ? c % 3 != 1 : Uniform(r, 0, 3) == 0) {  // pruned: zero weights, parameters outside the doubled modes
        std::fill(filter.begin() + c * per, filter.begin() + (c + 1) * per, int8_t{0});
        bias[c] = (Uniform(r, 0, 1) ? 1 : -1) * ((1 << 30) + Uniform(r, -200, 200));
        shift[c] = Uniform(r, -31, 0);
        mult[c] = Uniform(r, 0, 2) == 0 ? 0 : Uniform(r, 1 << 29, 1 << 30);
      }
    }
    cmult = mult, cshift = shift, cbias = bias;
    int canon = 0;
    for (int32_t c = 0; c < p.out_c; ++c) {
      if (!std::all_of(filter.begin() + c * per, filter.begin() + (c + 1) * per, [](int8_t v) { return v == 0; }))
        continue;
      ASSERT_TRUE(ops::ConstantChannelBias(bias[c], mult[c], shift[c], p.output_offset, p.act_min, p.act_max, &cbias[c]));
      cmult[c] = ops::kConstantMultiplier;
      cshift[c] = ops::kConstantShift;
      ++canon;
    }
    if (canon > 0) ++quad_eligible;
    const std::vector<int8_t> input = test::RandomBytes(r, static_cast<size_t>(p.in_h) * p.in_w * p.in_c);
    const size_t out_bytes = static_cast<size_t>(p.out_h) * p.out_w * p.out_c;
    const ts_cbuf in{input.data(), 0, 0, p.in_h, p.in_w};
    ts_window win{0, p.out_h, 0, p.out_w};
    if (it % 4 == 1) {  // a window (quads across row ends, pairs)
      win.y0 = Uniform(r, 0, p.out_h - 1);
      win.y1 = Uniform(r, win.y0 + 1, p.out_h);
      win.x0 = Uniform(r, 0, p.out_w - 1);
      win.x1 = std::min(p.out_w, win.x0 + Uniform(r, 1, 3));
    }
    std::vector<int8_t> expect(out_bytes), got(out_bytes), got_portable(out_bytes);
    p.output_multiplier = mult.data();
    p.output_shift = shift.data();
    ts_conv2d_s8_portable(&p, in, filter.data(), bias.data(), ts_buf{expect.data(), 0, 0, p.out_h, p.out_w}, win,
                          nullptr);
    p.output_multiplier = cmult.data();
    p.output_shift = cshift.data();
    ts_conv2d_s8_portable(&p, in, filter.data(), cbias.data(), ts_buf{got_portable.data(), 0, 0, p.out_h, p.out_w},
                          win, nullptr);
    ts_conv2d_s8_dsp(&p, in, filter.data(), cbias.data(), ts_buf{got.data(), 0, 0, p.out_h, p.out_w}, win, nullptr);
    ASSERT_EQ(got_portable, expect) << "iteration " << it;
    ASSERT_EQ(got, expect) << "iteration " << it;
  }
  EXPECT_GT(quad_eligible, 200);
}

// The same on the emulated Cortex-M4 and M7, where the quad kernel's channel loop is
// assembly: layers with pruned channels in the canonical form (zero filters, multiplier
// 2^31 - 1, shift -1, even bias |b| <= 1020), the kernel against the portable loops; k from 1
// to 288 (k == 16, multiples of 8, k % 4 != 0), up to 300 channels (more runs of live
// channels than the kernel keeps), with and without the constants table and the clamp,
// windows of every width, a decoy channel with the canonical parameters and a nonzero filter.
// (after test::DeviceRandomPrelude(77): seed, rnd, uni, fill)
const char* kDeviceProgram = R"(
#include <stdint.h>
#include <string.h>
#include "tessera/kernels.h"
#include "harness.h"

#define MAXB 16384
static int8_t in[MAXB], ref[MAXB], out[MAXB];
static int8_t filt[40000] __attribute__((aligned(4)));
static int32_t bias[300], mult[300], shift[300];
static uint32_t cases, pruned_total;

static int one(int it) {
  ts_conv_params p;
  ts_window win;
  int32_t c, k, n;
  const int32_t* b;
  memset(&p, 0, sizeof p);
  do {
    p.in_c = it % 4 == 3 ? uni(1, 12) : (it % 5 == 2 ? 16 : 4 * uni(1, 8));
    p.filter_h = p.filter_w = it % 3 == 0 ? 1 : 3;
    if (it % 9 == 4) { p.in_c = 16; p.filter_h = p.filter_w = 1; }  /* k == 16 */
    k = p.in_c * p.filter_h * p.filter_w;
  } while (k > 288);
  p.out_c = it % 4 == 1 ? uni(60, 300) : uni(4, 48);
  if ((int32_t)p.out_c * k > 40000) p.out_c = 40000 / k;
  p.filter_in_c = p.in_c;
  p.depth_multiplier = 1;
  p.stride_h = p.stride_w = it % 6 == 5 ? 2 : 1;
  p.dilation_h = p.dilation_w = 1;
  p.in_h = uni(2, 9);
  p.in_w = uni(2, 11);
  p.pad_top = p.pad_left = p.filter_h / 2;
  p.out_h = (p.in_h + 2 * p.pad_top - p.filter_h) / p.stride_h + 1;
  p.out_w = (p.in_w + 2 * p.pad_left - p.filter_w) / p.stride_w + 1;
  if (p.in_h * p.in_w * p.in_c > MAXB || p.out_h * p.out_w * p.out_c > MAXB) return 0;
  p.input_offset = uni(-127, 128);
  p.output_offset = uni(-128, 127);
  p.act_min = it % 2 ? -128 : uni(-128, 0);
  p.act_max = it % 2 ? 127 : uni(0, 127);
  fill(filt, p.out_c * k);
  fill(in, p.in_h * p.in_w * p.in_c);
  for (c = 0; c < p.out_c; ++c) {
    const int dead = it % 4 == 1 ? c % 3 != 1 : uni(0, 2) == 0;
    mult[c] = uni((1 << 30) + 1, 2147483647);
    shift[c] = uni(-12, -4);
    bias[c] = uni(-40000, 40000);
    if (dead) {
      memset(filt + c * k, 0, (size_t)k);
      mult[c] = 2147483647;
      shift[c] = -1;
      bias[c] = 2 * uni(-510, 510);
      ++pruned_total;
    }
  }
  c = uni(0, p.out_c - 1);  /* a decoy: the canonical parameters, one nonzero weight */
  if (it % 5 == 0) {
    mult[c] = 2147483647;
    shift[c] = -1;
    bias[c] = 2 * uni(-100, 100);
    memset(filt + c * k, 0, (size_t)k);
    filt[c * k + uni(0, k - 1)] = (int8_t)uni(1, 5);
  }
  p.output_multiplier = mult;
  p.output_shift = shift;
  b = it % 7 == 3 ? 0 : bias;
  win.y0 = win.x0 = 0;
  win.y1 = p.out_h;
  win.x1 = p.out_w;
  if (it % 3 == 1) {
    win.y0 = uni(0, p.out_h - 1);
    win.y1 = uni(win.y0 + 1, p.out_h);
    win.x0 = uni(0, p.out_w - 1);
    win.x1 = win.x0 + uni(1, 3);
    if (win.x1 > p.out_w) win.x1 = p.out_w;
  }
  n = p.out_h * p.out_w * p.out_c;
  fill(ref, n);
  memcpy(out, ref, (size_t)n);
  {
    const ts_cbuf ib = {in, 0, 0, p.in_h, p.in_w};
    const ts_buf ra = {ref, 0, 0, p.out_h, p.out_w}, rb = {out, 0, 0, p.out_h, p.out_w};
    ts_conv2d_s8_portable(&p, ib, filt, b, ra, win, 0);
    ts_conv2d_s8(&p, ib, filt, b, rb, win, 0);
  }
  ++cases;
  return memcmp(ref, out, (size_t)n) != 0;
}

int main(void) {
  uint32_t bad = 0;
  int i;
  for (i = 0; i < 160; ++i) bad += (uint32_t)one(i);
  ts_fw_put_kv("cases", cases);
  ts_fw_put_kv("pruned", pruned_total);
  ts_fw_put_kv("mismatches", bad);
  ts_fw_put_kv("done", 1);
  return 0;
}
)";

TEST(ConstantChannels, DeviceKernelsWithPrunedChannelsMatchPortable) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  for (const test::KernelProgramRun& r :
       test::RunKernelProgramOn("dsp_conv_pruned", test::DeviceRandomPrelude(77) + kDeviceProgram,
                                {"conv.c", "conv_dsp.c", "quant.c"}, {Board::kAn386, Board::kAn500}, {"-O2", "-Os"})) {
    SCOPED_TRACE(r.label);
    FirmwareRun run = r.run;
    EXPECT_EQ(run.values["mismatches"], "0") << run.output;
    EXPECT_GT(std::stoi(run.values["cases"]), 120) << run.output;
    EXPECT_GT(std::stoi(run.values["pruned"]), 3000) << run.output;
  }
}

// A CONV_2D with pruned channels whose scales give multipliers of 0 and 2^30 and shifts from
// -31 to 0, and biases near +-2^30: the operator layer against TFLite.
TEST(ConstantChannels, PreparedPrunedConvAgreesWithTflite) {
  TESSERA_REQUIRE_TFLITE();
  test::IrBuilder b("pruned");
  const int x = b.Act("x", {1, 7, 9, 16}, 0.05f, 5);
  const int w = b.Weights("w", {24, 3, 3, 16}, 0, 0.01f);
  const int bias = b.Bias("b", w, 0, 0.05f);
  const int y = b.Act("y", {1, 7, 9, 24}, 0.2f, -128);
  Conv2DOptions o;
  o.padding = Padding::kSame;
  o.stride_h = o.stride_w = 1;
  o.activation = Activation::kRelu;
  b.Op(OpType::kConv2D, {x, w, bias}, y, o);
  Graph& g = b.g;
  g.inputs = {x};
  g.outputs = {y};
  Tensor& wt = g.tensors[w];
  Tensor& bt = g.tensors[bias];
  const int64_t per = 3 * 3 * 16;
  const int dead[] = {0, 3, 4, 9, 13, 17, 22, 23};
  const float scales[] = {1e-14f, 0.25f, 1.6f, 6e-9f, 3e-6f, 4e-11f, 0.02f, 1e-10f};
  const int32_t biases[] = {1 << 30, -(1 << 30), 1073741760, -1073741952, 0, 1 << 30, -12345678, 2147483647};
  for (int i = 0; i < 8; ++i) {
    const int c = dead[i];
    std::fill(wt.data.begin() + c * per, wt.data.begin() + (c + 1) * per, uint8_t{0});
    wt.quant.scale[c] = scales[i];
    bt.quant.scale[c] = 0.05f * scales[i];
    std::memcpy(bt.data.data() + 4 * c, &biases[i], 4);
  }
  const ops::PreparedOp p = ops::PrepareOp(g, 0);
  // channels 13 (bias 0, shift -20) and 22 (shift -7, |bias| < 2^29) have usual parameters
  EXPECT_EQ(p.constant_channels, 6);
  for (int c : dead) {
    const bool usual = c == 13 || c == 22;
    EXPECT_EQ(p.multipliers[c] == ops::kConstantMultiplier, !usual) << c;
    EXPECT_EQ(p.shifts[c] == ops::kConstantShift, !usual) << c;
  }
  // the model as written keeps its own tensors
  const std::vector<uint8_t> bytes = WriteTfliteBytes(g);
  const Graph back = ReadTfliteBytes(bytes.data(), bytes.size(), "back");
  EXPECT_EQ(back.tensors[bias].data, bt.data);
  std::mt19937 rng(9);
  std::vector<uint8_t> xin(static_cast<size_t>(g.tensors[x].num_bytes()));
  for (auto& v : xin) v = static_cast<uint8_t>(rng() & 0xFF);
  const std::vector<uint8_t> theirs = test::RunTflite(bytes, {xin}).at(0);
  std::vector<uint8_t> ours(static_cast<size_t>(g.tensors[y].num_bytes()));
  const Window wx{0, 7, 0, 9};
  ops::RunOp(p, {{xin.data(), wx}}, {{ours.data(), wx}}, ops::OutputWindow(p), nullptr);
  EXPECT_EQ(ours, theirs);
}

// Every zero-weight CONV_2D channel of the shared models is canonicalized, and no other.
TEST(ConstantChannels, SharedModels) {
  TESSERA_REQUIRE_SHARED();
  for (const std::string& stem : test::SharedModelStems()) {
    const Graph g = ReadTflite(test::SharedModel(stem));
    int total = 0, kept = 0;
    for (int i = 0; i < static_cast<int>(g.ops.size()); ++i) {
      if (g.ops[i].type != OpType::kConv2D) continue;
      const ops::PreparedOp p = ops::PrepareOp(g, i);
      const Tensor& wt = g.tensors[g.ops[i].inputs[1]];
      const int32_t oc = wt.shape[0];
      const int64_t per = static_cast<int64_t>(wt.shape[1]) * wt.shape[2] * wt.shape[3];
      int zero = 0;
      bool doubled = true;
      for (int32_t c = 0; c < oc; ++c) {
        const bool z = std::all_of(wt.data.begin() + c * per, wt.data.begin() + (c + 1) * per,
                                   [](uint8_t v) { return v == 0; });
        const bool canonical = p.multipliers[c] == ops::kConstantMultiplier && p.shifts[c] == ops::kConstantShift;
        const int64_t bc = p.bias.empty() ? 0 : p.bias[c];
        const bool usual = p.multipliers[c] > (1 << 30) && p.shifts[c] >= -24 && p.shifts[c] <= -1 &&
                           std::abs(bc) < (int64_t{1} << 29);
        if (canonical) {
          EXPECT_TRUE(z) << stem << " " << p.label << " channel " << c << " has weights";
          EXPECT_LE(std::abs(bc), 510);
        }
        if (z && !canonical) {
          EXPECT_TRUE(usual) << stem << " " << p.label << " channel " << c << " left unusual";
          ++kept;
        }
        zero += z && canonical;
        doubled = doubled && usual;
      }
      EXPECT_EQ(p.constant_channels, zero) << stem << " " << p.label;
      if (stem == "vww_96_int8") {
        EXPECT_TRUE(doubled) << p.label << ": a channel outside the doubled modes";
      }
      total += zero;
    }
    std::printf("%s: %d zero-weight CONV_2D channels canonicalized, %d left (usual parameters)\n", stem.c_str(),
                total, kept);
    if (stem == "vww_96_int8") {
      EXPECT_GT(total, 0);
    }
  }
}

// Operator `op` of `g` alone (its tensors, its activation input as the graph input).
Graph SingleOp(const Graph& g, int op) {
  Graph s;
  s.name = g.name + "_op" + std::to_string(op);
  Operator o = g.ops[op];
  for (int* t : {&o.inputs[0], &o.inputs[1], &o.inputs[2], &o.outputs[0]}) {
    if (*t == kNoTensor) continue;
    s.tensors.push_back(g.tensors[*t]);
    *t = static_cast<int>(s.tensors.size()) - 1;
  }
  s.inputs = {o.inputs[0]};
  s.outputs = o.outputs;
  s.ops.push_back(o);
  return s;
}

// Every CONV_2D of vww_96_int8 (971 pruned channels in 9 of them), prepared and run by the
// operator layer on random input, against TFLite running the operator as the model holds it.
TEST(ConstantChannels, VwwConvolutionsAgreeWithTflite) {
  TESSERA_REQUIRE_SHARED();
  TESSERA_REQUIRE_TFLITE();
  const Graph g = ReadTflite(test::SharedModel("vww_96_int8"));
  std::mt19937 rng(31);
  int layers = 0, canonical = 0;
  for (int i = 0; i < static_cast<int>(g.ops.size()); ++i) {
    if (g.ops[i].type != OpType::kConv2D || g.ops[i].inputs.size() != 3) continue;
    const Graph s = SingleOp(g, i);
    const ops::PreparedOp p = ops::PrepareOp(s, 0);
    canonical += p.constant_channels;
    const Tensor& xt = s.tensors[s.inputs[0]];
    std::vector<uint8_t> xin(static_cast<size_t>(xt.num_bytes()));
    for (auto& v : xin) v = static_cast<uint8_t>(rng() & 0xFF);
    const std::vector<uint8_t> theirs = test::RunTflite(WriteTfliteBytes(s), {xin}).at(0);
    std::vector<uint8_t> ours(static_cast<size_t>(s.tensors[p.output].num_bytes()));
    const Window wx{0, p.in_shape.h, 0, p.in_shape.w}, wy{0, p.out_shape.h, 0, p.out_shape.w};
    ops::RunOp(p, {{xin.data(), wx}}, {{ours.data(), wy}}, ops::OutputWindow(p), nullptr);
    EXPECT_EQ(ours, theirs) << "vww_96_int8 operator " << i;
    ++layers;
  }
  EXPECT_GT(layers, 9);
  EXPECT_GT(canonical, 0);
}

}  // namespace
}  // namespace tessera
