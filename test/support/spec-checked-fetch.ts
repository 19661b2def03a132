import { expectAnswerToMatchSpec } from './spec.js';

/**
 * A fetch for the typed client in tests: every answer is checked against openapi.yaml (status,
 * media type, body), as supertest responses are with `expectToMatchSpec`, and handed on unread.
 */
export async function specCheckedFetch(request: Request): Promise<Response> {
  const method = request.method;
  const path = new URL(request.url).pathname;
  const response = await fetch(request);
  const copy = response.clone();
  const contentType = (copy.headers.get('content-type') ?? '').split(';')[0] ?? '';
  const text = await copy.text();
  expectAnswerToMatchSpec(
    {
      status: response.status,
      contentType,
      body: contentType === 'application/json' ? JSON.parse(text) : text,
    },
    method,
    path,
  );
  return response;
}
