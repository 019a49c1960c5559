#include "tflite/writer.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "tflite_schema_generated.h"

namespace tessera {
namespace {

namespace fb = ::tessera::tfl;

// The flatbuffer itself must stay below 2 GiB; leave room for everything but the data.
constexpr uint64_t kMaxInlineData = (uint64_t{1} << 31) - (uint64_t{64} << 20);

fb::TensorType ToTensorType(DType t) {
  switch (t) {
    case DType::kFloat32: return fb::TensorType::FLOAT32;
    case DType::kInt32: return fb::TensorType::INT32;
    case DType::kInt16: return fb::TensorType::INT16;
    case DType::kInt8: return fb::TensorType::INT8;
    case DType::kUInt8: return fb::TensorType::UINT8;
    case DType::kInt64: return fb::TensorType::INT64;
    case DType::kBool: return fb::TensorType::BOOL;
  }
  return fb::TensorType::INT8;
}

fb::BuiltinOperator ToBuiltin(OpType t) {
  using B = fb::BuiltinOperator;
  switch (t) {
    case OpType::kConv2D: return B::CONV_2D;
    case OpType::kDepthwiseConv2D: return B::DEPTHWISE_CONV_2D;
    case OpType::kFullyConnected: return B::FULLY_CONNECTED;
    case OpType::kAdd: return B::ADD;
    case OpType::kMul: return B::MUL;
    case OpType::kAveragePool2D: return B::AVERAGE_POOL_2D;
    case OpType::kMaxPool2D: return B::MAX_POOL_2D;
    case OpType::kMean: return B::MEAN;
    case OpType::kPad: return B::PAD;
    case OpType::kReshape: return B::RESHAPE;
    case OpType::kSoftmax: return B::SOFTMAX;
    case OpType::kLogistic: return B::LOGISTIC;
    case OpType::kHardSwish: return B::HARD_SWISH;
    case OpType::kRelu: return B::RELU;
    case OpType::kRelu6: return B::RELU6;
    case OpType::kConcatenation: return B::CONCATENATION;
    case OpType::kTranspose: return B::TRANSPOSE;
    case OpType::kResizeNearestNeighbor: return B::RESIZE_NEAREST_NEIGHBOR;
    case OpType::kQuantize: return B::QUANTIZE;
    case OpType::kDequantize: return B::DEQUANTIZE;
  }
  return B::CUSTOM;
}

fb::ActivationFunctionType ToActivation(Activation a) {
  switch (a) {
    case Activation::kNone: return fb::ActivationFunctionType::NONE;
    case Activation::kRelu: return fb::ActivationFunctionType::RELU;
    case Activation::kReluN1To1: return fb::ActivationFunctionType::RELU_N1_TO_1;
    case Activation::kRelu6: return fb::ActivationFunctionType::RELU6;
  }
  return fb::ActivationFunctionType::NONE;
}

fb::Padding ToPadding(Padding p) { return p == Padding::kSame ? fb::Padding::SAME : fb::Padding::VALID; }

template <class T>
const T& Opts(const Operator& op, size_t i) {
  if (const T* p = std::get_if<T>(&op.options)) return *p;
  throw Error("cannot write operator " + std::to_string(i) + " (" + OpTypeName(op.type) +
              "): its options are of the wrong kind for the operator");
}

std::pair<fb::BuiltinOptions, flatbuffers::Offset<void>> WriteOptions(
    flatbuffers::FlatBufferBuilder& b, const Operator& op, size_t i) {
  using O = fb::BuiltinOptions;
  switch (op.type) {
    case OpType::kConv2D: {
      const auto& o = Opts<Conv2DOptions>(op, i);
      return {O::Conv2DOptions,
              fb::CreateConv2DOptions(b, ToPadding(o.padding), o.stride_w, o.stride_h,
                                      ToActivation(o.activation), o.dilation_w, o.dilation_h)
                  .Union()};
    }
    case OpType::kDepthwiseConv2D: {
      const auto& o = Opts<DepthwiseConv2DOptions>(op, i);
      return {O::DepthwiseConv2DOptions,
              fb::CreateDepthwiseConv2DOptions(b, ToPadding(o.padding), o.stride_w, o.stride_h,
                                               o.depth_multiplier, ToActivation(o.activation),
                                               o.dilation_w, o.dilation_h)
                  .Union()};
    }
    case OpType::kAveragePool2D:
    case OpType::kMaxPool2D: {
      const auto& o = Opts<Pool2DOptions>(op, i);
      return {O::Pool2DOptions,
              fb::CreatePool2DOptions(b, ToPadding(o.padding), o.stride_w, o.stride_h, o.filter_w,
                                      o.filter_h, ToActivation(o.activation))
                  .Union()};
    }
    case OpType::kFullyConnected: {
      const auto& o = Opts<FullyConnectedOptions>(op, i);
      return {O::FullyConnectedOptions,
              fb::CreateFullyConnectedOptions(b, ToActivation(o.activation),
                                              fb::FullyConnectedOptionsWeightsFormat::DEFAULT,
                                              o.keep_num_dims, false)
                  .Union()};
    }
    case OpType::kAdd:
      return {O::AddOptions,
              fb::CreateAddOptions(b, ToActivation(Opts<AddOptions>(op, i).activation)).Union()};
    case OpType::kMul:
      return {O::MulOptions,
              fb::CreateMulOptions(b, ToActivation(Opts<MulOptions>(op, i).activation)).Union()};
    case OpType::kReshape: {
      const auto& o = Opts<ReshapeOptions>(op, i);
      flatbuffers::Offset<flatbuffers::Vector<int32_t>> ns;
      if (!o.new_shape.empty()) ns = b.CreateVector(o.new_shape);
      return {O::ReshapeOptions, fb::CreateReshapeOptions(b, ns).Union()};
    }
    case OpType::kSoftmax:
      return {O::SoftmaxOptions, fb::CreateSoftmaxOptions(b, Opts<SoftmaxOptions>(op, i).beta).Union()};
    case OpType::kConcatenation: {
      const auto& o = Opts<ConcatenationOptions>(op, i);
      return {O::ConcatenationOptions,
              fb::CreateConcatenationOptions(b, o.axis, ToActivation(o.activation)).Union()};
    }
    case OpType::kMean:
      return {O::ReducerOptions,
              fb::CreateReducerOptions(b, Opts<MeanOptions>(op, i).keep_dims).Union()};
    case OpType::kResizeNearestNeighbor: {
      const auto& o = Opts<ResizeNearestNeighborOptions>(op, i);
      return {O::ResizeNearestNeighborOptions,
              fb::CreateResizeNearestNeighborOptions(b, o.align_corners, o.half_pixel_centers).Union()};
    }
    case OpType::kPad:
      Opts<std::monostate>(op, i);
      return {O::PadOptions, fb::CreatePadOptions(b).Union()};
    case OpType::kTranspose:
      Opts<std::monostate>(op, i);
      return {O::TransposeOptions, fb::CreateTransposeOptions(b).Union()};
    case OpType::kQuantize:
      Opts<std::monostate>(op, i);
      return {O::QuantizeOptions, fb::CreateQuantizeOptions(b).Union()};
    case OpType::kDequantize:
      Opts<std::monostate>(op, i);
      return {O::DequantizeOptions, fb::CreateDequantizeOptions(b).Union()};
    case OpType::kHardSwish:
      Opts<std::monostate>(op, i);
      return {O::HardSwishOptions, fb::CreateHardSwishOptions(b).Union()};
    case OpType::kLogistic:
    case OpType::kRelu:
    case OpType::kRelu6:
      Opts<std::monostate>(op, i);
      return {O::NONE, 0};
  }
  return {O::NONE, 0};
}

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
    tensors.push_back(fb::CreateTensor(b, b.CreateVector(t.shape), ToTensorType(t.type),
                                       tensor_buffer[i], b.CreateString(t.name), q));
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
    const auto [otype, options] = WriteOptions(b, op, i);
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
