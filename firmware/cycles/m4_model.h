// A Cortex-M4 cycle model for instruction traces: what each instruction of a firmware ELF is
// (decoded from `arm-none-eabi-objdump -d`) and what one execution of it costs given the
// instruction that ran before it, where control went next and which memory it touched.
// MODELLED cycles, not measured: no Cortex-M4 runs here; the figures follow the rules below.
//
// Source of every rule: ARM Cortex-M4 Processor Technical Reference Manual (ARM DDI 0439B,
// r0p1), cited as "TRM <section>".
//
//  R1  TRM 3.3.1, Table 3-1: data processing (MOV, ADD, SUB, logical, shifts, compares, CLZ,
//      bit-field, extend, reverse, saturate), MUL, MLA, MLS, SMULL, UMULL, SMLAL, UMLAL and
//      the DSP extension's instructions (SMLAD, SMUAD, SXTB16, SADD16, SEL, PKHBT, QADD...;
//      the DSP instruction table of TRM 3.3.1) take 1 cycle. IT takes 1 (the TRM lets IT fold onto a preceding
//      16-bit instruction for 0 cycles: not modelled, so IT is an upper bound of 1).
//  R2  TRM Table 3-1: SDIV/UDIV take 2..12 cycles (early termination on the operands'
//      leading zeros/ones). The trace has no register values, so this model charges the
//      upper bound, 12 (kDivideCycles); the report counts divisions so the lower bound
//      (2 each) can be derived.
//  R3  TRM Table 3-1: single loads LDR/LDRB/LDRH/LDRSB/LDRSH/LDRT/LDREX take 2 cycles.
//  R4  TRM 3.3.2 "Load/store timings": a single load or store that directly follows a single
//      load (which really loaded) costs one cycle less when its address registers do not
//      include the first load's destination ("LDR [any] are pipelined when possible";
//      chains: LDR;LDR;LDR = 4 cycles). Nothing pipelines after a store, LDRD/STRD or
//      LDM/STM. A load's base write-back (LDR r0,[r1],#4) does not block pipelining: only
//      the loaded register is its "destination" here.
//  R5  TRM 3.3.2: "STR Rx,[Ry,#imm] is always one cycle" (immediate offset, including pre-
//      and post-indexed forms); a store with a register offset takes 2 (Table 3-1), 1 when
//      pipelined after a load (R4).
//  R6  TRM 3.3.2: "Any load or store that generates an address dependent on the result of
//      a preceding data processing operation stalls the pipeline for an additional cycle":
//      +1 when the directly preceding instruction is a data-processing instruction (R1/R2
//      class, VMOV to a core register) that writes one of the address registers.
//  R7  TRM Table 3-1 and 3.3.2: LDRD/STRD take 1+N = 3 cycles (the two words pipelined
//      together), LDM/STM/PUSH/POP 1+N for N registers, 1+N+P when PC is loaded.
//  R8  TRM Table 3-1: branches B, BL, BX, BLX, CBZ/CBNZ take 1 when not taken, 1+P when
//      taken; MOV/ADD to PC 1+P; LDR to PC 2+P (3.3.2: "at least five cycles"). TBB/TBH:
//      Table 3-1 says 2+P, 3.3.2 "two cycles for the load, one cycle for the add, and three
//      cycles for the pipeline reload ... at least six cycles": this model takes 3.3.2's
//      3+P (6 with P = 3). P, the pipeline refill, is
//      1..3 "depending on the alignment and width of the target instruction, and whether the
//      processor manages to speculate the address early". This model: P = 1 for branches
//      with an immediate target (B, B<cc>, BL, CBZ/CBNZ: the target is known at decode and
//      fetched speculatively), P = 2 for register targets (BX, BLX Rm, MOV/ADD PC), P = 3 for
//      targets loaded from memory (LDR PC, POP/LDM with PC, TBB/TBH; TRM 3.3.2 gives these
//      "three cycles for the pipeline reload"); +1 (at most 3) when the target is a 32-bit
//      instruction at an address that is not word aligned (it needs two fetches).
//  R9  TRM 7.2.3 (FPU instruction set, single precision): VADD/VSUB/VMUL/VNMUL/VABS/VNEG/
//      VCMP/VCVT/VMOV/VMRS/VMSR 1; VMLA/VMLS/VNMLA/VNMLS/VFMA/VFMS/VFNMA/VFNMS 3; VDIV and
//      VSQRT 14; VLDR/VSTR 2 (F64: 3); VLDM/VSTM/VPUSH/VPOP 1+N (single registers).
//  R10 Instructions inside an IT block whose condition fails: a load or store that made no
//      memory access is charged 1 cycle (it executed as a no-op); others cost as above
//      (1 for data processing; a branch that is not taken 1).
//  W   Flash wait states (not in the TRM: a property of the memory system; the model's
//      parameter): code and .rodata live at 0x00000000 (firmware/link.ld, "flash"), RAM at
//      0x20000000. W cycles are added (a) for each data read whose address is in flash (per
//      bus transfer: LDM/LDRD count one per word) and (b) for each instruction fetch after a
//      change of flow (taken branch, load to PC) to a target in flash. Sequential fetches are
//      assumed hidden by a prefetch buffer. The model accumulates the number of such events
//      ("wait units"), so cycles at W = cycles at 0 + W * wait units.
//  WR  Data wait states per address range (not in the TRM either: a property of the memory
//      system, a parameter of the model like W). A list of ranges ORIGIN:LENGTH:W_r (plugin
//      argument ram_wait=, firmware/profile.sh --ram-wait), outside flash and not overlapping:
//      every data access (read or write, per bus transfer: LDM/STM/PUSH/POP and LDRD/STRD one
//      per word, as QEMU reports them) whose address lies in range r adds W_r cycles. Addresses
//      in no range cost as the rules above (0 wait states). Instruction fetches are not
//      affected (code is in flash, W). Stores are charged like loads (no write buffer is
//      modelled: an upper bound where a real write buffer would hide them). These cycles are
//      part of `cycles` (unlike W's, they are not a multiple of one parameter) and counted
//      apart as range_waits. What such ranges stand for on real parts: tightly coupled RAM
//      that answers in the core's cycle (the zero-wait fast region) beside banks behind a bus
//      matrix; the i.MX RT FlexRAM's TCM_CTRL register, for instance, selects between TCM
//      reads "expected to be finished in 1-cycle" and a "read wait mode" of 2 cycles
//      (TCM_RWAIT_EN; the field's description in the imxrt-ral register crate, docs at
//      rtic.rs/2/api/imxrt_ral/flexram/TCM_CTRL), one wait state. Which W_r a given part's SRAM banks have is left to the
//      user: the figures of bench/ that use WR state the W_r they assume.
//
// Not modelled (stated so that figures are read as what they are): IT folding (R1), the
// operand-dependent division time (R2), unaligned accesses (TRM 3.3.2: +1/+2), "LDR Rx,[PC,
// #imm] might add a cycle" (contention with the fetch unit), write-buffer stalls, bus
// contention between fetches and data, exception entry/return latency (counted, not charged),
// caches or a flash accelerator beyond the W rule.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ts_cycles {

