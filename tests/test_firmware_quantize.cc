// QUANTIZE float32 -> int8 and -> int16 on the emulated Cortex-M4F (QEMU mps2-an386), where
// their shared single-precision path runs on the FPU (VDIV, VCVT with 16 fraction bits) and the
// int8 clamp is an SSAT: a firmware program compares ts_quantize_f32_s8 / ts_quantize_f32_s16
// with TFLM's AffineQuantize (TfLiteRound(v / (float)scale): the quotient and the rounding
// half away from zero in single precision, plus the zero point, clamped; written in the
// program from TFLM's definition) for values a few float steps around ties (k + 0.5) * scale
// and integers k * scale, random values, quotients around +-32768 and extreme inputs, over
// several float scales and zero points. It also counts the values where a double division
// (TensorFlow Lite 2.9's arithmetic) would give another int8 byte: the kernel must follow the
// float one there too.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "codegen/device.h"
#include "support/kernel_program.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

const char* kQuantizeCheck = R"C(
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "harness.h"
#include "tessera/kernels.h"

#define N 512
static float values[N];
static int8_t got[N];
static int16_t got16[N];
static long cases = 0, mismatches = 0, separating = 0;
static uint32_t rng_state = 777u;
static uint32_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

/* TFLM's AffineQuantize before the clamp: (int32)TfLiteRound(v / (float)scale) + zp, in int64
 * here; NaN and values beyond the int32 range (where TFLM's cast is undefined) as the kernels
 * document: NaN gives the zero point, the rest saturates. */
static int64_t affine(float v, double scale, int32_t zp) {
  const float r = roundf(v / (float)scale);
  if (r != r) return zp;
  if (r >= 2147483648.0f) return (int64_t)2147483647 + zp;
  if (r <= -2147483648.0f) return (int64_t)(-2147483647 - 1) + zp;
  return (int64_t)(int32_t)r + zp;
}
static int8_t reference(float v, double scale, int32_t zp) {
  const int64_t q = affine(v, scale, zp);
  return (int8_t)(q > 127 ? 127 : (q < -128 ? -128 : q));
}
static int16_t reference16(float v, double scale, int32_t zp) {
  const int64_t q = affine(v, scale, zp);
  return (int16_t)(q > 32767 ? 32767 : (q < -32768 ? -32768 : q));
}
/* The int8 byte a double division would give (TensorFlow Lite 2.9's arithmetic). */
static int8_t by_double(float v, double scale, int32_t zp) {
  double r = round((double)v / scale);
  int64_t q;
  if (r != r) r = 0.0;
  if (r > 1e6) r = 1e6;
  if (r < -1e6) r = -1e6;
  q = (int64_t)r + zp;
  return (int8_t)(q > 127 ? 127 : (q < -128 ? -128 : q));
}

/* The next float above v. */
static float up(float v) {
  uint32_t b;
  if (v == 0.0f) return 1e-45f;
  memcpy(&b, &v, 4);
  if (v > 0.0f) ++b; else --b;
  memcpy(&v, &b, 4);
  return v;
}

static void run(int n, double scale, int32_t zp) {
  int i;
  const int32_t zp16 = zp == -128 ? -32768 : zp;
  ts_quantize_f32_s8(scale, zp, (ts_cbuf){(const int8_t*)values, 0, 0, 1, n}, (ts_buf){got, 0, 0, 1, n}, 1,
                     (ts_window){0, 1, 0, n});
  ts_quantize_f32_s16(scale, zp16, (ts_cbuf){(const int8_t*)values, 0, 0, 1, n}, (ts_buf){(int8_t*)got16, 0, 0, 1, n},
                      1, (ts_window){0, 1, 0, n});
  for (i = 0; i < n; ++i) {
    cases += 2;
    if (got[i] != reference(values[i], scale, zp)) ++mismatches;
    if (got16[i] != reference16(values[i], scale, zp16)) ++mismatches;
    if (by_double(values[i], scale, zp) != reference(values[i], scale, zp)) ++separating;
  }
}

