#!/bin/sh
# Worst-case stack bytes of every kernel entry point (ts_*) as the firmware builds them:
# compiles kernels/src/*.c with firmware/build.sh's flags for the board plus GCC's
# -fcallgraph-info=su, reads the frames and calls of the C library and libgcc functions they
# reach from the libraries' disassembly (each function's prologue: PUSH/STMDB/VPUSH and
# SUB SP; its BL and tail-call B.W targets), and bounds each entry point's deepest call chain
# with ts_stack_usage (firmware/stack/callgraph.h says how).
#
#   firmware/stack_usage.sh [--board an386|an500] [--opt FLAG] [--tool PATH] [--kernels DIR] [--inc]
#   firmware/stack_usage.sh [--board ...] [--opt ...] [--tool ...] --root NAME... [-I DIR]... [-D DEF]... SOURCE.c...
#
# The second form bounds the functions NAME of a whole program (e.g. a firmware's sources:
# the generated model, its main.c, the copied kernels, firmware/startup.c and harness.c).
#
# Prints "name<TAB>bytes<TAB>call chain" per entry point, sorted by name; with --inc, the
# table src/codegen/kernel_stack_table.inc holds (regenerate it after changing a kernel:
#   firmware/stack_usage.sh --inc > src/codegen/kernel_stack_table.inc
# test_firmware_stack fails while it differs from what the kernels compile to).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
CC=${ARM_CC:-arm-none-eabi-gcc}
OBJDUMP=${ARM_OBJDUMP:-arm-none-eabi-objdump}
board=an386; opt=-O2; tool=""; kernels="$here/../kernels"; inc=0
roots=""; cflags=""; srcs=""

usage() { echo "usage: $0 [--board an386|an500] [--opt FLAG] [--tool PATH] [--kernels DIR] [--inc]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --board) [ $# -ge 2 ] || usage; board=$2; shift 2 ;;
    --opt) [ $# -ge 2 ] || usage; opt=$2; shift 2 ;;
    --tool) [ $# -ge 2 ] || usage; tool=$2; shift 2 ;;
    --kernels) [ $# -ge 2 ] || usage; kernels=$2; shift 2 ;;
    --inc) inc=1; shift ;;
    --root) [ $# -ge 2 ] || usage; roots="$roots --function $2"; shift 2 ;;
    -I) [ $# -ge 2 ] || usage; cflags="$cflags -I$(cd "$2" && pwd)"; shift 2 ;;
    -D) [ $# -ge 2 ] || usage; cflags="$cflags -D$2"; shift 2 ;;
    -I*) d=${1#-I}; cflags="$cflags -I$(cd "$d" && pwd)"; shift ;;
    -D*) cflags="$cflags $1"; shift ;;
    -*) echo "$0: unknown option $1" >&2; usage ;;
    *.c) srcs="$srcs $1"; shift ;;
    -h|--help) usage ;;
    *) echo "$0: unknown argument $1" >&2; usage ;;
  esac
done
case "$board" in
  an386) cpu="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16" ;;
  an500) cpu="-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16" ;;
  *) echo "$0: --board must be an386 or an500 (got '$board')" >&2; exit 2 ;;
esac
if [ -z "$tool" ]; then
  for t in "$here/../build/firmware/ts_stack_usage" "$(command -v ts_stack_usage 2>/dev/null || true)"; do
    [ -n "$t" ] && [ -x "$t" ] && { tool=$t; break; }
  done
