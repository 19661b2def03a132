#!/usr/bin/env bash
# Builds a local stand-in for the Dockerfile's base image (`node:<major>-bookworm-slim`, the major
# read from the Dockerfile's `ARG NODE_IMAGE=` line), for machines that have no Docker engine and
# no image registry: a Debian bookworm root made by `debootstrap --variant=minbase`, the Node binary
# and headers shipped inside the npm package `node-linux-<x64|arm64>@<major>`, npm itself, and a
# `node` user (uid/gid 1000) as in the official image.
#
# ARCH=arm64 on an x86_64 machine builds the arm64 image (the official image is multi-platform; a
# stand-in is one image per architecture): `debootstrap --arch=arm64 --foreign` unpacks the
# packages, and its second stage runs inside the new root under QEMU user emulation
# (scripts/container/emulation.sh; apt-get install -y qemu-user-static binfmt-support). The image's
# configuration says arm64, so `buildah build --platform linux/arm64` takes it.
#
# The host's CA bundle ($NODE_EXTRA_CA_CERTS) is copied in and named by `ENV NODE_EXTRA_CA_CERTS`,
# so that `npm ci` inside `buildah build` reaches the registry the same way the host does.
#
# Cached: does nothing when the image already exists and was made by this version of this script
# (a label holds the script's hash, so a changed recipe rebuilds it); FORCE=1 rebuilds it anyway.
#
# Needs root, buildah and debootstrap (Debian packages). Environment:
#   NODE_MAJOR       Node.js line (default: the Dockerfile's, e.g. 26)
#   ARCH             amd64 or arm64 (default: this machine's)
#   BASE_IMAGE       tag to create (default localhost/node-stand-in:<major>-bookworm-slim-<arch>:
#                    one tag per architecture, as the stand-in is not a multi-platform index; the
#                    build passes it to the Dockerfile as NODE_IMAGE / BUILD_NODE_IMAGE)
#   DEBIAN_MIRROR    default http://deb.debian.org/debian
#   FORCE=1          rebuild even when the image exists
#
# Sourced (by scripts/test-container.sh), it only defines base_image_name.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/container/emulation.sh"

dockerfile_major=$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9][0-9]*\)-bookworm-slim.*/\1/p' "$(dirname "${BASH_SOURCE[0]}")/../Dockerfile" | head -n 1)
NODE_MAJOR=${NODE_MAJOR:-$dockerfile_major}

# base_image_name ARCH: the stand-in's tag for that architecture.
base_image_name() {
  echo "localhost/node-stand-in:$NODE_MAJOR-bookworm-slim-$1"
}
[[ ${BASH_SOURCE[0]} == "$0" ]] || return 0

[[ -n $NODE_MAJOR ]] || { echo 'build-base-image: no ARG NODE_IMAGE=node:<major>-bookworm-slim in the Dockerfile; set NODE_MAJOR' >&2; exit 1; }
ARCH=${ARCH:-$(host_arch)}
case $ARCH in
  amd64) node_package_arch=x64 ;;
  arm64) node_package_arch=arm64 ;;
  *) echo "build-base-image: ARCH must be amd64 or arm64; got '$ARCH'" >&2; exit 1 ;;
esac
foreign=0
[[ $ARCH == "$(host_arch)" ]] || foreign=1
BASE_IMAGE=${BASE_IMAGE:-$(base_image_name "$ARCH")}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BUILDAH=(buildah --storage-driver vfs)

log() { printf '[base-image %s %(%H:%M:%S)T] %s\n' "$ARCH" -1 "$*" >&2; }

RECIPE_LABEL=ivs-playback-auth.base-image-recipe
recipe=$(sha256sum "$0" | cut -c1-16)
built_recipe=$("${BUILDAH[@]}" inspect --type image --format "{{index .Docker.Config.Labels \"$RECIPE_LABEL\"}}" \
  "$BASE_IMAGE" 2>/dev/null || true)
if [[ ${FORCE:-0} != 1 && $built_recipe == "$recipe" ]]; then
  log "$BASE_IMAGE exists; skipping (FORCE=1 rebuilds it)"
  exit 0
fi

for tool in buildah debootstrap npm tar; do
  command -v "$tool" >/dev/null || { log "missing $tool (apt-get install -y buildah debootstrap)"; exit 1; }
