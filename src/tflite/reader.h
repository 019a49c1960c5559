// .tflite -> tessera::Graph.
//
// The file is checked by the flatbuffers verifier first (bounds, offsets, alignment, nesting),
// then converted field by field: exactly subgraph 0 is read; every tensor, buffer and
// operator-code index is range-checked; shapes must have non-negative dimensions and at most
// kMaxTfliteRank of them, with at most kMaxTensorBytes bytes; constant buffers must hold
// exactly the tensor's bytes; quantization must be well formed; every unsupported operator is
// listed by name in one error. The result is then checked by Graph::Validate() (structure and
// shape inference). Every problem is a tessera::Error whose message starts with the file
// (or the name given) and names the tensor / operator / field at fault.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ir/graph.h"

namespace tessera {

// Largest tensor the reader accepts (bytes), and the largest rank.
constexpr int64_t kMaxTensorBytes = int64_t{1} << 30;  // 1 GiB
constexpr int kMaxTfliteRank = 8;

// Reads a .tflite file. Graph::name is the file stem.
Graph ReadTflite(const std::string& path);

// Reads a .tflite image from memory. `name` becomes Graph::name and prefixes error messages.
Graph ReadTfliteBytes(const uint8_t* data, size_t size, const std::string& name);

}  // namespace tessera
