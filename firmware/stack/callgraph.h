// Worst-case stack depth of C functions from GCC's call-graph files.
//
// `gcc -fcallgraph-info=su` writes, for each translation unit, a VCG file (NAME.ci) with one
// node per function the unit defines or calls and one edge per call site:
//   node: { title: "ts_add_s8" label: "ts_add_s8\nfile.c:12:6\n24 bytes (static)" }
//   node: { title: "/path/file.c:helper" label: "helper\n...\n8 bytes (static)" }   (a static)
//   node: { title: "memcpy" label: "__builtin_memcpy\n<built-in>" shape : ellipse }   (a call only)
//   edge: { sourcename: "ts_add_s8" targetname: "/path/file.c:helper" label: "file.c:20:3" }
// A function's frame is the "N bytes" of its own node (what its prologue reserves: saved
// registers, locals, outgoing arguments); its worst-case stack is its frame plus the largest
// worst-case stack among the functions it calls. Calls through a pointer go to the node
// "__indirect_call"; they are bounded by the largest among the functions of the caller's own
// translation unit whose address is taken there (CallGraph::address_taken: the relocations of
// the unit's object that are not calls, as firmware/stack_usage.sh lists them), the caller
// itself excepted. A unit that calls through a pointer with no such function is an error.
// Functions no file defines (libc, libgcc) take the frame given by `library_frames` (e.g. read
// from their prologues by firmware/stack_usage.sh) and are taken as leaves; one missing from
// it is reported in `unknown`. Recursion or a dynamically sized frame is an error: no bound.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace tessera::stack {

struct Function {
  std::string unit;        // the .ci file that defines it
  int64_t frame = 0;       // bytes its prologue reserves
  bool dynamic = false;    // alloca / VLA: no static bound
  std::set<std::string> callees;
  bool indirect = false;   // calls through a pointer
};

struct CallGraph {
  std::map<std::string, Function> defined;                  // by node title
  std::map<std::string, std::set<std::string>> unit_functions;  // .ci file -> titles it defines
  // Unit name (the .ci file's base name without extension, e.g. "conv_dsp") -> the names of
  // the functions whose address its code takes.
  std::map<std::string, std::set<std::string>> address_taken;
};

struct Bound {
  int64_t bytes = 0;
  std::vector<std::string> chain;        // the deepest call chain, outermost first
  std::set<std::string> unknown;         // called, defined nowhere, not in library_frames
};

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Adds one .ci file's text (`unit` names it in messages and for indirect calls).
void ParseCallGraph(const std::string& unit, const std::string& text, CallGraph* g);

// The worst-case stack of `function` (a node title). Throws Error on recursion, a dynamic
// frame, a function `g` does not define, or a call through a pointer with no known target.
Bound StackBound(const CallGraph& g, const std::string& function,
                 const std::map<std::string, int64_t>& library_frames);

}  // namespace tessera::stack
