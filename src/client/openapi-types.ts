// Generated from openapi.yaml by openapi-typescript (npm run generate:client): do not edit.
// test/client/generated-types.test.ts fails when this file is not what openapi.yaml gives.

export interface paths {
    "/v1/playback-tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Issue one playback token
         * @description Returns a JWT for the channel with exactly the requested claims. A request that breaks an IVS
         *     rule is refused with 400 and a code naming the rule; nothing is silently adjusted.
         *
         *     One opt-in exception (`TOKEN_REUSE_SECONDS`, off by default): a request without `viewerId`
         *     and without `singleUse` may get the same token as an earlier request with identical claims,
         *     its `exp` rounded up to the end of a bucket of that many seconds, so it lives at least as
         *     long as asked and less than one bucket longer, never past `TOKEN_MAX_TTL_SECONDS`.
         *     `expiresAt` always states the token's real `exp`.
         *
         *     Access policies (POLICIES_FILE rules, and with RESTRICTION_POLICIES=enforce the channel's IVS
         *     playback restriction policy) may limit countries (from `viewerCountry` or `viewerIp`),
         *     origins, strict origin enforcement, resolution and TTL, and require `viewerId` or
         *     `singleUse`. A request asking for more is refused with 403 and the rule's code; what it
         *     leaves out, the policy fills in, and `policy` in the response says which policies applied
         *     and what they filled in.
         */
        post: operations["issuePlaybackToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/playback-tokens/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Issue up to 100 playback tokens (multiview)
         * @description Each item is validated and signed on its own: one bad item gets its error in `results` and the
         *     others are still issued. The response is 200 whenever the batch itself is well formed.
         */
        post: operations["issuePlaybackTokenBatch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/playback-tokens/inspect": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Why won't it play? Inspect a token or a playback URL
         * @description Decodes a playback token, or a whole playback URL with its token, and says whether IVS plays
         *     it now: `verdict` is `plays`, `will-not-play` or `cannot-tell`, and `findings` gives every
         *     reason, each with a stable code (see `FindingCode`). It decodes header and claims (times also
         *     as ISO and relative), names the signature's form, finds which of this service's keys signed
         *     it and that key's state (current, previous until its drain ends, retired, unknown) and
         *     whether IVS holds it in each served region as last read, and looks up the channel.
         *
         *     Errors decide the verdict (`will-not-play`); without one, an `unknown` finding makes it
         *     `cannot-tell`; warnings and infos never change it. On a channel without playback
         *     authorization IVS ignores the token, so the token's errors are reported as warnings there.
         *     Tokens this service did not sign are inspected as far as possible; their signature is
         *     checked only against `publicKeyPem` when given. Bad input gets findings, never a 5xx.
         *
         *     Any valid API key may inspect (it reveals nothing secret). The token and URL are never
         *     logged nor repeated in the answer. What IVS lets no one read is not checked: viewer-session
         *     revocations and whether a single-use token has played already (findings
         *     `REVOCABLE_VIEWER_SESSION` and `SINGLE_USE` say so).
         */
        post: operations["inspectPlaybackToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/viewer-sessions/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Revoke viewer sessions (1-100)
         * @description Starts IVS viewer-session revocation for each session: the viewer's playback stops and
         *     tokens with that viewer id and a session version ≤ `viewerSessionVersionsLessThanOrEqualTo`
         *     (default 0) are refused from then on. One session is one StartViewerSessionRevocation call;
         *     more are sent with BatchStartViewerSessionRevocation, 20 a call. Each session succeeds or
         *     fails on its own. Local mode cannot call IVS and answers 501 NOT_AVAILABLE_IN_LOCAL_MODE.
         */
        post: operations["revokeViewerSessions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/playback-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List signing keys and the key pairs occupying IVS slots */
        get: operations["listPlaybackKeys"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/playback-keys/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate the signing key now
         * @description Stores a new key, publishes its public half, verifies it and makes it current; the old key
         *     stays published (previous) until every token it signed has expired. A second rotation while
         *     the previous key still drains is refused with 409 PREVIOUS_KEY_DRAINING. With
         *     `{"emergency": true}` (after a compromise) the drain is skipped: the previous key is
         *     deleted, the new key made current, and then the key that was current is deleted too, so
         *     tokens signed by either stop working at once. Re-running after a failure resumes the
         *     interrupted rotation.
         */
        post: operations["rotatePlaybackKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/playback-keys/adopt": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Adopt a signing key made outside this service
         * @description Takes over an ECDSA P-384 key pair that already signs tokens elsewhere (made with openssl or
         *     in the IVS console, imported into IVS by hand), so moving to this service breaks no token.
         *     `privateKeyPem` is the private key as PEM text: SEC1 (the `EC` form openssl and the IVS
         *     console write) or PKCS#8. It is never logged, returned or put in an error.
         *
         *     In every served region the IVS key pair holding the key (found by its fingerprint) is tagged
         *     as this service's; where none holds it, it is imported, if a slot is free. The private key is
         *     then stored, and the key becomes `current` (it signs from now on; the key that was current
         *     drains as previous) or `previous` (it only verifies the tokens signed elsewhere, and retires
         *     by itself when its drain ends, counted from now). Without `as`: `current` when the service
         *     has no key yet, else `previous`. Adopting as previous without a current key makes the
         *     service's own key first.
         *
         *     Refusals change nothing: KEY_NOT_READABLE, KEY_NOT_P384, KEY_HALVES_MISMATCH (400),
         *     KEY_ALREADY_MANAGED, NO_FREE_KEY_SLOT, PREVIOUS_KEY_DRAINING, ROTATION_IN_PROGRESS,
         *     ADOPTION_IN_PROGRESS (409). After a failure half way (503), sending the same key again
         *     finishes the adoption; sending it once it is adopted as asked is a 200 with no steps.
         */
        post: operations["adoptPlaybackKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/jwks.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Public keys (current and previous) for anyone verifying tokens */
        get: operations["getJwks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness (a current key is loaded and fresh) */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics
         * @description Bind the service privately or protect this route in deployment.
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.yaml": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: operations["getOpenApi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/console": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The support console (HTML)
         * @description A page for people: paste a token or playback URL and see why it plays or not; with a
         *     `keys:admin` key, the keys in every region with their states and drain countdowns, and
         *     rotation. The API key is typed into the page and kept only in that tab's session storage;
         *     the page and its script and styles come from this service alone, under a strict
         *     Content-Security-Policy (`'self'` only, no inline script or style).
         */
        get: operations["getConsole"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/console/console.js": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The support console's script */
        get: operations["getConsoleScript"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/console/console.css": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The support console's styles */
        get: operations["getConsoleStyles"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/console/icon.svg": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The support console's icon */
        get: operations["getConsoleIcon"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        PlaybackTokenRequest: {
            /**
             * @description The private channel, becomes `aws:channel-arn`.
             * @example arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456
             */
            channelArn: string;
            /**
             * @description Becomes `aws:viewer-id`: 1-40 characters (Unicode code points), no control characters,
             *     no personal data. Needed to revoke the viewer's session later. Limits the TTL to 600 s.
             */
            viewerId?: string;
            /** @description Becomes `aws:viewer-session-version`; only together with `viewerId` (VIEWER_SESSION_VERSION_WITHOUT_VIEWER_ID). */
            viewerSessionVersion?: number;
            /**
             * @description Seconds until `exp` (Unix seconds). Defaults to TOKEN_DEFAULT_TTL_SECONDS; above
             *     TOKEN_MAX_TTL_SECONDS → TTL_ABOVE_MAXIMUM; above 600 with `viewerId` or `singleUse` →
             *     TTL_ABOVE_VIEWER_LIMIT. When neither is given for a viewer token, the default is capped at 600.
             */
            ttlSeconds?: number;
            /**
             * @description Origins allowed to play, joined with commas into `aws:access-control-allow-origin`. Each is
             *     `http(s)://host[:port]`, the host may start with `*.`; no path, query, comma or whitespace,
             *     no default port (INVALID_ORIGIN). Scheme and host are lower-cased as browsers send them;
             *     repeats are refused (DUPLICATE_ORIGIN).
             */
            allowedOrigins?: string[];
            /** @description Adds `aws:strict-origin-enforcement`; needs 1-5 `allowedOrigins` (STRICT_ORIGIN_WITHOUT_ORIGINS, TOO_MANY_STRICT_ORIGINS). */
            strictOriginEnforcement?: boolean;
            /** @description Adds a fresh `aws:single-use-uuid`; the token dies after first use. Limits the TTL to 600 s. */
            singleUse?: boolean;
            /**
             * @description Becomes `aws:maximum-resolution`.
             * @enum {string}
             */
            maximumResolution?: "SD" | "HD" | "FULL_HD";
            /**
             * @description The viewer's IP address, for access policies that limit countries: IPv4 in dotted-quad
             *     form or IPv6 in any text form, without port, brackets or zone (INVALID_VIEWER_IP). An
             *     IPv4-mapped IPv6 address counts as the IPv4 address it carries. Its country comes from
             *     the country database (GEOIP_DATABASE); a private, loopback or reserved address has none
             *     (UNKNOWN_COUNTRY decides). Never put in the token, never logged.
             * @example 203.0.113.7
             * @example 2001:db8::7
             */
            viewerIp?: string;
            /**
             * @description The viewer's country as an ISO 3166-1 alpha-2 code (any case), e.g. from a CDN's
             *     viewer-country header; when given, `viewerIp` is not looked up. `XX` and `T1` (a CDN's
             *     "unknown" and "Tor") mean the country is unknown (INVALID_VIEWER_COUNTRY otherwise).
             *     Never put in the token.
             * @example US
             */
            viewerCountry?: string;
        };
        /**
         * @description The access policies that applied to the token (POLICIES_FILE rules and the channel's IVS
         *     playback restriction policy), and the request fields they filled in because the request
         *     left them out. Absent when no policy applied.
         */
        AppliedPolicy: {
            applied: components["schemas"]["PolicyReference"][];
            filled: ("allowedOrigins" | "strictOriginEnforcement" | "maximumResolution" | "ttlSeconds" | "singleUse")[];
        };
        /** @description An access policy, by where it comes from and its name. */
        PolicyReference: {
            /**
             * @description `policies-file` (a rule of POLICIES_FILE) or `ivs-restriction-policy` (the channel's IVS playback restriction policy).
             * @enum {string}
             */
            source: "policies-file" | "ivs-restriction-policy";
            /** @description The rule's name in the policies file, or the IVS policy's ARN. */
            name: string;
        };
        PlaybackToken: {
            /** @description The JWS compact form; header `{"alg":"ES384","typ":"JWT"}`. */
            token: string;
            /**
             * Format: date-time
             * @description The token's `exp`, as an ISO 8601 time (with `TOKEN_REUSE_SECONDS`, a shared token's rounded `exp`).
             */
            expiresAt: string;
            /** @description The signing key (`kid` in the JWKS); not in the token, since IVS tries every imported key. */
            keyId: string;
            /**
             * Format: uri
             * @description The channel's playback URL with `?token=`, when the channel is known.
             */
            playbackUrl?: string;
            policy?: components["schemas"]["AppliedPolicy"];
        };
        PlaybackTokenBatchRequest: {
            /** @description Each item is a PlaybackTokenRequest, validated on its own so a bad item fails alone. */
            requests: unknown[];
        };
        PlaybackTokenBatchResult: {
            issued: number;
            failed: number;
            results: ({
                index: number;
                /** @constant */
                status: 201;
                token: components["schemas"]["PlaybackToken"]["token"];
                /** Format: date-time */
                expiresAt: string;
                keyId: string;
                /** Format: uri */
                playbackUrl?: string;
                policy?: components["schemas"]["AppliedPolicy"];
            } | {
                index: number;
                status: number;
                error: components["schemas"]["ItemError"];
            })[];
        };
        ViewerSessionRevocationRequest: {
            /** @description Each item is a ViewerSessionRevocation, validated on its own so a bad item fails alone. */
            sessions: unknown[];
        };
        ViewerSessionRevocation: {
            channelArn: components["schemas"]["PlaybackTokenRequest"]["channelArn"];
            viewerId: components["schemas"]["PlaybackTokenRequest"]["viewerId"];
            /** @description Revoke sessions whose `aws:viewer-session-version` is at most this (IVS default 0). */
            viewerSessionVersionsLessThanOrEqualTo?: number;
        };
        ViewerSessionRevocationResult: {
            started: number;
            failed: number;
            results: ({
                index: number;
                /** @constant */
                status: "started";
            } | {
                index: number;
                /** @constant */
                status: "failed";
                error: {
                    /** @description One of this API's error codes, or the error code IVS gave for this session. */
                    code: string;
                    message: string;
                    details?: Record<string, never>;
                };
            })[];
        };
        /** @description Either `token` or `url` (not both, not neither; INVALID_REQUEST otherwise). */
        TokenInspectionRequest: {
            /** @description The token as the player sends it (`token=` in front is tolerated). */
            token?: string;
            /** @description The whole playback URL the player loads, with its `?token=`. */
            url?: string;
            /** @description The `Origin` header the player sends (`scheme://host[:port]`); checked against the token's origins. */
            origin?: string;
            /** @description For a token this service did not sign, its signer's public key (SPKI PEM), to check the signature. */
            publicKeyPem?: string;
        };
        TokenInspection: {
            /**
             * @description `plays`: no finding stops it now; `will-not-play`: at least one `error` finding;
             *     `cannot-tell`: no error, but something it depends on cannot be known here (`unknown`).
             * @enum {string}
             */
            verdict: "plays" | "will-not-play" | "cannot-tell";
            /** @description The verdict and its main reason, in one line for a person. */
            summary: string;
            /** @description Every finding, errors first, then unknowns, warnings and infos. */
            findings: components["schemas"]["InspectionFinding"][];
            /**
             * Format: date-time
             * @description The time the verdict is for.
             */
            inspectedAt: string;
            /** @enum {string} */
            source: "token" | "url";
            /** @description The playback URL, when one was given and it is one. */
            url?: {
                /** @description The URL without its query. */
                base: string;
                /** @description The channel the URL plays. */
                channelArn: string;
                /** @description How many `token` parameters it carries. */
                tokens: number;
            };
            /** @description The decoded token (from a doubled URL, the last token in it); absent when nothing could be decoded. */
            token?: {
                header: Record<string, never>;
                /** @description Every claim as the token carries it. */
                claims: Record<string, never>;
                expiry?: {
                    exp: number;
                    /**
                     * Format: date-time
                     * @description `exp` read as Unix seconds; absent when that is no date (an `exp` in milliseconds).
                     */
                    at?: string;
                    /**
                     * @example in 300 s
                     * @example 120 s ago
                     */
                    relative: string;
                };
                signature: {
                    /**
                     * @description `raw` R‖S (what IVS needs), `der` (ASN.1), `truncated`, `wrong-length` or `missing`.
                     * @enum {string}
                     */
                    form: "raw" | "der" | "truncated" | "wrong-length" | "missing";
                    bytes: number;
                };
            };
            /** @description Which key signed the token. */
            key: {
                /**
                 * @description `ours`: a key this service holds or held (`keyId`, `state`); `supplied`: the
                 *     `publicKeyPem` given; `unknown`: none verifies it; `not-checked`: the signature's form
                 *     rules out a check.
                 * @enum {string}
                 */
                status: "ours" | "supplied" | "unknown" | "not-checked";
                keyId?: string;
                /** @enum {string} */
                state?: "pending" | "current" | "previous" | "retired";
                /** Format: date-time */
                activatedAt?: string;
                /** Format: date-time */
                deactivatedAt?: string;
                /**
                 * Format: date-time
                 * @description For the previous key: its tokens play until then.
                 */
                drainEndsAt?: string;
                /** Format: date-time */
                retiredAt?: string;
                /** @description Our key in each served region (one entry without `region` in local mode without IVS_REGIONS). */
                regions: {
                    region?: string;
                    /**
                     * @description Whether IVS there held the key when last read (`unknown`: not read yet).
                     * @enum {string}
                     */
                    holds: "held" | "missing" | "unknown";
                    /** Format: date-time */
                    checkedAt?: string;
                }[];
            };
            /** @description The channel IVS would play (the URL's, else the token's claim), when one is named. */
            channel?: {
                arn: string;
                region: string;
                accountId: string;
                /** @description Whether this service publishes its keys in that region; absent when it serves any region. */
                regionServed?: boolean;
                /**
                 * @description `private` (playback authorization on), `public`, `not-found`, or `not-checked` (no channel lookup here).
                 * @enum {string}
                 */
                status: "private" | "public" | "not-found" | "not-checked";
                playbackUrl?: string;
            };
            /**
             * @description The access policies this service applies before signing a token for the channel
             *     (POLICIES_FILE rules, the channel's IVS restriction policy with RESTRICTION_POLICIES=enforce);
             *     absent when none applies. IVS does not apply them to private channels, so they never change
             *     the verdict (`ACCESS_POLICY`, `OUTSIDE_ACCESS_POLICY`).
             */
            policies?: components["schemas"]["PolicyReference"][];
        };
        InspectionFinding: {
            code: components["schemas"]["FindingCode"];
            /**
             * @description `error` decides `will-not-play`; `unknown` decides `cannot-tell` when there is no error; `warning` and `info` never change the verdict.
             * @enum {string}
             */
            severity: "error" | "unknown" | "warning" | "info";
            /** @description What is wrong and what to do, for a person; never the token. */
            message: string;
        };
        /**
         * @description Stable codes of inspection findings, with their severity (on a channel without playback
         *     authorization the token's errors and unknowns are reported as warnings), and what to do.
         *     - `URL_INVALID` (error): The URL is not an IVS playback URL (`https://<host>/api/video/v1/<region>.<account>.channel.<id>.m3u8`), or a URL was given as the token. What to do: Use the playback URL IVS gives for the channel (`aws ivs get-channel`), with `?token=` added.
         *     - `TOKEN_MISSING` (error): The playback URL has no `token` parameter; a private channel refuses it. What to do: Append `?token=<token>` to the channel's playback URL.
         *     - `TOKEN_DOUBLED_IN_URL` (error): The URL holds a token followed by another URL or token (`….m3u8?token=A?token=B`), which IVS reads as one malformed token. The last token in it is inspected as well. What to do: Build the URL once: the channel's playback URL, `?token=`, one token. Look for code that appends `?token=` to a URL that already has one.
         *     - `MULTIPLE_TOKENS_IN_URL` (error): The URL carries two or more `token` parameters; IVS accepts exactly one. What to do: Keep one `token` parameter.
         *     - `URL_CHANNEL_MISMATCH` (error): The URL plays one channel and the token's `aws:channel-arn` names another. What to do: Use the token with its own channel's URL, or issue a token for the URL's channel.
         *     - `URL_NOT_CHANNEL_PLAYBACK_URL` (error): The URL's host or path differs from the playback URL IVS gives for the channel. What to do: Use the channel's own playback URL.
         *     - `TOKEN_MALFORMED` (error): Not a JWT: not three base64url parts, or header or claims not JSON objects (changed on the way: URL-encoded twice, padded, wrapped). What to do: Pass the token exactly as issued; URL-encode it once at most.
         *     - `TOKEN_TRUNCATED` (error): The token was cut short: the signature is missing or shorter than 96 bytes. What to do: Copy the whole token; look for a URL length limit or a field that truncates.
         *     - `ALGORITHM_NOT_ES384` (error): The header's `alg` is not `ES384`. What to do: Sign with an ECDSA P-384 key as ES384.
         *     - `SIGNATURE_DER_ENCODED` (error): The signature is ASN.1 DER (the default of many crypto libraries), not the raw 96-byte R‖S of a JWT. What to do: Sign with a JWT library, or with `dsaEncoding: 'ieee-p1363'` (Node) / convert DER to R‖S.
         *     - `SIGNATURE_WRONG_LENGTH` (error): The signature is longer than 96 bytes and not DER (text appended to the token?). What to do: Pass the token exactly as issued.
         *     - `CHANNEL_ARN_INVALID` (error): `aws:channel-arn` is missing or not a channel ARN (wildcards are not accepted). What to do: Issue the token for the channel's exact ARN.
         *     - `EXP_INVALID` (error): `exp` is missing or not a whole number. What to do: Set `exp` to whole Unix seconds.
         *     - `EXP_IN_MILLISECONDS` (error): `exp` is in milliseconds (10¹¹ or more); IVS reads seconds (the IVS guide's Node sample makes this mistake). What to do: `exp = Math.floor(Date.now() / 1000) + ttlSeconds`.
         *     - `TOKEN_EXPIRED` (error): `exp` has passed; IVS checks it when playback starts. What to do: Issue a new token for each playback start.
         *     - `TTL_OVER_VIEWER_LIMIT` (error): A token with `aws:viewer-id` or `aws:single-use-uuid` expires more than 10 minutes (600 s) from now. What to do: Issue viewer and single-use tokens with `ttlSeconds` ≤ 600, just before playback.
         *     - `VIEWER_ID_INVALID` (error): `aws:viewer-id` is not a string of 1–40 characters. What to do: Use a short opaque id (no personal data).
         *     - `SINGLE_USE_UUID_INVALID` (error): `aws:single-use-uuid` is not a UUID. What to do: Use a fresh UUID per token (`singleUse: true` does).
         *     - `VIEWER_SESSION_VERSION_INVALID` (error): `aws:viewer-session-version` is not a whole number ≥ 0. What to do: Use an integer 0…2³¹−1.
         *     - `MAXIMUM_RESOLUTION_INVALID` (error): `aws:maximum-resolution` is not `SD`, `HD` or `FULL_HD`. What to do: Use one of the three.
         *     - `ORIGIN_CLAIM_INVALID` (error): The origin claims are of the wrong type, or strict enforcement lists no origin or more than 5. What to do: List 1–5 origins with `strictOriginEnforcement`.
         *     - `ORIGIN_NOT_ALLOWED` (error): The token enforces origins strictly and the player's `Origin` is not among them. What to do: Add the page's origin to `allowedOrigins`, or play from an allowed origin.
         *     - `ORIGIN_NOT_GIVEN` (unknown): The token enforces origins strictly and no `origin` was given to check. What to do: Inspect again with the player's `Origin` (the page's `scheme://host[:port]`).
         *     - `ORIGIN_NOT_LISTED` (warning): Without strict enforcement the `Origin` is not listed: IVS serves it, but a browser on that origin blocks it (CORS). What to do: Add the page's origin to `allowedOrigins`.
         *     - `SINGLE_USE` (warning): Single use: it plays once; a reload or retry is refused. Whether it played already cannot be read from IVS. What to do: Issue a new token for every playback start.
         *     - `REVOCABLE_VIEWER_SESSION` (info): A viewer token: a revocation of that viewer with a version ≥ its `aws:viewer-session-version` refuses it. IVS lets no one read revocations, so this is not checked. What to do: After a revocation, issue the viewer's tokens with a higher `viewerSessionVersion`.
         *     - `UNDOCUMENTED_CLAIMS` (warning): Claims IVS does not document (`iat`, `kid`, …): not known to be refused, but they lengthen the URL. What to do: Leave them out.
         *     - `SIGNATURE_INVALID` (error): The signature verifies neither under the `publicKeyPem` given nor under any key this service holds or held. What to do: The token was altered, or signed with another key: issue it again.
         *     - `KEY_UNKNOWN` (unknown): No key this service holds or held verifies the signature: signed by another signer, or altered. What to do: Give the signer's public key as `publicKeyPem`; tokens from this service verify by themselves.
         *     - `KEY_NOT_OURS` (unknown): The signature verifies under the `publicKeyPem` given, a key this service did not create: whether IVS holds it cannot be told here. What to do: Check with `aws ivs list-playback-key-pairs --region <channel's region>`.
         *     - `PUBLIC_KEY_INVALID` (unknown): `publicKeyPem` is not an ECDSA P-384 public key in PEM. What to do: Give the SPKI PEM (`-----BEGIN PUBLIC KEY-----`), never a private key.
         *     - `KEY_RETIRED` (error): Signed by a key this service retired (after its drain, or at an emergency rotation): IVS no longer holds it. What to do: Get a new token.
         *     - `KEY_PREVIOUS` (warning): Signed by the previous key: it plays until the key's drain ends (the message says when), then IVS refuses it. What to do: Nothing, for a token about to be used; new tokens come from the current key.
         *     - `KEY_PENDING` (warning): Signed by a key still being rotated in; the service never signs with one. What to do: Find who signs with it; the key plays only where IVS already holds it.
         *     - `KEY_NOT_IN_REGION` (error): IVS in the channel's region does not hold the signing key now (a key pair deleted by hand, a region just added). What to do: Wait for the janitor (`JANITOR_SECONDS`) to import it again; `/readyz` shows each region.
         *     - `KEY_REGION_UNCONFIRMED` (unknown): The channel's region has not been read yet, so whether IVS holds the key there is not known. What to do: Ask again within `REGION_CHECK_SECONDS`.
         *     - `CHANNEL_REGION_NOT_SERVED` (error): The channel's region is not in `IVS_REGIONS`: this service's keys are not imported there. What to do: Add the region to `IVS_REGIONS`.
         *     - `CHANNEL_ACCOUNT_NOT_SERVED` (error): The channel is in another AWS account than the one this service's keys are imported into. What to do: Issue tokens for that account's channels from a deployment in that account.
         *     - `CHANNEL_NOT_FOUND` (error): IVS has no such channel in that region and account. What to do: Check the ARN or URL (region, account, id).
         *     - `CHANNEL_NOT_PRIVATE` (warning): The channel has no playback authorization: every request plays, token or not (the token's errors become warnings). What to do: Turn authorization on to make it private (`aws ivs update-channel --authorized`).
         *     - `CHANNEL_NOT_CHECKED` (info): The channel could not be looked up (local mode without `CHANNELS_FILE`, or IVS unreachable); the token is judged as for a private channel. What to do: Nothing; with IVS the channel is looked up.
         *     - `ACCESS_POLICY` (info): This service issues tokens for the channel under an access policy (`policies` names it); IVS does not apply access policies to private channels. What to do: Nothing; a refusal at issuance names the rule.
         *     - `OUTSIDE_ACCESS_POLICY` (warning): This service would not issue this token today: its claims ask for more than the channel's policy allows (an origin, a resolution, a TTL, or a missing viewer id or single use; countries are not in a token and are not judged). It still plays if nothing else stops it. What to do: If it came from elsewhere or before the policy changed, issue tokens through this service; to stop it now, revoke the viewer or rotate the key.
         * @enum {string}
         */
        FindingCode: "URL_INVALID" | "TOKEN_MISSING" | "TOKEN_DOUBLED_IN_URL" | "MULTIPLE_TOKENS_IN_URL" | "URL_CHANNEL_MISMATCH" | "URL_NOT_CHANNEL_PLAYBACK_URL" | "TOKEN_MALFORMED" | "TOKEN_TRUNCATED" | "ALGORITHM_NOT_ES384" | "SIGNATURE_DER_ENCODED" | "SIGNATURE_WRONG_LENGTH" | "CHANNEL_ARN_INVALID" | "EXP_INVALID" | "EXP_IN_MILLISECONDS" | "TOKEN_EXPIRED" | "TTL_OVER_VIEWER_LIMIT" | "VIEWER_ID_INVALID" | "SINGLE_USE_UUID_INVALID" | "VIEWER_SESSION_VERSION_INVALID" | "MAXIMUM_RESOLUTION_INVALID" | "ORIGIN_CLAIM_INVALID" | "ORIGIN_NOT_ALLOWED" | "ORIGIN_NOT_GIVEN" | "ORIGIN_NOT_LISTED" | "SINGLE_USE" | "REVOCABLE_VIEWER_SESSION" | "UNDOCUMENTED_CLAIMS" | "SIGNATURE_INVALID" | "KEY_UNKNOWN" | "KEY_NOT_OURS" | "PUBLIC_KEY_INVALID" | "KEY_RETIRED" | "KEY_PREVIOUS" | "KEY_PENDING" | "KEY_NOT_IN_REGION" | "KEY_REGION_UNCONFIRMED" | "CHANNEL_REGION_NOT_SERVED" | "CHANNEL_ACCOUNT_NOT_SERVED" | "CHANNEL_NOT_FOUND" | "CHANNEL_NOT_PRIVATE" | "CHANNEL_NOT_CHECKED" | "ACCESS_POLICY" | "OUTSIDE_ACCESS_POLICY";
        RotationRequest: {
            /** @description After a compromise, delete the previous key and the key that was current at once; tokens they signed stop working. */
            emergency?: boolean;
        };
        RotationResult: {
            currentKeyId: string;
            previousKeyId?: string;
            /** @description What the rotation did, in order. */
            steps: string[];
        };
        AdoptionRequest: {
            /** @description The private key as PEM text (SEC1, the `EC` form openssl and the IVS console write, or PKCS#8), ECDSA P-384. */
            privateKeyPem: string;
            /**
             * @description The state the key takes. Default `current` when the service has no key yet, else `previous`.
             * @enum {string}
             */
            as?: "current" | "previous";
        };
        AdoptionResult: {
            /** @description The adopted key's id here: `ipa-adopted-` and 24 hex characters of its fingerprint. */
            keyId: string;
            /** @enum {string} */
            state: "current" | "previous";
            /** @description RFC 7638 JWK SHA-256 thumbprint (base64url). */
            fingerprint: string;
            /** Format: date-time */
            adoptedAt: string;
            /**
             * Format: date-time
             * @description For a key adopted as previous: when its drain ends and it retires by itself (deleted from IVS).
             */
            drainEndsAt?: string;
            currentKeyId?: string;
            previousKeyId?: string;
            /** @description The IVS key pair holding the key in each served region (tagged as this service's). */
            regions: {
                region?: string;
                arn?: string;
                name: string;
            }[];
            /** @description What the adoption did, in order; empty when the key was already adopted as asked. */
            steps: string[];
        };
        PlaybackKeyList: {
            /** @description Where public keys are published (`ivs`, or `offline` in local mode). */
            registry: string;
            /** @description Key pairs IVS allows per account and region (3). */
            slotLimit: number;
            keys: components["schemas"]["PlaybackKey"][];
            /** @description Key pairs that this service did not create, in each served region; they take that region's slots and are never deleted. */
            foreignKeyPairs: {
                region?: string;
                name: string;
                arn?: string;
            }[];
            /**
             * @description Each served region (`IVS_REGIONS`) and its key pair slots. Local mode without
             *     `IVS_REGIONS` has one entry without `region`.
             */
            regions: {
                region?: string;
                limit: number;
                ours: number;
                foreign: number;
                free: number;
            }[];
        };
        PlaybackKey: {
            keyId: string;
            /** @enum {string} */
            state: "pending" | "current" | "previous" | "retired";
            /** @description RFC 7638 JWK SHA-256 thumbprint (base64url). */
            fingerprint: string;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            activatedAt?: string;
            /** Format: date-time */
            deactivatedAt?: string;
            /**
             * Format: date-time
             * @description For the previous key, when it may be deleted without breaking a token.
             */
            drainEndsAt?: string;
            /** Format: date-time */
            retiredAt?: string;
            /**
             * Format: date-time
             * @description Set for a key made outside this service and adopted (`keys adopt`); when it was adopted.
             */
            adoptedAt?: string;
            /**
             * @description The state it was adopted into.
             * @enum {string}
             */
            adoptedAs?: "current" | "previous";
            /** @description Whether every served region holds the public key now. */
            published: boolean;
            /** @description The IVS key pair ARN in the first served region that holds it. */
            arn?: string;
            /** @description The key in each served region. */
            regions?: {
                region?: string;
                published: boolean;
                arn?: string;
                /** @description IVS's own fingerprint of the key pair. */
                fingerprint?: string;
            }[];
            /** @description Set when the store and the registry disagree (for example a current key that is not published). */
            drift?: string;
        };
        Jwks: {
            keys: {
                /** @constant */
                kty: "EC";
                /** @constant */
                crv: "P-384";
                x: string;
                y: string;
                kid: string;
                /** @constant */
                alg: "ES384";
                /** @constant */
                use: "sig";
            }[];
        };
        Health: {
            /** @constant */
            status: "ok";
        };
        Readiness: {
            /** @enum {string} */
            status: "ready" | "not-ready";
            reason?: string;
            currentKeyId?: string;
            keyStore: {
                /** Format: date-time */
                lastRefreshAt?: string;
                lastRefreshFailed: boolean;
                stalenessSeconds?: number;
                /**
                 * @description Why the last attempt to read (or, on first start, create) the signing keys failed;
                 *     absent once one succeeds. For AWS, `operation` names the call and `awsError` the
                 *     SDK error's name (e.g. RegionMissing, CredentialsProviderError, AccessDeniedException,
                 *     ENOTFOUND); the SDK's own text is never included.
                 */
                lastFailure?: {
                    code: components["schemas"]["ErrorCode"];
                    message: string;
                    /** @example Secrets Manager DescribeSecret */
                    operation?: string;
                    /** @example CredentialsProviderError */
                    awsError?: string;
                    /** Format: date-time */
                    at: string;
                };
            };
            /**
             * @description Each served region (`IVS_REGIONS`; one entry without `region` in local mode without it)
             *     and whether its IVS holds the current key: `held` (tokens for its channels play),
             *     `missing` (they get 503 KEY_NOT_IN_REGION until the key is imported again) or `unknown`
             *     (not read yet). The replica is ready while at least one region holds the key; the
             *     others are listed in `degradedRegions`.
             */
            regions?: {
                region?: string;
                /** @enum {string} */
                currentKey: "held" | "missing" | "unknown";
                /** Format: date-time */
                lastCheckedAt?: string;
                /** @description Why the last read of the region failed; what was known is kept meanwhile. */
                failure?: {
                    code: string;
                    message: string;
                };
            }[];
            /** @description Regions whose channels may get 503 now, or whose IVS could not be read. */
            degradedRegions?: string[];
        };
        ItemError: {
            code: components["schemas"]["ErrorCode"];
            message: string;
            details?: Record<string, never>;
        };
        Error: {
            code: components["schemas"]["ErrorCode"];
            message: string;
            requestId: string;
            details?: Record<string, never>;
        };
        /** @enum {string} */
        ErrorCode: "INVALID_REQUEST" | "MALFORMED_JSON" | "PAYLOAD_TOO_LARGE" | "UNSUPPORTED_MEDIA_TYPE" | "NOT_FOUND" | "METHOD_NOT_ALLOWED" | "UNAUTHENTICATED" | "INSUFFICIENT_SCOPE" | "CHANNEL_NOT_ALLOWED" | "CHANNEL_NOT_FOUND" | "CHANNEL_NOT_AUTHORIZED" | "CHANNEL_REGION_NOT_SERVED" | "CHANNEL_ACCOUNT_NOT_SERVED" | "RATE_LIMITED" | "TOO_MANY_FAILED_ATTEMPTS" | "INVALID_CHANNEL_ARN" | "INVALID_VIEWER_ID" | "INVALID_VIEWER_SESSION_VERSION" | "VIEWER_SESSION_VERSION_WITHOUT_VIEWER_ID" | "INVALID_ORIGIN" | "DUPLICATE_ORIGIN" | "TOO_MANY_ORIGINS" | "TOO_MANY_STRICT_ORIGINS" | "STRICT_ORIGIN_WITHOUT_ORIGINS" | "INVALID_MAXIMUM_RESOLUTION" | "INVALID_TTL" | "TTL_ABOVE_MAXIMUM" | "TTL_ABOVE_VIEWER_LIMIT" | "INVALID_BATCH_SIZE" | "INVALID_VIEWER_IP" | "INVALID_VIEWER_COUNTRY" | "VIEWER_COUNTRY_NOT_ALLOWED" | "VIEWER_COUNTRY_UNKNOWN" | "ORIGIN_NOT_ALLOWED_BY_POLICY" | "STRICT_ORIGIN_REQUIRED_BY_POLICY" | "RESOLUTION_ABOVE_POLICY" | "TTL_ABOVE_POLICY" | "VIEWER_ID_REQUIRED_BY_POLICY" | "SINGLE_USE_REQUIRED_BY_POLICY" | "NO_SIGNING_KEY" | "KEY_NOT_IN_REGION" | "ROTATION_IN_PROGRESS" | "PREVIOUS_KEY_DRAINING" | "NO_FREE_KEY_SLOT" | "KEY_VERIFICATION_FAILED" | "KEY_STORE_CORRUPT" | "KEY_NOT_READABLE" | "KEY_NOT_P384" | "KEY_HALVES_MISMATCH" | "KEY_ALREADY_MANAGED" | "ADOPTION_IN_PROGRESS" | "DEPENDENCY_UNAVAILABLE" | "NOT_AVAILABLE_IN_LOCAL_MODE" | "INTERNAL";
    };
    responses: {
        /** @description The request breaks a rule; `code` names it. */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Missing, malformed or unknown API key (UNAUTHENTICATED). */
        Unauthenticated: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description The API key lacks the route's scope (INSUFFICIENT_SCOPE) or may not mint for the channel
         *     (CHANNEL_NOT_ALLOWED), or the request asks for more than the channel's access policy allows:
         *     VIEWER_COUNTRY_NOT_ALLOWED, VIEWER_COUNTRY_UNKNOWN (with UNKNOWN_COUNTRY=deny),
         *     ORIGIN_NOT_ALLOWED_BY_POLICY, STRICT_ORIGIN_REQUIRED_BY_POLICY, RESOLUTION_ABOVE_POLICY,
         *     TTL_ABOVE_POLICY, VIEWER_ID_REQUIRED_BY_POLICY or SINGLE_USE_REQUIRED_BY_POLICY, with
         *     `details.policy` naming the policy (`source`, `name`) and `details.field` the field.
         */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description The API key is over its request rate (RATE_LIMITED), or this client sent too many bad
         *     credentials recently (TOO_MANY_FAILED_ATTEMPTS); see `Retry-After`.
         */
        TooManyRequests: {
            headers: {
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description With `CHANNEL_CHECK`, IVS has no such channel (CHANNEL_NOT_FOUND). */
        ChannelNotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description With `CHANNEL_CHECK=authorized`, the channel has no playback authorization (CHANNEL_NOT_AUTHORIZED). */
        ChannelNotAuthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description A token for this channel could not play, so none is issued: the channel is in a region this
         *     service does not serve (CHANNEL_REGION_NOT_SERVED; `details.region`, `details.servedRegions`),
         *     or in another AWS account than the one its key is imported into (CHANNEL_ACCOUNT_NOT_SERVED).
         */
        ChannelNotServed: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description ROTATION_IN_PROGRESS, PREVIOUS_KEY_DRAINING, NO_FREE_KEY_SLOT, or ADOPTION_IN_PROGRESS (an adoption stopped half way; finish it by adopting the same key again). */
        Conflict: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The body is over the limit (PAYLOAD_TOO_LARGE). */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description The body is not `application/json` (UNSUPPORTED_MEDIA_TYPE). */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /**
         * @description No signing key yet (NO_SIGNING_KEY), the channel's region does not hold the signing key yet
         *     (KEY_NOT_IN_REGION: a region just added, or a key pair deleted by hand, being imported again),
         *     or a dependency (AWS) is unavailable (DEPENDENCY_UNAVAILABLE); see `Retry-After`.
         */
        Unavailable: {
            headers: {
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    issuePlaybackToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PlaybackTokenRequest"];
            };
        };
        responses: {
            /** @description The signed token. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PlaybackToken"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["ChannelNotFound"];
            409: components["responses"]["ChannelNotAuthorized"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["ChannelNotServed"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    issuePlaybackTokenBatch: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PlaybackTokenBatchRequest"];
            };
        };
        responses: {
            /** @description One result per request, in request order. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PlaybackTokenBatchResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    inspectPlaybackToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TokenInspectionRequest"];
            };
        };
        responses: {
            /** @description The inspection, whatever the verdict. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenInspection"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    revokeViewerSessions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ViewerSessionRevocationRequest"];
            };
        };
        responses: {
            /** @description Revocation started for the sessions marked `started`. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ViewerSessionRevocationResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            /** @description Local mode does not call IVS (NOT_AVAILABLE_IN_LOCAL_MODE). */
            501: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    listPlaybackKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every key this service has created or adopted, newest first, and foreign key pairs. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PlaybackKeyList"];
                };
            };
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    rotatePlaybackKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RotationRequest"];
            };
        };
        responses: {
            /** @description The rotation finished. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RotationResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    adoptPlaybackKey: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AdoptionRequest"];
            };
        };
        responses: {
            /** @description The key is adopted (or already was, as asked). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdoptionResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthenticated"];
            403: components["responses"]["Forbidden"];
            /**
             * @description KEY_ALREADY_MANAGED (`details.keyId`, `details.state`), NO_FREE_KEY_SLOT (a region that does
             *     not hold the key has no free slot; `details.region`, `details.keyPairs`),
             *     PREVIOUS_KEY_DRAINING (`details.drainEndsAt`), ROTATION_IN_PROGRESS or ADOPTION_IN_PROGRESS
             *     (`details.pendingKeyId`).
             */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["Unavailable"];
        };
    };
    getJwks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A JSON Web Key Set; `kid` is the key id. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Jwks"];
                };
            };
        };
    };
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process is serving requests. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready to issue tokens. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description Not ready (no key yet, keys too stale, or shutting down). */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text exposition format. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    getOpenApi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI document. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/yaml": string;
                };
            };
        };
    };
    getConsole: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The page. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
        };
    };
    getConsoleScript: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The script (an ES module). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/javascript": string;
                };
            };
        };
    };
    getConsoleStyles: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The style sheet. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/css": string;
                };
            };
        };
    };
    getConsoleIcon: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The icon. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "image/svg+xml": string;
                };
            };
        };
    };
}
