// RESHAPE, SQUEEZE and EXPAND_DIMS: the same bytes under another shape (views: a step whose
// output may sit at its input's offset, skipped when the addresses are equal; otherwise a byte
// copy).
#include <string>

#include "codegen/emit_ops.h"
#include "ir/op_check.h"
#include "ops/prepare_util.h"
#include "ops/unit.h"
#include "tflite/options.h"
#include "tflite/reader.h"

namespace tessera::ops {
namespace {

using tflite::fb::BuiltinOptions;



// Prepare, Run and Emit of the views: the input's bytes copied whole.
class ViewUnit : public OpUnit {
 public:
  using OpUnit::OpUnit;
  bool View() const override { return true; }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& y = OutputTensor(g, label, o);
    if (x.type != y.type) Fail(label, "input and output types differ");
    if (x.num_elements() != y.num_elements())
      Fail(label, "input '" + x.name + "' has " + std::to_string(x.num_elements()) + " elements, output '" +
                      y.name + "' has " + std::to_string(y.num_elements()));
    p.copy_bytes = x.num_bytes();
    p.inputs = {o.inputs[0]};
    p.in_shape = AsNHWC(x.shape);
    p.in_elem_bytes = p.out_elem_bytes = ElemBytes(x.type);
    p.kind = Kind::kWhole;
    p.impl = Impl::kCopy;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window,
           uint8_t*, uint8_t*) const override {
    ts_copy_bytes(inputs[0].data, out.data, static_cast<size_t>(p.copy_bytes));
  }

  std::string Emit(const EmitContext& e) const override {
    return "  ts_copy_bytes(" + e.in_ptr(0) + ", " + e.out_ptr() + ", " + std::to_string(e.p.copy_bytes) + ");\n";
  }
};

// An int8 or int16 activation input (as RESHAPE; TFLM's views copy bytes of any type) and an
// output of its type.
void ValidateViewIo(OpCheck& c, int in, int out) {
  c.Activation(in, "input");
  c.Type(in, "input", {DType::kInt8, DType::kInt16});
  c.SameType(in, out, "input", "output");
}

class Reshape final : public ViewUnit {
 public:
  Reshape() : ViewUnit(OpType::kReshape, "RESHAPE", static_cast<int32_t>(tflite::fb::BuiltinOperator::RESHAPE)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    ReshapeOptions o;
    if (const auto* p = in.Table<tflite::fb::ReshapeOptions>(BuiltinOptions::ReshapeOptions))
      if (const auto* ns = p->new_shape()) {
        if (ns->size() > static_cast<flatbuffers::uoffset_t>(kMaxTfliteRank))
          in.Fail("new_shape has " + std::to_string(ns->size()) + " entries (maximum rank " +
                  std::to_string(kMaxTfliteRank) + ")");
        o.new_shape.assign(ns->begin(), ns->end());
      }
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const auto& o = out.Opts<ReshapeOptions>(op);
    flatbuffers::Offset<flatbuffers::Vector<int32_t>> ns;
    if (!o.new_shape.empty()) ns = out.b.CreateVector(o.new_shape);
    out.Set(BuiltinOptions::ReshapeOptions, tflite::fb::CreateReshapeOptions(out.b, ns).Union());
  }

  void Validate(OpCheck& c) const override {
    c.Arity(1, 2);
    auto& opts = c.Options<ReshapeOptions>("ReshapeOptions");
    const int in = c.In(0, "input"), out = c.Out();
    ValidateViewIo(c, in, out);
    std::vector<int64_t> target;
    const int st = c.Opt(1);
    const auto& ns = opts.new_shape;
    if (st != kNoTensor) {
      if (c.T(st).shape.size() > 1) c.OpFail(c.Role("shape", st) + " must be 1-D");
      target = c.Ints(st, "shape");
    } else if (!ns.empty()) {
      target.assign(ns.begin(), ns.end());
    } else {
      // Neither a shape operand nor new_shape: the declared output shape is the target, and
      // it is recorded in new_shape (TFLite's RESHAPE needs one of the two).
      target.assign(c.T(out).shape.begin(), c.T(out).shape.end());
      opts.new_shape = c.T(out).shape;
    }
    if (target.size() > static_cast<size_t>(OpCheck::kMaxRank))
      c.OpFail("new shape has " + std::to_string(target.size()) + " dimensions");
    const int64_t n = c.T(in).num_elements();
    int unknown = -1;
    int64_t known = 1;
    for (size_t d = 0; d < target.size(); ++d) {
      if (target[d] == -1) {
        if (unknown >= 0) c.OpFail("new shape has more than one -1");
        unknown = static_cast<int>(d);
      } else if (target[d] < 1 || target[d] > (int64_t{1} << 30)) {
        c.OpFail("new shape dimension " + std::to_string(d) + " is " + std::to_string(target[d]));
      } else {
        known *= target[d];
        if (known > n) break;
      }
    }
    if (unknown >= 0) {
      if (known > n || n % known != 0)
        c.OpFail("cannot reshape " + ShapeStr(c.T(in).shape) + " (" + std::to_string(n) + " elements) with a -1 dimension");
      target[unknown] = n / known;
      known = n;
    }
    if (known != n)
      c.OpFail("new shape has " + std::to_string(known) + " elements, input " + c.TRef(in) + " " +
               ShapeStr(c.T(in).shape) + " has " + std::to_string(n));
    c.ExpectShape(std::vector<int32_t>(target.begin(), target.end()));
  }
};

// SQUEEZE (TFLite squeeze.cc): the axes of size 1 in squeeze_dims (every one when empty) removed.
class Squeeze final : public ViewUnit {
 public:
  Squeeze() : ViewUnit(OpType::kSqueeze, "SQUEEZE", static_cast<int32_t>(tflite::fb::BuiltinOperator::SQUEEZE)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    SqueezeOptions o;
    if (const auto* p = in.Table<tflite::fb::SqueezeOptions>(BuiltinOptions::SqueezeOptions))
      if (const auto* d = p->squeeze_dims()) {
        if (d->size() > static_cast<flatbuffers::uoffset_t>(kMaxTfliteRank))
          in.Fail("squeeze_dims has " + std::to_string(d->size()) + " entries (maximum rank " +
                  std::to_string(kMaxTfliteRank) + ")");
        o.squeeze_dims.assign(d->begin(), d->end());
      }
    return o;
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    const auto& o = out.Opts<SqueezeOptions>(op);
    flatbuffers::Offset<flatbuffers::Vector<int32_t>> d;
    if (!o.squeeze_dims.empty()) d = out.b.CreateVector(o.squeeze_dims);
    out.Set(BuiltinOptions::SqueezeOptions, tflite::fb::CreateSqueezeOptions(out.b, d).Union());
  }

