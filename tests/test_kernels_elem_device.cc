// The element-wise kernels (SUB, SQUARED_DIFFERENCE, MAXIMUM, MINIMUM, PRELU with broadcasting;
// LEAKY_RELU, ABS, RSQRT, TANH over every input byte) on the emulated Cortex-M4 and M7 (QEMU
// mps2-an386 / an500, -O2 and -Os): a program with each case's parameters (from the host's
// *_prepare) and inputs as constants runs the kernels and prints their outputs, which must equal
// the naive formulations (support/naive_elem) computed here.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "codegen/device.h"
#include "support/elem_window.h"
#include "support/kernel_program.h"
#include "support/naive_elem.h"

namespace tessera {
namespace {

using test::Dims;
using test::Rng;
using test::Uniform;

std::string Hex(const std::vector<int8_t>& v) {
  std::string s;
  char b[3];
  for (int8_t x : v) {
    std::snprintf(b, sizeof b, "%02x", static_cast<unsigned>(static_cast<uint8_t>(x)));
    s += b;
  }
  return s;
}

std::string CArray(const std::string& name, const std::vector<int8_t>& v) {
  std::string s = "static const int8_t " + name + "[" + std::to_string(std::max<size_t>(v.size(), 1)) + "] = {";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(int(v[i]));
  }
  return s + "};\n";
}

std::string Ints(std::initializer_list<int32_t> v) {
  std::string s = "{";
  bool first = true;
  for (int32_t x : v) {
    if (!first) s += ',';
    s += std::to_string(x);
    first = false;
  }
  return s + "}";
}

// One case of the program: its C declarations, its statement block (which prints out<k>), and
// the expected output.
struct Program {
  std::string decls, body;
  std::vector<std::string> expect;
  void Add(const std::string& call, int32_t n, const std::vector<int8_t>& expected) {
    const std::string k = std::to_string(expect.size());
    decls += "static int8_t o" + k + "[" + std::to_string(n) + "];\n";
    body += "  {\n" + call + "    ts_fw_puts(\"out" + k + "=\");\n    ts_fw_put_hex(o" + k + ", " + std::to_string(n) +
            ");\n    ts_fw_puts(\"\\n\");\n  }\n";
    expect.push_back(Hex(expected));
  }
};

std::string AddParams(const ts_add_params& p) {
  return "    const ts_add_params p = " +
         Ints({p.input1_offset, p.input2_offset, p.output_offset, p.left_shift, p.input1_multiplier, p.input1_shift,
               p.input2_multiplier, p.input2_shift, p.output_multiplier, p.output_shift, p.act_min, p.act_max}) +
         ";\n";
}

void AddBinaryCases(Rng& r, Program& prog) {
  // 25 small cases, then a large SUB and SQUARED_DIFFERENCE (their table paths)
  for (int i = 0; i < 27; ++i) {
    const Dims out = i < 25 ? Dims{Uniform(r, 1, 5), Uniform(r, 1, 6), Uniform(r, 1, 7)} : Dims{12, 12, 8};
    const Dims ad = Uniform(r, 0, 1) ? out : test::BroadcastDimsOf(r, out), bd = test::BroadcastDimsOf(r, out);
    const std::vector<int8_t> a = test::RandomBytes(r, size_t(ad.size())), b = test::RandomBytes(r, size_t(bd.size()));
    const std::string k = std::to_string(prog.expect.size());
    prog.decls += CArray("a" + k, a) + CArray("b" + k, b);
    auto operand = [&](const std::string& name, const Dims& d) {
      return "{" + name + ", 0, 0, " + std::to_string(d.h == 1 ? 0 : d.w * d.c) + ", " + std::to_string(d.w == 1 ? 0 : d.c) +
             ", " + std::to_string(d.c == 1 ? 0 : 1) + "}";
    };
    const std::string setup = "    const ts_operand a = " + operand("a" + k, ad) + ", b = " + operand("b" + k, bd) +
                              ";\n    const ts_buf o = {o" + k + ", 0, 0, " + std::to_string(out.h) + ", " +
                              std::to_string(out.w) + "};\n    const ts_window w = {0, " + std::to_string(out.h) +
                              ", 0, " + std::to_string(out.w) + "};\n";
    const int32_t n = static_cast<int32_t>(out.size()), ch = out.c;
    auto expected = [&](auto f) {
      std::vector<int8_t> e(static_cast<size_t>(n));
      for (int y = 0; y < out.h; ++y)
        for (int x = 0; x < out.w; ++x)
          for (int c = 0; c < out.c; ++c)
            e[(size_t(y) * out.w + x) * out.c + c] =
                f(a[test::BroadcastIndex(ad, y, x, c)], b[test::BroadcastIndex(bd, y, x, c)]);
      return e;
    };
    const float s1 = test::RandomScale(r, 1e-3, 0.5), s2 = test::RandomScale(r, 1e-3, 0.5);
    const float so = test::RandomScale(r, 1e-3, 1.0);
    const int32_t z1 = test::RandomZeroPoint(r), z2 = test::RandomZeroPoint(r), zo = test::RandomZeroPoint(r);
    const std::string chs = std::to_string(ch);
    switch (i < 25 ? i % 5 : i - 25) {
      case 0: {
        ts_add_params p{};
        ASSERT_EQ(ts_sub_s8_prepare(s1, z1, s2, z2, so, zo, Uniform(r, -128, -100), Uniform(r, 100, 127), &p), 0);
        prog.Add(setup + AddParams(p) + "    ts_sub_s8(&p, a, b, o, " + chs + ", w);\n", n,
                 expected([&](int8_t x, int8_t y) { return naive::SubElement(p, x, y); }));
        break;
      }
      case 1: {
        ts_add_params p{};
        ASSERT_EQ(ts_squared_difference_s8_prepare(s1, z1, s2, z2, so * so, zo, &p), 0);
        prog.Add(setup + AddParams(p) + "    ts_squared_difference_s8(&p, a, b, o, " + chs + ", w);\n", n,
                 expected([&](int8_t x, int8_t y) { return naive::SquaredDifferenceElement(p, x, y); }));
        break;
      }
      case 2: {
        ts_prelu_params p{};
        ASSERT_EQ(ts_prelu_s8_prepare(s1, z1, s2, z2, so, zo, &p), 0);
        prog.Add(setup + "    const ts_prelu_params p = " +
                     Ints({p.input_offset, p.alpha_offset, p.output_offset, p.output_multiplier_1, p.output_shift_1,
                           p.output_multiplier_2, p.output_shift_2}) +
                     ";\n    ts_prelu_s8(&p, a, b, o, " + chs + ", w);\n",
                 n, expected([&](int8_t x, int8_t y) { return naive::PreluElement(p, x, y); }));
        break;
      }
      case 3:
        prog.Add(setup + "    ts_maximum_s8(a, b, o, " + chs + ", w);\n", n,
                 expected([](int8_t x, int8_t y) { return x > y ? x : y; }));
        break;
      default:
        prog.Add(setup + "    ts_minimum_s8(a, b, o, " + chs + ", w);\n", n,
                 expected([](int8_t x, int8_t y) { return x < y ? x : y; }));
        break;
    }
  }
}

void AddUnaryCases(Rng& r, Program& prog) {
  // every byte value, as a 4 x 8 x 8 tensor (rows x columns x channels)
  std::vector<int8_t> all(256);
  for (int v = 0; v < 256; ++v) all[size_t(v)] = static_cast<int8_t>(v - 128);
  prog.decls += CArray("all", all);
  const std::string setup =
      "    const ts_cbuf i = {all, 0, 0, 4, 8};\n    const ts_window w = {0, 4, 0, 8};\n";
  for (int k = 0; k < 16; ++k) {
    const std::string o = "    const ts_buf o = {o" + std::to_string(prog.expect.size()) + ", 0, 0, 4, 8};\n";
    const float si = test::RandomScale(r, 1e-3, 0.5), so = test::RandomScale(r, 1e-2, 0.5);
    const int32_t zi = test::RandomZeroPoint(r), zo = test::RandomZeroPoint(r);
    std::vector<int8_t> e(256);
    switch (k % 4) {
      case 0: {
        ts_leaky_relu_params p{};
        ASSERT_EQ(ts_leaky_relu_s8_prepare(si, zi, so, zo, static_cast<float>(Uniform(r, -20, 20)) / 10.0f, &p), 0);
        for (int v = 0; v < 256; ++v) e[size_t(v)] = naive::LeakyReluElement(p, all[size_t(v)]);
        prog.Add(setup + o + "    const ts_leaky_relu_params p = " +
                     Ints({p.input_zero_point, p.output_zero_point, p.multiplier_alpha, p.shift_alpha,
                           p.multiplier_identity, p.shift_identity}) +
                     ";\n    ts_leaky_relu_s8(&p, i, o, 8, w);\n",
                 256, e);
        break;
      }
      case 1: {
        ts_abs_params p{};
        ASSERT_EQ(ts_abs_s8_prepare(si, zi, k % 8 == 1 ? si : so, zo, &p), 0);
        for (int v = 0; v < 256; ++v) e[size_t(v)] = naive::AbsElement(p, all[size_t(v)]);
        prog.Add(setup + o + "    const ts_abs_params p = " +
                     Ints({p.input_zero_point, p.output_zero_point, p.needs_rescale, p.multiplier, p.shift}) +
                     ";\n    ts_abs_s8(&p, i, o, 8, w);\n",
                 256, e);
        break;
      }
      case 2: {
        ts_rsqrt_params p{};
        ASSERT_EQ(ts_rsqrt_s8_prepare(si, zi, so, zo, &p), 0);
        int32_t below = 0;
        for (int v = 0; v < 256; ++v) e[size_t(v)] = naive::RsqrtElement(p, all[size_t(v)]), below += v - 128 < zi;
        prog.Add(setup + o + "    const ts_rsqrt_params p = " +
                     Ints({p.input_zero_point, p.output_zero_point, p.multiplier, p.shift}) +
                     ";\n    if (ts_rsqrt_s8(&p, i, o, 8, w) != " + std::to_string(below) + ") ++bad;\n",
                 256, e);
        break;
      }
      default: {
        ts_logistic_params p{};
        ASSERT_EQ(ts_tanh_s8_prepare(si, zi, &p), 0);
        for (int v = 0; v < 256; ++v) e[size_t(v)] = naive::TanhElement(p, all[size_t(v)]);
        prog.Add(setup + o + "    const ts_logistic_params p = " +
                     Ints({p.input_zero_point, p.input_range_radius, p.input_multiplier, p.input_left_shift}) +
                     ";\n    ts_tanh_s8(&p, i, o, 8, w);\n",
                 256, e);
        break;
      }
    }
  }
}

TEST(KernelsElemDevice, MatchNaiveOnCortexM) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  Rng r(97);
  Program prog;
  AddBinaryCases(r, prog);
  AddUnaryCases(r, prog);
  const std::string source = "#include <stdint.h>\n#include \"tessera/kernels.h\"\n#include \"harness.h\"\n" + prog.decls +
                             "static int bad;\nint main(void) {\n" + prog.body +
                             "  ts_fw_put_kv(\"bad\", (uint64_t)bad);\n  ts_fw_puts(\"done=1\\n\");\n  return 0;\n}\n";
  for (const test::KernelProgramRun& run :
       test::RunKernelProgramOn("elem_kernels", source,
                                {"elem_binary.c", "elem_unary.c", "quant.c", "quantize_multiplier.c"},
                                {Board::kAn386, Board::kAn500}, {"-O2", "-Os"})) {
    SCOPED_TRACE(run.label);
    FirmwareRun fr = run.run;
    EXPECT_EQ(fr.values["bad"], "0");
    for (size_t k = 0; k < prog.expect.size(); ++k) EXPECT_EQ(fr.values["out" + std::to_string(k)], prog.expect[k]) << "case " << k;
  }
}

}  // namespace
}  // namespace tessera
