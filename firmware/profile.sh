#!/bin/sh
# Instruction-level profile of a firmware ELF under QEMU: runs it once like run.sh (semihosting,
# -icount shift=0) with one translation block per instruction (-singlestep) and QEMU's execution
# log (-d exec,nochain), so every executed instruction is one log line; the log streams through a
# FIFO (nothing lands on disk) into a per-address count, which is then mapped to functions
# (arm-none-eabi-nm) or to the disassembly of one function (arm-none-eabi-objdump).
#
#   firmware/profile.sh [--board an386|an500] [--top N] [--function NAME] [--timeout S] FIRMWARE.elf
#   firmware/profile.sh --cycles [--wait-states W] [--ram-wait ORIGIN:LENGTH:W,...] [--plugin SO]
#                       [--raw FILE] [--top N] FIRMWARE.elf
#
#   default          instructions per function, most first (top N, default 25), then the total
#   --function NAME  NAME's disassembly, each instruction prefixed by how often it ran
#
#   --cycles         MODELLED Cortex-M4 cycles beside the instructions (an386 only): per
#                    function, the whole run, one inference (ts_fw_counter_start to the last
#                    ts_fw_counter_instructions before the next output) and, for firmware generated with tessera codegen
#                    --profile, every plan step (between consecutive clock reads). Runs QEMU with
#                    the TCG plugin libts_m4_cycles.so (firmware/cycles/, built by CMake) instead of
#                    the execution log; the rules and their sources: firmware/cycles/m4_model.h.
#   --wait-states W  the flash variant's wait states (default 5; the W=0 column is always shown)
#   --ram-wait LIST  address ranges with their own data wait states (rule WR of m4_model.h),
#                    comma separated ORIGIN:LENGTH:W (decimal or 0x hex), e.g.
#                    0x20100000:0x100000:2: every data access there costs W more cycles; both
#                    cycle columns include them (they do not scale with --wait-states)
#   --plugin SO      the plugin (default: $TESSERA_CYCLES_PLUGIN, else build/firmware/ of this tree)
#   --raw FILE       also keep the plugin's report (lines total/stat/mark/func) in FILE
#                    (--cycles is faster than the execution log: person_detect's 10M
#                    instructions take about 1 s)
#
# The program's own output (semihosting) goes to stderr. The total counts every instruction from
# reset to exit (start-up, input copies, printing), so it is a little above the SysTick count of
# one inference. About 5x slower than run.sh (a 12.6M-instruction inference: ~5 s).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
NM=${ARM_NM:-arm-none-eabi-nm}
OBJDUMP=${ARM_OBJDUMP:-arm-none-eabi-objdump}
board=an386; top=25; func=""; timeout_s=300; elf=""
cycles=0; wait_states=5; plugin=${TESSERA_CYCLES_PLUGIN:-}; raw=""; ram_wait=""

usage() {
  echo "usage: $0 [--board an386|an500] [--top N] [--function NAME] [--timeout S] FIRMWARE.elf" >&2
  echo "       $0 --cycles [--wait-states W] [--ram-wait ORIGIN:LENGTH:W,...] [--plugin SO] [--raw FILE] [--top N] [--timeout S] FIRMWARE.elf" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --board) [ $# -ge 2 ] || usage; board=$2; shift 2 ;;
    --top) [ $# -ge 2 ] || usage; top=$2; shift 2 ;;
    --function) [ $# -ge 2 ] || usage; func=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
    --cycles) cycles=1; shift ;;
    --wait-states) [ $# -ge 2 ] || usage; wait_states=$2; shift 2 ;;
    --ram-wait) [ $# -ge 2 ] || usage; ram_wait=$2; shift 2 ;;
    --plugin) [ $# -ge 2 ] || usage; plugin=$2; shift 2 ;;
    --raw) [ $# -ge 2 ] || usage; raw=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "$0: unknown option $1" >&2; usage ;;
    *) [ -z "$elf" ] || usage; elf=$1; shift ;;
  esac
done
case "$board" in
  an386) machine=mps2-an386 ;;
  an500) machine=mps2-an500 ;;
  *) echo "$0: --board must be an386 or an500 (got '$board')" >&2; exit 2 ;;
esac
case "$top" in ''|*[!0-9]*) echo "$0: --top wants a count (got '$top')" >&2; exit 2 ;; esac
case "$timeout_s" in ''|*[!0-9]*) echo "$0: --timeout wants seconds (got '$timeout_s')" >&2; exit 2 ;; esac
[ -n "$elf" ] || usage
[ -f "$elf" ] || { echo "$0: no such firmware: $elf" >&2; exit 2; }

