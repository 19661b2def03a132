import type { Response } from 'supertest';
import { expect } from 'vitest';
import { loadOpenApiContract } from '../../src/http/openapi-contract.js';

const contract = loadOpenApiContract();
const document = contract.document as {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { $ref?: string; content?: Record<string, unknown> }> }>
  >;
};

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * Asserts that a response is one the contract allows for that operation: the status is listed and
 * the body matches its schema. Routes outside the contract (404, 405) must match `Error`.
 */
export function expectToMatchSpec(response: Response, method: string, path: string): void {
  const contentType = String(response.headers['content-type'] ?? '').split(';')[0] ?? '';
  // Text bodies: superagent keeps `text` for text/* and hands image/* (the console's SVG) over as bytes.
  const body =
    contentType === 'application/json'
      ? response.body
      : (response.text ?? (Buffer.isBuffer(response.body) ? response.body.toString('utf8') : response.body));
  expectAnswerToMatchSpec({ status: response.status, contentType, body }, method, path);
}

/**
 * The same check for a response read some other way (fetch): its status, media type (without
 * parameters) and body, parsed when it is JSON.
 */
export function expectAnswerToMatchSpec(
  answer: { readonly status: number; readonly contentType: string; readonly body: unknown },
  method: string,
  path: string,
): void {
  const status = String(answer.status);
  const operation = document.paths[path]?.[method.toLowerCase()];
  const { contentType } = answer;
  if (!operation) {
    const validate = contract.compile('/components/schemas/Error');
    expect(validate(answer.body), JSON.stringify(validate.errors)).toBe(true);
    return;
  }
  const declared = operation.responses[status];
  expect(declared, `${method} ${path} does not declare status ${status}`).toBeDefined();
  const pointer = declared?.$ref
    ? `${declared.$ref.slice(1)}/content/${escapePointer(contentType)}/schema`
    : `/paths/${escapePointer(path)}/${method.toLowerCase()}/responses/${status}/content/${escapePointer(contentType)}/schema`;
  const validate = contract.compile(pointer);
  expect(validate(answer.body), `${method} ${path} ${status}: ${JSON.stringify(validate.errors)}`).toBe(true);
}
