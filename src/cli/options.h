// Option parsing shared by the subcommands.
#pragma once
#include <cstdint>
#include <string>

namespace tessera::cli {
// A byte count such as 131072, 131072B, 128KiB (= 128 * 1024), 60KB (= 60 * 1000), 1MiB or 1MB.
// Throws Error naming `option` on anything else.
int64_t ParseByteCount(const std::string& text, const std::string& option);
}  // namespace tessera::cli
