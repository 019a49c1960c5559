#include "support/cli.h"

#include <sys/wait.h>

#include <cstdio>

#include "support/paths.h"

namespace tessera::test {
CliResult RunCli(const std::string& args) {
  CliResult r;
  const std::string cmd = CliPath() + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}
}  // namespace tessera::test
