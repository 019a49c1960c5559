#!/usr/bin/env bash
# Installs what tessera's build, tests and emulated-device tests need, idempotently.
# Debian packages via apt (sudo only when not root); TensorFlow Lite 2.9's C library,
# used only by differential tests, unpacked from the npm package tfjs-tflite-node into
# third_party/tflite (never committed; see .gitignore).
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(cmake make g++ clang pkg-config
      libflatbuffers-dev flatbuffers-compiler libcli11-dev nlohmann-json3-dev libfmt-dev
      libgtest-dev libgmock-dev libbenchmark-dev
      gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
      nodejs npm)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# npm may come from a non-Debian Node.js install; accept any working npm.
if command -v npm >/dev/null 2>&1; then
  tmp=(); for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi

if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: Debian packages present"
fi

TFL=third_party/tflite
if [[ ! -f $TFL/lib/libtensorflowlite_c.so ]]; then
  echo "setup: fetching TensorFlow Lite 2.9 C library (npm tfjs-tflite-node@0.0.2)"
  rm -rf "$TFL.tmp" && mkdir -p "$TFL.tmp"
  (cd "$TFL.tmp" && npm pack --silent tfjs-tflite-node@0.0.2 >/dev/null && tar xzf tfjs-tflite-node-0.0.2.tgz)
  mkdir -p "$TFL/lib"
  cp "$TFL.tmp/package/cc_deps/linux_amd64/libtensorflowlite_c.so" "$TFL/lib/"
  rm -rf "$TFL/include" && cp -r "$TFL.tmp/package/cc_deps/include" "$TFL/include"
  rm -rf "$TFL.tmp"
else
  echo "setup: TensorFlow Lite C library present"
fi
