import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import request, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ContractOperation, loadOpenApiContract } from '../../src/http/openapi-contract.js';
import { makeLegacyKey } from '../support/legacy-signer.js';
import { expectToMatchSpec } from '../support/spec.js';
import { buildTestApp, CHANNEL_ARN, type TestApp } from '../support/test-app.js';
import { byDepth } from '../support/test-depth.js';

/*
 * Hostile input against every route of openapi.yaml. Whatever arrives, the answer is a 2xx that
 * matches the contract or a 4xx JSON error in the `Error` shape with a stable code: never a 5xx,
 * never a stack trace or library text, never a crash, and no prototype is ever polluted.
 * Routes come from the contract, so a new route is fuzzed without touching this file (a new
 * request body needs a valid example in VALID_BODY, and the test says so).
 */

const contract = loadOpenApiContract();

interface Schema {
  readonly $ref?: string;
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly items?: Schema;
  readonly 'x-error-code'?: string | Readonly<Record<string, string>>;
}
interface OperationObject {
  readonly requestBody?: { readonly content: Readonly<Record<string, { readonly schema: Schema }>> };
  readonly responses: Readonly<Record<string, unknown>>;
}
const document = contract.document as unknown as {
  readonly paths: Readonly<Record<string, Readonly<Record<string, OperationObject>>>>;
};

const label = (operation: ContractOperation) => `${operation.method.toUpperCase()} ${operation.path}`;
/** The contract's operations, printed in fast-check counterexamples as "POST /v1/playback-tokens". */
const OPERATIONS = contract.operations.map((operation) => ({
  ...operation,
  [fc.toStringMethod]: () => label(operation),
}));
const BODY_OPERATIONS = OPERATIONS.filter((operation) => operation.hasBody);
const SPEC_PATHS = Object.keys(document.paths);
/** The body limits buildTestApp gives createApp. */
const BODY_LIMIT = { default: 16_384, batch: 262_144 } as const;
/** Node's own limit on the request head (16 KiB): above it Node answers 431 before express runs. */
const SAFE_HEAD_BYTES = 12_000;

/** A request each body-taking operation accepts; fields are fuzzed on top of it. */
const VALID_BODY: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  issuePlaybackToken: { channelArn: CHANNEL_ARN },
  issuePlaybackTokenBatch: { requests: [{ channelArn: CHANNEL_ARN }] },
  inspectPlaybackToken: { token: 'eyJhbGciOiJFUzM4NCJ9.e30.c2ln' },
  revokeViewerSessions: { sessions: [{ channelArn: CHANNEL_ARN, viewerId: 'viewer-1' }] },
  rotatePlaybackKey: { emergency: true },
  // The first valid call adopts the key, later ones find it adopted (200, no steps).
  get adoptPlaybackKey() {
    return { privateKeyPem: adoptableKeyPem(), as: 'previous' };
  },
};

let legacyKey = makeLegacyKey();
/**
 * The adoption example's key: the same one until an emergency rotation (the rotation example)
 * retires it, since a retired key is never adopted again; then a fresh one.
 */
function adoptableKeyPem(): string {
  const retired = context?.store.records.some(
    (record) => record.state === 'retired' && record.publicKeyPem === legacyKey.publicKeyPem,
  );
  if (retired) legacyKey = makeLegacyKey();
  return legacyKey.sec1Pem;
}

/** Array fields whose items (`items: {}` in the spec) the route validates one by one. */
const ITEMS: Readonly<
  Record<string, { readonly field: string; readonly schema: string; readonly valid: Record<string, unknown> }>
> = {
  issuePlaybackTokenBatch: {
    field: 'requests',
    schema: 'PlaybackTokenRequest',
    valid: { channelArn: CHANNEL_ARN },
  },
  revokeViewerSessions: {
    field: 'sessions',
    schema: 'ViewerSessionRevocation',
    valid: { channelArn: CHANNEL_ARN, viewerId: 'viewer-1' },
  },
};

/**
 * How many generated inputs each property tries: a fifth in `npm test`, the full count (the file
 * then takes about a minute on 2 cores) in `npm run test:slow`.
 */
const RUNS = {
  jsonValue: byDepth(260, 1300),
  anything: byDepth(140, 700),
  nearLimit: byDepth(30, 150),
  nesting: byDepth(20, 80),
  unicode: byDepth(180, 900),
  prototypeKeys: byDepth(120, 600),
  rawBodies: byDepth(180, 900),
  encodings: byDepth(30, 150),
  headers: byDepth(160, 800),
  paths: byDepth(100, 500),
  hostileOrigins: byDepth(180, 900),
  acceptedOrigins: byDepth(50, 250),
} as const;

// ---------------------------------------------------------------------------------------------
// The contract, read as data

function atPointer(pointer: string): Schema {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], document) as Schema;
}

function resolve(schema: Schema): Schema {
  return schema.$ref === undefined ? schema : resolve(atPointer(schema.$ref.slice(1)));
}

function requestSchema(operation: ContractOperation): Schema {
  const body = document.paths[operation.path]?.[operation.method]?.requestBody;
  return resolve(body?.content['application/json']?.schema ?? {});
}

function componentSchema(name: string): Schema {
  return resolve({ $ref: `#/components/schemas/${name}` });
}

function propertiesOf(schema: Schema): [string, Schema][] {
  return Object.entries(schema.properties ?? {}).map(([name, property]) => [name, resolve(property)]);
}

/** Codes a failure of this field may carry: its `x-error-code`s, or INVALID_REQUEST. */
function codesFor(schema: Schema): string[] {
  const declared = schema['x-error-code'];
  const own =
    declared === undefined ? [] : typeof declared === 'string' ? [declared] : Object.values(declared);
  return ['INVALID_REQUEST', ...own];
}

const byId = (operationId: string) =>
  OPERATIONS.find((operation) => operation.operationId === operationId) as ContractOperation;

// ---------------------------------------------------------------------------------------------
// Sending, checking, counting

