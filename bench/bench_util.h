// Helpers shared by the emulated-device benchmark programs (bench_device, bench_conv_dsp,
// bench_dw_dsp).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "codegen/device.h"

namespace tessera::bench {

// "a,b,,c" -> {"a", "b", "c"}.
inline std::vector<std::string> SplitList(const std::string& s, char sep = ',') {
  std::vector<std::string> r;
  std::stringstream ss(s);
  std::string x;
  while (std::getline(ss, x, sep))
    if (!x.empty()) r.push_back(x);
  return r;
}

// A --strategies value: comma-separated, or ';'-separated when a stream:SPEC has several stages
// (their specs contain commas), e.g. "greedy;stream:7:12x1:mixed,11:2x1:mixed".
inline std::vector<std::string> SplitStrategies(const std::string& s) {
  return SplitList(s, s.find(';') == std::string::npos ? ',' : ';');
}

// True when the firmware tools (arm-none-eabi-gcc, qemu-system-arm) and the shared models are
// there; otherwise prints why `program` measures nothing.
inline bool DeviceBenchReady(const char* program, const std::string& shared_dir) {
  if (!HaveFirmwareTools()) {
    std::printf("%s: arm-none-eabi-gcc / qemu-system-arm not found; nothing to measure\n", program);
    return false;
  }
  if (!std::filesystem::is_directory(shared_dir + "/models")) {
    std::printf("%s: %s/models is absent; nothing to measure\n", program, shared_dir.c_str());
    return false;
  }
  return true;
}

// --cycles for the per-layer kernel benchmarks: runs `elf` under the Cortex-M4 cycle model
// (RunCycleModel: MODELLED cycles) and returns one span per ts_fw_counter_start ..
// ts_fw_counter_instructions bracket, i.e. per measured layer; throws Error unless there are
// exactly `layers` of them.
inline std::vector<CycleCounts> LayerCycles(const std::string& elf, size_t layers) {
  const CycleModelRun r = RunCycleModel(elf, 1800);
  if (!r.ok) throw Error("cycle model: " + r.error);
  if (r.spans.size() != layers)
    throw Error("cycle model: " + std::to_string(r.spans.size()) + " counter brackets for " +
                std::to_string(layers) + " layers");
  return r.spans;
}

// Parses --wait-states' value (0..100); exits with a message otherwise.
inline int ParseWaitStates(const char* program, const std::string& v) {
  const int w = std::atoi(v.c_str());
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || w > 100) {
    std::fprintf(stderr, "%s: --wait-states wants a count from 0 to 100, got '%s'\n", program, v.c_str());
    std::exit(2);
  }
  return w;
}

}  // namespace tessera::bench
