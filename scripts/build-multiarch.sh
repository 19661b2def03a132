#!/usr/bin/env bash
# Builds the image for linux/amd64 and linux/arm64 and runs the container test
# (scripts/test-container.sh) on each: local mode and production mode against the AWS stand-in,
# the OCI labels and the SBOM, and the Nettle signer's self-test on that architecture (at build
# time, and again when the server starts with SIGNER=nettle).
#
# On an x86_64 machine the arm64 image is built and run under QEMU user emulation (Debian's
# qemu-user-static; see scripts/container/emulation.sh). Only the architecture-specific stages are
# emulated (the addon's compile, the runtime stage; with buildah, which ignores `FROM --platform`,
# test-container.sh arranges the same). Even so the run takes several times as long as the native
# one, so it is not part of the default CI run (.ci/run).
#
# With a Docker engine, `docker buildx build --platform linux/amd64,linux/arm64 --push -t …` makes
# the multi-platform image for a registry in one go; this script is the tested path.
#
# Environment:
#   PLATFORMS   default linux/amd64,linux/arm64 (in that order)
#   IMAGE       default ivs-playback-auth:test; each platform's image is IMAGE-<arch>
#   MANIFEST    buildah only: also create this manifest list from the images built (KEEP_IMAGE=1
#               implied), ready for `buildah manifest push --all MANIFEST docker://…`
#   Everything else is passed on to test-container.sh (PRODUCTION, IMAGE_SOURCE, TIME_FACTOR, …).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/container/emulation.sh

PLATFORMS=${PLATFORMS:-linux/amd64,linux/arm64}
IMAGE=${IMAGE:-ivs-playback-auth:test}
MANIFEST=${MANIFEST:-}
[[ -n $MANIFEST ]] && export KEEP_IMAGE=1

IFS=, read -r -a platforms <<<"$PLATFORMS"
results=()
images=()
failed=0
for platform in "${platforms[@]}"; do
  arch=$(debian_arch "$platform")
  started=$SECONDS
  printf '\n=== %s: build and container test (%s) ===\n' "$platform" \
    "$([[ $arch == "$(host_arch)" ]] && echo native || echo "emulated on $(uname -m)")" >&2
  if PLATFORM=$platform IMAGE=$IMAGE-$arch bash scripts/test-container.sh; then
    results+=("$platform: PASS in $((SECONDS - started)) s")
    images+=("$IMAGE-$arch")
  else
    results+=("$platform: FAIL (exit $?) after $((SECONDS - started)) s")
    failed=1
  fi
done

if [[ -n $MANIFEST && $failed == 0 ]]; then
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    echo 'MANIFEST: with a Docker engine use docker buildx build --platform … --push instead' >&2
  else
    buildah --storage-driver vfs manifest rm "$MANIFEST" >/dev/null 2>&1 || true
    buildah --storage-driver vfs manifest create "$MANIFEST" >/dev/null
    for image in "${images[@]}"; do buildah --storage-driver vfs manifest add "$MANIFEST" "containers-storage:$image" >/dev/null; done
    results+=("manifest list $MANIFEST: ${images[*]}")
  fi
fi

printf '\nbuild-multiarch:\n' >&2
for result in "${results[@]}"; do printf '  %s\n' "$result" >&2; done
exit "$failed"
