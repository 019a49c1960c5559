// Where the tessera binary finds the files it copies or runs besides itself: the kernel
// library (kernels/: include/tessera/kernels.h, src/*.c) and the firmware harness
// (firmware/: build.sh, run.sh, startup.c, harness.c, link.ld).
//
// An installed tessera (`cmake --install BUILD --prefix P`) keeps them in P/share/tessera/,
// found relative to the running executable (P/bin/tessera), so an installed tree can be
// moved anywhere. A binary run from its build tree uses the source tree it was built from.
#pragma once

#include <string>

namespace tessera {

// The folder holding kernels/ and firmware/: $TESSERA_DATA_DIR when set; else
// <executable's folder>/../share/tessera when it holds the kernel library; else the source
// tree this binary was built from.
std::string DataDir();
// $TESSERA_KERNELS_DIR when set, else DataDir()/kernels.
std::string KernelDir();
// $TESSERA_FIRMWARE_DIR when set, else DataDir()/firmware.
std::string FirmwareDir();

}  // namespace tessera
