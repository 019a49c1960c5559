#include "codegen/device.h"

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "codegen/codegen.h"
#include "codegen/data_dir.h"
#include "ir/graph.h"

namespace tessera {

const char* BoardName(Board b) { return b == Board::kAn386 ? "an386" : "an500"; }
const char* BoardCpu(Board b) { return b == Board::kAn386 ? "Cortex-M4F" : "Cortex-M7"; }

std::string ShellQuote(const std::string& s) {
  std::string r = "'";
  for (char c : s) {
    if (c == '\'') r += "'\\''";
    else r += c;
  }
  return r + "'";
}

ShellResult RunShell(const std::string& command) {
  ShellResult r;
  std::string cmd = "(" + command + ") 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw Error("cannot run: " + command);
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int status = pclose(p);
  if (status == -1) r.exit_code = -1;
  else if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) r.exit_code = 128 + WTERMSIG(status);
  return r;
}

bool HaveFirmwareTools() {
  return RunShell("command -v arm-none-eabi-gcc && command -v arm-none-eabi-size && "
                  "command -v qemu-system-arm")
             .exit_code == 0;
}

std::vector<std::string> MissingFirmwareTools() {
  std::vector<std::string> missing;
  const bool gcc = RunShell("command -v arm-none-eabi-gcc").exit_code == 0;
  if (!gcc) missing.push_back("arm-none-eabi-gcc (Debian package gcc-arm-none-eabi)");
  if (RunShell("command -v arm-none-eabi-size").exit_code != 0)
    missing.push_back("arm-none-eabi-size (Debian package binutils-arm-none-eabi)");
  // Without newlib the compiler cannot find nano.specs and prints the bare name.
  if (gcc && RunShell("test -f \"$(arm-none-eabi-gcc -print-file-name=nano.specs)\"").exit_code != 0)
    missing.push_back("newlib for arm-none-eabi (Debian package libnewlib-arm-none-eabi)");
  if (RunShell("command -v qemu-system-arm").exit_code != 0)
    missing.push_back("qemu-system-arm (Debian package qemu-system-arm)");
  return missing;
}

static std::map<std::string, std::string> KeyValues(const std::string& text) {
  std::map<std::string, std::string> kv;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t eq = line.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    std::string key = line.substr(0, eq);
    if (key.find_first_of(" \t:/") != std::string::npos) continue;
    kv[key] = line.substr(eq + 1);
  }
  return kv;
}

FirmwareBuildResult BuildFirmware(const FirmwareBuild& b, const std::string& elf_path) {
  std::string cmd = "sh " + ShellQuote(FirmwareDir() + "/build.sh") + " --board " +
                    BoardName(b.board) + " -o " + ShellQuote(elf_path) + " --stack " +
                    std::to_string(b.stack_bytes) + " --opt " + ShellQuote(b.opt);
  cmd += " --ram ";
  cmd += b.ram_bytes < 0 ? std::string("auto") : std::to_string(b.ram_bytes);
  for (auto& r : b.regions) { cmd += " --region "; cmd += ShellQuote(r); }
  for (auto& d : b.include_dirs) { cmd += " -I "; cmd += ShellQuote(d); }
  for (auto& d : b.defines) { cmd += " -D "; cmd += ShellQuote(d); }
  for (auto& s : b.sources) { cmd += " "; cmd += ShellQuote(s); }
  ShellResult sr = RunShell(cmd);
  FirmwareBuildResult r;
  r.ok = sr.exit_code == 0;
  r.log = sr.output;
  auto kv = KeyValues(sr.output);
  if (kv.count("ram_needed")) {
    // "ram_needed=N ram_budget=M" on one line
    std::istringstream in(kv["ram_needed"]);
    in >> r.ram_needed;
    std::string rest;
    in >> rest;
    if (rest.rfind("ram_budget=", 0) == 0) r.ram_budget = std::stoll(rest.substr(11));
  }
  return r;
}

std::vector<std::string> DeviceRegionBanks(const Plan& plan, int64_t shrink) {
  std::vector<std::string> banks;
  for (size_t r = 0; r < plan.regions.size(); ++r) {
    const int64_t used = std::max<int64_t>(1, RegionArenaBytes(plan, static_cast<int>(r)));
    if (used > (int64_t{1} << 20))
      throw Error("device: memory region '" + plan.regions[r].name + "' uses more than 1 MiB (the emulated banks)");
    char origin[32];
    std::snprintf(origin, sizeof origin, "0x%08x", 0x20100000u + static_cast<unsigned>(r) * 0x100000u);
    banks.push_back(plan.regions[r].name + ":" + origin + ":" + std::to_string(used - shrink));
  }
  return banks;
}

