// QEMU TCG plugin: costs every instruction a Cortex-M4 firmware executes under
// qemu-system-arm with the cycle model of m4_model.h (MODELLED cycles, see there for the rules
// and their sources in the Cortex-M4 TRM) and writes per-function and per-mark totals.
//
//   qemu-system-arm ... -plugin file=libts_m4_cycles.so,elf=FW.elf,out=REPORT[,mark=SYM]...
//                        [,objdump=arm-none-eabi-objdump][,ram_wait=ORIGIN:LENGTH:W]...
//
// ram_wait (repeatable): an address range whose data accesses each cost W more cycles (rule WR
// of m4_model.h; e.g. ram_wait=0x20100000:0x100000:2).
//
// The ELF is decoded once with objdump (each address gets its instruction, size and class).
// At run time a callback per executed instruction finalizes the previous instruction's cost,
// which needs where control went next (taken branches, R8) and the instruction before it
// (load pipelining R4, address stall R6); a callback per memory access counts its accesses
// and reads from the flash range (R10, W) and the wait ranges' cycles (WR). Every execution of a `mark` symbol's first
// instruction records the running totals (marks default to the harness's clock functions
// ts_fw_counter_start and ts_fw_counter_instructions, which bracket one inference and, with
// tessera codegen --profile, every plan step, and ts_fw_puts, which tells the reads after the
// inference's from those that follow output).
//
// REPORT lines (counts are decimal; cycles at zero flash wait states, the wait ranges' cycles
// included; `units` are W's events, so cycles at W flash wait states = cycles + W * units;
// `range` is the part of cycles the wait ranges added, WR):
//   total <instructions> <cycles> <units> <range>
//   stat <name> <count>            taken, pipelined, agu_stalls, flash_reads, flash_fetches,
//                                  divides, it_skipped, exceptions, duplicates, unknown,
//                                  range_accesses, range_waits
//   range <origin> <length> <W>    each wait range (hexadecimal origin and length)
//   mark <symbol> <instructions> <cycles> <units> <range>   running totals, in execution order
//   func <name> <instructions> <cycles> <units> <range>     functions that ran, by objdump label
// One executed instruction that QEMU reports twice (an I/O instruction retranslated under
// -icount runs its callback again from the same address) is counted once ("duplicates").
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "m4_model.h"
#include "qemu_plugin_api.h"

extern "C" {
// The API version this plugin declares (firmware/CMakeLists.txt picks it from QEMU's version).
__attribute__((visibility("default"))) int qemu_plugin_version = TS_QEMU_PLUGIN_API;
__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t* info,
                                                                int argc, char** argv);
}

