// The table of operator units: one line per operator type tessera supports.
#include <array>
#include <string>

#include "ops/unit.h"

namespace tessera::ops {

// Defined in each operator's own file (op_<family>.cc).
const OpUnit& Conv2DUnit();
const OpUnit& DepthwiseConv2DUnit();
const OpUnit& FullyConnectedUnit();
const OpUnit& AddUnit();
const OpUnit& MulUnit();
const OpUnit& AveragePool2DUnit();
const OpUnit& MaxPool2DUnit();
const OpUnit& MeanUnit();
const OpUnit& PadUnit();
const OpUnit& ReshapeUnit();
const OpUnit& SoftmaxUnit();
const OpUnit& LogisticUnit();
const OpUnit& HardSwishUnit();
const OpUnit& ReluUnit();
const OpUnit& Relu6Unit();
const OpUnit& ConcatenationUnit();
const OpUnit& TransposeUnit();
const OpUnit& ResizeNearestNeighborUnit();
const OpUnit& QuantizeUnit();
const OpUnit& DequantizeUnit();
const OpUnit& ShapeUnit();
const OpUnit& StridedSliceUnit();
const OpUnit& PackUnit();
const OpUnit& ReduceMaxUnit();
const OpUnit& ReduceMinUnit();
const OpUnit& TileUnit();
const OpUnit& ResizeBilinearUnit();
const OpUnit& LogSoftmaxUnit();
const OpUnit& SubUnit();
const OpUnit& MaximumUnit();
const OpUnit& MinimumUnit();
const OpUnit& SquaredDifferenceUnit();
const OpUnit& LeakyReluUnit();
const OpUnit& PreluUnit();
const OpUnit& TanhUnit();
const OpUnit& AbsUnit();
const OpUnit& RsqrtUnit();
const OpUnit& EluUnit();
const OpUnit& SumUnit();
const OpUnit& ArgMaxUnit();
const OpUnit& ArgMinUnit();
const OpUnit& DepthToSpaceUnit();
const OpUnit& SpaceToDepthUnit();
const OpUnit& SqueezeUnit();
const OpUnit& ExpandDimsUnit();
const OpUnit& SpaceToBatchNdUnit();
const OpUnit& BatchToSpaceNdUnit();
const OpUnit& TransposeConvUnit();
const OpUnit& NegUnit();
const OpUnit& MirrorPadUnit();
const OpUnit& GatherUnit();
const OpUnit& SvdfUnit();
const OpUnit& UnidirectionalSequenceLstmUnit();
const OpUnit& ReadVariableUnit();
const OpUnit& AssignVariableUnit();

namespace {

using UnitFn = const OpUnit& (*)();
constexpr UnitFn kUnits[] = {
    Conv2DUnit,      DepthwiseConv2DUnit, FullyConnectedUnit, AddUnit,           MulUnit,
    AveragePool2DUnit, MaxPool2DUnit,     MeanUnit,           PadUnit,           ReshapeUnit,
    SoftmaxUnit,     LogisticUnit,        HardSwishUnit,      ReluUnit,          Relu6Unit,
    ConcatenationUnit, TransposeUnit,     ResizeNearestNeighborUnit, QuantizeUnit, DequantizeUnit,
    ShapeUnit,       StridedSliceUnit,    PackUnit,           ReduceMaxUnit,     ReduceMinUnit,
    TileUnit,        ResizeBilinearUnit,  LogSoftmaxUnit,     SubUnit,           MaximumUnit,
    MinimumUnit,     SquaredDifferenceUnit, LeakyReluUnit,    PreluUnit,         TanhUnit,
    AbsUnit,         RsqrtUnit,           EluUnit,            SumUnit,           ArgMaxUnit,
    ArgMinUnit,      DepthToSpaceUnit,    SpaceToDepthUnit,   SqueezeUnit,       ExpandDimsUnit,
    SpaceToBatchNdUnit, BatchToSpaceNdUnit, TransposeConvUnit, NegUnit,      MirrorPadUnit,     GatherUnit,
    SvdfUnit,
    UnidirectionalSequenceLstmUnit,
    ReadVariableUnit, AssignVariableUnit,
};

// Indexed by OpType; every entry's type() is its index (checked once).
const std::array<const OpUnit*, kNumOpTypes>& Table() {
  static const std::array<const OpUnit*, kNumOpTypes> table = [] {
    std::array<const OpUnit*, kNumOpTypes> t{};
    for (UnitFn f : kUnits) {
      const OpUnit& u = f();
      const int i = static_cast<int>(u.type());
      if (i < 0 || i >= kNumOpTypes || t[i])
        throw Error(std::string("operator unit table: ") + u.name() + " is registered twice or out of range");
      t[i] = &u;
    }
    for (int i = 0; i < kNumOpTypes; ++i)
      if (!t[i]) throw Error("operator unit table: operator type " + std::to_string(i) + " has no unit");
    return t;
  }();
  return table;
}

}  // namespace

const OpUnit& Unit(OpType type) {
  const int i = static_cast<int>(type);
  if (i < 0 || i >= kNumOpTypes) throw Error("unknown operator type " + std::to_string(i));
  return *Table()[i];
}

const OpUnit* FindUnit(int32_t builtin) {
  for (const OpUnit* u : Table())
    if (u->builtin() == builtin) return u;
  return nullptr;
}

}  // namespace tessera::ops