std::vector<std::string> CycleWaitRanges(const Plan& plan, int slow_wait) {
  if (slow_wait < 0) throw Error("device: wait states must not be negative, not " + std::to_string(slow_wait));
  std::vector<std::string> ranges;
  for (size_t r = 0; r < plan.regions.size(); ++r) {
    if (plan.regions[r].fast || slow_wait == 0) continue;
    char text[64];
    std::snprintf(text, sizeof text, "0x%08x:0x100000:%d", 0x20100000u + static_cast<unsigned>(r) * 0x100000u,
                  slow_wait);
    ranges.push_back(text);
  }
  return ranges;
}

FirmwareRun RunFirmware(Board board, const std::string& elf_path, int timeout_seconds) {
  ShellResult sr = RunShell("sh " + ShellQuote(FirmwareDir() + "/run.sh") + " " +
                            BoardName(board) + " " + ShellQuote(elf_path) + " " +
                            std::to_string(timeout_seconds));
  FirmwareRun r;
  r.exit_code = sr.exit_code;
  r.output = sr.output;
  r.values = KeyValues(sr.output);
  return r;
}

ElfSizes MeasureElf(const std::string& elf_path) {
  ShellResult sr = RunShell("arm-none-eabi-size -A " + ShellQuote(elf_path));
  if (sr.exit_code != 0) throw Error("arm-none-eabi-size failed on " + elf_path + ": " + sr.output);
  ElfSizes s;
  std::istringstream in(sr.output);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string name;
    int64_t size = 0;
    if (!(ls >> name >> size)) continue;
    if (name == ".text" || name == ".ARM.exidx") s.text += size;
    else if (name == ".rodata") s.rodata += size;
    else if (name == ".data") s.data += size;
    else if (name == ".bss") s.bss += size;
    else if (name == ".arena" || name.rfind(".tessera_region_", 0) == 0) s.arena += size;  // (memory regions too)
    else if (name == ".stack") s.stack += size;
  }
  return s;
}

std::string CyclePluginPath() {
  if (const char* e = std::getenv("TESSERA_CYCLES_PLUGIN"); e && *e) return e;
  return TESSERA_M4_CYCLES_PLUGIN;
}

CycleModelRun RunCycleModel(const std::string& elf_path, int timeout_seconds,
                            const std::vector<std::string>& ram_waits) {
  CycleModelRun r;
  const std::string raw = elf_path + ".cycles";
  std::filesystem::remove(raw);
  std::string ranges;
  for (const std::string& w : ram_waits) ranges += (ranges.empty() ? "" : ",") + w;
  ShellResult sr = RunShell("sh " + ShellQuote(FirmwareDir() + "/profile.sh") + " --cycles --timeout " +
                            std::to_string(timeout_seconds) + " --plugin " + ShellQuote(CyclePluginPath()) +
                            (ranges.empty() ? "" : " --ram-wait " + ShellQuote(ranges)) + " --raw " +
                            ShellQuote(raw) + " " + ShellQuote(elf_path));
  r.run.exit_code = sr.exit_code;
  r.run.output = sr.output;
  r.run.values = KeyValues(sr.output);
  std::ifstream in(raw);
  if (!in) {
    r.error = "no cycle-model report (" + raw + "): " + sr.output;
    return r;
  }
  std::string line;
  std::vector<std::pair<std::string, CycleCounts>> marks;
  auto counts = [](std::istringstream& ls) {
    CycleCounts c;
    ls >> c.instructions >> c.cycles >> c.wait_units;
    if (!(ls >> c.range_waits)) c.range_waits = 0;
    return c;
  };
  auto diff = [](const CycleCounts& a, const CycleCounts& b) {
    return CycleCounts{b.instructions - a.instructions, b.cycles - a.cycles, b.wait_units - a.wait_units,
                       b.range_waits - a.range_waits};
  };
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string kind, name;
    ls >> kind;
    if (kind == "total") r.total = counts(ls);
    else if (kind == "stat" && (ls >> name)) ls >> r.stats[name];
    else if (kind == "mark" && (ls >> name)) marks.push_back({name, counts(ls)});
    else if (kind == "func" && (ls >> name)) r.functions[name] = counts(ls);
  }
  std::filesystem::remove(raw);
  for (size_t i = 0; i < marks.size(); ++i) {
    if (marks[i].first != "ts_fw_counter_start") continue;
    for (size_t j = i + 1; j < marks.size(); ++j)
      if (marks[j].first == "ts_fw_counter_instructions") {
        r.spans.push_back(diff(marks[i].second, marks[j].second));
        break;
      }
  }
  // The inference: the last ts_fw_counter_start before the program first prints (ts_fw_puts;
  // with several invokes in a row, WriteDeviceMain restarts the counter for each: the last
  // invoke) to the last clock read before that print (later reads, e.g. a profile report
  // timing its clock, are not part of it).
  int first = -1, last = -1;
  std::vector<int> reads;
  for (size_t i = 0; i < marks.size(); ++i) {
    if (marks[i].first == "ts_fw_counter_start") {
      first = static_cast<int>(i);
      last = -1;
      reads.clear();
    }
    if (first < 0) continue;
    if (marks[i].first == "ts_fw_puts") break;
    if (marks[i].first == "ts_fw_counter_instructions") {
      last = static_cast<int>(i);
      reads.push_back(last);
    }
  }
  if (first >= 0 && last >= 0) r.inference = diff(marks[first].second, marks[last].second);
  for (size_t k = 0; k + 1 < reads.size(); ++k) r.intervals.push_back(diff(marks[reads[k]].second, marks[reads[k + 1]].second));
  r.ok = r.total.instructions > 0;
  if (!r.ok) r.error = "empty cycle-model report: " + sr.output;
  return r;
}

