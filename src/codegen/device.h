// Building and running firmware for the emulated device (QEMU's MPS2 boards) from C++:
// wrappers over firmware/build.sh (arm-none-eabi-gcc, SRAM budget enforced by the linker),
// firmware/run.sh (qemu-system-arm, semihosting, -icount shift=0) and arm-none-eabi-size.
// Used by the emulated-device tests and bench/bench_device.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "codegen/data_dir.h"  // FirmwareDir()
#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

enum class Board : uint8_t {
  kAn386,  // mps2-an386, Cortex-M4F
  kAn500,  // mps2-an500, Cortex-M7
};
const char* BoardName(Board b);    // "an386", "an500"
const char* BoardCpu(Board b);     // "Cortex-M4F", "Cortex-M7"

// arm-none-eabi-gcc, arm-none-eabi-size and qemu-system-arm are on PATH.
bool HaveFirmwareTools();
// What the emulated device needs and is missing, each with the Debian package that provides it
// ("arm-none-eabi-gcc (gcc-arm-none-eabi)", ...); empty when everything is there.
std::vector<std::string> MissingFirmwareTools();

struct ShellResult {
  int exit_code = -1;  // the command's exit status; 128+N when killed by signal N
  std::string output;  // stdout and stderr together
};
// Runs `command` with /bin/sh, capturing its output.
ShellResult RunShell(const std::string& command);
std::string ShellQuote(const std::string& s);

struct FirmwareBuild {
  Board board = Board::kAn386;
  std::vector<std::string> sources;       // C files besides the harness
  std::vector<std::string> include_dirs;
  std::vector<std::string> defines;       // NAME or NAME=VALUE
  int64_t ram_bytes = -1;                 // SRAM budget; -1: exactly what the image needs
  int64_t stack_bytes = 8192;
  std::string opt = "-O2";
  // Memory banks for the arenas of a plan's memory regions (build.sh --region): each
  // NAME:ORIGIN:LENGTH, e.g. "DTCM:0x20100000:12288"; the link fails when an arena is larger.
  std::vector<std::string> regions;
};
struct FirmwareBuildResult {
  bool ok = false;
  std::string log;          // compiler and linker messages
  int64_t ram_needed = 0;   // stack + .data + model_arena + .bss
  int64_t ram_budget = 0;   // the RAM region the image was linked into
};
FirmwareBuildResult BuildFirmware(const FirmwareBuild& b, const std::string& elf_path);

struct FirmwareRun {
  int exit_code = -1;  // the program's exit code (semihosting), 124 on timeout
  std::string output;
  // key=value lines the program printed
  std::map<std::string, std::string> values;
};
FirmwareRun RunFirmware(Board board, const std::string& elf_path, int timeout_seconds = 300);

// Section sizes of a firmware ELF (arm-none-eabi-size -A).
struct ElfSizes {
  int64_t text = 0, rodata = 0, data = 0, bss = 0, arena = 0, stack = 0;
  int64_t flash() const { return text + rodata + data; }       // code + constants + .data image
  int64_t ram() const { return data + bss + arena + stack; }   // the SRAM the image occupies
};
ElfSizes MeasureElf(const std::string& elf_path);

// MODELLED Cortex-M4 cycles (mps2-an386 only): firmware/profile.sh --cycles runs the ELF under
// QEMU with the cycle-model plugin (firmware/cycles/m4_model.h: the Cortex-M4 TRM's timing
// rules applied to every executed instruction, its predecessor, successor and memory accesses).
// Cycles at W flash wait states = cycles + W * wait_units. Not a measurement.
// With data wait ranges (RunCycleModel's ram_waits, m4_model.h rule WR), `cycles` includes the
// cycles their accesses added, `range_waits` of them.
struct CycleCounts {
  uint64_t instructions = 0;
  uint64_t cycles = 0;      // at zero flash wait states (wait ranges' cycles included)
  uint64_t wait_units = 0;  // flash data reads + fetches after a taken branch into flash
  uint64_t range_waits = 0; // cycles added by the data wait ranges (WR), part of `cycles`
  uint64_t CyclesAt(int wait_states) const { return cycles + static_cast<uint64_t>(wait_states) * wait_units; }
};
struct CycleModelRun {
  FirmwareRun run;          // the program's exit code and output (key=value lines)
  bool ok = false;          // the plugin's report was read
  std::string error;
  CycleCounts total;        // reset to exit
  // The last ts_fw_counter_start call before the program first prints (ts_fw_puts) to the
  // last ts_fw_counter_instructions call before that print: WriteDeviceMain's bracket of one
  // invoke (the last, with DeviceOptions::invokes above 1).
  CycleCounts inference;
  // Between consecutive ts_fw_counter_instructions calls: with tessera codegen --profile,
  // interval s is plan step s (the driver's last read adds one more interval).
  std::vector<CycleCounts> intervals;
  // Each ts_fw_counter_start call to the next ts_fw_counter_instructions call, in order (the
  // brackets of bench_conv_dsp's and bench_dw_dsp's per-layer counts).
  std::vector<CycleCounts> spans;
  std::map<std::string, CycleCounts> functions;
  std::map<std::string, uint64_t> stats;  // the plugin's event counts (taken, pipelined, ...)
};
// The plugin the build made (build/firmware/libts_m4_cycles.so), or $TESSERA_CYCLES_PLUGIN.
std::string CyclePluginPath();
// `ram_waits`: data wait ranges, each "ORIGIN:LENGTH:W" (firmware/profile.sh --ram-wait).
CycleModelRun RunCycleModel(const std::string& elf_path, int timeout_seconds = 900,
                            const std::vector<std::string>& ram_waits = {});

