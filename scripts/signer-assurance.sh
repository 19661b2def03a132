#!/usr/bin/env bash
# npm run test:signer-assurance: the Nettle signer's longer checks, beyond its tests in npm test.
#  1. side channels: native/test/side-channel.c under valgrind's memcheck, the private scalar and
#     every nonce byte marked undefined (see scripts/signer-assurance/side-channel.mjs);
#  2. residue: no nonce left on the stack or in the work space after a signature, and nothing
#     signed when the random source fails (native/test/residue.c), also under ASan, UBSan and
#     LeakSanitizer;
#  3. sanitizers: the signer's tests against the addon built with ASan and UBSan (as in CI);
#  4. stress and hostile arguments against that addon, with LeakSanitizer on
#     (scripts/signer-assurance/stress.ts);
#  5. nonce statistics over 100,000 signatures (scripts/signer-assurance/nonces.ts).
# Needs what the addon needs (a C compiler, nettle-dev) and valgrind; about two minutes on two cores.
# SIGNATURES=… and NONCES=… change the counts of 4 and 5.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in cc valgrind objdump; do
  command -v "$tool" >/dev/null || { echo "signer-assurance: $tool is required (Debian: apt-get install build-essential valgrind)" >&2; exit 1; }
done
[ -f /usr/include/valgrind/memcheck.h ] || [ -f /usr/local/include/valgrind/memcheck.h ] ||
  { echo 'signer-assurance: valgrind/memcheck.h is required (Debian: apt-get install valgrind)' >&2; exit 1; }

out=native/build-assurance
mkdir -p "$out"
libs=(-lhogweed -lnettle -lgmp)
summary=()
step() { echo; echo "== $*"; }

step 'side channels (valgrind memcheck)'
cc -O2 -g -Wall -Wextra -DES384_SIDE_CHANNEL_TEST -o "$out/side-channel" \
  native/test/side-channel.c native/es384_sign.c "${libs[@]}" -ldl
node scripts/signer-assurance/side-channel.mjs "$out/side-channel" | tee "$out/side-channel.log"
summary+=("$(grep -E '^side-channel: [0-9]+ memcheck' "$out/side-channel.log")")

step 'nonce residue, and a failing random source'
wrap=-Wl,--wrap=nettle_ecc_ecdsa_sign
cc -O2 -g -Wall -Wextra "$wrap" -o "$out/residue" native/test/residue.c native/es384_sign.c "${libs[@]}"
"$out/residue" | tee "$out/residue.log"
"$out/residue" --control | tee -a "$out/residue.log"
summary+=("$(grep -E '^residue: 100' "$out/residue.log")")
summary+=("$(grep -E '^residue control' "$out/residue.log")")
cc -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all "$wrap" \
  -o "$out/residue-sanitized" native/test/residue.c native/es384_sign.c "${libs[@]}"
ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$out/residue-sanitized" >"$out/residue-sanitized.log" 2>&1 ||
  { cat "$out/residue-sanitized.log" >&2; echo 'signer-assurance: FAILED under ASan/UBSan/LSan' >&2; exit 1; }
summary+=('residue under ASan+UBSan+LeakSanitizer: no reports')

step 'sanitizers (the signer tests against the ASan+UBSan addon)'
bash scripts/signer-assurance/sanitizers.sh | tee "$out/sanitizers.log"
summary+=("$(grep -E '^sanitizers: passed' "$out/sanitizers.log") $(grep -E 'Tests ' "$out/sanitizers.log" | sed 's/\x1b\[[0-9;]*m//g' | tr -s ' ')")

step 'stress and hostile arguments (ASan+UBSan addon, LeakSanitizer on)'
LD_PRELOAD="$(cc -print-file-name=libasan.so)" \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS="suppressions=$PWD/native/test/lsan-node.supp" \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  NETTLE_ES384_ADDON="$PWD/native/build-sanitize/nettle_es384.node" \
  node --expose-gc --import tsx scripts/signer-assurance/stress.ts "${SIGNATURES:-20000}" 2>&1 | tee "$out/stress.log"
if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$out/stress.log"; then
  echo 'signer-assurance: FAILED: sanitizer reports in the stress run' >&2
  exit 1
fi
summary+=("$(grep -E '^stress: hostile' "$out/stress.log" | cut -c1-400)")
summary+=("$(grep -E '^stress: [0-9]+ signatures' "$out/stress.log") (ASan+UBSan+LeakSanitizer: no reports)")

step 'nonce statistics'
node --import tsx scripts/signer-assurance/nonces.ts "${NONCES:-100000}" | tee "$out/nonces.log"
summary+=("$(grep -E '^nonces:' "$out/nonces.log")")

step 'summary: every check passed'
printf '%s\n' "${summary[@]}"
