// The built-in model zoo: well-known microcontroller CNN architectures with deterministic
// synthetic int8 weights (fixed-seed generator) and realistic quantization (see builder.h).
// The weights are not trained: the models are for planning, memory and exactness work, where
// only the architecture and the quantization arithmetic matter.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace tessera {

// Names of the built-in models, in listing order.
std::vector<std::string> ZooNames();

// One-line description of a zoo model. Throws Error for an unknown name.
std::string ZooDescription(const std::string& name);

// Builds a zoo model. Besides the listed names, any `mobilenetv2-w<ALPHA>-r<RES>` with
// ALPHA in {0.35, 0.5, 0.75, 1.0, 1.3, 1.4} and RES in [32, 512] is accepted.
// Throws Error for an unknown name, listing the known ones. The same name always gives the
// same graph, byte for byte.
Graph BuildZooModel(const std::string& name);

}  // namespace tessera
