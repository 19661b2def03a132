import { type AppliedPolicy, decideAccess } from '../domain/access-policy.js';
import { parseChannelArn } from '../domain/channel-arn.js';
import { isServiceError } from '../domain/errors.js';
import {
  bySeverity,
  type Finding,
  finding,
  forPublicChannel,
  summaryOf,
  type Verdict,
  verdictOf,
} from '../domain/inspection-findings.js';
import { type DrainPolicy, drainEndsAt } from '../domain/key-lifecycle.js';
import type { MaximumResolution, PlaybackTokenRequest, TokenPolicy } from '../domain/playback-claims.js';
import type { ChannelDirectory, Clock, KeyStore, SignatureVerifier } from '../domain/ports.js';
import type { KeyState, SigningKeyInfo } from '../domain/signing-key.js';
import {
  type DecodedToken,
  type InspectionInput,
  isoOf,
  readToken,
  relativeSeconds,
  type SignatureForm,
} from '../domain/token-inspection.js';
import type { AccessPolicies } from './access-policies.js';
import type { KeyCache } from './key-cache.js';
import type { Coverage, RegionCoverage } from './region-coverage.js';

export interface TokenInspectionRequest extends InspectionInput {
  /** The public key (SPKI PEM) of a signer this service does not know, to check its signature. */
  readonly publicKeyPem?: string | undefined;
}

/** Which key signed the token, as far as this service can tell. */
export interface KeyFacts {
  /**
   * `ours`: a key this service holds or held; `supplied`: the public key given with the request;
   * `unknown`: none of them verifies it; `not-checked`: the signature's form rules out a check.
   */
  readonly status: 'ours' | 'supplied' | 'unknown' | 'not-checked';
  readonly keyId?: string | undefined;
  readonly state?: KeyState | undefined;
  readonly activatedAt?: Date | undefined;
  readonly deactivatedAt?: Date | undefined;
  readonly drainEndsAt?: Date | undefined;
  readonly retiredAt?: Date | undefined;
  /** Our key in every served region: whether IVS holds it there now (as last read). */
  readonly regions: readonly {
    readonly region: string | undefined;
    readonly holds: Coverage;
    readonly checkedAt: Date | undefined;
  }[];
}

export interface ChannelFacts {
  readonly arn: string;
  readonly region: string;
  readonly accountId: string;
  /** Whether this service publishes its key in the channel's region (undefined: any region is served). */
  readonly regionServed: boolean | undefined;
  /** `private` = playback authorization on; `not-checked` = the channel directory cannot tell. */
  readonly status: 'private' | 'public' | 'not-found' | 'not-checked';
  readonly playbackUrl?: string | undefined;
}

export interface TokenInspection {
  readonly verdict: Verdict;
  readonly summary: string;
  /** Errors first, then unknowns, warnings and infos. */
  readonly findings: readonly Finding[];
  readonly inspectedAt: Date;
  readonly source: 'token' | 'url';
  readonly url?: { readonly base: string; readonly channelArn: string; readonly tokens: number } | undefined;
  readonly token?:
    | {
        readonly header: Readonly<Record<string, unknown>>;
        readonly claims: Readonly<Record<string, unknown>>;
        readonly expiry?: {
          readonly exp: number;
          readonly at?: string | undefined;
          readonly relative: string;
        };
        readonly signature: { readonly form: SignatureForm; readonly bytes: number };
      }
    | undefined;
  readonly key: KeyFacts;
  readonly channel?: ChannelFacts | undefined;
  /** The access policies this service applies to the channel's tokens (absent: none, or none configured). */
  readonly policies?: readonly AppliedPolicy[] | undefined;
}

export interface TokenInspector {
  /** Never throws for bad input (it gets findings); DEPENDENCY_UNAVAILABLE when the key store cannot be read. */
  inspect(request: TokenInspectionRequest): Promise<TokenInspection>;
}