fi
[ -n "$tool" ] && [ -x "$tool" ] || { echo "$0: ts_stack_usage not found (build it: cmake --build build --target ts_stack_usage; or pass --tool)" >&2; exit 2; }
if [ -z "$srcs" ]; then
  [ -z "$roots" ] || { echo "$0: --root needs the program's SOURCE.c files" >&2; exit 2; }
  [ -d "$kernels/src" ] || { echo "$0: no kernel sources in $kernels/src" >&2; exit 2; }
  srcs=$(ls "$kernels"/src/*.c)
  cflags="-I$kernels/include"
else
  [ -n "$roots" ] || { echo "$0: SOURCE.c files need --root NAME" >&2; exit 2; }
  [ "$inc" = 0 ] || { echo "$0: --inc is for the kernel table, not a program" >&2; exit 2; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The same flags as firmware/build.sh compiles with.
i=0
for s in $srcs; do
  [ -f "$s" ] || { echo "$0: no such source: $s" >&2; exit 2; }
  s="$(cd "$(dirname "$s")" && pwd)/$(basename "$s")"
  i=$((i + 1))
  n=$(basename "$s" .c)
  [ -z "$roots" ] || n="${n}__$i"
  (cd "$work" && $CC $cpu $opt -std=c99 -ffunction-sections -fdata-sections $cflags \
     -fcallgraph-info=su -c "$s" -o "$n.o")
done

# The libraries the firmware links (nano.specs: libc_nano, libm, libgcc) and the kernels'
# objects themselves (for functions written in assembly, which the .ci files do not define),
# as call-graph nodes: one per function symbol objdump prints, an alias node for each other
# function symbol at the same place (objdump -t), and an edge to the next function where one runs into it.
libs="$($CC $cpu -print-file-name=libc_nano.a) $($CC $cpu -print-file-name=libm.a) $($CC $cpu -print-libgcc-file-name)"
for l in $libs; do [ -f "$l" ] || { echo "$0: library not found: $l" >&2; exit 1; }; done
{
  for l in $libs "$work"/*.o; do $OBJDUMP -t "$l"; done
  echo "@@objdump"
  for l in $libs "$work"/*.o; do $OBJDUMP -dr --no-show-raw-insn "$l"; done
} | awk '
  function regs(list,   n, i, parts, r, a) {  # registers in "{r4, r5, lr}" or "{d8-d15}"
    gsub(/[{}]/, "", list); n = 0
    split(list, parts, ",")
    for (i in parts) {
      r = parts[i]; gsub(/ /, "", r)
      if (r ~ /-/) { split(r, a, "-"); sub(/^[a-z]+/, "", a[1]); sub(/^[a-z]+/, "", a[2]); n += a[2] - a[1] + 1 }
      else if (r != "") n++
    }
    return n
  }
  # A function symbol as a node title: local ones (static functions, nm type t) qualified by
  # their object file, since several objects may define one of the same name.
  function title(m, name) { return ((m, name) in local) ? m ":" name : name }
  function commit() { if (pend != "" && pend != cur) calls[pend] = 1; pend = "" }
  function flush(next_title,   t) {
    commit()
    if (cur == "") return
    printf "node: { title: \"%s\" label: \"%s\\nobject code\\n%d bytes (static)\" }\n", cur, cur, frame
    for (t in calls) printf "edge: { sourcename: \"%s\" targetname: \"%s\" }\n", cur, t
    if (falls && next_title != "" && next_title != cur)
      printf "edge: { sourcename: \"%s\" targetname: \"%s\" }\n", cur, next_title
    delete calls; cur = ""
  }
  $0 == "@@objdump" { dis = 1; next }
  !dis && / file format / { member = $1; sub(/:$/, "", member); sub(/.*\//, "", member); next }
  !dis {  # objdump -t: address, flags (l: local), F (a function), section, size, name
    if (!match($0, / F \.text[^ \t]*\t/)) next
    sec = substr($0, RSTART + 3, RLENGTH - 4)
    a = $1; sub(/^0+/, "", a)
    if (substr($0, 10, 1) == "l") local[member, $NF] = 1
    nsym++; sym_m[nsym] = member; sym_a[nsym] = sec "+" a; sym_n[nsym] = $NF
    next
  }
  / file format / { flush(""); section = ""; member = $1; sub(/:$/, "", member); sub(/.*\//, "", member); next }
  /^[0-9a-f]+ <[^>]+>:$/ {
    name = $2; gsub(/[<>:]/, "", name)
    flush(title(member, name))
    cur = title(member, name); n = 0; frame = 0; falls = 1
    a = $1; sub(/^0+/, "", a); printed[member, section "+" a] = cur
    next
  }
  /^Disassembly of section / { flush(""); section = $4; sub(/:$/, "", section); next }
  # In an object file a call to another section is a relocation: the branch shows offset 0.
  /^\t+[0-9a-f]+: R_ARM_THM_(CALL|JUMP24|JUMP19)\t/ {
    if (pend != "") { pend = $NF; sub(/[+-]0x.*/, "", pend); pend = title(member, pend) }
    next
  }
  cur != "" && /^ +[0-9a-f]+:\t/ {
    split($0, f, "\t"); op = f[2]; args = f[3]; n++
    if (n <= 8) {
      if (op ~ /^push/ || (op ~ /^stmdb/ && args ~ /^sp!/)) { a = args; sub(/^sp!, */, "", a); frame += 4 * regs(a) }
      else if (op ~ /^vpush/) { a = args; frame += (a ~ /d[0-9]/ ? 8 : 4) * regs(a) }
      else if (op ~ /^sub/ && args ~ /^sp, (sp, )?#/) { a = args; sub(/.*#/, "", a); sub(/[ \t].*/, "", a); frame += a + 0 }
    }
    commit()
    if ((op ~ /^bl(\.w)?$/ || op ~ /^b(\.w|\.n)?$/) && args ~ /<[^>+]+>$/) {
      pend = args; sub(/.*</, "", pend); sub(/>.*/, "", pend); pend = title(member, pend)
    }
    # Whether the last instruction (padding aside) can run into the next symbol.
    if (op !~ /^nop/ && op !~ /^\.(word|short|byte)/)
      falls = !((op ~ /^bx$/) || (op ~ /^(pop|ldm)/ && args ~ /pc/) || (op ~ /^b(\.w|\.n)?$/) || (op ~ /^ldr/ && args ~ /^pc,/))
  }
  END {
    flush("")
    for (i = 1; i <= nsym; i++) {  # other names of a printed function
      p = printed[sym_m[i], sym_a[i]]; t = title(sym_m[i], sym_n[i])
      if (p != "" && p != t) {
        printf "node: { title: \"%s\" label: \"%s\\nalias\\n0 bytes (static)\" }\n", t, t
        printf "edge: { sourcename: \"%s\" targetname: \"%s\" }\n", t, p
      }
    }
  }
' > "$work/object_code.ci"

# The kernels' calls through pointers go to the functions whose address their own file takes:
# relocations that are not calls, against function symbols.
for o in "$work"/*.o; do
  $OBJDUMP -t "$o" | awk '/ F \.text/ { print $NF }' > "$work/functions"
  $OBJDUMP -r "$o" | awk -v unit="$(basename "$o" .o)" '
    FILENAME != "-" { f[$1] = 1; next }
    $2 ~ /^R_ARM_/ && $2 !~ /^R_ARM_THM_(CALL|JUMP24|JUMP19|JUMP11|JUMP8)$/ {
      s = $3; sub(/[+-]0x.*/, "", s); if (s in f) print unit "\t" s
    }' "$work/functions" - 
