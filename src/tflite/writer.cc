#include "tflite/writer.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "ops/unit.h"
#include "tflite/options.h"
#include "tflite_schema_generated.h"

namespace tessera {
namespace {

namespace fb = ::tessera::tfl;

// The flatbuffer itself must stay below 2 GiB; leave room for everything but the data.
constexpr uint64_t kMaxInlineData = (uint64_t{1} << 31) - (uint64_t{64} << 20);


fb::BuiltinOperator ToBuiltin(OpType t) { return static_cast<fb::BuiltinOperator>(ops::Unit(t).builtin()); }

}  // namespace

std::vector<uint8_t> WriteTfliteBytes(const Graph& g, const TfliteWriteOptions& opts) {
  uint64_t data_bytes = 0;
  for (const Tensor& t : g.tensors) data_bytes += t.data.size();
  const bool external = opts.buffers_after_flatbuffer;
  if (!external && data_bytes > kMaxInlineData)
    throw Error("cannot write '" + g.name + "': " + std::to_string(data_bytes) +
                " bytes of constants do not fit in a 2 GiB flatbuffer");

  flatbuffers::FlatBufferBuilder b(external ? 64 * 1024 : static_cast<size_t>(data_bytes) + 64 * 1024);
  // Every field is written, even at its default value, so that files can be patched in place
  // (the external-buffer offsets below, and byte-level edits in tests).
  b.ForceDefaults(true);

  // Buffers: 0 is the empty sentinel; one per constant tensor.
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers;
  buffers.push_back(fb::CreateBuffer(b));
  std::vector<uint32_t> tensor_buffer(g.tensors.size(), 0);
  std::vector<size_t> external_tensor;  // tensor of each buffer > 0 (external layout)
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const Tensor& t = g.tensors[i];
    if (t.data.empty()) continue;
    // State whose initial value is TFLM's reset value gets no buffer (the reader gives it that
    // value back; TFLite refuses a variable tensor with a buffer).
    if (t.is_variable && t.data == VariableResetValue(t)) continue;
    tensor_buffer[i] = static_cast<uint32_t>(buffers.size());
    if (external) {
      // Placeholder offset (> 1 marks the data as external); patched after Finish.
      buffers.push_back(fb::CreateBuffer(b, 0, 2, t.data.size()));
      external_tensor.push_back(i);
    } else {
      b.ForceVectorAlignment(t.data.size(), sizeof(uint8_t), 16);
      auto v = b.CreateVector(t.data);
      buffers.push_back(fb::CreateBuffer(b, v));
    }
  }

  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  for (size_t i = 0; i < g.tensors.size(); ++i) {
    const Tensor& t = g.tensors[i];
    flatbuffers::Offset<fb::QuantizationParameters> q;
    if (!t.quant.scale.empty() || !t.quant.zero_point.empty())
      q = fb::CreateQuantizationParameters(b, 0, 0, b.CreateVector(t.quant.scale),
                                           b.CreateVector(t.quant.zero_point),
                                           fb::QuantizationDetails::NONE, 0,
                                           t.quant.quantized_dimension);
    tensors.push_back(fb::CreateTensor(b, b.CreateVector(t.shape), tflite::ToTensorType(t.type),
                                       tensor_buffer[i], b.CreateString(t.name), q, t.is_variable));
  }

  // Operator codes in order of first use.
  std::vector<OpType> code_types;
  std::vector<uint32_t> op_code(g.ops.size());
  for (size_t i = 0; i < g.ops.size(); ++i) {
    auto it = std::find(code_types.begin(), code_types.end(), g.ops[i].type);
    op_code[i] = static_cast<uint32_t>(it - code_types.begin());
    if (it == code_types.end()) code_types.push_back(g.ops[i].type);
  }
  std::vector<flatbuffers::Offset<fb::OperatorCode>> codes;
  for (OpType t : code_types) {
    const int32_t code = static_cast<int32_t>(ToBuiltin(t));
    codes.push_back(fb::CreateOperatorCode(b, static_cast<int8_t>(std::min(code, 127)), 0,
                                           /*version=*/1, ToBuiltin(t)));
  }

  std::vector<flatbuffers::Offset<fb::Operator>> ops;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Operator& op = g.ops[i];
    tflite::OptionsOut opts{b, i, fb::BuiltinOptions::NONE, {}};
    ops::Unit(op.type).WriteOptions(opts, op);
    const auto otype = opts.type;
    const auto options = opts.table;
    auto in = b.CreateVector(op.inputs);
    auto out = b.CreateVector(op.outputs);
    ops.push_back(fb::CreateOperator(b, op_code[i], in, out, otype, options));
  }

  auto subgraph = fb::CreateSubGraph(b, b.CreateVector(tensors), b.CreateVector(g.inputs),
                                     b.CreateVector(g.outputs), b.CreateVector(ops),
                                     b.CreateString(g.name));
  auto model = fb::CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(&subgraph, 1),
                               b.CreateString(opts.description), b.CreateVector(buffers));
  fb::FinishModelBuffer(b, model);

  std::vector<uint8_t> bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  if (external) {
    // Append each constant at a 16-byte aligned offset and patch its Buffer.offset.
    std::vector<uint64_t> offsets;
    for (size_t ti : external_tensor) {
      const auto& d = g.tensors[ti].data;
      bytes.resize((bytes.size() + 15) & ~size_t{15}, 0);
      offsets.push_back(bytes.size());
      bytes.insert(bytes.end(), d.begin(), d.end());
    }
    const fb::Model* m = fb::GetModel(bytes.data());
    for (size_t k = 0; k < offsets.size(); ++k) {
      auto* buf = reinterpret_cast<flatbuffers::Table*>(
          const_cast<fb::Buffer*>(m->buffers()->Get(static_cast<flatbuffers::uoffset_t>(k + 1))));
      if (!buf->SetField<uint64_t>(fb::Buffer::VT_OFFSET, offsets[k], 0))
        throw Error("internal error: cannot patch the offset of buffer " + std::to_string(k + 1));
    }
  }
  return bytes;
}

void WriteTflite(const Graph& g, const std::string& path, const TfliteWriteOptions& opts) {
  const std::vector<uint8_t> bytes = WriteTfliteBytes(g, opts);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw Error(path + ": cannot open for writing");
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!f) throw Error(path + ": write error");
}

std::vector<uint8_t> WriteTflite(const Graph& g) { return WriteTfliteBytes(g); }

}  // namespace tessera
