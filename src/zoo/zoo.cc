#include "zoo/zoo.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "zoo/builder.h"

namespace tessera {
namespace {

using zoo::GraphBuilder;
using A = Activation;

// The channel rounding of the MobileNetV2 reference implementation (`_make_divisible`).
int MakeDivisible(double v, int divisor = 8) {
  int n = std::max(divisor, static_cast<int>(v + divisor / 2.0) / divisor * divisor);
  if (n < 0.9 * v) n += divisor;
  return n;
}

// An inverted residual block (MBConv): optional 1x1 expansion + ReLU6, KxK depthwise + ReLU6,
// 1x1 linear projection, residual ADD when the shapes allow it. With explicit_pad, a strided
// depthwise convolution gets a symmetric PAD of k/2 and VALID padding (as models converted
// from PyTorch have).
int InvertedResidual(GraphBuilder& b, const std::string& name, int x, int kernel, int expand,
                     int out_c, int stride, bool explicit_pad = false) {
  const int in_c = b.shape(x).back();
  int h = x;
  if (expand != 1) h = b.Conv2D(name + "/expand", h, in_c * expand, 1, 1, A::kRelu6);
  if (explicit_pad && stride > 1) {
    const int p = kernel / 2;
    h = b.Pad(name + "/pad", h, p, p, p, p);
    h = b.DepthwiseConv2D(name + "/depthwise", h, kernel, stride, A::kRelu6, Padding::kValid);
  } else {
    h = b.DepthwiseConv2D(name + "/depthwise", h, kernel, stride, A::kRelu6);
  }
  h = b.Conv2D(name + "/project", h, out_c, 1, 1, A::kNone);
  if (stride == 1 && in_c == out_c) h = b.Add(name + "/add", x, h);
  return h;
}

int ClassifierHead(GraphBuilder& b, int x, int classes, bool use_mean) {
  int f;
  if (use_mean) {
    f = b.Mean("head/mean", x, /*keep_dims=*/false);
  } else {
    const int p = b.GlobalAveragePool("head/avgpool", x);
    f = b.Reshape("head/flatten", p, {1, b.shape(p).back()});
  }
  const int logits = b.FullyConnected("head/logits", f, classes, A::kNone);
  return b.Softmax("head/softmax", logits);
}

Graph MobileNetV2(const std::string& name, double alpha, int res) {
  GraphBuilder b(name, zoo::HashName(name));
  int x = b.Input({1, res, res, 3}, 0.0078125f, 0);
  x = b.Conv2D("stem/conv", x, MakeDivisible(32 * alpha), 3, 2, A::kRelu6);
  struct Stage {
    int t, c, n, s;
  };
  const Stage stages[] = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                          {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};
  int block = 0;
  for (const Stage& st : stages) {
    const int out_c = MakeDivisible(static_cast<int>(st.c * alpha));
    for (int i = 0; i < st.n; ++i)
      x = InvertedResidual(b, "block" + std::to_string(block++), x, 3, st.t, out_c,
                           i == 0 ? st.s : 1);
  }
  const int last = alpha > 1.0 ? MakeDivisible(1280 * alpha) : 1280;
  x = b.Conv2D("head/conv", x, last, 1, 1, A::kRelu6);
  return b.Finish({ClassifierHead(b, x, 1000, false)});
}

struct Block {
  int kernel, expand, out_c, stride;
};

Graph McunetStyle(const std::string& name, int res) {
  GraphBuilder b(name, zoo::HashName(name));
  int x = b.Input({1, res, res, 3}, 0.0078125f, 0);
  x = b.Pad("stem/pad", x, 1, 1, 1, 1);
  x = b.Conv2D("stem/conv", x, 16, 3, 2, A::kRelu6, Padding::kValid);
  x = InvertedResidual(b, "block0", x, 3, 1, 8, 1, true);
  const Block blocks[] = {{7, 4, 16, 2}, {3, 3, 16, 1}, {5, 6, 24, 2}, {7, 3, 24, 1},
                          {3, 4, 24, 1}, {5, 6, 40, 2}, {7, 3, 40, 1}, {5, 4, 40, 1},
                          {3, 6, 48, 1}, {5, 4, 48, 1}, {7, 6, 96, 2}, {3, 4, 96, 1},
                          {5, 3, 96, 1}, {5, 6, 160, 1}};
  int i = 1;
  for (const Block& bl : blocks)
    x = InvertedResidual(b, "block" + std::to_string(i++), x, bl.kernel, bl.expand, bl.out_c,
                         bl.stride, true);
  return b.Finish({ClassifierHead(b, x, 1000, true)});
}

Graph ProxylessStyle(const std::string& name, int res) {
  GraphBuilder b(name, zoo::HashName(name));
  int x = b.Input({1, res, res, 3}, 0.0078125f, 0);
  x = b.Conv2D("stem/conv", x, 32, 3, 2, A::kRelu6);
  x = InvertedResidual(b, "block0", x, 3, 1, 16, 1);
  const Block blocks[] = {{5, 3, 32, 2}, {3, 3, 32, 1},  {7, 3, 40, 2},  {3, 3, 40, 1},
                          {5, 3, 40, 1}, {5, 3, 40, 1},  {7, 6, 80, 2},  {5, 3, 80, 1},
                          {5, 3, 80, 1}, {5, 4, 80, 1},  {5, 6, 96, 1},  {5, 3, 96, 1},
                          {5, 3, 96, 1}, {5, 4, 96, 1},  {7, 6, 192, 2}, {7, 6, 192, 1},
                          {7, 3, 192, 1}, {7, 3, 192, 1}, {7, 6, 320, 1}};
  int i = 1;
  for (const Block& bl : blocks)
    x = InvertedResidual(b, "block" + std::to_string(i++), x, bl.kernel, bl.expand, bl.out_c,
                         bl.stride);
  x = b.Conv2D("head/feature_mix", x, 1280, 1, 1, A::kRelu6);
  return b.Finish({ClassifierHead(b, x, 1000, false)});
}

Graph MobileNetV1Vww(const std::string& name, double alpha, int res) {
  GraphBuilder b(name, zoo::HashName(name));
  int x = b.Input({1, res, res, 3}, 0.0078125f, 0);
  x = b.Conv2D("conv0", x, static_cast<int>(32 * alpha), 3, 2, A::kRelu6);
  struct Layer {
    int c, s;
  };
  const Layer layers[] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2}, {512, 1},
                          {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};
  int i = 1;
  for (const Layer& l : layers) {
    const std::string n = "dwpw" + std::to_string(i++);
    x = b.DepthwiseConv2D(n + "/depthwise", x, 3, l.s, A::kRelu6);
    x = b.Conv2D(n + "/pointwise", x, static_cast<int>(l.c * alpha), 1, 1, A::kRelu6);
  }
  return b.Finish({ClassifierHead(b, x, 2, false)});
}

Graph Resnet8(const std::string& name) {
  GraphBuilder b(name, zoo::HashName(name));
  int x = b.Input({1, 32, 32, 3}, 0.0078125f, 0);
  x = b.Conv2D("conv0", x, 16, 3, 1, A::kRelu);
  const int widths[] = {16, 32, 64};
  for (int s = 0; s < 3; ++s) {
    const std::string n = "stack" + std::to_string(s + 1);
    const int stride = s == 0 ? 1 : 2;
    int h = b.Conv2D(n + "/conv1", x, widths[s], 3, stride, A::kRelu);
    h = b.Conv2D(n + "/conv2", h, widths[s], 3, 1, A::kNone);
    int shortcut = x;
    if (s > 0) shortcut = b.Conv2D(n + "/shortcut", x, widths[s], 1, stride, A::kNone);
    x = b.Add(n + "/add", shortcut, h, A::kRelu);
  }
  const int p = b.AveragePool2D("head/avgpool", x, 8, 8);
  const int f = b.Reshape("head/flatten", p, {1, 64});
  const int logits = b.FullyConnected("head/logits", f, 10, A::kNone);
  return b.Finish({b.Softmax("head/softmax", logits)});
}

// A small non-square network for patch-based tests: explicit PADs (one asymmetric), a 7x7
// depthwise convolution with stride 1 and one with stride 2, residual blocks, MEAN head.
Graph NonSquare(const std::string& name) {
  GraphBuilder b(name, zoo::HashName(name));
  int x = b.Input({1, 128, 160, 3}, 2.0f / 255.0f, -1);
  x = b.Pad("stem/pad", x, 1, 1, 1, 1);
  x = b.Conv2D("stem/conv", x, 16, 3, 2, A::kRelu6, Padding::kValid);      // 64x80
  x = b.DepthwiseConv2D("block0/depthwise", x, 7, 1, A::kRelu6);          // 7x7, SAME
  x = b.Conv2D("block0/project", x, 16, 1, 1, A::kNone);
  int h = b.Conv2D("block1/expand", x, 48, 1, 1, A::kRelu6);
  h = b.Pad("block1/pad", h, 2, 3, 3, 2);                                  // asymmetric
  h = b.DepthwiseConv2D("block1/depthwise", h, 7, 2, A::kRelu6, Padding::kValid);  // 32x40
  x = b.Conv2D("block1/project", h, 24, 1, 1, A::kNone);
  x = InvertedResidual(b, "block2", x, 5, 4, 24, 1);
  x = InvertedResidual(b, "block3", x, 3, 4, 40, 2);                       // 16x20
  x = InvertedResidual(b, "block4", x, 7, 3, 40, 1);
  x = b.Conv2D("head/conv", x, 160, 1, 1, A::kRelu6);
  return b.Finish({ClassifierHead(b, x, 10, true)});
}

struct Entry {
  const char* name;
  const char* description;
  std::function<Graph(const std::string&)> build;
};

const std::vector<Entry>& Entries() {
  static const std::vector<Entry> e = {
      {"mobilenetv2-w1.0-r224",
       "MobileNetV2 width 1.0, 224x224x3, 1000 classes (Sandler et al. 2018)",
       [](const std::string& n) { return MobileNetV2(n, 1.0, 224); }},
      {"mobilenetv2-w0.35-r144",
       "MobileNetV2 width 0.35, 144x144x3, 1000 classes (an MCUNetV2 baseline)",
       [](const std::string& n) { return MobileNetV2(n, 0.35, 144); }},
      {"mobilenetv2-w0.5-r96", "MobileNetV2 width 0.5, 96x96x3, 1000 classes",
       [](const std::string& n) { return MobileNetV2(n, 0.5, 96); }},
      {"mcunet-style-r160",
       "MCUNet-style inverted residual net, kernels 3/5/7, expansions 3/4/6, explicit PADs, "
       "MEAN head, 160x160x3, 1000 classes",
       [](const std::string& n) { return McunetStyle(n, 160); }},
      {"proxyless-style-r144",
       "ProxylessNAS-style inverted residual net, kernels 3/5/7, expansions 3/4/6, 1x1 feature "
       "mix to 1280, 144x144x3, 1000 classes",
       [](const std::string& n) { return ProxylessStyle(n, 144); }},
      {"mobilenetv1-0.25-vww-r96",
       "MobileNetV1 width 0.25, 96x96x3, 2 classes (visual wake words)",
       [](const std::string& n) { return MobileNetV1Vww(n, 0.25, 96); }},
      {"resnet8-cifar10",
       "ResNet-8 (MLPerf Tiny image classification), 32x32x3, residual ADDs with ReLU, 10 classes",
       [](const std::string& n) { return Resnet8(n); }},
      {"nonsquare-pad-r128x160",
       "small non-square net, 128x160x3, explicit (asymmetric) PADs, 7x7 depthwise, MEAN head, "
       "10 classes",
       [](const std::string& n) { return NonSquare(n); }},
  };
  return e;
}

std::string KnownNames() {
  std::string s;
  for (const Entry& e : Entries()) s += (s.empty() ? "" : ", ") + std::string(e.name);
  return s + ", or mobilenetv2-w<ALPHA>-r<RES>";
}

const Entry* Find(const std::string& name) {
  for (const Entry& e : Entries())
    if (name == e.name) return &e;
  return nullptr;
}

// Parses mobilenetv2-w<ALPHA>-r<RES>; false when the name does not have that form.
bool ParseMobileNetV2(const std::string& name, double* alpha, int* res) {
  static const char* const kAlphas[] = {"0.35", "0.5", "0.75", "1.0", "1.3", "1.4"};
  const std::string prefix = "mobilenetv2-w";
  if (name.rfind(prefix, 0) != 0) return false;
  const size_t r = name.find("-r", prefix.size());
  if (r == std::string::npos) return false;
  const std::string a = name.substr(prefix.size(), r - prefix.size());
  const std::string rs = name.substr(r + 2);
  bool alpha_ok = false;
  for (const char* k : kAlphas) alpha_ok |= a == k;
  if (!alpha_ok || rs.empty() || rs.size() > 3) return false;
  for (char c : rs)
    if (c < '0' || c > '9') return false;
  *res = std::atoi(rs.c_str());
  if (*res < 32 || *res > 512) return false;
  *alpha = std::atof(a.c_str());
  return true;
}

}  // namespace

std::vector<std::string> ZooNames() {
  std::vector<std::string> r;
  for (const Entry& e : Entries()) r.push_back(e.name);
  return r;
}

std::string ZooDescription(const std::string& name) {
  if (const Entry* e = Find(name)) return e->description;
  double alpha;
  int res;
  if (ParseMobileNetV2(name, &alpha, &res)) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "MobileNetV2 width %g, %dx%dx3, 1000 classes", alpha, res,
                  res);
    return buf;
  }
  throw Error("unknown zoo model '" + name + "'; known: " + KnownNames());
}

Graph BuildZooModel(const std::string& name) {
  if (const Entry* e = Find(name)) return e->build(name);
  double alpha;
  int res;
  if (ParseMobileNetV2(name, &alpha, &res)) return MobileNetV2(name, alpha, res);
  throw Error("unknown zoo model '" + name + "'; known: " + KnownNames());
}

}  // namespace tessera
