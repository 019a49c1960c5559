// Cortex-M4 cycle model: objdump decoding and the cost rules R1-R10, W and WR of m4_model.h.
#include "m4_model.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace ts_cycles {
namespace {

// How a mnemonic's base (without condition code, flag-setting `s`, or .w/.n/.f32 suffix)
// decodes. dest: how many leading register operands it writes (0, 1 or 2).
struct Base {
  const char* name;
  Kind kind;
  bool can_s;
  int dest;
};

const std::vector<Base>& Bases() {
  static const std::vector<Base> b = [] {
    std::vector<Base> v;
    auto add = [&](std::initializer_list<const char*> names, Kind k, bool s, int dest) {
      for (const char* n : names) v.push_back({n, k, s, dest});
    };
    // R1: data processing, one cycle, writes its first operand.
    add({"adc", "add", "and", "asr", "bic", "eor", "lsl", "lsr", "mov", "mvn", "orn", "orr", "ror", "rrx",
         "rsb", "sbc", "sub", "neg", "mul"},
        Kind::kAlu, true, 1);
    add({"adr", "addw", "subw", "movw", "movt", "mla", "mls", "ssat", "usat", "ssat16", "usat16", "sxtb", "sxth",
         "uxtb", "uxth", "sxtb16", "uxtb16", "sxtab", "sxtah", "uxtab", "uxtah", "sxtab16", "uxtab16", "bfc", "bfi",
         "sbfx", "ubfx", "clz", "rbit", "rev", "rev16", "revsh", "qadd", "qsub", "qdadd", "qdsub", "sadd16",
         "sadd8", "ssub16", "ssub8", "sasx", "ssax", "qadd16", "qadd8", "qsub16", "qsub8", "qasx", "qsax",
         "shadd16", "shadd8", "shsub16", "shsub8", "shasx", "shsax", "uadd16", "uadd8", "usub16", "usub8", "uasx",
         "usax", "uqadd16", "uqadd8", "uqsub16", "uqsub8", "uqasx", "uqsax", "uhadd16", "uhadd8", "uhsub16",
         "uhsub8", "uhasx", "uhsax", "sel", "usad8", "usada8", "pkhbt", "pkhtb", "smlabb", "smlabt", "smlatb",
         "smlatt", "smlawb", "smlawt", "smulbb", "smulbt", "smultb", "smultt", "smulwb", "smulwt", "smlad",
         "smladx", "smlsd", "smlsdx", "smuad", "smuadx", "smusd", "smusdx", "smmla", "smmlar", "smmls", "smmlsr",
         "smmul", "smmulr", "mrs"},
        Kind::kAlu, false, 1);
    add({"smull", "umull", "smlal", "umlal", "umaal", "smlalbb", "smlalbt", "smlaltb", "smlaltt", "smlald",
         "smlaldx", "smlsld", "smlsldx"},
        Kind::kAlu, false, 2);
    add({"cmp", "cmn", "tst", "teq"}, Kind::kNoDest, false, 0);
    add({"nop", "yield", "sev", "wfe", "wfi", "dmb", "dsb", "isb", "cpsie", "cpsid", "msr", "clrex", "pld", "pli"},
        Kind::kNoDest, false, 0);
    add({"svc", "bkpt", "udf"}, Kind::kOther, false, 0);
    add({"sdiv", "udiv"}, Kind::kDivide, false, 1);
    add({"ldr", "ldrb", "ldrh", "ldrsb", "ldrsh", "ldrt", "ldrbt", "ldrht", "ldrsbt", "ldrsht", "ldrex", "ldrexb",
         "ldrexh"},
        Kind::kLoad, false, 1);
    add({"str", "strb", "strh", "strt", "strbt", "strht"}, Kind::kStore, false, 0);
    add({"strex", "strexb", "strexh"}, Kind::kStore, false, 1);
    add({"ldrd"}, Kind::kLoadDouble, false, 2);
    add({"strd"}, Kind::kStoreDouble, false, 0);
    add({"ldm", "ldmia", "ldmdb", "ldmfd", "ldmea", "pop"}, Kind::kLoadMulti, false, 0);
    add({"stm", "stmia", "stmdb", "stmea", "stmfd", "push"}, Kind::kStoreMulti, false, 0);
    add({"b", "bl", "cbz", "cbnz"}, Kind::kBranch, false, 0);
    add({"bx", "blx"}, Kind::kBranchReg, false, 0);
    add({"tbb", "tbh"}, Kind::kTableBranch, false, 0);
    // R9
    add({"vadd", "vsub", "vmul", "vnmul", "vabs", "vneg", "vcmp", "vcmpe", "vcvt", "vcvtr", "vcvtb", "vcvtt",
         "vmov", "vmrs", "vmsr"},
        Kind::kFpOne, false, 0);
    add({"vmla", "vmls", "vnmla", "vnmls", "vfma", "vfms", "vfnma", "vfnms"}, Kind::kFpMac, false, 0);
    add({"vdiv", "vsqrt"}, Kind::kFpDivSqrt, false, 0);
    add({"vldr"}, Kind::kFpLoad, false, 0);
    add({"vstr"}, Kind::kFpStore, false, 0);
    add({"vldm", "vldmia", "vldmdb", "vstm", "vstmia", "vstmdb", "vpush", "vpop"}, Kind::kFpMulti, false, 0);
    return v;
  }();
  return b;
}

bool IsCondition(const std::string& s) {
  static const char* const cc[] = {"eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs",
                                   "vc", "hi", "ls", "ge", "lt", "gt", "le", "al"};
  for (const char* c : cc)
    if (s == c) return true;
  return false;
}

// The longest base whose remainder is a valid suffix: [s][cc].
const Base* MatchBase(const std::string& m) {
  const Base* best = nullptr;
  size_t best_len = 0;
  for (const Base& b : Bases()) {
    const size_t n = std::char_traits<char>::length(b.name);
    if (n <= best_len || m.compare(0, n, b.name) != 0) continue;
    std::string rest = m.substr(n);
    if (b.can_s && !rest.empty() && rest[0] == 's') rest = rest.substr(1);
    if (rest.empty() || IsCondition(rest)) {
      best = &b;
      best_len = n;
    }
  }
  return best;
}

// Core register number of a name (r0..r12, sb, sl, fp, ip, sp, lr, pc), -1 otherwise.
int RegNum(std::string s) {
  while (!s.empty() && (s.back() == '!' || s.back() == ' ')) s.pop_back();
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  static const char* const alias[] = {"sb", "sl", "fp", "ip", "sp", "lr", "pc"};
  for (int i = 0; i < 7; ++i)
    if (s == alias[i]) return 9 + i;
  if (s.size() >= 2 && s.size() <= 3 && s[0] == 'r' && std::isdigit(static_cast<unsigned char>(s[1]))) {
    const int n = std::stoi(s.substr(1));
    if (n >= 0 && n <= 15 && std::to_string(n) == s.substr(1)) return n;
  }
  return -1;
}

std::string Trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

// Operands split at top-level commas (not inside [] or {}).
std::vector<std::string> SplitOperands(const std::string& ops) {
  std::vector<std::string> r;
  int depth = 0;
  std::string cur;
  for (char ch : ops) {
    if (ch == '[' || ch == '{') ++depth;
    if (ch == ']' || ch == '}') --depth;
    if (ch == ',' && depth == 0) {
      r.push_back(Trim(cur));
      cur.clear();
    } else {
      cur += ch;
    }
  }
  if (!Trim(cur).empty()) r.push_back(Trim(cur));
  return r;
}

// Register-list size ("{r4, r5, lr}", "{s16-s19}", "{d8-d9}": d registers count twice, R9)
// and the core registers in it.
int ListRegisters(const std::string& op, uint16_t* core) {
  const size_t a = op.find('{'), b = op.find('}');
  if (a == std::string::npos || b == std::string::npos) return 0;
  int n = 0;
  std::string inner = op.substr(a + 1, b - a - 1);
  for (const std::string& item : SplitOperands(inner)) {
    const size_t dash = item.find('-');
    if (dash != std::string::npos) {
      const std::string lo = Trim(item.substr(0, dash)), hi = Trim(item.substr(dash + 1));
      const int l = std::stoi(lo.substr(1)), h = std::stoi(hi.substr(1));
      const int per = lo[0] == 'd' ? 2 : 1;
      n += (h - l + 1) * per;
      if (lo[0] == 'r')
        for (int k = l; k <= h; ++k) *core |= static_cast<uint16_t>(1u << k);
    } else {
      n += item[0] == 'd' ? 2 : 1;
      const int r = RegNum(item);
      if (r >= 0) *core |= static_cast<uint16_t>(1u << r);
    }
  }
  return n;
}

// Registers inside the first [...] of an operand list: base and register offset, and whether
// an offset register is present.
uint16_t AddressRegisters(const std::vector<std::string>& ops, bool* reg_offset) {
  *reg_offset = false;
  for (const std::string& op : ops) {
    const size_t a = op.find('[');
    if (a == std::string::npos) continue;
    const size_t b = op.find(']', a);
    const std::vector<std::string> parts = SplitOperands(op.substr(a + 1, b - a - 1));
    uint16_t m = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
      const int r = RegNum(parts[i]);
      if (r >= 0) {
        m |= static_cast<uint16_t>(1u << r);
        if (i > 0) *reg_offset = true;
      }
    }
    return m;
  }
  return 0;
}

}  // namespace

