// Graph::Validate on hand-built graphs: correct shapes are accepted, wrong ones rejected with
// an error naming the operator (type and index) and the tensor. Expected shapes below are
// worked out by hand from TFLite's rules, not computed by the code under test.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ir/graph.h"
#include "support/all_ops_graph.h"

namespace tessera {
namespace {

using test::IrBuilder;
using Shape = std::vector<int32_t>;

std::string ValidateError(Graph g) {
  try {
    g.Validate();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_VALID(g) EXPECT_EQ(ValidateError(g), "")
#define EXPECT_INVALID(g, ...)                                                        \
  do {                                                                                \
    const std::string m_ = ValidateError(g);                                          \
    EXPECT_FALSE(m_.empty()) << "accepted";                                           \
    for (const char* part : {__VA_ARGS__})                                            \
      EXPECT_NE(m_.find(part), std::string::npos) << "'" << part << "' not in: " << m_; \
  } while (0)

// ---- single-operator graphs ----

Graph Conv(Shape in, Shape filter, Shape out, Conv2DOptions o, int bias_len = -1) {
  IrBuilder b("conv");
  const int x = b.Act("x", in);
  const int w = b.Weights("w", filter, 0);
  std::vector<int> ins = {x, w};
  if (bias_len != 0) {
    const int bias = b.Bias("b", w, 0, 0.05f);
    if (bias_len > 0) {
      b.g.tensors[bias].shape = {bias_len};
      b.g.tensors[bias].data.resize(4 * bias_len);
      b.g.tensors[bias].quant.scale.resize(bias_len, 0.001f);
      b.g.tensors[bias].quant.zero_point.resize(bias_len, 0);
    }
    ins.push_back(bias);
  }
  const int y = b.Act("y", out);
  b.Op(OpType::kConv2D, ins, y, o);
  b.g.inputs = {x};
  b.g.outputs = {y};
  return b.g;
}

Conv2DOptions ConvOpts(Padding p, int stride, int dilation = 1) {
  Conv2DOptions o;
  o.padding = p;
  o.stride_h = o.stride_w = stride;
  o.dilation_h = o.dilation_w = dilation;
  return o;
}

TEST(GraphValidate, AllOpsGraphIsValid) { EXPECT_VALID(test::AllOpsGraph()); }

TEST(GraphValidate, ConvOutputShapes) {
  // SAME: ceil(in / stride).
  EXPECT_VALID(Conv({1, 7, 7, 3}, {8, 3, 3, 3}, {1, 4, 4, 8}, ConvOpts(Padding::kSame, 2)));
  EXPECT_VALID(Conv({1, 8, 8, 3}, {8, 3, 3, 3}, {1, 8, 8, 8}, ConvOpts(Padding::kSame, 1)));
  // VALID: (in - k) / stride + 1 = (7 - 3) / 2 + 1 = 3.
  EXPECT_VALID(Conv({1, 7, 7, 3}, {8, 3, 3, 3}, {1, 3, 3, 8}, ConvOpts(Padding::kValid, 2)));
  // VALID with dilation 2: effective kernel 5, 9 - 5 + 1 = 5.
  EXPECT_VALID(Conv({1, 9, 9, 3}, {8, 3, 3, 3}, {1, 5, 5, 8}, ConvOpts(Padding::kValid, 1, 2)));
  // Non-square input and filter: VALID (10-3)/1+1 = 8 rows, (6-1)/1+1 = 6 columns.
  EXPECT_VALID(Conv({1, 10, 6, 3}, {8, 3, 1, 3}, {1, 8, 6, 8}, ConvOpts(Padding::kValid, 1)));
  // No bias.
  EXPECT_VALID(Conv({1, 4, 4, 3}, {2, 1, 1, 3}, {1, 4, 4, 2}, ConvOpts(Padding::kSame, 1), 0));
}

TEST(GraphValidate, ConvErrors) {
  EXPECT_INVALID(Conv({1, 7, 7, 3}, {8, 3, 3, 3}, {1, 3, 3, 8}, ConvOpts(Padding::kSame, 2)),
                 "CONV_2D (op 0)", "output tensor 3 'y'", "[1,3,3,8]", "[1,4,4,8]");
  EXPECT_INVALID(Conv({1, 7, 7, 3}, {8, 3, 3, 3}, {1, 7, 7, 8}, ConvOpts(Padding::kSame, 0)),
                 "CONV_2D (op 0)", "strides must be >= 1");
  EXPECT_INVALID(Conv({1, 7, 7, 3}, {8, 3, 3, 3}, {1, 7, 7, 8}, ConvOpts(Padding::kSame, 1, 0)),
                 "CONV_2D (op 0)", "dilations must be >= 1");
  EXPECT_INVALID(Conv({1, 3, 3, 3}, {8, 5, 5, 3}, {1, 1, 1, 8}, ConvOpts(Padding::kValid, 1)),
                 "CONV_2D (op 0)", "output height would be -1");
  EXPECT_INVALID(Conv({1, 7, 7, 4}, {8, 3, 3, 3}, {1, 7, 7, 8}, ConvOpts(Padding::kSame, 1)),
                 "CONV_2D (op 0)", "channel mismatch", "has 4 channels", "expects 3");
  EXPECT_INVALID(Conv({1, 7, 7, 3}, {8, 3, 3, 3}, {1, 7, 7, 8}, ConvOpts(Padding::kSame, 1), 6),
                 "CONV_2D (op 0)", "bias tensor 2 'b'", "has 6 elements, expected 8");
  Graph g = Conv({1, 7, 7, 3}, {8, 3, 3, 3}, {1, 7, 7, 8}, ConvOpts(Padding::kSame, 1));
  g.tensors[1].is_const = false;
  g.tensors[1].data.clear();
  g.inputs.push_back(1);
  EXPECT_INVALID(g, "CONV_2D (op 0)", "filter tensor 1 'w' must be constant");
  // A batch above 1 runs (whole-tensor steps, test_elem_ops); the output keeps the batch.
  g = Conv({2, 7, 7, 3}, {8, 3, 3, 3}, {1, 7, 7, 8}, ConvOpts(Padding::kSame, 1));
  EXPECT_INVALID(g, "CONV_2D (op 0)", "has shape [1,7,7,8], but its inputs and options give [2,7,7,8]");
  g = Conv({70000, 1, 1, 3}, {8, 1, 1, 3}, {70000, 1, 1, 8}, ConvOpts(Padding::kSame, 1));
  EXPECT_INVALID(g, "CONV_2D (op 0)", "input tensor 0 'x' has batch 70000, expected 1 to 65536");
  g = Conv({1, 7, 7, 3}, {8, 3, 3, 3}, {1, 7, 7, 8}, ConvOpts(Padding::kSame, 1));
  g.tensors[0].type = DType::kFloat32;
  g.tensors[0].quant = {};
  EXPECT_INVALID(g, "CONV_2D (op 0)", "input tensor 0 'x' is float32, expected int8");
  g = Conv({1, 7, 7, 3}, {8, 3, 3, 3}, {1, 7, 7, 8}, ConvOpts(Padding::kSame, 1));
  g.tensors[1].quant.scale.pop_back();
  g.tensors[1].quant.zero_point.pop_back();
  EXPECT_INVALID(g, "tensor 1 'w'", "7 scales", "has 8");
  g = Conv({1, 7, 7, 3}, {8, 3, 3, 3}, {1, 7, 7, 8}, ConvOpts(Padding::kSame, 1));
  g.ops[0].options = Pool2DOptions{};
  EXPECT_INVALID(g, "CONV_2D (op 0)", "options must be Conv2DOptions");
  g = Conv({1, 7, 7, 3}, {8, 3, 3, 3}, {1, 7, 7, 8}, ConvOpts(Padding::kSame, 1));
  g.ops[0].inputs.resize(1);
  EXPECT_INVALID(g, "CONV_2D (op 0)", "has 1 inputs, expected 2 to 3");
}

Graph Depthwise(Shape in, Shape filter, Shape out, int dm, int stride, Padding p) {
  IrBuilder b("dw");
  const int x = b.Act("x", in);
  const int w = b.Weights("w", filter, 3);
  const int bias = b.Bias("b", w, 3, 0.05f);
  const int y = b.Act("y", out);
  DepthwiseConv2DOptions o;
  o.padding = p;
  o.stride_h = o.stride_w = stride;
  o.depth_multiplier = dm;
  b.Op(OpType::kDepthwiseConv2D, {x, w, bias}, y, o);
  b.g.inputs = {x};
  b.g.outputs = {y};
  return b.g;
}

TEST(GraphValidate, Depthwise) {
  EXPECT_VALID(Depthwise({1, 9, 9, 4}, {1, 3, 3, 4}, {1, 5, 5, 4}, 1, 2, Padding::kSame));
  EXPECT_VALID(Depthwise({1, 9, 9, 4}, {1, 3, 3, 8}, {1, 7, 7, 8}, 2, 1, Padding::kValid));
  EXPECT_INVALID(Depthwise({1, 9, 9, 4}, {1, 3, 3, 8}, {1, 7, 7, 8}, 1, 1, Padding::kValid),
                 "DEPTHWISE_CONV_2D (op 0)", "channel mismatch", "depth_multiplier is 1");
  EXPECT_INVALID(Depthwise({1, 9, 9, 4}, {1, 3, 3, 4}, {1, 9, 9, 4}, 1, 2, Padding::kSame),
                 "DEPTHWISE_CONV_2D (op 0)", "'y'", "[1,5,5,4]");
}

Graph Fc(Shape in, Shape filter, Shape out, bool keep) {
  IrBuilder b("fc");
  const int x = b.Act("x", in);
  const int w = b.Weights("w", filter, -1);
  const int bias = b.Bias("b", w, 0, 0.05f);
  const int y = b.Act("y", out);
  FullyConnectedOptions o;
  o.keep_num_dims = keep;
  b.Op(OpType::kFullyConnected, {x, w, bias}, y, o);
  b.g.inputs = {x};
  b.g.outputs = {y};
  return b.g;
}

TEST(GraphValidate, FullyConnected) {
  EXPECT_VALID(Fc({1, 640}, {128, 640}, {1, 128}, false));
  EXPECT_VALID(Fc({1, 1, 1, 64}, {10, 64}, {1, 10}, false));  // flattened input
  EXPECT_VALID(Fc({1, 4, 64}, {10, 64}, {4, 10}, false));      // 4 rows
  EXPECT_VALID(Fc({1, 4, 64}, {10, 64}, {1, 4, 10}, true));    // keep_num_dims
  EXPECT_INVALID(Fc({1, 4, 64}, {10, 64}, {4, 10}, true), "FULLY_CONNECTED (op 0)", "[1,4,10]");
  EXPECT_INVALID(Fc({1, 100}, {10, 64}, {1, 10}, false), "FULLY_CONNECTED (op 0)",
                 "not a multiple of the filter depth 64");
  EXPECT_INVALID(Fc({1, 64}, {10, 64}, {1, 11}, false), "FULLY_CONNECTED (op 0)", "[1,11]", "[1,10]");
}

Graph Binary(OpType t, Shape a, Shape bshape, Shape out) {
  IrBuilder b("bin");
  const int x = b.Act("a", a);
  const int z = b.Act("b", bshape);
  const int y = b.Act("y", out);
  if (t == OpType::kAdd) b.Op(t, {x, z}, y, AddOptions{});
  else b.Op(t, {x, z}, y, MulOptions{});
  b.g.inputs = {x, z};
  b.g.outputs = {y};
  return b.g;
}

TEST(GraphValidate, AddMulBroadcast) {
  EXPECT_VALID(Binary(OpType::kAdd, {1, 4, 4, 8}, {1, 4, 4, 8}, {1, 4, 4, 8}));
  EXPECT_VALID(Binary(OpType::kMul, {1, 4, 4, 8}, {1, 1, 1, 8}, {1, 4, 4, 8}));
  EXPECT_VALID(Binary(OpType::kMul, {1, 4, 4, 8}, {8}, {1, 4, 4, 8}));
  EXPECT_VALID(Binary(OpType::kAdd, {1, 4, 1, 8}, {1, 1, 5, 1}, {1, 4, 5, 8}));
  EXPECT_INVALID(Binary(OpType::kAdd, {1, 4, 4, 8}, {1, 4, 4, 3}, {1, 4, 4, 8}), "ADD (op 0)",
                 "cannot be broadcast");
  EXPECT_INVALID(Binary(OpType::kMul, {1, 4, 4, 8}, {1, 4, 4, 8}, {1, 4, 4, 16}), "MUL (op 0)",
                 "'y'", "[1,4,4,8]");
}

Graph Pool(OpType t, Shape in, Shape out, int k, int stride, Padding p) {
  IrBuilder b("pool");
  const int x = b.Act("x", in);
  const int y = b.Act("y", out);
  Pool2DOptions o;
  o.padding = p;
  o.filter_h = o.filter_w = k;
  o.stride_h = o.stride_w = stride;
  b.Op(t, {x}, y, o);
  b.g.inputs = {x};
  b.g.outputs = {y};
  return b.g;
}

TEST(GraphValidate, Pools) {
  EXPECT_VALID(Pool(OpType::kAveragePool2D, {1, 7, 7, 8}, {1, 1, 1, 8}, 7, 1, Padding::kValid));
  EXPECT_VALID(Pool(OpType::kMaxPool2D, {1, 7, 7, 8}, {1, 4, 4, 8}, 3, 2, Padding::kSame));
  EXPECT_VALID(Pool(OpType::kMaxPool2D, {1, 7, 7, 8}, {1, 3, 3, 8}, 3, 2, Padding::kValid));
  EXPECT_INVALID(Pool(OpType::kMaxPool2D, {1, 7, 7, 8}, {1, 3, 3, 8}, 0, 2, Padding::kValid),
                 "MAX_POOL_2D (op 0)", "filter size must be >= 1");
  EXPECT_INVALID(Pool(OpType::kAveragePool2D, {1, 7, 7, 8}, {1, 3, 3, 8}, 3, 2, Padding::kSame),
                 "AVERAGE_POOL_2D (op 0)", "[1,4,4,8]");
  EXPECT_INVALID(Pool(OpType::kAveragePool2D, {1, 2, 2, 8}, {1, 1, 1, 8}, 3, 1, Padding::kValid),
                 "AVERAGE_POOL_2D (op 0)", "output height would be 0");
}

Graph Mean(Shape in, std::vector<int64_t> axes, bool keep, Shape out) {
  IrBuilder b("mean");
  const int x = b.Act("x", in);
  const int a = b.Ints("axes", axes);
  const int y = b.Act("y", out);
  b.Op(OpType::kMean, {x, a}, y, MeanOptions{keep});
  b.g.inputs = {x};
  b.g.outputs = {y};
  return b.g;
}

TEST(GraphValidate, Mean) {
  EXPECT_VALID(Mean({1, 5, 5, 16}, {1, 2}, true, {1, 1, 1, 16}));
  EXPECT_VALID(Mean({1, 5, 5, 16}, {1, 2}, false, {1, 16}));
  EXPECT_VALID(Mean({1, 5, 5, 16}, {-2, -3}, false, {1, 16}));
  EXPECT_INVALID(Mean({1, 5, 5, 16}, {1, 2}, false, {1, 1, 1, 16}), "MEAN (op 0)", "[1,16]");
  EXPECT_INVALID(Mean({1, 5, 5, 16}, {4}, false, {1, 5, 5}), "MEAN (op 0)", "axis 4 is out of range");
}

Graph Pad(Shape in, std::vector<int64_t> pads, Shape pad_shape, Shape out, DType t = DType::kInt32) {
  IrBuilder b("pad");
  const int x = b.Act("x", in);
  const int p = b.Ints("paddings", pads, pad_shape, t);
  const int y = b.Act("y", out);
  b.Op(OpType::kPad, {x, p}, y);
  b.g.inputs = {x};
  b.g.outputs = {y};
  return b.g;
}

TEST(GraphValidate, Pad) {
  EXPECT_VALID(Pad({1, 5, 5, 3}, {0, 0, 1, 2, 0, 1, 0, 0}, {4, 2}, {1, 8, 6, 3}));
  EXPECT_VALID(Pad({1, 5, 5, 3}, {0, 0, 1, 1, 1, 1, 0, 0}, {4, 2}, {1, 7, 7, 3}, DType::kInt64));
  EXPECT_INVALID(Pad({1, 5, 5, 3}, {0, 0, 1, 1, 1, 1, 0, 0}, {4, 2}, {1, 6, 6, 3}), "PAD (op 0)",
                 "[1,7,7,3]");
  EXPECT_INVALID(Pad({1, 5, 5, 3}, {0, 0, -1, 1, 1, 1, 0, 0}, {4, 2}, {1, 5, 7, 3}), "PAD (op 0)",
                 "negative");
  EXPECT_INVALID(Pad({1, 5, 5, 3}, {0, 0, 1, 1, 1, 1}, {3, 2}, {1, 7, 7, 3}), "PAD (op 0)",
                 "expected [4,2]");
}

Graph Reshape(Shape in, Shape out, std::vector<int64_t> shape_operand, Shape new_shape = {}) {
  IrBuilder b("reshape");
  const int x = b.Act("x", in);
  std::vector<int> ins = {x};
  if (!shape_operand.empty()) ins.push_back(b.Ints("shape", shape_operand));
  const int y = b.Act("y", out);
  b.Op(OpType::kReshape, ins, y, ReshapeOptions{new_shape});
  b.g.inputs = {x};
  b.g.outputs = {y};
  return b.g;
}

TEST(GraphValidate, Reshape) {
  EXPECT_VALID(Reshape({1, 1, 1, 64}, {1, 64}, {1, 64}));
  EXPECT_VALID(Reshape({1, 1, 1, 64}, {1, 64}, {-1, 64}));
  EXPECT_VALID(Reshape({1, 4, 4, 8}, {1, 128}, {1, -1}));
  EXPECT_VALID(Reshape({1, 4, 4, 8}, {2, 64}, {}, {2, -1}));  // from options
  EXPECT_INVALID(Reshape({1, 4, 4, 8}, {1, 128}, {-1, -1}), "RESHAPE (op 0)", "more than one -1");
  EXPECT_INVALID(Reshape({1, 4, 4, 8}, {1, 100}, {1, 100}), "RESHAPE (op 0)", "100 elements",
                 "has 128");
  EXPECT_INVALID(Reshape({1, 4, 4, 8}, {1, 128}, {3, -1}), "RESHAPE (op 0)", "-1");
  EXPECT_INVALID(Reshape({1, 4, 4, 8}, {1, 128}, {2, 64}), "RESHAPE (op 0)", "[1,128]", "[2,64]");
  // Neither operand nor options: the declared shape is the target, and is recorded.
  Graph g = Reshape({1, 4, 4, 8}, {1, 128}, {});
  g.Validate();
  EXPECT_EQ(g.ops[0].opts<ReshapeOptions>().new_shape, (Shape{1, 128}));
  EXPECT_INVALID(Reshape({1, 4, 4, 8}, {1, 127}, {}), "RESHAPE (op 0)", "127 elements");
}

Graph Transpose(Shape in, std::vector<int64_t> perm, Shape out) {
  IrBuilder b("transpose");
  const int x = b.Act("x", in);
  const int p = b.Ints("perm", perm);
  const int y = b.Act("y", out);
  b.Op(OpType::kTranspose, {x, p}, y);
  b.g.inputs = {x};
  b.g.outputs = {y};
  return b.g;
}

TEST(GraphValidate, Transpose) {
  EXPECT_VALID(Transpose({1, 3, 224, 200}, {0, 2, 3, 1}, {1, 224, 200, 3}));
  EXPECT_INVALID(Transpose({1, 3, 224, 200}, {0, 2, 3, 1}, {1, 3, 224, 200}), "TRANSPOSE (op 0)",
                 "[1,224,200,3]");
  EXPECT_INVALID(Transpose({1, 3, 4, 5}, {0, 2, 2, 1}, {1, 4, 4, 3}), "TRANSPOSE (op 0)",
                 "not a permutation");
  EXPECT_INVALID(Transpose({1, 3, 4, 5}, {0, 2, 1}, {1, 4, 3, 5}), "TRANSPOSE (op 0)", "3 entries");
}

Graph Concat(std::vector<Shape> ins, int axis, Shape out) {
  IrBuilder b("concat");
  std::vector<int> xs;
  for (size_t i = 0; i < ins.size(); ++i) {
    std::string name = "x";
    name += std::to_string(i);
    xs.push_back(b.Act(name, ins[i]));
  }
  const int y = b.Act("y", out);
  ConcatenationOptions o;
  o.axis = axis;
  b.Op(OpType::kConcatenation, xs, y, o);
  b.g.inputs = xs;
  b.g.outputs = {y};
  return b.g;
}

TEST(GraphValidate, Concatenation) {
  EXPECT_VALID(Concat({{1, 4, 4, 8}, {1, 4, 4, 3}, {1, 4, 4, 1}}, 3, {1, 4, 4, 12}));
  EXPECT_VALID(Concat({{1, 4, 4, 8}, {1, 2, 4, 8}}, 1, {1, 6, 4, 8}));
  Graph g = Concat({{1, 4, 4, 8}, {1, 4, 4, 3}}, -1, {1, 4, 4, 11});
  g.Validate();
  EXPECT_EQ(g.ops[0].opts<ConcatenationOptions>().axis, 3);  // canonical axis
  EXPECT_INVALID(Concat({{1, 4, 4, 8}, {1, 4, 5, 3}}, 3, {1, 4, 4, 11}), "CONCATENATION (op 0)",
                 "outside the concatenation axis");
  EXPECT_INVALID(Concat({{1, 4, 4, 8}, {1, 4, 4, 3}}, 4, {1, 4, 4, 11}), "CONCATENATION (op 0)",
                 "axis 4 is out of range");
  EXPECT_INVALID(Concat({{1, 4, 4, 8}, {1, 4, 4, 3}}, 3, {1, 4, 4, 12}), "CONCATENATION (op 0)",
                 "[1,4,4,11]");
}

Graph Resize(Shape in, std::vector<int64_t> size, Shape out) {
  IrBuilder b("resize");
  const int x = b.Act("x", in);
  const int s = b.Ints("size", size);
  const int y = b.Act("y", out);
  b.Op(OpType::kResizeNearestNeighbor, {x, s}, y, ResizeNearestNeighborOptions{});
  b.g.inputs = {x};
  b.g.outputs = {y};
  return b.g;
}

TEST(GraphValidate, ResizeNearestNeighbor) {
  EXPECT_VALID(Resize({1, 4, 5, 8}, {8, 10}, {1, 8, 10, 8}));
  EXPECT_INVALID(Resize({1, 4, 5, 8}, {8, 10}, {1, 8, 8, 8}), "RESIZE_NEAREST_NEIGHBOR (op 0)",
                 "[1,8,10,8]");
  EXPECT_INVALID(Resize({1, 4, 5, 8}, {0, 10}, {1, 8, 10, 8}), "RESIZE_NEAREST_NEIGHBOR (op 0)",
                 "size");
}

TEST(GraphValidate, UnaryAndQuantize) {
  for (OpType t : {OpType::kRelu, OpType::kRelu6, OpType::kLogistic, OpType::kHardSwish}) {
    IrBuilder b("unary");
    const int x = b.Act("x", {1, 4, 4, 8});
    const int y = b.Act("y", {1, 4, 4, 8});
    b.Op(t, {x}, y);
    b.g.inputs = {x};
    b.g.outputs = {y};
    EXPECT_VALID(b.g);
    b.g.tensors[y].shape = {1, 4, 4, 9};
    const std::string ref = std::string(OpTypeName(t)) + " (op 0)";
    EXPECT_INVALID(b.g, ref.c_str(), "[1,4,4,8]");
  }
  IrBuilder b("softmax");
  const int x = b.Act("x", {1, 10});
  const int y = b.Act("y", {1, 10}, 1.0f / 256, -128);
  b.Op(OpType::kSoftmax, {x}, y, SoftmaxOptions{1.0f});
  b.g.inputs = {x};
  b.g.outputs = {y};
  EXPECT_VALID(b.g);
  b.g.ops[0].options = SoftmaxOptions{0.0f};
  EXPECT_INVALID(b.g, "SOFTMAX (op 0)", "beta");

  IrBuilder q("q");
  const int f = q.Act("f", {1, 4}, 0, 0, DType::kFloat32);
  const int i8 = q.Act("i8", {1, 4});
  const int f2 = q.Act("f2", {1, 4}, 0, 0, DType::kFloat32);
  q.Op(OpType::kQuantize, {f}, i8);
  q.Op(OpType::kDequantize, {i8}, f2);
  q.g.inputs = {f};
  q.g.outputs = {f2};
  EXPECT_VALID(q.g);
  Graph bad = q.g;
  bad.tensors[i8].quant = {};
  EXPECT_INVALID(bad, "QUANTIZE (op 0)", "'i8'", "per-tensor quantization");
  bad = q.g;
  bad.tensors[f2].type = DType::kInt8;
  EXPECT_INVALID(bad, "DEQUANTIZE (op 1)", "'f2' is int8, expected float32");
}

// ---- structure ----

Graph Chain() {
  IrBuilder b("chain");
  const int x = b.Act("x", {1, 8});
  const int t1 = b.Act("t1", {1, 8});
  const int t2 = b.Act("t2", {1, 8});
  b.Op(OpType::kRelu, {x}, t1);
  b.Op(OpType::kRelu6, {t1}, t2);
  b.g.inputs = {x};
  b.g.outputs = {t2};
  return b.g;
}

TEST(GraphValidate, Structure) {
  EXPECT_VALID(Chain());
  Graph g = Chain();
  std::swap(g.ops[0], g.ops[1]);
  EXPECT_INVALID(g, "RELU6 (op 0)", "tensor 1 't1'", "read before it is written by RELU (op 1)");

  g = Chain();
  g.ops[1].outputs = {1};  // t1 written twice
  EXPECT_INVALID(g, "RELU6 (op 1)", "already written by RELU (op 0)");

  g = Chain();
  g.ops[0].inputs = {0};
  g.ops[0].outputs = {0};
  EXPECT_INVALID(g, "RELU (op 0)", "graph input");

  g = Chain();
  g.ops[0].inputs = {1};  // reads its own output
  EXPECT_INVALID(g, "RELU (op 0)", "own output");

  g = Chain();
  g.ops[1].inputs = {7};
  EXPECT_INVALID(g, "RELU6 (op 1)", "tensor index 7, out of range");

  g = Chain();
  g.tensors.push_back(g.tensors[1]);
  g.tensors.back().name = "orphan";
  g.ops[1].inputs = {3};
  EXPECT_INVALID(g, "RELU6 (op 1)", "'orphan'", "never written");

  g = Chain();
  g.outputs = {1, 2};
  g.ops.pop_back();
  EXPECT_INVALID(g, "graph output 1", "'t2'", "never written");

  g = Chain();
  g.inputs = {};
  EXPECT_INVALID(g, "no inputs");

  g = Chain();
  g.ops[0].outputs = {1, 2};
  EXPECT_INVALID(g, "RELU (op 0)", "has 2 outputs");

  g = Chain();
  g.tensors[1].shape = {1, 2, 2, 2, 1, 1};
  EXPECT_INVALID(g, "RELU (op 0)", "rank 6");

  g = Chain();
  g.tensors[0].data = {1, 2, 3};
  EXPECT_INVALID(g, "tensor 0 'x'", "not marked constant");

  g = Chain();
  g.tensors[0].quant.zero_point = {300};
  EXPECT_INVALID(g, "tensor 0 'x'", "zero_point[0] = 300");

  g = Chain();
  g.ops[0].options = AddOptions{};
  EXPECT_INVALID(g, "RELU (op 0)", "options must be none");
}

}  // namespace
}  // namespace tessera
