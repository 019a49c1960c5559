#include "codegen/kernel_stack.h"

#include <algorithm>

#include "codegen/codegen.h"

namespace tessera {

const std::vector<KernelStackEntry>& KernelStackTable() {
  static const std::vector<KernelStackEntry> table = [] {
    std::vector<KernelStackEntry> t = {
#include "codegen/kernel_stack_table.inc"
    };
    std::sort(t.begin(), t.end(), [](const KernelStackEntry& a, const KernelStackEntry& b) {
      return std::string(a.function) < b.function;
    });
    return t;
  }();
  return table;
}

const KernelStackEntry* FindKernelStack(const std::string& function) {
  const auto& t = KernelStackTable();
  auto it = std::lower_bound(t.begin(), t.end(), function,
                             [](const KernelStackEntry& e, const std::string& f) { return e.function < f; });
  return it != t.end() && function == it->function ? &*it : nullptr;
}

KernelStack PlanKernelStack(const Graph& g, const Plan& plan) {
  KernelStack r;
  r.called = KernelCalls(g, plan);
  for (const std::string& f : r.called) {
    const KernelStackEntry* e = FindKernelStack(f);
    if (!e) {
      r.unknown.push_back(f);
    } else if (e->bytes > r.bytes) {
      r.bytes = e->bytes;
      r.deepest = f;
    }
  }
  return r;
}

}  // namespace tessera
