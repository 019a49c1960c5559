// Load-time folding: operators whose output is fixed when the model is read (shape
// arithmetic over static shapes and constants: SHAPE, STRIDED_SLICE, PACK, ... feeding a
// RESHAPE, as Keras exports compute them) become constant tensors, so that the rest of
// tessera sees an ordinary graph. Runs after reading, before validation.
#pragma once

#include "ir/graph.h"

namespace tessera {

// Folds, in execution order, every operator with an int32 or int64 output (shape arithmetic)
// whose unit (ops/unit.h Fold) gives its output's bytes: the output tensor becomes a constant
// holding them and the operator is removed. Data tensors (int8, float) are left to run time,
// as TFLM computes them, even when their inputs are constants (SSD's tiled anchors).
// Appends one line per folded operator to g.folded. Returns how many were folded. Throws
// Error when a folded value does not match its tensor's declared shape and type.
int FoldConstants(Graph& g);

}  // namespace tessera
