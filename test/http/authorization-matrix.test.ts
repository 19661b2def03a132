import request, { type Response } from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiKeyIdOf, SCOPES, type Scope } from '../../src/domain/api-keys.js';
import { createApp, type OperationHandler } from '../../src/http/create-app.js';
import { createMetrics } from '../../src/http/metrics.js';
import { type ContractOperation, loadOpenApiContract } from '../../src/http/openapi-contract.js';
import { createApiKeyAuthenticator } from '../../src/services/api-key-authenticator.js';
import { createApiKey } from '../../src/services/api-key-factory.js';
import { createKeyCache } from '../../src/services/key-cache.js';
import { createFailedAttemptLimit, createRequestRateLimit } from '../../src/services/request-limits.js';
import { InMemoryApiKeyStore, InMemoryKeyStore, ManualClock, RecordingLogger } from '../support/fakes.js';
import { recordResponses } from '../support/leak-scan.js';
import { makeLegacyKey } from '../support/legacy-signer.js';
import { signingBackend } from '../support/signing.js';
import { expectToMatchSpec } from '../support/spec.js';
import { buildTestApp, CHANNEL_ARN, OTHER_CHANNEL_ARN, type TestApp } from '../support/test-app.js';

const contract = loadOpenApiContract();

/**
 * The expected authorization of every operation, written out by hand: openapi.yaml must agree with
 * it, and the server must enforce it, so a route that silently loses its scope check fails here.
 */
const EXPECTED_SCOPE: Readonly<Record<string, Scope | 'any' | 'public'>> = {
  issuePlaybackToken: 'tokens:issue',
  issuePlaybackTokenBatch: 'tokens:issue',
  // Any valid API key: an inspection reveals nothing secret.
  inspectPlaybackToken: 'any',
  revokeViewerSessions: 'sessions:revoke',
  listPlaybackKeys: 'keys:admin',
  rotatePlaybackKey: 'keys:admin',
  adoptPlaybackKey: 'keys:admin',
  getJwks: 'public',
  getHealth: 'public',
  getReadiness: 'public',
  getMetrics: 'public',
  getOpenApi: 'public',
  getConsole: 'public',
  getConsoleScript: 'public',
  getConsoleStyles: 'public',
  getConsoleIcon: 'public',
};

/** A request each operation accepts from an authorized caller, and the status it then answers. */
const ALLOWED_CALL: Readonly<Record<string, { readonly body?: object; readonly status: number }>> = {
  issuePlaybackToken: { body: { channelArn: CHANNEL_ARN }, status: 201 },
  issuePlaybackTokenBatch: { body: { requests: [{ channelArn: CHANNEL_ARN }] }, status: 200 },
  inspectPlaybackToken: { body: { token: 'eyJhbGciOiJFUzM4NCJ9.e30.c2ln' }, status: 200 },
  revokeViewerSessions: {
    body: { sessions: [{ channelArn: CHANNEL_ARN, viewerId: 'viewer-1' }] },
    status: 202,
  },
  listPlaybackKeys: { status: 200 },
  // Emergency, so that every authorized call rotates instead of meeting the drain of the last one.
  rotatePlaybackKey: { body: { emergency: true }, status: 200 },
  // The same key every time: the first call adopts it, later ones find it adopted (200, no steps).
  adoptPlaybackKey: { body: { privateKeyPem: makeLegacyKey().sec1Pem, as: 'previous' }, status: 200 },
  getJwks: { status: 200 },
  getHealth: { status: 200 },
  getReadiness: { status: 200 },
  getMetrics: { status: 200 },
  getOpenApi: { status: 200 },
  getConsole: { status: 200 },
  getConsoleScript: { status: 200 },
  getConsoleStyles: { status: 200 },
  getConsoleIcon: { status: 200 },
};

type Role = keyof TestApp['apiKeys'];

/** The scopes buildTestApp gives each role, restated so the matrix does not trust the builder. */
const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  all: SCOPES,
  issuer: ['tokens:issue'],
  revoker: ['sessions:revoke'],
  admin: ['keys:admin'],
  limited: ['tokens:issue', 'sessions:revoke'],
};

const UNKNOWN_KEY = `ipa_0123456789ab_${'A'.repeat(43)}`;

