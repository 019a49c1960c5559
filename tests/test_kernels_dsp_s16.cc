// The 16x8 DSP paths (kernels/src/conv_s16_dsp.c: CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV;
// fully_connected_s16_dsp.c; dsp_dot16.h:
// SMLAD over regrouped int16 pairs and SXTB16-widened int8 weights, int32 sums flushed into int64
// every 508 products) against the portable loops (conv_s16.c, fully_connected_s16.c: TFLM's
// reference arithmetic, checked against TFLM's definition in test_kernels_int16.cc), byte for
// byte, on the host (intrinsics emulated in C) and on the emulated Cortex-M4 and M7 (native
// intrinsics and the assembly four-row loop, -O2 and -Os):
//  - CONV_2D: random shapes, strides, dilations, paddings, windows, grouped filters (portable
//    fallback), int64 / int32 / no bias, with and without scratch; inputs of -32768 and filters
//    of -128 (the largest products, 2^22) over 600-1,200 taps per output, where a single int32
//    sum would overflow: the int64 flushes must catch every chunk;
//  - DEPTHWISE_CONV_2D: random shapes, odd channel counts, odd row lengths, depth multipliers
//    1 and 2 (the latter portable), extreme values;
//  - FULLY_CONNECTED: depths 1..1,300 (several chunks), 1..13 outputs (groups of four and the
//    rest), filter offsets (portable), extreme values, scratch, output over its input;
//  - SVDF (kernels/src/svdf.c) on the host over three invokes (on the device through the
//    coverage model's firmware tests, test_firmware_models.cc; LSTM's DSP path is checked in
//    test_kernels_lstm.cc and the same way on the device).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "codegen/device.h"
#include "support/kernel_program.h"
#include "support/random_bytes.h"

extern "C" {
#include "tessera/kernels.h"
}