interface Input {
  readonly method: string;
  readonly path: string;
  /** Raw bytes on the wire; a string is sent as UTF-8. */
  readonly body?: string | Buffer;
  /** `null`: no Content-Type at all; an array: that many Content-Type header lines. */
  readonly contentType?: string | readonly string[] | null;
  /** `null`: no Authorization; default: the all-scopes key. */
  readonly authorization?: string | readonly string[] | null;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
}

let context: TestApp;
const tally = { inputs: 0, byStatus: new Map<number, number>() };
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** What must never reach a client: stack frames, source paths, library and runtime messages. */
const LEAKS: readonly RegExp[] = [
  /\bat [\w$.<>[\] ]+ \(/,
  /\bat (?:file:|node:|\/)/,
  /(?:\/[\w.@-]+)+\.(?:[cm]?js|ts)\b/,
  /node_modules|node:internal/,
  /Unexpected (?:token|end|non-whitespace|number|string)|JSON at position/,
  /\b(?:SyntaxError|TypeError|RangeError|ReferenceError)\b/,
  /Cannot read propert|is not a function|incorrect header check|\bERR_[A-Z_]{4,}/,
];

function count(status: number): void {
  tally.inputs += 1;
  tally.byStatus.set(status, (tally.byStatus.get(status) ?? 0) + 1);
}

function describeInput(input: Input): string {
  const body = input.body === undefined ? '' : String(input.body).slice(0, 160);
  return `${input.method} ${input.path.slice(0, 160)} [${String(input.contentType)}] ${JSON.stringify(body)}`;
}

async function send(input: Input): Promise<Response> {
  const agent = request(context.app) as unknown as Record<string, (path: string) => request.Test>;
  const pending = (agent[input.method.toLowerCase()] as (path: string) => request.Test)(input.path);
  const authorization =
    input.authorization === undefined ? `Bearer ${context.apiKeys.all}` : input.authorization;
  if (authorization !== null) pending.set('Authorization', authorization as string);
  for (const [name, value] of Object.entries(input.headers ?? {})) pending.set(name, value as string);
  if (input.body !== undefined) {
    if (Array.isArray(input.contentType)) {
      // superagent only sends several Content-Type lines with a string body set before them.
      pending.send(String(input.body)).set('Content-Type', input.contentType as unknown as string);
    } else {
      if (typeof input.contentType === 'string') pending.set('Content-Type', input.contentType);
      const bytes = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
      pending.serialize((value: unknown) => value as string).send(bytes as unknown as string);
    }
  } else if (typeof input.contentType === 'string') {
    pending.set('Content-Type', input.contentType);
  }
  return await pending;
}

/** The route express matched, from the request's log line (undefined: none matched). */
function matchedRoute(response: Response): string | undefined {
  const requestId = response.headers['x-request-id'];
  const entries = context.logger.entries;
  for (let index = entries.length - 1; index >= 0; index--) {
    const entry = entries[index];
    if (entry?.message === 'request' && entry.fields['requestId'] === requestId) {
      return entry.fields['path'] as string | undefined;
    }
  }
  throw new Error(`no request log line for ${String(requestId)}`);
}

/** The invariant every answer to every input must keep. */
function expectSafeAnswer(input: Input, response: Response): void {
  count(response.status);
  const where = describeInput(input);
  const text = response.text ?? '';
  expect(response.status, where).toBeGreaterThanOrEqual(200);
  expect(response.status, where).toBeLessThan(500);
  const requestId = response.headers['x-request-id'];
  expect(requestId, where).toMatch(SAFE_REQUEST_ID);
  const route = matchedRoute(response);
  if (input.method === 'HEAD') {
    expect(text, where).toBe('');
    const get = route === undefined ? undefined : document.paths[route]?.['get'];
    if (route === undefined) expect(response.status, where).toBe(404);
    else if (get === undefined) expect(response.status, where).toBe(405);
    else expect(Object.keys(get.responses), where).toContain(String(response.status));
    return;
  }
  const contentType = String(response.headers['content-type'] ?? '');
  if (contentType.startsWith('application/json')) {
    for (const leak of LEAKS) expect(text, where).not.toMatch(leak);
  }
  if (response.status >= 400) {
    expect(contentType, where).toMatch(/^application\/json/);
    expect(response.body.requestId, where).toBe(requestId);
  }
  expectToMatchSpec(response, input.method, route ?? input.path);
}

async function check(input: Input): Promise<Response> {
  const response = await send(input);
  expectSafeAnswer(input, response);
  return response;
}

const post = (operation: ContractOperation, body: unknown): Input => ({
  method: operation.method.toUpperCase(),
  path: operation.path,
  body: JSON.stringify(body) ?? '',
  contentType: 'application/json',
});

function expectCode(response: Response, codes: readonly string[], where: string): void {
  expect(response.status, where).toBe(400);
  expect(codes, `${where}: ${JSON.stringify(response.body)}`).toContain(response.body.code);
}

/** A batch-like answer whose only item failed with one of `codes`. */
function expectItemFailure(response: Response, codes: readonly string[], where: string): void {
  expect(response.status, where).toBeLessThan(300);
  const [result] = response.body.results as { status: unknown; error?: { code: string } }[];
  expect(result?.status === 400 || result?.status === 'failed', `${where}: ${JSON.stringify(result)}`).toBe(
    true,
  );
  expect(codes, `${where}: ${JSON.stringify(result)}`).toContain(result?.error?.code);
}

function decodeClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

/** Places a fuzzed value where each route reads input: the whole body, a field, or an item. */
function placed(value: fc.Arbitrary<unknown>): fc.Arbitrary<{ operation: ContractOperation; body: unknown }> {
  return fc.constantFrom(...BODY_OPERATIONS).chain((operation) => {
    const fields = propertiesOf(requestSchema(operation)).map(([name]) => name);
    const items = ITEMS[operation.operationId];
    const itemFields = items ? propertiesOf(componentSchema(items.schema)).map(([name]) => name) : [];
    const base = VALID_BODY[operation.operationId] ?? {};
    const placements: fc.Arbitrary<unknown>[] = [
      value,
      fc
        .tuple(fc.constantFrom(...fields, 'unknownField'), value)
        .map(([field, fuzzed]) => ({ ...base, [field]: fuzzed })),
    ];
    if (items) {
      placements.push(value.map((fuzzed) => ({ [items.field]: [fuzzed] })));
      placements.push(
        fc
          .tuple(fc.constantFrom(...itemFields), value)
          .map(([field, fuzzed]) => ({ [items.field]: [{ ...items.valid, [field]: fuzzed }] })),
      );
    }
    return fc.oneof(...placements).map((body) => ({ operation, body }));
  });
}

// biome-ignore format: a table of inputs, packed
const EDGE_UNITS = [
  '\u0000', '\u0001', '\u0008', '\u001b', '\u001f', '\u007f', '\u0085', '\u009f', '\u00a0', '\u00ad',
  '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u202a', '\u202e', '\u2066', '\u2069', '\u2028',
  '\u2029', '\u3000', '\ufeff', '\ufffd', '\ufffe', '\uffff', '\ud800', '\udbff', '\udc00', '\udfff', '😀',
  '👍🏽', '👨‍👩‍👧', '🏳️‍🌈', 'e\u0301', '\u0301', 'Z\u0334\u0327\u035d', 'ﬁ', 'İ', 'ß', 'ǅ', 'Ω', 'Ａ', '，', 'а',
  'ا', 'א', '𝔘', '\t', '\n', '\r', '"', '\\', '/', ',', '%', '\u0130',
] as const;
const unicodeText = fc.string({
  unit: fc.oneof(fc.constantFrom(...EDGE_UNITS), fc.constantFrom('a', 'B', '7', '-', '_', '.')),
  minLength: 1,
  maxLength: 45,
});

/** An origin a browser could send: http(s), optional `*.`, DNS labels, a non-default port. */
const dnsLabel = fc
  .tuple(fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/), fc.boolean())
  .map(([text, upper]) => (upper ? text.toUpperCase() : text));