namespace {

using namespace ts_cycles;

struct Totals {
  uint64_t insns = 0, cycles = 0, units = 0, range = 0;
};

struct State {
  std::vector<Insn> insns;            // decoded instructions; index 0 is the "unknown" entry
  std::vector<int32_t> index_of;      // (pc / 2) -> index into insns, 0 when not decoded
  std::vector<std::string> func_of;   // per insns index: the objdump label it follows
  std::vector<Totals> per_insn;
  std::map<uint32_t, std::string> marks;  // first instruction address -> symbol
  std::vector<std::pair<std::string, Totals>> mark_log;
  Totals total;
  std::map<std::string, uint64_t> stats;
  std::string out;
  // The execution being costed: the last instruction seen and its context.
  int32_t cur = -1;
  const Insn* prev = nullptr;
  bool prev_loaded = false;
  uint32_t accesses = 0, flash_reads = 0, range_waits = 0;
  std::vector<WaitRange> wait_ranges;  // WR
};
// Never destroyed: QEMU runs the plugin's exit callback after the library's static
// destructors may have run.
State& g = *new State;

uint64_t stat_taken, stat_pipelined, stat_agu, stat_flash_reads, stat_flash_fetches, stat_div, stat_skipped,
    stat_exceptions, stat_dup, stat_unknown, stat_range_accesses, stat_range_waits;

void Finalize(uint64_t next_pc, const Insn* next) {
  const Insn& in = g.insns[g.cur];
  Exec e;
  e.prev = g.prev;
  e.prev_loaded = g.prev_loaded;
  e.accesses = g.accesses;
  e.flash_reads = g.flash_reads;
  e.range_waits = g.range_waits;
  e.next_pc = next_pc;
  e.next = next;
  const Cost c = CostOf(in, e);
  Totals& t = g.per_insn[g.cur];
  t.insns += 1;
  t.cycles += c.cycles;
  t.units += c.wait_units;
  t.range += c.range_waits;
  g.total.insns += 1;
  g.total.cycles += c.cycles;
  g.total.units += c.wait_units;
  g.total.range += c.range_waits;
  stat_range_waits += c.range_waits;
  stat_taken += c.taken;
  stat_pipelined += c.pipelined;
  stat_agu += c.agu_stall;
  stat_flash_reads += g.flash_reads;
  stat_flash_fetches += c.taken && next_pc < kFlashEnd;
  stat_div += in.kind == Kind::kDivide;
  stat_exceptions += c.unexpected_flow;
  stat_skipped += c.skipped;
  g.prev = &in;
  g.prev_loaded = in.kind == Kind::kLoad && g.accesses > 0;
}

void OnExec(unsigned int, void* ud) {
  const int32_t idx = static_cast<int32_t>(reinterpret_cast<uintptr_t>(ud));
  const Insn& in = g.insns[idx];
  if (g.cur >= 0) {
    if (idx == g.cur && idx != 0 && in.kind != Kind::kBranch && in.kind != Kind::kBranchReg && !in.writes_pc) {
      ++stat_dup;  // the same non-branch instruction again: QEMU re-ran it (see above)
      return;
    }
    Finalize(idx == 0 ? ~0ull : in.pc, idx == 0 ? nullptr : &in);
  }
  if (idx == 0) ++stat_unknown;
  g.cur = idx;
  g.accesses = 0;
  g.flash_reads = 0;
  g.range_waits = 0;
  if (!g.marks.empty()) {
    auto it = g.marks.find(in.pc);
    if (idx != 0 && it != g.marks.end()) g.mark_log.push_back({it->second, g.total});
  }
}

void OnMem(unsigned int, qemu_plugin_meminfo_t info, uint64_t vaddr, void*) {
  ++g.accesses;
  // Bus transfers: one per word (an access wider than a word, should QEMU make one of an
  // LDRD, counts a transfer per word).
  const unsigned shift = qemu_plugin_mem_size_shift(info);
  const uint32_t transfers = shift > 2 ? 1u << (shift - 2) : 1u;
  if (!qemu_plugin_mem_is_store(info) && vaddr < kFlashEnd) g.flash_reads += transfers;
  if (!g.wait_ranges.empty()) {
    const uint32_t w = RangeWait(g.wait_ranges, vaddr);
    if (w) {
      g.range_waits += w * transfers;
      stat_range_accesses += transfers;
    }
  }
}

void OnTranslate(qemu_plugin_id_t, struct qemu_plugin_tb* tb) {
  const size_t n = qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < n; ++i) {
    struct qemu_plugin_insn* insn = qemu_plugin_tb_get_insn(tb, i);
    const uint64_t pc = qemu_plugin_insn_vaddr(insn);
    int32_t idx = 0;
    if (pc / 2 < g.index_of.size()) idx = g.index_of[pc / 2];
    void* ud = reinterpret_cast<void*>(static_cast<uintptr_t>(idx));
    qemu_plugin_register_vcpu_insn_exec_cb(insn, OnExec, QEMU_PLUGIN_CB_NO_REGS, ud);
    qemu_plugin_register_vcpu_mem_cb(insn, OnMem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, ud);
  }
}

void Write(const char* path) {
  std::FILE* f = std::fopen(path, "w");
  if (!f) {
    std::fprintf(stderr, "ts_m4_cycles: cannot write %s\n", path);
    return;
  }
  std::fprintf(f, "# ts_m4_cycles: MODELLED Cortex-M4 cycles (firmware/cycles/m4_model.h), not measured\n");
  std::fprintf(f, "total %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", g.total.insns, g.total.cycles,
               g.total.units, g.total.range);
  const std::pair<const char*, uint64_t> stats[] = {
      {"taken", stat_taken},         {"pipelined", stat_pipelined}, {"agu_stalls", stat_agu},
      {"flash_reads", stat_flash_reads}, {"flash_fetches", stat_flash_fetches}, {"divides", stat_div},
      {"it_skipped", stat_skipped}, {"exceptions", stat_exceptions}, {"duplicates", stat_dup},
      {"unknown", stat_unknown}, {"range_accesses", stat_range_accesses}, {"range_waits", stat_range_waits}};
  for (const auto& [name, v] : stats) std::fprintf(f, "stat %s %" PRIu64 "\n", name, v);
  for (const WaitRange& r : g.wait_ranges)
    std::fprintf(f, "range 0x%" PRIx64 " 0x%" PRIx64 " %u\n", r.origin, r.length, r.wait);
  for (const auto& [name, t] : g.mark_log)
    std::fprintf(f, "mark %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", name.c_str(), t.insns, t.cycles,
                 t.units, t.range);
  std::map<std::string, Totals> funcs;
  for (size_t i = 0; i < g.insns.size(); ++i) {
    const Totals& t = g.per_insn[i];
    if (!t.insns) continue;
    Totals& ft = funcs[g.func_of[i]];
    ft.insns += t.insns;
    ft.cycles += t.cycles;
    ft.units += t.units;
    ft.range += t.range;
  }
  for (const auto& [name, t] : funcs)
    std::fprintf(f, "func %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", name.c_str(), t.insns, t.cycles,
                 t.units, t.range);
  std::fclose(f);
}