done | sort -u > "$work/address_taken.tsv"

# The *_ws entry points fall back to their kernel's stack buffers when called without a
# workspace for a layer that needs one; generated code never does that (it passes the step's
# workspace, or calls the entry point without _ws: src/codegen/emit_ops.cc use_workspace), so
# their bounds leave that call out.
drops="--drop-call ts_conv2d_s8_ws:ts_conv2d_s8_dsp --drop-call ts_depthwise_conv2d_s8_ws:ts_depthwise_conv2d_s8_dsp"
if [ -n "$roots" ]; then
  "$tool" --address-taken "$work/address_taken.tsv" $drops $roots "$work"/*.ci
  exit
fi
"$tool" --address-taken "$work/address_taken.tsv" $drops "$work"/*.ci | LC_ALL=C sort > "$work/bounds.tsv"
if [ "$inc" = 1 ]; then
  echo "// Generated by firmware/stack_usage.sh --inc (board $board, $opt, $($CC -dumpversion)): the"
  echo "// worst-case stack bytes of each kernel entry point and its deepest call chain. Do not edit."
  awk -F'\t' '{ printf "{\"%s\", %s, \"%s\"},\n", $1, $2, $3 }' "$work/bounds.tsv"
else
  cat "$work/bounds.tsv"
fi
