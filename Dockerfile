# ivs-playback-auth: issues Amazon IVS playback tokens. See deploy/README.md.
#
#   docker build -t ivs-playback-auth .
#   docker buildx build --platform linux/amd64,linux/arm64 -t ivs-playback-auth .   # both architectures
#   docker run --rm -p 8080:8080 -v ipa-keys:/var/lib/ivs-playback-auth ivs-playback-auth   # local mode
#
# Base image: pinned to the Node 26 LTS line (active LTS since October 2026; see README, "Node.js
# versions") on Debian 12 (bookworm), slim variant. In a real
# registry also pin the digest, so a rebuild cannot silently change the base under you, and let a
# bot (Renovate/Dependabot) propose updates:
#   ARG NODE_IMAGE=node:26-bookworm-slim@sha256:<digest>
# (`docker buildx imagetools inspect node:26-bookworm-slim` prints the digest of the multi-platform
# index, which serves both architectures.) Machines without a registry build a local stand-in:
# scripts/build-base-image.sh, one per architecture, named here with --build-arg (see
# scripts/build-multiarch.sh).
#
# Architectures: the stages that make platform-independent files (JavaScript from TypeScript, the
# production node_modules, which have no native code) run on the build machine's own platform
# (BUILDPLATFORM); only the Nettle addon is compiled for the target platform (TARGETPLATFORM), and
# only the runtime stage is the target's. Building arm64 on x86_64 under QEMU emulation with docker
# buildx then emulates just the C compile and a few commands, not npm and tsc. (buildah 1.28 ignores
# `FROM --platform`; scripts/test-container.sh passes it a native BUILD_NODE_IMAGE labelled with the
# target architecture to the same effect.)
ARG NODE_IMAGE=node:26-bookworm-slim
# The build machine's image: the same multi-platform name by default; a local stand-in per
# architecture where there is no registry.
ARG BUILD_NODE_IMAGE=${NODE_IMAGE}

# --- build: all dependencies, TypeScript compiled to dist/ (on the build machine's platform) --------
FROM --platform=$BUILDPLATFORM ${BUILD_NODE_IMAGE} AS build
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
WORKDIR /app
# Dependencies first, so this layer is reused until the lockfile changes. --ignore-scripts skips
# `prepare` (= npm run build), which cannot run before the sources are copied. No dependency needs
# an install script to compile (only esbuild has one, used by tsx in tests).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The TypeScript half of `npm run build`; the addon half is the next stage's, per target platform.
RUN npx tsc -b tsconfig.build.json

# --- native: the Nettle signer, compiled for the target platform ----------------------------------
FROM ${NODE_IMAGE} AS native
# node-gyp (the copy npm ships) compiles it: a C toolchain, Python and Nettle's headers, in this
# stage only. The runtime stage needs just libnettle8/libhogweed6/libgmp10, which every Debian
# image has (apt depends on them through GnuTLS).
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends g++ make python3 nettle-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY scripts/build-native.mjs ./scripts/
COPY native/binding.gyp native/nettle_es384.c native/es384_sign.c native/es384_sign.h ./native/
# The image must sign with Nettle: fail the build rather than ship one that silently falls back to
# OpenSSL at several times the CPU a token (SIGNER=openssl at run time still chooses OpenSSL).
RUN node scripts/build-native.mjs && test -f native/build/Release/nettle_es384.node

# --- prod-deps: production dependencies only, and their SBOM ----------------------------------------
FROM --platform=$BUILDPLATFORM ${BUILD_NODE_IMAGE} AS prod-deps
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
# Named as the package: `npm sbom` names the SBOM's root component after the folder it runs in.
WORKDIR /build/ivs-playback-auth
COPY package.json package-lock.json ./
# A CycloneDX SBOM of exactly the packages the image ships: npm's own `npm sbom`, over the tree
# just installed. The devDependencies are dropped from this stage's copy of package.json first
# (the image's comes from the build context): otherwise npm refuses the tree as incomplete, and
# `npm sbom --omit dev` also leaves out production packages that a dev dependency shares (ajv, yaml,
# …). The container test checks that the SBOM lists exactly the installed packages.
RUN npm ci --omit=dev --ignore-scripts \
 && npm pkg delete devDependencies \
 && npm sbom --sbom-format cyclonedx --sbom-type application > sbom.cdx.json \
 && npm cache clean --force

# --- runtime: production dependencies + dist/ + the signer + openapi.yaml + console/, unprivileged --
FROM ${NODE_IMAGE} AS runtime
ARG NODE_IMAGE
# OCI annotations (https://github.com/opencontainers/image-spec/blob/main/annotations.md). VERSION
# and the licence match package.json (a test checks); the build scripts pass the others: the
# commit, the build time and where the source lives (IMAGE_SOURCE, or the git remote).
ARG VERSION=0.1.0
ARG REVISION=""
ARG CREATED=""
ARG SOURCE=""
LABEL org.opencontainers.image.title="ivs-playback-auth" \
      org.opencontainers.image.description="Issues Amazon IVS playback-authorization tokens and owns the signing keys behind them" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="${NODE_IMAGE}"
# SIGNER=nettle: the image has the Nettle signer, so it refuses to start rather than sign at several
# times the CPU a token if it cannot use it (SIGNER=openssl chooses OpenSSL, e.g. for FIPS).
# HOST: listen on every interface (the loopback default of local mode is unreachable from outside
# a container). KEYS_DIR: local mode's key store, a volume. Production sets KEY_STORE=secrets-manager,
# SECRET_ID and API_KEYS_FILE (deploy/README.md) and then writes nothing to disk at all, so the
# root filesystem can be read-only.
ENV NODE_ENV=production \
    SIGNER=nettle \
    HOST=0.0.0.0 \
    PORT=8080 \
    KEYS_DIR=/var/lib/ivs-playback-auth
WORKDIR /app
# Application files stay owned by root: the node user can read them, not change them.
COPY --from=prod-deps /build/ivs-playback-auth/node_modules ./node_modules
COPY package.json openapi.yaml ./
# The support console's static files (served at /console; no build step).
COPY console ./console
COPY --from=build /app/dist ./dist
COPY --from=native /app/native/build/Release/nettle_es384.node ./native/build/Release/
# The SBOM of the production dependencies (CycloneDX JSON; see deploy/README.md, "The image").
COPY --from=prod-deps /build/ivs-playback-auth/sbom.cdx.json /usr/share/doc/ivs-playback-auth/sbom.cdx.json
# The addon must load here, against this stage's own libnettle8/libhogweed6/libgmp10, and pass the
# self-test the server runs before its first token (a P-384 signature OpenSSL verifies), on this
# architecture.
RUN node --input-type=module -e "const { chooseSigningBackend } = await import('/app/dist/adapters/crypto/choose-signing-backend.js'); const quiet = () => {}; const signer = await chooseSigningBackend('nettle', { debug: quiet, info: quiet, warn: quiet, error: quiet }); console.log('self-test passed: ' + signer.description + ' on linux/' + process.arch)"
RUN mkdir -p /var/lib/ivs-playback-auth \
 && chown node:node /var/lib/ivs-playback-auth \
 && chmod 0700 /var/lib/ivs-playback-auth
VOLUME ["/var/lib/ivs-playback-auth"]
USER node
EXPOSE 8080
# The slim image has no curl; node's fetch does the probe. 127.0.0.1 works with HOST=0.0.0.0.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node itself is PID 1's command (no npm, no shell), so SIGTERM reaches the server, which turns
# readiness false, finishes in-flight requests and exits 0 (SHUTDOWN_TIMEOUT_SECONDS bounds it).
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
