// Structural equality of two graphs (used by the .tflite round-trip tests and by anyone who
// needs to compare a rebuilt graph with its original).
#pragma once

#include <string>

#include "ir/graph.h"

namespace tessera {

// True when a and b have the same name, tensors (name, type, shape, quantization with scales
// compared bit for bit, data, constness), operators (type, operands, every option field),
// inputs and outputs. Otherwise false, and *why (if given) says where they first differ.
bool GraphsEqual(const Graph& a, const Graph& b, std::string* why = nullptr);

}  // namespace tessera
