#include "codegen/device.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <sstream>

#include "ir/graph.h"

namespace tessera {

const char* BoardName(Board b) { return b == Board::kAn386 ? "an386" : "an500"; }
const char* BoardCpu(Board b) { return b == Board::kAn386 ? "Cortex-M4F" : "Cortex-M7"; }

std::string FirmwareDir() { return std::string(TESSERA_SOURCE_DIR) + "/firmware"; }

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
  cmd += " --ram " + (b.ram_bytes < 0 ? std::string("auto") : std::to_string(b.ram_bytes));
  for (auto& d : b.include_dirs) cmd += " -I " + ShellQuote(d);
  for (auto& d : b.defines) cmd += " -D " + ShellQuote(d);
  for (auto& s : b.sources) cmd += " " + ShellQuote(s);
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
    else if (name == ".arena") s.arena += size;
    else if (name == ".stack") s.stack += size;
  }
  return s;
}

}  // namespace tessera