// SDIV/UDIV: the upper bound of TRM Table 3-1's 2..12 (R2).
constexpr int kDivideCycles = 12;
// The flash region (firmware/link.ld FLASH: ORIGIN 0, LENGTH 4M).
constexpr uint64_t kFlashEnd = 0x00400000;

// WR: one address range with its own data wait states.
struct WaitRange {
  uint64_t origin = 0;
  uint64_t length = 0;
  uint32_t wait = 0;
};
// Parses "ORIGIN:LENGTH:W" (each decimal or 0x-prefixed hexadecimal; LENGTH > 0, W <= 1000).
// Throws std::runtime_error naming the text when malformed.
WaitRange ParseWaitRange(const std::string& text);
// Throws std::runtime_error when a range reaches into flash (below kFlashEnd), beyond 4 GiB,
// or overlaps another.
void CheckWaitRanges(const std::vector<WaitRange>& ranges);
// W_r of the range holding `addr`, 0 when none does.
uint32_t RangeWait(const std::vector<WaitRange>& ranges, uint64_t addr);

enum class Kind : uint8_t {
  kAlu,          // 1 cycle, data processing (writes `writes`), R1
  kNoDest,       // 1 cycle, no core register written: compares, IT, NOP, barriers, hints
  kDivide,       // R2
  kLoad,         // single load, R3/R4/R6
  kStore,        // single store, R5/R4/R6
  kLoadDouble,   // LDRD, R7
  kStoreDouble,  // STRD, R7
  kLoadMulti,    // LDM/POP, R7 (branch when it loads PC)
  kStoreMulti,   // STM/PUSH, R7
  kBranch,       // B/BL/B<cc>/CBZ/CBNZ (immediate target), R8
  kBranchReg,    // BX/BLX Rm, MOV/ADD PC, R8
  kTableBranch,  // TBB/TBH, R8
  kFpOne,        // R9: 1 cycle
  kFpMac,        // R9: 3
  kFpDivSqrt,    // R9: 14
  kFpLoad,       // VLDR, R9
  kFpStore,      // VSTR, R9
  kFpMulti,      // VLDM/VSTM/VPUSH/VPOP, R9
  kOther,        // SVC, BKPT, WFI...: 1 cycle
};

