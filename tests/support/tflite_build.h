// A small .tflite builder for tests that need what tessera's writer does not write: several
// subgraphs, resource variables (VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE) and CALL_ONCE.
// The file is built field by field with the flatbuffer schema's generated API, as a converter
// would write it; TFLite reads it as any model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tessera::test {

struct FbTensor {
  std::string name;
  int type = 9;  // TensorType: 9 INT8, 7 INT16, 0 FLOAT32, 2 INT32, 13 RESOURCE
  std::vector<int32_t> shape;
  std::vector<float> scale;          // empty: not quantized
  std::vector<int64_t> zero_point;
  std::vector<uint8_t> data;         // non-empty: a constant
};

struct FbOp {
  int32_t code = 0;  // BuiltinOperator
  std::vector<int32_t> inputs, outputs;
  // Options: VAR_HANDLE (container, shared_name; has_container false: absent), CALL_ONCE (init
  // subgraph), ADD (none written: fused activation NONE).
  std::string container, shared_name;
  bool has_container = true;
  int init_subgraph = -1;
};

struct FbSubgraph {
  std::string name;
  std::vector<FbTensor> tensors;
  std::vector<FbOp> ops;
  std::vector<int32_t> inputs, outputs;
  int Tensor(FbTensor t) {
    tensors.push_back(std::move(t));
    return static_cast<int>(tensors.size()) - 1;
  }
};

// The model's bytes (subgraph 0 first).
std::vector<uint8_t> BuildTflite(const std::vector<FbSubgraph>& subgraphs);

// BuiltinOperator codes used by the tests.
constexpr int32_t kFbAdd = 0, kFbCallOnce = 129, kFbVarHandle = 142, kFbReadVariable = 143,
                  kFbAssignVariable = 144, kFbMul = 18, kFbDequantize = 6;
// TensorType codes.
constexpr int kFbFloat32 = 0, kFbInt32 = 2, kFbInt16 = 7, kFbInt8 = 9, kFbResource = 13;

}  // namespace tessera::test
