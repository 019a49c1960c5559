# CMake toolchain file for bare-metal Cortex-M4F / Cortex-M7 with arm-none-eabi-gcc
# (Debian: gcc-arm-none-eabi, libnewlib-arm-none-eabi), hard-float ABI:
#   cmake -S . -B build -DCMAKE_TOOLCHAIN_FILE=<prefix>/share/tessera/cmake/arm-none-eabi.cmake \
#         [-DTESSERA_ARM_CPU=cortex-m4|cortex-m7] [-DTESSERA_ARM_TOOLCHAIN_PREFIX=/opt/gcc-arm/bin/arm-none-eabi-]
# cortex-m4 (the default): -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 (QEMU's mps2-an386);
# cortex-m7: -mcpu=cortex-m7 -mfpu=fpv5-d16 (mps2-an500). Both get the kernels' DSP paths.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(TESSERA_ARM_CPU "cortex-m4" CACHE STRING "cortex-m4 (Cortex-M4F) or cortex-m7")
set_property(CACHE TESSERA_ARM_CPU PROPERTY STRINGS cortex-m4 cortex-m7)
set(TESSERA_ARM_TOOLCHAIN_PREFIX "arm-none-eabi-" CACHE STRING "path and prefix of the GCC tools")
# try_compile projects see these too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES TESSERA_ARM_CPU TESSERA_ARM_TOOLCHAIN_PREFIX)

if(TESSERA_ARM_CPU STREQUAL "cortex-m4")
  set(_tessera_cpu_flags "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
elseif(TESSERA_ARM_CPU STREQUAL "cortex-m7")
  set(_tessera_cpu_flags "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16")
else()
  message(FATAL_ERROR "TESSERA_ARM_CPU must be cortex-m4 or cortex-m7 (got '${TESSERA_ARM_CPU}')")
endif()

set(CMAKE_C_COMPILER "${TESSERA_ARM_TOOLCHAIN_PREFIX}gcc")
set(CMAKE_CXX_COMPILER "${TESSERA_ARM_TOOLCHAIN_PREFIX}g++")
set(CMAKE_ASM_COMPILER "${TESSERA_ARM_TOOLCHAIN_PREFIX}gcc")
set(CMAKE_OBJCOPY "${TESSERA_ARM_TOOLCHAIN_PREFIX}objcopy" CACHE FILEPATH "objcopy")
set(CMAKE_SIZE "${TESSERA_ARM_TOOLCHAIN_PREFIX}size" CACHE FILEPATH "size")
# No operating system to link test programs against: compiler checks build a static library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_C_FLAGS_INIT "${_tessera_cpu_flags} -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT "${_tessera_cpu_flags} -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${_tessera_cpu_flags}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_tessera_cpu_flags} --specs=nano.specs -Wl,--gc-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
