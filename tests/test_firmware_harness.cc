// The bare-metal harness (firmware/) on QEMU's mps2-an386 and mps2-an500: programs link,
// run, print through semihosting and exit with their own exit code; SysTick counts
// instructions; stack painting measures stack use; an SRAM budget one byte smaller than
// the image needs fails to link with a message naming the model arena; firmware/profile.sh
// counts every executed instruction of a loop of known length.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>

#include "codegen/device.h"
#include "support/paths.h"

namespace tessera {
namespace {

#define REQUIRE_FIRMWARE_TOOLS()                                                          \
  do {                                                                                    \
    if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent"; \
  } while (0)

std::string TempDir(const std::string& name) { return test::FreshTempDir("fw_" + name); }

FirmwareBuild SelfTest(Board board, std::vector<std::string> defines) {
  FirmwareBuild b;
  b.board = board;
  b.sources = {FirmwareDir() + "/selftest.c"};
  b.defines = std::move(defines);
  return b;
}

class Harness : public ::testing::TestWithParam<Board> {};

TEST_P(Harness, RunsPrintsAndExitsWithItsCode) {
  REQUIRE_FIRMWARE_TOOLS();
  std::string dir = TempDir(std::string("run_") + BoardName(GetParam()));
  for (int code : {0, 5}) {
    std::string elf = dir + "/selftest" + std::to_string(code) + ".elf";
    auto br = BuildFirmware(SelfTest(GetParam(), {"SELFTEST_EXIT_CODE=" + std::to_string(code),
                                                  "SELFTEST_ARENA_BYTES=1000"}),
                            elf);
    ASSERT_TRUE(br.ok) << br.log;
    // Budget chosen automatically: exactly stack + .data + arena + .bss.
    EXPECT_EQ(br.ram_budget, br.ram_needed);
    EXPECT_GE(br.ram_needed, 8192 + 1000);
    auto run = RunFirmware(GetParam(), elf, 60);
    EXPECT_EQ(run.exit_code, code) << run.output;
    EXPECT_NE(run.output.find("tessera harness self-test\n"), std::string::npos) << run.output;
    EXPECT_EQ(run.values["arena_sum"], "3000");
    EXPECT_EQ(run.values["hex"], "01abff");
    EXPECT_EQ(run.values["stack_size"], "8192");
  }
  std::filesystem::remove_all(dir);
}

TEST_P(Harness, SysTickCountsInstructions) {
  REQUIRE_FIRMWARE_TOOLS();
  std::string dir = TempDir(std::string("count_") + BoardName(GetParam()));
  // 20M loop iterations = 40M instructions: the 24-bit SysTick wraps twice at 25 MHz with
  // 40 instructions per tick, so the wrap counting is exercised.
  for (long loops : {1000000L, 20000000L}) {
    std::string elf = dir + "/count.elf";
    auto br = BuildFirmware(SelfTest(GetParam(), {"SELFTEST_LOOP=" + std::to_string(loops)}), elf);
    ASSERT_TRUE(br.ok) << br.log;
    auto run = RunFirmware(GetParam(), elf, 120);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    long long counted = std::stoll(run.values.at("loop_instructions"));
    // 2 instructions per iteration, plus a few around the loop, to the tick resolution (40).
    EXPECT_GE(counted, 2 * loops - 40) << run.output;
    EXPECT_LE(counted, 2 * loops + 80) << run.output;
  }
  std::filesystem::remove_all(dir);
}

TEST_P(Harness, StackPaintingMeasuresDepth) {
  REQUIRE_FIRMWARE_TOOLS();
  std::string dir = TempDir(std::string("stack_") + BoardName(GetParam()));
  long long used[2];
  for (int i = 0; i < 2; ++i) {
    std::string elf = dir + "/stack.elf";
    auto br = BuildFirmware(SelfTest(GetParam(), {"SELFTEST_DEPTH=" + std::to_string(i * 10)}), elf);
    ASSERT_TRUE(br.ok) << br.log;
    auto run = RunFirmware(GetParam(), elf, 60);
    ASSERT_EQ(run.exit_code, 0) << run.output;
    used[i] = std::stoll(run.values.at("stack_used"));
  }
  // 10 more levels of >= 256-byte frames.
  EXPECT_GE(used[1] - used[0], 10 * 256);
  EXPECT_LT(used[1], 8192);
  std::filesystem::remove_all(dir);
}

TEST_P(Harness, BudgetOneByteTooSmallFailsToLink) {
  REQUIRE_FIRMWARE_TOOLS();
  std::string dir = TempDir(std::string("budget_") + BoardName(GetParam()));
  std::string elf = dir + "/fit.elf";
  auto fit = BuildFirmware(SelfTest(GetParam(), {"SELFTEST_ARENA_BYTES=4096"}), elf);
  ASSERT_TRUE(fit.ok) << fit.log;

  auto exact = SelfTest(GetParam(), {"SELFTEST_ARENA_BYTES=4096"});
  exact.ram_bytes = fit.ram_needed;
  auto ok = BuildFirmware(exact, dir + "/exact.elf");
  EXPECT_TRUE(ok.ok) << ok.log;
  EXPECT_EQ(ok.ram_budget, fit.ram_needed);
  auto run = RunFirmware(GetParam(), dir + "/exact.elf", 60);
  EXPECT_EQ(run.exit_code, 0) << run.output;

  auto tight = exact;
  tight.ram_bytes = fit.ram_needed - 1;
  auto bad = BuildFirmware(tight, dir + "/tight.elf");
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.log.find("tessera: model_arena does not fit"), std::string::npos) << bad.log;

  // An arena larger than the whole budget says so.
  auto tiny = exact;
  tiny.ram_bytes = 2048;
  auto bad2 = BuildFirmware(tiny, dir + "/tiny.elf");
  EXPECT_FALSE(bad2.ok);
  EXPECT_NE(bad2.log.find("model_arena alone is larger than the SRAM budget"), std::string::npos)
      << bad2.log;
  std::filesystem::remove_all(dir);
}

TEST(HarnessSizes, ElfSectionsAreMeasured) {
  REQUIRE_FIRMWARE_TOOLS();
  std::string dir = TempDir("sizes");
  std::string elf = dir + "/s.elf";
  auto br = BuildFirmware(SelfTest(Board::kAn386, {"SELFTEST_ARENA_BYTES=3000"}), elf);
  ASSERT_TRUE(br.ok) << br.log;
  ElfSizes s = MeasureElf(elf);
  EXPECT_EQ(s.arena, 3000);
  EXPECT_EQ(s.stack, 8192);
  EXPECT_GT(s.text, 0);
  // What the linker says the image needs is what the sections occupy (up to alignment).
  EXPECT_GE(br.ram_needed, s.ram());
  EXPECT_LE(br.ram_needed, s.ram() + 32);
  std::filesystem::remove_all(dir);
}

TEST(HarnessBuild, BadBoardIsAnError) {
  REQUIRE_FIRMWARE_TOOLS();
  auto r = RunShell("sh " + ShellQuote(FirmwareDir() + "/build.sh") + " --board an999 -o /tmp/x.elf x.c");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--board must be an386 or an500"), std::string::npos) << r.output;
}

// firmware/profile.sh: the self-test's loop (SUBS + BNE, exactly `loops` times each) appears in
// main's annotated disassembly with its execution counts, and main leads the per-function table.
// QEMU logs an instruction twice when its instruction budget runs out there (once per 65,536
// instructions at most), hence the small allowance above the exact count.
TEST_P(Harness, ProfileCountsEveryInstruction) {
  REQUIRE_FIRMWARE_TOOLS();
  std::string dir = TempDir(std::string("profile_") + BoardName(GetParam()));
  const long loops = 300000;
  const long slack = loops / 65536 + 4;
  std::string elf = dir + "/loop.elf";
  auto br = BuildFirmware(SelfTest(GetParam(), {"SELFTEST_LOOP=" + std::to_string(loops)}), elf);
  ASSERT_TRUE(br.ok) << br.log;
  const std::string script = ShellQuote(FirmwareDir() + "/profile.sh") + " --board " + BoardName(GetParam());

  auto annotated = RunShell("sh " + script + " --function main " + ShellQuote(elf) + " 2>/dev/null");
  ASSERT_EQ(annotated.exit_code, 0) << annotated.output;
  // The loop: the only SUBS whose next instruction is a BNE back to it.
  std::istringstream lines(annotated.output);
  std::string line, prev;
  long subs = -1, bne = -1;
  while (std::getline(lines, line)) {
    if (line.find("\tbne") != std::string::npos && prev.find("\tsubs") != std::string::npos) {
      subs = std::stol(prev);
      bne = std::stol(line);
    }
    prev = line;
  }
  ASSERT_GE(subs, 0) << annotated.output;
  EXPECT_GE(subs, loops);
  EXPECT_LE(subs, loops + slack);
  EXPECT_GE(bne, loops);
  EXPECT_LE(bne, loops + slack);

  auto table = RunShell("sh " + script + " --top 1 " + ShellQuote(elf) + " 2>/dev/null");
  ASSERT_EQ(table.exit_code, 0) << table.output;
  std::istringstream rows(table.output);
  std::string header, first, count, share, name;
  std::getline(rows, header);
  std::getline(rows, first);
  std::istringstream(first) >> count >> share >> name;
  EXPECT_EQ(name, "main") << table.output;
  EXPECT_GE(std::stol(count), 2 * loops) << table.output;
  EXPECT_NE(table.output.find(" total\n"), std::string::npos) << table.output;

  auto missing = RunShell("sh " + script + " --function no_such_function " + ShellQuote(elf) + " 2>&1");
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("no function 'no_such_function'"), std::string::npos) << missing.output;
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Boards, Harness, ::testing::Values(Board::kAn386, Board::kAn500),
                         [](const auto& info) { return std::string(BoardName(info.param)); });

}  // namespace
}  // namespace tessera