int main(void) {
  static const float scales[] = {1.0f / 128.0f, 0.003921569f, 0.0213f, 1.0f, 3.7f, 0.00503264414f};
  static const int32_t zps[] = {-128, 0, 5};
  static const float extremes[] = {0.0f, -0.0f, 1e-45f, -1e-45f, 1e-38f, 3e38f, -3e38f, 1e9f, -1e9f, 127.5f,
                                   -128.5f};
  int si, zi, k, c, i, n;
  for (si = 0; si < (int)(sizeof scales / sizeof scales[0]); ++si) {
    const float s = scales[si];
    for (zi = 0; zi < 3; ++zi) {
      n = 0;
      for (k = -300; k <= 300; k += 7) {
        for (c = 0; c < 2; ++c) {
          float v = (float)((k + (c ? 0.0 : 0.5)) * (double)s);
          for (i = 0; i < 6; ++i) {
            uint32_t b;
            memcpy(&b, &v, 4);
            if (v > 0.0f) --b; else if (v < 0.0f) ++b;
            memcpy(&v, &b, 4);
          }
          for (i = 0; i < 13; ++i, v = up(v)) {
            values[n++] = v;
            if (n == N) { run(n, (double)s, zps[zi]); n = 0; }
          }
        }
      }
      for (i = 0; i < 1000; ++i) {
        values[n++] = ((float)(int32_t)(rnd() % 600001u) - 300000.0f) / 1000.0f * s;
        if (n == N) { run(n, (double)s, zps[zi]); n = 0; }
      }
      for (i = 0; i < 1000; ++i) { /* int16-sized quotients */
        values[n++] = ((float)(int32_t)(rnd() % 80001u) - 40000.0f) * 1.0009765625f * s;
        if (n == N) { run(n, (double)s, zps[zi]); n = 0; }
      }
      for (k = 32760 * 4; k <= 32776 * 4; ++k) { /* quotients around +-32768 */
        const float v = (float)k * 0.25f * s;
        values[n++] = v;
        if (n == N) { run(n, (double)s, zps[zi]); n = 0; }
        values[n++] = -v;
        if (n == N) { run(n, (double)s, zps[zi]); n = 0; }
      }
      if (n > N - 16) { run(n, (double)s, zps[zi]); n = 0; } /* room for the extremes */
      for (i = 0; i < (int)(sizeof extremes / sizeof extremes[0]); ++i) values[n++] = extremes[i];
      {
        uint32_t nan_bits = 0x7fc00000u, inf_bits = 0x7f800000u, ninf_bits = 0xff800000u;
        memcpy(&values[n++], &nan_bits, 4);
        memcpy(&values[n++], &inf_bits, 4);
        memcpy(&values[n++], &ninf_bits, 4);
      }
      run(n, (double)s, zps[zi]);
    }
  }
  ts_fw_put_kv("cases", (uint64_t)cases);
  ts_fw_put_kv("mismatches", (uint64_t)mismatches);
  ts_fw_put_kv("separating", (uint64_t)separating);
  return mismatches == 0 ? 0 : 1;
}
)C";

TEST(FirmwareQuantize, EqualsTflmFloatFormulaOnCortexM4F) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  const test::KernelProgram prog = test::BuildKernelProgram("fw_quantize_check", kQuantizeCheck);
  const FirmwareBuildResult& br = prog.build;
  ASSERT_TRUE(br.ok) << br.log;
  EXPECT_EQ(br.log.find("quantize.c"), std::string::npos) << br.log;
  const FirmwareRun run = RunFirmware(Board::kAn386, prog.elf, 300);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(run.values.count("cases"), 1u) << run.output;
  EXPECT_GT(std::stol(run.values.at("cases")), 60000);
  // Values where TFLM's float arithmetic and a double division give different int8 bytes.
  ASSERT_EQ(run.values.count("separating"), 1u) << run.output;
  RecordProperty("cases", run.values.at("cases"));
  RecordProperty("separating", run.values.at("separating"));
  EXPECT_GE(std::stol(run.values.at("separating")), 50);
  EXPECT_EQ(run.values.count("mismatches") ? run.values.at("mismatches") : "", "0") << run.output;
  fs::remove_all(prog.dir);
}

}  // namespace
}  // namespace tessera
