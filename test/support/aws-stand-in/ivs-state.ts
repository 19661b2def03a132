import { ivsError } from './error-catalog.js';
import { randomAlphanumeric, randomHex } from './ids.js';
import { generateP384KeyPair, parsePlaybackPublicKey, playbackKeyFingerprint } from './playback-keys.js';
import { requireRegionName } from './regions.js';

/** IVS allows at most this many playback key pairs per account and region (not adjustable). */
export const playbackKeyPairQuota = 3;

export interface PlaybackKeyPairRecord {
  readonly arn: string;
  readonly name: string;
  /** See `playbackKeyFingerprint`: hex SHA-256 of the SPKI DER, the stand-in's own format. */
  readonly fingerprint: string;
  /** The PEM exactly as imported. */
  readonly publicKeyMaterial: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly importedAt: Date;
}

export type ChannelLatencyMode = 'LOW' | 'NORMAL';
export type ChannelType = 'BASIC' | 'STANDARD' | 'ADVANCED_SD' | 'ADVANCED_HD';

export interface ChannelRecord {
  readonly arn: string;
  readonly name: string;
  /** Playback authorization enabled: viewers need a token signed by an imported key. */
  readonly authorized: boolean;
  readonly latencyMode: ChannelLatencyMode;
  readonly type: ChannelType;
  readonly playbackUrl: string;
  readonly ingestEndpoint: string;
  readonly insecureIngest: boolean;
  /** The attached playback restriction policy's ARN; '' when none, as IVS answers. */
  readonly playbackRestrictionPolicyArn: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** A playback restriction policy: for public channels IVS enforces it itself; private ones ignore it. */
export interface RestrictionPolicyRecord {
  readonly arn: string;
  readonly name: string;
  /** ISO 3166-1 alpha-2 codes; empty = every country. */
  readonly allowedCountries: readonly string[];
  /** Origins; empty = every origin. */
  readonly allowedOrigins: readonly string[];
  readonly enableStrictOriginEnforcement: boolean;
  readonly tags: Readonly<Record<string, string>>;
}

export interface RestrictionPolicyInit {
  readonly name?: string;
  readonly allowedCountries?: readonly string[];
  readonly allowedOrigins?: readonly string[];
  readonly enableStrictOriginEnforcement?: boolean;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface ChannelInit {
  readonly authorized: boolean;
  /**
   * The whole channel ARN, when a test or a person needs a known one. It must name this region
   * and the stand-in's account (IVS makes a channel in the account and region that create it).
   */
  readonly arn?: string;
  readonly name?: string;
  readonly latencyMode?: ChannelLatencyMode;
  readonly type?: ChannelType;
  readonly tags?: Readonly<Record<string, string>>;
  /** The 12-character resource id in the ARN; random when absent (ignored with `arn`). */
  readonly id?: string;
  /** A playback restriction policy of this region to attach. */
  readonly playbackRestrictionPolicyArn?: string;
}

export interface ForeignKeyPairInit {
  /** A P-384 "BEGIN PUBLIC KEY" PEM; a fresh key is generated when absent. */
  readonly publicKeyMaterial?: string;
  readonly name?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface RevocationRecord {
  readonly channelArn: string;
  readonly viewerId: string;
  /** 0 when the request left it out, as IVS defaults it. */
  readonly viewerSessionVersionsLessThanOrEqualTo: number;
  readonly operation: 'StartViewerSessionRevocation' | 'BatchStartViewerSessionRevocation';
  readonly at: Date;
}

/**
 * What a test can inspect and seed of the stand-in's IVS account in one region. Every read returns
 * a copy. IVS is regional: key pairs, channels and revocations here are invisible to requests
 * signed for any other region, and the key-pair quota counts this region's key pairs only.
 */
export interface IvsState {
  /** The region this view belongs to; every ARN it makes names it. */
  readonly region: string;
  /** Key pairs this region may hold (3, as IVS allows per account and region). */
  readonly keyPairQuota: number;
  /** Imported key pairs, oldest first. */
  readonly keyPairs: readonly PlaybackKeyPairRecord[];
  readonly channels: readonly ChannelRecord[];
  /** Every revocation accepted, in arrival order (batch items one by one). */
  readonly revocations: readonly RevocationRecord[];
  /** Playback restriction policies, oldest first. */
  readonly restrictionPolicies: readonly RestrictionPolicyRecord[];
  keyPair(arn: string): PlaybackKeyPairRecord | undefined;
  restrictionPolicy(arn: string): RestrictionPolicyRecord | undefined;
  /** Creates a policy as CreatePlaybackRestrictionPolicy does (countries and origins checked the same way). */
  addRestrictionPolicy(init: RestrictionPolicyInit): RestrictionPolicyRecord;
  /** Changes a policy as UpdatePlaybackRestrictionPolicy would (members given are replaced). */
  updateRestrictionPolicy(arn: string, changes: Omit<RestrictionPolicyInit, 'tags'>): RestrictionPolicyRecord;
  /** Attaches a policy to a channel (UpdateChannel's playbackRestrictionPolicyArn); '' detaches. */
  setChannelRestrictionPolicy(channelArn: string, policyArn: string): ChannelRecord;
  channel(arn: string): ChannelRecord | undefined;
  /** Creates a channel (IVS channels are made elsewhere; the service only reads them). */
  addChannel(init: ChannelInit): ChannelRecord;
  /**
   * Imports a key pair that the service under test did not create; it occupies a quota slot.
   * Throws (ServiceQuotaExceededException, ConflictException) like ImportPlaybackKeyPair would.
   */
  addForeignKeyPair(init?: ForeignKeyPairInit): PlaybackKeyPairRecord;
  /** Deletes a key pair as a person would in the console; throws ResourceNotFoundException for an unknown ARN. */
  deleteKeyPair(arn: string): void;
}

interface StoredKeyPair {
  record: PlaybackKeyPairRecord;
  /** Import order, so list pagination survives deletions between pages. */
  sequence: number;
}

/** The stand-in's IVS account in one region: key pairs, channels, revocations and tags. */
export class IvsStore implements IvsState {
  readonly region: string;
  readonly keyPairQuota = playbackKeyPairQuota;
  private readonly storedKeyPairs = new Map<string, StoredKeyPair>();
  private readonly storedChannels = new Map<string, ChannelRecord>();
  private readonly revocationLog: RevocationRecord[] = [];
  private readonly storedPolicies = new Map<string, RestrictionPolicyRecord>();
  private nextSequence = 1;

