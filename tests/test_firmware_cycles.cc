// The Cortex-M4 cycle model (firmware/cycles/m4_model.h, firmware/profile.sh --cycles) on small
// assembly loops whose cycle counts follow by hand from the Cortex-M4 TRM's rules (ARM DDI
// 0439B; the rule numbers R1-R10 and W are m4_model.h's). Each loop is a naked function called
// from an assembly driver whose return address holds a 16-bit NOP, so every function's own
// instructions are known exactly: the setup, N iterations (the loop branch taken N-1 times and
// not taken once) and `bx lr`, a register branch taken to a 16-bit target: 1 + P with P = 2
// (R8). The expected figures are written out below from those rules, not taken from the model.
// A generated model's run checks the plugin's instruction counts against QEMU's own
// (SysTick under -icount shift=0), whole inference and per plan step.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "codegen/device.h"
#include "memory/greedy.h"
#include "support/paths.h"
#include "tflite/reader.h"

namespace tessera {
namespace {

constexpr int kN = 100;  // loop iterations (fits movs's 8-bit immediate)

// Every function: its loop branch `bne 1b` to a 16-bit loop head costs 1 + P = 2 when taken
// (R8, P = 1 for an immediate target) and 1 when not; `bx lr` costs 1 + 2 = 3 (R8).
constexpr uint64_t kLoopBranches = 2 * (kN - 1) + 1;
constexpr uint64_t kReturn = 3;
// Fetches after a taken branch into flash (W): N-1 loop branches and the return.
constexpr uint64_t kBranchFetches = (kN - 1) + 1;

const char* kProgram = R"(
#include <stdint.h>
#include "harness.h"

uint32_t ram_buf[16];
const uint32_t flash_buf[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

#define LOOP_N "100"

/* R1: ALU only. */
__attribute__((naked)) void t_alu(void) {
  __asm volatile(
      "movs r2, #" LOOP_N "\n"
      "1: adds r1, #1\n"
      "eors r3, r1\n"
      "subs r2, #1\n"
      "bne 1b\n"
      "bx lr\n");
}

/* R3: one load a loop, not pipelined (it follows a branch or a data-processing instruction
   that does not write its address register). r0 = the buffer. */
__attribute__((naked)) void t_load(void) {
  __asm volatile(
      "movs r2, #" LOOP_N "\n"
      "1: ldr r3, [r0]\n"
      "adds r3, #1\n"
      "subs r2, #1\n"
      "bne 1b\n"
      "bx lr\n");
}

/* R4/R5: LDR; LDR; LDR; STR (register offset) back to back, none addressed by the previous
   load's result. */
__attribute__((naked)) void t_pipelined(void) {
  __asm volatile(
      "movs r1, #12\n"
      "movs r2, #" LOOP_N "\n"
      "1: ldr r3, [r0]\n"
      "ldr r4, [r0, #4]\n"
      "ldr r5, [r0, #8]\n"
      "str r3, [r0, r1]\n"
      "subs r2, #1\n"
      "bne 1b\n"
      "bx lr\n");
}

/* R4 not applying (address from the previous load's result), R6 (address from the
   directly preceding ALU result), R5 (STR with an immediate offset). ram_buf[0] holds
   &ram_buf[0]. */
__attribute__((naked)) void t_dependent(void) {
  __asm volatile(
      "movs r2, #" LOOP_N "\n"
      "1: ldr r3, [r0]\n"
      "ldr r4, [r3]\n"
      "adds r5, r0, #4\n"
      "ldr r6, [r5]\n"
      "str r6, [r0, #16]\n"
      "subs r2, #1\n"
      "bne 1b\n"
      "bx lr\n");
}

/* R7: LDM of 3, STM of 2, PUSH and POP of 2. */
__attribute__((naked)) void t_multiple(void) {
  __asm volatile(
      "add r1, r0, #32\n"
      "movs r2, #" LOOP_N "\n"
      "1: ldmia r0!, {r3, r4, r5}\n"
      "stmia r1!, {r3, r4}\n"
      "push {r3, r4}\n"
      "pop {r3, r4}\n"
      "subs r0, #12\n"
      "subs r1, #8\n"
      "subs r2, #1\n"
      "bne 1b\n"
      "bx lr\n");
}

/* R8: conditional branch and CBNZ not taken, CBZ and B taken (each skips one ADDS). */
__attribute__((naked)) void t_branches(void) {
  __asm volatile(
      "movs r2, #" LOOP_N "\n"
      "movs r3, #0\n"
      "1: cmp r3, #1\n"
      "beq 2f\n"
      "cbnz r3, 2f\n"
      "cbz r3, 3f\n"
      "adds r1, #1\n"
      "3: b 2f\n"
      "adds r1, #1\n"
      "2: subs r2, #1\n"
      "bne 1b\n"
      "bx lr\n");
}

/* R8's alignment term: the loop head is a 32-bit instruction at an address that is 2 mod 4
   (the function is word aligned and starts with a 16-bit MOVS), so the taken BNE costs
   1 + (1 + 1) = 3. */
__attribute__((naked, aligned(4))) void t_unaligned_target(void) {
  __asm volatile(
      "movs r2, #" LOOP_N "\n"
      "1: add.w r3, r3, #1\n"
      "subs r2, #1\n"
      "bne 1b\n"
      "bx lr\n");
}

/* R1/R2: MUL, SMLAD, UMULL one cycle each, SDIV the model's 12. Word aligned, four 16-bit
   MOVS: the 32-bit loop head is word aligned (no R8 alignment term). */
__attribute__((naked, aligned(4))) void t_multiply(void) {
  __asm volatile(
      "movs r2, #" LOOP_N "\n"
      "movs r4, #7\n"
      "movs r5, #3\n"
      "movs r6, #0\n"
      "1: mul r3, r4, r5\n"
      "smlad r3, r4, r5, r3\n"
      "umull r6, r7, r4, r5\n"
      "sdiv r6, r4, r5\n"
      "subs r2, #1\n"
      "bne 1b\n"
      "bx lr\n");
}

/* R10: a load inside an IT block whose condition fails costs 1. */
__attribute__((naked)) void t_it_skipped(void) {
  __asm volatile(
      "movs r2, #" LOOP_N "\n"
      "movs r3, #0\n"
      "1: cmp r3, #1\n"
      "it eq\n"
      "ldreq r4, [r0]\n"
      "subs r2, #1\n"
      "bne 1b\n"
      "bx lr\n");
}

/* WR: loops on RAM that the second run declares data wait ranges: A = 0x20200000:0x100 at 3
   wait states, B = 0x20300000:0x100 at 1 (r0 = the range's first address). t_load_slow and
   t_multiple_slow are t_load and t_multiple again. */
__attribute__((naked)) void t_load_slow(void) {
  __asm volatile(
      "movs r2, #" LOOP_N "\n"
      "1: ldr r3, [r0]\n"
      "adds r3, #1\n"
      "subs r2, #1\n"
      "bne 1b\n"
      "bx lr\n");
}

__attribute__((naked)) void t_multiple_slow(void) {
  __asm volatile(
      "add r1, r0, #32\n"
      "movs r2, #" LOOP_N "\n"
      "1: ldmia r0!, {r3, r4, r5}\n"
      "stmia r1!, {r3, r4}\n"
      "push {r3, r4}\n"
      "pop {r3, r4}\n"
      "subs r0, #12\n"
      "subs r1, #8\n"
      "subs r2, #1\n"
      "bne 1b\n"
      "bx lr\n");
}

/* LDRD and STRD: two words each. Word aligned with a 16-bit MOVS first: the 32-bit loop head
   is at 2 mod 4 (R8's alignment term on every taken BNE, as in t_unaligned_target). */
__attribute__((naked, aligned(4))) void t_double_slow(void) {
  __asm volatile(
      "movs r2, #" LOOP_N "\n"
      "1: ldrd r3, r4, [r0]\n"
      "strd r3, r4, [r0, #8]\n"
      "subs r2, #1\n"
      "bne 1b\n"
      "bx lr\n");
}

/* The range's edges: the word below its origin, its last word, the word after its end. The
   loop head (LDR.W, negative offset) is 32-bit at 2 mod 4, as in t_double_slow. */
__attribute__((naked, aligned(4))) void t_range_edges(void) {
  __asm volatile(
      "movs r2, #" LOOP_N "\n"
      "1: ldr r3, [r0, #-4]\n"
      "ldr r4, [r0, #252]\n"
      "ldr r5, [r0, #256]\n"
      "subs r2, #1\n"
      "bne 1b\n"
      "bx lr\n");
}

/* Calls each function with r0 = a buffer; every return lands on a 16-bit NOP. */
#define CALL(fn, buf) "movw r0, #:lower16:" #buf "\n movt r0, #:upper16:" #buf "\n bl " #fn "\n nop\n"
/* ... with r0 = HI << 16 (a fixed RAM address). */
#define CALL_AT(fn, hi) "movw r0, #0\n movt r0, #" hi "\n bl " #fn "\n nop\n"
__attribute__((naked)) void drive(void) {
  __asm volatile(
      "push {r4, r5, r6, r7, lr}\n"
      CALL(t_alu, ram_buf)
      CALL(t_load, ram_buf)
      CALL(t_load_flash, flash_buf)
      CALL(t_pipelined, ram_buf)
      CALL(t_dependent, ram_buf)
      CALL(t_multiple, ram_buf)
      CALL(t_branches, ram_buf)
      CALL(t_unaligned_target, ram_buf)
      CALL(t_multiply, ram_buf)
      CALL(t_it_skipped, ram_buf)
      CALL_AT(t_load_slow, "0x2020")
      CALL_AT(t_multiple_slow, "0x2020")
      CALL_AT(t_double_slow, "0x2030")
      CALL_AT(t_range_edges, "0x2020")
      "pop {r4, r5, r6, r7, pc}\n");
}

/* W: t_load on a buffer in flash (its own copy so that the two are told apart). */
__attribute__((naked)) void t_load_flash(void) {
  __asm volatile(
      "movs r2, #" LOOP_N "\n"
      "1: ldr r3, [r0]\n"
      "adds r3, #1\n"
      "subs r2, #1\n"
      "bne 1b\n"
      "bx lr\n");
}

int main(void) {
  ram_buf[0] = (uint32_t)&ram_buf[0];
  drive();
  ts_fw_puts("done=1\n");
  return 0;
}
)";

struct Expected {
  const char* function;
  uint64_t instructions;
  uint64_t cycles;      // at zero wait states
  uint64_t wait_units;  // W events
};

class FirmwareCycles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!HaveFirmwareTools() || !std::filesystem::exists(CyclePluginPath())) return;
    dir_ = test::FreshTempDir("fw_cycles");
    const std::string src = dir_ + "/loops.c";
    FILE* f = std::fopen(src.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(kProgram, f);
    std::fclose(f);
    FirmwareBuild b;
    b.sources = {src};
    const std::string elf = dir_ + "/loops.elf";
    build_ = new FirmwareBuildResult(BuildFirmware(b, elf));
    if (build_->ok) {
      run_ = new CycleModelRun(RunCycleModel(elf, 120));
      ranged_ = new CycleModelRun(RunCycleModel(elf, 120, {"0x20200000:0x100:3", "0x20300000:256:1"}));
    }
  }
  static void TearDownTestSuite() {
    delete build_;
    delete run_;
    delete ranged_;
    build_ = nullptr;
    run_ = nullptr;
    ranged_ = nullptr;
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  void SetUp() override {
    if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
    if (!std::filesystem::exists(CyclePluginPath())) GTEST_SKIP() << "no cycle-model plugin at " << CyclePluginPath();
    ASSERT_NE(build_, nullptr);
    ASSERT_TRUE(build_->ok) << build_->log;
    ASSERT_NE(run_, nullptr);
    ASSERT_TRUE(run_->ok) << run_->error;
    ASSERT_EQ(run_->run.exit_code, 0) << run_->run.output;
    ASSERT_EQ(run_->run.values["done"], "1") << run_->run.output;
    ASSERT_NE(ranged_, nullptr);
    ASSERT_TRUE(ranged_->ok) << ranged_->error;
    ASSERT_EQ(ranged_->run.exit_code, 0) << ranged_->run.output;
  }
  // `range_waits`: the cycles of WR in the run with wait ranges (part of its cycles); the run
  // without ranges must give e's figures exactly.
  void Check(const Expected& e, uint64_t range_waits = 0) {
    for (const CycleModelRun* r : {run_, ranged_}) {
      const bool ranged = r == ranged_;
      auto it = r->functions.find(e.function);
      ASSERT_NE(it, r->functions.end()) << e.function << " did not run";
      const uint64_t extra = ranged ? range_waits : 0;
      EXPECT_EQ(it->second.instructions, e.instructions) << e.function;
      EXPECT_EQ(it->second.cycles, e.cycles + extra) << e.function << (ranged ? " (wait ranges)" : "");
      EXPECT_EQ(it->second.wait_units, e.wait_units) << e.function;
      EXPECT_EQ(it->second.range_waits, extra) << e.function << (ranged ? " (wait ranges)" : "");
      // Cycles at W wait states are cycles + W * units.
      EXPECT_EQ(it->second.CyclesAt(5), e.cycles + extra + 5 * e.wait_units) << e.function;
    }
  }
  static std::string dir_;
  static FirmwareBuildResult* build_;
  static CycleModelRun* run_;
  static CycleModelRun* ranged_;  // the same ELF with data wait ranges A and B (see kProgram)
};
std::string FirmwareCycles::dir_;
FirmwareBuildResult* FirmwareCycles::build_ = nullptr;
CycleModelRun* FirmwareCycles::run_ = nullptr;
CycleModelRun* FirmwareCycles::ranged_ = nullptr;

TEST_F(FirmwareCycles, PlainAlu) {
  // movs 1; N x (adds 1, eors 1, subs 1) (R1); branches; return.
  Check({"t_alu", 1 + 4 * kN + 1, 1 + 3 * kN + kLoopBranches + kReturn, kBranchFetches});
}

TEST_F(FirmwareCycles, SingleLoadTakesTwoCycles) {
  // ldr 2 (R3: after bne or movs r2, neither writes r0, so no R6 stall).
  Check({"t_load", 1 + 4 * kN + 1, 1 + kN * (2 + 1 + 1) + kLoopBranches + kReturn, kBranchFetches});
}

TEST_F(FirmwareCycles, BackToBackLoadsPipeline) {
  // ldr 2, ldr 1, ldr 1 (R4), str [r0, r1] 2 - 1 = 1 (R5 register offset, R4 after a load).
  Check({"t_pipelined", 2 + 6 * kN + 1, 2 + kN * (2 + 1 + 1 + 1 + 1) + kLoopBranches + kReturn, kBranchFetches});
  EXPECT_GE(run_->stats["pipelined"], 3u * kN);
}

TEST_F(FirmwareCycles, DependentAddressesDoNotPipelineAndStall) {
  // ldr r3,[r0] 2; ldr r4,[r3] 2 (address from the previous load: no R4); adds 1;
  // ldr r6,[r5] 2 + 1 (R6: r5 from the preceding adds); str r6,[r0,#16] 1 (R5 immediate).
  Check({"t_dependent", 1 + 7 * kN + 1, 1 + kN * (2 + 2 + 1 + 3 + 1 + 1) + kLoopBranches + kReturn, kBranchFetches});
  EXPECT_GE(run_->stats["agu_stalls"], static_cast<uint64_t>(kN));
}

TEST_F(FirmwareCycles, LoadStoreMultipleTakeOnePlusN) {
  // add.w 1, movs 1; ldmia {3 regs} 1+3, stmia {2} 1+2, push {2} 1+2, pop {2} 1+2 (R7);
  // three subs 1 each.
  Check({"t_multiple", 2 + 8 * kN + 1, 2 + kN * (4 + 3 + 3 + 3 + 1 + 1 + 1) + kLoopBranches + kReturn,
         kBranchFetches});
}

TEST_F(FirmwareCycles, TakenAndNotTakenBranches) {
  // cmp 1; beq not taken 1; cbnz not taken 1; cbz taken 1+1; b taken 1+1 (R8, 16-bit targets);
  // subs 1. Two taken forward branches a loop add 2N fetches (W).
  Check({"t_branches", 2 + 7 * kN + 1, 2 + kN * (1 + 1 + 1 + 2 + 2 + 1) + kLoopBranches + kReturn,
         kBranchFetches + 2 * kN});
}

TEST_F(FirmwareCycles, UnalignedThirtyTwoBitTargetAddsARefillCycle) {
  // add.w 1, subs 1; the taken bne costs 1 + (1 + 1) = 3 (R8's alignment term), 1 when not taken.
  Check({"t_unaligned_target", 1 + 3 * kN + 1, 1 + kN * (1 + 1) + 3 * (kN - 1) + 1 + kReturn, kBranchFetches});
}

TEST_F(FirmwareCycles, MultiplyAndDivide) {
  // four movs; mul 1, smlad 1, umull 1 (R1), sdiv 12 (R2's upper bound); subs 1.
  Check({"t_multiply", 4 + 6 * kN + 1, 4 + kN * (1 + 1 + 1 + 12 + 1) + kLoopBranches + kReturn, kBranchFetches});
  EXPECT_EQ(run_->stats["divides"], static_cast<uint64_t>(kN));
}

TEST_F(FirmwareCycles, SkippedConditionalLoadCostsOne) {
  // cmp 1, it 1, ldreq (condition false: no access) 1 (R10), subs 1.
  Check({"t_it_skipped", 2 + 5 * kN + 1, 2 + kN * (1 + 1 + 1 + 1) + kLoopBranches + kReturn, kBranchFetches});
  EXPECT_GE(run_->stats["it_skipped"], static_cast<uint64_t>(kN));
}

TEST_F(FirmwareCycles, FlashLoadsAndBranchFetchesCountWaitStates) {
  // The same loop as SingleLoadTakesTwoCycles reading flash: the same cycles at W = 0, and
  // one more W event per load (W).
  Check({"t_load_flash", 1 + 4 * kN + 1, 1 + kN * (2 + 1 + 1) + kLoopBranches + kReturn, kBranchFetches + kN});
}

// WR: the same loops on RAM declared a data wait range cost exactly W_r more per word moved
// there; the run without ranges costs them like any RAM.
TEST_F(FirmwareCycles, LoadsFromASlowRangeCostItsWaitStatesEach) {
  // As SingleLoadTakesTwoCycles; range A (3 wait states): one word a loop.
  Check({"t_load_slow", 1 + 4 * kN + 1, 1 + kN * (2 + 1 + 1) + kLoopBranches + kReturn, kBranchFetches}, 3 * kN);
}

TEST_F(FirmwareCycles, LoadStoreMultipleInASlowRangeCostWaitStatesPerWord) {
  // As LoadStoreMultipleTakeOnePlusN; LDM's 3 and STM's 2 words lie in range A (3 each), PUSH
  // and POP use the stack (outside every range).
  Check({"t_multiple_slow", 2 + 8 * kN + 1, 2 + kN * (4 + 3 + 3 + 3 + 1 + 1 + 1) + kLoopBranches + kReturn,
         kBranchFetches},
        3 * 5 * kN);
}

TEST_F(FirmwareCycles, DoubleWordTransfersInASlowRangeCountTwoWords) {
  // ldrd 3, strd 3 (R7), subs 1; the taken bne 1 + (1 + 1) (R8, unaligned 32-bit target);
  // range B (1 wait state): 2 + 2 words a loop.
  Check({"t_double_slow", 1 + 4 * kN + 1, 1 + kN * (3 + 3 + 1) + kLoopBranches + (kN - 1) + kReturn, kBranchFetches},
        4 * kN);
}

TEST_F(FirmwareCycles, OnlyAccessesInsideTheRangeWait) {
  // ldr 2, ldr 1, ldr 1 (R4), subs 1; the taken bne 3 (as in t_double_slow); of [r0-4],
  // [r0+252], [r0+256] only the middle word lies in range A (origin r0, 256 bytes).
  Check({"t_range_edges", 1 + 5 * kN + 1, 1 + kN * (2 + 1 + 1 + 1) + kLoopBranches + (kN - 1) + kReturn,
         kBranchFetches},
        3 * kN);
  // Every range access of the whole run is one of the tests' loops above.
  EXPECT_EQ(ranged_->stats["range_accesses"], 5u * kN + 4u * kN + 2u * kN);
  EXPECT_EQ(ranged_->stats["range_waits"], 3u * (1 + 5 + 1) * kN + 4u * kN);
  EXPECT_EQ(ranged_->total.range_waits, ranged_->stats["range_waits"]);
  EXPECT_EQ(ranged_->total.cycles, run_->total.cycles + ranged_->total.range_waits);
  EXPECT_EQ(ranged_->total.instructions, run_->total.instructions);
  EXPECT_EQ(run_->total.range_waits, 0u);
}

TEST(FirmwareCyclesRanges, BadWaitRangesAreRefused) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  if (!std::filesystem::exists(CyclePluginPath())) GTEST_SKIP() << "no cycle-model plugin at " << CyclePluginPath();
  const std::string dir = test::FreshTempDir("fw_cycles_bad");
  const std::string src = dir + "/main.c";
  FILE* f = std::fopen(src.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("#include \"harness.h\"\nint main(void) { ts_fw_puts(\"done=1\\n\"); return 0; }\n", f);
  std::fclose(f);
  FirmwareBuild b;
  b.sources = {src};
  const std::string elf = dir + "/bad.elf";
  const FirmwareBuildResult built = BuildFirmware(b, elf);
  ASSERT_TRUE(built.ok) << built.log;
  const CycleModelRun overlap = RunCycleModel(elf, 60, {"0x20100000:0x100:1", "0x201000f0:0x100:2"});
  EXPECT_FALSE(overlap.ok);
  EXPECT_NE(overlap.error.find("overlap"), std::string::npos) << overlap.error;
  const CycleModelRun flash = RunCycleModel(elf, 60, {"0x1000:0x100:1"});
  EXPECT_FALSE(flash.ok);
  EXPECT_NE(flash.error.find("flash"), std::string::npos) << flash.error;
  const CycleModelRun malformed = RunCycleModel(elf, 60, {"0x20100000:0x100"});
  EXPECT_FALSE(malformed.ok);
  EXPECT_NE(malformed.error.find("ORIGIN:LENGTH:W"), std::string::npos) << malformed.error;
  std::filesystem::remove_all(dir);
}

TEST_F(FirmwareCycles, InferenceSpanAndTotalsAreConsistent) {
  // The loops ran outside any ts_fw_counter_* bracket: no inference span; the whole run's
  // total covers at least the loops, and cycles are at least one per instruction.
  EXPECT_EQ(run_->inference.instructions, 0u);
  EXPECT_GE(run_->total.instructions, 40u * kN);
  EXPECT_GE(run_->total.cycles, run_->total.instructions);
  EXPECT_EQ(run_->stats["unknown"], 0u);
}

// The plugin counts instructions itself; QEMU's SysTick under -icount shift=0 counts them
// independently (40-instruction resolution, and it starts and stops a few instructions inside
// the clock functions the plugin's marks bracket): the two agree for the inference and for
// every plan step of a profiled layer-by-layer build, and the per-step cycles add up to the
// inference's.
TEST(FirmwareCyclesModel, InstructionCountsAgreeWithSysTickPerStep) {
  if (!HaveFirmwareTools()) GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm absent";
  if (!std::filesystem::exists(CyclePluginPath())) GTEST_SKIP() << "no cycle-model plugin at " << CyclePluginPath();
  TESSERA_REQUIRE_SHARED();
  const Graph g = ReadTflite(test::SharedModel("kws_dscnn_int8"));
  const std::vector<std::vector<uint8_t>> inputs{
      test::ReadFileBytes(test::ReferenceDir("kws_dscnn_int8") + "/case0.input.bin")};
  const Plan plan = PlanLayerByLayer(g);
  const std::string dir = test::FreshTempDir("fw_cycles_kws");
  DeviceOptions o;
  o.profile = true;
  o.cycles = true;
  const DeviceResult r = RunOnDevice(g, plan, inputs, dir, o);
  ASSERT_TRUE(r.build.ok) << r.build.log;
  ASSERT_EQ(r.run.exit_code, 0) << r.run.output;
  ASSERT_TRUE(r.cycle_model.ok) << r.cycle_model.error;
  ASSERT_EQ(r.cycle_model.run.exit_code, 0) << r.cycle_model.run.output;
  // The model's run is the same program: the same output bytes.
  EXPECT_EQ(r.cycle_model.run.values.at("output0"), r.run.values.at("output0"));
  const CycleCounts& inf = r.cycle_model.inference;
  EXPECT_LE(inf.instructions, r.instructions + 100);
  EXPECT_GE(inf.instructions + 100, r.instructions);
  ASSERT_EQ(r.step_cycles.size(), plan.steps.size());
  ASSERT_EQ(r.step_instructions.size(), plan.steps.size());
  CycleCounts sum;
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const CycleCounts& c = r.step_cycles[s];
    EXPECT_LE(c.instructions, r.step_instructions[s] + 80) << "step " << s;
    EXPECT_GE(c.instructions + 80, r.step_instructions[s]) << "step " << s;
    EXPECT_GE(c.cycles, c.instructions) << "step " << s;  // no instruction is modelled below 1 cycle
    sum.cycles += c.cycles;
    sum.wait_units += c.wait_units;
  }
  // The steps span the inference but for the call into model_invoke, its first clock read and
  // the return (a few hundred cycles).
  EXPECT_LE(sum.cycles, inf.cycles);
  EXPECT_GE(sum.cycles + 1000, inf.cycles);
  EXPECT_LE(sum.wait_units, inf.wait_units);
  EXPECT_EQ(r.cycle_model.stats.at("unknown"), 0u);
  std::printf("kws_dscnn_int8 layer by layer: %llu instructions (SysTick %llu), %llu modelled cycles at W=0, %llu at "
              "W=5\n",
              static_cast<unsigned long long>(inf.instructions), static_cast<unsigned long long>(r.instructions),
              static_cast<unsigned long long>(inf.cycles), static_cast<unsigned long long>(inf.CyclesAt(5)));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tessera
