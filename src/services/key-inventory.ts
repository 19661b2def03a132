import { type DrainPolicy, drainEndsAt } from '../domain/key-lifecycle.js';
import type { KeyStore, PlaybackKeyRegistry } from '../domain/ports.js';
import type { SigningKeyInfo } from '../domain/signing-key.js';

export interface KeyView extends Omit<SigningKeyInfo, 'publicKeyPem'> {
  readonly drainEndsAt: Date | undefined;
  readonly published: boolean;
  readonly arn: string | undefined;
  /** Set when the store and the registry disagree. */
  readonly drift: string | undefined;
}

export interface KeyInventory {
  readonly registry: string;
  readonly slotLimit: number;
  readonly keys: readonly KeyView[];
  readonly foreignKeyPairs: readonly { readonly name: string; readonly arn: string | undefined }[];
}

/** Joins the key store's history with what the registry holds, and reports where they disagree. */
export async function listKeyInventory(deps: {
  readonly store: KeyStore;
  readonly registry: PlaybackKeyRegistry;
  readonly drainPolicy: DrainPolicy;
}): Promise<KeyInventory> {
  const [history, registered] = await Promise.all([deps.store.listHistory(), deps.registry.list()]);
  const keys = [...history]
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
    .map(({ publicKeyPem: _publicKeyPem, ...key }): KeyView => {
      const pair = registered.find((candidate) => candidate.keyId === key.keyId);
      return {
        ...key,
        drainEndsAt: key.state === 'previous' ? drainEndsAt(key, deps.drainPolicy) : undefined,
        published: pair !== undefined,
        arn: pair?.arn,
        drift: driftOf(key.state, pair !== undefined),
      };
    });
  const known = new Set(history.map((key) => key.keyId));
  const orphans = registered.filter((pair) => pair.keyId !== undefined && !known.has(pair.keyId));
  return {
    registry: deps.registry.kind,
    slotLimit: deps.registry.slotLimit,
    keys: [
      ...keys,
      ...orphans.map(
        (pair): KeyView => ({
          keyId: pair.keyId as string,
          state: 'retired',
          fingerprint: pair.fingerprint ?? '',
          createdAt: new Date(0),
          drainEndsAt: undefined,
          published: true,
          arn: pair.arn,
          drift: 'published, but unknown to the key store; the next rotation deletes it',
        }),
      ),
    ],
    foreignKeyPairs: registered
      .filter((pair) => pair.keyId === undefined)
      .map((pair) => ({ name: pair.name, arn: pair.arn })),
  };
}

function driftOf(state: SigningKeyInfo['state'], published: boolean): string | undefined {
  if ((state === 'current' || state === 'previous') && !published) {
    return `${state} key is not published: players cannot verify its tokens`;
  }
  if (state === 'retired' && published) return 'retired key is still published; the next rotation deletes it';
  return undefined;
}
