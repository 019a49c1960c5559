#include "exec/op_adapter.h"

#include <string>

namespace tessera::ops_adapter {

// TODO(executor): wire to src/ops/ops.h once the operator layer lands.
struct PreparedImpl {
  int op = -1;
};

Prepared Prepare(const Graph& g, int op, int) {
  throw Error(std::string("operator ") + std::to_string(op) + " (" + OpTypeName(g.ops[op].type) +
              "): the operator layer is not available in this build");
}
int64_t ScratchBytes(const Prepared&, const Window&) { return 0; }
void Run(const Prepared&, const std::vector<View>&, const std::vector<View>&, const Window&, uint8_t*, int64_t) {
  throw Error("the operator layer is not available in this build");
}

}  // namespace tessera::ops_adapter
