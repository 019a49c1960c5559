// FULLY_CONNECTED's DSP path (kernels/src/fully_connected_dsp.c: four rows at a time over the
// input, the leftover rows in pairs, the leftover depth % 4 bytes one by one) against the
// portable loops (fully_connected.c, TFLM's reference arithmetic), byte for byte, on the host
// (ACLE intrinsics emulated in C, the C four-row loop) and on the emulated Cortex-M4 and M7
// (QEMU mps2-an386 and mps2-an500: the native intrinsics and the assembly four-row loop, at
// -O2 and -Os):
//  - random shapes: depths 1..300 and multiples of 4 with every count of 4-byte blocks mod 4,
//    1..37 output rows (4-row groups, a pair and a single row left over), 1..3 batch rows,
//    per-channel and per-tensor multipliers, input offsets -127..128, zero and non-zero filter
//    offsets (the latter take the pair path), with and without bias and scratch, biases near
//    and past 2^30 (the doubled requantization's limit, checked per group of four sums);
//  - the largest sums: inputs 127 with offset 128 against filters of -128 and 127;
//  - the autoencoder's layer shapes (640 -> 128, 128 -> 128, 128 -> 8, 8 -> 128, 128 -> 640);
//  - the output over its input with scratch, and overlapping it without scratch (the
//    portable order, which the DSP entry point then keeps).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstdint>
#include <string>
#include <vector>

#include "codegen/device.h"
#include "support/kernel_program.h"
#include "support/random_bytes.h"

extern "C" {
#include "tessera/kernels.h"
}