bool DecodeObjdumpLine(const std::string& line, Insn* out) {
  // "<spaces><hex addr>:\t<raw halfwords or word> \t<mnemonic>\t<operands>[\t@ comment]"
  const size_t colon = line.find(":\t");
  if (colon == std::string::npos) return false;
  const std::string addr = Trim(line.substr(0, colon));
  if (addr.empty() || addr.find_first_not_of("0123456789abcdef") != std::string::npos) return false;
  std::vector<std::string> fields;
  size_t p = colon + 2;
  while (p <= line.size()) {
    size_t t = line.find('\t', p);
    if (t == std::string::npos) t = line.size();
    fields.push_back(line.substr(p, t - p));
    p = t + 1;
  }
  if (fields.size() < 2) return false;
  const std::string raw = Trim(fields[0]);
  std::string mnem = Trim(fields[1]);
  if (mnem.empty() || mnem[0] == '.' || mnem == "undefined") return false;
  std::string ops = fields.size() >= 3 ? fields[2] : "";
  // Comments: "@ (...)" or "; ..." after the operands.
  for (const char c : {'@', ';'}) {
    const size_t k = ops.find(c);
    if (k != std::string::npos) ops = ops.substr(0, k);
  }
  ops = Trim(ops);
  Insn in;
  in.pc = static_cast<uint32_t>(std::stoul(addr, nullptr, 16));
  // Raw bytes: one 4-hex-digit group per halfword.
  int halfwords = 0;
  {
    size_t i = 0;
    while (i < raw.size()) {
      while (i < raw.size() && raw[i] == ' ') ++i;
      size_t j = i;
      while (j < raw.size() && raw[j] != ' ') ++j;
      if (j > i) halfwords += static_cast<int>((j - i) / 4);
      i = j;
    }
  }
  if (halfwords != 1 && halfwords != 2) return false;  // data, not a Thumb instruction
  in.size = static_cast<uint8_t>(2 * halfwords);
  in.text = mnem + (ops.empty() ? "" : " " + ops);

  // Mnemonic without the .w/.n width or .f32/.s32 data-type suffixes.
  std::string base_m = mnem.substr(0, mnem.find('.'));
  const bool f64 = mnem.find(".f64") != std::string::npos;
  if (base_m.size() >= 2 && base_m.compare(0, 2, "it") == 0 && base_m.size() <= 5 &&
      base_m.find_first_not_of("te", 2) == std::string::npos) {
    in.kind = Kind::kNoDest;  // IT, R1
    *out = in;
    return true;
  }
  const Base* b = MatchBase(base_m);
  if (!b) throw std::runtime_error("cycle model: unknown instruction '" + in.text + "' at 0x" + addr);
  in.kind = b->kind;
  const std::vector<std::string> o = SplitOperands(ops);
  for (int k = 0; k < b->dest && k < static_cast<int>(o.size()); ++k) {
    const int r = RegNum(o[k]);
    if (r >= 0) in.writes |= static_cast<uint16_t>(1u << r);
  }
  bool reg_offset = false;
  switch (in.kind) {
    case Kind::kAlu:
    case Kind::kDivide:
      in.data_processing = true;
      if (in.writes & 0x8000u) {  // MOV/ADD PC: an indirect branch, R8
        in.kind = Kind::kBranchReg;
        in.writes_pc = true;
        in.data_processing = false;
      }
      break;
    case Kind::kFpOne:
      // VMOV Rt, Sn / VMOV Rt, Rt2, Dm / VMRS Rt, FPSCR write core registers (R6 applies).
      for (size_t k = 0; k < o.size() && k < 2; ++k) {
        const int r = RegNum(o[k]);
        if (r >= 0 && r != 15) in.writes |= static_cast<uint16_t>(1u << r);
        else break;
      }
      in.data_processing = in.writes != 0;
      break;
    case Kind::kLoad:
    case Kind::kStore:
    case Kind::kLoadDouble:
    case Kind::kStoreDouble:
    case Kind::kFpLoad:
    case Kind::kFpStore:
      in.addr_regs = AddressRegisters(o, &reg_offset);
      in.store_imm = in.kind == Kind::kStore && !reg_offset;
      if (in.kind == Kind::kLoad && (in.writes & 0x8000u)) in.writes_pc = true;
      // VLDR/VSTR of a double register (objdump writes "vldr d7, [r3]") move 8 bytes (R9).
      if (in.kind == Kind::kFpLoad || in.kind == Kind::kFpStore)
        in.regs = f64 || (!o.empty() && o[0].size() >= 2 && o[0][0] == 'd') ? 2 : 1;
      break;
    case Kind::kLoadMulti:
    case Kind::kStoreMulti:
    case Kind::kFpMulti: {
      const std::string name = base_m;
      const bool stack = name.rfind("push", 0) == 0 || name.rfind("pop", 0) == 0 ||
                         name.rfind("vpush", 0) == 0 || name.rfind("vpop", 0) == 0;
      uint16_t list = 0;
      in.regs = static_cast<uint8_t>(ListRegisters(ops, &list));
      if (stack) in.addr_regs = 1u << 13;
      else if (!o.empty() && RegNum(o[0]) >= 0) in.addr_regs = static_cast<uint16_t>(1u << RegNum(o[0]));
      if (in.kind == Kind::kLoadMulti) {
        in.writes = list;
        in.writes_pc = (list & 0x8000u) != 0;
      }
      break;
    }
    default:
      break;
  }
  *out = in;
  return true;
}