export interface TokenInspectorDeps {
  readonly store: Pick<KeyStore, 'listHistory'>;
  readonly keys: Pick<KeyCache, 'status'>;
  readonly coverage: RegionCoverage;
  /** The regions whose channels this service signs for; undefined = any (local mode without IVS_REGIONS). */
  readonly servedRegions: readonly string[] | undefined;
  readonly channels: ChannelDirectory;
  readonly verifier: SignatureVerifier;
  readonly drainPolicy: DrainPolicy;
  readonly clock: Clock;
  /** How long the key history read from the store is reused (it changes only at a rotation). */
  readonly historySeconds: number;
  /** POLICIES_FILE and IVS restriction policies, as the issuer applies them (absent: none configured). */
  readonly access?: AccessPolicies | undefined;
  /** TOKEN_DEFAULT_TTL_SECONDS and TOKEN_MAX_TTL_SECONDS, as the issuer applies them. */
  readonly tokenPolicy?: TokenPolicy | undefined;
}

/** Which key states are tried first: the likely signer of a live token. */
const STATE_ORDER: Readonly<Record<KeyState, number>> = { current: 0, previous: 1, pending: 2, retired: 3 };

/**
 * "Why won't it play?": the token's own findings (domain/token-inspection.ts), plus what only this
 * service knows — which of its keys signed the token and in what state that key is, whether IVS
 * holds it in the channel's region now, and the channel itself.
 */
