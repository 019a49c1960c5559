// Operators as units: everything tessera knows about one operator type lives in that
// operator's own file under src/ops/ (op_<family>.cc), as one OpUnit registered in one table
// (registry.cc). The rest of the code asks the table (Unit(type)) instead of switching on the
// operator type:
//
//   src/tflite   reads and writes the operator's TFLite options     ReadOptions / WriteOptions
//   src/ir       folds it into a constant at load time when it can   Fold
//   src/ir       validation and shape inference                       Validate
//   src/analysis receptive field (output window -> input windows), MACs
//                                                                      Windowable / InputWindow / Macs
//   src/memory   how its output may share bytes with its input        Overlap
//   src/ops      TFLM's Prepare, the kernel call over one window      Prepare / Run / ScratchBytes /
//                                                                      WorkspaceBytes / RequiredInputWindow
//   src/codegen  the C statement that calls the kernel                Emit
//
// The checker keeps its own, independent model of each operator's access order
// (src/checker); the latency model's per-kernel features stay beside the fitted table
// (src/analysis/latency.cc). Adding an operator: its OpType and options (ir/graph.h), its
// unit (a file here, one line in registry.cc), its kernel (kernels/), its checker model and
// its tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "plan/plan.h"

namespace tessera {

class OpCheck;       // ir/op_check.h
struct EmitContext;  // codegen/emit_ops.h
namespace tflite {
class OptionsIn;     // tflite/options.h
struct OptionsOut;
}  // namespace tflite

namespace ops {

struct PreparedOp;
struct ConstView;
struct MutView;

// How a step of the operator may share bytes between its input and its output
// (memory/overlap.h's OverlapClass, before the element sizes are looked at).
enum class OverlapRule : uint8_t {
  kNone,         // one unit reads everything, then writes everything
  kInPlace,      // writes only what it has read last (DEPTHWISE_CONV_2D, pools)
  kOverlap,      // a per-unit access order (CONV_2D, FULLY_CONNECTED, ...)
  kElementwise,  // in place at equal element sizes, an overlap otherwise
};

// What InputWindow is asked: the window of input operand `operand` (an activation) of
// operator `op` that output window `out_win` (non-empty, inside the output) needs.
struct WindowQuery {
  const Graph& g;
  int op;
  int operand;
  int in_tensor;
  Shape4 in;   // NHWC view of the input operand
  Shape4 out;  // NHWC view of the output
  Window out_win;

  const Operator& o() const { return g.ops[op]; }
  // w clipped to the input's extent (empty when they do not meet).
  Window Clip(const Window& w) const;
  Window Full() const { return Window{0, in.h, 0, in.w}; }
};

class OpUnit {
 public:
  // `builtin`: TFLite's BuiltinOperator code.
  OpUnit(OpType type, const char* name, int32_t builtin) : type_(type), name_(name), builtin_(builtin) {}
  virtual ~OpUnit() = default;
  OpUnit(const OpUnit&) = delete;
  OpUnit& operator=(const OpUnit&) = delete;

  OpType type() const { return type_; }
  const char* name() const { return name_; }  // TFLite's name: "CONV_2D"
  int32_t builtin() const { return builtin_; }

  // ---- .tflite (src/tflite). The default: no options table.
  virtual OpOptions ReadOptions(const tflite::OptionsIn& in) const;
  virtual void WriteOptions(tflite::OptionsOut& out, const Operator& op) const;

  // ---- load-time folding (ir/fold.h): the output's bytes when they are fixed at load time
  // (every input a constant, or only static shapes read); false when they are not. Called
  // before validation: a unit checks what it reads.
  virtual bool Fold(const Graph& g, const Operator& o, std::vector<uint8_t>* out) const;

  // ---- validation and shape inference (src/ir): checks operands, types, quantization and
  // options and that the output's shape is the inferred one; OpCheck's Fail names the operator.
  virtual void Validate(OpCheck& c) const = 0;

  // Whether input operand `operand` is state (Tensor::is_variable; Plan::state holds it and
  // RunState gets it). Validation rejects state anywhere else.
  virtual bool StateOperand(int /*operand*/) const { return false; }

  // ---- analysis (src/analysis)
  // Whether the kernel can compute any output window from windows of its inputs.
  virtual bool Windowable(const Graph& g, int op) const;
  // Called only for windowable operators (and then for every activation operand).
  virtual Window InputWindow(const WindowQuery& q) const;
  // Multiply-accumulates of output window `win` (non-empty).
  virtual int64_t Macs(const Graph& g, int op, const Window& win) const;

  // ---- memory (src/memory)
  virtual OverlapRule Overlap() const { return OverlapRule::kNone; }
  // The rule for operator `op` of `g` (a convolution over a batch above 1 has none).
  virtual OverlapRule OverlapOf(const Graph&, int) const { return Overlap(); }
  // A view (RESHAPE, SQUEEZE, EXPAND_DIMS): the output is the input's bytes under another
  // shape. The executor and the generated code copy the bytes (nothing when the output sits at
  // the input's offset); the planners may alias the two buffers (schedule/fuse.h).
  virtual bool View() const { return false; }

  // ---- operator layer (src/ops/ops.h): TFLM's Prepare into `p` (whose op, type, label,
  // output, out_shape and out_elem_bytes are set), and the kernel call over one window.
  virtual void Prepare(const Graph& g, const Operator& o, PreparedOp& p, int fused_pad) const = 0;
  // `workspace`: nullptr or WorkspaceBytes(p, win) bytes (see ops::WorkspaceBytes).
  virtual void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out,
                   Window win, uint8_t* scratch, uint8_t* workspace) const = 0;
  // A unit with state operands runs through RunState: `state` holds one view per state
  // operand (in operand order, whole tensors), read and updated in place. The default calls
  // Run.
  virtual void RunState(const PreparedOp& p, const std::vector<ConstView>& inputs,
                        const MutView& out, Window win, uint8_t* scratch, uint8_t* workspace,
                        const std::vector<MutView>& state) const;
  // Bytes of the optional scratch (see ops::ScratchBytes); 0: no scratch path.
  virtual int64_t ScratchBytes(const PreparedOp& p) const;
  // Bytes of the kernel's workspace over window `win` (see ops::WorkspaceBytes); 0: none.
  virtual int64_t WorkspaceBytes(const PreparedOp& p, Window win) const;
  // ops::RequiredInputWindow for a prepared operator; the default follows p.kind (element-
  // wise: the same window, broadcast axes aside; whole: every input whole).
  virtual Window RequiredInputWindow(const PreparedOp& p, int input, Window win) const;

  // ---- code generation (src/codegen): C statements running one step.
  virtual std::string Emit(const EmitContext& e) const = 0;

 private:
  OpType type_;
  const char* name_;
  int32_t builtin_;
};

// A unit that runs only through RunState (SVDF, LSTM, READ_VARIABLE, ASSIGN_VARIABLE): Run
// without the state views is an error.
class StatefulUnit : public OpUnit {
 public:
  using OpUnit::OpUnit;
  void Run(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out, Window win,
           uint8_t* scratch, uint8_t* workspace) const final;
};

// The unit of every operator type tessera supports (registry.cc).
const OpUnit& Unit(OpType type);
// The unit whose TFLite builtin code is `builtin`, or nullptr.
const OpUnit* FindUnit(int32_t builtin);

}  // namespace ops
}  // namespace tessera
