# CMake functions of the tessera package (included by tesseraConfig.cmake).
#
# tessera_add_model(TARGET <lib> MODEL <file.tflite> [PREFIX <name>] [SRAM <bytes|64KiB>]
#                   [STRATEGY <s>] [STREAM_INPUT] [PLAN <plan.json>] [PROFILE])
#   A static library <lib> of the model's generated C: <name>.c and <name>.h (PREFIX, default
#   "model": <name>_invoke(), <NAME>_ARENA_BYTES, ...) are written at build time by
#   `tessera codegen` into ${CMAKE_CURRENT_BINARY_DIR}/<lib>_tessera/ and written again when
#   the model file, the plan file, the tessera executable or these options change. The plan:
#   PLAN (a `tessera plan -o` file), STRATEGY (see `tessera plan -s`), SRAM (the plan with
#   the fewest MACs whose arena fits; STREAM_INPUT leaves the model input out of the arena),
#   at most one of them; none: layer by layer with TFLM's greedy arena. PROFILE: per-step
#   instruction counts (`tessera codegen --profile`). <lib> links tessera::kernels and
#   exports the include folder of <name>.h.
#
# tessera_add_qemu_firmware(TARGET <exe> [BOARD an386|an500] [RAM <bytes>] [STACK <bytes>])
#   Makes <exe> a firmware image for QEMU's MPS2 boards with tessera's harness (startup.c,
#   harness.c: semihosting output and exit, SysTick instruction counter, stack measurement;
#   link.ld: memory map and SRAM budget, RAM bytes (default the board's 4 MiB), the link
#   fails when the image does not fit). BOARD defaults to the toolchain file's CPU
#   (cortex-m4: an386, cortex-m7: an500).
#
# tessera_add_qemu_test(NAME <test> TARGET <exe> [TIMEOUT <seconds>])
#   A ctest running <exe> under qemu-system-arm (firmware/run.sh); passes when main returns 0.
include_guard(GLOBAL)

function(tessera_add_model)
  cmake_parse_arguments(PARSE_ARGV 0 A "STREAM_INPUT;PROFILE" "TARGET;MODEL;PREFIX;SRAM;STRATEGY;PLAN" "")
  if(A_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "tessera_add_model: unknown arguments ${A_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT A_TARGET OR NOT A_MODEL)
    message(FATAL_ERROR "tessera_add_model: TARGET and MODEL are required")
  endif()
  if(NOT TARGET tessera::kernels)
    message(FATAL_ERROR "tessera_add_model: enable C (project(... LANGUAGES C)) before find_package(tessera)")
  endif()
  if(NOT A_PREFIX)
    set(A_PREFIX model)
  endif()
  get_filename_component(model "${A_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(count 0)
  foreach(v PLAN STRATEGY SRAM)
    if(A_${v})
      math(EXPR count "${count} + 1")
    endif()
  endforeach()
  if(count GREATER 1)
    message(FATAL_ERROR "tessera_add_model(${A_TARGET}): PLAN, STRATEGY and SRAM are exclusive")
  endif()
  if(A_STREAM_INPUT AND NOT A_SRAM)
    message(FATAL_ERROR "tessera_add_model(${A_TARGET}): STREAM_INPUT goes with SRAM")
  endif()

  set(dir "${CMAKE_CURRENT_BINARY_DIR}/${A_TARGET}_tessera")
  set(args codegen "${model}" -o "${dir}" --prefix "${A_PREFIX}" --no-kernels)
  set(depends "${model}" "${TESSERA_EXECUTABLE}")
  if(A_PLAN)
    get_filename_component(plan "${A_PLAN}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND args --plan "${plan}")
    list(APPEND depends "${plan}")
  elseif(A_STRATEGY)
    list(APPEND args --strategy "${A_STRATEGY}")
  elseif(A_SRAM)
    list(APPEND args --sram "${A_SRAM}")
    if(A_STREAM_INPUT)
      list(APPEND args --stream-input)
    endif()
  endif()
  if(A_PROFILE)
    list(APPEND args --profile)
  endif()
  # The command line, rewritten only when it changes: a dependency that makes a change of
  # options regenerate the sources with every generator.
  set(stamp "${dir}/tessera_options.txt")
  list(JOIN args " " line)
  file(CONFIGURE OUTPUT "${stamp}" CONTENT "${line}\n")
  list(APPEND depends "${stamp}")

  add_custom_command(
    OUTPUT "${dir}/${A_PREFIX}.c" "${dir}/${A_PREFIX}.h"
    COMMAND tessera::tessera ${args}
    DEPENDS ${depends}
    COMMENT "tessera codegen ${A_MODEL} -> ${A_TARGET}"
    VERBATIM)
  add_library(${A_TARGET} STATIC "${dir}/${A_PREFIX}.c" "${dir}/${A_PREFIX}.h")
  target_include_directories(${A_TARGET} PUBLIC "${dir}")
  target_link_libraries(${A_TARGET} PUBLIC tessera::kernels)
  set_target_properties(${A_TARGET} PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON)
endfunction()

function(tessera_add_qemu_firmware)
  cmake_parse_arguments(PARSE_ARGV 0 A "" "TARGET;BOARD;RAM;STACK" "")
  if(NOT A_TARGET)
    message(FATAL_ERROR "tessera_add_qemu_firmware: TARGET is required")
  endif()
  if(NOT A_BOARD)
    if(TESSERA_ARM_CPU STREQUAL "cortex-m7")
      set(A_BOARD an500)
    else()
      set(A_BOARD an386)
    endif()
  endif()
  if(NOT A_BOARD MATCHES "^(an386|an500)$")
    message(FATAL_ERROR "tessera_add_qemu_firmware: BOARD must be an386 or an500 (got '${A_BOARD}')")
  endif()
  if(NOT A_STACK)
    set(A_STACK 8192)
  endif()
  set(fw "${TESSERA_FIRMWARE_DIR}")
  target_sources(${A_TARGET} PRIVATE "${fw}/startup.c" "${fw}/harness.c")
  target_include_directories(${A_TARGET} PRIVATE "${fw}")
  target_link_options(${A_TARGET} PRIVATE -nostartfiles "-L${fw}" "-T${fw}/link.ld"
                      "-Wl,--defsym=TESSERA_STACK_BYTES=${A_STACK}")
  if(A_RAM)
    target_link_options(${A_TARGET} PRIVATE "-Wl,--defsym=TESSERA_RAM_BYTES=${A_RAM}")
  endif()
  target_link_libraries(${A_TARGET} PRIVATE m)
  set_target_properties(${A_TARGET} PROPERTIES SUFFIX ".elf" TESSERA_BOARD ${A_BOARD}
                        LINK_DEPENDS "${fw}/link.ld")
endfunction()

function(tessera_add_qemu_test)
  cmake_parse_arguments(PARSE_ARGV 0 A "" "NAME;TARGET;TIMEOUT" "")
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 300)
  endif()
  get_target_property(board ${A_TARGET} TESSERA_BOARD)
  if(NOT board)
    message(FATAL_ERROR "tessera_add_qemu_test: ${A_TARGET} is not a tessera_add_qemu_firmware target")
  endif()
  add_test(NAME ${A_NAME} COMMAND sh "${TESSERA_FIRMWARE_DIR}/run.sh" ${board} $<TARGET_FILE:${A_TARGET}> ${A_TIMEOUT})
endfunction()
