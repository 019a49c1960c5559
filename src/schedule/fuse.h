// Schedule rewrites that save memory without changing a single output byte:
//  - PAD folding: a PAD whose only reader is a CONV_2D / DEPTHWISE_CONV_2D (as its input
//    operand) disappears; the convolution step records it in Step::fused_pad and reads the
//    PAD's input buffer directly. Exact because an int8 PAD fills with its output zero point,
//    which is the convolution's input zero point, i.e. exactly the value the convolution's
//    own padding stands for. Pools are not folded: TFLM's pools leave padding out of the
//    average/maximum, whereas an explicit PAD's elements take part.
//  - view aliasing: a RESHAPE (a pure view: same bytes, other shape) whose input dies at that
//    step may put its output at its input's offset; the step stays an element copy, which the
//    executor skips when the two addresses are equal.
#pragma once

#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

// True when PAD operator `pad_op` may be folded into operator `consumer_op` (the conditions
// above: H/W padding only, non-negative, no explicit pad value, int8 (or int16) tensors with
// equal quantization, consumer a CONV_2D/DEPTHWISE_CONV_2D reading the PAD output as its input and
// nothing else reading it), and the operator layer agrees (ops::CanFusePad).
bool CanFoldPad(const Graph& g, int pad_op, int consumer_op);

// Folds every PAD step of `plan` that can be folded: the PAD step and its output buffer are
// removed, steps and buffers renumbered, the PAD input buffer's live interval extended to its
// new reader. Only whole-window PAD steps over whole-window buffers are folded (a patch plan's
// PAD windows are left alone). Offsets are not touched (place the plan afterwards).
// Returns the number of PADs folded.
int FusePads(const Graph& g, Plan& plan);

// A step whose output buffer may share its input buffer's offset.
struct ViewAlias {
  int step = -1;
  int input_buffer = -1;
  int output_buffer = -1;
};

// The RESHAPE steps of `plan` whose output may alias their input: whole windows, equal byte
// counts, the input's last reader is this step and it is not a plan output, neither buffer
// external.
std::vector<ViewAlias> FindViewAliases(const Graph& g, const Plan& plan);

}  // namespace tessera
