// Each speed-up of src/http/fast-paths/ against the library path it replaces, on the same inputs:
// what a client receives (status, headers, bytes) or what the next middleware sees must be equal.
import express, { type Request, type Response } from 'express';
import fc from 'fast-check';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { configuredExpress } from '../../src/http/create-app.js';
import { isoExpiry, readDeclaredLengthJson, sendJson } from '../../src/http/fast-paths/index.js';
import { byDepth } from '../support/test-depth.js';

const RUNS = byDepth(60, 400);
const LIMIT = 16_384;

/** What the error middleware reads of a body error (it maps `type` and `status` to our codes). */
function bodyOutcome(error: unknown, req: Request) {
  if (error === undefined) return { body: req.body as unknown };
  const { type, status, statusCode, expose } = error as Record<string, unknown>;
  return { error: { type, status, statusCode, expose } };
}

/** `/direct` reads with the fast path, `/library` with express.json as create-app.ts configures it. */
function bodyApp() {
  const app = configuredExpress(false);
  const library = express.json({ limit: LIMIT, strict: false, type: 'application/json', inflate: false });
  app.post('/direct', (req: Request, res: Response) =>
    readDeclaredLengthJson(req, Number(req.headers['content-length']), (error) =>
      res.json(bodyOutcome(error, req)),
    ),
  );
  app.post('/library', (req: Request, res: Response) =>
    library(req, res, (error?: unknown) => res.json(bodyOutcome(error, req))),
  );
  return app;
}

const jsonText = fc.oneof(
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.jsonValue().map((value) => JSON.stringify(value, null, 2)),
  fc.string({ unit: 'grapheme', minLength: 1 }),
  fc.constantFrom('{', '{"a":1', 'nul', '1e999', '-0', '"\\ud800"', '{"__proto__":{"x":1}}', ' 42 '),
);
const bodyBytes = fc.oneof(
  jsonText.map((text) => Buffer.from(text, 'utf8')),
  jsonText.map((text) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
);

describe('readDeclaredLengthJson (fast-paths/json-body.ts)', () => {
  it('leaves the same body, or the same error type and status, as express.json', async () => {
    const app = bodyApp();
    const post = (path: string, bytes: Buffer) =>
      request(app)
        .post(path)
        .set('Content-Type', 'application/json')
        // the bytes as they are, not JSON-encoded by the client (superagent sends a Buffer as is)
        .serialize((raw: Buffer) => raw as unknown as string)
        .send(bytes);
    const withBom = Buffer.from('\ufeff{"a":"é"}', 'utf8');
    expect((await post('/direct', withBom)).body).toEqual({ body: { a: 'é' } });
    await fc.assert(
      fc.asyncProperty(bodyBytes, async (bytes) => {
        const [direct, library] = [await post('/direct', bytes), await post('/library', bytes)];
        expect(direct.body).toEqual(library.body);
      }),
      { numRuns: RUNS },
    );
  });
});

/** `/direct` answers with sendJson, `/library` with res.status().json(), on the service's settings. */
function responseApp(status: number, body: unknown) {
  const app = configuredExpress(false);
  app.get('/direct', (_req, res) => sendJson(res, status, body));
  app.get('/library', (_req, res) => {
    res.status(status).json(body);
  });
  return app;
}

describe('sendJson (fast-paths/json-response.ts)', () => {
  it('sends the status, headers (in order) and bytes that res.status().json() sends', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(200, 201), fc.jsonValue(), async (status, body) => {
        const app = responseApp(status, body);
        const [direct, library] = [await request(app).get('/direct'), await request(app).get('/library')];
        const seen = (response: request.Response) => ({
          status: response.status,
          headers: Object.entries(response.headers).filter(([name]) => name !== 'date'),
          bytes: response.text,
        });
        expect(seen(direct)).toEqual(seen(library));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('isoExpiry (fast-paths/json-response.ts)', () => {
  it('formats exactly as Date#toISOString, across repeats and in any order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 253_402_300_799_999 }), { minLength: 1, maxLength: 20 }),
        (times) => {
          for (const time of times) {
            expect(isoExpiry(new Date(time))).toBe(new Date(time).toISOString());
            expect(isoExpiry(new Date(time))).toBe(new Date(time).toISOString());
            expect(isoExpiry(new Date(time + 1))).toBe(new Date(time + 1).toISOString());
          }
        },
      ),
      { numRuns: RUNS * 5 },
    );
  });
});
