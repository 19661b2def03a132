import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, CHANNEL_ARN, type TestApp } from '../support/test-app.js';

const PATH = '/v1/playback-tokens';
const LIMIT = 16_384;

/** `{"channelArn": …}` padded with spaces inside the object to exactly `bytes` bytes. */
function bodyOfLength(bytes: number): string {
  const core = JSON.stringify({ channelArn: CHANNEL_ARN });
  return `${core.slice(0, -1)}${' '.repeat(bytes - core.length)}}`;
}

/**
 * Bodies are read directly when they are plain JSON with a declared length, and by express.json
 * otherwise; both paths must answer alike.
 */
describe('POST /v1/playback-tokens request bodies', () => {
  let context: TestApp;
  /** Sends `body` as it is: superagent would otherwise serialise a Buffer with a JSON type as JSON. */
  const post = (body: string | Buffer, headers: Record<string, string> = {}) => {
    const test = request(context.app).post(PATH).set('Authorization', `Bearer ${context.apiKeys.issuer}`);
    for (const [name, value] of Object.entries({ 'Content-Type': 'application/json', ...headers }))
      test.set(name, value);
    return test.serialize((raw: unknown) => raw as string).send(body);
  };

  beforeAll(async () => {
    context = await buildTestApp({ bodyLimitBytes: LIMIT });
  });

  it('accepts a body of exactly the limit and refuses one byte more with 413 PAYLOAD_TOO_LARGE', async () => {
    const atLimit = await post(bodyOfLength(LIMIT));
    const overLimit = await post(bodyOfLength(LIMIT + 1));

    expect(atLimit.status).toBe(201);
    expect(overLimit.status).toBe(413);
    expect(overLimit.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('decodes UTF-8 and drops a leading byte order mark, whatever the charset spelling', async () => {
    const body = `\ufeff${JSON.stringify({ channelArn: CHANNEL_ARN, viewerId: 'zoë-😀' })}`;

    const responses = await Promise.all(
      ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8'].map((type) =>
        post(body, { 'Content-Type': type }),
      ),
    );

    for (const response of responses) {
      expect(response.status).toBe(201);
      const payload = JSON.parse(
        Buffer.from(response.body.token.split('.')[1], 'base64url').toString('utf8'),
      );
      expect(payload['aws:viewer-id']).toBe('zoë-😀');
    }
  });

  it.each([
    ['not JSON', '{"channelArn": ', 'application/json'],
    ['only whitespace', '   ', 'application/json'],
    ['not JSON, with a charset', '{"channelArn": ', 'application/json; charset=utf-8'],
    ['not JSON, with a quoted charset', '{"channelArn": ', 'application/json; charset="utf-8"'],
  ])('answers 400 MALFORMED_JSON for a body that is %s', async (_name, body, type) => {
    const response = await post(body, { 'Content-Type': type });

    expect(response.status).toBe(400);
    expect(response.body.code).toBe('MALFORMED_JSON');
  });

  it('validates JSON that is not an object against the schema, as before', async () => {
    const responses = await Promise.all(['null', '"text"', '[]', '42'].map((body) => post(body)));

    expect(responses.map((response) => [response.status, response.body.code])).toEqual([
      [400, 'INVALID_REQUEST'],
      [400, 'INVALID_REQUEST'],
      [400, 'INVALID_REQUEST'],
      [400, 'INVALID_REQUEST'],
    ]);
  });

  it('reads chunked bodies through express.json and refuses compressed ones with 415', async () => {
    const json = JSON.stringify({ channelArn: CHANNEL_ARN });
    const chunked = await new Promise<request.Response>((resolve, reject) => {
      const test = request(context.app)
        .post(PATH)
        .set('Authorization', `Bearer ${context.apiKeys.issuer}`)
        .set('Content-Type', 'application/json')
        .set('Transfer-Encoding', 'chunked');
      test.write(json.slice(0, 10));
      test.write(json.slice(10));
      test.end((error, response) => (error ? reject(error) : resolve(response)));
    });
    const gzipped = await post(gzipSync(json), { 'Content-Encoding': 'gzip' });

    expect(chunked.status).toBe(201);
    expect(gzipped.status).toBe(415);
    expect(gzipped.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 415 for a charset other than UTF-8', async () => {
    const response = await post(JSON.stringify({ channelArn: CHANNEL_ARN }), {
      'Content-Type': 'application/json; charset=latin1',
    });

    expect(response.status).toBe(415);
    expect(response.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});