/** Credentials that must all be refused the same way: 401 UNAUTHENTICATED, identical bodies. */
const BAD_CREDENTIALS: readonly {
  readonly name: string;
  readonly header: (keys: TestApp['apiKeys']) => string | undefined;
}[] = [
  { name: 'no Authorization header', header: () => undefined },
  { name: 'an empty Authorization header', header: () => '' },
  { name: 'Basic credentials', header: () => `Basic ${Buffer.from('admin:admin').toString('base64')}` },
  { name: 'Bearer without a key', header: () => 'Bearer' },
  { name: 'a malformed key', header: () => 'Bearer not-an-api-key' },
  { name: 'a valid key under another scheme', header: (keys) => `Token ${keys.all}` },
  { name: 'a valid key with a character appended', header: (keys) => `Bearer ${keys.all}A` },
  { name: 'a valid key cut short', header: (keys) => `Bearer ${keys.all.slice(0, -1)}` },
  { name: 'an unknown key', header: () => `Bearer ${UNKNOWN_KEY}` },
  {
    name: 'a forged key with a known id and the wrong secret',
    header: (keys) => `Bearer ipa_${apiKeyIdOf(keys.all)}_${'B'.repeat(43)}`,
  },
];

function call(
  app: TestApp['app'],
  operation: ContractOperation,
  authorization: string | undefined,
  body = ALLOWED_CALL[operation.operationId]?.body,
) {
  const pending = request(app)[operation.method](operation.path);
  if (authorization !== undefined) pending.set('Authorization', authorization);
  return body === undefined ? pending : pending.send(body);
}

function withoutRequestId(response: Response): unknown {
  const { requestId, ...rest } = response.body as { requestId?: unknown };
  expect(requestId).toBe(response.headers['x-request-id']);
  return rest;
}

function headerNames(response: Response): string[] {
  return Object.keys(response.headers).sort();
}

const scopedOperations = contract.operations.filter((operation) => operation.requiredScope !== undefined);
const describeOperation = (operation: ContractOperation) =>
  `${operation.method.toUpperCase()} ${operation.path}`;

