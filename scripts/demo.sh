#!/usr/bin/env bash
# `make demo`: the main job on a built-in model (no file from outside the repository).
# Exports a zoo MobileNetV2, inspects it, plans it (baseline, best layer-by-layer, patch-based,
# and searched under an SRAM budget), proves each plan with the checker, runs the plans on the
# host bit-exactly against the layer-by-layer run, and writes the reports and pictures under
# out/demo/.
set -euo pipefail
BUILD=${1:-build}
T=$BUILD/tessera
OUT=out/demo
MODEL=mobilenetv2-w0.35-r144
mkdir -p "$OUT"

step() { printf '\n== %s\n' "$*"; }

step "1. export the built-in model $MODEL"
"$T" zoo export "$MODEL" -o "$OUT/$MODEL.tflite"

step "2. inspect: MACs, weights, the largest activation pair"
"$T" inspect "$OUT/$MODEL.tflite" | tail -n 7

step "3. baseline: layer by layer, TensorFlow Lite Micro's greedy arena"
"$T" plan "$OUT/$MODEL.tflite" -s greedy -q --svg "$OUT/greedy.svg"

step "4. layer by layer with fusion, in-place, segment overlap and placement search"
"$T" plan "$OUT/$MODEL.tflite" -s best -q --svg "$OUT/best.svg" -o "$OUT/best.plan.json"

step "5. patch-based first stage (4x4 patches, stage ends after operator 12), input streamed"
"$T" plan "$OUT/$MODEL.tflite" --patch 12:4x4 -s best --stream-input -q \
  --svg "$OUT/patch.svg" --json "$OUT/patch.report.json" -o "$OUT/patch.plan.json"

step "6. search: fewest MACs within 64 KiB of SRAM (+10% MACs at most), input streamed"
"$T" plan "$OUT/$MODEL.tflite" --sram 64KiB --max-overhead 10 --stream-input -q 2>/dev/null \
  --frontier-svg "$OUT/frontier.svg" --svg "$OUT/search.svg" -o "$OUT/search.plan.json" |
  grep -vE "^ +[0-9]+ +[0-9.]+ +[0-9]+ +[0-9.]+%"

step "7. run the plans on the host (each checked first) and compare with layer by layer"
"$T" run "$OUT/$MODEL.tflite" --seed 7 --output "$OUT/layer_by_layer.out" | grep -E "^plan|class +[0-9]+ " | sed "s/ (no TFLM figure.*)//" | head -n 3
for p in best patch search; do
  "$T" run "$OUT/$MODEL.tflite" --seed 7 --plan "$OUT/$p.plan.json" --output "$OUT/$p.out" | grep -E "^plan" | sed "s/ (no TFLM figure.*)//"
  if cmp -s "$OUT/layer_by_layer.out" "$OUT/$p.out"; then
    echo "  $p plan output == layer-by-layer output (bit-exact)"
  else
    echo "MISMATCH between the $p plan and layer by layer" >&2
    exit 1
  fi
done

step "reports and pictures"
ls -1 "$OUT"
