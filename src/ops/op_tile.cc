// TILE (TensorFlow Lite 2.9 tile.cc; TFLM has none): the input repeated `multiples` times
// along each axis, rank <= 5, any element type. Runs over its whole output. Its input may be a
// constant (SSD's anchors are tiled constants whose multiples fold at load time): the kernel
// then reads the constant directly.
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

struct TileParams {
  ts_tile_params k{};
  int const_input = kNoTensor;       // the input when it is a constant of the Graph
  const uint8_t* const_data = nullptr;
};

std::string ArrayOf(const int32_t* v) { return Array(v, TS_SLICE_MAX_DIMS); }

class Tile final : public OpUnit {
 public:
  Tile() : OpUnit(OpType::kTile, "TILE", static_cast<int32_t>(tflite::fb::BuiltinOperator::TILE)) {}

  OpOptions ReadOptions(const tflite::OptionsIn& in) const override { return in.Empty(BuiltinOptions::TileOptions); }
  void WriteOptions(tflite::OptionsOut& out, const Operator& op) const override {
    out.Opts<std::monostate>(op);
    out.Set(BuiltinOptions::TileOptions, tflite::fb::CreateTileOptions(out.b).Union());
  }

  void Validate(OpCheck& c) const override {
    c.Arity(2, 2);
    c.NoOptions();
    const int in = c.In(0, "input"), m = c.In(1, "multiples"), out = c.Out();
    c.SameType(in, out, "input", "output");
    const auto& is = c.T(in).shape;
    if (is.size() > TS_SLICE_MAX_DIMS)
      c.OpFail(c.Role("input", in) + " has rank " + std::to_string(is.size()) + ", at most 5 is supported");
    if (c.T(m).shape.size() > 1) c.OpFail(c.Role("multiples", m) + " must be 1-D");
    const auto mult = c.Ints(m, "multiples");
    if (mult.size() != is.size())
      c.OpFail(c.Role("multiples", m) + " has " + std::to_string(mult.size()) + " entries, the input has rank " +
               std::to_string(is.size()));
    std::vector<int32_t> want(is.size());
    for (size_t d = 0; d < is.size(); ++d) {
      if (mult[d] < 0 || mult[d] * is[d] > (int64_t{1} << 30))
        c.OpFail("multiple " + std::to_string(mult[d]) + " of dimension " + std::to_string(d) + " is out of range");
      want[d] = static_cast<int32_t>(mult[d] * is[d]);
    }
    c.ExpectShape(want);
  }

  void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int) const override {
    const std::string& label = p.label;
    const Tensor& x = OperandTensor(g, label, o, 0, "input");
    const Tensor& m = OperandTensor(g, label, o, 1, "multiples");
    const Tensor& y = OutputTensor(g, label, o);
    if (x.type != y.type) Fail(label, "input and output types differ");
    RequireRank(label, x, 1, TS_SLICE_MAX_DIMS, "input");
    const std::vector<int64_t> mult = ConstInts(label, m, "multiples");
    TileParams& t = UnitParams<TileParams>(p);
    t.k.rank = static_cast<int32_t>(x.shape.size());
    t.k.elem_bytes = ElemBytes(x.type);
    if (mult.size() != x.shape.size()) Fail(label, "multiples and input rank differ");
    int64_t n = 1;
    for (int i = 0; i < t.k.rank; ++i) {
      t.k.in_dims[i] = x.shape[i];
      t.k.multiples[i] = static_cast<int32_t>(mult[i]);
      n *= x.shape[i] * mult[i];
    }
    if (n != y.num_elements()) Fail(label, "the output's shape is not the input's times the multiples");
    if (x.is_const) {
      RequireConst(label, x, "input");
      t.const_input = o.inputs[0];
      t.const_data = x.data.data();
      p.inputs = {};
    } else {
      p.inputs = {o.inputs[0]};
    }
    p.in_shape = AsNHWC(x.shape);
    p.in_elem_bytes = p.out_elem_bytes = t.k.elem_bytes;
    p.kind = Kind::kWhole;
    p.impl = Impl::kUnit;
  }

  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window,
           uint8_t*, uint8_t*) const override {
    const TileParams& t = UnitParams<TileParams>(p);
    ts_tile(&t.k, t.const_data ? static_cast<const void*>(t.const_data) : inputs[0].data, out.data);
  }

  std::string Emit(const EmitContext& e) const override {
    const TileParams& t = UnitParams<TileParams>(e.p);
    const std::string params = e.w.Params("ts_tile_params", Init()
                                                                .F("rank", t.k.rank)
                                                                .S("in_dims", ArrayOf(t.k.in_dims))
                                                                .S("multiples", ArrayOf(t.k.multiples))
                                                                .F("elem_bytes", t.k.elem_bytes)
                                                                .str());
    const std::string in = t.const_input != kNoTensor ? e.w.ConstTensor(t.const_input) : e.in_ptr(0);
    return "  ts_tile(&" + params + ", " + in + ", " + e.out_ptr() + ");\n";
  }
};

}  // namespace

const OpUnit& TileUnit() {
  static const Tile u;
  return u;
}

}  // namespace tessera::ops