const validOrigin = fc
  .record({
    scheme: fc.constantFrom('http', 'https', 'HTTPS', 'Http'),
    wildcard: fc.boolean(),
    labels: fc.array(dnsLabel, { minLength: 1, maxLength: 4 }),
    port: fc.option(fc.integer({ min: 1, max: 65_535 }), { nil: undefined }),
  })
  .filter(({ scheme, wildcard, labels, port }) => {
    const defaultPort = scheme.toLowerCase() === 'https' ? 443 : 80;
    return (!wildcard || labels.length >= 2) && port !== defaultPort;
  })
  .map(({ scheme, wildcard, labels, port }) => {
    const origin = `${scheme}://${wildcard ? '*.' : ''}${labels.join('.')}${port === undefined ? '' : `:${port}`}`;
    return { origin, canonical: origin.replace(/^[^:]+:\/\/[^:]+/, (head) => head.toLowerCase()) };
  });

/** Characters that can never be part of an origin: each one, anywhere, must be refused. */
// biome-ignore format: a table of inputs, packed
const ORIGIN_INJECTIONS = [
  ',', ',https://evil.example', ', https://evil.example', '\r\n', '\r', '\n', ' ', '\t', '/', '/path', '?',
  '?q=1', '#', '#frag', '@', 'user:pass@', '%2C', '%0d%0a', ';', '\u0000', '\u2028', '，', '\u200b', 'ü', 'é',
  '例', '"', "'", '<', '>', '\\', '[', ']', '{', '|', '^', '`', '!', '$', '&', '(', ')', '+', '=', '~', '_',
  '\u00a0', '\ufeff', '\u202e',
] as const;
// biome-ignore format: a table of inputs, packed
const HOSTILE_ORIGINS = [
  'javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', 'ftp://a.example',
  'ws://a.example', 'wss://a.example', 'blob:https://a.example/0b6f', 'about:blank', 'null', '*',
  'https://*', 'https://*.com', '//a.example', 'https:a.example', 'https:/a.example', 'https://',
  'https://a.example:', 'https://a.example:0', 'https://a.example:65536', 'https://a.example:080',
  'https://a.example:443', 'http://a.example:80', 'https://[::1]', 'https://[::1]:8443', 'https://例え.jp',
  'https://ünicode.example', 'https://a..example', 'https://.a.example', 'https://a.example.',
  'https://-a.example', 'https://a-.example', `https://${'a'.repeat(64)}.example`,
  `https://${'a.'.repeat(127)}example`, ' https://a.example', 'https://a.example ', 'https://user@a.example',
  'https://a.example/', 'https://a.example?', '', 'https://a.example,https://b.example',
  'https://a.example%2c.b.example', 'https://ａ.example',
] as const;

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  context = await buildTestApp();
});

