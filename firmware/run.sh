#!/bin/sh
# Runs a firmware ELF under QEMU with semihosting (the program's exit code becomes this
# script's) and -icount shift=0 (SysTick counts instructions deterministically).
#   firmware/run.sh an386|an500 FIRMWARE.elf [TIMEOUT_SECONDS]
set -eu
case "${1:-}" in
  an386) machine=mps2-an386 ;;
  an500) machine=mps2-an500 ;;
  *) echo "usage: $0 an386|an500 FIRMWARE.elf [TIMEOUT_SECONDS]" >&2; exit 2 ;;
esac
[ -f "${2:-}" ] || { echo "$0: no such firmware: ${2:-}" >&2; exit 2; }
exec timeout "${3:-120}" ${QEMU:-qemu-system-arm} -M "$machine" -nographic -monitor none \
  -serial none -semihosting-config enable=on,target=native -icount shift=0 -kernel "$2"
