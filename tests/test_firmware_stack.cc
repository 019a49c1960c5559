// The stack figures tessera prints (codegen/kernel_stack.h) against what the kernels compile
// to and what the emulated Cortex-M4 paints:
// - the compiled-in table equals what firmware/stack_usage.sh bounds from the kernels as they
//   are now (it fails after a kernel change until the table is regenerated);
// - for real models' plans, the stack one inference paints on the emulated Cortex-M4 lies
//   within the whole firmware's static bound (reset handler's chain + the SysTick handler's +
//   the 104-byte exception frame with floating-point context), and the plan's kernel bound
//   within that program bound.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "codegen/data_dir.h"
#include "codegen/device.h"
#include "codegen/kernel_stack.h"
#include "plan/strategy.h"
#include "support/device_cases.h"
#include "support/paths.h"

namespace tessera {
namespace {

namespace fs = std::filesystem;

std::string Script() { return FirmwareDir() + "/stack_usage.sh"; }

// "name<TAB>bytes<TAB>chain" lines.
std::vector<std::vector<std::string>> Rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::istringstream l(line);
    std::string cell;
    while (std::getline(l, cell, '\t')) f.push_back(cell);
    rows.push_back(f);
  }
  return rows;
}

TEST(KernelStackTable, EqualsWhatTheKernelsCompileTo) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  const ShellResult r = RunShell("sh " + ShellQuote(Script()) + " --tool " + ShellQuote(TS_STACK_USAGE_TOOL) +
                                 " --kernels " + ShellQuote(KernelDir()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto rows = Rows(r.output);
  const auto& table = KernelStackTable();
  ASSERT_EQ(rows.size(), table.size())
      << "the kernels' entry points changed: firmware/stack_usage.sh --inc > src/codegen/kernel_stack_table.inc";
  int64_t largest_ws = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 3u) << "line " << i;
    const KernelStackEntry* e = FindKernelStack(rows[i][0]);
    ASSERT_NE(e, nullptr) << rows[i][0] << " is not in the table: firmware/stack_usage.sh --inc > src/codegen/kernel_stack_table.inc";
    EXPECT_EQ(e->bytes, std::stoll(rows[i][1]))
        << rows[i][0] << " (" << rows[i][2] << "): firmware/stack_usage.sh --inc > src/codegen/kernel_stack_table.inc";
    EXPECT_EQ(std::string(e->chain), rows[i][2]) << rows[i][0];
    if (rows[i][0].size() > 3 && rows[i][0].compare(rows[i][0].size() - 3, 3, "_ws") == 0)
      largest_ws = std::max(largest_ws, e->bytes);
  }
  // The kernels' stack goal (issue 17: at most 1 KiB; buffers in the plan's workspaces, not on the stack).
  EXPECT_LE(largest_ws, 1024);
  std::printf("kernel entry points %zu, the deepest *_ws chain %lld bytes\n", rows.size(), (long long)largest_ws);
}

struct Case {
  const char* model;
  const char* strategy;
};

class PaintedStack : public ::testing::TestWithParam<Case> {};

TEST_P(PaintedStack, LiesWithinTheStaticBound) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  Graph g;
  std::vector<std::vector<uint8_t>> inputs;
  if (!test::LoadDeviceModel(GetParam().model, 1, &g, &inputs)) GTEST_SKIP() << "../shared is absent";
  const Plan plan = MakePlan(g, PlanOptions::FromStrategy(GetParam().strategy));
  const std::string dir = test::FreshTempDir("fwstack_" + test::DeviceCaseStem(GetParam().model));
  const DeviceResult d = RunOnDevice(g, plan, inputs, dir);
  ASSERT_TRUE(d.build.ok) << d.build.log;
  ASSERT_EQ(d.run.exit_code, 0) << d.run.output;

  std::string sources;
  for (const auto& f : fs::recursive_directory_iterator(dir))
    if (f.path().extension() == ".c") sources += " " + ShellQuote(f.path().string());
  const std::string fw = FirmwareDir();
  sources += " " + ShellQuote(fw + "/startup.c") + " " + ShellQuote(fw + "/harness.c");
  const ShellResult r = RunShell("sh " + ShellQuote(Script()) + " --tool " + ShellQuote(TS_STACK_USAGE_TOOL) +
                                 " --root ts_fw_reset_handler --root ts_fw_systick_handler -I " +
                                 ShellQuote(dir + "/generated") + " -I " + ShellQuote(fw) + sources);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto rows = Rows(r.output);
  ASSERT_EQ(rows.size(), 2u) << r.output;
  const int64_t reset = std::stoll(rows[0][1]), systick = std::stoll(rows[1][1]);
  // ARMv7-M: an exception entry with an active floating-point context stacks 26 words.
  const int64_t program = reset + systick + 104;
  const KernelStack ks = PlanKernelStack(g, plan);
  ASSERT_TRUE(ks.unknown.empty());
  std::printf("%s %s: painted %lld bytes; static bound %lld (reset chain %lld: %s; SysTick %lld); kernels %lld (%s)\n",
              GetParam().model, GetParam().strategy, (long long)d.stack_used, (long long)program, (long long)reset,
              rows[0][2].c_str(), (long long)systick, (long long)ks.bytes, ks.deepest.c_str());
  EXPECT_GT(d.stack_used, 0);
  EXPECT_LE(d.stack_used, program);
  EXPECT_LE(ks.bytes, reset);
}

INSTANTIATE_TEST_SUITE_P(Models, PaintedStack,
                         ::testing::Values(Case{"kws_dscnn_int8", "best"}, Case{"ad01_fc_autoencoder_int8", "greedy"},
                                           Case{"coverage/tflm_keyword_scrambled_8bit", "best"}),
                         [](const ::testing::TestParamInfo<Case>& i) {
                           return test::DeviceCaseStem(i.param.model) + "_" + i.param.strategy;
                         });

}  // namespace
}  // namespace tessera
