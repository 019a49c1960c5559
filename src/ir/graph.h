// Network IR: tensors, operators with typed options, and the graph that connects them.
// Layout is NHWC as in TFLite. This IR says *what* is computed; how it is scheduled and
// where its bytes live is the Plan IR's business (src/plan).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace tessera {

// Every error tessera reports about its input (model file, plan file, options) is an
// Error with a message that names what is wrong. The CLI turns it into exit code 2.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class DType : uint8_t { kFloat32, kInt32, kInt16, kInt8, kUInt8, kInt64, kBool };

const char* DTypeName(DType t);
// Bytes of one element.
int DTypeSize(DType t);

struct Quantization {
  std::vector<float> scale;        // empty: not quantized; 1 entry: per-tensor
  std::vector<int64_t> zero_point; // same length as scale
  int32_t quantized_dimension = 0; // axis of per-channel quantization
  bool empty() const { return scale.empty(); }
  bool per_channel() const { return scale.size() > 1; }
};

struct Tensor {
  std::string name;
  DType type = DType::kInt8;
  std::vector<int32_t> shape;
  Quantization quant;
  // Constant data (weights, biases, shape operands). Empty for activations.
  std::vector<uint8_t> data;
  bool is_const = false;
  // State (TFLite's `is_variable`: SVDF's activation state, LSTM's cell and output state): not
  // constant, not an activation. Its bytes persist from one invoke to the next in their own
  // region (Plan::state); `data` holds the initial value (all bytes; from the file's buffer
  // when it has one, else TFLM's reset value VariableResetValue), restored by a reset. Operators read and update it in place; it is never an
  // operator's output nor a graph input or output.
  bool is_variable = false;

  int64_t num_elements() const;  // product of shape (1 for a scalar)
  int64_t num_bytes() const { return num_elements() * DTypeSize(type); }
};

enum class OpType : uint8_t {
  kConv2D,
  kDepthwiseConv2D,
  kFullyConnected,
  kAdd,
  kMul,
  kAveragePool2D,
  kMaxPool2D,
  kMean,
  kPad,
  kReshape,
  kSoftmax,
  kLogistic,
  kHardSwish,
  kRelu,
  kRelu6,
  kConcatenation,
  kTranspose,
  kResizeNearestNeighbor,
  kQuantize,
  kDequantize,
  kShape,
  kStridedSlice,
  kPack,
  kReduceMax,
  kReduceMin,
  kTile,
  kResizeBilinear,
  kLogSoftmax,
  kSub,
  kMaximum,
  kMinimum,
  kSquaredDifference,
  kLeakyRelu,
  kPrelu,
  kTanh,
  kAbs,
  kRsqrt,
  kElu,
  kSum,
  kArgMax,
  kArgMin,
  kDepthToSpace,
  kSpaceToDepth,
  kSqueeze,
  kExpandDims,
  kSpaceToBatchNd,
  kBatchToSpaceNd,
  kTransposeConv,
  kNeg,
  kMirrorPad,
  kGather,
  kSvdf,
  kUnidirectionalSequenceLstm,
  // Resource variables (tflite/reader.cc ResolveResources): READ_VARIABLE copies a resource's state into an
  // activation; ASSIGN_VARIABLE copies its value into the state (its output is a one-byte
  // token, see op_resource.cc).
  kReadVariable,
  kAssignVariable,
};
constexpr int kNumOpTypes = static_cast<int>(OpType::kAssignVariable) + 1;

// TFLite builtin-operator name ("CONV_2D", ...).
const char* OpTypeName(OpType t);

enum class Padding : uint8_t { kSame, kValid };
enum class Activation : uint8_t { kNone, kRelu, kReluN1To1, kRelu6 };
const char* ActivationName(Activation a);