namespace {

using tessera::test::RandomBytes;
using tessera::test::Rng;
using tessera::test::Uniform;

struct FcCase {
  ts_fc_params p{};
  std::vector<int32_t> mult, shift, bias;
  std::vector<int8_t> in, filter;
};

// One random case; `extreme` fills the input with 127 (offset 128) and the filter with -128
// or 127 (the largest |sum| per MAC).
FcCase RandomFc(Rng& r, int it, int32_t depth, int32_t out_depth, bool extreme) {
  FcCase c;
  ts_fc_params& p = c.p;
  p.batches = Uniform(r, 1, 3);
  p.in_depth = depth;
  p.out_depth = out_depth;
  p.input_offset = extreme ? 128 : (it % 7 == 0 ? (it % 2 ? 128 : -127) : Uniform(r, -127, 128));
  p.filter_offset = it % 4 == 3 ? Uniform(r, -127, 128) : 0;
  p.output_offset = Uniform(r, -128, 127);
  p.act_min = it % 3 ? -128 : Uniform(r, -128, 0);
  p.act_max = it % 3 ? 127 : Uniform(r, 0, 127);
  p.per_channel = it % 2;
  for (int32_t o = 0; o < out_depth; ++o) {
    c.mult.push_back(Uniform(r, 1 << 30, 2147483647));
    c.shift.push_back(extreme ? Uniform(r, -31, -20) : Uniform(r, -14, 2));
    // it % 11 == 5: biases near +-2^30 and beyond (sums past the doubled requantization's
    // |sum| < 2^30, which then falls back per group of four outputs).
    // (it / 11) % 2: on the even rows only (the packed filter's lo rows; its hi rows then pack).
    const bool big = it % 11 == 5 && ((it / 11) % 2 == 0 || o % 2 == 0);
    c.bias.push_back(big ? (Uniform(r, 0, 1) ? 1 : -1) * Uniform(r, (1 << 30) - 40000, 2147483600)
                         : Uniform(r, -100000, 100000));
  }
  p.output_multiplier = c.mult.data();
  p.output_shift = c.shift.data();
  c.in = RandomBytes(r, size_t(p.batches) * depth);
  c.filter = RandomBytes(r, size_t(out_depth) * depth);
  if (extreme) {
    for (auto& v : c.in) v = 127;
    for (size_t i = 0; i < c.filter.size(); ++i) c.filter[i] = (i / depth) % 2 ? 127 : -128;
  }
  return c;
}

int g_packed_cases = 0;

// DSP path == portable loops, with and without bias and scratch, and in place over the input
// with scratch (when the rows shrink or keep their size).
void ExpectSame(const FcCase& c, const std::string& what) {
  const ts_fc_params& p = c.p;
  const size_t out_bytes = size_t(p.batches) * p.out_depth;
  for (int v = 0; v < 4; ++v) {
    const int32_t* bias = v % 2 ? nullptr : c.bias.data();
    const bool scratch = v >= 2;
    std::vector<int8_t> a(out_bytes, 1), b(out_bytes, 2), sa(p.out_depth), sb(p.out_depth);
    ts_fully_connected_s8_portable(&p, c.in.data(), c.filter.data(), bias, a.data(), scratch ? sa.data() : nullptr);
    ts_fully_connected_s8_dsp(&p, c.in.data(), c.filter.data(), bias, b.data(), scratch ? sb.data() : nullptr);
    ASSERT_EQ(a, b) << what << " variant " << v << ": depth " << p.in_depth << " -> " << p.out_depth << " x"
                    << p.batches << " woff " << p.filter_offset;
    if (p.out_depth <= p.in_depth) {
      std::vector<int8_t> arena = c.in, sc(p.out_depth);
      ts_fully_connected_s8_dsp(&p, arena.data(), c.filter.data(), bias, arena.data(), sc.data());
      ASSERT_EQ(std::vector<int8_t>(arena.begin(), arena.begin() + out_bytes), a) << what << " in place";
    }
    // The packed filter (when it packs) gives the same bytes. Variants 0 and 2 take the
    // filter with -128 made -127 (TFLite's symmetric int8 weights: then it packs whenever the
    // sums' bound allows, always for depth <= 256 and biases of at most 100000).
    std::vector<int8_t> f = c.filter;
    if (v % 2 == 0)
      for (auto& w : f) w = w == -128 ? -127 : w;
    std::vector<int8_t> ref = a;
    if (v % 2 == 0)
      ts_fully_connected_s8_portable(&p, c.in.data(), f.data(), bias, ref.data(), nullptr);
    std::vector<int32_t> packed(ts_fc_packed_words(&p), 0x5a5a5a5a);
    if (!ts_fc_pack_s8(&p, f.data(), bias, packed.data())) {
      bool small = true;
      for (int32_t o = 0; bias && o < p.out_depth; ++o) small = small && std::abs(bias[o]) <= 100000;
      ASSERT_FALSE(p.filter_offset == 0 && v % 2 == 0 && small && p.in_depth <= 256)
          << what << ": a symmetric filter of depth <= 256 packs";
      continue;
    }
    ++g_packed_cases;
    std::vector<int8_t> pk(out_bytes, 3), spk(p.out_depth);
    ts_fully_connected_s8_packed_dsp(&p, c.in.data(), packed.data(), pk.data(), scratch ? spk.data() : nullptr);
    ASSERT_EQ(ref, pk) << what << " packed variant " << v << ": depth " << p.in_depth << " -> " << p.out_depth
                       << " x" << p.batches;
    std::vector<int8_t> pp(out_bytes, 4);
    ts_fully_connected_s8_packed_portable(&p, c.in.data(), packed.data(), pp.data(), scratch ? spk.data() : nullptr);
    ASSERT_EQ(ref, pp) << what << " packed portable variant " << v;
    if (p.out_depth <= p.in_depth) {
      std::vector<int8_t> arena = c.in, sc(p.out_depth);
      ts_fully_connected_s8_packed_dsp(&p, arena.data(), packed.data(), arena.data(), sc.data());
      ASSERT_EQ(std::vector<int8_t>(arena.begin(), arena.begin() + out_bytes), ref) << what << " packed in place";
    }
  }
}

TEST(DspFullyConnected, RandomShapesMatchPortable) {
  Rng r(17);
  g_packed_cases = 0;
  int four_rows = 0;
  for (int it = 0; it < 3000; ++it) {
    const int32_t depth = it % 3 == 0 ? 4 * Uniform(r, 1, 80) : Uniform(r, 1, 300);
    const int32_t out_depth = Uniform(r, 1, 37);
    const FcCase c = RandomFc(r, it, depth, out_depth, it % 50 == 0);
    ExpectSame(c, "case " + std::to_string(it));
    if (HasFatalFailure()) return;
    four_rows += depth >= 4 && out_depth >= 4 && c.p.filter_offset == 0;
  }
  EXPECT_GT(four_rows, 1500);
  EXPECT_GT(g_packed_cases, 5000);  // of 12000 variants: a quarter have a filter offset, half -128s
}

// The packed filter's limits: a hi row's sum must stay in [-2^23, 2^23) (checked from
// |start| + 128 * sum |w|) and its weight -128 cannot sit over a negative lo weight. Filters
// at the limit pack and give the portable bytes for the extreme inputs; past it they do not
// pack. Zero points -128 and 127 on input and output.
TEST(DspFullyConnected, PackedFilterAtItsRangeLimits) {
  Rng r(21);
  for (int it = 0; it < 40; ++it) {
    // 128 * 127 * 516 = 8,387,... < 2^23 = 8,388,608: depth 516 of +-127 is the largest that packs.
    const bool over = it % 2 == 1;
    const int32_t depth = over ? 517 : 516;
    FcCase c = RandomFc(r, 2 * it, depth, Uniform(r, 4, 13), false);
    ts_fc_params& p = c.p;
    p.filter_offset = 0;
    p.input_offset = 0;  // the start value 0 (no bias below)
    p.output_offset = it % 4 < 2 ? -128 : 127;
    for (size_t i = 0; i < c.filter.size(); ++i) {
      const int32_t row = int32_t(i) / depth;
      c.filter[i] = row % 2 ? (it % 3 ? 127 : -127) : (it % 5 ? -128 : 127);
    }
    for (auto& v : c.in) v = it % 3 == 0 ? -128 : 127;
    std::vector<int32_t> packed(ts_fc_packed_words(&p));
    ASSERT_EQ(ts_fc_pack_s8(&p, c.filter.data(), nullptr, packed.data()), over ? 0 : 1) << "case " << it;
    if (over) continue;
    const size_t out_bytes = size_t(p.batches) * p.out_depth;
    std::vector<int8_t> a(out_bytes), b(out_bytes);
    ts_fully_connected_s8_portable(&p, c.in.data(), c.filter.data(), nullptr, a.data(), nullptr);
    ts_fully_connected_s8_packed_dsp(&p, c.in.data(), packed.data(), b.data(), nullptr);
    ASSERT_EQ(a, b) << "case " << it;
    ts_fully_connected_s8_packed_portable(&p, c.in.data(), packed.data(), b.data(), nullptr);
    ASSERT_EQ(a, b) << "portable, case " << it;
  }
  // a hi weight of -128 over a negative lo weight does not pack; over a non-negative one it does
  FcCase c = RandomFc(r, 0, 8, 2, false);
  c.p.filter_offset = 0;
  for (auto& w : c.filter) w = 5;
  c.filter[8 + 3] = -128;
  std::vector<int32_t> packed(ts_fc_packed_words(&c.p));
  EXPECT_EQ(ts_fc_pack_s8(&c.p, c.filter.data(), nullptr, packed.data()), 1);
  c.filter[3] = -1;
  EXPECT_EQ(ts_fc_pack_s8(&c.p, c.filter.data(), nullptr, packed.data()), 0);
  c.filter[3] = 0;
  EXPECT_EQ(ts_fc_pack_s8(&c.p, c.filter.data(), nullptr, packed.data()), 1);
  // a filter offset does not pack
  c.p.filter_offset = 1;
  EXPECT_EQ(ts_fc_pack_s8(&c.p, c.filter.data(), nullptr, packed.data()), 0);
}

TEST(DspFullyConnected, AutoencoderShapesMatchPortable) {
  Rng r(18);
  const int32_t shapes[][2] = {{640, 128}, {128, 128}, {128, 8}, {8, 128}, {128, 640}};
  int it = 0;
  for (const auto& s : shapes)
    for (int k = 0; k < 4; ++k, ++it) {
      const FcCase c = RandomFc(r, 2 * it + (k < 2 ? 0 : 1), s[0], s[1], k == 3);
      ExpectSame(c, "shape " + std::to_string(s[0]) + "x" + std::to_string(s[1]));
      if (HasFatalFailure()) return;
    }
}

// The output overlapping the input without scratch: the portable kernel's order (each output
// written after its whole row was read), so the bytes equal the portable kernel's over the
// same arena.
TEST(DspFullyConnected, OverlapWithoutScratchKeepsPortableOrder) {
  Rng r(19);
  for (int it = 0; it < 300; ++it) {
    const FcCase c = RandomFc(r, it, Uniform(r, 4, 64), Uniform(r, 4, 40), false);
    const ts_fc_params& p = c.p;
    const int32_t in_bytes = p.batches * p.in_depth, out_bytes = p.batches * p.out_depth;
    const int32_t gap = Uniform(r, -out_bytes + 1, in_bytes - 1);  // output start - input start
    const int32_t lead = std::max(0, -gap);
    std::vector<int8_t> a(size_t(lead) + std::max(in_bytes, gap + out_bytes) + 8, 0);
    std::copy(c.in.begin(), c.in.end(), a.begin() + lead);
    std::vector<int8_t> b = a;
    ts_fully_connected_s8_portable(&p, a.data() + lead, c.filter.data(), c.bias.data(), a.data() + lead + gap, nullptr);
    ts_fully_connected_s8_dsp(&p, b.data() + lead, c.filter.data(), c.bias.data(), b.data() + lead + gap, nullptr);
    ASSERT_EQ(a, b) << "case " << it << " gap " << gap;
    std::vector<int32_t> packed(ts_fc_packed_words(&p));
    if (ts_fc_pack_s8(&p, c.filter.data(), c.bias.data(), packed.data())) {
      std::vector<int8_t> pk(a.size(), 0);
      std::copy(c.in.begin(), c.in.end(), pk.begin() + lead);
      std::vector<int8_t> pp = pk;
      ts_fully_connected_s8_packed_dsp(&p, pk.data() + lead, packed.data(), pk.data() + lead + gap, nullptr);
      ASSERT_EQ(a, pk) << "packed case " << it << " gap " << gap;
      ts_fully_connected_s8_packed_portable(&p, pp.data() + lead, packed.data(), pp.data() + lead + gap, nullptr);
      ASSERT_EQ(a, pp) << "packed portable case " << it << " gap " << gap;
    }
  }
}

// The same checks on the device: ts_fully_connected_s8 (the DSP path there) against
// ts_fully_connected_s8_portable.
const char* kDeviceProgram = R"(
#include <string.h>
#include "tessera/kernels.h"
#include "harness.h"

#define MAXIN 2048
#define MAXF (640 * 130)
static int8_t in[MAXIN], filt[MAXF], ra[2048], rb[2048], arena[4096], sa[700], sb[700];
static int32_t mult[700], shift[700], bias[700];
static int32_t pk[21200];
static uint32_t cases, four_rows, inplace_cases, overlap_cases, packed_cases, packed_overlap;

static int fc_case(int it, int32_t depth, int32_t out_depth, int extreme) {
  ts_fc_params p;
  int32_t o, i, v, n_in, n_out;
  int bad = 0, packed;
  memset(&p, 0, sizeof p);
  p.batches = uni(1, 3);
  p.in_depth = depth;
  p.out_depth = out_depth;
  p.input_offset = extreme ? 128 : (it % 7 == 0 ? (it % 2 ? 128 : -127) : uni(-127, 128));
  p.filter_offset = it % 4 == 3 ? uni(-127, 128) : 0;
  p.output_offset = uni(-128, 127);
  p.act_min = it % 3 ? -128 : uni(-128, 0);
  p.act_max = it % 3 ? 127 : uni(0, 127);
  p.per_channel = it % 2;
  for (o = 0; o < out_depth; ++o) {
    mult[o] = uni(1 << 30, 2147483647);
    shift[o] = extreme ? uni(-31, -20) : uni(-14, 2);
    bias[o] = it % 11 == 5 && ((it / 11) % 2 == 0 || o % 2 == 0)  /* (it / 11) % 2: on even rows only */
                  ? (uni(0, 1) ? 1 : -1) * uni((1 << 30) - 40000, 2147483600)
                  : uni(-100000, 100000);
  }
  p.output_multiplier = mult;
  p.output_shift = shift;
  n_in = p.batches * depth;
  n_out = p.batches * out_depth;
  if (n_in > MAXIN || n_out > (int32_t)sizeof ra || depth * out_depth > MAXF) return 1;
  fill(in, n_in);
  fill(filt, depth * out_depth);
  if (extreme) {
    for (i = 0; i < n_in; ++i) in[i] = 127;
    for (i = 0; i < depth * out_depth; ++i) filt[i] = (int8_t)((i / depth) % 2 ? 127 : -128);
  }
  for (v = 0; v < 4; ++v) {
    const int32_t* b = v % 2 ? 0 : bias;
    memset(ra, 1, (size_t)n_out);
    memset(rb, 2, (size_t)n_out);
    ts_fully_connected_s8_portable(&p, in, filt, b, ra, v >= 2 ? sa : 0);
    ts_fully_connected_s8(&p, in, filt, b, rb, v >= 2 ? sb : 0);
    bad |= memcmp(ra, rb, (size_t)n_out) != 0;
    if (out_depth <= depth) {
      memcpy(arena, in, (size_t)n_in);
      ts_fully_connected_s8(&p, arena, filt, b, arena, sb);
      bad |= memcmp(ra, arena, (size_t)n_out) != 0;
      ++inplace_cases;
    }
  }
  /* the packed filter (the symmetric int8 filter: -128 made -127) */
  for (i = 0; i < depth * out_depth; ++i) filt[i] = filt[i] == -128 ? -127 : filt[i];
  packed = ts_fc_packed_words(&p) <= sizeof pk / sizeof pk[0] && ts_fc_pack_s8(&p, filt, bias, pk);
  if (packed) {
    for (v = 0; v < 2; ++v) {
      memset(ra, 1, (size_t)n_out);
      memset(rb, 2, (size_t)n_out);
      ts_fully_connected_s8_portable(&p, in, filt, bias, ra, 0);
      ts_fully_connected_s8_packed(&p, in, pk, rb, v ? sb : 0);
      bad |= memcmp(ra, rb, (size_t)n_out) != 0;
      memset(rb, 2, (size_t)n_out);
      ts_fully_connected_s8_packed_portable(&p, in, pk, rb, v ? sb : 0);
      bad |= memcmp(ra, rb, (size_t)n_out) != 0;
    }
    if (out_depth <= depth) {
      memcpy(arena, in, (size_t)n_in);
      ts_fully_connected_s8_packed(&p, arena, pk, arena, sb);
      bad |= memcmp(ra, arena, (size_t)n_out) != 0;
    }
    ++packed_cases;
  }
  if (n_in + n_out + 8 <= (int32_t)sizeof arena) {  /* overlap without scratch: portable order */
    const int32_t gap = uni(-n_out + 1, n_in - 1), lead = gap < 0 ? -gap : 0;
    const int32_t span = lead + (n_in > gap + n_out ? n_in : gap + n_out);
    memset(arena, 0, (size_t)span);
    memcpy(arena + lead, in, (size_t)n_in);
    memcpy(ra, arena, (size_t)span > sizeof ra ? sizeof ra : (size_t)span);
    if (span <= (int32_t)sizeof ra) {
      ts_fully_connected_s8_portable(&p, ra + lead, filt, bias, ra + lead + gap, 0);
      ts_fully_connected_s8(&p, arena + lead, filt, bias, arena + lead + gap, 0);
      bad |= memcmp(ra, arena, (size_t)span) != 0;
      ++overlap_cases;
      if (packed) {
        memset(arena, 0, (size_t)span);
        memcpy(arena + lead, in, (size_t)n_in);
        ts_fully_connected_s8_packed(&p, arena + lead, pk, arena + lead + gap, 0);
        bad |= memcmp(ra, arena, (size_t)span) != 0;
        ++packed_overlap;
      }
    }
  }
  ++cases;
  four_rows += depth >= 4 && out_depth >= 4 && p.filter_offset == 0;
  return bad;
}

int main(void) {
  static const int32_t shapes[][2] = {{640, 128}, {128, 128}, {128, 8}, {8, 128}, {128, 640}};
  uint32_t bad = 0, shape_bad = 0;
  int i, k;
  for (i = 0; i < 5; ++i)
    for (k = 0; k < 4; ++k) shape_bad += (uint32_t)fc_case(2 * (4 * i + k) + (k < 2 ? 0 : 1), shapes[i][0], shapes[i][1], k == 3);
  ts_fw_put_kv("shape_mismatches", shape_bad);
  for (i = 0; i < 600; ++i) {
    const int32_t depth = i % 3 == 0 ? 4 * uni(1, 80) : uni(1, 300);
    bad += (uint32_t)fc_case(i, depth, uni(1, 37), i % 50 == 0);
  }
  ts_fw_put_kv("cases", cases);
  ts_fw_put_kv("four_rows", four_rows);
  ts_fw_put_kv("inplace_cases", inplace_cases);
  ts_fw_put_kv("overlap_cases", overlap_cases);
  ts_fw_put_kv("packed_cases", packed_cases);
  ts_fw_put_kv("packed_overlap", packed_overlap);
  ts_fw_put_kv("mismatches", bad);
  ts_fw_put_kv("done", 1);
  return 0;
}
)";