Cost CostOf(const Insn& cur, const Exec& e) {
  Cost c;
  c.taken = e.next_pc != static_cast<uint64_t>(cur.pc) + cur.size;
  // R8's refill for a branch whose target is found at decode (1), in a register (2) or in
  // memory (3), +1 for a 32-bit target that is not word aligned, at most 3.
  auto refill = [&](uint32_t p) {
    if (e.next && e.next->size == 4 && (e.next_pc & 2u)) p = std::min<uint32_t>(p + 1, 3);
    return p;
  };
  const bool memory = cur.kind == Kind::kLoad || cur.kind == Kind::kStore || cur.kind == Kind::kLoadDouble ||
                      cur.kind == Kind::kStoreDouble || cur.kind == Kind::kLoadMulti ||
                      cur.kind == Kind::kStoreMulti || cur.kind == Kind::kFpLoad || cur.kind == Kind::kFpStore ||
                      cur.kind == Kind::kFpMulti || cur.kind == Kind::kTableBranch;
  bool branch = false;
  if (memory && e.accesses == 0 && cur.kind != Kind::kTableBranch) {
    c.cycles = 1;  // R10: condition failed inside an IT block
    c.skipped = true;
  } else {
    switch (cur.kind) {
      case Kind::kAlu:
      case Kind::kNoDest:
      case Kind::kOther:
      case Kind::kFpOne:
        c.cycles = 1;
        break;
      case Kind::kDivide:
        c.cycles = kDivideCycles;
        break;
      case Kind::kFpMac:
        c.cycles = 3;
        break;
      case Kind::kFpDivSqrt:
        c.cycles = 14;
        break;
      case Kind::kFpLoad:
      case Kind::kFpStore:
        c.cycles = cur.regs == 2 ? 3 : 2;
        break;
      case Kind::kFpMulti:
        c.cycles = 1 + cur.regs;
        break;
      case Kind::kLoad:
        if (cur.writes_pc) {
          branch = true;
          c.cycles = 2 + (c.taken ? refill(3) : 0);
        } else {
          c.cycles = 2;
        }
        break;
      case Kind::kStore:
        c.cycles = cur.store_imm ? 1 : 2;
        break;
      case Kind::kLoadDouble:
      case Kind::kStoreDouble:
        c.cycles = 3;
        break;
      case Kind::kLoadMulti:
        branch = cur.writes_pc;
        c.cycles = 1 + cur.regs + (cur.writes_pc && c.taken ? refill(3) : 0);
        break;
      case Kind::kStoreMulti:
        c.cycles = 1 + cur.regs;
        break;
      case Kind::kBranch:
        branch = true;
        c.cycles = 1 + (c.taken ? refill(1) : 0);
        break;
      case Kind::kBranchReg:
        branch = true;
        c.cycles = 1 + (c.taken ? refill(2) : 0);
        break;
      case Kind::kTableBranch:
        branch = true;
        c.cycles = 3 + refill(3);
        break;
    }
    // R4: pipelined after a single load that loaded, unless the address uses its result.
    if ((cur.kind == Kind::kLoad && !cur.writes_pc) || (cur.kind == Kind::kStore && !cur.store_imm)) {
      if (e.prev && e.prev->kind == Kind::kLoad && e.prev_loaded && !e.prev->writes_pc &&
          (e.prev->writes & cur.addr_regs) == 0) {
        c.cycles -= 1;
        c.pipelined = true;
      }
    }
    // R6: address computed from the directly preceding data-processing result.
    if (memory && e.prev && e.prev->data_processing && (e.prev->writes & cur.addr_regs) != 0) {
      c.cycles += 1;
      c.agu_stall = true;
    }
  }
  if (cur.kind == Kind::kBranchReg || cur.kind == Kind::kBranch) branch = true;
  c.unexpected_flow = c.taken && !branch;
  // W: data reads from flash, and the fetch after a change of flow into flash.
  c.wait_units = e.flash_reads + (c.taken && e.next_pc < kFlashEnd ? 1u : 0u);
  // WR: data accesses to ranges with their own wait states.
  c.range_waits = e.range_waits;
  c.cycles += e.range_waits;
  return c;
}