export function createTokenInspector(deps: TokenInspectorDeps): TokenInspector {
  const history = cachedHistory(deps);

  async function inspect(request: TokenInspectionRequest): Promise<TokenInspection> {
    const now = deps.clock();
    const reading = readToken(request, now);
    const findings: Finding[] = [...reading.findings];
    const channelArn = reading.channelArn;
    const channelParts = channelArn === undefined ? undefined : parseChannelArn(channelArn);

    const [key, channel, policies] = await Promise.all([
      identifyKey(reading.token, request.publicKeyPem, channelParts, findings),
      describeChannel(channelArn, reading.url?.base, findings),
      channelParts && channelArn !== undefined
        ? checkAccessPolicies(channelArn, reading.token, now, findings)
        : undefined,
    ]);
    const adjusted = channel?.status === 'public' ? forPublicChannel(findings) : findings;
    const ordered = bySeverity(adjusted);
    const verdict = verdictOf(ordered);
    return {
      verdict,
      summary: summaryOf(verdict, ordered),
      findings: ordered,
      inspectedAt: now,
      source: reading.source,
      url: reading.url
        ? { base: reading.url.base, channelArn: reading.url.channelArn, tokens: reading.url.tokens.length }
        : undefined,
      token: reading.token ? tokenFacts(reading.token, now) : undefined,
      key,
      channel,
      policies,
    };
  }

  /**
   * The access policies this service applies before signing a token for the channel, and whether
   * it would sign this one today. IVS does not apply them to private channels, so they never change
   * the verdict: they explain a refusal at issuance, or a token that came from elsewhere.
   */
  async function checkAccessPolicies(
    channelArn: string,
    token: DecodedToken | undefined,
    now: Date,
    findings: Finding[],
  ): Promise<readonly AppliedPolicy[] | undefined> {
    const { access, tokenPolicy } = deps;
    if (!access || !tokenPolicy) return undefined;
    let policies: Awaited<ReturnType<AccessPolicies['policiesFor']>>;
    try {
      policies = await access.policiesFor(channelArn, () => deps.channels.lookup(channelArn));
    } catch (error) {
      if (isServiceError(error)) return undefined; // IVS cannot tell now; the channel finding says why
      throw error;
    }
    if (policies.length === 0) return undefined;
    const applied = policies.map(({ source, name }) => ({ source, name }));
    const named = applied.map((policy) => `${policy.source} "${policy.name}"`).join(' and ');
    findings.push(
      finding(
        'ACCESS_POLICY',
        `This service issues tokens for this channel under ${named}. IVS does not apply access policies to private channels: the service checks them before signing.`,
      ),
    );
    const request = token && requestOf(channelArn, token.claims, now);
    if (!request) return applied;
    try {
      // The viewer's country is not in a token: country rules are not judged here.
      decideAccess(request, policies, {
        tokenPolicy,
        unknownCountry: 'allow',
        viewerCountry: () => ({ known: false, reason: 'not-given' }),
      });
    } catch (error) {
      if (!isServiceError(error)) throw error;
      findings.push(
        finding(
          'OUTSIDE_ACCESS_POLICY',
          `This service would not issue this token today (${error.code}: ${error.message}). It still plays if nothing else stops it, since IVS does not check access policies; it was signed before the policy changed, or by another signer.`,
        ),
      );
    }
    return applied;
  }

  async function identifyKey(
    token: DecodedToken | undefined,
    publicKeyPem: string | undefined,
    channel: ReturnType<typeof parseChannelArn>,
    findings: Finding[],
  ): Promise<KeyFacts> {
    const raw = token?.signature.raw;
    if (!token || !raw || token.header['alg'] !== 'ES384') return { status: 'not-checked', regions: [] };
    const input = Buffer.from(token.signingInput);
    const keys = [...(await history())].sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state]);
    const signer = keys.find((key) => deps.verifier.verifiesEs384(key.publicKeyPem, input, raw) === true);
    if (signer) return ourKey(signer, channel, findings);

    if (publicKeyPem !== undefined) {
      const verifies = deps.verifier.verifiesEs384(publicKeyPem, input, raw);
      if (verifies === undefined) {
        findings.push(
          finding(
            'PUBLIC_KEY_INVALID',
            'The publicKeyPem given is not an ECDSA P-384 public key in PEM (-----BEGIN PUBLIC KEY-----…; never send a private key), so the signature could not be checked with it.',
          ),
        );
        return { status: 'unknown', regions: [] };
      }
      if (!verifies) {
        findings.push(
          finding(
            'SIGNATURE_INVALID',
            'The signature does not verify under the public key given, nor under any key this service holds or has held: the token was altered after signing, or signed with another key.',
          ),
        );
        return { status: 'unknown', regions: [] };
      }
      findings.push(
        finding(
          'KEY_NOT_OURS',
          `The signature verifies under the public key given, which this service did not create, so it cannot tell whether IVS holds that key${channel ? ` in ${channel.region}` : ''}: check with aws ivs list-playback-key-pairs${channel ? ` --region ${channel.region}` : ''}.`,
        ),
      );
      return { status: 'supplied', regions: [] };
    }
    findings.push(
      finding(
        'KEY_UNKNOWN',
        'No key this service holds or has held verifies the signature: the token was signed by another signer (give its public key as publicKeyPem to check it), or altered after signing.',
      ),
    );
    return { status: 'unknown', regions: [] };
  }

  function ourKey(
    key: SigningKeyInfo,
    channel: ReturnType<typeof parseChannelArn>,
    findings: Finding[],
  ): KeyFacts {
    const now = deps.clock();
    const current = deps.keys.status();
    const holdsIn = (region: string | undefined): Coverage =>
      current.currentKeyId === key.keyId && current.currentKeyLoadedAt !== undefined
        ? deps.coverage.coverage(region, { keyId: key.keyId, loadedAt: current.currentKeyLoadedAt })
        : reportedCoverage(deps.coverage, region, key.keyId);
    const regions = deps.coverage.reports().map((report) => ({
      region: report.region,
      holds: holdsIn(report.region),
      checkedAt: report.listedAt,
    }));
    const drainEnd = key.state === 'previous' ? drainEndsAt(key, deps.drainPolicy) : undefined;
    const facts: KeyFacts = {
      status: 'ours',
      keyId: key.keyId,
      state: key.state,
      activatedAt: key.activatedAt,
      deactivatedAt: key.deactivatedAt,
      drainEndsAt: drainEnd,
      retiredAt: key.retiredAt,
      regions,
    };
    if (!channel) return facts;

    const { region, accountId } = channel;
    const served = deps.servedRegions;
    if (served !== undefined && !served.includes(region)) {
      findings.push(
        finding(
          'CHANNEL_REGION_NOT_SERVED',
          `The channel is in ${region}, where this service does not publish its keys (IVS_REGIONS: ${served.join(', ')}); IVS checks a token only with the key pairs of the channel's region. Add ${region} to IVS_REGIONS.`,
        ),
      );
      return facts;
    }
    const account = deps.coverage.accountId();
    if (account !== undefined && accountId !== account) {
      findings.push(
        finding(
          'CHANNEL_ACCOUNT_NOT_SERVED',
          `The channel belongs to AWS account ${accountId}, but this service's keys are imported into account ${account}; IVS checks a token only with the key pairs of the channel's account.`,
        ),
      );
      return facts;
    }
    const holds = holdsIn(served === undefined ? undefined : region);
    const retiredWhen = key.retiredAt ? ` on ${key.retiredAt.toISOString()}` : '';
    if (key.state === 'retired' && holds !== 'held') {
      findings.push(
        finding(
          'KEY_RETIRED',
          `Signed by key ${key.keyId}, retired${retiredWhen}: it was deleted from IVS, which refuses every token it signed. Get a new token (the service signs with ${current.currentKeyId ?? 'its current key'} now).`,
        ),
      );
      return facts;
    }
    if (key.state === 'previous') findings.push(previousKeyFinding(key, drainEnd, now, current.currentKeyId));
    if (key.state === 'pending') {
      findings.push(
        finding(
          'KEY_PENDING',
          `Signed by ${key.keyId}, a key still being rotated in (pending): it plays only where IVS already holds it. The service never signs with a pending key; who made this token?`,
        ),
      );
    }
    if (holds === 'missing') {
      findings.push(
        finding(
          'KEY_NOT_IN_REGION',
          `IVS in ${region} does not hold key ${key.keyId} now (last read ${regions.find((entry) => entry.region === (served === undefined ? undefined : region))?.checkedAt?.toISOString() ?? 'never'}), so it refuses the token. ${key.state === 'retired' ? '' : 'The janitor imports a current or draining key again within JANITOR_SECONDS; /readyz shows each region.'}`.trim(),
        ),
      );
    } else if (holds === 'unknown') {
      findings.push(
        finding(
          'KEY_REGION_UNCONFIRMED',
          `This service has not read yet which key pairs IVS holds in ${region}, so it cannot tell whether IVS holds key ${key.keyId} there; ask again within REGION_CHECK_SECONDS (/readyz shows each region).`,
        ),
      );
    }
    return facts;
  }

  async function describeChannel(
    channelArn: string | undefined,
    urlBase: string | undefined,
    findings: Finding[],
  ): Promise<ChannelFacts | undefined> {
    const parts = channelArn === undefined ? undefined : parseChannelArn(channelArn);
    if (channelArn === undefined || !parts) return undefined;
    const served = deps.servedRegions;
    const base = {
      arn: channelArn,
      region: parts.region,
      accountId: parts.accountId,
      regionServed: served === undefined ? undefined : served.includes(parts.region),
    };
    const channel = await deps.channels.lookup(channelArn);
    if (channel === undefined) {
      findings.push(
        finding(
          'CHANNEL_NOT_CHECKED',
          'Whether the channel exists and has playback authorization could not be checked (local mode without it in CHANNELS_FILE, or IVS unreachable); the token is judged as for a private channel.',
        ),
      );
      return { ...base, status: 'not-checked' };
    }
    if (channel === null) {
      findings.push(
        finding(
          'CHANNEL_NOT_FOUND',
          `IVS has no channel ${channelArn} in ${parts.region}: check the ARN (region, account, id), or whether the channel was deleted.`,
        ),
      );
      return { ...base, status: 'not-found' };
    }
    if (urlBase !== undefined && urlBase !== channel.playbackUrl) {
      findings.push(
        finding(
          'URL_NOT_CHANNEL_PLAYBACK_URL',
          `The URL is not the channel's playback URL (${channel.playbackUrl}): its host or path differs. Use the playback URL IVS gives for the channel.`,
        ),
      );
    }
    if (!channel.authorized) {
      findings.push(
        finding(
          'CHANNEL_NOT_PRIVATE',
          'The channel does not have playback authorization, so IVS plays every request to it, with or without a token: no token is needed. Turn authorization on (aws ivs update-channel --authorized) to make it private.',
        ),
      );
    }
    return { ...base, status: channel.authorized ? 'private' : 'public', playbackUrl: channel.playbackUrl };
  }

  return { inspect };
}

