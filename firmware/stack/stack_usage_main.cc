// ts_stack_usage: worst-case stack bytes of the functions that GCC's call-graph files define.
//
//   ts_stack_usage [--prefix P] [--library FRAMES.tsv] [--address-taken LIST.tsv]
//                  [--drop-call CALLER:CALLEE]... [--function NAME]... FILE.ci...
//
// Prints one line per externally visible function whose name starts with P (default "ts_"),
// or per --function NAME given (an error when no file defines it):
// name, worst-case stack bytes, and the deepest call chain (callgraph.h says how it is bound).
// FRAMES.tsv gives the frames of functions no .ci file defines (libc, libgcc): "name<TAB>bytes"
// per line. LIST.tsv names the functions whose address each unit takes: "unit<TAB>function"
// per line (unit: a .ci file's base name), the targets of its calls through pointers.
// --drop-call leaves one call out of every bound: a path the caller's callers never take
// (firmware/stack_usage.sh says which and why); an error when CALLER is defined without
// that call, ignored when no file defines CALLER.
// Exit status 1 when a function calls something neither defined nor listed, recurses, calls
// through a pointer with no known target, or has a dynamic frame.
#include <fstream>
#include <iostream>
#include <sstream>

#include "callgraph.h"

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw tessera::stack::Error("cannot read " + path);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tessera::stack;
  std::string prefix = "ts_";
  std::map<std::string, int64_t> library;
  CallGraph g;
  std::vector<std::pair<std::string, std::string>> drops;
  std::vector<std::string> only;
  int files = 0;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if ((a == "--prefix" || a == "--library" || a == "--address-taken" || a == "--drop-call" || a == "--function") && i + 1 >= argc) throw Error(a + " needs a value");
      if (a == "--prefix") {
        prefix = argv[++i];
      } else if (a == "--library") {
        std::istringstream in(ReadAll(argv[++i]));
        std::string name;
        int64_t bytes = 0;
        while (in >> name >> bytes) library[name] = bytes;
      } else if (a == "--function") {
        only.push_back(argv[++i]);
      } else if (a == "--drop-call") {
        const std::string d = argv[++i];
        const size_t colon = d.find(':');
        if (colon == std::string::npos) throw Error("--drop-call wants CALLER:CALLEE, got '" + d + "'");
        drops.emplace_back(d.substr(0, colon), d.substr(colon + 1));
      } else if (a == "--address-taken") {
        std::istringstream in(ReadAll(argv[++i]));
        std::string unit, name;
        while (in >> unit >> name) g.address_taken[unit].insert(name);
      } else if (a == "-h" || a == "--help") {
        std::cout << "usage: ts_stack_usage [--prefix P] [--library FRAMES.tsv] [--address-taken LIST.tsv] [--drop-call CALLER:CALLEE]... [--function NAME]... FILE.ci...\n";
        return 0;
      } else {
        ParseCallGraph(a, ReadAll(a), &g);
        ++files;
      }
    }
    if (files == 0) throw Error("no call-graph files (FILE.ci from gcc -fcallgraph-info=su)");
    for (const auto& [caller, callee] : drops) {
      auto f = g.defined.find(caller);
      if (f == g.defined.end() || f->second.unit.empty()) continue;  // not in this program
      if (f->second.callees.erase(callee) == 0) throw Error("--drop-call " + caller + ":" + callee + ": no such call");
    }
    bool unknown = false;
    std::vector<std::string> names = only;
    if (names.empty())
      for (const auto& [name, f] : g.defined)
        if (!f.unit.empty() && name.rfind(prefix, 0) == 0 && name.find('/') == std::string::npos) names.push_back(name);
    for (const std::string& name : names) {
      const Bound b = StackBound(g, name, library);
      std::cout << name << '\t' << b.bytes << '\t';
      for (size_t k = 0; k < b.chain.size(); ++k) {
        std::string step = b.chain[k];
        const size_t colon = step.rfind(':');
        if (colon != std::string::npos) step = step.substr(colon + 1);  // a static's file prefix
        std::cout << (k ? " > " : "") << step;
      }
      std::cout << '\n';
      for (const std::string& u : b.unknown) {
        std::cerr << "ts_stack_usage: " << name << " calls " << u << ", which no file defines and no --library frame lists\n";
        unknown = true;
      }
    }
    return unknown ? 1 : 0;
  } catch (const std::exception& e) {
    std::cerr << "ts_stack_usage: " << e.what() << "\n";
    return 1;
  }
}
