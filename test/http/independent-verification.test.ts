import { createPublicKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { buildTestApp, CHANNEL_ARN } from '../support/test-app.js';

/**
 * Tokens are checked with jsonwebtoken (not jose, which signs them) and the public key from the
 * JWKS, so a bug shared by our signer and our verifier cannot hide.
 */
describe('tokens verified by an independent JWT implementation', () => {
  it('verifies with the JWKS key and carries exactly the requested claims', async () => {
    const context = await buildTestApp();
    const jwks = await request(context.app).get('/.well-known/jwks.json');
    const issued = await request(context.app)
      .post('/v1/playback-tokens')
      .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
      .send({
        channelArn: CHANNEL_ARN,
        viewerId: 'v-1',
        allowedOrigins: ['https://example.com'],
        maximumResolution: 'SD',
      });
    const jwk = jwks.body.keys.find((key: { kid: string }) => key.kid === issued.body.keyId);
    const publicKey = createPublicKey({ key: jwk, format: 'jwk' });

    const verified = jwt.verify(issued.body.token, publicKey, { algorithms: ['ES384'], complete: true });

    expect(verified.header).toEqual({ alg: 'ES384', typ: 'JWT' });
    expect(verified.payload).toEqual({
      'aws:channel-arn': CHANNEL_ARN,
      'aws:viewer-id': 'v-1',
      'aws:access-control-allow-origin': 'https://example.com',
      'aws:maximum-resolution': 'SD',
      exp: Math.floor(new Date(issued.body.expiresAt).getTime() / 1000),
    });
    // Raw R||S: 96 bytes for P-384, not DER.
    expect(Buffer.from(String(issued.body.token).split('.')[2] ?? '', 'base64url')).toHaveLength(96);
  });

  it('refuses a token after rotation only when verified with a different key', async () => {
    const context = await buildTestApp();
    const before = await request(context.app)
      .post('/v1/playback-tokens')
      .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
      .send({ channelArn: CHANNEL_ARN });
    await request(context.app)
      .post('/v1/playback-keys/rotate')
      .set('Authorization', `Bearer ${context.apiKeys.admin}`);
    const after = await request(context.app)
      .post('/v1/playback-tokens')
      .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
      .send({ channelArn: CHANNEL_ARN });
    const jwks = (await request(context.app).get('/.well-known/jwks.json')).body.keys as { kid: string }[];
    const keyOf = (kid: string) =>
      createPublicKey({
        key: jwks.find((key) => key.kid === kid) as unknown as import('node:crypto').JsonWebKey,
        format: 'jwk',
      });

    expect(jwks.map((key) => key.kid)).toEqual([after.body.keyId, before.body.keyId]);
    expect(() =>
      jwt.verify(before.body.token, keyOf(before.body.keyId), { algorithms: ['ES384'] }),
    ).not.toThrow();
    expect(() =>
      jwt.verify(after.body.token, keyOf(after.body.keyId), { algorithms: ['ES384'] }),
    ).not.toThrow();
    expect(() => jwt.verify(before.body.token, keyOf(after.body.keyId), { algorithms: ['ES384'] })).toThrow(
      /invalid signature/,
    );
  });
});