/** The previous key: its tokens play until it is deleted, which its drain end allows. */
function previousKeyFinding(
  key: SigningKeyInfo,
  drainEnd: Date | undefined,
  now: Date,
  currentKeyId: string | undefined,
): Finding {
  const next = `New tokens come from ${currentKeyId ?? 'the current key'}.`;
  if (!drainEnd) {
    return finding(
      'KEY_PREVIOUS',
      `Signed by the previous key ${key.keyId}, which IVS keeps until its drain period has passed; its tokens are refused after that. ${next}`,
    );
  }
  const when = `${relativeSeconds(drainEnd.getTime() / 1000, now.getTime() / 1000)} (${drainEnd.toISOString()})`;
  return finding(
    'KEY_PREVIOUS',
    drainEnd > now
      ? `Signed by the previous key ${key.keyId}: IVS keeps it until its drain ends ${when}; its tokens play until then and are refused after. ${next}`
      : `Signed by the previous key ${key.keyId}, whose drain ended ${when}: IVS still holds it, but the janitor (JANITOR_SECONDS) or the next rotation deletes it, and its tokens are refused from then on. ${next}`,
  );
}

/** Whether a region held `keyId` when it was last read; `unknown` before the first reading. */
function reportedCoverage(coverage: RegionCoverage, region: string | undefined, keyId: string): Coverage {
  const report = coverage.reports().find((candidate) => candidate.region === region);
  if (!report?.listedAt) return 'unknown';
  return report.keyIds.includes(keyId) ? 'held' : 'missing';
}