namespace {
uint64_t ParseNumber(const std::string& s, const std::string& whole) {
  const bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  const std::string digits = hex ? s.substr(2) : s;
  if (digits.empty() || digits.size() > 16 ||
      digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") != std::string::npos)
    throw std::runtime_error("cycle model: wait range '" + whole + "': '" + s +
                             "' is not a number (decimal or 0x hexadecimal); the form is ORIGIN:LENGTH:W");
  return std::stoull(digits, nullptr, hex ? 16 : 10);
}
}  // namespace

WaitRange ParseWaitRange(const std::string& text) {
  const size_t a = text.find(':');
  const size_t b = a == std::string::npos ? a : text.find(':', a + 1);
  if (a == std::string::npos || b == std::string::npos || text.find(':', b + 1) != std::string::npos)
    throw std::runtime_error("cycle model: wait range '" + text + "' is not ORIGIN:LENGTH:W");
  WaitRange r;
  r.origin = ParseNumber(text.substr(0, a), text);
  r.length = ParseNumber(text.substr(a + 1, b - a - 1), text);
  const uint64_t w = ParseNumber(text.substr(b + 1), text);
  if (r.length == 0) throw std::runtime_error("cycle model: wait range '" + text + "' has length 0");
  if (w > 1000) throw std::runtime_error("cycle model: wait range '" + text + "': W above 1000");
  r.wait = static_cast<uint32_t>(w);
  return r;
}

void CheckWaitRanges(const std::vector<WaitRange>& ranges) {
  auto show = [](const WaitRange& r) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "0x%llx:0x%llx:%u", static_cast<unsigned long long>(r.origin),
                  static_cast<unsigned long long>(r.length), r.wait);
    return std::string(buf);
  };
  for (size_t i = 0; i < ranges.size(); ++i) {
    const WaitRange& r = ranges[i];
    if (r.origin < kFlashEnd)
      throw std::runtime_error("cycle model: wait range " + show(r) +
                               " starts in flash (below 0x400000), whose reads W already charges");
    if (r.length == 0 || r.origin + r.length > (uint64_t{1} << 32))
      throw std::runtime_error("cycle model: wait range " + show(r) + " is empty or ends beyond 4 GiB");
    for (size_t j = 0; j < i; ++j) {
      const WaitRange& q = ranges[j];
      if (r.origin < q.origin + q.length && q.origin < r.origin + r.length)
        throw std::runtime_error("cycle model: wait ranges " + show(q) + " and " + show(r) + " overlap");
    }
  }
}

uint32_t RangeWait(const std::vector<WaitRange>& ranges, uint64_t addr) {
  for (const WaitRange& r : ranges)
    if (addr >= r.origin && addr - r.origin < r.length) return r.wait;
  return 0;
}

}  // namespace ts_cycles
