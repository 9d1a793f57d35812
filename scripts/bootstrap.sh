#!/usr/bin/env bash
# Installs what defer-accept needs on Debian (12 or 13) and builds it: the C toolchain and
# libseccomp for the engine, clang for the fuzz targets, Go (the seccomp launcher's tests build a
# static Go server), the real servers and clients the tests and benchmarks use, and the npm
# dependencies (npm ci builds the TypeScript and C via `prepare`).
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential clang libclang-rt-dev libseccomp-dev golang-go python3 curl procps iproute2 util-linux man-db nginx gunicorn apache2 caddy systemd wrk slowhttptest haproxy strace hyperfine prometheus)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "bootstrap: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The fuzz targets link clang's libFuzzer and sanitizer runtimes, which Debian ships apart from
# clang (libclang-rt-dev; --no-install-recommends leaves it out): say so here, not in a linker error.
probe='#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }'
if ! printf '%s\n' "$probe" | clang -x c -fsanitize=fuzzer,address,undefined -o /dev/null - 2>/dev/null; then
  echo "bootstrap: clang cannot link a libFuzzer target (-fsanitize=fuzzer): install libclang-rt-dev (apt-get install libclang-rt-dev)" >&2
  exit 1
fi
# Debian starts nginx, haproxy, apache2, caddy and prometheus when installing them; tests and benchmarks start their own.
for service in nginx haproxy apache2 caddy prometheus; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$service" 2>/dev/null; then systemctl stop "$service" || true; fi
done

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm run build
fi