void WriteDeviceMain(const std::string& path, const std::vector<std::vector<uint8_t>>& inputs,
                     const std::string& prefix, bool profile, int invokes, bool init) {
  if (invokes < 1) throw Error("device main: invokes must be at least 1, not " + std::to_string(invokes));
  std::ostringstream o;
  o << "/* Emulated-device driver generated by tessera: fixed inputs, one invoke. */\n"
    << "#include <stdint.h>\n#include <string.h>\n\n#include \"harness.h\"\n#include \""
    << prefix << ".h\"\n\n";
  for (size_t i = 0; i < inputs.size(); ++i) {
    o << "static const uint8_t fixed_input" << i << "[" << std::max<size_t>(inputs[i].size(), 1)
      << "] = {";
    for (size_t k = 0; k < inputs[i].size(); ++k) {
      if (k % 24 == 0) o << "\n ";
      o << " " << static_cast<int>(inputs[i][k]) << ",";
    }
    o << "\n};\n";
  }
  o << "\nint main(void) {\n  int status = 0;\n  uint64_t n = 0;\n  int k;\n"
    << (init ? "  " + prefix + "_init();\n" : std::string())
    << "  for (k = 0; k < " << invokes << " && status == 0; ++k) {\n";
  for (size_t i = 0; i < inputs.size(); ++i)
    o << "    memcpy(" << prefix << "_input(" << i << "), fixed_input" << i << ", " << inputs[i].size()
      << ");\n";
  o << "    ts_fw_counter_start();\n"
    << "    status = " << prefix << "_invoke();\n"
    << "    n = ts_fw_counter_instructions();\n  }\n"
    << "  ts_fw_puts(\"invoke=\");\n  ts_fw_put_u64((uint64_t)status);\n"
    << "  ts_fw_puts(\"\\ninstructions=\");\n  ts_fw_put_u64(n);\n  ts_fw_puts(\"\\n\");\n";
  std::string up;
  for (char ch : prefix) up += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  o << "  {\n    int i;\n    for (i = 0; i < " << up << "_NUM_OUTPUTS; ++i) {\n"
    << "      ts_fw_puts(\"output\");\n      ts_fw_put_u64((uint64_t)i);\n"
    << "      ts_fw_puts(\"=\");\n"
    << "      ts_fw_put_hex(" << prefix << "_output(i), " << prefix << "_output_bytes(i));\n"
    << "      ts_fw_puts(\"\\n\");\n    }\n  }\n"
    << "  ts_fw_puts(\"stack_used=\");\n  ts_fw_put_u64(ts_fw_stack_used());\n"
    << "  ts_fw_puts(\"\\n\");\n";
  if (profile) o << "  " << prefix << "_profile_report(ts_fw_puts);\n";
  o << "  return status == 0 ? 0 : 1;\n}\n";
  std::ofstream f(path);
  if (!f) throw Error("cannot write " + path);
  f << o.str();
  if (!f) throw Error("cannot write " + path);
}