  constructor(
    region: string,
    private readonly accountId: string,
    private readonly clock: () => Date,
  ) {
    this.region = requireRegionName(region);
  }

  get keyPairs(): readonly PlaybackKeyPairRecord[] {
    return [...this.storedKeyPairs.values()].map(({ record }) => copyKeyPair(record));
  }

  get channels(): readonly ChannelRecord[] {
    return [...this.storedChannels.values()].map(copyChannel);
  }

  get revocations(): readonly RevocationRecord[] {
    return this.revocationLog.map((revocation) => ({ ...revocation, at: new Date(revocation.at) }));
  }

  get restrictionPolicies(): readonly RestrictionPolicyRecord[] {
    return [...this.storedPolicies.values()].map(copyPolicy);
  }

  restrictionPolicy(arn: string): RestrictionPolicyRecord | undefined {
    const stored = this.storedPolicies.get(arn);
    return stored && copyPolicy(stored);
  }

  addRestrictionPolicy(init: RestrictionPolicyInit): RestrictionPolicyRecord {
    const arn = `arn:aws:ivs:${this.region}:${this.accountId}:playback-restriction-policy/${randomAlphanumeric(12)}`;
    const policy: RestrictionPolicyRecord = {
      arn,
      name: init.name ?? '',
      allowedCountries: checkedCountries(init.allowedCountries ?? []),
      allowedOrigins: [...(init.allowedOrigins ?? [])],
      enableStrictOriginEnforcement: init.enableStrictOriginEnforcement ?? false,
      tags: { ...init.tags },
    };
    this.storedPolicies.set(arn, policy);
    return copyPolicy(policy);
  }

  updateRestrictionPolicy(
    arn: string,
    changes: Omit<RestrictionPolicyInit, 'tags'>,
  ): RestrictionPolicyRecord {
    const stored = this.requireRestrictionPolicy(arn);
    const updated: RestrictionPolicyRecord = {
      ...stored,
      ...(changes.name === undefined ? {} : { name: changes.name }),
      ...(changes.allowedCountries === undefined
        ? {}
        : { allowedCountries: checkedCountries(changes.allowedCountries) }),
      ...(changes.allowedOrigins === undefined ? {} : { allowedOrigins: [...changes.allowedOrigins] }),
      ...(changes.enableStrictOriginEnforcement === undefined
        ? {}
        : { enableStrictOriginEnforcement: changes.enableStrictOriginEnforcement }),
    };
    this.storedPolicies.set(arn, updated);
    return copyPolicy(updated);
  }

  requireRestrictionPolicy(arn: string): RestrictionPolicyRecord {
    const stored = this.storedPolicies.get(arn);
    if (!stored) throw ivsError('ResourceNotFoundException', `Playback restriction policy ${arn} not found`);
    return copyPolicy(stored);
  }

