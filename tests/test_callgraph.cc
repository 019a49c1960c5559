// The worst-case stack analysis over GCC call-graph files (firmware/stack/callgraph.h) on
// hand-written graphs whose bounds follow from the frames by hand.
#include <gtest/gtest.h>

#include "callgraph.h"

namespace {

using tessera::stack::Bound;
using tessera::stack::CallGraph;
using tessera::stack::Error;
using tessera::stack::ParseCallGraph;
using tessera::stack::StackBound;

std::string Node(const std::string& title, int bytes, const std::string& kind = "static") {
  return "node: { title: \"" + title + "\" label: \"" + title + "\\nk.c:1:1\\n" + std::to_string(bytes) +
         " bytes (" + kind + ")\" }\n";
}
std::string Decl(const std::string& title) {
  return "node: { title: \"" + title + "\" label: \"" + title + "\\n<built-in>\" shape : ellipse }\n";
}
std::string Edge(const std::string& from, const std::string& to) {
  return "edge: { sourcename: \"" + from + "\" targetname: \"" + to + "\" label: \"k.c:2:3\" }\n";
}

TEST(CallGraph, DeepestChainIsFramePlusLargestCallee) {
  // a(40) -> b(16) -> d(100); a -> c(64) -> memcpy (library, 8): a = 40 + max(16 + 100, 64 + 8).
  CallGraph g;
  ParseCallGraph("dir/k.ci",
                 "graph: { title: \"k.c\"\n" + Node("a", 40) + Node("/p/k.c:b", 16) + Node("c", 64) + Decl("memcpy") +
                     Edge("a", "/p/k.c:b") + Edge("a", "c") + Edge("c", "memcpy") + "}\n",
                 &g);
  ParseCallGraph("dir/d.ci", Node("d", 100) + Decl("x"), &g);
  ParseCallGraph("dir/k2.ci", Decl("d") + Edge("/p/k.c:b", "d"), &g);  // an edge from another unit
  const Bound a = StackBound(g, "a", {{"memcpy", 8}});
  EXPECT_EQ(a.bytes, 40 + 16 + 100);
  EXPECT_EQ(a.chain, (std::vector<std::string>{"a", "/p/k.c:b", "d"}));
  EXPECT_TRUE(a.unknown.empty());
  const Bound c = StackBound(g, "c", {{"memcpy", 8}});
  EXPECT_EQ(c.bytes, 72);
  // Without memcpy's frame the bound is reported as incomplete, not silently low.
  const Bound c2 = StackBound(g, "c", {});
  EXPECT_EQ(c2.bytes, 64);
  EXPECT_EQ(c2.unknown, (std::set<std::string>{"memcpy"}));
}

TEST(CallGraph, IndirectCallsGoToTheUnitsAddressTakenFunctions) {
  // run(24) calls through a pointer; the unit takes the addresses of k1(200) and k2(300, which
  // itself calls through a pointer) and of run itself; k3(900) is never a target.
  CallGraph g;
  ParseCallGraph("x/conv.ci",
                 Node("run", 24) + Node("/p/conv.c:k1", 200) + Node("/p/conv.c:k2", 300) + Node("/p/conv.c:k3", 900) +
                     Edge("run", "__indirect_call") + Edge("/p/conv.c:k2", "__indirect_call"),
                 &g);
  EXPECT_THROW(StackBound(g, "run", {}), Error);  // no address-taken list: no bound
  g.address_taken["conv"] = {"k1", "k2", "run"};
  // run -> k2 -> (k1 or run; run itself excepted for run, but k2 may reach run: recursion).
  EXPECT_THROW(StackBound(g, "run", {}), Error);
  g.address_taken["conv"] = {"k1", "k2"};
  const Bound b = StackBound(g, "run", {});
  EXPECT_EQ(b.bytes, 24 + 300 + 200);  // k2 excepts itself as its own target
  EXPECT_EQ(b.chain, (std::vector<std::string>{"run", "/p/conv.c:k2", "/p/conv.c:k1"}));
}

TEST(CallGraph, RecursionAndDynamicFramesHaveNoBound) {
  CallGraph g;
  ParseCallGraph("r.ci", Node("f", 8) + Node("g", 8) + Edge("f", "g") + Edge("g", "f"), &g);
  EXPECT_THROW(StackBound(g, "f", {}), Error);
  CallGraph h;
  ParseCallGraph("v.ci", Node("v", 16, "dynamic") + Node("w", 16, "dynamic,bounded"), &h);
  EXPECT_THROW(StackBound(h, "v", {}), Error);
  EXPECT_EQ(StackBound(h, "w", {}).bytes, 16);
  EXPECT_THROW(StackBound(h, "nowhere", {}), Error);
  EXPECT_THROW(ParseCallGraph("bad.ci", "edge: { sourcename: \"a\" }\n", &h), Error);
}

}  // namespace
