// Small hand-built graphs and hand-made layer-by-layer plans for the checker, report and plan
// JSON tests. Constants carry shapes only (weights are zero bytes) except PAD paddings, which
// the checker reads: these graphs are for planning and checking, not for running.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera::test {

class TinyGraph {
 public:
  explicit TinyGraph(std::string name = "tiny") { g.name = std::move(name); }
  Graph g;

  int Act(const std::string& name, std::vector<int32_t> shape, DType type = DType::kInt8);
  int Const(const std::string& name, std::vector<int32_t> shape, DType type = DType::kInt8,
            std::vector<uint8_t> data = {});
  int Input(const std::string& name, std::vector<int32_t> shape, DType type = DType::kInt8);

  int Conv(int x, int cout, int k, int stride, Padding p = Padding::kSame, int dilation = 1);
  int Depthwise(int x, int k, int stride, Padding p = Padding::kSame);
  int Pool(int x, int k, int stride, Padding p = Padding::kValid, bool max = false);
  int Pad(int x, int top, int bottom, int left, int right);
  int Add(int a, int b);
  int Relu(int x);
  int Reshape(int x, std::vector<int32_t> shape);
  int FullyConnected(int x, int units);
  int Softmax(int x);
  int Concat(int a, int b);  // along channels
  int Quantize(int x, DType to);

  Graph Finish(std::vector<int> outputs) {
    g.outputs = std::move(outputs);
    return g;
  }

 private:
  int Op(OpType t, std::vector<int> in, int out, OpOptions o);
};

// A layer-by-layer plan made independently of src/schedule and src/memory: one step per
// operator over its whole output, one buffer per activation tensor (first = producing step,
// inputs 0; last = last reading step, outputs the last step), placed first-fit in decreasing
// size order. Strategy "test_lbl".
Plan HandLayerByLayer(const Graph& g);

// First-fit placement of the plan's buffers (decreasing size, ties by index), external ones
// in their own region; sets arena_bytes.
void HandPlace(Plan& p);

// A residual CNN touching most operator kinds: conv, depthwise, 1x1 conv, ADD, average pool,
// RESHAPE, FULLY_CONNECTED, SOFTMAX.
Graph ResidualNet();

}  // namespace tessera::test