// Banks for a plan's memory regions on the emulated boards (FirmwareBuild::regions): region r
// at 0x20100000 + r MiB inside the boards' SSRAM2/3 (below them: the stack, .data and .bss),
// LENGTH its arena (Plan::region_bytes, at least 1: the generated array's size) less `shrink`
// bytes (shrink 1: that region's link must fail). Empty without regions; RunOnDevice passes
// them with shrink 0.
std::vector<std::string> DeviceRegionBanks(const Plan& plan, int64_t shrink = 0);

// Data wait ranges (RunCycleModel's ram_waits) for a plan's memory regions on the emulated
// board: each region's whole 1 MiB bank (DeviceRegionBanks' addresses) at `slow_wait` wait
// states unless the region is fast (MemoryRegion::fast: 0, no range). Empty without regions.
std::vector<std::string> CycleWaitRanges(const Plan& plan, int slow_wait);

// Writes a firmware main.c for a generated model (CodegenOptions::prefix `prefix`) that
// copies the fixed `inputs` (raw bytes of each graph input, embedded as const arrays) into
// the model, runs <prefix>_invoke() once under the instruction counter and prints
//   invoke=<status>  instructions=<n>  output<i>=<hex bytes>  stack_used=<n>
// then exits with 0 (or 1 if the invoke status is non-zero).
// With `profile` (the model generated with CodegenOptions::profile), it then prints
// <prefix>_profile_report's table (lines "profile ...").
// `invokes` > 1: the inputs are copied in and <prefix>_invoke() run that many times in a row
// (state carries over); the instructions and outputs printed are the last invoke's.
// `init`: the model has <prefix>_init() (pinned weights, CodegenOptions: a plan with
// Plan::pinned_weights), called before the inputs are copied and the counter starts.
void WriteDeviceMain(const std::string& path, const std::vector<std::vector<uint8_t>>& inputs,
                     const std::string& prefix = "model", bool profile = false, int invokes = 1,
                     bool init = false);

// Generate C for (g, plan), build it for `board` with an SRAM budget of exactly what the
// image needs (or `ram_bytes`), run it once on `inputs` under QEMU.
struct DeviceOptions {
  Board board = Board::kAn386;
  int64_t ram_bytes = -1;     // -1: what the image needs
  int64_t stack_bytes = 8192;
  std::string opt = "-O2";
  int timeout_seconds = 300;
  // Extra preprocessor definitions for every firmware source (NAME or NAME=VALUE), e.g.
  // TS_NO_DSP: the kernels' portable loops instead of their Cortex-M DSP paths.
  std::vector<std::string> defines;
  // Generate the model with CodegenOptions::profile and fill DeviceResult::step_instructions
  // (`instructions` then includes the profiling's clock reads, about one per step).
  bool profile = false;
  // Run the image once more under the cycle model (RunCycleModel; an386 only) and fill
  // DeviceResult::cycle_model (with `profile`, also step_cycles).
  bool cycles = false;
  // With `cycles`: data wait ranges for the cycle model (RunCycleModel's ram_waits), e.g.
  // CycleWaitRanges below for a plan's memory regions.
  std::vector<std::string> ram_waits;
  // Invokes in a row on the same inputs (state carried over); outputs and instructions are
  // the last invoke's.
  int invokes = 1;
};
struct DeviceResult {
  FirmwareBuildResult build;
  FirmwareRun run;  // exit_code -1 when the build failed
  ElfSizes sizes;
  std::vector<std::vector<uint8_t>> outputs;  // as printed by the device
  uint64_t instructions = 0;                  // of one model_invoke()
  int64_t stack_used = 0;                     // bytes, whole program
  std::string elf;                            // path of the firmware
  // With DeviceOptions::profile: instructions per plan step (index = step), each including
  // one clock read, and the device's printed profile table.
  std::vector<uint64_t> step_instructions;
  std::string profile_table;
  // With DeviceOptions::cycles: modelled cycles; with profile too, per plan step.
  CycleModelRun cycle_model;
  std::vector<CycleCounts> step_cycles;
};
// Parses the "profile step <i> <label> <window> <count> <share>" lines of a profile report
// into counts per step (index = step). Throws Error when a step line is malformed.
std::vector<uint64_t> ParseProfileSteps(const std::string& output);
DeviceResult RunOnDevice(const Graph& g, const Plan& plan,
                         const std::vector<std::vector<uint8_t>>& inputs,
                         const std::string& work_dir, const DeviceOptions& options = {});

}  // namespace tessera
