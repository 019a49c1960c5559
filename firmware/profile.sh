#!/bin/sh
# Instruction-level profile of a firmware ELF under QEMU: runs it once like run.sh (semihosting,
# -icount shift=0) with one translation block per instruction (-singlestep) and QEMU's execution
# log (-d exec,nochain), so every executed instruction is one log line; the log streams through a
# FIFO (nothing lands on disk) into a per-address count, which is then mapped to functions
# (arm-none-eabi-nm) or to the disassembly of one function (arm-none-eabi-objdump).
#
#   firmware/profile.sh [--board an386|an500] [--top N] [--function NAME] [--timeout S] FIRMWARE.elf
#
#   default          instructions per function, most first (top N, default 25), then the total
#   --function NAME  NAME's disassembly, each instruction prefixed by how often it ran
#
# The program's own output (semihosting) goes to stderr. The total counts every instruction from
# reset to exit (start-up, input copies, printing), so it is a little above the SysTick count of
# one inference. About 5x slower than run.sh (a 12.6M-instruction inference: ~5 s).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
NM=${ARM_NM:-arm-none-eabi-nm}
OBJDUMP=${ARM_OBJDUMP:-arm-none-eabi-objdump}
board=an386; top=25; func=""; timeout_s=300; elf=""

usage() { echo "usage: $0 [--board an386|an500] [--top N] [--function NAME] [--timeout S] FIRMWARE.elf" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --board) [ $# -ge 2 ] || usage; board=$2; shift 2 ;;
    --top) [ $# -ge 2 ] || usage; top=$2; shift 2 ;;
    --function) [ $# -ge 2 ] || usage; func=$2; shift 2 ;;
    --timeout) [ $# -ge 2 ] || usage; timeout_s=$2; shift 2 ;;
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

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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
