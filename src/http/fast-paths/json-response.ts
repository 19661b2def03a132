import type { Response } from 'express';

let lastExpiry = Number.NaN;
let lastExpiryText = '';

/** `toISOString`, remembered for the last expiry: tokens issued in the same second share one. */
export function isoExpiry(expiresAt: Date): string {
  const time = expiresAt.getTime();
  if (time !== lastExpiry) {
    lastExpiryText = expiresAt.toISOString();
    lastExpiry = time;
  }
  return lastExpiryText;
}

/**
 * What `res.status(status).json(body)` sends with this app's settings (no ETag, no JSON spaces or
 * replacer, never a HEAD or a conditional request on these routes): the same status, headers in the
 * same order, and bytes, without express's per-call settings lookups and content-type re-parsing.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json, 'utf8');
}