function tokenFacts(token: DecodedToken, now: Date): NonNullable<TokenInspection['token']> {
  const exp = token.claims['exp'];
  return {
    header: token.header,
    claims: token.claims,
    ...(typeof exp === 'number' && Number.isFinite(exp)
      ? { expiry: { exp, at: isoOf(exp * 1000), relative: relativeSeconds(exp, now.getTime() / 1000) } }
      : {}),
    signature: { form: token.signature.form, bytes: token.signature.bytes },
  };
}

/**
 * The store's key history, re-read at most every `historySeconds` (it changes only when a key does),
 * one read at a time: inspections must not cost a Secrets Manager call each.
 */
function cachedHistory(deps: TokenInspectorDeps): () => Promise<readonly SigningKeyInfo[]> {
  let cached:
    | { readonly at: number; readonly keys: readonly SigningKeyInfo[]; readonly currentKeyId?: string }
    | undefined;
  let reading: Promise<readonly SigningKeyInfo[]> | undefined;
  return async () => {
    const now = deps.clock().getTime();
    const currentKeyId = deps.keys.status().currentKeyId;
    // A rotation this replica has seen makes the cached history stale at once.
    if (cached && now - cached.at < deps.historySeconds * 1000 && cached.currentKeyId === currentKeyId) {
      return cached.keys;
    }
    reading ??= deps.store
      .listHistory()
      .then((keys) => {
        cached = { at: now, keys, ...(currentKeyId === undefined ? {} : { currentKeyId }) };
        return keys;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };
}

const RESOLUTIONS: ReadonlySet<string> = new Set(['SD', 'HD', 'FULL_HD']);

/**
 * The issuance request a token's claims stand for, as far as they tell: the TTL is what is left of
 * it (a lower bound of what it was issued with). Undefined when the claims are not IVS's.
 */
function requestOf(
  channelArn: string,
  claims: Readonly<Record<string, unknown>>,
  now: Date,
): PlaybackTokenRequest | undefined {
  const exp = claims['exp'];
  if (typeof exp !== 'number' || !Number.isInteger(exp)) return undefined;
  const origins = claims['aws:access-control-allow-origin'];
  const resolution = claims['aws:maximum-resolution'];
  const viewerId = claims['aws:viewer-id'];
  const remaining = exp - Math.floor(now.getTime() / 1000);
  return {
    channelArn,
    ...(typeof viewerId === 'string' ? { viewerId } : {}),
    ...(remaining > 0 ? { ttlSeconds: remaining } : {}),
    ...(typeof origins === 'string' && origins !== '*'
      ? { allowedOrigins: origins.split(',').map((origin) => origin.trim()) }
      : {}),
    ...(claims['aws:strict-origin-enforcement'] === true ? { strictOriginEnforcement: true } : {}),
    singleUse: typeof claims['aws:single-use-uuid'] === 'string',
    ...(typeof resolution === 'string' && RESOLUTIONS.has(resolution)
      ? { maximumResolution: resolution as MaximumResolution }
      : {}),
  };
}