struct Conv2DOptions {
  Padding padding = Padding::kSame;
  int32_t stride_h = 1, stride_w = 1;
  int32_t dilation_h = 1, dilation_w = 1;
  Activation activation = Activation::kNone;
  bool operator==(const Conv2DOptions&) const = default;
};
// TRANSPOSE_CONV (no dilation; TFLM applies no fused activation).
struct TransposeConvOptions {
  Padding padding = Padding::kSame;
  int32_t stride_h = 1, stride_w = 1;
  bool operator==(const TransposeConvOptions&) const = default;
};
// UNIDIRECTIONAL_SEQUENCE_LSTM. `activation`: TFLite's ActivationFunctionType code of the cell
// gate (TFLM runs TANH only); clips 0: none.
struct UnidirectionalSequenceLstmOptions {
  int32_t activation = 0;
  float cell_clip = 0.0f, proj_clip = 0.0f;
  bool time_major = false;
  bool asymmetric_quantize_inputs = false;
  bool diagonal_recurrent_tensors = false;
  bool operator==(const UnidirectionalSequenceLstmOptions&) const = default;
};
struct DepthwiseConv2DOptions {
  Padding padding = Padding::kSame;
  int32_t stride_h = 1, stride_w = 1;
  int32_t depth_multiplier = 1;
  int32_t dilation_h = 1, dilation_w = 1;
  Activation activation = Activation::kNone;
  bool operator==(const DepthwiseConv2DOptions&) const = default;
};
struct Pool2DOptions {
  Padding padding = Padding::kValid;
  int32_t stride_h = 1, stride_w = 1;
  int32_t filter_h = 1, filter_w = 1;
  Activation activation = Activation::kNone;
  bool operator==(const Pool2DOptions&) const = default;
};
struct FullyConnectedOptions {
  Activation activation = Activation::kNone;
  bool keep_num_dims = false;
  bool operator==(const FullyConnectedOptions&) const = default;
};
struct AddOptions {
  Activation activation = Activation::kNone;
  bool operator==(const AddOptions&) const = default;
};
struct MulOptions {
  Activation activation = Activation::kNone;
  bool operator==(const MulOptions&) const = default;
};
struct SubOptions {
  Activation activation = Activation::kNone;
  bool operator==(const SubOptions&) const = default;
};
struct LeakyReluOptions {
  float alpha = 0.0f;
  bool operator==(const LeakyReluOptions&) const = default;
};
struct ArgMinMaxOptions {  // TFLite's ArgMaxOptions / ArgMinOptions
  DType out_type = DType::kInt64;
  bool operator==(const ArgMinMaxOptions&) const = default;
};
struct SpaceDepthOptions {  // TFLite's DepthToSpaceOptions / SpaceToDepthOptions
  int32_t block_size = 0;
  bool operator==(const SpaceDepthOptions&) const = default;
};
struct SqueezeOptions {
  std::vector<int32_t> squeeze_dims;  // empty: every axis of size 1
  bool operator==(const SqueezeOptions&) const = default;
};
struct GatherOptions {
  int32_t axis = 0;        // may be negative (counted from the params' rank)
  int32_t batch_dims = 0;  // may be negative (counted from the indices' rank)
  bool operator==(const GatherOptions&) const = default;
};
enum class MirrorPadMode : uint8_t { kReflect, kSymmetric };  // TFLite's REFLECT = 0, SYMMETRIC = 1
struct MirrorPadOptions {
  MirrorPadMode mode = MirrorPadMode::kReflect;
  bool operator==(const MirrorPadOptions&) const = default;
};
struct SvdfOptions {
  int32_t rank = 1;
  Activation activation = Activation::kNone;  // float32 only (TFLM's integer SVDF applies none)
  bool asymmetric_quantize_inputs = false;    // hybrid float/int8 (not supported)
  bool operator==(const SvdfOptions&) const = default;
};
struct ReshapeOptions {
  std::vector<int32_t> new_shape;  // may be empty: the shape comes from input 1 or output
  bool operator==(const ReshapeOptions&) const = default;
};
struct SoftmaxOptions {
  float beta = 1.0f;
};
struct ConcatenationOptions {
  int32_t axis = 0;
  Activation activation = Activation::kNone;
  bool operator==(const ConcatenationOptions&) const = default;
};
struct MeanOptions {  // TFLite's ReducerOptions; the axes are input 1 (a constant)
  bool keep_dims = false;
  bool operator==(const MeanOptions&) const = default;
};
struct ResizeNearestNeighborOptions {
  bool align_corners = false;
  bool half_pixel_centers = false;
  bool operator==(const ResizeNearestNeighborOptions&) const = default;
};

