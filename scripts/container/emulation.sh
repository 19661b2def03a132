# Sourced by scripts/build-base-image.sh and scripts/test-container.sh: QEMU user emulation for
# building and running images of another architecture (arm64 on an x86_64 machine, say).
#
# Debian's qemu-user-static registers its interpreters with binfmt_misc with the "fix binary" flag,
# so the kernel opens the interpreter once, at registration, and foreign binaries then run inside
# any chroot (debootstrap's second stage, `buildah build` and `buildah run --isolation chroot`)
# without a copy of QEMU in it. Needs root, and apt-get install -y qemu-user-static binfmt-support.

# debian_arch PLATFORM: linux/arm64 -> arm64, linux/amd64 -> amd64.
debian_arch() {
  case $1 in
    linux/amd64) echo amd64 ;;
    linux/arm64 | linux/arm64/v8) echo arm64 ;;
    *)
      echo "unsupported platform '$1': use linux/amd64 or linux/arm64" >&2
      return 1
      ;;
  esac
}

# The Debian name of this machine's architecture.
host_arch() {
  dpkg --print-architecture 2>/dev/null || case $(uname -m) in x86_64) echo amd64 ;; aarch64) echo arm64 ;; *) uname -m ;; esac
}

# ensure_emulation ARCH: nothing to do for the host's own architecture; otherwise makes sure the
# kernel runs ARCH binaries through QEMU (mounting binfmt_misc and enabling Debian's entry when
# needed) with the fix-binary flag that chroots need.
ensure_emulation() {
  local arch=$1 qemu_arch
  [[ $arch == "$(host_arch)" ]] && return 0
  case $arch in
    arm64) qemu_arch=aarch64 ;;
    amd64) qemu_arch=x86_64 ;;
    *)
      echo "no emulation known for $arch" >&2
      return 1
      ;;
  esac
  if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-$qemu_arch ]]; then
    command -v update-binfmts >/dev/null && [[ -e /usr/libexec/qemu-binfmt/$qemu_arch-binfmt-P ]] || {
      echo "building for $arch here needs QEMU user emulation: apt-get install -y qemu-user-static binfmt-support" >&2
      return 1
    }
    if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
      mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || {
        echo 'cannot mount binfmt_misc (needs root, and a kernel that has it)' >&2
        return 1
      }
    fi
    update-binfmts --enable "qemu-$qemu_arch" >/dev/null || {
      echo "update-binfmts could not enable qemu-$qemu_arch" >&2
      return 1
    }
  fi
  grep -q '^flags: .*F' "/proc/sys/fs/binfmt_misc/qemu-$qemu_arch" || {
    echo "qemu-$qemu_arch is registered without the F (fix binary) flag: it cannot run inside a chroot" >&2
    return 1
  }
}
