import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { expectToMatchSpec } from '../support/spec.js';
import { buildTestApp, type TestApp } from '../support/test-app.js';

// maxTtl 3600 + skew 60 + staleness 300, as buildTestApp configures.
const DRAIN_SECONDS = 3960;

describe('playback key administration', () => {
  let context: TestApp;
  beforeEach(async () => {
    context = await buildTestApp();
  });

  const rotate = (body?: object, apiKey = context.apiKeys.admin) => {
    const call = request(context.app)
      .post('/v1/playback-keys/rotate')
      .set('Authorization', `Bearer ${apiKey}`);
    return body === undefined ? call : call.send(body);
  };
  const list = (apiKey = context.apiKeys.admin) =>
    request(context.app).get('/v1/playback-keys').set('Authorization', `Bearer ${apiKey}`);

  describe('GET /v1/playback-keys', () => {
    it('lists the current key as published, with its fingerprint and no private material', async () => {
      const response = await list();

      expect(response.status).toBe(200);
      expectToMatchSpec(response, 'get', '/v1/playback-keys');
      expect(response.body).toEqual({
        registry: 'memory',
        slotLimit: 3,
        keys: [
          {
            keyId: context.keyCache.status().currentKeyId,
            state: 'current',
            fingerprint: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
            createdAt: expect.any(String),
            activatedAt: expect.any(String),
            published: true,
            arn: expect.stringMatching(/^arn:aws:ivs:/),
            regions: [{ published: true, arn: expect.stringMatching(/^arn:aws:ivs:/) }],
          },
        ],
        foreignKeyPairs: [],
        regions: [{ limit: 3, ours: 1, foreign: 0, free: 2 }],
      });
      expect(JSON.stringify(response.body)).not.toContain('PRIVATE');
    });

    it('reports foreign key pairs and drift', async () => {
      context.registry.addForeign('team-b-key');
      context.registry.pairs.splice(
        context.registry.pairs.findIndex((pair) => pair.keyId !== undefined),
        1,
      );

      const response = await list();

      expect(response.body.foreignKeyPairs).toEqual([{ name: 'team-b-key', arn: expect.any(String) }]);
      expect(response.body.keys[0]).toMatchObject({
        published: false,
        drift: expect.stringContaining('not published'),
      });
      expectToMatchSpec(response, 'get', '/v1/playback-keys');
    });

    it('requires keys:admin', async () => {
      const response = await list(context.apiKeys.issuer);

      expect(response.status).toBe(403);
      expect(response.body.code).toBe('INSUFFICIENT_SCOPE');
    });
  });

  describe('POST /v1/playback-keys/rotate', () => {
    it('rotates: the new key signs, the old one stays published and in the JWKS while it drains', async () => {
      const before = context.keyCache.status().currentKeyId;

      const response = await rotate();

      expect(response.status).toBe(200);
      expectToMatchSpec(response, 'post', '/v1/playback-keys/rotate');
      expect(response.body.previousKeyId).toBe(before);
      expect(response.body.currentKeyId).not.toBe(before);
      expect(context.keyCache.signingKey().keyId).toBe(response.body.currentKeyId);
      const jwks = await request(context.app).get('/.well-known/jwks.json');
      expect(jwks.body.keys.map((key: { kid: string }) => key.kid)).toEqual([
        response.body.currentKeyId,
        before,
      ]);
      const listed = await list();
      expect(listed.body.keys.find((key: { state: string }) => key.state === 'previous')).toMatchObject({
        keyId: before,
        published: true,
        drainEndsAt: new Date(context.clock.now().getTime() + DRAIN_SECONDS * 1000).toISOString(),
      });
    });

    it('returns 409 PREVIOUS_KEY_DRAINING with Retry-After while the previous key drains', async () => {
      await rotate();
      context.clock.advance(60);

      const response = await rotate({});

      expect(response.status).toBe(409);
      expect(response.body.code).toBe('PREVIOUS_KEY_DRAINING');
      expect(Number(response.headers['retry-after'])).toBe(DRAIN_SECONDS - 60);
      expectToMatchSpec(response, 'post', '/v1/playback-keys/rotate');
    });

    it('rotates again once the drain is over, deleting the old previous key', async () => {
      const first = (await rotate()).body;
      context.clock.advance(DRAIN_SECONDS);

      const second = await rotate();

      expect(second.status).toBe(200);
      expect(second.body.steps).toContain(`retired ${first.previousKeyId}`);
      expect(context.registry.isPublished(first.previousKeyId)).toBe(false);
    });

    it('with {"emergency": true} deletes the previous key at once', async () => {
      const first = (await rotate()).body;

      const response = await rotate({ emergency: true });

      expect(response.status).toBe(200);
      expect(response.body.previousKeyId).toBeUndefined();
      expect(context.registry.isPublished(first.currentKeyId)).toBe(false);
      expect(context.registry.isPublished(first.previousKeyId)).toBe(false);
      const jwks = await request(context.app).get('/.well-known/jwks.json');
      expect(jwks.body.keys.map((key: { kid: string }) => key.kid)).toEqual([response.body.currentKeyId]);
    });

    it('returns 409 NO_FREE_KEY_SLOT naming the key pairs in the way', async () => {
      context.registry.addForeign('team-b-key');
      context.registry.addForeign('team-c-key');

      const response = await rotate({ emergency: true });

      expect(response.status).toBe(409);
      expect(response.body.code).toBe('NO_FREE_KEY_SLOT');
      expect(response.body.message).toContain('team-b-key (not managed by this service)');
      expect(response.body.details.keyPairs).toHaveLength(3);
      expectToMatchSpec(response, 'post', '/v1/playback-keys/rotate');
    });

    it('returns 503 DEPENDENCY_UNAVAILABLE with Retry-After when the registry fails, and resumes on retry', async () => {
      context.registry.faults.fail('importKey');

      const failed = await rotate();
      const retried = await rotate();

      expect(failed.status).toBe(503);
      expect(failed.body.code).toBe('DEPENDENCY_UNAVAILABLE');
      expect(failed.headers['retry-after']).toBe('1');
      expectToMatchSpec(failed, 'post', '/v1/playback-keys/rotate');
      expect(retried.status).toBe(200);
      expect(retried.body.steps.map((step: string) => step.split(' ')[0])).toEqual(['imported', 'promoted']);
    });

    it('refuses an unknown field and a non-boolean emergency', async () => {
      const unknown = await rotate({ force: true });
      const wrongType = await rotate({ emergency: 'yes' });

      expect(unknown.status).toBe(400);
      expect(unknown.body.code).toBe('INVALID_REQUEST');
      expect(wrongType.status).toBe(400);
    });

    it('requires keys:admin', async () => {
      const response = await rotate(undefined, context.apiKeys.issuer);

      expect(response.status).toBe(403);
      expect(response.body.code).toBe('INSUFFICIENT_SCOPE');
    });
  });
});
