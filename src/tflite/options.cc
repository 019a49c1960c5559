#include "tflite/options.h"

namespace tessera::tflite {
namespace {

std::string OptionsName(fb::BuiltinOptions o) {
  const char* n = fb::EnumNameBuiltinOptions(o);
  if (n && *n) return n;
  return "options type " + std::to_string(static_cast<int>(o));
}

}  // namespace

void OptionsIn::Fail(const std::string& msg) const { throw Error(prefix_ + ": " + msg); }

void OptionsIn::Expect(fb::BuiltinOptions want) const {
  const fb::BuiltinOptions have = op_->builtin_options_type();
  if (have != fb::BuiltinOptions::NONE && have != want)
    Fail("builtin_options is " + OptionsName(have) + ", expected " +
         (want == fb::BuiltinOptions::NONE ? std::string("none") : OptionsName(want)));
  if (have != fb::BuiltinOptions::NONE && op_->builtin_options() == nullptr)
    Fail("builtin_options_type is " + OptionsName(have) + " but the table is missing");
}

// Reads a fused activation: NONE, RELU, RELU_N1_TO_1, RELU6.
Activation OptionsIn::ReadActivation(fb::ActivationFunctionType a) const {
  switch (a) {
    case fb::ActivationFunctionType::NONE: return Activation::kNone;
    case fb::ActivationFunctionType::RELU: return Activation::kRelu;
    case fb::ActivationFunctionType::RELU_N1_TO_1: return Activation::kReluN1To1;
    case fb::ActivationFunctionType::RELU6: return Activation::kRelu6;
    default: break;
  }
  const char* n = fb::EnumNameActivationFunctionType(a);
  Fail("fused_activation_function " + (n && *n ? std::string(n) : std::to_string(static_cast<int>(a))) +
       " is not supported (NONE, RELU, RELU_N1_TO_1, RELU6)");
}

Padding OptionsIn::ReadPadding(fb::Padding p) const {
  if (p == fb::Padding::SAME) return Padding::kSame;
  if (p == fb::Padding::VALID) return Padding::kValid;
  Fail("padding " + std::to_string(static_cast<int>(p)) + " is neither SAME nor VALID");
}

void OptionsOut::WrongOptions(const Operator& op) const {
  throw Error("cannot write operator " + std::to_string(op_index) + " (" + OpTypeName(op.type) +
              "): its options are of the wrong kind for the operator");
}

std::optional<DType> FromTensorType(fb::TensorType t) {
  switch (t) {
    case fb::TensorType::FLOAT32: return DType::kFloat32;
    case fb::TensorType::INT32: return DType::kInt32;
    case fb::TensorType::INT16: return DType::kInt16;
    case fb::TensorType::INT8: return DType::kInt8;
    case fb::TensorType::UINT8: return DType::kUInt8;
    case fb::TensorType::INT64: return DType::kInt64;
    default: return std::nullopt;
  }
}

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

}  // namespace tessera::tflite