void OnExit(qemu_plugin_id_t, void*) {
  if (g.cur >= 0) {
    const Insn& in = g.insns[g.cur];
    Finalize(static_cast<uint64_t>(in.pc) + in.size, nullptr);  // the last one: no change of flow
    g.cur = -1;
  }
  Write(g.out.c_str());
}

std::string Quote(const std::string& s) {
  std::string r = "'";
  for (char ch : s) r += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return r + "'";
}

// Decodes the ELF's executable sections with objdump.
void Decode(const std::string& objdump, const std::string& elf) {
  const std::string cmd = Quote(objdump) + " -d " + Quote(elf);
  std::FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + cmd);
  g.insns.assign(1, Insn{});
  g.insns[0].text = "(not in the ELF)";
  g.func_of.assign(1, "(no symbol)");
  std::string func = "(no symbol)";
  char buf[4096];
  std::string line;
  while (std::fgets(buf, sizeof buf, p)) {
    line = buf;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    // Labels: "000000c0 <ts_fw_hardfault_handler>:"
    const size_t lt = line.find(" <");
    if (lt != std::string::npos && line.size() > 2 && line.compare(line.size() - 2, 2, ">:") == 0 &&
        line.find('\t') == std::string::npos) {
      func = line.substr(lt + 2, line.size() - lt - 4);
      continue;
    }
    Insn in;
    if (!DecodeObjdumpLine(line, &in)) continue;
    if (in.pc / 2 >= g.index_of.size()) g.index_of.resize(in.pc / 2 + 1024, 0);
    g.index_of[in.pc / 2] = static_cast<int32_t>(g.insns.size());
    g.insns.push_back(in);
    g.func_of.push_back(func);
  }
  const int rc = pclose(p);
  if (rc != 0 || g.insns.size() == 1) throw std::runtime_error(cmd + " failed or found no instructions");
  g.per_insn.assign(g.insns.size(), Totals{});
}

}  // namespace

int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t*, int argc, char** argv) {
  std::string elf, objdump = "arm-none-eabi-objdump";
  std::vector<std::string> mark_syms;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    const size_t eq = a.find('=');
    const std::string k = a.substr(0, eq), v = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (k == "elf") elf = v;
    else if (k == "out") g.out = v;
    else if (k == "objdump") objdump = v;
    else if (k == "mark") mark_syms.push_back(v);
    else if (k == "ram_wait") {
      try {
        g.wait_ranges.push_back(ParseWaitRange(v));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "ts_m4_cycles: %s\n", e.what());
        return 1;
      }
    } else {
      std::fprintf(stderr, "ts_m4_cycles: unknown argument '%s' (elf=, out=, mark=, objdump=, ram_wait=)\n",
                   a.c_str());
      return 1;
    }
  }
  try {
    CheckWaitRanges(g.wait_ranges);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ts_m4_cycles: %s\n", e.what());
    return 1;
  }
  if (elf.empty() || g.out.empty()) {
    std::fprintf(stderr, "ts_m4_cycles: elf=FIRMWARE.elf and out=REPORT are required\n");
    return 1;
  }
  if (mark_syms.empty()) mark_syms = {"ts_fw_counter_start", "ts_fw_counter_instructions", "ts_fw_puts"};
  try {
    Decode(objdump, elf);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ts_m4_cycles: %s\n", e.what());
    return 1;
  }
  // A mark is the first decoded instruction of the function labelled with its symbol.
  for (size_t i = 1; i < g.insns.size(); ++i)
    for (const std::string& s : mark_syms)
      if (g.func_of[i] == s && (i == 1 || g.func_of[i - 1] != s))
        g.marks[g.insns[i].pc] = s;
  qemu_plugin_register_vcpu_tb_trans_cb(id, OnTranslate);
  qemu_plugin_register_atexit_cb(id, OnExit, nullptr);
  return 0;
}
