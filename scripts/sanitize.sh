#!/usr/bin/env bash
# The test suite under AddressSanitizer + UndefinedBehaviorSanitizer (the CI's second tree).
#   scripts/sanitize.sh [BUILD_DIR]    (default build-asan)
# Configures BUILD_DIR with -DTESSERA_SANITIZE=ON (which also turns on the executor's arena
# guard bytes), RelWithDebInfo at -O1, builds the CLI and every test program except those in
# ASAN_SKIP, and runs them JOBS at a time. Skipped by default (run in the release tree only):
#   test_firmware_*           emulated Cortex-M in QEMU: the code under test runs on the
#                             emulated CPU, not in the sanitized host process;
#   test_tflite_differential_* TensorFlow Lite's prebuilt C library, not instrumented.
# By default (CI) the programs in ASAN_DEFAULT run: the reader, validation, malformed corpus,
# fuzz regressions, .npy files, lowering, property tests, checker, executor (with its arena guard), kernels,
# operator layer, TFLM reference outputs, strategies, patches and memory planners. ASAN_ALL=1
# runs every program but those in ASAN_SKIP.
# Environment: JOBS (default nproc), ASAN_ALL, ASAN_SKIP (space-separated globs), ASAN_ONLY
# (run only these programs). Prints each program's time; exit status 1 when any program fails.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-asan}
JOBS=${JOBS:-$(nproc)}
ASAN_SKIP=${ASAN_SKIP:-"test_firmware_* test_tflite_differential_*"}

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" >/dev/null || exit 2

ASAN_DEFAULT="test_tflite_reader test_graph_validate test_malformed_corpus test_property_plans
  test_arena_guard test_checker test_checker_mutations test_executor test_kernels_spatial
  test_kernels_elementwise test_ops_layer test_reference_outputs test_strategies test_patch
  test_memory_overlap test_memory_placement test_npy test_lowering"
progs=()
if [[ -n ${ASAN_ONLY:-} ]]; then
  progs=($ASAN_ONLY)
elif [[ -z ${ASAN_ALL:-} ]]; then
  for name in $ASAN_DEFAULT; do [[ -f tests/$name.cc ]] && progs+=("$name"); done
else
  for src in tests/test_*.cc; do
    name=$(basename "$src" .cc)
    skip=0
    for pat in $ASAN_SKIP; do [[ $name == $pat ]] && skip=1; done
    ((skip)) || progs+=("$name")
  done
fi
start=$(date +%s)
cmake --build "$BUILD" --target tessera_cli "${progs[@]}" -j "$JOBS" || exit 2
built=$(date +%s)
echo "sanitize: built ${#progs[@]} test programs in $((built - start)) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
logs=$BUILD/sanitize-logs
rm -rf "$logs" && mkdir -p "$logs"
run_one() {
  local name=$1 logs=$2 build=$3
  local t0=$(date +%s)
  "$build/tests/$name" --gtest_brief=1 >"$logs/$name.log" 2>&1
  local rc=$?
  echo "$rc $(( $(date +%s) - t0 )) $name" >"$logs/$name.rc"
}
export -f run_one
printf '%s\n' "${progs[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one {} "$0" "$1"' "$logs" "$BUILD"

status=0 passed=0 failed=0
printf '%-36s %6s %s\n' "program" "sec" "result"
for name in "${progs[@]}"; do
  read -r rc secs _ <"$logs/$name.rc"
  if [[ $rc -eq 0 ]]; then res=ok; passed=$((passed + 1)); else res="FAILED (exit $rc)"; status=1; failed=$((failed + 1)); fi
  printf '%-36s %6s %s\n' "$name" "$secs" "$res"
done
for name in "${progs[@]}"; do
  read -r rc _ _ <"$logs/$name.rc"
  if [[ $rc -ne 0 ]]; then echo "---- $name"; tail -60 "$logs/$name.log"; fi
done
echo "sanitize: ${#progs[@]} programs in $(( $(date +%s) - built )) s (ASan + UBSan, $BUILD)"
# The closing line counts test programs (each a gtest program with many cases).
echo "sanitize: $passed passed, $failed failed"
exit $status
