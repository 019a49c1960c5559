// Device test programs for single kernels: a bare-metal C program (firmware/harness.h,
// tessera/kernels.h) built with every kernel source (kernels/src/*.c) for QEMU mps2-an386 in a
// fresh temporary directory, for tests that compare a kernel's Cortex-M paths with a reference
// on the emulated core.
#pragma once
#include <string>

#include "codegen/device.h"

namespace tessera::test {

struct KernelProgram {
  std::string dir;  // the temporary directory (the caller removes it)
  std::string elf;
  FirmwareBuildResult build;
};

// Writes `source` to <tmp>/tessera_<name>_<pid>/<name>.c and builds <name>.elf from it and
// every kernel source (include dirs kernels/include and kernels/src).
KernelProgram BuildKernelProgram(const std::string& name, const std::string& source);

}  // namespace tessera::test
