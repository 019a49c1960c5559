#!/bin/sh
# Builds a bare-metal ELF for QEMU's MPS2 boards from C sources plus the tessera harness
# (startup.c, harness.c, link.ld), with the SRAM budget enforced by the linker.
#
#   firmware/build.sh --board an386|an500 -o OUT.elf [--ram BYTES|auto] [--stack BYTES]
#                     [-I DIR]... [-D NAME[=VALUE]]... [--opt FLAG] SOURCE.c...
#
#   --board  an386: Cortex-M4F (mps2-an386); an500: Cortex-M7 (mps2-an500)
#   --ram    SRAM budget in bytes. `auto` (default) links once to measure what the image
#            needs (stack + .data + model_arena + .bss) and then links with exactly that.
#   --stack  main stack bytes (default 8192)
#   --region NAME:ORIGIN:LENGTH  (repeatable) a memory bank for the arena of memory region
#            NAME (generated code: section .bss.tessera_arena.NAME); its arena must fit in
#            LENGTH bytes at ORIGIN or the link fails
#
# Prints `ram_needed=N ram_budget=M` on success. A budget smaller than the image needs
# fails to link with "tessera: model_arena does not fit ..." and exit status 1.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
CC=${ARM_CC:-arm-none-eabi-gcc}
NM=${ARM_NM:-arm-none-eabi-nm}
board=""; out=""; ram=auto; stack=8192; opt=-O2
cflags=""; srcs=""; regions=""

usage() { echo "usage: $0 --board an386|an500 -o OUT.elf [--ram BYTES|auto] [--stack BYTES] [--region NAME:ORIGIN:LENGTH]... [-I DIR] [-D DEF] [--opt FLAG] SOURCE.c..." >&2; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --board) board=$2; shift 2 ;;
    -o) out=$2; shift 2 ;;
    --ram) ram=$2; shift 2 ;;
    --stack) stack=$2; shift 2 ;;
    --region) regions="$regions $2"; shift 2 ;;
    --opt) opt=$2; shift 2 ;;
    -I) cflags="$cflags -I$2"; shift 2 ;;
    -D) cflags="$cflags -D$2"; shift 2 ;;
    -I*|-D*) cflags="$cflags $1"; shift ;;
    -h|--help) usage ;;
    -*) echo "$0: unknown option $1" >&2; usage ;;
    *) srcs="$srcs $1"; shift ;;
  esac
done

case "$board" in
  an386) cpu="-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16" ;;
  an500) cpu="-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16" ;;
  *) echo "$0: --board must be an386 or an500 (got '$board')" >&2; exit 2 ;;
esac
[ -n "$out" ] || { echo "$0: -o OUT.elf is required" >&2; exit 2; }
[ -n "$srcs" ] || { echo "$0: no source files" >&2; exit 2; }
case "$ram" in auto|[0-9]*) ;; *) echo "$0: --ram must be a byte count or auto" >&2; exit 2 ;; esac

objdir="$out.obj"
rm -rf "$objdir" && mkdir -p "$objdir"
trap 'rm -rf "$objdir"' EXIT
# The memory regions' banks and sections (firmware/link.ld includes both files).
: > "$objdir/tessera_regions_memory.ld"
: > "$objdir/tessera_regions_sections.ld"
if [ -n "$regions" ]; then
  echo "MEMORY {" >> "$objdir/tessera_regions_memory.ld"
  for r in $regions; do
    name=${r%%:*}; rest=${r#*:}; origin=${rest%%:*}; length=${rest#*:}
    case "$name:$origin:$length" in
      *[!A-Za-z0-9_:x]*|:*|*::*) echo "$0: --region must be NAME:ORIGIN:LENGTH (got '$r')" >&2; exit 2 ;;
    esac
    echo "  TS_REGION_$name (rw) : ORIGIN = $origin, LENGTH = $length" >> "$objdir/tessera_regions_memory.ld"
    echo "  .tessera_region_$name (NOLOAD) : ALIGN(16) { KEEP(*(.bss.tessera_arena.$name)) } > TS_REGION_$name" \
      >> "$objdir/tessera_regions_sections.ld"
  done
  echo "}" >> "$objdir/tessera_regions_memory.ld"
fi
common="$cpu $opt -std=c99 -Wall -Wextra -ffunction-sections -fdata-sections -I$here $cflags"
objs=""
i=0
for s in "$here/startup.c" "$here/harness.c" $srcs; do
  i=$((i + 1))
  o="$objdir/$i.$(basename "$s" .c).o"
  $CC $common -c "$s" -o "$o"
  objs="$objs $o"
done

link() {  # $1: extra linker flags
  $CC $cpu -nostartfiles --specs=nano.specs -Wl,--gc-sections -L"$objdir" -L"$here" -T "$here/link.ld" \
    -Wl,--defsym=TESSERA_STACK_BYTES=$stack $1 $objs -lm -o "$out"
}

if [ "$ram" = auto ]; then
  link ""
  ram=$($NM "$out" | awk '$3 == "__ram_needed" { print $1 }')
  [ -n "$ram" ] || { echo "$0: __ram_needed missing from $out" >&2; exit 1; }
  ram=$((0x$ram))
fi
link "-Wl,--defsym=TESSERA_RAM_BYTES=$ram"
needed=$($NM "$out" | awk '$3 == "__ram_needed" { print $1 }')
echo "ram_needed=$((0x$needed)) ram_budget=$ram"
