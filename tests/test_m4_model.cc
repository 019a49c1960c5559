// The Cortex-M4 cycle model's decoder and cost rules (firmware/cycles/m4_model.h) on single
// objdump lines and instruction pairs, for the cases the assembly loops of
// test_firmware_cycles.cc do not reach (loads to PC, POP with PC, TBB, LDRD, FPU, IT, wait
// states on a taken branch into RAM). Expected cycles are the TRM's (ARM DDI 0439B) as the
// header's rules R1-R10 state them, worked out by hand here.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "m4_model.h"

namespace ts_cycles {
namespace {

Insn D(const std::string& addr, const std::string& raw, const std::string& mnem, const std::string& ops) {
  Insn in;
  const std::string line = "  " + addr + ":\t" + raw + " \t" + mnem + (ops.empty() ? "" : "\t" + ops);
  EXPECT_TRUE(DecodeObjdumpLine(line, &in)) << line;
  return in;
}

constexpr uint16_t R(int r) { return static_cast<uint16_t>(1u << r); }

// One execution of `cur` after `prev` (which loaded when `prev_loaded`), with `accesses`
// memory accesses of which `flash` read flash, continuing at `next_pc` (default: the next
// instruction) where `next` is.
Cost CostRun(const Insn& cur, const Insn* prev = nullptr, uint32_t accesses = 1, uint32_t flash = 0,
         int64_t next_pc = -1, const Insn* next = nullptr, bool prev_loaded = true) {
  Exec e;
  e.prev = prev;
  e.prev_loaded = prev_loaded;
  e.accesses = accesses;
  e.flash_reads = flash;
  e.next_pc = next_pc < 0 ? cur.pc + cur.size : static_cast<uint64_t>(next_pc);
  e.next = next;
  return CostOf(cur, e);
}

TEST(M4Model, DecodesObjdumpLines) {
  Insn in = D("a4", "f8d1 3004", "ldr.w", "r3, [r1, #4]");
  EXPECT_EQ(in.pc, 0xa4u);
  EXPECT_EQ(in.size, 4);
  EXPECT_EQ(in.kind, Kind::kLoad);
  EXPECT_EQ(in.writes, R(3));
  EXPECT_EQ(in.addr_regs, R(1));

  in = D("10", "f853 2b04", "ldr.w", "r2, [r3], #4");  // post-indexed: base r3, loads r2
  EXPECT_EQ(in.addr_regs, R(3));
  EXPECT_EQ(in.writes, R(2));

  in = D("12", "5853", "ldr", "r3, [r2, r1]");
  EXPECT_EQ(in.size, 2);
  EXPECT_EQ(in.addr_regs, R(2) | R(1));

  in = D("14", "f840 3021", "str.w", "r3, [r0, r1, lsl #2]");
  EXPECT_EQ(in.kind, Kind::kStore);
  EXPECT_FALSE(in.store_imm);
  EXPECT_EQ(in.addr_regs, R(0) | R(1));
  in = D("18", "9301", "str", "r3, [sp, #4]");
  EXPECT_TRUE(in.store_imm);
  EXPECT_EQ(in.addr_regs, R(13));

  // Condition codes and flag suffixes against mnemonics that end like them.
  EXPECT_EQ(D("1a", "d9fe", "bls.n", "1a <f>").kind, Kind::kBranch);
  EXPECT_EQ(D("1c", "ea21 0102", "bics.w", "r1, r1, r2").kind, Kind::kAlu);
  EXPECT_EQ(D("20", "ea90 0f01", "teq", "r0, r1").kind, Kind::kNoDest);
  EXPECT_EQ(D("24", "fb00 2211", "mls", "r2, r0, r1, r2").kind, Kind::kAlu);
  EXPECT_EQ(D("28", "f812 3b01", "ldrbne.w", "r3, [r2], #1").kind, Kind::kLoad);
  EXPECT_EQ(D("2c", "bf1c", "ittt", "ne").kind, Kind::kNoDest);
  EXPECT_EQ(D("2e", "fb93 f3f2", "sdiv", "r3, r3, r2").kind, Kind::kDivide);
  EXPECT_EQ(D("32", "fb22 3304", "smlad", "r3, r2, r4, r3").kind, Kind::kAlu);

  in = D("36", "fb81 2303", "smull", "r2, r3, r1, r3");
  EXPECT_EQ(in.writes, R(2) | R(3));
  EXPECT_TRUE(in.data_processing);

  in = D("3a", "bd30", "pop", "{r4, r5, pc}");
  EXPECT_EQ(in.kind, Kind::kLoadMulti);
  EXPECT_EQ(in.regs, 3);
  EXPECT_TRUE(in.writes_pc);
  EXPECT_EQ(in.addr_regs, R(13));

  in = D("3c", "e92d 41f0", "stmdb", "sp!, {r4, r5, r6, r7, r8, lr}");
  EXPECT_EQ(in.kind, Kind::kStoreMulti);
  EXPECT_EQ(in.regs, 6);

  in = D("40", "ed2d 8b04", "vpush", "{d8-d9}");
  EXPECT_EQ(in.kind, Kind::kFpMulti);
  EXPECT_EQ(in.regs, 4);  // two double registers = four single (R9 counts singles)

  in = D("44", "46f7", "mov", "pc, lr");
  EXPECT_EQ(in.kind, Kind::kBranchReg);
  in = D("46", "ee17 3a90", "vmov", "r3, s15");
  EXPECT_EQ(in.writes, R(3));
  EXPECT_TRUE(in.data_processing);

  // Not instructions: data words, labels, blank lines.
  Insn none;
  EXPECT_FALSE(DecodeObjdumpLine("  fc:\t00000740 \t.word\t0x00000740", &none));
  EXPECT_FALSE(DecodeObjdumpLine("000000c0 <ts_fw_hardfault_handler>:", &none));
  EXPECT_FALSE(DecodeObjdumpLine("", &none));
  EXPECT_THROW(DecodeObjdumpLine("  50:\tf000 b800 \tfrobnicate\tr0, r1", &none), std::runtime_error);
}

TEST(M4Model, BranchesAndRefill) {
  const Insn b = D("100", "d1fe", "bne.n", "f0 <x>");
  const Insn head16 = D("f0", "3301", "adds", "r3, #1");
  const Insn head32w = D("f0", "f103 0301", "add.w", "r3, r3, #1");   // word aligned
  const Insn head32u = D("f2", "f103 0301", "add.w", "r3, r3, #1");   // 2 mod 4
  EXPECT_EQ(CostRun(b).cycles, 1u);                                       // not taken
  EXPECT_EQ(CostRun(b, nullptr, 0, 0, 0xf0, &head16).cycles, 2u);         // 1 + P, P = 1 (immediate)
  EXPECT_EQ(CostRun(b, nullptr, 0, 0, 0xf0, &head32w).cycles, 2u);
  EXPECT_EQ(CostRun(b, nullptr, 0, 0, 0xf2, &head32u).cycles, 3u);        // +1: unaligned 32-bit target
  const Insn bx = D("104", "4770", "bx", "lr");
  EXPECT_EQ(CostRun(bx, nullptr, 0, 0, 0xf0, &head16).cycles, 3u);        // P = 2 (register)
  EXPECT_EQ(CostRun(bx, nullptr, 0, 0, 0xf2, &head32u).cycles, 4u);
  // Loads to PC: 2 + P with P = 3 (TRM 3.3.2: at least five cycles); POP {r4, r5, pc}: 1 + 3 + 3.
  const Insn ldrpc = D("108", "f85d fb04", "ldr.w", "pc, [sp], #4");
  EXPECT_TRUE(ldrpc.writes_pc);
  EXPECT_EQ(CostRun(ldrpc, nullptr, 1, 0, 0xf0, &head16).cycles, 5u);
  const Insn pop = D("10c", "bd30", "pop", "{r4, r5, pc}");
  EXPECT_EQ(CostRun(pop, nullptr, 3, 0, 0xf0, &head16).cycles, 7u);
  // TBB: 3 + P = 6 (TRM 3.3.2), its table read from flash is a W event, so is the fetch.
  const Insn tbb = D("10e", "e8df f003", "tbb", "[pc, r3]");
  const Cost t = CostRun(tbb, nullptr, 1, 1, 0x118, &head16);
  EXPECT_EQ(t.cycles, 6u);
  EXPECT_EQ(t.wait_units, 2u);
  // CBZ taken 2, not taken 1.
  const Insn cbz = D("112", "b113", "cbz", "r3, 11a <y>");
  EXPECT_EQ(CostRun(cbz, nullptr, 0, 0, 0x11a, &head16).cycles, 2u);
  EXPECT_EQ(CostRun(cbz, nullptr, 0).cycles, 1u);
}

TEST(M4Model, LoadStoreTimings) {
  const Insn ldr = D("200", "6803", "ldr", "r3, [r0, #0]");
  const Insn ldr_dep = D("202", "681c", "ldr", "r4, [r3, #0]");
  const Insn ldr_ind = D("204", "680c", "ldr", "r4, [r1, #0]");
  const Insn str_imm = D("206", "6043", "str", "r3, [r0, #4]");
  const Insn str_reg = D("208", "5043", "str", "r3, [r0, r1]");
  const Insn adds = D("20a", "3104", "adds", "r1, #4");
  const Insn cmp = D("20c", "2900", "cmp", "r1, #0");
  EXPECT_EQ(CostRun(ldr).cycles, 2u);                           // R3
  EXPECT_EQ(CostRun(ldr_ind, &ldr).cycles, 1u);                 // R4
  EXPECT_TRUE(CostRun(ldr_ind, &ldr).pipelined);
  EXPECT_EQ(CostRun(ldr_dep, &ldr).cycles, 2u);                 // address from the load: no R4
  EXPECT_EQ(CostRun(ldr_ind, &ldr, 1, 0, -1, nullptr, false).cycles, 2u);  // the first did not load
  EXPECT_EQ(CostRun(str_reg, &ldr).cycles, 1u);                 // R5 + R4
  EXPECT_EQ(CostRun(str_reg, &adds).cycles, 3u);                // R5 2 + R6 (r1 from adds)
  EXPECT_EQ(CostRun(str_imm, &ldr).cycles, 1u);                 // R5: always one
  EXPECT_EQ(CostRun(ldr_ind, &str_imm).cycles, 2u);             // nothing pipelines after a store
  EXPECT_EQ(CostRun(ldr_ind, &adds).cycles, 3u);                // R6
  EXPECT_TRUE(CostRun(ldr_ind, &adds).agu_stall);
  EXPECT_EQ(CostRun(ldr_ind, &cmp).cycles, 2u);                 // CMP writes no register
  EXPECT_EQ(CostRun(ldr_ind, nullptr, 0).cycles, 1u);           // R10: skipped in an IT block
  EXPECT_TRUE(CostRun(ldr_ind, nullptr, 0).skipped);
  const Insn ldrd = D("20e", "e9d0 2300", "ldrd", "r2, r3, [r0]");
  EXPECT_EQ(CostRun(ldrd, &ldr, 2).cycles, 3u);                 // R7: 1 + N, no pipelining
  const Insn ldm = D("212", "c81c", "ldmia", "r0!, {r2, r3, r4}");
  EXPECT_EQ(CostRun(ldm, nullptr, 3).cycles, 4u);
  EXPECT_EQ(CostRun(ldm, nullptr, 3, 3).wait_units, 3u);        // W per word read from flash
}

TEST(M4Model, FloatingPointAndMultiply) {
  EXPECT_EQ(CostRun(D("300", "ee37 7a27", "vadd.f32", "s14, s14, s15")).cycles, 1u);
  EXPECT_EQ(CostRun(D("304", "ee07 7a27", "vmla.f32", "s14, s14, s15")).cycles, 3u);
  EXPECT_EQ(CostRun(D("308", "eec7 7a27", "vdiv.f32", "s15, s14, s15")).cycles, 14u);
  EXPECT_EQ(CostRun(D("30c", "edd3 7a01", "vldr", "s15, [r3, #4]")).cycles, 2u);
  EXPECT_EQ(CostRun(D("310", "ed93 7b00", "vldr", "d7, [r3]")).cycles, 3u);
  EXPECT_EQ(CostRun(D("314", "ecb0 7a04", "vldmia", "r0!, {s14-s17}"), nullptr, 4).cycles, 5u);
  EXPECT_EQ(CostRun(D("318", "fba1 2303", "umull", "r2, r3, r1, r3")).cycles, 1u);
  EXPECT_EQ(CostRun(D("31c", "fbb3 f3f2", "udiv", "r3, r3, r2")).cycles, static_cast<uint32_t>(kDivideCycles));
}

TEST(M4Model, WaitStateEvents) {
  const Insn b = D("400", "e7fe", "b.n", "3f0 <x>");
  const Insn head16 = D("3f0", "3301", "adds", "r3, #1");
  EXPECT_EQ(CostRun(b, nullptr, 0, 0, 0x3f0, &head16).wait_units, 1u);     // fetch after a taken branch into flash
  EXPECT_EQ(CostRun(b, nullptr, 0, 0, 0x20000000, nullptr).wait_units, 0u);  // ... into RAM: none
  EXPECT_EQ(CostRun(D("402", "6803", "ldr", "r3, [r0, #0]"), nullptr, 1, 1).wait_units, 1u);
  EXPECT_EQ(CostRun(D("404", "6803", "ldr", "r3, [r0, #0]"), nullptr, 1, 0).wait_units, 0u);
  // A non-branch followed by a jump is an exception entry, not charged as a branch.
  const Cost c = CostRun(D("406", "3301", "adds", "r3, #1"), nullptr, 0, 0, 0x500, &head16);
  EXPECT_TRUE(c.unexpected_flow);
  EXPECT_EQ(c.cycles, 1u);
}

// WR: ranges parse, are checked, and each access's W is added to the cycles and reported apart.
TEST(M4Model, DataWaitRanges) {
  const WaitRange a = ParseWaitRange("0x20100000:0x100000:2");
  EXPECT_EQ(a.origin, 0x20100000u);
  EXPECT_EQ(a.length, 0x100000u);
  EXPECT_EQ(a.wait, 2u);
  const WaitRange b = ParseWaitRange("538968064:4096:0");  // 0x20200000, decimal
  EXPECT_EQ(b.origin, 0x20200000u);
  EXPECT_EQ(b.length, 4096u);
  EXPECT_EQ(b.wait, 0u);
  for (const char* bad : {"", "0x20100000:0x100", "0x20100000:0x100:1:2", "0x2010000g:1:1", "0x20100000:0:1",
                          "0x20100000:16:1001", "-1:16:1", "0x:16:1"})
    EXPECT_THROW(ParseWaitRange(bad), std::runtime_error) << bad;
  const std::vector<WaitRange> ok = {a, b};
  EXPECT_NO_THROW(CheckWaitRanges(ok));  // adjacent, not overlapping
  EXPECT_THROW(CheckWaitRanges({a, ParseWaitRange("0x201ffffc:8:1")}), std::runtime_error);  // overlap
  EXPECT_THROW(CheckWaitRanges({ParseWaitRange("0x3ffffc:8:1")}), std::runtime_error);       // starts in flash
  EXPECT_THROW(CheckWaitRanges({ParseWaitRange("0xfffffff0:0x20:1")}), std::runtime_error);  // beyond 4 GiB
  EXPECT_EQ(RangeWait(ok, 0x200fffff), 0u);
  EXPECT_EQ(RangeWait(ok, 0x20100000), 2u);
  EXPECT_EQ(RangeWait(ok, 0x201fffff), 2u);
  EXPECT_EQ(RangeWait(ok, 0x20200000), 0u);  // b's W is 0
  EXPECT_EQ(RangeWait(ok, 0x20201000), 0u);
  // An LDM of 3 words in a 2-wait range: 1 + 3 (R7) + 3 * 2.
  Exec e;
  e.accesses = 3;
  e.range_waits = 6;
  const Insn ldm = D("500", "c838", "ldmia", "r0!, {r3, r4, r5}");
  e.next_pc = ldm.pc + ldm.size;
  const Cost c = CostOf(ldm, e);
  EXPECT_EQ(c.cycles, 4u + 6u);
  EXPECT_EQ(c.range_waits, 6u);
  EXPECT_EQ(c.wait_units, 0u);
}

}  // namespace
}  // namespace ts_cycles
