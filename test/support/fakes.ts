import type { RateLimiter } from '../../src/adapters/aws/rate-limiter.js';
import type { ApiKeyRecord } from '../../src/domain/api-keys.js';
import { ServiceError } from '../../src/domain/errors.js';
import type {
  ApiKeyStore,
  ChannelDirectory,
  ChannelInfo,
  CountryLookup,
  KeySet,
  KeyStore,
  Logger,
  PlaybackKeyRegistry,
  RegisteredKeyPair,
  RestrictionPolicy,
  RestrictionPolicyDirectory,
  RevocationOutcome,
  RotationLock,
  ViewerSessionRevocation,
  ViewerSessionRevoker,
} from '../../src/domain/ports.js';
import type { NewSigningKey, SigningKeyInfo, StoredSigningKey } from '../../src/domain/signing-key.js';
import { registerRecordingLogger } from './leak-scan.js';

type Faulty<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];

/**
 * Lets a test make the next call(s) of a method fail, before or after the call takes effect
 * (after = the effect happened but the caller saw an error: a crash between two steps).
 */
class FaultPlan<M extends string> {
  readonly #faults: { method: M; when: 'before' | 'after'; error: Error }[] = [];

  fail(method: M, options: { when?: 'before' | 'after'; error?: Error } = {}): void {
    this.#faults.push({
      method,
      when: options.when ?? 'before',
      error:
        options.error ??
        new ServiceError('DEPENDENCY_UNAVAILABLE', `${method} failed (injected)`, { retryAfterSeconds: 1 }),
    });
  }

  async run<T>(method: M, effect: () => Promise<T> | T): Promise<T> {
    const index = this.#faults.findIndex((fault) => fault.method === method);
    const fault = index >= 0 ? this.#faults.splice(index, 1)[0] : undefined;
    if (fault?.when === 'before') throw fault.error;
    const result = await effect();
    if (fault?.when === 'after') throw fault.error;
    return result;
  }
}

/** KeyStore in memory, with the same semantics as FileKeyStore (the contract suite checks both). */
export class InMemoryKeyStore implements KeyStore {
  readonly kind = 'memory';
  readonly faults = new FaultPlan<Faulty<KeyStore>>();
  readonly records: (SigningKeyInfo & { privateKey: StoredSigningKey['privateKey'] | undefined })[] = [];

  readKeys(): Promise<KeySet> {
    return this.faults.run('readKeys', () => {
      const find = (state: SigningKeyInfo['state']) => {
        const record = this.records.find((candidate) => candidate.state === state);
        if (!record) return undefined;
        if (!record.privateKey)
          throw new ServiceError('KEY_STORE_CORRUPT', `private key of ${record.keyId} missing`);
        return { ...record, privateKey: record.privateKey } as StoredSigningKey;
      };
      return { current: find('current'), previous: find('previous'), pending: find('pending') };
    });
  }

  stagePending(key: NewSigningKey): Promise<void> {
    return this.faults.run('stagePending', () => {
      const pending = this.records.find((record) => record.state === 'pending');
      if (pending?.keyId === key.keyId) return;
      if (pending) throw new ServiceError('ROTATION_IN_PROGRESS', `key ${pending.keyId} is already pending`);
      this.records.push({ ...key, state: 'pending' });
    });
  }

  promotePending(keyId: string, at: Date): Promise<void> {
    return this.faults.run('promotePending', () => {
      if (this.records.some((record) => record.keyId === keyId && record.state === 'current')) return;
      if (!this.records.some((record) => record.keyId === keyId && record.state === 'pending')) {
        throw new ServiceError('KEY_STORE_CORRUPT', `key ${keyId} is not pending`);
      }
      this.#replace((record) => {
        if (record.state === 'pending') return { ...record, state: 'current', activatedAt: at };
        if (record.state === 'current') return { ...record, state: 'previous', deactivatedAt: at };
        if (record.state === 'previous')
          return { ...record, state: 'retired', retiredAt: at, privateKey: undefined };
        return record;
      });
    });
  }

  settlePendingAsPrevious(keyId: string, at: Date): Promise<void> {
    return this.faults.run('settlePendingAsPrevious', () => {
      if (this.records.some((record) => record.keyId === keyId && record.state === 'previous')) return;
      if (!this.records.some((record) => record.keyId === keyId && record.state === 'pending')) {
        throw new ServiceError('KEY_STORE_CORRUPT', `key ${keyId} is not pending`);
      }
      const previous = this.records.find((record) => record.state === 'previous');
      if (previous) throw new ServiceError('KEY_STORE_CORRUPT', `${previous.keyId} is previous`);
      this.#replace((record) =>
        record.keyId === keyId ? { ...record, state: 'previous', deactivatedAt: at } : record,
      );
    });
  }

  retirePrevious(keyId: string, at: Date): Promise<void> {
    return this.faults.run('retirePrevious', () => {
      this.#replace((record) =>
        record.keyId === keyId && record.state === 'previous'
          ? { ...record, state: 'retired', retiredAt: at, privateKey: undefined }
          : record,
      );
    });
  }

  markDeactivated(keyId: string, at: Date): Promise<void> {
    return this.faults.run('markDeactivated', () => {
      this.#replace((record) =>
        record.keyId === keyId && !record.deactivatedAt ? { ...record, deactivatedAt: at } : record,
      );
    });
  }

  listHistory(): Promise<readonly SigningKeyInfo[]> {
    return this.faults.run('listHistory', () =>
      this.records.map(({ privateKey: _privateKey, ...info }) => info),
    );
  }

  #replace(map: (record: InMemoryKeyStore['records'][number]) => InMemoryKeyStore['records'][number]): void {
    this.records.splice(0, this.records.length, ...this.records.map(map));
  }
}

