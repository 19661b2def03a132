import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { translateAwsError } from '../../src/adapters/aws/aws-error.js';
import { asSigningBackend, generateSigningKey } from '../../src/adapters/crypto/p384-keys.js';
import type { SigningBackend } from '../../src/domain/ports.js';
import { createKeyCache } from '../../src/services/key-cache.js';
import { InMemoryKeyStore, ManualClock, RecordingLogger } from '../support/fakes.js';
import { signingBackend } from '../support/signing.js';

async function setup(signing: SigningBackend = signingBackend) {
  const clock = new ManualClock();
  const store = new InMemoryKeyStore();
  const logger = new RecordingLogger();
  const cache = createKeyCache({
    store,
    clock: clock.now,
    logger,
    maxStalenessSeconds: 300,
    signing,
  });
  return { clock, store, cache, logger };
}

describe('key cache', () => {
  it('signs with the current key through the configured signer; the signature verifies under the JWKS key', async () => {
    const { store, cache } = await setup();
    const key = await generateSigningKey(new Date());
    store.records.push({ ...key, state: 'current' });
    await cache.refresh();
    const input = Buffer.from('header.claims');

    const signature = await cache.signingKey().sign(input);

    const jwk = cache.jwks().keys[0];
    expect(jwk?.kid).toBe(key.keyId);
    const publicKey = createPublicKey({ key: jwk as never, format: 'jwk' });
    expect(verify('sha384', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
  });

  it('refuses a key whose private half does not match its stored public key (KEY_STORE_CORRUPT)', async () => {
    const { store, cache } = await setup();
    const key = await generateSigningKey(new Date());
    const stranger = await generateSigningKey(new Date());
    store.records.push({ ...key, publicKeyPem: stranger.publicKeyPem, state: 'current' });

    await expect(cache.refresh()).rejects.toMatchObject({
      code: 'KEY_STORE_CORRUPT',
      message: `signing key ${key.keyId}: its signatures do not verify under its stored public key; refusing to sign with it`,
    });
    expect(() => cache.signingKey()).toThrow(expect.objectContaining({ code: 'NO_SIGNING_KEY' }));
    expect(cache.status()).toMatchObject({ ready: false, lastRefreshFailed: true });
  });

  it('logs the first key it loads at debug level, and only a change of key at info', async () => {
    const { store, cache, logger } = await setup();
    const first = await generateSigningKey(new Date());
    store.records.push({ ...first, state: 'current' });
    await cache.refresh();
    await cache.refresh();
    const second = await generateSigningKey(new Date());
    store.records.splice(0, 1, { ...first, state: 'previous' }, { ...second, state: 'current' });

    await cache.refresh();

    expect(logger.entries.map((entry) => [entry.level, entry.message, entry.fields])).toEqual([
      ['debug', 'signing key loaded', { keyId: first.keyId }],
      ['info', 'signing key changed', { keyId: second.keyId, previousKeyId: first.keyId }],
    ]);
  });

  it('records why the last read failed (AWS operation and error name, not the SDK text) until one succeeds', async () => {
    const { store, cache, clock } = await setup();
    const sdkError = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    store.faults.fail('readKeys', { error: translateAwsError(sdkError, 'Secrets Manager DescribeSecret') });

    await expect(cache.refresh()).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });
    const failed = cache.status();
    await cache.refresh();

    expect(failed.lastRefreshFailed).toBe(true);
    expect(failed.lastFailure).toEqual({
      code: 'DEPENDENCY_UNAVAILABLE',
      message: expect.stringMatching(
        /^Secrets Manager DescribeSecret failed \(CredentialsProviderError\): no AWS credentials/,
      ),
      operation: 'Secrets Manager DescribeSecret',
      awsError: 'CredentialsProviderError',
      at: clock.now(),
    });
    expect(JSON.stringify(failed)).not.toContain('Could not load credentials');
    expect(cache.status()).toMatchObject({ lastRefreshFailed: false, lastFailure: undefined });
  });

  it('records a failure reported from outside refresh (creating the first key), hiding unexpected errors', async () => {
    const { cache } = await setup();

    cache.recordFailure(new Error('ENOSPC: /var/lib/secret-path'));

    expect(cache.status()).toMatchObject({
      lastRefreshFailed: true,
      lastFailure: { code: 'INTERNAL', message: 'an unexpected error; the service log has it' },
    });
  });

  it('keeps signing with the key it has when the new current key fails the check', async () => {
    const { store, cache } = await setup();
    const good = await generateSigningKey(new Date());
    store.records.push({ ...good, state: 'current' });
    await cache.refresh();
    const bad = await generateSigningKey(new Date());
    const stranger = await generateSigningKey(new Date());
    store.records.splice(
      0,
      1,
      { ...good, state: 'previous' },
      {
        ...bad,
        publicKeyPem: stranger.publicKeyPem,
        state: 'current',
      },
    );

    await expect(cache.refresh()).rejects.toMatchObject({ code: 'KEY_STORE_CORRUPT' });

    expect(cache.signingKey().keyId).toBe(good.keyId);
  });

  it('refuses a key when the signer produces signatures that do not verify', async () => {
    const broken = asSigningBackend({
      name: 'nettle',
      description: 'broken (test)',
      signerFor: () => ({ sign: async () => Buffer.alloc(96, 7) }),
    });
    const { store, cache } = await setup(broken);
    store.records.push({ ...(await generateSigningKey(new Date())), state: 'current' });

    await expect(cache.refresh()).rejects.toMatchObject({ code: 'KEY_STORE_CORRUPT' });
  });

  it('prepares the signer once per key, not per refresh or per token', async () => {
    let prepared = 0;
    const counting: SigningBackend = {
      ...signingBackend,
      signerFor(key) {
        prepared++;
        return signingBackend.signerFor(key);
      },
    };
    const { store, cache } = await setup(counting);
    store.records.push({ ...(await generateSigningKey(new Date())), state: 'current' });

    await cache.refresh();
    await cache.refresh();
    await Promise.all([1, 2, 3].map(() => cache.signingKey().sign(Buffer.from('token'))));

    expect(prepared).toBe(1);
  });
});
