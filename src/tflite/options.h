// Reading and writing one operator's TFLite options: the context an operator unit's
// ReadOptions / WriteOptions (ops/unit.h) gets from the reader and the writer.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <optional>
#include <string>

#include "ir/graph.h"
#include "tflite_schema_generated.h"

namespace tessera::tflite {

namespace fb = ::tessera::tfl;

class OptionsIn {
 public:
  // `prefix`: what every error message starts with ("model.tflite: CONV_2D (op 3)").
  OptionsIn(const fb::Operator* op, std::string prefix) : op_(op), prefix_(std::move(prefix)) {}

  const fb::Operator* op() const { return op_; }
  [[noreturn]] void Fail(const std::string& msg) const;

  // Checks that the operator's builtin_options are of type `want` (or absent) and returns
  // the table as T, nullptr when absent (the caller then uses the schema's defaults).
  template <class T>
  const T* Table(fb::BuiltinOptions want) const {
    Expect(want);
    return want == fb::BuiltinOptions::NONE ? nullptr : static_cast<const T*>(op_->builtin_options());
  }
  // An operator whose options table has no fields (or that has none): checks the type.
  OpOptions Empty(fb::BuiltinOptions want) const {
    Expect(want);
    return std::monostate{};
  }

  Activation ReadActivation(fb::ActivationFunctionType a) const;
  Padding ReadPadding(fb::Padding p) const;

 private:
  void Expect(fb::BuiltinOptions want) const;

  const fb::Operator* op_;
  std::string prefix_;
};

// What WriteOptions gives the writer: the options table's type and offset.
struct OptionsOut {
  flatbuffers::FlatBufferBuilder& b;
  size_t op_index;
  fb::BuiltinOptions type = fb::BuiltinOptions::NONE;
  flatbuffers::Offset<void> table;

  void Set(fb::BuiltinOptions t, flatbuffers::Offset<void> o) {
    type = t;
    table = o;
  }
  // The operator's options as T, or an Error naming the operator.
  template <class T>
  const T& Opts(const Operator& op) const {
    if (const T* p = std::get_if<T>(&op.options)) return *p;
    WrongOptions(op);
  }
  [[noreturn]] void WrongOptions(const Operator& op) const;
};

// Tensor types: tessera's DType of a TFLite type (nullopt: not supported), and back.
std::optional<DType> FromTensorType(fb::TensorType t);
fb::TensorType ToTensorType(DType t);

fb::ActivationFunctionType ToActivation(Activation a);
fb::Padding ToPadding(Padding p);

}  // namespace tessera::tflite