  /** Policies after position `after` (0-based count already returned), with the position to resume from. */
  restrictionPolicyPage(
    after: number,
    limit: number,
  ): { items: RestrictionPolicyRecord[]; resumeAfter?: number } {
    const all = [...this.storedPolicies.values()];
    const items = all.slice(after, after + limit).map(copyPolicy);
    return after + limit < all.length ? { items, resumeAfter: after + limit } : { items };
  }

  setChannelRestrictionPolicy(channelArn: string, policyArn: string): ChannelRecord {
    const channel = this.requireChannel(channelArn);
    if (policyArn !== '') this.requireRestrictionPolicy(policyArn);
    const updated = { ...channel, playbackRestrictionPolicyArn: policyArn };
    this.storedChannels.set(channelArn, updated);
    return copyChannel(updated);
  }

  keyPair(arn: string): PlaybackKeyPairRecord | undefined {
    const stored = this.storedKeyPairs.get(arn);
    return stored && copyKeyPair(stored.record);
  }

  channel(arn: string): ChannelRecord | undefined {
    const stored = this.storedChannels.get(arn);
    return stored && copyChannel(stored);
  }

  addChannel(init: ChannelInit): ChannelRecord {
    const id = init.arn === undefined ? (init.id ?? randomAlphanumeric(12)) : this.channelIdOf(init.arn);
    const arn = `arn:aws:ivs:${this.region}:${this.accountId}:channel/${id}`;
    if (this.storedChannels.has(arn)) throw new TypeError(`channel ${arn} already exists`);
    const channel: ChannelRecord = {
      arn,
      name: init.name ?? '',
      authorized: init.authorized,
      latencyMode: init.latencyMode ?? 'LOW',
      type: init.type ?? 'STANDARD',
      playbackUrl: `https://${randomHex(12)}.${this.region}.playback.live-video.net/api/video/v1/${this.region}.${this.accountId}.channel.${id}.m3u8`,
      ingestEndpoint: `${randomHex(12)}.global-contribute.live-video.net`,
      insecureIngest: false,
      playbackRestrictionPolicyArn: '',
      tags: { ...init.tags },
    };
    if (init.playbackRestrictionPolicyArn !== undefined) {
      this.requireRestrictionPolicy(init.playbackRestrictionPolicyArn);
      Object.assign(channel, { playbackRestrictionPolicyArn: init.playbackRestrictionPolicyArn });
    }
    this.storedChannels.set(arn, channel);
    return copyChannel(channel);
  }

  addForeignKeyPair(init: ForeignKeyPairInit = {}): PlaybackKeyPairRecord {
    const pem = init.publicKeyMaterial ?? generateP384KeyPair().publicKeyPem;
    return this.importKeyPair(pem, init.name ?? '', init.tags ?? {});
  }

  /** ImportPlaybackKeyPair's semantics: key check, duplicate check, then the quota. */
  importKeyPair(
    publicKeyMaterial: string,
    name: string,
    tags: Readonly<Record<string, string>>,
  ): PlaybackKeyPairRecord {
    const parsed = parsePlaybackPublicKey(publicKeyMaterial);
    if (!parsed.ok) throw ivsError('ValidationException', parsed.reason);
    const fingerprint = playbackKeyFingerprint(publicKeyMaterial);
    // A duplicate is reported as a conflict even when the quota is also full: it is the more
    // specific problem, and the caller's retry after an import whose reply was lost lands here.
    const duplicate = [...this.storedKeyPairs.values()].find(
      ({ record }) => record.fingerprint === fingerprint,
    );
    if (duplicate) {
      throw ivsError('ConflictException', `This public key is already imported as ${duplicate.record.arn}`);
    }
    if (this.storedKeyPairs.size >= this.keyPairQuota) {
      throw ivsError(
        'ServiceQuotaExceededException',
        `Playback key pairs per account per region quota of ${this.keyPairQuota} exceeded`,
      );
    }
    const arn = `arn:aws:ivs:${this.region}:${this.accountId}:playback-key/${randomAlphanumeric(12)}`;
    const record: PlaybackKeyPairRecord = {
      arn,
      name,
      fingerprint,
      publicKeyMaterial,
      tags: { ...tags },
      importedAt: this.clock(),
    };
    this.storedKeyPairs.set(arn, { record, sequence: this.nextSequence++ });
    return copyKeyPair(record);
  }

  deleteKeyPair(arn: string): void {
    if (!this.storedKeyPairs.delete(arn))
      throw ivsError('ResourceNotFoundException', `Playback key pair ${arn} not found`);
  }

