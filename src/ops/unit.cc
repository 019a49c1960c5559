// OpUnit's defaults: what an operator that mixes positions (runs only over its whole output)
// and has no TFLite options does.
#include "ops/unit.h"

#include <algorithm>

#include "ops/ops.h"
#include "ops/prepare_util.h"
#include "tflite/options.h"

namespace tessera::ops {

Window WindowQuery::Clip(const Window& w) const {
  Window r{std::max(w.y0, 0), std::min(w.y1, in.h), std::max(w.x0, 0), std::min(w.x1, in.w)};
  if (r.empty()) return Window{};
  return r;
}

OpOptions OpUnit::ReadOptions(const tflite::OptionsIn& in) const { return in.Empty(tflite::fb::BuiltinOptions::NONE); }

void OpUnit::WriteOptions(tflite::OptionsOut& out, const Operator& op) const {
  out.Opts<std::monostate>(op);
  out.Set(tflite::fb::BuiltinOptions::NONE, 0);
}

bool OpUnit::Fold(const Graph&, const Operator&, std::vector<uint8_t>*) const { return false; }

bool OpUnit::Windowable(const Graph&, int) const { return false; }

Window OpUnit::InputWindow(const WindowQuery& q) const { return q.Full(); }

int64_t OpUnit::Macs(const Graph&, int, const Window&) const { return 0; }

int64_t OpUnit::ScratchBytes(const PreparedOp&) const { return 0; }
int64_t OpUnit::WorkspaceBytes(const PreparedOp&, Window) const { return 0; }

void OpUnit::RunState(const PreparedOp& p, const std::vector<ConstView>& inputs, const MutView& out,
                      Window win, uint8_t* scratch, uint8_t* workspace, const std::vector<MutView>&) const {
  Run(p, inputs, out, win, scratch, workspace);
}

void StatefulUnit::Run(const PreparedOp& p, const std::vector<ConstView>&, const MutView&, Window, uint8_t*,
                       uint8_t*) const {
  Fail(p.label, "runs only with its state (RunOp's state views)");
}

Window OpUnit::RequiredInputWindow(const PreparedOp& p, int input, Window win) const {
  if (p.kind == Kind::kElementwise) {
    Shape4 s = p.in_shape;
    for (const auto& op : p.operands)
      if (op.view == input) s = op.shape;
    Window r;
    r.y0 = s.h == 1 ? 0 : win.y0;
    r.y1 = s.h == 1 ? 1 : win.y1;
    r.x0 = s.w == 1 ? 0 : win.x0;
    r.x1 = s.w == 1 ? 1 : win.x1;
    return r;
  }
  // Whole-tensor operators read all of every input.
  Shape4 s = p.in_shape;
  for (const auto& op : p.operands)
    if (op.view == input) s = op.shape;
  return FullOf(s);
}

}  // namespace tessera::ops