/** A registry in memory that behaves like IVS: 3 slots, foreign key pairs, faults. */
export class InMemoryPlaybackKeyRegistry implements PlaybackKeyRegistry {
  readonly kind = 'memory';
  readonly slotLimit = 3;
  /** Undefined: a registry for no region in particular (local mode without IVS_REGIONS). */
  readonly region: string | undefined;
  readonly faults = new FaultPlan<Faulty<PlaybackKeyRegistry>>();
  readonly pairs: (RegisteredKeyPair & { publicKeyPem: string })[] = [];
  #nextArn = 1;
  readonly #foreignFingerprints = new Map<string, string>();

  constructor(region?: string) {
    this.region = region;
  }

  /**
   * A key pair this service did not create (listed without a fingerprint, as IVS lists foreign
   * pairs); `publicKey` gives it a real key and `fingerprint` what `fingerprintOf` reports for it.
   */
  addForeign(name: string, publicKey?: { publicKeyPem: string; fingerprint: string }): RegisteredKeyPair {
    const pair = {
      arn: this.#arn(),
      name,
      keyId: undefined,
      fingerprint: undefined,
      publicKeyPem: publicKey?.publicKeyPem ?? 'foreign',
    };
    this.pairs.push(pair);
    if (publicKey) this.#foreignFingerprints.set(pair.arn, publicKey.fingerprint);
    return pair;
  }

  fingerprintOf(pair: RegisteredKeyPair): Promise<string | undefined> {
    return this.faults.run('fingerprintOf', () =>
      pair.arn === undefined ? undefined : this.#foreignFingerprints.get(pair.arn),
    );
  }

  claimKeyPair(pair: RegisteredKeyPair, keyId: string): Promise<RegisteredKeyPair> {
    return this.faults.run('claimKeyPair', () => {
      const index = this.pairs.findIndex((candidate) => candidate.arn === pair.arn);
      const found = this.pairs[index];
      if (!found) throw new ServiceError('DEPENDENCY_UNAVAILABLE', `no key pair ${pair.arn}`);
      if (found.keyId !== undefined && found.keyId !== keyId) {
        throw new ServiceError('INTERNAL', `${pair.arn} is already ours as ${found.keyId}`);
      }
      const claimed = { ...found, keyId };
      this.pairs.splice(index, 1, claimed);
      return claimed;
    });
  }

  list(): Promise<readonly RegisteredKeyPair[]> {
    return this.faults.run('list', () => this.pairs.map(({ publicKeyPem: _pem, ...pair }) => pair));
  }

  importKey(key: { keyId: string; publicKeyPem: string }): Promise<RegisteredKeyPair> {
    return this.faults.run('importKey', () => {
      const existing = this.pairs.find((pair) => pair.keyId === key.keyId);
      if (existing) return existing;
      if (this.pairs.length >= this.slotLimit) {
        throw new ServiceError('NO_FREE_KEY_SLOT', 'quota exceeded (in-memory registry)');
      }
      const pair = {
        arn: this.#arn(),
        name: key.keyId,
        keyId: key.keyId,
        fingerprint: undefined,
        publicKeyPem: key.publicKeyPem,
      };
      this.pairs.push(pair);
      return pair;
    });
  }

  deleteKeyPair(pair: RegisteredKeyPair): Promise<void> {
    return this.faults.run('deleteKeyPair', () => {
      if (pair.keyId === undefined) throw new Error(`refusing to delete foreign key pair ${pair.name}`);
      const index = this.pairs.findIndex((candidate) => candidate.arn === pair.arn);
      if (index >= 0) this.pairs.splice(index, 1);
    });
  }

