import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/adapters/crypto/p384-keys.js';
import type { KeyStore } from '../../src/domain/ports.js';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-01T01:00:00.000Z');
const T2 = new Date('2026-01-01T02:00:00.000Z');

/**
 * The KeyStore contract: one suite, run against every implementation (file, in-memory, Secrets
 * Manager through the AWS stand-in), which keeps the in-memory fake honest.
 */
export function keyStoreContract(name: string, makeStore: () => Promise<KeyStore>): void {
  describe(`KeyStore contract: ${name}`, () => {
    it('starts empty', async () => {
      const store = await makeStore();

      const keys = await store.readKeys();

      expect(keys).toEqual({ current: undefined, previous: undefined, pending: undefined });
      expect(await store.listHistory()).toEqual([]);
    });

    it('stages a pending key with its private half, idempotently', async () => {
      const store = await makeStore();
      const key = await generateSigningKey(T0);

      await store.stagePending(key);
      await store.stagePending(key);

      const { pending } = await store.readKeys();
      expect(pending?.keyId).toBe(key.keyId);
      expect(pending?.state).toBe('pending');
      expect(pending?.privateKey.reveal()).toBe(key.privateKey.reveal());
      expect(pending?.publicKeyPem).toBe(key.publicKeyPem);
    });

    it('refuses a second pending key with ROTATION_IN_PROGRESS', async () => {
      const store = await makeStore();
      await store.stagePending(await generateSigningKey(T0));

      const second = store.stagePending(await generateSigningKey(T0));

      await expect(second).rejects.toMatchObject({ code: 'ROTATION_IN_PROGRESS' });
    });

    it('promotes pending → current → previous → retired in single steps', async () => {
      const store = await makeStore();
      const [a, b, c] = await Promise.all([
        generateSigningKey(T0),
        generateSigningKey(T1),
        generateSigningKey(T2),
      ]);

      await store.stagePending(a);
      await store.promotePending(a.keyId, T0);
      await store.stagePending(b);
      await store.promotePending(b.keyId, T1);
      await store.promotePending(b.keyId, T1); // repeat: no-op
      await store.stagePending(c);
      await store.promotePending(c.keyId, T2);

      const keys = await store.readKeys();
      expect(keys.current?.keyId).toBe(c.keyId);
      expect(keys.current?.activatedAt).toEqual(T2);
      expect(keys.previous?.keyId).toBe(b.keyId);
      expect(keys.previous?.deactivatedAt).toEqual(T2);
      expect(keys.previous?.activatedAt).toEqual(T1); // `keys list` shows when the previous key was current
      expect(keys.pending).toBeUndefined();
      const history = await store.listHistory();
      expect(history.find((key) => key.keyId === a.keyId)).toMatchObject({ state: 'retired', retiredAt: T2 });
    });

    it('refuses to promote a key that is not pending with KEY_STORE_CORRUPT', async () => {
      const store = await makeStore();

      const promotion = store.promotePending('ipa-unknown', T0);

      await expect(promotion).rejects.toMatchObject({ code: 'KEY_STORE_CORRUPT' });
    });

    it('retires the previous key, idempotently, and leaves current alone', async () => {
      const store = await makeStore();
      const [a, b] = await Promise.all([generateSigningKey(T0), generateSigningKey(T1)]);
      await store.stagePending(a);
      await store.promotePending(a.keyId, T0);
      await store.stagePending(b);
      await store.promotePending(b.keyId, T1);

      await store.retirePrevious(a.keyId, T2);
      await store.retirePrevious(a.keyId, T2);
      await store.retirePrevious(b.keyId, T2); // current, not previous: no-op

      const keys = await store.readKeys();
      expect(keys.previous).toBeUndefined();
      expect(keys.current?.keyId).toBe(b.keyId);
      expect((await store.listHistory()).find((key) => key.keyId === a.keyId)?.state).toBe('retired');
    });

    it('records a drain start only when none is known', async () => {
      const store = await makeStore();
      const [a, b] = await Promise.all([generateSigningKey(T0), generateSigningKey(T1)]);
      await store.stagePending(a);
      await store.promotePending(a.keyId, T0);
      await store.stagePending(b);
      await store.promotePending(b.keyId, T1);

      await store.markDeactivated(a.keyId, T2);

      expect((await store.readKeys()).previous?.deactivatedAt).toEqual(T1);
    });

    it('keeps when and as what an adopted key was adopted', async () => {
      const store = await makeStore();
      const key = { ...(await generateSigningKey(T0)), adoptedAt: T1, adoptedAs: 'current' as const };

      await store.stagePending(key, { requestToken: `adopt-${key.keyId}-0000000000` });
      await store.promotePending(key.keyId, T1);

      expect((await store.readKeys()).current).toMatchObject({ adoptedAt: T1, adoptedAs: 'current' });
      expect((await store.listHistory())[0]).toMatchObject({ adoptedAt: T1, adoptedAs: 'current' });
    });

    it('settles a pending key as previous beside the current one, its drain starting then, idempotently', async () => {
      const store = await makeStore();
      const [own, adopted] = await Promise.all([generateSigningKey(T0), generateSigningKey(T1)]);
      await store.stagePending(own);
      await store.promotePending(own.keyId, T0);
      await store.stagePending(
        { ...adopted, adoptedAt: T1, adoptedAs: 'previous' },
        { requestToken: `adopt-${adopted.keyId}-0000000000` },
      );

      await store.settlePendingAsPrevious(adopted.keyId, T2);
      await store.settlePendingAsPrevious(adopted.keyId, T2); // repeat: no-op

      const keys = await store.readKeys();
      expect(keys.current?.keyId).toBe(own.keyId);
      expect(keys.pending).toBeUndefined();
      expect(keys.previous).toMatchObject({
        keyId: adopted.keyId,
        state: 'previous',
        deactivatedAt: T2,
        adoptedAt: T1,
        adoptedAs: 'previous',
      });
      expect(keys.previous?.privateKey.reveal()).toBe(adopted.privateKey.reveal());
      // A later rotation can stage again: the settled key is not pending any more.
      await store.stagePending(await generateSigningKey(T2));
      expect((await store.readKeys()).previous?.keyId).toBe(adopted.keyId);
    });

    it('refuses to settle a key that is not pending, or beside a previous key, with KEY_STORE_CORRUPT', async () => {
      const store = await makeStore();
      const [a, b, c] = await Promise.all([
        generateSigningKey(T0),
        generateSigningKey(T1),
        generateSigningKey(T2),
      ]);
      await store.stagePending(a);
      await store.promotePending(a.keyId, T0);
      await expect(store.settlePendingAsPrevious(b.keyId, T1)).rejects.toMatchObject({
        code: 'KEY_STORE_CORRUPT',
      });
      await store.stagePending(b);
      await store.promotePending(b.keyId, T1);
      await store.stagePending(c);

      await expect(store.settlePendingAsPrevious(c.keyId, T2)).rejects.toMatchObject({
        code: 'KEY_STORE_CORRUPT',
      });
      expect((await store.readKeys()).previous?.keyId).toBe(a.keyId);
    });
  });
}
