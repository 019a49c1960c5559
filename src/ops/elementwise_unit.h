// Bases of the element-wise operator units: any output window from the same window of each
// input (an operand axis of size 1 broadcast), bytes shared in place at equal element sizes.
#pragma once

#include <string>

#include "ops/unit.h"

namespace tessera::ops {

class ElementwiseUnit : public OpUnit {
 public:
  using OpUnit::OpUnit;
  bool Windowable(const Graph&, int) const override { return true; }
  // The same window; along an axis where the operand has size 1 and the output more, [0,1).
  Window InputWindow(const WindowQuery& q) const override;
  OverlapRule Overlap() const override { return OverlapRule::kElementwise; }
};

// One input of the output's shape (activations, QUANTIZE, DEQUANTIZE).
class UnaryElementwiseUnit : public ElementwiseUnit {
 public:
  using ElementwiseUnit::ElementwiseUnit;
  Window InputWindow(const WindowQuery& q) const override;
};

}  // namespace tessera::ops
