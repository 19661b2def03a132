# ivs-playback-auth: issues Amazon IVS playback tokens. See deploy/README.md.
#
#   docker build -t ivs-playback-auth .
#   docker run --rm -p 8080:8080 -v ipa-keys:/var/lib/ivs-playback-auth ivs-playback-auth   # local mode
#
# Base image: pinned to the Node 26 LTS line (active LTS since October 2026; see README, "Node.js
# versions") on Debian 12 (bookworm), slim variant. In a real
# registry also pin the digest, so a rebuild cannot silently change the base under you, and let a
# bot (Renovate/Dependabot) propose updates:
#   FROM node:26-bookworm-slim@sha256:<digest> AS build
# (`docker buildx imagetools inspect node:26-bookworm-slim` prints the digest.) Keep all stages on
# the same base. Machines without a registry build a local stand-in: scripts/build-base-image.sh.

# --- build: all dependencies, compile TypeScript to dist/ and the Nettle signer -------------------
FROM node:26-bookworm-slim AS build
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
# The Nettle signer (native/) is compiled by node-gyp: a C toolchain, Python and Nettle's headers,
# in this stage only. The runtime stage needs just libnettle8/libhogweed6/libgmp10, which every
# Debian image has (apt depends on them through GnuTLS).
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends g++ make python3 nettle-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Dependencies first, so this layer is reused until the lockfile changes. --ignore-scripts skips
# `prepare` (= npm run build), which cannot run before the sources are copied; the build is the
# explicit step below. No dependency needs an install script to compile (only esbuild has one, used
# by tsx in tests).
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build-native.mjs ./scripts/
COPY native/binding.gyp native/nettle_es384.c native/es384_sign.c native/es384_sign.h ./native/
COPY src ./src
# The image must sign with Nettle: fail the build rather than ship one that silently falls back to
# OpenSSL at several times the CPU a token (SIGNER=openssl at run time still chooses OpenSSL).
RUN npm run build && test -f native/build/Release/nettle_es384.node

# --- prod-deps: production dependencies only -------------------------------------------------------
FROM node:26-bookworm-slim AS prod-deps
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# --- runtime: production dependencies + dist/ + the signer + openapi.yaml + console/, unprivileged --
FROM node:26-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="ivs-playback-auth" \
      org.opencontainers.image.description="Issues Amazon IVS playback-authorization tokens and owns the signing keys behind them" \
      org.opencontainers.image.licenses="Apache-2.0"
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
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json openapi.yaml ./
# The support console's static files (served at /console; no build step).
COPY console ./console
COPY --from=build /app/dist ./dist
COPY --from=build /app/native/build/Release/nettle_es384.node ./native/build/Release/
# The addon must load here, against this stage's own libnettle8/libhogweed6/libgmp10.
RUN node -e "require('/app/native/build/Release/nettle_es384.node')"
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
