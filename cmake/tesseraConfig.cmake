# find_package(tessera) for firmware projects: installed as <prefix>/share/tessera/cmake/ by
# `cmake --install BUILD --prefix <prefix>`; every path is relative to this file, so the
# installed tree can be moved. Provides
#   TESSERA_EXECUTABLE, target tessera::tessera   the tessera command (runs on the build host)
#   TESSERA_KERNELS_DIR, TESSERA_FIRMWARE_DIR     the kernel library sources, the QEMU harness
#   TESSERA_TOOLCHAIN_FILE                         arm-none-eabi toolchain file (Cortex-M4F/M7)
#   tessera::kernels                               the kernel library, built with this project's
#                                                  C compiler (when C is enabled)
#   tessera_add_model(...)                         a static library of a model's generated C
#   tessera_add_qemu_firmware(...)                 an executable for QEMU's MPS2 boards
# (TesseraAddModel.cmake documents the two functions.)
get_filename_component(TESSERA_DATA_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
get_filename_component(TESSERA_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(TESSERA_EXECUTABLE "${TESSERA_PREFIX}/bin/tessera")
set(TESSERA_KERNELS_DIR "${TESSERA_DATA_DIR}/kernels")
set(TESSERA_FIRMWARE_DIR "${TESSERA_DATA_DIR}/firmware")
set(TESSERA_TOOLCHAIN_FILE "${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake")

if(NOT EXISTS "${TESSERA_EXECUTABLE}" OR NOT EXISTS "${TESSERA_KERNELS_DIR}/include/tessera/kernels.h")
  set(tessera_FOUND FALSE)
  set(tessera_NOT_FOUND_MESSAGE
      "incomplete tessera install at ${TESSERA_PREFIX}: bin/tessera or share/tessera/kernels missing")
  return()
endif()

if(NOT TARGET tessera::tessera)
  add_executable(tessera::tessera IMPORTED GLOBAL)
  set_target_properties(tessera::tessera PROPERTIES IMPORTED_LOCATION "${TESSERA_EXECUTABLE}")
endif()

get_property(_tessera_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
if("C" IN_LIST _tessera_languages AND NOT TARGET tessera::kernels)
  file(GLOB _tessera_kernel_sources "${TESSERA_KERNELS_DIR}/src/*.c")
  add_library(tessera_kernels STATIC ${_tessera_kernel_sources})
  target_include_directories(tessera_kernels PUBLIC "${TESSERA_KERNELS_DIR}/include")
  set_target_properties(tessera_kernels PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON)
  # The kernels' Cortex-M DSP paths use inline assembly that needs the optimiser's register
  # allocation: -O2 unless the configuration optimises already (Debug and no build type do not).
  target_compile_options(tessera_kernels PRIVATE $<$<NOT:$<CONFIG:Release,MinSizeRel,RelWithDebInfo>>:-O2>)
  add_library(tessera::kernels ALIAS tessera_kernels)
endif()
unset(_tessera_languages)

include("${CMAKE_CURRENT_LIST_DIR}/TesseraAddModel.cmake")
