// Device test programs for single kernels: a bare-metal C program (firmware/harness.h,
// tessera/kernels.h) built with kernel sources (kernels/src) for one of QEMU's MPS2 boards in a
// temporary directory, for tests that compare a kernel's Cortex-M paths with a reference on the
// emulated core.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "codegen/device.h"

namespace tessera::test {

struct KernelProgram {
  std::string dir;  // the temporary directory (the caller removes it)
  std::string elf;
  FirmwareBuildResult build;
};

struct KernelProgramOptions {
  Board board = Board::kAn386;
  std::vector<std::string> kernel_sources;  // file names in kernels/src; empty: every .c there
  std::string opt = "-O2";
};

// Writes `source` to <tmp>/tessera_<name>_<pid>/<name>.c and builds <name>.elf from it and the
// kernel sources (include dirs kernels/include and kernels/src). Calling it again with the same
// name (another board or optimisation) rebuilds in the same directory.
KernelProgram BuildKernelProgram(const std::string& name, const std::string& source,
                                 const KernelProgramOptions& o = {});

// One run of a kernel program (RunKernelProgramOn).
struct KernelProgramRun {
  std::string label;  // "<board> <-O option>"
  FirmwareRun run;
};

// Builds `source` with `kernel_sources` (file names in kernels/src) for every board and every
// -O option, in that order, runs each image (timeout_seconds each) and removes the temporary
// directory. A build that fails, or a run that does not exit 0 having printed done=1, is a
// test failure (gtest ADD_FAILURE, with the log); the runs that did are returned.
std::vector<KernelProgramRun> RunKernelProgramOn(const std::string& name, const std::string& source,
                                                 const std::vector<std::string>& kernel_sources,
                                                 const std::vector<Board>& boards,
                                                 const std::vector<std::string>& opts, int timeout_seconds = 600);

// C text for the top of such a program: <stdint.h> and a deterministic generator starting at
// `seed`: rnd() (an LCG step, its high bits folded into the low ones), uni(lo, hi) in [lo, hi],
// fill(p, n) with n bytes in [-128, 127].
std::string DeviceRandomPrelude(uint32_t seed);

}  // namespace tessera::test