  /** Key pairs imported after `afterSequence`, oldest first, with the sequence to resume from. */
  keyPairPage(
    afterSequence: number,
    limit: number,
  ): { items: PlaybackKeyPairRecord[]; resumeAfter?: number } {
    const remaining = [...this.storedKeyPairs.values()].filter(({ sequence }) => sequence > afterSequence);
    const page = remaining.slice(0, limit);
    const last = page.at(-1);
    const items = page.map(({ record }) => copyKeyPair(record));
    return remaining.length > limit && last ? { items, resumeAfter: last.sequence } : { items };
  }

  requireChannel(arn: string): ChannelRecord {
    const channel = this.storedChannels.get(arn);
    if (!channel) throw ivsError('ResourceNotFoundException', `Channel ${arn} not found`);
    return copyChannel(channel);
  }

  recordRevocation(revocation: Omit<RevocationRecord, 'at'>): void {
    this.revocationLog.push({ ...revocation, at: this.clock() });
  }

  tagsOf(resourceArn: string): Record<string, string> {
    return { ...this.taggable(resourceArn).tags };
  }

  /** Merges tags; a resource keeps at most 50, as the Tags map allows. */
  tag(resourceArn: string, tags: Readonly<Record<string, string>>): void {
    const merged = { ...this.taggable(resourceArn).tags, ...tags };
    if (Object.keys(merged).length > 50) {
      throw ivsError('ValidationException', `Resource ${resourceArn} would have more than 50 tags`);
    }
    this.replaceTags(resourceArn, merged);
  }

  untag(resourceArn: string, tagKeys: readonly string[]): void {
    const remaining = { ...this.taggable(resourceArn).tags };
    for (const key of tagKeys) delete remaining[key];
    this.replaceTags(resourceArn, remaining);
  }

  /** The resource id of a channel ARN that belongs here; a TypeError saying what is wrong otherwise. */
  private channelIdOf(arn: string): string {
    const match = /^arn:aws:ivs:([a-z0-9-]+):(\d{12}):channel\/([a-zA-Z0-9]{12})$/.exec(arn);
    if (!match) {
      throw new TypeError(
        `not an IVS channel ARN (arn:aws:ivs:<region>:<12-digit account>:channel/<12 letters or digits>): ${arn}`,
      );
    }
    const [, region, accountId, id = ''] = match;
    if (region !== this.region) throw new TypeError(`channel ${arn} is in ${region}, not ${this.region}`);
    if (accountId !== this.accountId) {
      throw new TypeError(
        `channel ${arn} is in account ${accountId}; the stand-in models account ${this.accountId} only`,
      );
    }
    return id;
  }

  reset(): void {
    this.storedKeyPairs.clear();
    this.storedChannels.clear();
    this.revocationLog.length = 0;
    this.storedPolicies.clear();
    this.nextSequence = 1;
  }

  private taggable(resourceArn: string): { tags: Readonly<Record<string, string>> } {
    const resource =
      this.storedKeyPairs.get(resourceArn)?.record ??
      this.storedChannels.get(resourceArn) ??
      this.storedPolicies.get(resourceArn);
    if (!resource) throw ivsError('ResourceNotFoundException', `Resource ${resourceArn} not found`);
    return resource;
  }

  private replaceTags(resourceArn: string, tags: Record<string, string>): void {
    const keyPair = this.storedKeyPairs.get(resourceArn);
    if (keyPair) {
      keyPair.record = { ...keyPair.record, tags };
      return;
    }
    const channel = this.storedChannels.get(resourceArn);
    if (channel) this.storedChannels.set(resourceArn, { ...channel, tags });
    const policy = this.storedPolicies.get(resourceArn);
    if (policy) this.storedPolicies.set(resourceArn, { ...policy, tags });
  }
}

function copyKeyPair(record: PlaybackKeyPairRecord): PlaybackKeyPairRecord {
  return { ...record, tags: { ...record.tags }, importedAt: new Date(record.importedAt) };
}

function copyChannel(record: ChannelRecord): ChannelRecord {
  return { ...record, tags: { ...record.tags } };
}

function copyPolicy(record: RestrictionPolicyRecord): RestrictionPolicyRecord {
  return {
    ...record,
    allowedCountries: [...record.allowedCountries],
    allowedOrigins: [...record.allowedOrigins],
    tags: { ...record.tags },
  };
}

/**
 * IVS takes officially assigned ISO 3166-1 alpha-2 codes; the model checks only the length, so the
 * stand-in checks the form (two capital letters) and refuses anything else as IVS would.
 */
function checkedCountries(codes: readonly string[]): string[] {
  const bad = codes.filter((code) => !/^[A-Z]{2}$/.test(code));
  if (bad.length > 0) {
    throw ivsError(
      'ValidationException',
      `allowedCountries must hold ISO 3166-1 alpha-2 codes; not a code: ${bad.join(', ')}`,
    );
  }
  return [...codes];
}