static std::vector<uint8_t> FromHex(const std::string& hex) {
  std::vector<uint8_t> r;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    int a = nib(hex[i]), b = nib(hex[i + 1]);
    if (a < 0 || b < 0) break;
    r.push_back(static_cast<uint8_t>(a * 16 + b));
  }
  return r;
}

DeviceResult RunOnDevice(const Graph& g, const Plan& plan,
                         const std::vector<std::vector<uint8_t>>& inputs,
                         const std::string& work_dir, const DeviceOptions& options) {
  namespace fs = std::filesystem;
  DeviceResult r;
  fs::create_directories(work_dir);
  const std::string gen = work_dir + "/generated";
  CodegenOptions co;
  co.profile = options.profile;
  std::vector<std::string> files = GenerateC(g, plan, gen, co);
  WriteDeviceMain(work_dir + "/main.c", inputs, co.prefix, options.profile, options.invokes,
                  !plan.pinned_weights.empty());
  FirmwareBuild b;
  b.board = options.board;
  b.sources = GeneratedSources(files);
  b.sources.push_back(work_dir + "/main.c");
  b.include_dirs = {gen};
  b.ram_bytes = options.ram_bytes;
  b.stack_bytes = options.stack_bytes;
  b.opt = options.opt;
  b.defines = options.defines;
  b.regions = DeviceRegionBanks(plan);
  r.elf = work_dir + "/firmware_" + BoardName(options.board) + ".elf";
  r.build = BuildFirmware(b, r.elf);
  if (!r.build.ok) return r;
  r.sizes = MeasureElf(r.elf);
  r.run = RunFirmware(options.board, r.elf, options.timeout_seconds);
  for (size_t i = 0;; ++i) {
    auto it = r.run.values.find("output" + std::to_string(i));
    if (it == r.run.values.end()) break;
    r.outputs.push_back(FromHex(it->second));
  }
  if (auto it = r.run.values.find("instructions"); it != r.run.values.end())
    r.instructions = std::stoull(it->second);
  if (auto it = r.run.values.find("stack_used"); it != r.run.values.end())
    r.stack_used = std::stoll(it->second);
  if (options.cycles && r.run.exit_code == 0) {
    if (options.board != Board::kAn386) throw Error("the cycle model is a Cortex-M4's: board an386 only");
    r.cycle_model = RunCycleModel(r.elf, options.timeout_seconds * 3, options.ram_waits);
    if (!r.cycle_model.ok) throw Error("cycle model: " + r.cycle_model.error);
    if (options.profile) {
      if (r.cycle_model.intervals.size() < plan.steps.size())
        throw Error("cycle model: " + std::to_string(r.cycle_model.intervals.size()) +
                    " clock intervals for a plan of " + std::to_string(plan.steps.size()) + " steps");
      r.step_cycles.assign(r.cycle_model.intervals.begin(), r.cycle_model.intervals.begin() + plan.steps.size());
    }
  }
  if (options.profile && r.run.exit_code == 0) {
    r.step_instructions = ParseProfileSteps(r.run.output);
    std::istringstream in(r.run.output);
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("profile", 0) == 0) r.profile_table += line + "\n";
    if (r.step_instructions.size() != plan.steps.size())
      throw Error("device profile: " + std::to_string(r.step_instructions.size()) + " step counts for a plan of " +
                  std::to_string(plan.steps.size()) + " steps");
  }
  return r;
}

std::vector<uint64_t> ParseProfileSteps(const std::string& output) {
  std::vector<uint64_t> counts;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("profile step ", 0) != 0) continue;
    std::istringstream ls(line.substr(13));
    long long step = -1;
    std::string label, window;
    unsigned long long count = 0;
    if (!(ls >> step >> label >> window >> count) || step != static_cast<long long>(counts.size()))
      throw Error("device profile: malformed step line '" + line + "'");
    counts.push_back(count);
  }
  return counts;
}

}  // namespace tessera