struct ShapeOptions {
  DType out_type = DType::kInt32;
  bool operator==(const ShapeOptions&) const = default;
};
struct StridedSliceOptions {
  int32_t begin_mask = 0, end_mask = 0, ellipsis_mask = 0, new_axis_mask = 0, shrink_axis_mask = 0;
  bool offset = false;
  bool operator==(const StridedSliceOptions&) const = default;
};
struct PackOptions {
  int32_t values_count = 0;
  int32_t axis = 0;
  bool operator==(const PackOptions&) const = default;
};
struct ResizeBilinearOptions {
  bool align_corners = false;
  bool half_pixel_centers = false;
  bool operator==(const ResizeBilinearOptions&) const = default;
};

using OpOptions =
    std::variant<std::monostate, Conv2DOptions, DepthwiseConv2DOptions, Pool2DOptions,
                 FullyConnectedOptions, AddOptions, MulOptions, ReshapeOptions, SoftmaxOptions,
                 ConcatenationOptions, MeanOptions, ResizeNearestNeighborOptions, ShapeOptions,
                 StridedSliceOptions, PackOptions, ResizeBilinearOptions, SubOptions,
                 LeakyReluOptions, ArgMinMaxOptions,
                 SpaceDepthOptions, SqueezeOptions, TransposeConvOptions, GatherOptions, MirrorPadOptions,
                 SvdfOptions, UnidirectionalSequenceLstmOptions>;

// The bytes TFLM's ResetVariableTensors gives a variable tensor (and TensorFlow Lite's
// ResetVariableTensor): every byte the zero point for int8, zeros for every other type.
std::vector<uint8_t> VariableResetValue(const Tensor& t);

// Optional operand absent (e.g. a convolution without bias).
constexpr int kNoTensor = -1;

struct Operator {
  OpType type = OpType::kConv2D;
  std::vector<int> inputs;   // tensor indices, kNoTensor for an absent optional operand
  std::vector<int> outputs;  // tensor indices
  OpOptions options;

  template <class T>
  const T& opts() const { return std::get<T>(options); }
  template <class T>
  T& opts() { return std::get<T>(options); }
};

// Operands by position, as in TFLite.
namespace operand {
constexpr int kInput = 0;
constexpr int kFilter = 1;  // CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED weights
constexpr int kBias = 2;
}  // namespace operand

struct Graph {
  std::string name;  // model name (file stem, or zoo name)
  std::vector<Tensor> tensors;
  std::vector<Operator> ops;  // in a valid execution order
  std::vector<int> inputs;
  std::vector<int> outputs;
  // Operators folded into constants at load time (ir/fold.h), one line each, for reports:
  // "SHAPE (op 12) -> tensor 40 'shape' = [1,1,1,64] int32".
  std::vector<std::string> folded;
  // Operators read as other operators (ops/lowering.h), one line each, for reports:
  // "SPLIT (op 4) -> 3 STRIDED_SLICE".
  std::vector<std::string> lowered;

  // Index of the operator that writes tensor t, or -1 (graph input or constant).
  int producer(int t) const;
  // Operators that read tensor t, in order.
  std::vector<int> consumers(int t) const;
  // True for tensors that are neither constant nor absent: the ones that need arena memory.
  bool is_activation(int t) const;
  // True for state tensors (Tensor::is_variable).
  bool is_state(int t) const;
  // The state tensors in index order.
  std::vector<int> state_tensors() const;

  // Checks structure (indices in range, each activation written once, operators in
  // topological order, operand counts and types per operator) and infers/validates every
  // activation's shape from the inputs. Throws Error naming the operator and tensor at fault.
  void Validate();
};

// Names for error messages: "operator 3 (CONV_2D)", "tensor 7 ('block1/expand')". The index
// must be in range.
std::string OpLabel(const Graph& g, int op);
std::string TensorLabel(const Graph& g, int tensor);

// "[1,96,96,3]", for messages.
std::string ShapeStr(const std::vector<int32_t>& shape);

// Shape helpers for NHWC activation tensors (rank 4; rank < 4 is padded at the front).
struct Shape4 {
  int32_t n = 1, h = 1, w = 1, c = 1;
};
Shape4 AsNHWC(const std::vector<int32_t>& shape);

// Output size of a convolution/pool along one axis, and the padding before the first element,
// exactly as TFLite computes them.
int32_t ConvOutputSize(Padding p, int32_t in, int32_t filter, int32_t stride, int32_t dilation);
int32_t ConvPaddingBefore(Padding p, int32_t in, int32_t filter, int32_t stride, int32_t dilation,
                          int32_t out);

}  // namespace tessera