  isPublished(keyId: string): boolean {
    return this.pairs.some((pair) => pair.keyId === keyId);
  }

  #arn(): string {
    return `arn:aws:ivs:${this.region ?? 'us-west-2'}:123456789012:playback-key/memory${this.#nextArn++}`;
  }
}

export class InMemoryRotationLock implements RotationLock {
  holder: string | undefined;

  async tryAcquire(owner: string): Promise<(() => Promise<void>) | undefined> {
    if (this.holder !== undefined) return undefined;
    this.holder = owner;
    return async () => {
      if (this.holder === owner) this.holder = undefined;
    };
  }
}

export class InMemoryApiKeyStore implements ApiKeyStore {
  readonly records: ApiKeyRecord[] = [];

  async list(): Promise<readonly ApiKeyRecord[]> {
    return [...this.records];
  }

  async add(record: ApiKeyRecord): Promise<void> {
    this.records.push(record);
  }

  async remove(id: string): Promise<boolean> {
    const index = this.records.findIndex((record) => record.id === id);
    if (index < 0) return false;
    this.records.splice(index, 1);
    return true;
  }
}

export class MapChannelDirectory implements ChannelDirectory {
  /** Channel ARN → the ARN of its IVS playback restriction policy (channels with a URL only). */
  readonly restrictionPolicyArns = new Map<string, string>();

  constructor(readonly urls: Map<string, string> = new Map()) {}

  async lookup(channelArn: string): Promise<ChannelInfo | undefined> {
    const playbackUrl = this.urls.get(channelArn);
    const restrictionPolicyArn = this.restrictionPolicyArns.get(channelArn);
    return playbackUrl === undefined
      ? undefined
      : {
          arn: channelArn,
          playbackUrl,
          authorized: true,
          ...(restrictionPolicyArn === undefined ? {} : { restrictionPolicyArn }),
        };
  }
}

/** IVS playback restriction policies by ARN; `unavailable` makes every lookup answer "cannot tell". */
export class MapRestrictionPolicyDirectory implements RestrictionPolicyDirectory {
  readonly policies = new Map<string, RestrictionPolicy>();
  unavailable = false;
  lookups = 0;

  async lookup(policyArn: string): Promise<RestrictionPolicy | null | undefined> {
    this.lookups += 1;
    if (this.unavailable) return undefined;
    return this.policies.get(policyArn) ?? null;
  }
}

/** A country database from a map of addresses to countries; counts its lookups. */
export class MapCountryLookup implements CountryLookup {
  readonly description = 'test countries';
  readonly asked: string[] = [];

  constructor(readonly countries: ReadonlyMap<string, string> = new Map()) {}

  countryOf(address: string): string | undefined {
    this.asked.push(address);
    return this.countries.get(address);
  }
}

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: Record<string, unknown>;
  readonly message: string;
}

/** A Logger that keeps every entry, so tests can assert on what was (and was not) logged. */
export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];

  constructor() {
    registerRecordingLogger(this);
  }

  debug(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'debug', fields, message });
  }
  info(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'info', fields, message });
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'warn', fields, message });
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.entries.push({ level: 'error', fields, message });
  }

  /** Everything logged, as one string (JSON of each entry). */
  text(): string {
    return this.entries
      .map((entry) =>
        JSON.stringify(entry, (_key, value) =>
          value instanceof Error ? { message: value.message, stack: value.stack } : value,
        ),
      )
      .join('\n');
  }
}

/** A clock a test moves by hand. */
export class ManualClock {
  #now: number;

  constructor(start = '2026-01-01T00:00:00.000Z') {
    this.#now = Date.parse(start);
  }

  readonly now = (): Date => new Date(this.#now);

  advance(seconds: number): void {
    this.#now += seconds * 1000;
  }
}

/** Lets every call through at once and counts them, so tests that are not about pacing stay fast. */
export class CountingLimiter implements RateLimiter {
  taken = 0;
  async take(): Promise<void> {
    this.taken += 1;
  }
}

/** Records revocations; viewer ids listed in `refuse` fail per item, as IVS reports them. */
export class RecordingViewerSessionRevoker implements ViewerSessionRevoker {
  readonly calls: (readonly ViewerSessionRevocation[])[] = [];

  constructor(readonly refuse: ReadonlySet<string> = new Set()) {}

  async revoke(sessions: readonly ViewerSessionRevocation[]): Promise<readonly RevocationOutcome[]> {
    this.calls.push(sessions);
    return sessions.map((session) =>
      this.refuse.has(session.viewerId)
        ? { ok: false, code: 'ResourceNotFoundException', message: `IVS refused ${session.viewerId}` }
        : { ok: true },
    );
  }
}
