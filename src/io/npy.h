// NumPy .npy files (format versions 1.0, 2.0 and 3.0): a magic string, a Python-literal
// header {'descr': '<i1', 'fortran_order': False, 'shape': (1, 49, 10, 1), } and the array's
// bytes in C order. Read and written for the little-endian element types tessera's tensors
// use: int8 (|i1), uint8 (|u1), int16 (<i2), int32 (<i4), int64 (<i8), float32 (<f4), bool (|b1).
//
// Errors (tessera::Error, naming the file): not an .npy file, an unsupported version, a
// malformed or oversized header, a big-endian or unsupported dtype, Fortran order (for more
// than one dimension), a negative or overflowing shape, a data size that is not the shape's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace tessera {

struct NpyArray {
  DType type = DType::kInt8;
  std::vector<int64_t> shape;  // () for a scalar
  std::vector<uint8_t> data;   // little-endian elements, C order
  int64_t num_elements() const;
};

// True when the file starts with the .npy magic string.
bool IsNpyFile(const std::string& path);
NpyArray ReadNpy(const std::string& path);
// Parses a whole .npy file held in memory; `name` names it in errors.
NpyArray ParseNpy(const std::vector<uint8_t>& bytes, const std::string& name);
std::vector<uint8_t> EncodeNpy(const NpyArray& a);
void WriteNpy(const std::string& path, const NpyArray& a);

// "int8[1,49,10,1]" for messages.
std::string DescribeArray(DType type, const std::vector<int64_t>& shape);

}  // namespace tessera