TEST(DspFullyConnected, NativeKernelMatchesPortableOnTheEmulatedCortexM4AndM7) {
  using namespace tessera;
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  for (const test::KernelProgramRun& r :
       test::RunKernelProgramOn("dsp_fc", test::DeviceRandomPrelude(2026) + kDeviceProgram,
                                {"fully_connected.c", "fully_connected_dsp.c", "quant.c"},
                                {Board::kAn386, Board::kAn500}, {"-O2", "-Os"})) {
    SCOPED_TRACE(r.label);
    FirmwareRun run = r.run;
    EXPECT_EQ(run.values["mismatches"], "0") << run.output;
    EXPECT_EQ(run.values["shape_mismatches"], "0") << run.output;
    EXPECT_GT(std::stoi(run.values["cases"]), 600) << run.output;
    EXPECT_GT(std::stoi(run.values["four_rows"]), 300) << run.output;
    EXPECT_GT(std::stoi(run.values["inplace_cases"]), 600) << run.output;
    EXPECT_GT(std::stoi(run.values["overlap_cases"]), 300) << run.output;
    EXPECT_GT(std::stoi(run.values["packed_cases"]), 300) << run.output;
    EXPECT_GT(std::stoi(run.values["packed_overlap"]), 150) << run.output;
  }
}

}  // namespace
