import { createHash, createPublicKey } from 'node:crypto';
import request, { type Response } from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeLegacyKey, sec1WithPublicHalfOf } from '../support/legacy-signer.js';
import { expectToMatchSpec } from '../support/spec.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

const PATH = '/v1/playback-keys/adopt';

function registryFingerprint(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

/** The base64 body of a PEM: what must never come back in any form. */
function pemBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
}

describe('POST /v1/playback-keys/adopt', () => {
  let context: TestApp;
  beforeEach(async () => {
    context = await buildTestApp();
  });

  const adopt = (body: unknown, apiKey = context.apiKeys.admin) =>
    request(context.app)
      .post(PATH)
      .set('Authorization', `Bearer ${apiKey}`)
      .send(body as object);

  /** Checks the answer against the spec, and that nothing of the key sent comes back or is logged. */
  function expectNoEcho(response: Response, pem: string): void {
    expectToMatchSpec(response, 'post', PATH);
    const text = JSON.stringify(response.body);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain(pemBody(pem).slice(0, 24));
    expect(JSON.stringify(context.logger.entries)).not.toContain(pemBody(pem).slice(0, 24));
  }

  it('adopts a SEC1 key beside the current key as previous (the default), tagging the pair that holds it', async () => {
    const legacy = makeLegacyKey();
    const pair = context.registry.addForeign('legacy-playback-key', {
      publicKeyPem: legacy.publicKeyPem,
      fingerprint: registryFingerprint(legacy.publicKeyPem),
    });
    const current = context.keyCache.status().currentKeyId;

    const response = await adopt({ privateKeyPem: legacy.sec1Pem });

    expect(response.status).toBe(200);
    expectNoEcho(response, legacy.sec1Pem);
    expect(response.body).toEqual({
      keyId: expect.stringMatching(/^ipa-adopted-[0-9a-f]{24}$/),
      state: 'previous',
      fingerprint: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      adoptedAt: context.clock.now().toISOString(),
      drainEndsAt: new Date(context.clock.now().getTime() + 3960 * 1000).toISOString(),
      currentKeyId: current,
      previousKeyId: response.body.keyId,
      regions: [{ arn: pair.arn, name: 'legacy-playback-key' }],
      steps: [
        `stored ${response.body.keyId} as pending (to become previous)`,
        `tagged existing key pair legacy-playback-key as ${response.body.keyId}`,
        `made ${response.body.keyId} previous (drain started)`,
      ],
    });

    const listing = await request(context.app)
      .get('/v1/playback-keys')
      .set('Authorization', `Bearer ${context.apiKeys.admin}`);
    expectToMatchSpec(listing, 'get', '/v1/playback-keys');
    expect(listing.body.keys).toContainEqual(
      expect.objectContaining({
        keyId: response.body.keyId,
        state: 'previous',
        adoptedAt: response.body.adoptedAt,
        adoptedAs: 'previous',
        drainEndsAt: response.body.drainEndsAt,
        published: true,
      }),
    );
    expect(listing.body.foreignKeyPairs).toEqual([]);
  });

  it('adopts a PKCS#8 key as current on a service without a key, and answers a repeat with no steps', async () => {
    context = await buildTestApp({ withKey: false });
    const legacy = makeLegacyKey();

    const first = await adopt({ privateKeyPem: legacy.pkcs8Pem });
    const again = await adopt({ privateKeyPem: legacy.sec1Pem, as: 'current' });

    expect(first.status).toBe(200);
    expectNoEcho(first, legacy.pkcs8Pem);
    expect(first.body).toMatchObject({ state: 'current', currentKeyId: first.body.keyId });
    expect(first.body.steps).toContain(`imported ${first.body.keyId}`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ keyId: first.body.keyId, state: 'current', steps: [] });
    await context.keyCache.refresh();
    expect(context.keyCache.status().currentKeyId).toBe(first.body.keyId);
  });

  it.each([
    ['garbage', () => 'not a key at all', 'KEY_NOT_READABLE'],
    ['a public key', () => makeLegacyKey().publicKeyPem, 'KEY_NOT_READABLE'],
    ['a P-256 key', () => makeLegacyKey('P-256').sec1Pem, 'KEY_NOT_P384'],
    [
      'halves of two keys',
      () => sec1WithPublicHalfOf(makeLegacyKey(), makeLegacyKey()),
      'KEY_HALVES_MISMATCH',
    ],
  ])('refuses %s with 400 and its code, echoing nothing', async (_name, make, code) => {
    const pem = make();

    const response = await adopt({ privateKeyPem: pem });

    expect(response.status).toBe(400);
    expect(response.body.code).toBe(code);
    expectNoEcho(response, pem);
    expect(context.store.records).toHaveLength(1);
  });

  it('refuses malformed requests with 400 INVALID_REQUEST, never quoting a key sent in the wrong place', async () => {
    const legacy = makeLegacyKey();

    const missing = await adopt({});
    const wrongRole = await adopt({ privateKeyPem: legacy.sec1Pem, as: 'pending' });
    const keyAsFieldName = await adopt({ privateKeyPem: 'x', [legacy.sec1Pem]: true });
    const tooLong = await adopt({ privateKeyPem: 'A'.repeat(8193) });

    for (const response of [missing, wrongRole, keyAsFieldName, tooLong]) {
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('INVALID_REQUEST');
      expectNoEcho(response, legacy.sec1Pem);
    }
    expect(keyAsFieldName.body.message).toBe('body has an unknown field whose name is PEM text');
  });

  it('refuses its own key and a key whose region has no slot with 409, changing nothing', async () => {
    const own = (await context.store.readKeys()).current?.privateKey.reveal() ?? '';
    for (const name of ['team-a', 'team-b']) context.registry.addForeign(name);
    const stranger = makeLegacyKey();

    const ownKey = await adopt({ privateKeyPem: own });
    const noSlot = await adopt({ privateKeyPem: stranger.sec1Pem });

    expect(ownKey.status).toBe(409);
    expect(ownKey.body).toMatchObject({ code: 'KEY_ALREADY_MANAGED', details: { state: 'current' } });
    expectNoEcho(ownKey, own);
    expect(noSlot.status).toBe(409);
    expect(noSlot.body.code).toBe('NO_FREE_KEY_SLOT');
    expectNoEcho(noSlot, stranger.sec1Pem);
    expect(context.store.records).toHaveLength(1);
    expect(context.registry.pairs).toHaveLength(3);
  });

  it('needs keys:admin', async () => {
    const response = await adopt({ privateKeyPem: makeLegacyKey().sec1Pem }, context.apiKeys.issuer);

    expect(response.status).toBe(403);
    expect(response.body.code).toBe('INSUFFICIENT_SCOPE');
  });
});
