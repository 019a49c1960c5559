// The stack the generated code's kernel calls need: the stack is SRAM too.
//
// Each kernel entry point's worst-case stack on the Cortex-M4 (firmware build: DSP kernels,
// -O2, arm-none-eabi-gcc) is the deepest call chain of GCC's call graph with each function's
// frame (-fcallgraph-info=su; library and assembly functions from their prologues), as
// firmware/stack_usage.sh bounds it. The table (kernel_stack_table.inc) is that script's
// output; test_firmware_stack rebuilds it from the kernels and fails when they differ.
// The figure is a static bound of the kernels alone: model_invoke()'s own frame and whatever
// calls it are the caller's (bench_device paints the whole program's stack to measure it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

struct KernelStackEntry {
  const char* function;
  int64_t bytes;      // worst case, the function's own frame included
  const char* chain;  // its deepest call chain, "f > g > h"
};

// The table's entry for a kernel function, or nullptr when it has none.
const KernelStackEntry* FindKernelStack(const std::string& function);

// Every entry (sorted by function name).
const std::vector<KernelStackEntry>& KernelStackTable();

struct KernelStack {
  int64_t bytes = 0;                  // the largest worst case among the kernels called
  std::string deepest;                // the kernel it belongs to
  std::vector<std::string> called;    // the kernel functions model_invoke() calls
  std::vector<std::string> unknown;   // called kernels without an entry (bytes is then too low)
};

// The kernels the plan's generated code calls (codegen.h KernelCalls) and their stack.
KernelStack PlanKernelStack(const Graph& g, const Plan& plan);

}  // namespace tessera