struct Insn {
  uint32_t pc = 0;
  uint8_t size = 0;  // 2 or 4 bytes
  Kind kind = Kind::kOther;
  bool writes_pc = false;    // a load or data-processing instruction with PC as destination
  bool store_imm = false;    // kStore with an immediate (or no) offset: R5's one-cycle form
  bool data_processing = false;  // may cause R6's stall in the next load/store
  uint8_t regs = 0;          // N of LDM/STM/PUSH/POP/VLDM...; 8 bytes of VLDR/VSTR (F64) -> 2
  uint16_t writes = 0;       // core registers written (bit i = r_i), for R4 and R6
  uint16_t addr_regs = 0;    // core registers used to form a load/store address
  std::string text;          // mnemonic and operands, for messages
};

// Decodes one line of `arm-none-eabi-objdump -d` output ("   a4:\tf8d1 3004 \tldr.w\tr3, [r1, #4]").
// Returns false for lines that are not instructions (labels, .word data, blank lines).
// Throws std::runtime_error for an instruction mnemonic the model does not know.
bool DecodeObjdumpLine(const std::string& line, Insn* out);

// One execution of `cur`, costed once the next program counter is known.
struct Exec {
  const Insn* prev = nullptr;   // the instruction that executed just before (nullptr: none)
  bool prev_loaded = false;     // prev was a single load that made its memory access
  uint32_t accesses = 0;        // memory accesses cur made (0: condition failed, R10)
  uint32_t flash_reads = 0;     // of which reads from flash
  uint32_t range_waits = 0;     // WR: the sum of W_r over its accesses in wait ranges
  uint64_t next_pc = 0;         // where execution went next
  const Insn* next = nullptr;   // the instruction at next_pc when known (for R8's alignment term)
};

struct Cost {
  uint32_t cycles = 0;      // at zero flash wait states; includes range_waits (WR)
  uint32_t wait_units = 0;  // multiply by W
  uint32_t range_waits = 0; // cycles of them from WR's address ranges
  bool taken = false;       // control went elsewhere than pc + size
  bool pipelined = false;   // R4 applied
  bool agu_stall = false;   // R6 applied
  bool skipped = false;     // R10 applied: a load/store that made no access
  bool unexpected_flow = false;  // taken without being a branch: an exception entry or return
};

Cost CostOf(const Insn& cur, const Exec& e);

}  // namespace ts_cycles
