#!/usr/bin/env bash
# Time-bounded fuzzing of the model reader and the planners/executor (libFuzzer, ASan+UBSan).
#   scripts/fuzz.sh [BUILD_DIR]        (default build-fuzz; `make fuzz` builds it first)
# Environment:
#   FUZZ_SECONDS  seconds per target (default 60)
#   FUZZ_TARGETS  targets to run (default "fuzz_reader fuzz_plan")
#   FUZZ_JOBS     parallel libFuzzer workers per target (default 1)
# The seed corpus is written at run time into BUILD_DIR/corpus/seed (tessera's own writer:
# random networks, the all-operators graph, small zoo models) plus the shared models from
# ../shared/models when present; libFuzzer's new inputs go to BUILD_DIR/corpus/<target>.
# Crash reproducers land in BUILD_DIR/findings/. Exit status 1 when any target found a crash.
# A crash becomes a regression test: minimize it (<target> -minimize_crash=1 -runs=10000 FILE),
# put it under tests/data/fuzz_regressions/, and fix the owning code.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build-fuzz}
SECONDS_PER=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-"fuzz_reader fuzz_plan"}
JOBS=${FUZZ_JOBS:-1}

seed=$BUILD/corpus/seed
rm -rf "$seed" && mkdir -p "$seed" "$BUILD/findings"
"$BUILD/fuzz/fuzz_seed_corpus" "$seed" 64 || exit 2
if [[ -d ../shared/models ]]; then
  for m in ../shared/models/*.tflite; do
    # Large models slow every execution down; the reader fuzzer gets those up to 1 MB.
    [[ $(stat -c %s "$m") -le 1048576 ]] && cp "$m" "$seed/shared_$(basename "$m")"
  done
fi
# Checked-in malformed files and past regressions are seeds too.
cp tests/data/malformed/*.tflite "$seed/" 2>/dev/null || true
cp tests/data/fuzz_regressions/*.tflite "$seed/" 2>/dev/null || true

# -jobs runs workers in separate processes that log to fuzz-<n>.log in the current directory.
parallel=""
((JOBS > 1)) && parallel="-jobs=$JOBS -workers=$JOBS"
status=0
for t in $TARGETS; do
  bin=$BUILD/fuzz/$t
  [[ -x $bin ]] || { echo "fuzz: $bin is missing (make fuzz builds it)"; exit 2; }
  mkdir -p "$BUILD/corpus/$t"
  log=$BUILD/findings/$t.log
  echo "fuzz: $t for ${SECONDS_PER}s (log $log)"
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$bin" "$BUILD/corpus/$t" "$seed" -max_total_time="$SECONDS_PER" -timeout=20 -rss_limit_mb=2048 \
      -malloc_limit_mb=2048 -max_len=1200000 $parallel \
      -artifact_prefix="$BUILD/findings/$t-" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  # libFuzzer's summary: executions, speed, coverage, corpus.
  execs=$(grep -h "stat::number_of_executed_units" "$log" | awk '{s+=$2} END {print s+0}')
  speed=$(grep -h "stat::average_exec_per_sec" "$log" | awk '{s+=$2} END {print s+0}')
  cov=$(grep -hoE "cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*" "$log" | tail -1)
  if [[ $rc -ne 0 ]] || ls "$BUILD/findings/$t-"* >/dev/null 2>&1; then
    echo "fuzz: $t FOUND A PROBLEM (exit $rc): reproducers:"; ls "$BUILD/findings/$t-"* 2>/dev/null
    grep -m5 -E "ERROR|finding|runtime error|deadly|Timeout|out-of-memory" "$log"
    status=1
  fi
  echo "fuzz: $t: $execs executions, $speed exec/s, $cov"
done
exit $status