afterAll(() => {
  const statuses = [...tally.byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}: ${n.toLocaleString('en-US')}`);
  console.log(`fuzz: ${tally.inputs.toLocaleString('en-US')} inputs, ${statuses.join(', ')}`);
});

// Taken before any input arrives; the last test compares.
const PROTOTYPES = [
  Object.prototype,
  Array.prototype,
  Function.prototype,
  String.prototype,
  Number.prototype,
];
const PROTOTYPES_BEFORE = PROTOTYPES.map((prototype) => Object.getOwnPropertyDescriptors(prototype));

describe('fuzzing every route of openapi.yaml', () => {
  it('has a valid example body for every route that takes one, and knows every item list', () => {
    const itemLists = BODY_OPERATIONS.flatMap((operation) =>
      propertiesOf(requestSchema(operation))
        .filter(([, schema]) => schema.type === 'array' && Object.keys(schema.items ?? {}).length === 0)
        .map(([field]) => `${operation.operationId}.${field}`),
    );

    expect(Object.keys(VALID_BODY).sort()).toEqual(
      BODY_OPERATIONS.map((operation) => operation.operationId).sort(),
    );
    expect(
      Object.entries(ITEMS)
        .map(([id, items]) => `${id}.${items.field}`)
        .sort(),
    ).toEqual(itemLists.sort());
  });

  it('answers the valid example of every route with its success status', async () => {
    for (const operation of OPERATIONS) {
      const body = VALID_BODY[operation.operationId];
      const input: Input = body
        ? post(operation, body)
        : { method: operation.method.toUpperCase(), path: operation.path };

      const response = await check(input);

      expect(response.status, label(operation)).toBeLessThan(300);
    }
  });

  it('answers any JSON value, as the body, a field or an item, with 2xx or a 4xx error in the error shape', async () => {
    await fc.assert(
      fc.asyncProperty(placed(fc.jsonValue({ maxDepth: 4 })), async ({ operation, body }) => {
        await check(post(operation, body));
      }),
      { numRuns: RUNS.jsonValue },
    );
  });

  it('answers any JavaScript value serialised as JSON with 2xx or a 4xx error in the error shape', async () => {
    const anything = fc.anything({
      maxDepth: 3,
      withBoxedValues: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withTypedArray: true,
      withSparseArray: true,
      withDate: true,
    });

    await fc.assert(
      fc.asyncProperty(placed(anything), async ({ operation, body }) => {
        await check({ ...post(operation, body), body: JSON.stringify(body) ?? '' });
      }),
      { numRuns: RUNS.anything },
    );
  });

  describe.each(BODY_OPERATIONS.map((operation) => [label(operation), operation] as const))(
    '%s',
    (_name, operation) => {
      const JSON_SAMPLES: Readonly<Record<string, readonly unknown[]>> = {
        null: [null],
        boolean: [true, false],
        integer: [0, 7, -1, 2 ** 53],
        number: [1.5, -0.25],
        string: ['', 'x', '1', 'true', 'null'],
        array: [[], [null], ['x'], [{}]],
        object: [{}, { a: 1 }, { length: 1 }],
      };
      const accepts = (schema: Schema, kind: string) => {
        const type = schema.type ?? (schema.enum || typeof schema.const === 'string' ? 'string' : undefined);
        if (type === undefined) return true;
        return kind === type || (type === 'number' && kind === 'integer');
      };
      const wrongValues = (schema: Schema) =>
        Object.entries(JSON_SAMPLES).flatMap(([kind, values]) => (accepts(schema, kind) ? [] : values));

      it('refuses a wrong type in any field of the request with 400 and that field’s code', async () => {
        const schema = requestSchema(operation);
        const base = VALID_BODY[operation.operationId] ?? {};

        for (const value of wrongValues(schema)) {
          const response = await check(post(operation, value));
          expectCode(response, codesFor(schema), `body ${JSON.stringify(value)}`);
        }
        for (const [field, property] of propertiesOf(schema)) {
          for (const value of wrongValues(property)) {
            const response = await check(post(operation, { ...base, [field]: value }));
            expectCode(response, codesFor(property), `${field}: ${JSON.stringify(value)}`);
          }
          const element = property.items && resolve(property.items);
          if (!element || Object.keys(element).length === 0) continue;
          for (const value of wrongValues(element)) {
            const response = await check(post(operation, { ...base, [field]: [value] }));
            expectCode(response, codesFor(element), `${field}[0]: ${JSON.stringify(value)}`);
          }
        }
      });

      const items = ITEMS[operation.operationId];
      if (!items) return;
      it('refuses a wrong type in any field of an item in that item’s result alone', async () => {
        const schema = componentSchema(items.schema);

        for (const value of wrongValues(schema)) {
          const response = await check(post(operation, { [items.field]: [value] }));
          expectItemFailure(response, codesFor(schema), `item ${JSON.stringify(value)}`);
        }
        for (const [field, property] of propertiesOf(schema)) {
          for (const value of wrongValues(property)) {
            const response = await check(
              post(operation, { [items.field]: [{ ...items.valid, [field]: value }] }),
            );
            expectItemFailure(response, codesFor(property), `item ${field}: ${JSON.stringify(value)}`);
          }
        }
      });
    },
  );

  it('answers 413 PAYLOAD_TOO_LARGE exactly when a body passes the route’s limit, counted in bytes', async () => {
    const units = ['a', 'é', '€', '😀'] as const;
    const arbitrary = fc.record({
      operation: fc.constantFrom(...BODY_OPERATIONS),
      delta: fc.oneof(fc.integer({ min: -48, max: 48 }), fc.constantFrom(0, 1, -1, 5_000, 100_000)),
      unit: fc.constantFrom(...units),
      shape: fc.constantFrom('string', 'array'),
    });

    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ operation, delta, unit, shape }) => {
        const limit = BODY_LIMIT[operation.bodyLimit];
        const size = limit + delta;
        const field =
          propertiesOf(requestSchema(operation)).find(([, schema]) => schema.type === 'array')?.[0] ??
          'emergency';
        const [open, close] = shape === 'string' ? [`{"${field}":"`, '"}'] : [`{"${field}":[`, ']}'];
        let filler: string;
        if (shape === 'string') {
          const room = size - Buffer.byteLength(open + close);
          const unitBytes = Buffer.byteLength(unit);
          filler = unit.repeat(Math.floor(room / unitBytes)) + 'a'.repeat(room % unitBytes);
        } else {
          const room = size - Buffer.byteLength(open + close);
          const elements = Math.floor((room + 1) / 2);
          filler = `${Array.from({ length: elements }, () => '0').join(',')}`;
          filler += ' '.repeat(room - Buffer.byteLength(filler));
        }
        const body = `${open}${filler}${close}`;
        expect(Buffer.byteLength(body)).toBe(size);

        const response = await check({ ...post(operation, null), body });

        if (size > limit) {
          expect(response.status).toBe(413);
          expect(response.body.code).toBe('PAYLOAD_TOO_LARGE');
        } else {
          expect(response.status).toBe(400);
        }
      }),
      { numRuns: RUNS.nearLimit },
    );
  });

  it('refuses documents nested 1000 and more levels deep, within the size limit, with a 4xx or per item', async () => {
    const arbitrary = fc
      .record({
        operation: fc.constantFrom(...BODY_OPERATIONS),
        shape: fc.constantFrom('array', 'object', 'mixed'),
        placement: fc.constantFrom('body', 'field', 'item'),
        fraction: fc.double({ min: 0, max: 1, noNaN: true }),
      })
      .map(({ operation, shape, placement, fraction }) => {
        const perLevel = shape === 'array' ? 2 : 8;
        const maxDepth = Math.floor((BODY_LIMIT[operation.bodyLimit] - 200) / perLevel);
        const depth = 1000 + Math.floor(fraction * (maxDepth - 1000));
        return { operation, shape, placement, depth };
      });

    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ operation, shape, placement, depth }) => {
        const level = (index: number) =>
          shape === 'array' || (shape === 'mixed' && index % 2 === 0) ? ['[', ']'] : ['{"a":', '}'];
        const opens: string[] = [];
        const closes: string[] = [];
        for (let index = 0; index < depth; index++) {
          const [open, close] = level(index) as [string, string];
          opens.push(open);
          closes.unshift(close);
        }
        const deep = `${opens.join('')}1${closes.join('')}`;
        const items = ITEMS[operation.operationId];
        const field = propertiesOf(requestSchema(operation))[0]?.[0];
        const body =
          placement === 'body'
            ? deep
            : placement === 'item' && items
              ? `{"${items.field}":[${deep}]}`
              : `{"${field}":${deep}}`;

        const response = await check({ ...post(operation, null), body });

        // An array given as the item list makes its inner arrays items, each refused on its own.
        const perItem =
          items &&
          (placement === 'item' || (placement === 'field' && field === items.field && deep.startsWith('[')));
        if (perItem) expectItemFailure(response, ['INVALID_REQUEST'], `depth ${depth}`);
        else expect(response.status).toBe(400);
      }),
      { numRuns: RUNS.nesting },
    );
  });

  it('takes unicode edge cases (lone surrogates, bidi and zero-width marks, NUL, controls, emoji, combining marks) exactly or refuses them', async () => {
    const issue = byId('issuePlaybackToken');
    const arbitrary = fc.record({
      text: unicodeText,
      target: fc.constantFrom(
        'viewerId',
        'channelArn',
        'origin',
        'key',
        'maximumResolution',
        'revokeViewerId',
      ),
      escaped: fc.boolean(),
    });

    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ text, target, escaped }) => {
        const bodies: Record<typeof target, [ContractOperation, unknown]> = {
          viewerId: [issue, { channelArn: CHANNEL_ARN, viewerId: text }],
          channelArn: [issue, { channelArn: `${CHANNEL_ARN.slice(0, -4)}${text}` }],
          origin: [issue, { channelArn: CHANNEL_ARN, allowedOrigins: [`https://a${text}.example`] }],
          key: [issue, { channelArn: CHANNEL_ARN, [text]: 1 }],
          maximumResolution: [issue, { channelArn: CHANNEL_ARN, maximumResolution: text }],
          revokeViewerId: [
            byId('revokeViewerSessions'),
            { sessions: [{ channelArn: CHANNEL_ARN, viewerId: text }] },
          ],
        };
        const [operation, value] = bodies[target];
        const json = JSON.stringify(value);
        // Unescaped, every character travels as UTF-8 (a lone surrogate becomes U+FFFD on the way).
        const body = escaped
          ? json
          : json.replace(/\\u([0-9a-f]{4})/g, (_all, hex: string) =>
              String.fromCharCode(Number.parseInt(hex, 16)),
            );
        const received = escaped ? text : Buffer.from(text, 'utf8').toString('utf8');

        const response = await check({ ...post(operation, null), body });

        if (target === 'viewerId' && response.status === 201) {
          expect(decodeClaims(response.body.token)['aws:viewer-id']).toBe(received);
        } else if (target === 'viewerId') {
          expect(['INVALID_VIEWER_ID', 'MALFORMED_JSON']).toContain(response.body.code);
        } else if (target === 'channelArn' && !/^[A-Za-z0-9-]+$/.test(received)) {
          expect(['INVALID_CHANNEL_ARN', 'MALFORMED_JSON']).toContain(response.body.code);
        } else if (target === 'origin' && !/^[A-Za-z0-9.-]+$/.test(received)) {
          expect(['INVALID_ORIGIN', 'MALFORMED_JSON']).toContain(response.body.code);
        } else if (target === 'key' || target === 'maximumResolution') {
          expect(response.status).toBe(400);
        }
      }),
      { numRuns: RUNS.unicode },
    );
  });

  it('refuses __proto__, constructor and prototype keys at every level without polluting anything', async () => {
    const arbitrary = fc.record({
      operation: fc.constantFrom(...BODY_OPERATIONS),
      key: fc.constantFrom('__proto__', 'constructor', 'prototype'),
      level: fc.constantFrom('root', 'item', 'field', 'deep'),
      first: fc.boolean(),
      payload: fc.constantFrom(
        '{"polluted":"yes"}',
        '{"prototype":{"polluted":"yes"}}',
        '{"__proto__":{"polluted":"yes"}}',
        '{"emergency":true}',
        '{"isAdmin":true,"scopes":["keys:admin"]}',
        `{"channelArn":"${CHANNEL_ARN}"}`,
        '[]',
        'null',
        '"polluted"',
      ),
    });

    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ operation, key, level, first, payload }) => {
        const injected = `"${key}":${payload}`;
        const withKey = (object: Record<string, unknown>) => {
          const fields = JSON.stringify(object).slice(1, -1);
          if (fields === '') return `{${injected}}`;
          return first ? `{${injected},${fields}}` : `{${fields},${injected}}`;
        };
        const items = ITEMS[operation.operationId];
        const base = VALID_BODY[operation.operationId] ?? {};
        const field = propertiesOf(requestSchema(operation))[0]?.[0] ?? 'emergency';
        const body =
          level === 'item' && items
            ? `{"${items.field}":[${withKey(items.valid)}]}`
            : level === 'field'
              ? `{"${field}":${withKey({})}}`
              : level === 'deep'
                ? `{"${field}":[{"a":{"b":${withKey({ c: 1 })}}}]}`
                : withKey(base);

        const response = await check({ ...post(operation, null), body });

        // Inside an item the route refuses that item alone; anywhere else the whole request.
        if (items && (level === 'item' || level === 'deep'))
          expectItemFailure(response, ['INVALID_REQUEST'], body);
        else expectCode(response, ['INVALID_REQUEST', 'INVALID_CHANNEL_ARN'], body);
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
        expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
      }),
      { numRuns: RUNS.prototypeKeys },
    );
  });

  it('answers raw non-JSON bodies and odd content types with 415, 400 MALFORMED_JSON or the route’s answer', async () => {
    const contentTypes = [
      'application/json',
      'application/json; charset=utf-8',
      'APPLICATION/JSON; CHARSET=UTF-8',
      'application/json;charset=utf-8',
      'application/json; charset=utf-16',
      'application/json; charset=utf-16le',
      'application/json; charset=utf-7',
      'application/json; charset=utf-32',
      'application/json; charset=latin1',
      'application/json; charset=us-ascii',
      'application/json; charset=utf-99',
      'application/json; charset="',
      'application/json, text/plain',
      'text/plain',
      'text/json',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/vnd.api+json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/octet-stream',
      '*/*',
      'application/*',
      'json',
      ';;;',
      null,
      ['application/json', 'text/plain'],
      ['text/plain', 'application/json'],
    ] as const;
    // biome-ignore format: a table of inputs, packed
    const malformed = [
      '{', '{"a":', '{"a":1,}', '[1,]', "{'a':1}", 'NaN', 'undefined', '{"a":1}x', '\u0000', '0x10', '01',
      '"\\x"', ' ',
    ];
    const arbitrary = fc.record({
      operation: fc.constantFrom(...BODY_OPERATIONS),
      contentType: fc.constantFrom(...contentTypes),
      body: fc.oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
        fc.constantFrom(...malformed),
        fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
      ),
    });

    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ operation, contentType, body }) => {
        const sent = Array.isArray(contentType) ? String(body) : body;
        if (sent.length === 0) return;

        const response = await check({ ...post(operation, null), body: sent, contentType });

        const first = (Array.isArray(contentType) ? contentType[0] : contentType) as string | null;
        const [media = '', ...parameters] = (first ?? '').split(';').map((part) => part.trim().toLowerCase());
        const charsetParameter = parameters.find((part) => part.startsWith('charset='));
        // A malformed parameter makes the whole header unparsable: body-parser then assumes UTF-8.
        const charset = charsetParameter?.match(/^charset=([a-z0-9-]+)$/)?.[1];
        if (media !== 'application/json') {
          expect(response.status).toBe(415);
          expect(response.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
        } else if (charsetParameter !== undefined && charset === undefined) {
          expect(response.status).toBeLessThan(500);
        } else if (charset !== undefined && !charset.startsWith('utf-')) {
          expect(response.status).toBe(415);
        } else if (charset === undefined || charset === 'utf-8') {
          let parses = true;
          try {
            JSON.parse(
              Buffer.from(sent)
                .toString('utf8')
                .replace(/^\ufeff/, ''),
            );
          } catch {
            parses = false;
          }
          if (!parses) expect(response.body.code).toBe('MALFORMED_JSON');
        }
      }),
      { numRuns: RUNS.rawBodies },
    );
  });

  it('answers any body under any Content-Encoding with 2xx or a 4xx error, never 500', async () => {
    const compressors: Readonly<Record<string, (bytes: Buffer) => Buffer>> = {
      gzip: gzipSync,
      deflate: deflateSync,
      br: brotliCompressSync,
    };
    const arbitrary = fc.record({
      operation: fc.constantFrom(...BODY_OPERATIONS),
      encoding: fc.constantFrom(
        'gzip',
        'deflate',
        'br',
        'GZIP',
        'x-gzip',
        'compress',
        'identity',
        'gzip, gzip',
        'zstd',
      ),
      content: fc.constantFrom('compressed valid body', 'compressed garbage', 'truncated', 'not compressed'),
      garbage: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    });

    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ operation, encoding, content, garbage }) => {
        const compress = compressors[encoding.toLowerCase()] ?? ((bytes: Buffer) => bytes);
        const valid = Buffer.from(JSON.stringify(VALID_BODY[operation.operationId]));
        const body =
          content === 'compressed valid body'
            ? compress(valid)
            : content === 'compressed garbage'
              ? compress(Buffer.from(garbage))
              : content === 'truncated'
                ? compress(valid).subarray(0, 8)
                : Buffer.concat([Buffer.from('{"'), Buffer.from(garbage)]);

        await check({ ...post(operation, null), body, headers: { 'Content-Encoding': encoding } });
      }),
      { numRuns: RUNS.encodings },
    );
  });

  it('treats every Authorization header but exactly "Bearer <key>" as no credentials, and echoes only safe request ids', async () => {
    const latin1 = fc.oneof(
      fc.integer({ min: 0x20, max: 0x7e }),
      fc.integer({ min: 0xa0, max: 0xff }),
      fc.constant(0x09),
    );
    const latin1Text = (maxLength: number) =>
      fc.string({ unit: latin1.map((code) => String.fromCharCode(code)), maxLength });
    const utf8AsLatin1 = unicodeText
      // Node's client refuses control characters in headers other than tab.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
      .filter((text) => !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(text))
      .map((text) => Buffer.from(text, 'utf8').toString('latin1'));
    const authorization = fc.oneof(
      latin1Text(60),
      utf8AsLatin1.map((text) => `Bearer ${text}`),
      fc
        .tuple(
          fc.constantFrom(
            'Bearer',
            'bearer',
            'BEARER',
            'Bearer\t',
            'Bearer  ',
            ' Bearer',
            'Token',
            'Basic',
            'Bearer:',
          ),
          latin1Text(3),
          fc.constantFrom('', ' ', '\t', ',', 'x'),
        )
        .map(
          ([scheme, middle, suffix]) =>
            (key: string) =>
              `${scheme} ${middle}${key}${suffix}`,
        ),
      fc.constantFrom(
        (key: string) => `Bearer ${key.toUpperCase()}`,
        (key: string) => `Bearer ${key.replace('ipa_', 'IPA_')}`,
      ),
      fc.integer({ min: 512, max: SAFE_HEAD_BYTES / 2 }).map((length) => `Bearer ${'A'.repeat(length)}`),
      fc.constantFrom(
        (key: string) => [`Bearer ${key}`, 'Bearer nope'],
        (key: string) => ['Bearer nope', `Bearer ${key}`],
        (key: string) => `Bearer ${key}, Bearer ${key}`,
      ),
    );
    const requestId = fc.oneof(
      fc.stringMatching(SAFE_REQUEST_ID),
      latin1Text(200),
      utf8AsLatin1,
      fc.integer({ min: 129, max: SAFE_HEAD_BYTES / 2 }).map((length) => 'r'.repeat(length)),
      fc.constant(['one', 'two']),
    );
    const arbitrary = fc.record({
      operation: fc.constantFrom(...OPERATIONS.filter((operation) => operation.requiredScope !== undefined)),
      authorization,
      requestId: fc.option(requestId, { nil: undefined }),
    });

    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ operation, authorization, requestId }) => {
        const key = context.apiKeys.all;
        const header = typeof authorization === 'function' ? authorization(key) : authorization;
        const body = VALID_BODY[operation.operationId];
        const base: Input = body
          ? post(operation, body)
          : { method: operation.method.toUpperCase(), path: operation.path };

        const response = await check({
          ...base,
          authorization: header,
          headers: requestId === undefined ? {} : { 'x-request-id': requestId },
        });

        // Repeated Authorization lines are refused outright (a proxy might honour another one);
        // Node trims the whitespace around a single one.
        const effective = Array.isArray(header) ? undefined : header;
        const authenticated =
          effective !== undefined &&
          /^bearer (\S+)$/i.exec(effective.replace(/^[ \t]+|[ \t]+$/g, ''))?.[1] === key;
        // The adoption example is refused, correctly, while a key of the service's own drains as
        // previous: a fuzzed rotation without `emergency` (another test's) leaves one behind.
        const adoptionWhileDraining =
          operation.operationId === 'adoptPlaybackKey' && response.body.code === 'PREVIOUS_KEY_DRAINING';
        if (authenticated && !adoptionWhileDraining) expect(response.status).toBeLessThan(300);
        else if (!authenticated) expect(response.body.code).toBe('UNAUTHENTICATED');
        const seen = typeof requestId === 'string' ? requestId.replace(/^[ \t]+|[ \t]+$/g, '') : undefined;
        if (seen !== undefined && SAFE_REQUEST_ID.test(seen))
          expect(response.headers['x-request-id']).toBe(seen);
        else expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      }),
      { numRuns: RUNS.headers },
    );
  });

  it('answers every method a path does not declare with 405 and an Allow header, and HEAD like GET', async () => {
    const methods = [
      'GET',
      'POST',
      'PUT',
      'PATCH',
      'DELETE',
      'HEAD',
      'OPTIONS',
      'TRACE',
      'SEARCH',
      'PROPFIND',
      'PURGE',
      'LOCK',
      'COPY',
    ];

    for (const path of SPEC_PATHS) {
      const declared = Object.keys(document.paths[path] ?? {}).map((method) => method.toUpperCase());
      const allow = declared.includes('GET') ? [...declared, 'HEAD'] : declared;
      for (const method of methods) {
        const operation = OPERATIONS.find(
          (candidate) => candidate.path === path && candidate.method.toUpperCase() === method,
        );
        const body = operation && VALID_BODY[operation.operationId];
        const input: Input = body ? { ...post(operation, body), method } : { method, path };

        const response = await check(input);

        if (!allow.includes(method)) {
          expect(response.status, `${method} ${path}`).toBe(405);
          expect(response.headers['allow'], `${method} ${path}`).toBe(allow.join(', '));
        } else {
          expect(response.status, `${method} ${path}`).toBeLessThan(300);
        }
      }
    }
  });

  it('answers odd paths and query strings with the matched route’s answer or 404, never more', async () => {
    // biome-ignore format: a table of inputs, packed
    const odd = [
      '//v1/playback-tokens', '/v1/playback-tokens/', '/v1//playback-tokens', '/v1/playback-tokens//',
      '/V1/PLAYBACK-TOKENS', '/v1/%2e%2e/healthz', '/%2e%2e/%2e%2e/etc/passwd', '/v1/playback-tokens%2F',
      '/v1%2Fplayback-tokens', '/healthz%00', '/healthz;x=1', '/healthz/.', '/.well-known/jwks.json/',
      '/.WELL-KNOWN/JWKS.JSON', '/healthz?x=1',
      '/healthz?__proto__[polluted]=1&constructor[prototype][polluted]=1',
      '/v1/playback-tokens?channelArn=x', '/%', '/%zz', '/%C0%AE%C0%AE/', '/%ff', '/healthz#fragment',
      `/${'a'.repeat(SAFE_HEAD_BYTES - 1000)}`, `/v1/playback-tokens/${'x/'.repeat(4000)}`,
      `/healthz?${'a=1&'.repeat(2500)}`, '/v1/playback-tokens?', '/openapi.yaml?raw', '/metrics/',
    ];
    const segment = fc.string({
      unit: fc.constantFrom(
        'a',
        'v1',
        'playback-tokens',
        '.',
        '..',
        '%2e',
        '%2f',
        '%00',
        '%',
        '~',
        ';',
        '@',
        ':',
        '*',
        '!',
        '%E2%80%AE',
        '%F0%9F%98%80',
        '_',
      ),
      maxLength: 6,
    });
    const arbitrary = fc.record({
      method: fc.constantFrom('GET', 'POST', 'HEAD', 'DELETE', 'OPTIONS'),
      path: fc.oneof(
        fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => `/${parts.join('/')}`),
        fc.tuple(fc.constantFrom(...SPEC_PATHS), segment).map(([path, extra]) => `${path}${extra}`),
        fc
          .tuple(fc.constantFrom(...SPEC_PATHS), fc.string({ maxLength: 40 }))
          .map(([path, query]) => `${path}?${encodeURIComponent(query)}`),
      ),
    });

    for (const path of odd) {
      for (const method of ['GET', 'POST']) {
        const operation = OPERATIONS.find(
          (candidate) =>
            candidate.method.toUpperCase() === method && path.toLowerCase().startsWith(candidate.path),
        );
        const body = operation && VALID_BODY[operation.operationId];
        await check(body ? { ...post(operation, body), path } : { method, path });
      }
    }
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ method, path }) => {
        await check({ method, path });
      }),
      { numRuns: RUNS.paths },
    );
  });

  it('leaves requests that Node’s HTTP parser refuses (Content-Length mismatch, oversized head) at a bare 4xx without reaching the app', async () => {
    const issue = byId('issuePlaybackToken');
    const body = JSON.stringify(VALID_BODY['issuePlaybackToken']);
    const refused = [
      { name: 'Content-Length shorter than the body', headers: { 'Content-Length': '5' } },
      { name: 'Content-Length not a number', headers: { 'Content-Length': 'abc' } },
      { name: 'Transfer-Encoding together with Content-Length', headers: { 'Transfer-Encoding': 'chunked' } },
      { name: 'a request head over 16 KiB', headers: { 'x-request-id': 'r'.repeat(20_000) } },
    ];

    for (const { name, headers } of refused) {
      const logged = context.logger.entries.length;

      const response = await send({
        method: 'POST',
        path: issue.path,
        body,
        contentType: 'application/json',
        headers,
      }).catch((error: unknown) => ({ status: 0, text: String(error) }) as Response);
      count(response.status);

      expect(response.status, name).toBeGreaterThanOrEqual(400);
      expect(response.status, name).toBeLessThan(500);
      for (const leak of LEAKS) expect(response.text ?? '', name).not.toMatch(leak);
      if (!String(response.headers?.['content-type']).startsWith('application/json')) {
        expect(
          context.logger.entries.slice(logged).filter((entry) => entry.message !== 'request'),
          name,
        ).toEqual([]);
      }
    }
  });

  it('refuses every origin that could smuggle a second one into the comma-joined claim with 400 INVALID_ORIGIN', async () => {
    const issue = byId('issuePlaybackToken');
    const hostile = fc.oneof(
      fc.constantFrom(...HOSTILE_ORIGINS),
      fc
        .tuple(validOrigin, fc.constantFrom(...ORIGIN_INJECTIONS), fc.nat())
        .map(([{ origin }, injection, at]) => {
          const index = at % (origin.length + 1);
          return `${origin.slice(0, index)}${injection}${origin.slice(index)}`;
        }),
    );
    const arbitrary = fc.record({
      before: fc.uniqueArray(validOrigin, { maxLength: 5, selector: (origin) => origin.canonical }),
      hostile,
      after: fc.uniqueArray(validOrigin, { maxLength: 5, selector: (origin) => origin.canonical }),
    });

    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ before, hostile, after }) => {
        const allowedOrigins = [
          ...before.map(({ origin }) => origin),
          hostile,
          ...after.map(({ origin }) => origin),
        ];

        const response = await check(post(issue, { channelArn: CHANNEL_ARN, allowedOrigins }));

        expect(response.status, JSON.stringify(hostile)).toBe(400);
        expect(response.body.code, JSON.stringify(hostile)).toBe('INVALID_ORIGIN');
        expect(response.body.details.field).toBe(`allowedOrigins[${before.length}]`);
      }),
      { numRuns: RUNS.hostileOrigins },
    );
  });

  it('puts accepted origins into the claim so that it splits on commas back into exactly those origins', async () => {
    const issue = byId('issuePlaybackToken');
    const origins = fc.uniqueArray(
      fc.oneof(
        validOrigin,
        fc.constant({ origin: 'https://xn--r8jz45g.jp', canonical: 'https://xn--r8jz45g.jp' }),
      ),
      { minLength: 1, maxLength: 50, selector: (origin) => origin.canonical },
    );

    await fc.assert(
      fc.asyncProperty(origins, fc.boolean(), async (accepted, strict) => {
        const strictOriginEnforcement = strict && accepted.length <= 5;

        const response = await check(
          post(issue, {
            channelArn: CHANNEL_ARN,
            allowedOrigins: accepted.map(({ origin }) => origin),
            strictOriginEnforcement,
          }),
        );

        expect(response.status, JSON.stringify(response.body)).toBe(201);
        const claims = decodeClaims(response.body.token);
        const claim = String(claims['aws:access-control-allow-origin']);
        expect(claim.split(',')).toEqual(accepted.map(({ canonical }) => canonical));
        expect(claim).toMatch(/^[a-z0-9:/*.,-]+$/);
        expect(claims['aws:strict-origin-enforcement']).toBe(strictOriginEnforcement ? true : undefined);
      }),
      { numRuns: RUNS.acceptedOrigins },
    );
  });

  it('is still up, and no prototype was polluted, after every input above', async () => {
    const health = await check({ method: 'GET', path: '/healthz' });

    expect(health.status).toBe(200);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.keys({})).toEqual([]);
    const inherited: string[] = [];
    for (const key in {}) inherited.push(key);
    expect(inherited).toEqual([]);
    PROTOTYPES.forEach((prototype, index) => {
      const before = PROTOTYPES_BEFORE[index] as Record<string, PropertyDescriptor>;
      const now = Object.getOwnPropertyDescriptors(prototype) as Record<string, PropertyDescriptor>;
      expect(Reflect.ownKeys(now)).toEqual(Reflect.ownKeys(before));
      for (const key of Reflect.ownKeys(before) as string[]) {
        expect(now[key]?.value, String(key)).toBe(before[key]?.value);
        expect(now[key]?.get, String(key)).toBe(before[key]?.get);
        expect(now[key]?.set, String(key)).toBe(before[key]?.set);
      }
    });
  });
});
