#!/usr/bin/env bash
# `npm run test:container`: builds the image from the repo's Dockerfile and runs it as a platform
# team would, in two scenarios:
#
# 1. Local mode (always): the image's CLI creates an API key in the keys volume; the server becomes
#    healthy and ready, issues a token (curl) that verifies against its own JWKS (ES384, exp in
#    seconds), signs with the Nettle addon built into the image (signer_info metric), answers its
#    HEALTHCHECK command (no curl in the image), runs as a non-root user with
#    node itself as the process (no npm or shell wrapper), writes nothing outside its volume, and
#    exits 0 within a few seconds of SIGTERM.
# 2. Production mode (when the repo's dev dependencies are installed: it needs tsx to run the local
#    AWS stand-in from test/support): KEY_STORE=secrets-manager against the stand-in's Secrets
#    Manager and IVS, no keys volume at all; the server creates and publishes its first key, issues
#    a verified token, writes nothing to its filesystem (read-only root ready), and on SIGTERM turns
#    /readyz 503 while it drains (SHUTDOWN_DELAY_SECONDS=2), then exits 0.
#
# Before either, the image itself: USER, CMD, HEALTHCHECK, EXPOSE, the architecture asked for, the
# OCI labels (title, licence and version as in package.json, revision, creation time, source, base),
# and the CycloneDX SBOM at /usr/share/doc/ivs-playback-auth/sbom.cdx.json, which must list exactly
# the packages installed in /app/node_modules (scripts/container/check-sbom.mjs) and no dev
# dependency.
#
# Engine: `docker` when a Docker engine answers (`docker info`), otherwise buildah as STYLE.md
# ("Container") describes: local stand-in base images (scripts/build-base-image.sh, cached, one per
# architecture), then `buildah build` and `buildah run --isolation chroot --network host` (on the
# CI machine podman and crun cannot start containers; buildah's chroot isolation can).
#
# Architecture: PLATFORM=linux/arm64 builds and tests the arm64 image (`--platform`); on an x86_64
# machine it runs under QEMU user emulation (scripts/container/emulation.sh), several times slower,
# so the waits are TIME_FACTOR (default 4 when emulated) times longer. scripts/build-multiarch.sh
# runs this for both architectures.
#
# Needs: bash, curl, git, node ≥ 20 (token and SBOM checks), and a Docker engine, or root with
# buildah and debootstrap (apt-get install -y buildah podman debootstrap; for another architecture
# also qemu-user-static binfmt-support).
# Environment: PLATFORM (default this machine's, linux/amd64 or linux/arm64); IMAGE (default
# ivs-playback-auth:test, with -<arch> appended for another architecture); KEEP_IMAGE=1 keeps the
# image afterwards; STOP_BUDGET_SECONDS (default 5 × TIME_FACTOR): how long the exit after SIGTERM
# may take; PRODUCTION=0 skips, PRODUCTION=1 requires scenario 2; IMAGE_SOURCE: the
# org.opencontainers.image.source label (default: the git remote `origin`, as an https URL).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/container/emulation.sh

PLATFORM=${PLATFORM:-linux/$(host_arch)}
ARCH=$(debian_arch "$PLATFORM")
EMULATED=0
[[ $ARCH == "$(host_arch)" ]] || EMULATED=1
TIME_FACTOR=${TIME_FACTOR:-$((EMULATED ? 4 : 1))}
# (A suffix computed apart: a failing test inside ${IMAGE:-…$(…)} would end the script under set -e.)
image_suffix=''
if [[ $EMULATED == 1 ]]; then image_suffix="-$ARCH"; fi
IMAGE=${IMAGE:-ivs-playback-auth:test$image_suffix}
KEEP_IMAGE=${KEEP_IMAGE:-0}
STOP_BUDGET_SECONDS=${STOP_BUDGET_SECONDS:-$((5 * TIME_FACTOR))}
PRODUCTION=${PRODUCTION:-auto}
SBOM_PATH=/usr/share/doc/ivs-playback-auth/sbom.cdx.json
CHANNEL_ARN='arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456'
TTL_SECONDS=300
KEYS_MOUNT=/var/lib/ivs-playback-auth
API_KEYS_MOUNT=/etc/ivs-playback-auth/api-keys
NODE_UID=1000 # the image's node user
BUILDAH=(buildah --storage-driver vfs)

