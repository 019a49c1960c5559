// SHAPE: the input's shape as an int32 or int64 vector. Every tensor's shape is static here,
// so SHAPE always folds into a constant at load time (ir/fold.h) and never runs.
#include <cstring>
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/unit.h"
#include "tflite/options.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;

class Shape final : public OpUnit {
 public:
  Shape() : OpUnit(OpType::kShape, "SHAPE", static_cast<int32_t>(tflite::fb::BuiltinOperator::SHAPE)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    ShapeOptions o;
    if (const auto* p = in.Table<tflite::fb::ShapeOptions>(BuiltinOptions::ShapeOptions)) {
      const auto t = tflite::FromTensorType(p->out_type());
      if (!t || (*t != DType::kInt32 && *t != DType::kInt64))
        in.Fail("out_type must be INT32 or INT64, is " +
                std::string(tflite::fb::EnumNameTensorType(p->out_type())));
      o.out_type = *t;
    }
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Set(BuiltinOptions::ShapeOptions,
            tflite::fb::CreateShapeOptions(out.b, tflite::ToTensorType(out.Opts<ShapeOptions>(op).out_type)).Union());
  }

  bool Fold(const Graph& g, const Operator& o, std::vector<uint8_t>* out) const override {
    const auto* opts = std::get_if<ShapeOptions>(&o.options);
    if (!opts || o.inputs.size() != 1 || o.inputs[0] < 0 || o.inputs[0] >= static_cast<int>(g.tensors.size()))
      return false;
    const std::vector<int32_t>& s = g.tensors[o.inputs[0]].shape;
    const int es = opts->out_type == DType::kInt64 ? 8 : 4;
    out->resize(s.size() * es);
    for (size_t i = 0; i < s.size(); ++i) {
      const int64_t v64 = s[i];
      const int32_t v32 = s[i];
      std::memcpy(out->data() + i * es, es == 8 ? static_cast<const void*>(&v64) : &v32, es);
    }
    return true;
  }

  // Reached only for a SHAPE that did not fold (its operands are malformed).
  void Validate(OpCheck& c) const override {
    c.Arity(1, 1);
    c.Options<ShapeOptions>("ShapeOptions");
    c.In(0, "input");
    c.OpFail("could not be folded at load time (SHAPE only runs folded)");
  }
  void Prepare(const Graph&, const Operator&, PreparedOp& p, int) const override {
    Fail(p.label, "SHAPE is folded at load time and never runs");
  }
  void Run(const PreparedOp& p, const std::vector<ConstView>&, const MutView&, Window, uint8_t*, uint8_t*) const override {
    Fail(p.label, "SHAPE is folded at load time and never runs");
  }
  std::string Emit(const EmitContext& e) const override {
    Fail(e.p.label, "SHAPE is folded at load time and never runs");
  }
};

}  // namespace

const OpUnit& ShapeUnit() {
  static const Shape u;
  return u;
}

}  // namespace tessera::ops
