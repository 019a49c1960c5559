#include "support/tflite_build.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <map>

#include "tflite_schema_generated.h"

namespace tessera::test {

namespace fb = ::tessera::tfl;

std::vector<uint8_t> BuildTflite(const std::vector<FbSubgraph>& subgraphs) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers{fb::CreateBuffer(b)};
  std::map<int32_t, uint32_t> code_index;
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes;
  std::vector<flatbuffers::Offset<fb::SubGraph>> sgs;
  for (const FbSubgraph& sg : subgraphs) {
    std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
    for (const FbTensor& t : sg.tensors) {
      uint32_t buffer = 0;
      if (!t.data.empty()) {
        b.ForceVectorAlignment(t.data.size(), 1, 16);
        buffers.push_back(fb::CreateBuffer(b, b.CreateVector(t.data)));
        buffer = static_cast<uint32_t>(buffers.size() - 1);
      }
      flatbuffers::Offset<fb::QuantizationParameters> q;
      if (!t.scale.empty())
        q = fb::CreateQuantizationParameters(b, 0, 0, b.CreateVector(t.scale), b.CreateVector(t.zero_point));
      tensors.push_back(fb::CreateTensor(b, b.CreateVector(t.shape), static_cast<fb::TensorType>(t.type), buffer,
                                         b.CreateString(t.name), q));
    }
    std::vector<flatbuffers::Offset<fb::Operator>> ops;
    for (const FbOp& op : sg.ops) {
      auto it = code_index.find(op.code);
      if (it == code_index.end()) {
        codes.push_back(fb::CreateOperatorCode(b, static_cast<int8_t>(std::min(op.code, 127)), 0, 1,
                                               static_cast<fb::BuiltinOperator>(op.code)));
        it = code_index.emplace(op.code, static_cast<uint32_t>(codes.size() - 1)).first;
      }
      fb::BuiltinOptions type = fb::BuiltinOptions::NONE;
      flatbuffers::Offset<void> opts;
      if (op.code == kFbVarHandle) {
        type = fb::BuiltinOptions::VarHandleOptions;
        opts = fb::CreateVarHandleOptions(b, op.has_container ? b.CreateString(op.container) : 0,
                                          b.CreateString(op.shared_name))
                   .Union();
      } else if (op.code == kFbCallOnce) {
        type = fb::BuiltinOptions::CallOnceOptions;
        opts = fb::CreateCallOnceOptions(b, op.init_subgraph).Union();
      } else if (op.code == kFbAdd) {
        type = fb::BuiltinOptions::AddOptions;
        opts = fb::CreateAddOptions(b, fb::ActivationFunctionType::NONE, /*pot_scale_int16=*/false).Union();
      } else if (op.code == kFbMul) {
        type = fb::BuiltinOptions::MulOptions;
        opts = fb::CreateMulOptions(b).Union();
      }
      ops.push_back(fb::CreateOperator(b, it->second, b.CreateVector(op.inputs), b.CreateVector(op.outputs), type,
                                       opts));
    }
    sgs.push_back(fb::CreateSubGraph(b, b.CreateVector(tensors), b.CreateVector(sg.inputs),
                                     b.CreateVector(sg.outputs), b.CreateVector(ops), b.CreateString(sg.name)));
  }
  auto model = fb::CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(sgs), b.CreateString("tessera test"),
                               b.CreateVector(buffers));
  fb::FinishModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

}  // namespace tessera::test