case "$wait_states" in ''|*[!0-9]*) echo "$0: --wait-states wants a count (got '$wait_states')" >&2; exit 2 ;; esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "$cycles" -eq 1 ]; then
  [ "$board" = an386 ] || { echo "$0: --cycles models a Cortex-M4: --board an386 only" >&2; exit 2; }
  [ -z "$func" ] || { echo "$0: --cycles reports per function; --function is for instruction counts" >&2; exit 2; }
  if [ -z "$plugin" ]; then
    for p in "$here/../build/firmware/libts_m4_cycles.so" "$here/../build/firmware/cycles/libts_m4_cycles.so"; do
      [ -f "$p" ] && { plugin=$p; break; }
    done
  fi
  [ -n "$plugin" ] && [ -f "$plugin" ] || {
    echo "$0: no cycle-model plugin (build it: cmake --build build --target ts_m4_cycles; or pass --plugin)" >&2; exit 2; }
  case "$plugin$elf$tmp" in *,*) echo "$0: paths must not contain commas (QEMU's -plugin syntax)" >&2; exit 2 ;; esac
  ranges=""
  if [ -n "$ram_wait" ]; then
    case "$ram_wait" in *[!0-9A-Fa-fx:,]*|,*|*,|*,,*)
      echo "$0: --ram-wait wants ORIGIN:LENGTH:W[,...] (got '$ram_wait')" >&2; exit 2 ;; esac
    ranges=",ram_wait=$(echo "$ram_wait" | sed 's/,/,ram_wait=/g')"
  fi
  status=0
  timeout "$timeout_s" ${QEMU:-qemu-system-arm} -M "$machine" -nographic -monitor none -serial none \
    -semihosting-config enable=on,target=native -icount shift=0 \
    -plugin "file=$plugin,elf=$elf,out=$tmp/report,objdump=$OBJDUMP$ranges" -kernel "$elf" 1>&2 || status=$?
  [ "$status" -eq 0 ] || echo "$0: the firmware exited with status $status" >&2
  [ -s "$tmp/report" ] || { echo "$0: the cycle-model plugin wrote no report" >&2; exit 1; }
  [ -z "$raw" ] || cp "$tmp/report" "$raw"
  awk -v W="$wait_states" -v top="$top" '
    function row(i, c, u, name) {
      printf "%12d  %12d  %12d  %5.2f  %5.2f  %s\n", i, c, c + W * u, i ? c / i : 0, i ? (c + W * u) / i : 0, name }
    $1 == "total" { ti = $2; tc = $3; tu = $4 }
    $1 == "func" { n++; fi[n] = $3; fl[n] = $0 }
    $1 == "stat" { st[$2] = $3 }
    $1 == "range" { nr++; rg = rg (nr > 1 ? ", " : "") $2 ":" $3 " +" $4 }
    $1 == "mark" { m++; mn[m] = $2; mi[m] = $3; mc[m] = $4; mu[m] = $5 }
    END {
      printf "MODELLED Cortex-M4 cycles (rules: firmware/cycles/m4_model.h, Cortex-M4 TRM; not measured); W = %d flash wait states\n", W
      if (nr) printf "data wait ranges (WR, in both cycle columns): %s; they added %d cycles over %d accesses\n", rg, st["range_waits"], st["range_accesses"]
      printf "%12s  %12s  %12s  %5s  %5s  %s\n", "instructions", "cycles W=0", "cycles W=" W, "CPI0", "CPIW", "function"
      # functions by modelled cycles at W=0, most first
      for (k = 1; k <= n; k++) { split(fl[k], f, " "); key[k] = f[4]; nm[k] = f[2]; fi[k] = f[3]; fu[k] = f[5] }
      for (k = 1; k <= n; k++) ord[k] = k
      for (a = 2; a <= n; a++) { v = ord[a]; b = a - 1; while (b >= 1 && key[ord[b]] < key[v]) { ord[b + 1] = ord[b]; b-- } ord[b + 1] = v }
      for (k = 1; k <= n && k <= top; k++) { j = ord[k]; row(fi[j], key[j], fu[j], nm[j]) }
      row(ti, tc, tu, "total (reset to exit)")
      # the inference: the first ts_fw_counter_start to the last clock read before the next output
      first = 0; last = 0; ni = 0
      for (k = 1; k <= m; k++) {
        if (mn[k] == "ts_fw_counter_start" && !first) first = k
        if (!first) continue
        if (mn[k] == "ts_fw_puts") break
        if (mn[k] == "ts_fw_counter_instructions") { last = k; ni++; ci[ni] = k }
      }
      if (first && last)
        row(mi[last] - mi[first], mc[last] - mc[first], mu[last] - mu[first],
            "inference (ts_fw_counter_start to the last clock read before output)")
      if (ni >= 3) {
        printf "per step (between consecutive clock reads of tessera codegen --profile; each includes one clock read)\n"
        for (k = 1; k + 1 < ni; k++) { a = ci[k]; b = ci[k + 1]
          row(mi[b] - mi[a], mc[b] - mc[a], mu[b] - mu[a], "step " (k - 1)) }
      }
      printf "events: %d taken branches, %d pipelined loads/stores (R4), %d address stalls (R6), %d flash data reads, %d fetches after a taken branch into flash, %d divisions (12 cycles each, R2), %d skipped in IT blocks, %d exceptions (latency not charged)\n",
        st["taken"], st["pipelined"], st["agu_stalls"], st["flash_reads"], st["flash_fetches"], st["divides"], st["it_skipped"], st["exceptions"]
      if (st["duplicates"]) printf "note: %d repeated callbacks of one instruction (QEMU re-running an I/O instruction under -icount) counted once\n", st["duplicates"]
      if (st["unknown"]) printf "warning: %d instructions ran outside the ELF decoded code (costed as 0)\n", st["unknown"]
    }' "$tmp/report"
  exit 0
