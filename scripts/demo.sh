#!/usr/bin/env bash
# The main job on a built-in model; grows with each capability.
set -euo pipefail
BUILD=${1:-build}
T=$BUILD/tessera
OUT=out/demo
mkdir -p "$OUT"
echo "== tessera demo: built-in model mobilenetv2-w0.35-r144"
"$T" zoo export mobilenetv2-w0.35-r144 -o "$OUT/mbv2.tflite"
"$T" inspect "$OUT/mbv2.tflite" | tail -n 8
