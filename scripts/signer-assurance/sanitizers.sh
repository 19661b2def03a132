#!/usr/bin/env bash
# The Nettle signer under AddressSanitizer and UndefinedBehaviorSanitizer: builds the addon with
# -fsanitize=address,undefined into native/build-sanitize/ (the normal build in native/build/ is
# left alone), then runs the signer's tests against it with the sanitizer runtime preloaded (the
# tests that preload their own getentropy shim keep it after this one). Fails on any sanitizer
# report. Leak checking stays off in node (node does not free everything at exit); the C checks
# in scripts/signer-assurance.sh run the signing core under LeakSanitizer instead.
#
#   bash scripts/signer-assurance/sanitizers.sh      (part of .ci/run and npm run test:signer-assurance)
set -euo pipefail
cd "$(dirname "$0")/../.."

out=native/build-sanitize
mkdir -p "$out"
# Node's headers: from the running node's own include/ (nodejs.org builds, distribution packages),
# else where node-gyp keeps them.
node_include=$(node -p "require('node:path').resolve(process.execPath, '../../include/node')")
if [ ! -f "$node_include/node_api.h" ]; then
  node_include="$HOME/.cache/node-gyp/$(node -p process.versions.node)/include/node"
fi
[ -f "$node_include/node_api.h" ] || { echo "sanitizers: node_api.h not found (tried $node_include)" >&2; exit 1; }

cc -shared -fPIC -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
  -Wall -Wextra -DNAPI_VERSION=8 -I "$node_include" \
  native/nettle_es384.c native/es384_sign.c -lhogweed -lnettle -lgmp -o "$out/nettle_es384.node"

libasan=$(cc -print-file-name=libasan.so)
[ -f "$libasan" ] || { echo "sanitizers: libasan.so not found" >&2; exit 1; }
log="$out/tests.log"
status=0
LD_PRELOAD="$libasan" \
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  NETTLE_ES384_ADDON="$PWD/$out/nettle_es384.node" \
  timeout -k 10 900 npx vitest run test/unit/signing-backends.test.ts test/signer >"$log" 2>&1 || status=$?
grep -E 'Test Files|Tests ' "$log" || true
# A report in a child process the tests start shows up in its output; fail on it wherever it is.
if grep -nE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log"; then
  echo "sanitizers: FAILED: sanitizer reports above (full output: $log)" >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  cat "$log" >&2
  echo "sanitizers: FAILED: the signer's tests failed under the sanitizers" >&2
  exit 1
fi
echo "sanitizers: passed (signer tests with the ASan+UBSan addon, no reports)"
