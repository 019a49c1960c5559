// One plan step -> one kernel call, with the parameters ops::PrepareOp computes (the ones
// the host executor's RunOp passes to the same kernels).
#include <cstdio>
#include <sstream>

#include "codegen/emit_ops.h"
#include "ops/ops.h"

namespace tessera {
namespace {

// Designated-initializer builder: F(o, "name", value).
class Init {
 public:
  template <class T>
  Init& F(const char* name, T v) {
    o_ << (first_ ? "" : ", ") << "." << name << " = " << static_cast<int64_t>(v);
    first_ = false;
    return *this;
  }
  Init& S(const char* name, const std::string& expr) {
    o_ << (first_ ? "" : ", ") << "." << name << " = " << expr;
    first_ = false;
    return *this;
  }
  std::string str() const {
    std::string r = "{";
    r += o_.str();
    r += "}";
    return r;
  }

 private:
  std::ostringstream o_;
  bool first_ = true;
};

std::string Array(const int32_t* v, int n) {
  std::ostringstream o;
  o << "{";
  for (int i = 0; i < n; ++i) o << (i ? ", " : "") << v[i];
  o << "}";
  return o.str();
}

std::string DoubleLiteral(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string ConvInit(ModelWriter& w, const ops::PreparedOp& p) {
  const ts_conv_params& c = p.conv;
  const std::string mult = w.ConstI32("mult", p.multipliers.data(), p.multipliers.size());
  const std::string shift = w.ConstI32("shift", p.shifts.data(), p.shifts.size());
  return Init()
      .F("in_h", c.in_h).F("in_w", c.in_w).F("in_c", c.in_c)
      .F("out_h", c.out_h).F("out_w", c.out_w).F("out_c", c.out_c)
      .F("filter_h", c.filter_h).F("filter_w", c.filter_w)
      .F("filter_in_c", c.filter_in_c).F("depth_multiplier", c.depth_multiplier)
      .F("stride_h", c.stride_h).F("stride_w", c.stride_w)
      .F("dilation_h", c.dilation_h).F("dilation_w", c.dilation_w)
      .F("pad_top", c.pad_top).F("pad_left", c.pad_left)
      .F("input_offset", c.input_offset).F("output_offset", c.output_offset)
      .F("act_min", c.act_min).F("act_max", c.act_max)
      .S("output_multiplier", mult).S("output_shift", shift)
      .str();
}

std::string PoolInit(const ts_pool_params& c) {
  return Init()
      .F("in_h", c.in_h).F("in_w", c.in_w).F("channels", c.channels)
      .F("out_h", c.out_h).F("out_w", c.out_w)
      .F("filter_h", c.filter_h).F("filter_w", c.filter_w)
      .F("stride_h", c.stride_h).F("stride_w", c.stride_w)
      .F("pad_top", c.pad_top).F("pad_left", c.pad_left)
      .F("act_min", c.act_min).F("act_max", c.act_max)
      .str();
}

// The filter: PrepareOp points into the Graph's constant data of the operator's filter
// operand; emit that tensor.
std::string FilterSym(ModelWriter& w, const ops::PreparedOp& p) {
  const Graph& g = w.graph();
  const Operator& op = g.ops[p.op];
  if (op.inputs.size() > 1 && op.inputs[1] != kNoTensor) {
    const Tensor& t = g.tensors[op.inputs[1]];
    if (t.is_const && !t.data.empty() &&
        reinterpret_cast<const uint8_t*>(p.filter) == t.data.data())
      return w.ConstTensor(op.inputs[1]);
  }
  throw Error("codegen: " + p.label + ": the prepared filter is not the operator's filter tensor");
}

std::string BiasSym(ModelWriter& w, const ops::PreparedOp& p) {
  if (p.bias.empty()) return "NULL";
  return w.ConstI32("bias", p.bias.data(), p.bias.size());
}

std::string Scratch(ModelWriter& w, const Step& st) {
  return st.scratch >= 0 ? w.BufferPtr(st.scratch) : std::string("NULL");
}

// C expression for constant operand `od` (ADD/MUL/CONCATENATION): PrepareOp points into
// the Graph's data of the operand tensor; emit that tensor.
std::string ConstOperand(ModelWriter& w, const ops::PreparedOp& p, const ops::Operand& od) {
  const Graph& g = w.graph();
  if (od.tensor < 0 || od.tensor >= static_cast<int>(g.tensors.size()) || !g.tensors[od.tensor].is_const ||
      od.const_data != g.tensors[od.tensor].data.data())
    throw Error("codegen: " + p.label + ": a constant operand is not a constant tensor of the graph");
  return w.ConstTensor(od.tensor);
}

// ts_operand for ADD/MUL operand k: the strides ops::RunOp derives from the operand's shape
// against the output's (an axis whose size differs from the output's is broadcast).
std::string OperandExpr(ModelWriter& w, const ops::PreparedOp& p, const Step& st, int k) {
  const Plan& plan = w.plan();
  const ops::Operand& od = p.operands.at(k);
  const Shape4& s = od.shape;
  const Shape4& out = p.out_shape;
  Window held{0, s.h, 0, s.w};
  std::string data;
  if (od.view >= 0) {
    const int b = st.inputs.at(od.view);
    held = plan.buffers[b].window;
    data = w.BufferPtr(b);
  } else {
    data = ConstOperand(w, p, od);
  }
  const int64_t sc = (s.c == out.c) ? 1 : 0;
  const int64_t sx = (s.w == out.w) ? s.c : 0;
  const int64_t sy = (s.h == out.h) ? static_cast<int64_t>(held.w()) * s.c : 0;
  std::ostringstream o;
  o << "(ts_operand){(const int8_t*)" << data << ", " << held.y0 << ", " << held.x0 << ", " << sy << ", "
    << sx << ", " << sc << "}";
  return o.str();
}

}  // namespace

std::string EmitOpStep(ModelWriter& w, int step) {
  const Graph& g = w.graph();
  const Plan& plan = w.plan();
  const Step& st = plan.steps[step];
  const ops::PreparedOp p = ops::PrepareOp(g, st.op, st.fused_pad);
  std::ostringstream o;
  auto in = [&](int i) { return w.Buf(st.inputs.at(i), true); };
  auto in_ptr = [&](int i) { return w.BufferPtr(st.inputs.at(i)); };
  const std::string out = w.Buf(st.outputs.at(0), false);
  const std::string out_ptr = w.BufferPtr(st.outputs.at(0));
  const std::string win = ModelWriter::Win(st.window);
  const int32_t channels = p.out_shape.c;

  switch (p.impl) {
    case ops::Impl::kConv:
    case ops::Impl::kDepthwise: {
      const std::string params = w.Params("ts_conv_params", ConvInit(w, p));
      o << "  " << (p.impl == ops::Impl::kConv ? "ts_conv2d_s8" : "ts_depthwise_conv2d_s8") << "(&"
        << params << ", " << in(0) << ", " << FilterSym(w, p) << ", " << BiasSym(w, p) << ",\n      "
        << out << ", " << win << ", " << Scratch(w, st) << ");\n";
      break;
    }
    case ops::Impl::kAvgPool:
    case ops::Impl::kMaxPool: {
      const std::string params = w.Params("ts_pool_params", PoolInit(p.pool));
      o << "  " << (p.impl == ops::Impl::kAvgPool ? "ts_avg_pool2d_s8" : "ts_max_pool2d_s8") << "(&"
        << params << ", " << in(0) << ", " << out << ", " << win << ", " << Scratch(w, st) << ");\n";
      break;
    }
    case ops::Impl::kPad: {
      const ts_pad_params& c = p.pad;
      const std::string params = w.Params(
          "ts_pad_params", Init()
                               .F("in_h", c.in_h).F("in_w", c.in_w).F("in_c", c.in_c)
                               .F("out_h", c.out_h).F("out_w", c.out_w).F("out_c", c.out_c)
                               .F("pad_top", c.pad_top).F("pad_left", c.pad_left).F("pad_c", c.pad_c)
                               .F("elem_bytes", c.elem_bytes).F("pad_value", c.pad_value)
                               .str());
      o << "  ts_pad(&" << params << ", " << in(0) << ", " << out << ", " << win << ", "
        << Scratch(w, st) << ");\n";
      break;
    }
    case ops::Impl::kResize: {
      const ts_resize_params& c = p.resize;
      const std::string params = w.Params(
          "ts_resize_params", Init()
                                  .F("in_h", c.in_h).F("in_w", c.in_w).F("channels", c.channels)
                                  .F("out_h", c.out_h).F("out_w", c.out_w)
                                  .F("align_corners", c.align_corners)
                                  .F("half_pixel_centers", c.half_pixel_centers)
                                  .F("elem_bytes", c.elem_bytes)
                                  .str());
      o << "  ts_resize_nearest(&" << params << ", " << in(0) << ", " << out << ", " << win << ", "
        << Scratch(w, st) << ");\n";
      break;
    }
    case ops::Impl::kFullyConnected: {
      const ts_fc_params& c = p.fc;
      const std::string mult = w.ConstI32("mult", p.multipliers.data(), p.multipliers.size());
      const std::string shift = w.ConstI32("shift", p.shifts.data(), p.shifts.size());
      const std::string params = w.Params(
          "ts_fc_params", Init()
                              .F("batches", c.batches).F("in_depth", c.in_depth).F("out_depth", c.out_depth)
                              .F("input_offset", c.input_offset).F("filter_offset", c.filter_offset)
                              .F("output_offset", c.output_offset)
                              .F("act_min", c.act_min).F("act_max", c.act_max)
                              .S("output_multiplier", mult).S("output_shift", shift)
                              .F("per_channel", c.per_channel)
                              .str());
      o << "  ts_fully_connected_s8(&" << params << ", " << in_ptr(0) << ", " << FilterSym(w, p) << ", "
        << BiasSym(w, p) << ", " << out_ptr << ", " << Scratch(w, st) << ");\n";
      break;
    }
    case ops::Impl::kAdd: {
      const ts_add_params& c = p.add;
      const std::string params = w.Params(
          "ts_add_params", Init()
                               .F("input1_offset", c.input1_offset).F("input2_offset", c.input2_offset)
                               .F("output_offset", c.output_offset).F("left_shift", c.left_shift)
                               .F("input1_multiplier", c.input1_multiplier).F("input1_shift", c.input1_shift)
                               .F("input2_multiplier", c.input2_multiplier).F("input2_shift", c.input2_shift)
                               .F("output_multiplier", c.output_multiplier).F("output_shift", c.output_shift)
                               .F("act_min", c.act_min).F("act_max", c.act_max)
                               .str());
      o << "  ts_add_s8(&" << params << ",\n      " << OperandExpr(w, p, st, 0) << ",\n      "
        << OperandExpr(w, p, st, 1) << ",\n      " << out << ", " << channels << ", " << win << ");\n";
      break;
    }
    case ops::Impl::kMul: {
      const ts_mul_params& c = p.mul;
      const std::string params = w.Params(
          "ts_mul_params", Init()
                               .F("input1_offset", c.input1_offset).F("input2_offset", c.input2_offset)
                               .F("output_offset", c.output_offset)
                               .F("output_multiplier", c.output_multiplier).F("output_shift", c.output_shift)
                               .F("act_min", c.act_min).F("act_max", c.act_max)
                               .str());
      o << "  ts_mul_s8(&" << params << ",\n      " << OperandExpr(w, p, st, 0) << ",\n      "
        << OperandExpr(w, p, st, 1) << ",\n      " << out << ", " << channels << ", " << win << ");\n";
      break;
    }
    case ops::Impl::kRequantize: {
      const ts_requant_params& c = p.requant;
      const std::string params = w.Params(
          "ts_requant_params", Init()
                                   .F("input_zero_point", c.input_zero_point)
                                   .F("output_zero_point", c.output_zero_point)
                                   .F("multiplier", c.multiplier).F("shift", c.shift)
                                   .F("act_min", c.act_min).F("act_max", c.act_max)
                                   .str());
      o << "  ts_requantize_s8(&" << params << ", " << in(0) << ", " << out << ", " << channels << ", "
        << win << ");\n";
      break;
    }
    case ops::Impl::kClamp:
      o << "  ts_clamp_s8(" << static_cast<int>(p.clamp_lo) << ", " << static_cast<int>(p.clamp_hi) << ", "
        << in(0) << ", " << out << ", " << channels << ", " << win << ");\n";
      break;
    case ops::Impl::kLogistic: {
      const ts_logistic_params& c = p.logistic;
      const std::string params = w.Params(
          "ts_logistic_params", Init()
                                    .F("input_zero_point", c.input_zero_point)
                                    .F("input_range_radius", c.input_range_radius)
                                    .F("input_multiplier", c.input_multiplier)
                                    .F("input_left_shift", c.input_left_shift)
                                    .str());
      o << "  ts_logistic_s8(&" << params << ", " << in(0) << ", " << out << ", " << channels << ", "
        << win << ");\n";
      break;
    }
    case ops::Impl::kHardSwish: {
      const ts_hard_swish_params& c = p.hard_swish;
      const std::string params = w.Params(
          "ts_hard_swish_params",
          Init()
              .F("input_zero_point", c.input_zero_point).F("output_zero_point", c.output_zero_point)
              .F("reluish_multiplier_exponent", c.reluish_multiplier_exponent)
              .F("output_multiplier_exponent", c.output_multiplier_exponent)
              .F("reluish_multiplier_fixedpoint_int16", c.reluish_multiplier_fixedpoint_int16)
              .F("output_multiplier_fixedpoint_int16", c.output_multiplier_fixedpoint_int16)
              .str());
      o << "  ts_hard_swish_s8(&" << params << ", " << in(0) << ", " << out << ", " << channels << ", "
        << win << ");\n";
      break;
    }
    case ops::Impl::kSoftmax: {
      const ts_softmax_params& c = p.softmax;
      const std::string params = w.Params(
          "ts_softmax_params", Init()
                                   .F("input_multiplier", c.input_multiplier)
                                   .F("input_left_shift", c.input_left_shift)
                                   .F("diff_min", c.diff_min)
                                   .str());
      o << "  ts_softmax_s8(&" << params << ", " << in_ptr(0) << ", " << out_ptr << ", " << p.softmax_rows
        << ", " << p.softmax_depth << ", " << Scratch(w, st) << ");\n";
      break;
    }
    case ops::Impl::kMean: {
      const ts_mean_params& c = p.mean;
      const std::string params = w.Params(
          "ts_mean_params", Init()
                                .F("rank", c.rank)
                                .S("dims", Array(c.dims, TS_MAX_DIMS))
                                .S("reduce", Array(c.reduce, TS_MAX_DIMS))
                                .F("requantize", c.requantize)
                                .F("input_zero_point", c.input_zero_point)
                                .F("output_zero_point", c.output_zero_point)
                                .F("multiplier", c.multiplier).F("shift", c.shift)
                                .str());
      o << "  ts_mean_s8(&" << params << ", " << in_ptr(0) << ", " << out_ptr << ", " << Scratch(w, st)
        << ");\n";
      break;
    }
    case ops::Impl::kTranspose: {
      const ts_transpose_params& c = p.transpose;
      const std::string params = w.Params(
          "ts_transpose_params", Init()
                                     .F("rank", c.rank)
                                     .S("in_dims", Array(c.in_dims, TS_MAX_DIMS))
                                     .S("perm", Array(c.perm, TS_MAX_DIMS))
                                     .F("elem_bytes", c.elem_bytes)
                                     .str());
      if (p.kind == ops::Kind::kSpatial)  // a window of the output from a window of the input
        o << "  ts_transpose_window(&" << params << ", " << in(0) << ", " << out << ", " << win << ");\n";
      else
        o << "  ts_transpose(&" << params << ", " << in_ptr(0) << ", " << out_ptr << ");\n";
      break;
    }
    case ops::Impl::kConcat: {
      o << "  {\n    const void* const inputs[" << p.operands.size() << "] = {";
      for (size_t k = 0; k < p.operands.size(); ++k) {
        const ops::Operand& od = p.operands[k];
        o << (k ? ", " : "") << (od.view >= 0 ? w.BufferPtr(st.inputs.at(od.view)) : ConstOperand(w, p, od));
      }
      o << "};\n    static const int32_t axis_sizes[" << p.concat_axis_sizes.size() << "] = "
        << Array(p.concat_axis_sizes.data(), static_cast<int>(p.concat_axis_sizes.size())) << ";\n"
        << "    ts_concatenation(inputs, axis_sizes, " << p.operands.size() << ", " << p.concat_outer
        << ", " << p.concat_inner_bytes << ", " << out_ptr << ");\n  }\n";
      break;
    }
    case ops::Impl::kQuantizeF32:
      o << "  ts_quantize_f32_s8(" << DoubleLiteral(p.quant_scale) << ", " << p.quant_zero_point << ", "
        << in(0) << ", " << out << ", " << channels << ", " << win << ");\n";
      break;
    case ops::Impl::kDequantize:
      o << "  ts_dequantize_s8_f32(" << DoubleLiteral(p.quant_scale) << ", " << p.quant_zero_point << ", "
        << in(0) << ", " << out << ", " << channels << ", " << win << ");\n";
      break;
    case ops::Impl::kCopy:
      o << "  ts_copy_bytes(" << in_ptr(0) << ", " << out_ptr << ", " << p.copy_bytes << ");\n";
      break;
  }
  return o.str();
}

}  // namespace tessera