describe('authorization matrix', () => {
  let context: TestApp;
  beforeAll(async () => {
    context = await buildTestApp();
  });

  it('declares in openapi.yaml exactly the scopes of the table, and a call for every operation', () => {
    const declared = Object.fromEntries(
      contract.operations.map((operation) => [operation.operationId, operation.requiredScope ?? 'public']),
    );

    expect(declared).toEqual(EXPECTED_SCOPE);
    expect(Object.keys(ALLOWED_CALL).sort()).toEqual(Object.keys(EXPECTED_SCOPE).sort());
  });

  describe.each(contract.operations.map((operation) => [describeOperation(operation), operation] as const))(
    '%s',
    (_name, operation) => {
      const scope = EXPECTED_SCOPE[operation.operationId];
      const allowed = ALLOWED_CALL[operation.operationId];

      it.each(BAD_CREDENTIALS.map((credential) => [credential.name, credential] as const))(
        scope === 'public' ? 'answers with %s like any other caller' : 'refuses %s with 401 UNAUTHENTICATED',
        async (_credential, credential) => {
          const response = await call(context.app, operation, credential.header(context.apiKeys));

          expectToMatchSpec(response, operation.method, operation.path);
          if (scope === 'public') {
            expect(response.status).toBe(allowed?.status);
          } else {
            expect(response.status).toBe(401);
            expect(response.body.code).toBe('UNAUTHENTICATED');
          }
        },
      );

      it.each(Object.keys(ROLE_SCOPES).map((role) => [role as Role]))(
        'answers the %s key as its scopes say',
        async (role) => {
          const permitted =
            scope === 'public' || scope === 'any' || ROLE_SCOPES[role].includes(scope as Scope);

          const response = await call(context.app, operation, `Bearer ${context.apiKeys[role]}`);

          expectToMatchSpec(response, operation.method, operation.path);
          if (permitted) {
            expect(response.status).toBe(allowed?.status);
            if (operation.operationId === 'issuePlaybackTokenBatch') expect(response.body.issued).toBe(1);
            if (operation.operationId === 'revokeViewerSessions') expect(response.body.started).toBe(1);
          } else {
            expect(response.status).toBe(403);
            expect(response.body).toMatchObject({
              code: 'INSUFFICIENT_SCOPE',
              details: { requiredScope: scope },
            });
          }
        },
      );
    },
  );

  it('gives every bad credential on every scoped route the same 401, down to the header names', async () => {
    const responses: Response[] = [];

    for (const operation of scopedOperations) {
      for (const credential of BAD_CREDENTIALS) {
        responses.push(await call(context.app, operation, credential.header(context.apiKeys)));
      }
    }

    const [first, ...rest] = responses;
    expect(first?.status).toBe(401);
    expect(withoutRequestId(first as Response)).toEqual({
      code: 'UNAUTHENTICATED',
      message: expect.any(String),
    });
    for (const response of rest) {
      expect(response.status).toBe(401);
      expect(withoutRequestId(response)).toEqual(withoutRequestId(first as Response));
      expect(headerNames(response)).toEqual(headerNames(first as Response));
    }
  });

  it('refuses the channel-limited key for a channel outside its patterns on every route that takes one', async () => {
    const key = `Bearer ${context.apiKeys.limited}`;
    const byId = (id: string) => contract.operations.find((operation) => operation.operationId === id);

    const single = await call(context.app, byId('issuePlaybackToken') as ContractOperation, key, {
      channelArn: OTHER_CHANNEL_ARN,
    });
    const batch = await call(context.app, byId('issuePlaybackTokenBatch') as ContractOperation, key, {
      requests: [{ channelArn: CHANNEL_ARN }, { channelArn: OTHER_CHANNEL_ARN }],
    });
    const revoke = await call(context.app, byId('revokeViewerSessions') as ContractOperation, key, {
      sessions: [
        { channelArn: CHANNEL_ARN, viewerId: 'viewer-1' },
        { channelArn: OTHER_CHANNEL_ARN, viewerId: 'viewer-1' },
      ],
    });

    expect(single.status).toBe(403);
    expect(single.body.code).toBe('CHANNEL_NOT_ALLOWED');
    expect(batch.status).toBe(200);
    expect(batch.body.results.map((result: { status: number }) => result.status)).toEqual([201, 403]);
    expect(batch.body.results[1].error.code).toBe('CHANNEL_NOT_ALLOWED');
    expect(revoke.status).toBe(202);
    expect(revoke.body.results.map((result: { status: string }) => result.status)).toEqual([
      'started',
      'failed',
    ]);
    expect(revoke.body.results[1].error.code).toBe('CHANNEL_NOT_ALLOWED');
  });

  describe('a revoked API key', () => {
    // buildTestApp does not hand out its API key store, so this app has the real authenticator
    // over a store the test holds, and handlers that only say the request reached them.
    async function buildRevocationApp() {
      const clock = new ManualClock(new Date().toISOString());
      const logger = new RecordingLogger();
      const store = new InMemoryApiKeyStore();
      const authenticator = createApiKeyAuthenticator({ store, logger });
      const key = (await createApiKey({ store, clock: clock.now }, { scopes: SCOPES })).key;
      await authenticator.reload();
      const keyCache = createKeyCache({
        store: new InMemoryKeyStore(),
        clock: clock.now,
        logger,
        maxStalenessSeconds: 300,
        signing: signingBackend,
      });
      const reached: OperationHandler = (_req, res) => {
        res.status(299).json({ reached: true });
      };
      const app = createApp({
        contract,
        handlers: Object.fromEntries(
          contract.operations.map((operation) => [operation.operationId, reached]),
        ),
        authenticator,
        metrics: createMetrics({
          keyStatus: () => keyCache.status(),
          clock: clock.now,
          signer: signingBackend.name,
          signerChoice: 'auto',
          drainPolicy: { maxTtlSeconds: 3600, clockSkewSeconds: 60, maxSigningStalenessSeconds: 300 },
          regions: () => [],
        }),
        logger,
        bodyLimitBytes: 16_384,
        batchBodyLimitBytes: 262_144,
        limits: {
          requests: createRequestRateLimit({ ratePerSecond: 1_000_000, burst: 1_000_000, clock: clock.now }),
          failedAttempts: createFailedAttemptLimit({
            limit: 1_000_000,
            windowSeconds: 300,
            clock: clock.now,
          }),
        },
        trustProxy: false,
      });
      return { app: recordResponses(app), store, authenticator, key };
    }

    it('is refused on every scoped route with the same 401 as an unknown key once removed and reloaded', async () => {
      const revocation = await buildRevocationApp();
      const before: number[] = [];
      for (const operation of scopedOperations) {
        before.push((await call(revocation.app, operation, `Bearer ${revocation.key}`)).status);
      }
      const unknown = await call(
        context.app,
        scopedOperations[0] as ContractOperation,
        `Bearer ${UNKNOWN_KEY}`,
      );

      await revocation.store.remove(apiKeyIdOf(revocation.key) as string);
      await revocation.authenticator.reload();
      const after: Response[] = [];
      for (const operation of contract.operations) {
        after.push(await call(revocation.app, operation, `Bearer ${revocation.key}`));
      }

      expect(before).toEqual(scopedOperations.map(() => 299));
      contract.operations.forEach((operation, index) => {
        const response = after[index] as Response;
        if (operation.requiredScope === undefined) {
          expect(response.status, describeOperation(operation)).toBe(299);
          return;
        }
        expect(response.status, describeOperation(operation)).toBe(401);
        expect(withoutRequestId(response)).toEqual(withoutRequestId(unknown));
        expect(headerNames(response)).toEqual(headerNames(unknown));
      });
    });
  });
});
