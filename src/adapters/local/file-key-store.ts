import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ServiceError } from '../../domain/errors.js';
import type { KeySet, KeyStore } from '../../domain/ports.js';
import {
  type AdoptionRole,
  KEY_ID_PATTERN,
  type KeyState,
  type NewSigningKey,
  PrivateKeyPem,
  type SigningKeyInfo,
  type StoredSigningKey,
} from '../../domain/signing-key.js';
import { readFileIfExists, readJsonDocument, writeFileAtomic } from './atomic-file.js';
import { shapeCheck, versionedList } from './json-shape.js';

/**
 * Local-mode key custody in a folder (`KEYS_DIR`, default `./keys`):
 *
 * - `<keyId>.private.pem` — PKCS#8 PEM, mode 0600, deleted when the key is retired;
 * - `<keyId>.public.pem` — SPKI PEM, what `aws ivs import-playback-key-pair` takes;
 * - `signing-keys.json` — every key's state and timestamps (no secrets).
 *
 * Every file is written atomically, and a private key is on disk before any record names it.
 */
export class FileKeyStore implements KeyStore {
  readonly kind = 'file';
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  privateKeyPath(keyId: string): string {
    return join(this.#dir, `${keyId}.private.pem`);
  }

  publicKeyPath(keyId: string): string {
    return join(this.#dir, `${keyId}.public.pem`);
  }

  get #indexPath(): string {
    return join(this.#dir, 'signing-keys.json');
  }

  async readKeys(): Promise<KeySet> {
    const records = await this.#readIndex();
    const withState = async (state: KeyState) => {
      const record = records.find((candidate) => candidate.state === state);
      return record ? this.#withPrivateKey(record) : undefined;
    };
    const [current, previous, pending] = await Promise.all([
      withState('current'),
      withState('previous'),
      withState('pending'),
    ]);
    return { current, previous, pending };
  }

  async stagePending(key: NewSigningKey): Promise<void> {
    const records = await this.#readIndex();
    const pending = records.find((record) => record.state === 'pending');
    if (pending?.keyId === key.keyId) return;
    if (pending) {
      throw new ServiceError('ROTATION_IN_PROGRESS', `key ${pending.keyId} is already pending`);
    }
    // docs/key-lifecycle.md, invariant 1: the private key is durable before anything refers to it.
    await writeFileAtomic(this.privateKeyPath(key.keyId), key.privateKey.reveal(), 0o600);
    await writeFileAtomic(this.publicKeyPath(key.keyId), key.publicKeyPem, 0o644);
    const record: SigningKeyInfo = {
      keyId: key.keyId,
      state: 'pending',
      fingerprint: key.fingerprint,
      publicKeyPem: key.publicKeyPem,
      createdAt: key.createdAt,
      ...(key.adoptedAt ? { adoptedAt: key.adoptedAt, adoptedAs: key.adoptedAs } : {}),
    };
    await this.#writeIndex([...records, record]);
  }

  async promotePending(keyId: string, at: Date): Promise<void> {
    const records = await this.#readIndex();
    if (records.some((record) => record.keyId === keyId && record.state === 'current')) return;
    if (!records.some((record) => record.keyId === keyId && record.state === 'pending')) {
      throw new ServiceError('KEY_STORE_CORRUPT', `key ${keyId} is not pending, so it cannot be promoted`);
    }
    const retired: string[] = [];
    const next = records.map((record): SigningKeyInfo => {
      switch (record.state) {
        case 'pending':
          return { ...record, state: 'current', activatedAt: at };
        case 'current':
          return { ...record, state: 'previous', deactivatedAt: at };
        case 'previous':
          retired.push(record.keyId);
          return { ...record, state: 'retired', retiredAt: at };
        default:
          return record;
      }
    });
    await this.#writeIndex(next);
    await Promise.all(retired.map((id) => rm(this.privateKeyPath(id), { force: true })));
  }

  async settlePendingAsPrevious(keyId: string, at: Date): Promise<void> {
    const records = await this.#readIndex();
    if (records.some((record) => record.keyId === keyId && record.state === 'previous')) return;
    if (!records.some((record) => record.keyId === keyId && record.state === 'pending')) {
      throw new ServiceError(
        'KEY_STORE_CORRUPT',
        `key ${keyId} is not pending, so it cannot become previous`,
      );
    }
    const previous = records.find((record) => record.state === 'previous');
    if (previous) {
      throw new ServiceError(
        'KEY_STORE_CORRUPT',
        `key ${keyId} cannot become previous: ${previous.keyId} is previous in ${this.#dir}`,
      );
    }
    await this.#writeIndex(
      records.map((record) =>
        record.keyId === keyId ? { ...record, state: 'previous' as const, deactivatedAt: at } : record,
      ),
    );
  }

  async retirePrevious(keyId: string, at: Date): Promise<void> {
    const records = await this.#readIndex();
    if (!records.some((record) => record.keyId === keyId && record.state === 'previous')) return;
    await this.#writeIndex(
      records.map((record) =>
        record.keyId === keyId ? { ...record, state: 'retired' as const, retiredAt: at } : record,
      ),
    );
    // A retired key never signs again; its private half has no reason to exist.
    await rm(this.privateKeyPath(keyId), { force: true });
  }