done
if [[ $(id -u) != 0 ]]; then
  log 'debootstrap needs root'
  exit 1
fi
if ((foreign)); then
  ensure_emulation "$ARCH" || exit 1
fi

started=$SECONDS
work=$(mktemp -d "${TMPDIR:-/tmp}/ivs-base-image.XXXXXX")
container=''
cleanup() {
  if [[ -n $container ]]; then "${BUILDAH[@]}" rm "$container" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

rootfs=$work/rootfs
# libatomic1: Node 26's binary links it (the official image installs it too).
debootstrap_args=(--variant=minbase --include=libatomic1 --arch="$ARCH")
# Another architecture: unpack only; the second stage (maintainer scripts) runs in the root, emulated.
((foreign)) && debootstrap_args+=(--foreign)
log "debootstrap ${debootstrap_args[*]} bookworm from $DEBIAN_MIRROR"
debootstrap "${debootstrap_args[@]}" bookworm "$rootfs" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}
if ((foreign)); then
  log "debootstrap second stage ($ARCH, emulated)"
  chroot "$rootfs" /debootstrap/debootstrap --second-stage >>"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    exit 1
  }
fi
log "debootstrap done ($((SECONDS - started)) s)"

# Node.js: the binary inside the npm package node-linux-<arch> (bin/node), not a download of its own.
log "npm pack node-linux-$node_package_arch@$NODE_MAJOR and npm"
(cd "$work" && npm pack --silent "node-linux-$node_package_arch@$NODE_MAJOR" >node.name && npm pack --silent npm@11 >npm.name)
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/$(cat "$work/node.name")" -C "$work/node"
install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
# Node's headers, where the official image has them (node-gyp builds native addons against them).
mkdir -p "$rootfs/usr/local/include"
cp -r "$work/node/package/include/node" "$rootfs/usr/local/include/"
tar -xzf "$work/$(cat "$work/npm.name")" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
node_version=$(chroot "$rootfs" /usr/local/bin/node --version)
log "node $node_version, npm $(cat "$work/npm.name")"

# The host's CA bundle, so TLS inside the build trusts what the host trusts.
ca_source=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
ca_target=/usr/local/share/ca-certificates/host-ca-bundle.pem
if [[ -r $ca_source ]]; then
  install -D -m 0644 "$ca_source" "$rootfs$ca_target"
else
  log "no CA bundle at $ca_source; npm inside the build will use Node's built-in roots"
  ca_target=''
fi

# The official image's `node` user: uid/gid 1000, home /home/node.
chroot "$rootfs" /usr/sbin/groupadd --gid 1000 node
chroot "$rootfs" /usr/sbin/useradd --uid 1000 --gid node --shell /bin/bash --create-home node

# Slim it the way the official slim image is slim: no apt lists, docs, man pages or caches.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log
# Inside the root, so a shared library the image lacks fails here, not in the first build using it.
chroot "$rootfs" /usr/local/bin/node -e 'process.exit(0)'

log 'committing the image'
container=$("${BUILDAH[@]}" from --pull=never scratch)
# cp -a through the mount keeps owners and modes (`buildah copy` would make every file root's,
# /home/node included).
mountpoint=$("${BUILDAH[@]}" mount "$container")
cp -a "$rootfs/." "$mountpoint/"
"${BUILDAH[@]}" umount "$container" >/dev/null
config=(
  --os linux
  --arch "$ARCH"
  --env "NODE_VERSION=${node_version#v}"
  --env 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  --cmd node
  --label "org.opencontainers.image.description=local stand-in for node:$NODE_MAJOR-bookworm-slim, linux/$ARCH (debootstrap minbase + node-linux-$node_package_arch)"
  --label "$RECIPE_LABEL=$recipe"
)
if [[ -n $ca_target ]]; then config+=(--env "NODE_EXTRA_CA_CERTS=$ca_target"); fi
"${BUILDAH[@]}" config "${config[@]}" "$container"
"${BUILDAH[@]}" commit --quiet --format docker --rm "$container" "$BASE_IMAGE" >/dev/null
container=''
log "built $BASE_IMAGE (linux/$ARCH) in $((SECONDS - started)) s"