  void Validate(OpCheck& c) const override {
    c.Arity(1, 1);
    const auto& opts = c.Options<SqueezeOptions>("SqueezeOptions");
    const int in = c.In(0, "input"), out = c.Out();
    ValidateViewIo(c, in, out);
    const auto& is = c.T(in).shape;
    const int r = static_cast<int>(is.size());
    std::vector<char> drop(r, opts.squeeze_dims.empty() ? 1 : 0);
    for (int32_t d : opts.squeeze_dims) {
      if (d < -r || d >= r)
        c.OpFail("squeeze dimension " + std::to_string(d) + " is out of range for input rank " + std::to_string(r));
      const int a = (d + r) % r;
      if (is[a] != 1)
        c.OpFail("squeeze dimension " + std::to_string(d) + " of " + c.Role("input", in) + " " + ShapeStr(is) +
                 " has size " + std::to_string(is[a]) + ", not 1");
      drop[a] = 1;
    }
    std::vector<int32_t> want;
    for (int a = 0; a < r; ++a)
      if (!drop[a] || is[a] != 1) want.push_back(is[a]);
    c.ExpectShape(want);
  }
};

// EXPAND_DIMS (TFLite expand_dims.cc): an axis of size 1 inserted at the constant `axis`
// (input 1, one int32 or int64 value in [-rank - 1, rank]).
class ExpandDims final : public ViewUnit {
 public:
  ExpandDims()
      : ViewUnit(OpType::kExpandDims, "EXPAND_DIMS", static_cast<int32_t>(tflite::fb::BuiltinOperator::EXPAND_DIMS)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override {
    return in.Empty(BuiltinOptions::ExpandDimsOptions);
  }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Opts<std::monostate>(op);
    out.Set(BuiltinOptions::ExpandDimsOptions, tflite::fb::CreateExpandDimsOptions(out.b).Union());
  }

  void Validate(OpCheck& c) const override {
    c.Arity(2, 2);
    c.NoOptions();
    const int in = c.In(0, "input"), ax = c.In(1, "axis"), out = c.Out();
    ValidateViewIo(c, in, out);
    const auto& is = c.T(in).shape;
    const int r = static_cast<int>(is.size());
    if (r + 1 > OpCheck::kMaxRank) c.OpFail(c.Role("input", in) + " has rank " + std::to_string(r));
    const auto v = c.Ints(ax, "axis");
    if (v.size() != 1) c.OpFail(c.Role("axis", ax) + " has " + std::to_string(v.size()) + " values, expected 1");
    if (v[0] < -r - 1 || v[0] > r)
      c.OpFail("axis " + std::to_string(v[0]) + " is out of range for input rank " + std::to_string(r));
    const int a = static_cast<int>(v[0] < 0 ? v[0] + r + 1 : v[0]);
    std::vector<int32_t> want(is.begin(), is.end());
    want.insert(want.begin() + a, 1);
    c.ExpectShape(want);
  }
};
}  // namespace

const OpUnit& ReshapeUnit() {
  static const Reshape u;
  return u;
}
const OpUnit& SqueezeUnit() {
  static const Squeeze u;
  return u;
}
const OpUnit& ExpandDimsUnit() {
  static const ExpandDims u;
  return u;
}

}  // namespace tessera::ops