fi
mkfifo "$tmp/log"
# Lines look like "Trace 0: 0x7f.. [00800408/0000011c/00000110/ff020201] symbol": the second
# field inside the brackets is the guest pc. Count per pc (hex string keys).
awk '$1 == "Trace" { i = index($0, "["); if (i) { split(substr($0, i + 1), f, "/"); n[f[2]]++ } }
     END { for (k in n) print k, n[k] }' < "$tmp/log" > "$tmp/pcs" &
awk_pid=$!
status=0
timeout "$timeout_s" ${QEMU:-qemu-system-arm} -M "$machine" -nographic -monitor none -serial none \
  -semihosting-config enable=on,target=native -icount shift=0 -singlestep -d exec,nochain \
  -D "$tmp/log" -kernel "$elf" 1>&2 || status=$?
wait "$awk_pid"
if [ "$status" -ne 0 ]; then
  echo "$0: the firmware exited with status $status" >&2
fi
[ -s "$tmp/pcs" ] || { echo "$0: QEMU logged no instructions (does this QEMU support -d exec?)" >&2; exit 1; }

# hex -> number without gawk's strtonum (mawk and busybox awk lack it)
hexfn='function hex(s,   i, c, v) { v = 0; s = tolower(s); sub(/^0x/, "", s);
  for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)); v = v * 16 + c - 1 }
  return v }'

if [ -n "$func" ]; then
  "$OBJDUMP" -d --no-show-raw-insn --disassemble="$func" "$elf" > "$tmp/dis"
  grep -q '>:$' "$tmp/dis" || { echo "$0: no function '$func' in $elf" >&2; exit 2; }
  awk "$hexfn"'
    NR == FNR { n[hex($1)] = $2; next }
    /^ *[0-9a-f]+:/ { a = $1; sub(/:$/, "", a); c = n[hex(a)] + 0; total += c
                      printf "%10d  %s\n", c, $0; next }
    /^[0-9a-f]+ </ { print }
    END { printf "%10d  instructions in %s\n", total, FN }' FN="$func" "$tmp/pcs" "$tmp/dis"
  exit 0
fi

# functions: start, size, name (text symbols with a size)
"$NM" -n -S "$elf" | awk 'NF == 4 && $3 ~ /^[tTwW]$/ { print $1, $2, $4 }' > "$tmp/syms"
awk "$hexfn"'
  NR == FNR { s[NR] = hex($1); e[NR] = s[NR] + hex($2); name[NR] = $3; ns = NR; next }
  { pc = hex($1); c = $2; total += c; lo = 1; hi = ns; k = 0
    while (lo <= hi) { m = int((lo + hi) / 2); if (s[m] <= pc) { k = m; lo = m + 1 } else hi = m - 1 }
    f = (k && pc < e[k]) ? name[k] : "(no symbol)"; per[f] += c }
  END { for (f in per) printf "%d %s\n", per[f], f; printf "%d (total)\n", total }' "$tmp/syms" "$tmp/pcs" |
  sort -k1,1nr > "$tmp/funcs"
total=$(awk '$2 == "(total)" { print $1 }' "$tmp/funcs")
printf '%12s  %6s  %s\n' instructions share function
grep -v ' (total)$' "$tmp/funcs" | head -n "$top" |
  awk -v t="$total" '{ printf "%12d  %5.1f%%  %s\n", $1, 100 * $1 / t, $2 }'
printf '%12d  %5.1f%%  %s\n' "$total" 100 total
