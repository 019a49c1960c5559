// Copies on the emulated Cortex-M4 (QEMU mps2-an386), where copy_util.h moves word-aligned
// blocks with Thumb-2 LDMIA/STMIA (the host tests run its C loops instead):
//  - a firmware program compares ts_copy_rows, ts_copy_window and ts_copy_bytes with a byte
//    loop (the contract's order) over shapes, every gap around the block sizes (overlapping
//    both ways) and every source alignment mod 4;
//  - halo-caching patch plans (88 copy steps for person_detect; 3-channel unaligned rows and
//    copies onto overlapping buffers for mcunet_vww1_80) give the host executor's bytes.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "codegen/device.h"
#include "exec/executor.h"
#include "ir/graph.h"
#include "schedule/stream.h"
#include "search/search.h"
#include "support/kernel_program.h"
#include "support/paths.h"
#include "tflite/reader.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

std::string TempDir(const std::string& name) { return test::FreshTempDir("fw_copy_" + name); }

// The device program: prints cases=<n> mismatches=<m> (and first=<index of the first>).
const char* kCopyCheck = R"C(
#include <stdint.h>
#include <string.h>
#include "harness.h"
#include "tessera/kernels.h"

static int8_t mem[2048] __attribute__((aligned(16)));
static int8_t want[2048] __attribute__((aligned(16)));
static uint32_t rng_state = 12345u;
static uint32_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}
static long cases = 0, mismatches = 0, first = -1;

static void check(int kind, int32_t rows, int32_t row_bytes, int32_t in_stride, int32_t out_stride,
                  int32_t src, int32_t dst) {
  int32_t r, i;
  for (i = 0; i < 2048; ++i) mem[i] = want[i] = (int8_t)rnd();
  for (r = 0; r < rows; ++r)
    for (i = 0; i < row_bytes; ++i) want[dst + r * out_stride + i] = want[src + r * in_stride + i];
  if (kind == 0) {
    ts_copy_rows(mem + src, mem + dst, rows, row_bytes, in_stride, out_stride);
  } else if (kind == 1) {
    ts_copy_bytes(mem + src, mem + dst, (size_t)row_bytes * (size_t)rows);
  } else {
    /* The same rows as a window of pixels of 1 byte: columns [0, row_bytes) of buffers
       in_stride and out_stride wide. */
    ts_copy_window((ts_cbuf){mem + src, 0, 0, rows, in_stride}, (ts_buf){mem + dst, 0, 0, rows, out_stride}, 1,
                   (ts_window){0, rows, 0, row_bytes});
  }
  if (memcmp(mem, want, sizeof mem) != 0) {
    if (first < 0) first = cases;
    ++mismatches;
  }
  ++cases;
}

int main(void) {
  static const int32_t shapes[][4] = {
      /* rows, row_bytes, in_stride, out_stride */
      {1, 4, 4, 4},       {1, 8, 8, 8},       {1, 31, 31, 31},    {1, 32, 32, 32},   {1, 36, 36, 36},
      {1, 100, 100, 100}, {1, 304, 304, 304}, {4, 64, 64, 64},    {3, 168, 304, 168}, {3, 152, 152, 240},
      {5, 48, 336, 48},   {5, 16, 16, 336},   {6, 8, 160, 8},     {4, 21, 126, 21},  {4, 21, 21, 135},
      {3, 44, 52, 48},    {2, 96, 96, 100},   {3, 7, 9, 11},      {2, 60, 64, 60},
  };
  int32_t k, align, gap;
  for (k = 0; k < (int32_t)(sizeof shapes / sizeof shapes[0]); ++k) {
    const int32_t rows = shapes[k][0], row_bytes = shapes[k][1], is = shapes[k][2], os = shapes[k][3];
    const int32_t in_span = (rows - 1) * is + row_bytes, out_span = (rows - 1) * os + row_bytes;
    const int32_t span = in_span > out_span ? in_span : out_span;
    for (align = 0; align < 4; ++align) {
      for (gap = -(span + 36); gap <= span + 36; gap += (gap > -40 && gap < 40) ? 1 : 3) {
        const int32_t src = 1000 - in_span / 2 + align - (1000 - in_span / 2) % 4, dst = src + gap;
        if (dst < 0 || dst + out_span > 2048 || src + in_span > 2048) continue;
        check(0, rows, row_bytes, is, os, src, dst);
        check(2, rows, row_bytes, is, os, src, dst);
        if (is == row_bytes && os == row_bytes) check(1, rows, row_bytes, is, os, src, dst);
      }
    }
  }
  ts_fw_put_kv("cases", (uint64_t)cases);
  ts_fw_put_kv("mismatches", (uint64_t)mismatches);
  if (first >= 0) ts_fw_put_kv("first", (uint64_t)first);
  return mismatches == 0 ? 0 : 1;
}
)C";

TEST(FirmwareCopy, KernelEqualsByteLoopOnCortexM4) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  const test::KernelProgram prog = test::BuildKernelProgram("fw_copy_check", kCopyCheck);
  const FirmwareBuildResult& br = prog.build;
  ASSERT_TRUE(br.ok) << br.log;
  // The build is warning-free (-Wall -Wextra) for the copy kernel's sources.
  EXPECT_EQ(br.log.find("elementwise.c"), std::string::npos) << br.log;
  EXPECT_EQ(br.log.find("copy_util.h"), std::string::npos) << br.log;
  const FirmwareRun run = RunFirmware(Board::kAn386, prog.elf, 300);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.values.count("cases"), 1u) << run.output;
  EXPECT_GT(std::stol(run.values.count("cases") ? run.values.at("cases") : "0"), 20000);
  EXPECT_EQ(run.values.count("mismatches") ? run.values.at("mismatches") : "", "0") << run.output;
  fs::remove_all(prog.dir);
}

class CachePlanDevice : public ::testing::TestWithParam<std::string> {};

TEST_P(CachePlanDevice, OutputEqualsHostExecutor) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  TESSERA_REQUIRE_SHARED();
  const std::string spec = GetParam();
  const std::string model = spec.substr(0, spec.find('@'));
  const Graph g = ReadTflite(test::SharedModel(model));
  const std::vector<std::vector<uint8_t>> inputs = {
      test::ReadFileBytes(test::ReferenceDir(model) + "/case0.input.bin")};
  const Plan plan = BuildStreamPlan(g, ParseStreamSpec(spec.substr(spec.find('@') + 1)), /*input_in_arena=*/true);
  int copies = 0;
  for (const Step& st : plan.steps) copies += st.kind == StepKind::kCopy;
  EXPECT_GT(copies, 20) << "expected a plan with halo copies";
  const auto expected = RunPlan(g, plan, inputs);
  const std::string dir = TempDir(model);
  const DeviceResult r = RunOnDevice(g, plan, inputs, dir);
  ASSERT_TRUE(r.build.ok) << r.build.log;
  ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
  ASSERT_EQ(r.outputs.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_TRUE(r.outputs[i] == expected[i]) << model << " output " << i << " differs from the host executor";
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Models, CachePlanDevice,
                         ::testing::Values("person_detect@11:2x2:cache", "mcunet_vww1_80@8:2x2:cache"),
                         [](const auto& info) { return info.param.substr(0, info.param.find('@')); });

}  // namespace
}  // namespace tessera