started_ns=$(date +%s%N)
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
seconds() { awk "BEGIN{printf \"%.1f\", $1/1000}"; }
log() { printf '[test-container +%6ss] %s\n' "$(seconds "$(ms_since "$started_ns")")" "$*" >&2; }
fail() {
  log "FAIL: $*"
  exit 1
}
phase_names=()
phase_ms=()
phase_name=''
phase_start_ns=0
phase() {
  end_phase
  phase_name=$1
  phase_start_ns=$(date +%s%N)
  log "-- $1"
}
end_phase() {
  if [[ -n $phase_name ]]; then
    phase_names+=("$phase_name")
    phase_ms+=("$(ms_since "$phase_start_ns")")
    phase_name=''
  fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/ivs-test-container.XXXXXX")
engine=''
container=''        # buildah: the working container every run uses
mounted=''          # buildah: the container's root is mounted at $root
docker_names=()     # docker: containers to remove
run_pid=''          # the running server: `buildah run` pid, or '' with docker
server_pid=''       # buildah: the node server's host pid
server_name=''      # docker: the running server's container name
stand_in_pid=''     # the AWS stand-in we started
server_log=''       # prefix of the current server's stdout/stderr files

cleanup() {
  local rc=$?
  set +e
  end_phase
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid"; fi
  if [[ -n $run_pid ]]; then
    kill -0 "$run_pid" 2>/dev/null && kill -TERM "$run_pid"
    wait "$run_pid" 2>/dev/null
  fi
  if [[ -n $stand_in_pid ]]; then
    kill -TERM "$stand_in_pid" 2>/dev/null
    wait "$stand_in_pid" 2>/dev/null
  fi
  if [[ $rc -ne 0 ]]; then
    if [[ -n $server_name ]]; then docker logs "$server_name" >"$server_log.out" 2>"$server_log.err"; fi
    for file in "$work"/*.out "$work"/*.err; do
      if [[ -s $file ]]; then
        log "last lines of $(basename "$file"):"
        tail -n 20 "$file" >&2
      fi
    done
  fi
  for name in "${docker_names[@]}"; do docker rm -f "$name" >/dev/null 2>&1; done
  if [[ -n $container ]]; then
    [[ -n $mounted ]] && "${BUILDAH[@]}" umount "$container" >/dev/null 2>&1
    "${BUILDAH[@]}" rm "$container" >/dev/null 2>&1
  fi
  if [[ $KEEP_IMAGE != 1 && -n $engine ]]; then
    if [[ $engine == docker ]]; then docker rmi "$IMAGE" >/dev/null 2>&1; else "${BUILDAH[@]}" rmi "$IMAGE" >/dev/null 2>&1; fi
  fi
  rm -rf "$work"
  printf '\nphase timings (%s):\n' "${engine:-no engine}" >&2
  for i in "${!phase_names[@]}"; do
    printf '  %-50s %7s s\n' "${phase_names[$i]}" "$(seconds "${phase_ms[$i]}")" >&2
  done
  printf '  %-50s %7s s\n' total "$(seconds "$(ms_since "$started_ns")")" >&2
  if [[ $rc -eq 0 ]]; then log 'PASS'; else log "FAILED (exit $rc)"; fi
  # One line per run in the plain "N passed, N failed" form: each phase is a check.
  local passed=${#phase_names[@]} failed=0
  if [[ $rc -ne 0 ]]; then
    failed=1
    passed=$((passed > 0 ? passed - 1 : 0))
  fi
  printf 'test-container: %d passed, %d failed\n' "$passed" "$failed"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in curl node; do command -v "$tool" >/dev/null || fail "$tool is required"; done
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  engine=docker
else
  command -v buildah >/dev/null || fail 'no Docker engine and no buildah: apt-get install -y buildah podman debootstrap'
  engine=buildah
fi
log "engine: $engine, platform: $PLATFORM$([[ $EMULATED == 1 ]] && echo " (emulated on $(uname -m), waits x$TIME_FACTOR)")"

# ---- helpers ---------------------------------------------------------------------------------------

free_port() {
  node -e 'const s=require("node:net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
# A folder a container's node user can write, as a named volume would be.
owned_dir() {
  mkdir -p "$1"
  chown "$NODE_UID:$NODE_UID" "$1" 2>/dev/null || chmod 0777 "$1"
}
image_config() {
  if [[ $engine == docker ]]; then
    docker image inspect "$IMAGE" | node -e 'let s="";process.stdin.on("data",(d)=>{s+=d}).on("end",()=>console.log(JSON.stringify(JSON.parse(s)[0].Config)))'
  else
    "${BUILDAH[@]}" inspect --type image "$IMAGE" | node -e 'let s="";process.stdin.on("data",(d)=>{s+=d}).on("end",()=>console.log(JSON.stringify(JSON.parse(s).Docker.config)))'
  fi
}
# One field of the image config: arrays NUL-separated, anything else as a string.
config_field() {
  node -e 'const v=JSON.parse(process.argv[1])[process.argv[2]];process.stdout.write(Array.isArray(v)?v.join("\0"):String(v??""))' "$config_json" "$1"
}
# One label of the image config ('' when absent).
label() {
  node -e 'const l=JSON.parse(process.argv[1]).Labels??{};process.stdout.write(String(l[process.argv[2]]??""))' "$config_json" "$1"
}
image_arch() {
  if [[ $engine == docker ]]; then
    docker image inspect -f '{{.Os}}/{{.Architecture}}' "$IMAGE"
  else
    "${BUILDAH[@]}" inspect --type image "$IMAGE" | node -e 'let s="";process.stdin.on("data",(d)=>{s+=d}).on("end",()=>{const d=JSON.parse(s).Docker;console.log(`${d.os}/${d.architecture}`)})'
  fi
}
# The org.opencontainers.image.source URL: IMAGE_SOURCE, else the git remote as an https URL.
image_source() {
  if [[ -n ${IMAGE_SOURCE:-} ]]; then
    echo "$IMAGE_SOURCE"
    return
  fi
  local remote
  remote=$(git remote get-url origin 2>/dev/null) || return 0
  remote=${remote%.git}
  if [[ $remote =~ ^git@([^:]+):(.+)$ ]]; then remote="https://${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"; fi
  # Never a credential that an https remote may carry (https://user:token@host/…).
  if [[ $remote == https://* ]]; then echo "${remote/\/\/*@//\/\/}"; fi
}

# in_image VOLUME_ARGS... -- COMMAND...: a one-off command in the image (not the server).
# VOLUME_ARGS are host:container pairs; ENV_ARGS come from the array `run_env` (NAME=value).
in_image() {
  local volumes=()
  while [[ $1 != -- ]]; do
    volumes+=("$1")
    shift
  done
  shift
  local args=()
  if [[ $engine == docker ]]; then
    for volume in "${volumes[@]}"; do args+=(-v "$volume"); done
    for variable in "${run_env[@]}"; do args+=(-e "$variable"); done
    docker run --rm --platform "$PLATFORM" --read-only --cap-drop ALL "${args[@]}" "$IMAGE" "$@"
  else
    for volume in "${volumes[@]}"; do args+=(--volume "$volume:rw"); done
    for variable in "${run_env[@]}"; do args+=(--env "$variable"); done
    "${BUILDAH[@]}" run --isolation chroot --network host "${args[@]}" "$container" -- "$@"
  fi
}

# start_server NAME NETWORK VOLUME_ARGS...: starts the image's CMD with `run_env`, reachable on
# 127.0.0.1:$port. NETWORK (docker only): `publish` maps $port to the image's 8080; `host` shares
# the host's network, for reaching the AWS stand-in on the host's loopback (Linux only).
start_server() {
  local name=$1 network=$2
  shift 2
  server_log=$work/$name
  local args=()
  if [[ $engine == docker ]]; then
    server_name="ivs-playback-auth-test-$$-$name"
    docker_names+=("$server_name")
    if [[ $network == host ]]; then
      args+=(--network host -e HOST=127.0.0.1 -e "PORT=$port")
    else
      args+=(-p "127.0.0.1:$port:8080")
    fi
    for volume in "$@"; do args+=(-v "$volume"); done
    for variable in "${run_env[@]}"; do args+=(-e "$variable"); done
    # As in production: read-only root, /tmp as tmpfs, no capabilities, no privilege escalation.
    docker run -d --platform "$PLATFORM" --name "$server_name" --read-only --tmpfs /tmp:rw,size=16m --cap-drop ALL \
      --security-opt no-new-privileges "${args[@]}" "$IMAGE" >/dev/null
  else
    for volume in "$@"; do args+=(--volume "$volume:rw"); done
    for variable in "${run_env[@]}"; do args+=(--env "$variable"); done
    # The image's CMD, environment, working directory and USER.
    "${BUILDAH[@]}" run --isolation chroot --network host --env HOST=127.0.0.1 --env "PORT=$port" \
      "${args[@]}" "$container" -- "${cmd[@]}" >"$server_log.out" 2>"$server_log.err" &
    run_pid=$!
  fi
}
server_alive() {
  if [[ $engine == docker ]]; then
    [[ $(docker inspect -f '{{.State.Running}}' "$server_name" 2>/dev/null) == true ]]
  else
    kill -0 "$run_pid" 2>/dev/null
  fi
}
wait_for() { # PATH SECONDS
  local deadline=$((SECONDS + $2))
  until curl -fsS --max-time 2 "$base_url$1" >"$work/last-probe.json" 2>/dev/null; do
    server_alive || fail "the server exited before $1 answered 200"
    ((SECONDS < deadline)) || fail "$1 not 200 within $2 s: $(curl -s --max-time 2 "$base_url$1")"
    sleep 0.2
  done
}
run_healthcheck() {
  if [[ $engine == docker ]]; then
    docker exec "$server_name" "${healthcheck[@]}"
  else
    "${BUILDAH[@]}" run --isolation chroot --network host --env "PORT=$port" "$container" -- "${healthcheck[@]}"
  fi
}
issue_and_verify() { # API_KEY
  local status
  status=$(curl -sS --max-time 10 -o "$work/token.json" -w '%{http_code}' -X POST "$base_url/v1/playback-tokens" \
    -H "Authorization: Bearer $1" -H 'Content-Type: application/json' \
    -d "{\"channelArn\":\"$CHANNEL_ARN\",\"viewerId\":\"container-test\",\"ttlSeconds\":$TTL_SECONDS,\"allowedOrigins\":[\"https://example.com\"]}")
  [[ $status == 201 ]] || fail "POST /v1/playback-tokens answered $status: $(cat "$work/token.json")"
  status=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' -X POST "$base_url/v1/playback-tokens" \
    -H 'Authorization: Bearer ipa_000000000000_not-a-key' -H 'Content-Type: application/json' \
    -d "{\"channelArn\":\"$CHANNEL_ARN\"}")
  [[ $status == 401 ]] || fail "an unknown API key must get 401; got $status"
  curl -fsS --max-time 5 "$base_url/.well-known/jwks.json" >"$work/jwks.json" || fail 'GET /.well-known/jwks.json failed'
  node scripts/container/verify-token.mjs "$work/token.json" "$work/jwks.json" "$CHANNEL_ARN" "$TTL_SECONDS" \
    >"$work/verified.json" || fail 'the token did not pass the checks'
  log "token: $(cat "$work/verified.json")"
}
# The image must sign with the Nettle addon it built, not fall back to OpenSSL.
check_signer() {
  curl -fsS --max-time 5 "$base_url/metrics" >"$work/metrics.txt" || fail 'GET /metrics failed'
  grep -q '^signer_info{signer="nettle"} 1$' "$work/metrics.txt" ||
    fail "the server does not sign with Nettle: $(grep '^signer_info' "$work/metrics.txt" || echo 'no signer_info metric')"
  log "signer: $(grep '^signer_info' "$work/metrics.txt")"
}
check_non_root() {
  local status_text cmdline uids
  if [[ $engine == docker ]]; then
    status_text=$(docker exec "$server_name" cat /proc/1/status)
    cmdline=$(docker exec "$server_name" cat /proc/1/cmdline | tr '\0' ' ')
  else
    # chroot isolation shares the host's pid namespace: the node process is the descendant of
    # `buildah run` whose command line is the image's CMD.
    descendants() {
      local child
      for child in $(pgrep -P "$1"); do
        echo "$child"
        descendants "$child"
      done
    }
    server_pid=''
    for pid in $(descendants "$run_pid"); do
      local args
      args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
      if [[ $args == *"${cmd[*]} " ]]; then server_pid=$pid; fi
    done
    [[ -n $server_pid ]] || fail 'could not find the node server process'
    status_text=$(cat "/proc/$server_pid/status")
    cmdline=$(tr '\0' ' ' <"/proc/$server_pid/cmdline")
  fi
  uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' <<<"$status_text")
  [[ -n $uids ]] || fail 'no Uid line in the process status'
  for uid in $uids; do [[ $uid != 0 ]] || fail "the server runs as root (Uid: $uids)"; done
  [[ $cmdline == *"${cmd[*]}"* && $cmdline != *npm* ]] || fail "the server process is not node itself: $cmdline"
  log "server process: ${cmdline% } - Uid $uids, Gid $(awk '/^Gid:/ {print $2, $3, $4, $5}' <<<"$status_text"), CapEff $(awk '/^CapEff:/ {print $2}' <<<"$status_text")"
}
# stop_server [DELAY]: SIGTERM, then exit 0 within DELAY (SHUTDOWN_DELAY_SECONDS) + the budget. With
# a delay, /readyz must turn 503 ("shutting down") while the server still answers.
stop_server() {
  local delay=${1:-0} stop_ns exit_code stop_ms ready_status=''
  stop_ns=$(date +%s%N)
  if [[ $engine == docker ]]; then
    docker kill --signal TERM "$server_name" >/dev/null
  else
    [[ -n $server_pid ]] || check_non_root >/dev/null 2>&1
    kill -TERM "$server_pid"
  fi
  if ((delay > 0)); then
    local deadline=$((SECONDS + delay))
    while ((SECONDS <= deadline)); do
      ready_status=$(curl -s --max-time 1 -o "$work/readyz-draining.json" -w '%{http_code}' "$base_url/readyz" || true)
      [[ $ready_status == 503 ]] && break
      sleep 0.1
    done
    [[ $ready_status == 503 ]] || fail "/readyz did not turn 503 after SIGTERM (got '$ready_status')"
    log "draining: /readyz $ready_status $(cat "$work/readyz-draining.json"), $(ms_since "$stop_ns") ms after SIGTERM"
    # Still serving while it drains, and telling clients not to reuse the connection.
    curl -sS --max-time 2 -D "$work/drain-headers.txt" -o /dev/null "$base_url/healthz" ||
      fail '/healthz did not answer while draining'
    grep -q '^HTTP/1.1 200' "$work/drain-headers.txt" || fail "/healthz while draining: $(head -n 1 "$work/drain-headers.txt")"
    grep -qi '^connection: close' "$work/drain-headers.txt" || fail 'no "Connection: close" while draining'
  fi
  if [[ $engine == docker ]]; then
    exit_code=$(timeout $((delay + STOP_BUDGET_SECONDS + 10)) docker wait "$server_name") || fail 'the container did not stop'
    docker logs "$server_name" >"$server_log.out" 2>"$server_log.err"
    server_name=''
  else
    set +e
    wait "$run_pid"
    exit_code=$?
    set -e
    run_pid=''
    server_pid=''
  fi
  stop_ms=$(ms_since "$stop_ns")
  log "exit code $exit_code, $stop_ms ms after SIGTERM"
  [[ $exit_code == 0 ]] || fail "the server exited with $exit_code after SIGTERM"
  ((stop_ms <= (delay + STOP_BUDGET_SECONDS) * 1000)) ||
    fail "the exit took $stop_ms ms (budget: SHUTDOWN_DELAY_SECONDS $delay s + $STOP_BUDGET_SECONDS s)"
  grep -q '"msg":"shutting down"' "$server_log.out" || fail 'no "shutting down" log line'
  grep -q '"msg":"stopped"' "$server_log.out" || fail 'no "stopped" log line'
}
# buildah cannot make the root read-only (docker runs with --read-only), so look for files that
# changed in the container's root since MARKER; what `buildah run` itself manages is excluded.
check_no_writes() { # MARKER
  [[ $engine == buildah ]] || return 0
  local changed
  changed=$(cd "$root" && find . -xdev -newer "$1" \( -type f -o -type l \) \
    ! -path ./etc/hosts ! -path ./etc/resolv.conf ! -path ./etc/hostname ! -path './run/*' \
    ! -path './tmp/*' ! -path ".$KEYS_MOUNT/*" ! -path ".$API_KEYS_MOUNT/*" | sort)
  [[ -z $changed ]] || fail "the process wrote to the image's filesystem: $changed"
  changed=$(cd "$root" && find ./tmp -xdev -newer "$1" -type f | sort)
  log "nothing written outside the mounts${changed:+ (in /tmp, an emptyDir/tmpfs in deployments: $changed)}"
}
mark() {
  touch "$work/$1"
  sleep 1 # file times have a coarse granularity on some filesystems
}

# ---- build --------------------------------------------------------------------------------------------

version=$(node -p 'require("./package.json").version')
licence=$(node -p 'require("./package.json").license')
revision=$(git rev-parse HEAD 2>/dev/null || true)
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
source_url=$(image_source)
build_args=(--platform "$PLATFORM" --build-arg "VERSION=$version" --build-arg "REVISION=$revision"
  --build-arg "CREATED=$created" --build-arg "SOURCE=$source_url")

if [[ $engine == buildah ]]; then
  phase 'base images (stand-ins, built once, then cached)'
  source scripts/build-base-image.sh # base_image_name
  ARCH=$ARCH bash scripts/build-base-image.sh
  build_base=$(base_image_name "$ARCH")
  if [[ $EMULATED == 1 ]]; then
    # buildah 1.28 (Debian bookworm) ignores `FROM --platform=$BUILDPLATFORM` and looks every
    # stage's base up for the target platform. The stages that make platform-independent files
    # (npm ci, tsc) get this machine's stand-in under a name whose configuration says the target
    # architecture: buildah takes it, and its binaries run natively, as with docker buildx, instead
    # of emulated (npm ci alone took over 8 minutes emulated here). Only `native` and `runtime` run
    # on the target's own stand-in.
    ARCH=$(host_arch) bash scripts/build-base-image.sh
    host_base=$(base_image_name "$(host_arch)")
    build_base="$host_base-as-$ARCH"
    # Made again whenever this machine's stand-in is rebuilt (the label holds the image id it came from).
    host_base_id=$("${BUILDAH[@]}" images --quiet --no-trunc "$host_base" | head -n 1)
    relabelled_from=$("${BUILDAH[@]}" inspect --type image \
      --format '{{index .Docker.Config.Labels "ivs-playback-auth.relabelled-from"}}' "$build_base" 2>/dev/null || true)
    if [[ $relabelled_from != "$host_base_id" ]]; then
      relabel=$("${BUILDAH[@]}" from --pull=never "$host_base")
      "${BUILDAH[@]}" config --arch "$ARCH" --label "ivs-playback-auth.relabelled-from=$host_base_id" "$relabel"
      "${BUILDAH[@]}" commit --quiet --format docker --rm "$relabel" "$build_base" >/dev/null
    fi
    log "build stages on $build_base (native binaries, labelled linux/$ARCH)"
  fi
  build_args+=(--build-arg "BUILD_NODE_IMAGE=$build_base" --build-arg "NODE_IMAGE=$(base_image_name "$ARCH")")
fi

phase "build image ($PLATFORM)"
if [[ $engine == docker ]]; then
  docker build "${build_args[@]}" -t "$IMAGE" . >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; fail 'docker build failed'; }
else
  # No --layers: with the vfs driver every cached layer is a full copy of the tree, which made the
  # build ~4x slower here than building each stage in one go (3m48s against 50s).
  "${BUILDAH[@]}" build --format docker --isolation chroot --pull=never "${build_args[@]}" -t "$IMAGE" . \
    >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; fail 'buildah build failed'; }
  "${BUILDAH[@]}" rmi --prune >/dev/null 2>&1 || true # the previous build's image, now untagged
fi
grep -h '^self-test passed: ' "$work/build.log" | head -n 1 | sed 's/^/[build] /' >&2 ||
  fail 'the build printed no Nettle self-test result'

phase 'image configuration'
config_json=$(image_config)
[[ $(config_field User) == node ]] || fail "the image must run as USER node; got '$(config_field User)'"
mapfile -d '' cmd < <(config_field Cmd)
[[ ${cmd[*]} == 'node dist/main.js' ]] || fail "CMD must be [\"node\",\"dist/main.js\"]; got '${cmd[*]}'"
mapfile -d '' healthcheck < <(node -e 'const h=JSON.parse(process.argv[1]).Healthcheck;process.stdout.write(h?h.Test.join("\0"):"")' "$config_json")
[[ ${healthcheck[0]:-} == CMD ]] || fail 'the image needs a HEALTHCHECK in exec form (build with --format docker)'
healthcheck=("${healthcheck[@]:1}")
[[ $config_json == *'"8080/tcp"'* ]] || fail 'the image must EXPOSE 8080'
[[ $config_json == *'"NODE_ENV=production"'* ]] || fail 'the image must set NODE_ENV=production'
log "USER node, CMD ${cmd[*]}, HEALTHCHECK ${healthcheck[0]} -e …, EXPOSE 8080"
[[ $(image_arch) == "linux/$ARCH" ]] || fail "the image is $(image_arch), not $PLATFORM"
log "architecture: $(image_arch)"
if [[ $engine == buildah ]]; then
  container=$("${BUILDAH[@]}" from --pull=never --platform "$PLATFORM" --name "ivs-playback-auth-test-$$" "$IMAGE")
  root=$("${BUILDAH[@]}" mount "$container")
  mounted=1
fi

phase 'OCI labels'
prefix=org.opencontainers.image
[[ $(label "$prefix.title") == ivs-playback-auth ]] || fail "label $prefix.title: '$(label "$prefix.title")'"
[[ $(label "$prefix.version") == "$version" ]] || fail "label $prefix.version '$(label "$prefix.version")' is not package.json's $version"
[[ $(label "$prefix.licenses") == "$licence" ]] || fail "label $prefix.licenses '$(label "$prefix.licenses")' is not package.json's $licence"
[[ $(label "$prefix.revision") == "$revision" ]] || fail "label $prefix.revision is not the commit built ($revision)"
[[ $(label "$prefix.created") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] || fail "label $prefix.created is not an RFC 3339 time"
[[ -n $(label "$prefix.description") && -n $(label "$prefix.base.name") ]] || fail "labels $prefix.description and .base.name must be set"
[[ $(label "$prefix.source") == "$source_url" ]] || fail "label $prefix.source '$(label "$prefix.source")' is not '$source_url'"
for name in title version licenses revision created source base.name; do log "  $prefix.$name=$(label "$prefix.$name")"; done
[[ -n $source_url ]] || log "note: $prefix.source is empty: this checkout has no https git remote; set IMAGE_SOURCE"

phase 'SBOM (CycloneDX) of the production dependencies'
run_env=()
in_image -- cat "$SBOM_PATH" >"$work/sbom.cdx.json" || fail "no SBOM at $SBOM_PATH"
in_image -- node -e "$(cat scripts/container/list-packages.cjs)" /app/node_modules >"$work/installed.json" ||
  fail 'could not list the packages in /app/node_modules'
node scripts/container/check-sbom.mjs "$work/sbom.cdx.json" "$work/installed.json" package.json >"$work/sbom-check.txt" ||
  { cat "$work/sbom-check.txt" >&2; fail 'the SBOM does not match the image'; }
log "$(cat "$work/sbom-check.txt")"

# ---- scenario 1: local mode ----------------------------------------------------------------------

keys_dir=$work/keys
owned_dir "$keys_dir"
port=$(free_port)
base_url="http://127.0.0.1:$port"
run_env=()

phase 'local: API key from the CLI in the image'
mark before-local
api_key=$(in_image "$keys_dir:$KEYS_MOUNT" -- node dist/cli/main.js api-keys create --scope tokens:issue \
  --name container-test 2>"$work/cli-local.err") || fail 'the CLI could not create an API key'
[[ $api_key =~ ^ipa_[0-9a-f]{12}_[A-Za-z0-9_-]+$ ]] || fail "the CLI printed no API key: '$api_key'"
[[ -s $keys_dir/api-keys.json ]] || fail 'the CLI wrote no api-keys.json in the volume'

phase 'local: start until /healthz'
start_server local publish "$keys_dir:$KEYS_MOUNT"
wait_for /healthz $((60 * TIME_FACTOR))

phase 'local: ready (/readyz)'
wait_for /readyz $((30 * TIME_FACTOR))
log "readyz: $(cat "$work/last-probe.json")"

phase 'local: HEALTHCHECK command in the image'
run_healthcheck || fail 'the HEALTHCHECK command failed against a healthy server'

phase 'local: issue a token (curl) and verify it (JWKS)'
issue_and_verify "$api_key"

phase 'local: signs with Nettle (signer_info)'
check_signer

phase 'local: server process is node, non-root'
check_non_root

phase 'local: SIGTERM -> exit 0'
stop_server

phase 'local: nothing written outside the volume'
check_no_writes "$work/before-local"
if [[ $engine == buildah ]] && run_healthcheck 2>/dev/null; then
  fail 'the HEALTHCHECK command succeeded with no server running'
fi

# ---- scenario 2: production mode against the AWS stand-in --------------------------------------------

if [[ $PRODUCTION == 0 ]]; then
  log 'production scenario skipped (PRODUCTION=0)'
elif [[ ! -x node_modules/.bin/tsx || ($engine == docker && $(uname -s) != Linux) ]]; then
  [[ $PRODUCTION == 1 ]] && fail "the production scenario needs 'npm ci' first (tsx runs the AWS stand-in) and Linux host networking"
  log "production scenario skipped: run 'npm ci' first (the AWS stand-in runs with tsx)"
else
  phase 'production: AWS stand-in'
  node --import tsx test/support/aws-stand-in/cli.ts --port 0 --quiet >"$work/stand-in.out" 2>"$work/stand-in.err" &
  stand_in_pid=$!
  deadline=$((SECONDS + 30))
  until grep -q '^export AWS_SECRET_ACCESS_KEY=' "$work/stand-in.out" 2>/dev/null; do
    kill -0 "$stand_in_pid" 2>/dev/null || fail 'the AWS stand-in did not start'
    ((SECONDS < deadline)) || fail 'the AWS stand-in did not start within 30 s'
    sleep 0.2
  done
  mapfile -t aws_env < <(sed -n 's/^export //p' "$work/stand-in.out")
  api_keys_dir=$work/api-keys
  owned_dir "$api_keys_dir"
  port=$(free_port)
  base_url="http://127.0.0.1:$port"
  run_env=(
    KEY_STORE=secrets-manager SECRET_ID=ivs-playback-auth/signing-key
    "API_KEYS_FILE=$API_KEYS_MOUNT/api-keys.json" SHUTDOWN_DELAY_SECONDS=2 "${aws_env[@]}"
  )

  phase 'production: API key from the CLI in the image'
  mark before-production
  api_key=$(in_image "$api_keys_dir:$API_KEYS_MOUNT" -- node dist/cli/main.js api-keys create \
    --scope tokens:issue --scope keys:admin --name container-test 2>"$work/cli-production.err") || fail 'the CLI could not create an API key'
  [[ $api_key =~ ^ipa_[0-9a-f]{12}_[A-Za-z0-9_-]+$ ]] || fail "the CLI printed no API key: '$api_key'"

  phase 'production: start (no keys volume) until /readyz'
  start_server production host "$api_keys_dir:$API_KEYS_MOUNT"
  wait_for /healthz $((60 * TIME_FACTOR))
  wait_for /readyz $((60 * TIME_FACTOR))
  log "readyz: $(cat "$work/last-probe.json")"
  # The first key went through Secrets Manager and was imported into (the stand-in's) IVS.
  curl -fsS --max-time 5 -H "Authorization: Bearer $api_key" "$base_url/v1/playback-keys" >"$work/keys.json" ||
    fail 'GET /v1/playback-keys failed'
  log "playback keys: $(cat "$work/keys.json")"

  phase 'production: issue a token and verify it (JWKS)'
  issue_and_verify "$api_key"
  check_non_root

  phase 'production: SIGTERM -> not ready, drain 2 s, exit 0'
  stop_server 2
  phase 'production: nothing written (read-only root ready)'
  check_no_writes "$work/before-production"
fi
end_phase