  async markDeactivated(keyId: string, at: Date): Promise<void> {
    const records = await this.#readIndex();
    if (!records.some((record) => record.keyId === keyId && !record.deactivatedAt)) return;
    await this.#writeIndex(
      records.map((record) =>
        record.keyId === keyId && !record.deactivatedAt ? { ...record, deactivatedAt: at } : record,
      ),
    );
  }

  async listHistory(): Promise<readonly SigningKeyInfo[]> {
    return this.#readIndex();
  }

  async #withPrivateKey(record: SigningKeyInfo): Promise<StoredSigningKey> {
    const pem = await readFileIfExists(this.privateKeyPath(record.keyId));
    if (pem === undefined) {
      throw new ServiceError(
        'KEY_STORE_CORRUPT',
        `the private key of ${record.state} key ${record.keyId} is missing from ${this.#dir}`,
      );
    }
    return { ...record, privateKey: new PrivateKeyPem(pem) };
  }

  async #readIndex(): Promise<SigningKeyInfo[]> {
    return (await readJsonDocument(this.#indexPath, 'key index', parseIndex)) ?? [];
  }

  async #writeIndex(records: readonly SigningKeyInfo[]): Promise<void> {
    const document = {
      version: 1,
      keys: records.map((record) => ({
        keyId: record.keyId,
        state: record.state,
        fingerprint: record.fingerprint,
        createdAt: record.createdAt.toISOString(),
        activatedAt: record.activatedAt?.toISOString(),
        deactivatedAt: record.deactivatedAt?.toISOString(),
        retiredAt: record.retiredAt?.toISOString(),
        adoptedAt: record.adoptedAt?.toISOString(),
        adoptedAs: record.adoptedAs,
        publicKeyPem: record.publicKeyPem,
      })),
    };
    await writeFileAtomic(this.#indexPath, `${JSON.stringify(document, null, 2)}\n`, 0o644);
  }
}

const STATES: readonly KeyState[] = ['pending', 'current', 'previous', 'retired'];

interface IndexRecord {
  readonly keyId: string;
  readonly state: KeyState;
  readonly fingerprint: string;
  readonly publicKeyPem: string;
  readonly createdAt: string;
  readonly activatedAt?: string;
  readonly deactivatedAt?: string;
  readonly retiredAt?: string;
  readonly adoptedAt?: string;
  readonly adoptedAs?: AdoptionRole;
}

const date = { type: 'string', format: 'date-time' };
const checkIndex = shapeCheck<{ version: 1; keys: IndexRecord[] }>(
  versionedList('keys', {
    type: 'object',
    required: ['keyId', 'state', 'fingerprint', 'publicKeyPem', 'createdAt'],
    properties: {
      keyId: { type: 'string', pattern: KEY_ID_PATTERN },
      state: { enum: [...STATES] },
      fingerprint: { type: 'string' },
      publicKeyPem: { type: 'string' },
      createdAt: date,
      activatedAt: date,
      deactivatedAt: date,
      retiredAt: date,
      adoptedAt: date,
      adoptedAs: { enum: ['current', 'previous'] },
    },
  }),
);

function parseIndex(document: unknown): SigningKeyInfo[] {
  const optionalDate = (value: string | undefined) => (value === undefined ? undefined : new Date(value));
  const records = checkIndex(document).keys.map(
    (record): SigningKeyInfo => ({
      keyId: record.keyId,
      state: record.state,
      fingerprint: record.fingerprint,
      publicKeyPem: record.publicKeyPem,
      createdAt: new Date(record.createdAt),
      activatedAt: optionalDate(record.activatedAt),
      deactivatedAt: optionalDate(record.deactivatedAt),
      retiredAt: optionalDate(record.retiredAt),
      adoptedAt: optionalDate(record.adoptedAt),
      adoptedAs: record.adoptedAs,
    }),
  );
  for (const state of ['pending', 'current', 'previous'] as const) {
    if (records.filter((record) => record.state === state).length > 1)
      throw new Error(`more than one ${state} key`);
  }
  return records;
}
