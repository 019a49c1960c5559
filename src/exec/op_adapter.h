// The executor's narrow bridge to the operator layer (src/ops): prepare an operator once,
// ask its scratch size for a window, run it over one output window.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera::ops_adapter {

// A buffer as the executor hands it over: its bytes and the window of `tensor` it holds.
struct View {
  uint8_t* data = nullptr;
  Window window;
  int tensor = kNoTensor;
};

struct PreparedImpl;
struct Prepared {
  std::shared_ptr<PreparedImpl> impl;
};

Prepared Prepare(const Graph& g, int op, int fused_pad);
int64_t ScratchBytes(const Prepared& p, const Window& out_win);
void Run(const Prepared& p, const std::vector<View>& inputs, const std::vector<View>& outputs, const Window& out_win,
         uint8_t* scratch, int64_t scratch_bytes);

}  // namespace tessera::ops_adapter