namespace {

using tessera::test::Rng;
using tessera::test::Uniform;

struct ConvCase {
  ts_conv_params p{};
  std::vector<int32_t> mult, shift, b32;
  std::vector<int64_t> b64;
  std::vector<int16_t> in;
  std::vector<int8_t> f;
};

// extreme: input -32768 everywhere, filter -128 (every product +2^22).
ConvCase RandomConv(Rng& r, bool depthwise, bool extreme, bool deep) {
  ConvCase c;
  ts_conv_params& p = c.p;
  p.in_h = Uniform(r, 1, 8);
  p.in_w = Uniform(r, 1, 8);
  p.filter_h = Uniform(r, 1, 4);
  p.filter_w = Uniform(r, 1, 5);
  if (depthwise) {
    p.depth_multiplier = Uniform(r, 0, 4) == 0 ? 2 : 1;
    p.in_c = Uniform(r, 1, 9);
    p.out_c = p.in_c * p.depth_multiplier;
    p.filter_in_c = 1;
  } else {
    p.depth_multiplier = 1;
    const int32_t groups = Uniform(r, 0, 5) == 0 ? Uniform(r, 2, 3) : 1;
    p.filter_in_c = deep ? Uniform(r, 60, 100) : Uniform(r, 1, 12);
    p.in_c = p.filter_in_c * groups;
    p.out_c = groups * Uniform(r, 1, 9);
  }
  p.stride_h = Uniform(r, 1, 2);
  p.stride_w = Uniform(r, 1, 2);
  p.dilation_h = Uniform(r, 1, 2);
  p.dilation_w = Uniform(r, 0, 3) == 0 ? 2 : 1;
  p.pad_top = Uniform(r, 0, p.filter_h - 1);
  p.pad_left = Uniform(r, 0, p.filter_w - 1);
  p.out_h = Uniform(r, 1, 5);
  p.out_w = Uniform(r, 1, 5);
  p.act_min = Uniform(r, 0, 1) ? -32768 : Uniform(r, -32768, 0);
  p.act_max = Uniform(r, 0, 1) ? 32767 : Uniform(r, 0, 32767);
  for (int32_t i = 0; i < p.out_c; ++i) {
    c.mult.push_back(Uniform(r, 1 << 30, 2147483647));
    c.shift.push_back(extreme || deep ? Uniform(r, -30, -20) : Uniform(r, -20, -8));
    c.b64.push_back(static_cast<int64_t>(Uniform(r, -(1 << 30), 1 << 30)) * Uniform(r, 1, 64));
    c.b32.push_back(Uniform(r, -(1 << 24), 1 << 24));
  }
  p.output_multiplier = c.mult.data();
  p.output_shift = c.shift.data();
  c.in.resize(static_cast<size_t>(p.in_h * p.in_w * p.in_c));
  for (auto& v : c.in) v = extreme ? int16_t(-32768) : static_cast<int16_t>(Uniform(r, -32768, 32767));
  c.f.resize(depthwise ? static_cast<size_t>(p.filter_h * p.filter_w * p.out_c)
                       : static_cast<size_t>(p.out_c * p.filter_h * p.filter_w * p.filter_in_c));
  for (auto& v : c.f) v = extreme ? int8_t(-128) : static_cast<int8_t>(Uniform(r, -128, 127));
  return c;
}

void ExpectConvSame(const ConvCase& c, bool depthwise, int bias_kind, Rng& r, const std::string& what) {
  const ts_conv_params& p = c.p;
  const size_t n = static_cast<size_t>(p.out_h * p.out_w * p.out_c);
  std::vector<int16_t> a(n, 0x5555), b(n, 0x5555), sa(static_cast<size_t>(p.out_c)), sb(sa.size());
  const ts_cbuf cin{reinterpret_cast<const int8_t*>(c.in.data()), 0, 0, p.in_h, p.in_w};
  const ts_buf oa{reinterpret_cast<int8_t*>(a.data()), 0, 0, p.out_h, p.out_w};
  const ts_buf ob{reinterpret_cast<int8_t*>(b.data()), 0, 0, p.out_h, p.out_w};
  const int32_t ys = Uniform(r, 0, p.out_h), xs = Uniform(r, 0, p.out_w);
  const int64_t* b64 = bias_kind == 0 ? c.b64.data() : nullptr;
  const int32_t* b32 = bias_kind == 1 ? c.b32.data() : nullptr;
  int k = 0;
  for (const ts_window win : {ts_window{0, ys, 0, xs}, ts_window{0, ys, xs, p.out_w}, ts_window{ys, p.out_h, 0, xs},
                              ts_window{ys, p.out_h, xs, p.out_w}}) {
    int8_t* sca = (k % 2) ? reinterpret_cast<int8_t*>(sa.data()) : nullptr;
    int8_t* scb = (k % 2) ? reinterpret_cast<int8_t*>(sb.data()) : nullptr;
    ++k;
    if (depthwise) {
      ts_depthwise_conv2d_s16_portable(&p, cin, c.f.data(), b64, oa, win, sca);
      ts_depthwise_conv2d_s16_dsp(&p, cin, c.f.data(), b64, ob, win, scb);
    } else {
      ts_conv2d_s16_portable(&p, cin, c.f.data(), b32, b64, oa, win, sca);
      ts_conv2d_s16_dsp(&p, cin, c.f.data(), b32, b64, ob, win, scb);
    }
  }
  ASSERT_EQ(a, b) << what << " bias kind " << bias_kind << ": " << p.in_h << "x" << p.in_w << "x" << p.in_c << " -> "
                  << p.out_c << " filter " << p.filter_h << "x" << p.filter_w << " dm " << p.depth_multiplier;
}

TEST(DspConvS16, RandomShapesMatchPortable) {
  Rng r(1616);
  int deep = 0;
  for (int it = 0; it < 1500; ++it) {
    const bool is_deep = it % 10 == 0, extreme = it % 20 == 0;
    const ConvCase c = RandomConv(r, false, extreme, is_deep);
    deep += is_deep && c.p.filter_h * c.p.filter_w * c.p.filter_in_c > 508;
    ExpectConvSame(c, false, it % 3, r, "case " + std::to_string(it));
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(deep, 60);  // outputs over several int32 chunks
}

// Every product 2^22 over 600+ taps: a sum past 2^31 that only the int64 flushes keep exact.
TEST(DspConvS16, LargestProductsOverManyTapsStayExact) {
  Rng r(1617);
  for (int it = 0; it < 40; ++it) {
    ConvCase c = RandomConv(r, false, true, true);
    ExpectConvSame(c, false, 0, r, "case " + std::to_string(it));
    if (HasFatalFailure()) return;
  }
}

TEST(DspDepthwiseConvS16, RandomShapesMatchPortable) {
  Rng r(1618);
  for (int it = 0; it < 1500; ++it) {
    const ConvCase c = RandomConv(r, true, it % 20 == 0, false);
    ExpectConvSame(c, true, it % 3 == 0 ? 1 : 0, r, "case " + std::to_string(it));
    if (HasFatalFailure()) return;
  }
}

// TRANSPOSE_CONV 16x8: random shapes, strides, paddings, windows, channel counts 1..80 (several
// int32 chunks per output with the larger filters), with and without bias, extreme values.
TEST(DspTransposeConvS16, RandomShapesMatchPortable) {
  Rng r(1622);
  for (int it = 0; it < 600; ++it) {
    ts_conv_params p{};
    const bool extreme = it % 20 == 0;
    p.in_h = Uniform(r, 1, 5);
    p.in_w = Uniform(r, 1, 5);
    p.in_c = it % 5 == 0 ? Uniform(r, 40, 80) : Uniform(r, 1, 12);
    p.filter_in_c = p.in_c;
    p.out_c = Uniform(r, 1, 9);
    p.filter_h = Uniform(r, 1, 4);
    p.filter_w = Uniform(r, 1, 4);
    p.stride_h = Uniform(r, 1, 3);
    p.stride_w = Uniform(r, 1, 3);
    p.dilation_h = p.dilation_w = 1;
    p.depth_multiplier = 1;
    p.out_h = (p.in_h - 1) * p.stride_h + p.filter_h - Uniform(r, 0, 1);
    p.out_w = (p.in_w - 1) * p.stride_w + p.filter_w - Uniform(r, 0, 1);
    p.pad_top = Uniform(r, 0, (p.filter_h - 1) / 2);
    p.pad_left = Uniform(r, 0, (p.filter_w - 1) / 2);
    p.act_min = Uniform(r, 0, 1) ? -32768 : Uniform(r, -32768, 0);
    p.act_max = Uniform(r, 0, 1) ? 32767 : Uniform(r, 0, 32767);
    std::vector<int32_t> mult, shift;
    std::vector<int64_t> bias;
    for (int32_t i = 0; i < p.out_c; ++i) {
      mult.push_back(Uniform(r, 1 << 30, 2147483647));
      shift.push_back(Uniform(r, -30, -12));
      bias.push_back(static_cast<int64_t>(Uniform(r, -(1 << 30), 1 << 30)) * Uniform(r, 1, 64));
    }
    p.output_multiplier = mult.data();
    p.output_shift = shift.data();
    std::vector<int16_t> in(static_cast<size_t>(p.in_h * p.in_w * p.in_c));
    for (auto& v : in) v = extreme ? int16_t(-32768) : static_cast<int16_t>(Uniform(r, -32768, 32767));
    std::vector<int8_t> f(static_cast<size_t>(p.out_c * p.filter_h * p.filter_w * p.in_c));
    for (auto& v : f) v = extreme ? int8_t(-128) : static_cast<int8_t>(Uniform(r, -128, 127));
    const size_t n = static_cast<size_t>(p.out_h * p.out_w * p.out_c);
    std::vector<int16_t> a(n, 0x5555), b(n, 0x5555);
    const ts_cbuf cin{reinterpret_cast<const int8_t*>(in.data()), 0, 0, p.in_h, p.in_w};
    const ts_buf oa{reinterpret_cast<int8_t*>(a.data()), 0, 0, p.out_h, p.out_w};
    const ts_buf ob{reinterpret_cast<int8_t*>(b.data()), 0, 0, p.out_h, p.out_w};
    const int32_t ys = Uniform(r, 0, p.out_h);
    const int64_t* bp = it % 3 == 1 ? nullptr : bias.data();
    for (const ts_window win : {ts_window{0, ys, 0, p.out_w}, ts_window{ys, p.out_h, 0, p.out_w}}) {
      ts_transpose_conv_s16_portable(&p, cin, f.data(), bp, oa, win);
      ts_transpose_conv_s16_dsp(&p, cin, f.data(), bp, ob, win);
    }
    ASSERT_EQ(a, b) << "case " << it << ": " << p.in_h << "x" << p.in_w << "x" << p.in_c << " -> " << p.out_c;
  }
}

struct FcCase {
  ts_fc_params p{};
  int32_t mult = 0, shift = 0;
  std::vector<int64_t> bias;
  std::vector<int16_t> in;
  std::vector<int8_t> f;
};

FcCase RandomFc(Rng& r, int it) {
  FcCase c;
  ts_fc_params& p = c.p;
  const bool extreme = it % 25 == 0;
  p.batches = Uniform(r, 1, 3);
  p.in_depth = it % 4 == 0 ? Uniform(r, 500, 1300) : Uniform(r, 1, 200);
  p.out_depth = Uniform(r, 1, 13);
  p.filter_offset = it % 7 == 3 ? Uniform(r, -127, 128) : 0;
  p.act_min = Uniform(r, 0, 1) ? -32768 : Uniform(r, -32768, 0);
  p.act_max = Uniform(r, 0, 1) ? 32767 : Uniform(r, 0, 32767);
  c.mult = Uniform(r, 1 << 30, 2147483647);
  c.shift = Uniform(r, -30, -10);
  p.output_multiplier = &c.mult;
  p.output_shift = &c.shift;
  for (int32_t o = 0; o < p.out_depth; ++o)
    c.bias.push_back(static_cast<int64_t>(Uniform(r, -(1 << 30), 1 << 30)) * Uniform(r, 1, 64));
  c.in.resize(static_cast<size_t>(p.batches * p.in_depth));
  for (auto& v : c.in) v = extreme ? int16_t(-32768) : static_cast<int16_t>(Uniform(r, -32768, 32767));
  c.f.resize(static_cast<size_t>(p.out_depth * p.in_depth));
  for (auto& v : c.f) v = extreme ? int8_t(-128) : static_cast<int8_t>(Uniform(r, -128, 127));
  return c;
}

TEST(DspFullyConnectedS16, RandomShapesMatchPortable) {
  Rng r(1619);
  for (int it = 0; it < 800; ++it) {
    FcCase c = RandomFc(r, it);
    const ts_fc_params& p = c.p;
    const size_t out_n = static_cast<size_t>(p.batches * p.out_depth);
    for (int v = 0; v < 4; ++v) {
      const int64_t* bias = v % 2 ? nullptr : c.bias.data();
      const bool scratch = v >= 2;
      std::vector<int16_t> a(out_n, 1), b(out_n, 2), sa(static_cast<size_t>(p.out_depth)), sb(sa.size());
      const auto* in = reinterpret_cast<const int8_t*>(c.in.data());
      ts_fully_connected_s16_portable(&p, in, c.f.data(), bias, reinterpret_cast<int8_t*>(a.data()),
                                      scratch ? reinterpret_cast<int8_t*>(sa.data()) : nullptr);
      ts_fully_connected_s16_dsp(&p, in, c.f.data(), bias, reinterpret_cast<int8_t*>(b.data()),
                                 scratch ? reinterpret_cast<int8_t*>(sb.data()) : nullptr);
      ASSERT_EQ(a, b) << "case " << it << " variant " << v << ": depth " << p.in_depth << " -> " << p.out_depth;
      // the output over its input: with scratch the DSP path, without it the portable order
      if (p.out_depth <= p.in_depth) {
        std::vector<int16_t> ia = c.in, ib = c.in;
        ts_fully_connected_s16_portable(&p, reinterpret_cast<int8_t*>(ia.data()), c.f.data(), bias,
                                        reinterpret_cast<int8_t*>(ia.data()),
                                        scratch ? reinterpret_cast<int8_t*>(sa.data()) : nullptr);
        ts_fully_connected_s16_dsp(&p, reinterpret_cast<int8_t*>(ib.data()), c.f.data(), bias,
                                   reinterpret_cast<int8_t*>(ib.data()),
                                   scratch ? reinterpret_cast<int8_t*>(sb.data()) : nullptr);
        ASSERT_EQ(ia, ib) << "case " << it << " in place, variant " << v;
      }
    }
  }
}

// Misaligned int16 buffers (a plan may place them at any byte offset): the DSP paths load
// words at odd addresses.
TEST(DspConvS16, OddAddressesMatchPortable) {
  Rng r(1620);
  for (int it = 0; it < 200; ++it) {
    const ConvCase c = RandomConv(r, it % 2, false, false);
    const ts_conv_params& p = c.p;
    const size_t n = static_cast<size_t>(p.out_h * p.out_w * p.out_c);
    std::vector<int8_t> inb(c.in.size() * 2 + 1), a(2 * n + 1, 3), b(2 * n + 1, 3);
    std::memcpy(inb.data() + 1, c.in.data(), c.in.size() * 2);
    const ts_cbuf cin{inb.data() + 1, 0, 0, p.in_h, p.in_w};
    const ts_buf oa{a.data() + 1, 0, 0, p.out_h, p.out_w}, ob{b.data() + 1, 0, 0, p.out_h, p.out_w};
    const ts_window win{0, p.out_h, 0, p.out_w};
    if (it % 2) {
      ts_depthwise_conv2d_s16_portable(&p, cin, c.f.data(), c.b64.data(), oa, win, nullptr);
      ts_depthwise_conv2d_s16_dsp(&p, cin, c.f.data(), c.b64.data(), ob, win, nullptr);
    } else {
      ts_conv2d_s16_portable(&p, cin, c.f.data(), nullptr, c.b64.data(), oa, win, nullptr);
      ts_conv2d_s16_dsp(&p, cin, c.f.data(), nullptr, c.b64.data(), ob, win, nullptr);
    }
    ASSERT_EQ(a, b) << "case " << it;
  }
}

// SVDF's DSP path (kernels/src/svdf.c ts_svdf_s8_dsp: feature dot products two filters at a
// time, int16 time dot products by SMLAD) against its portable loops over three invokes on
// persistent state: int8 and int16 state, state zero points (int8), odd memory sizes and
// filter counts, with and without bias, extreme inputs.
TEST(DspSvdf, RandomShapesMatchPortableOverInvokes) {
  Rng r(1621);
  int pairs = 0, quads = 0;
  for (int it = 0; it < 600; ++it) {
    ts_svdf_params p{};
    p.batch = Uniform(r, 1, 3);
    p.input_size = Uniform(r, 1, 100);
    p.num_units = Uniform(r, 1, 12);
    p.rank = Uniform(r, 1, 3);
    p.num_filters = p.num_units * p.rank;
    p.memory_size = Uniform(r, 1, 12);
    p.state_bytes = Uniform(r, 1, 2);
    p.input_zero_point = Uniform(r, -128, 127);
    p.state_zero_point = p.state_bytes == 2 ? (it % 9 == 0 ? Uniform(r, -50, 50) : 0) : Uniform(r, -128, 127);
    p.output_zero_point = Uniform(r, -128, 127);
    p.multiplier1 = Uniform(r, 1 << 30, 2147483647);
    p.shift1 = Uniform(r, -14, -2);
    p.multiplier2 = Uniform(r, 1 << 30, 2147483647);
    p.shift2 = Uniform(r, -22, -8);
    const bool extreme = it % 25 == 0;
    const size_t nst = static_cast<size_t>(p.batch * p.num_filters * p.memory_size * p.state_bytes);
    std::vector<int8_t> wf(static_cast<size_t>(p.num_filters * p.input_size));
    std::vector<int8_t> wt(static_cast<size_t>(p.num_filters * p.memory_size * p.state_bytes));
    std::vector<int8_t> sa(nst), sb;
    std::vector<int32_t> bias(static_cast<size_t>(p.num_units));
    for (auto& v : wf) v = extreme ? int8_t(-128) : static_cast<int8_t>(Uniform(r, -128, 127));
    for (auto& v : wt) v = extreme ? int8_t(-128) : static_cast<int8_t>(Uniform(r, -128, 127));
    for (auto& v : sa) v = static_cast<int8_t>(Uniform(r, -128, 127));
    for (auto& v : bias) v = Uniform(r, -100000, 100000);
    sb = sa;
    pairs += p.state_bytes == 2 && p.state_zero_point == 0 && p.memory_size >= 2;
    quads += p.state_bytes == 1 && p.memory_size >= 4;
    for (int inv = 0; inv < 3; ++inv) {
      std::vector<int8_t> in(static_cast<size_t>(p.batch * p.input_size));
      for (auto& v : in) v = extreme ? int8_t(127) : static_cast<int8_t>(Uniform(r, -128, 127));
      std::vector<int8_t> oa(static_cast<size_t>(p.batch * p.num_units), 1), ob(oa.size(), 2);
      const int32_t* b = it % 4 == 1 ? nullptr : bias.data();
      ts_svdf_s8_portable(&p, in.data(), wf.data(), wt.data(), b, sa.data(), oa.data());
      ts_svdf_s8_dsp(&p, in.data(), wf.data(), wt.data(), b, sb.data(), ob.data());
      ASSERT_EQ(oa, ob) << "case " << it << " invoke " << inv;
      ASSERT_EQ(sa, sb) << "case " << it << " invoke " << inv << " state";
    }
  }
  EXPECT_GT(pairs, 200);  // int16 time dot products by SMLAD on pairs
  EXPECT_GT(quads, 150);  // int8 ones four at a time
}

// The same on the device: the public kernels (the DSP paths there) against the portable ones.
const char* kDeviceProgram = R"(
#include <string.h>
#include "tessera/kernels.h"
#include "harness.h"

static int16_t in[4096], oa[2048], ob[2048], sa[128], sb[128];
static int8_t filt[16384];
static int32_t mult[128], shift[128], b32[128];
static int64_t b64[128];
static uint32_t conv_cases, deep_cases, dw_cases, fc_cases, tc_cases;

static int conv_case(int it, int depthwise) {
  ts_conv_params p;
  const int deep = !depthwise && it % 10 == 0, extreme = it % 20 == 0;
  int32_t i, groups = 1, nin, nout, nf, ys, xs, k;
  int bad = 0;
  memset(&p, 0, sizeof p);
  p.in_h = uni(1, 8); p.in_w = uni(1, 8);
  p.filter_h = uni(1, 4); p.filter_w = uni(1, 5);
  if (depthwise) {
    p.depth_multiplier = uni(0, 4) == 0 ? 2 : 1;
    p.in_c = uni(1, 9); p.out_c = p.in_c * p.depth_multiplier; p.filter_in_c = 1;
  } else {
    p.depth_multiplier = 1;
    groups = uni(0, 5) == 0 ? uni(2, 3) : 1;
    p.filter_in_c = deep ? uni(60, 100) : uni(1, 12);
    p.in_c = p.filter_in_c * groups; p.out_c = groups * uni(1, 9);
  }
  p.stride_h = uni(1, 2); p.stride_w = uni(1, 2);
  p.dilation_h = uni(1, 2); p.dilation_w = uni(0, 3) == 0 ? 2 : 1;
  p.pad_top = uni(0, p.filter_h - 1); p.pad_left = uni(0, p.filter_w - 1);
  p.out_h = uni(1, 5); p.out_w = uni(1, 5);
  p.act_min = uni(0, 1) ? -32768 : uni(-32768, 0);
  p.act_max = uni(0, 1) ? 32767 : uni(0, 32767);
  nin = p.in_h * p.in_w * p.in_c;
  nout = p.out_h * p.out_w * p.out_c;
  nf = depthwise ? p.filter_h * p.filter_w * p.out_c : p.out_c * p.filter_h * p.filter_w * p.filter_in_c;
  if (nin > 4096 || nout > 2048 || nf > 16384 || p.out_c > 128) return 0;
  for (i = 0; i < p.out_c; ++i) {
    mult[i] = uni(1 << 30, 2147483647);
    shift[i] = extreme || deep ? uni(-30, -20) : uni(-20, -8);
    b64[i] = (int64_t)uni(-(1 << 30), 1 << 30) * uni(1, 64);
    b32[i] = uni(-(1 << 24), 1 << 24);
  }
  p.output_multiplier = mult; p.output_shift = shift;
  for (i = 0; i < nin; ++i) in[i] = extreme ? (int16_t)-32768 : (int16_t)uni(-32768, 32767);
  for (i = 0; i < nf; ++i) filt[i] = extreme ? (int8_t)-128 : (int8_t)uni(-128, 127);
  ys = uni(0, p.out_h); xs = uni(0, p.out_w);
  for (k = 0; k < 3; ++k) {  /* bias kinds: int64, int32, none */
    ts_cbuf cin; ts_buf bo, bb; int w;
    ts_window wins[4];
    if (depthwise && k == 1) continue;
    cin.data = (const int8_t*)in; cin.y0 = 0; cin.x0 = 0; cin.h = p.in_h; cin.w = p.in_w;
    bo.data = (int8_t*)oa; bo.y0 = 0; bo.x0 = 0; bo.h = p.out_h; bo.w = p.out_w;
    bb = bo; bb.data = (int8_t*)ob;
    wins[0].y0 = 0; wins[0].y1 = ys; wins[0].x0 = 0; wins[0].x1 = xs;
    wins[1].y0 = 0; wins[1].y1 = ys; wins[1].x0 = xs; wins[1].x1 = p.out_w;
    wins[2].y0 = ys; wins[2].y1 = p.out_h; wins[2].x0 = 0; wins[2].x1 = xs;
    wins[3].y0 = ys; wins[3].y1 = p.out_h; wins[3].x0 = xs; wins[3].x1 = p.out_w;
    memset(oa, 0x55, sizeof oa); memset(ob, 0x55, sizeof ob);
    for (w = 0; w < 4; ++w) {
      int8_t* s1 = (w % 2) ? (int8_t*)sa : 0;
      int8_t* s2 = (w % 2) ? (int8_t*)sb : 0;
      if (depthwise) {
        ts_depthwise_conv2d_s16_portable(&p, cin, filt, k == 0 ? b64 : 0, bo, wins[w], s1);
        ts_depthwise_conv2d_s16(&p, cin, filt, k == 0 ? b64 : 0, bb, wins[w], s2);
      } else {
        ts_conv2d_s16_portable(&p, cin, filt, k == 1 ? b32 : 0, k == 0 ? b64 : 0, bo, wins[w], s1);
        ts_conv2d_s16(&p, cin, filt, k == 1 ? b32 : 0, k == 0 ? b64 : 0, bb, wins[w], s2);
      }
    }
    bad |= memcmp(oa, ob, (size_t)nout * 2) != 0;
  }
  if (depthwise) ++dw_cases; else ++conv_cases;
  deep_cases += deep && p.filter_h * p.filter_w * p.filter_in_c > 508;
  return bad;
}

static int tc_case(int it) {
  ts_conv_params p;
  const int extreme = it % 20 == 0;
  int32_t i, nin, nout, nf, ys;
  int bad = 0, k;
  memset(&p, 0, sizeof p);
  p.in_h = uni(1, 5); p.in_w = uni(1, 5);
  p.in_c = it % 5 == 0 ? uni(40, 80) : uni(1, 12);
  p.filter_in_c = p.in_c;
  p.out_c = uni(1, 9);
  p.filter_h = uni(1, 4); p.filter_w = uni(1, 4);
  p.stride_h = uni(1, 3); p.stride_w = uni(1, 3);
  p.dilation_h = p.dilation_w = 1; p.depth_multiplier = 1;
  p.out_h = (p.in_h - 1) * p.stride_h + p.filter_h - uni(0, 1);
  p.out_w = (p.in_w - 1) * p.stride_w + p.filter_w - uni(0, 1);
  p.pad_top = uni(0, (p.filter_h - 1) / 2); p.pad_left = uni(0, (p.filter_w - 1) / 2);
  p.act_min = uni(0, 1) ? -32768 : uni(-32768, 0);
  p.act_max = uni(0, 1) ? 32767 : uni(0, 32767);
  nin = p.in_h * p.in_w * p.in_c;
  nout = p.out_h * p.out_w * p.out_c;
  nf = p.out_c * p.filter_h * p.filter_w * p.in_c;
  if (nin > 4096 || nout > 2048 || nf > 16384) return 0;
  for (i = 0; i < p.out_c; ++i) {
    mult[i] = uni(1 << 30, 2147483647);
    shift[i] = uni(-30, -12);
    b64[i] = (int64_t)uni(-(1 << 30), 1 << 30) * uni(1, 64);
  }
  p.output_multiplier = mult; p.output_shift = shift;
  for (i = 0; i < nin; ++i) in[i] = extreme ? (int16_t)-32768 : (int16_t)uni(-32768, 32767);
  for (i = 0; i < nf; ++i) filt[i] = extreme ? (int8_t)-128 : (int8_t)uni(-128, 127);
  ys = uni(0, p.out_h);
  for (k = 0; k < 2; ++k) {
    ts_cbuf cin; ts_buf bo, bb; ts_window w0, w1;
    cin.data = (const int8_t*)in; cin.y0 = 0; cin.x0 = 0; cin.h = p.in_h; cin.w = p.in_w;
    bo.data = (int8_t*)oa; bo.y0 = 0; bo.x0 = 0; bo.h = p.out_h; bo.w = p.out_w;
    bb = bo; bb.data = (int8_t*)ob;
    w0.y0 = 0; w0.y1 = ys; w0.x0 = 0; w0.x1 = p.out_w;
    w1.y0 = ys; w1.y1 = p.out_h; w1.x0 = 0; w1.x1 = p.out_w;
    memset(oa, 0x55, sizeof oa); memset(ob, 0x55, sizeof ob);
    ts_transpose_conv_s16_portable(&p, cin, filt, k ? 0 : b64, bo, w0);
    ts_transpose_conv_s16_portable(&p, cin, filt, k ? 0 : b64, bo, w1);
    ts_transpose_conv_s16(&p, cin, filt, k ? 0 : b64, bb, w0);
    ts_transpose_conv_s16(&p, cin, filt, k ? 0 : b64, bb, w1);
    bad |= memcmp(oa, ob, (size_t)nout * 2) != 0;
  }
  ++tc_cases;
  return bad;
}

static int fc_case(int it) {
  ts_fc_params p;
  const int extreme = it % 25 == 0;
  int32_t i, nin, m, s;
  int v, bad = 0;
  memset(&p, 0, sizeof p);
  p.batches = uni(1, 3);
  p.in_depth = it % 4 == 0 ? uni(500, 1300) : uni(1, 200);
  p.out_depth = uni(1, 13);
  p.filter_offset = it % 7 == 3 ? uni(-127, 128) : 0;
  p.act_min = uni(0, 1) ? -32768 : uni(-32768, 0);
  p.act_max = uni(0, 1) ? 32767 : uni(0, 32767);
  m = uni(1 << 30, 2147483647); s = uni(-30, -10);
  p.output_multiplier = &m; p.output_shift = &s;
  nin = p.batches * p.in_depth;
  if (nin > 4096 || p.out_depth * p.in_depth > 16384) return 0;
  for (i = 0; i < p.out_depth; ++i) b64[i] = (int64_t)uni(-(1 << 30), 1 << 30) * uni(1, 64);
  for (i = 0; i < nin; ++i) in[i] = extreme ? (int16_t)-32768 : (int16_t)uni(-32768, 32767);
  for (i = 0; i < p.out_depth * p.in_depth; ++i) filt[i] = extreme ? (int8_t)-128 : (int8_t)uni(-128, 127);
  for (v = 0; v < 4; ++v) {
    const int64_t* b = v % 2 ? 0 : b64;
    memset(oa, 1, sizeof oa); memset(ob, 2, sizeof ob);
    ts_fully_connected_s16_portable(&p, (const int8_t*)in, filt, b, (int8_t*)oa, v >= 2 ? (int8_t*)sa : 0);
    ts_fully_connected_s16(&p, (const int8_t*)in, filt, b, (int8_t*)ob, v >= 2 ? (int8_t*)sb : 0);
    bad |= memcmp(oa, ob, (size_t)(p.batches * p.out_depth) * 2) != 0;
  }
  ++fc_cases;
  return bad;
}

int main(void) {
  uint32_t bad = 0;
  int i;
  for (i = 0; i < 400; ++i) bad += (uint32_t)conv_case(i, 0);
  for (i = 0; i < 400; ++i) bad += (uint32_t)conv_case(i, 1);
  for (i = 0; i < 200; ++i) bad += (uint32_t)fc_case(i);
  for (i = 0; i < 200; ++i) bad += (uint32_t)tc_case(i);
  ts_fw_put_kv("conv_cases", conv_cases);
  ts_fw_put_kv("deep_cases", deep_cases);
  ts_fw_put_kv("dw_cases", dw_cases);
  ts_fw_put_kv("fc_cases", fc_cases);
  ts_fw_put_kv("tc_cases", tc_cases);
  ts_fw_put_kv("mismatches", bad);
  ts_fw_put_kv("done", 1);
  return 0;
}
)";

TEST(DspS16, NativeKernelsMatchPortableOnTheEmulatedCortexM4AndM7) {
  using namespace tessera;
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  for (const test::KernelProgramRun& r :
       test::RunKernelProgramOn("dsp_s16", test::DeviceRandomPrelude(1616) + kDeviceProgram,
                                {"conv_s16.c", "conv_s16_dsp.c", "fully_connected_s16.c", "fully_connected_s16_dsp.c",
                                 "transpose_conv.c", "quant.c"},
                                {Board::kAn386, Board::kAn500}, {"-O2", "-Os"})) {
    SCOPED_TRACE(r.label);
    FirmwareRun run = r.run;
    EXPECT_EQ(run.values["mismatches"], "0") << run.output;
    EXPECT_GT(std::stoi(run.values["conv_cases"]), 300) << run.output;
    EXPECT_GT(std::stoi(run.values["deep_cases"]), 10) << run.output;
    EXPECT_GT(std::stoi(run.values["dw_cases"]), 300) << run.output;
    EXPECT_GT(std::stoi(run.values["fc_cases"]), 100) << run.output;
    EXPECT_GT(std::stoi(run.values["tc_cases"]), 100) << run.output;
  }
}

}  // namespace
