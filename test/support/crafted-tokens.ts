import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';

/**
 * Tokens built by hand, to break exactly one rule at a time: any header, any claims, signed by any
 * key (or the service's own signer), with the signature in any form. Independent of the service's
 * token issuer, which refuses to make most of them.
 */

export interface CraftedKey {
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
}

/** A P-384 key pair that is not the service's (a "foreign" signer). Parsed from PEM (see signing.ts). */
export function craftKey(): CraftedKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'P-384',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKey: createPrivateKey(privateKey), publicKeyPem: publicKey };
}

export const ES384_HEADER = { alg: 'ES384', typ: 'JWT' } as const;

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export interface CraftOptions {
  readonly header?: Record<string, unknown>;
  /** `raw` (default) R‖S, `der` ASN.1, or cut to this many bytes. */
  readonly form?: 'raw' | 'der' | { readonly cutTo: number };
}

/** Signs `claims` with `key` as a compact JWS. */
export function craftToken(
  claims: Record<string, unknown>,
  key: CraftedKey,
  options: CraftOptions = {},
): string {
  const input = `${encode(options.header ?? ES384_HEADER)}.${encode(claims)}`;
  const form = options.form ?? 'raw';
  const signature = sign('sha384', Buffer.from(input), {
    key: key.privateKey,
    dsaEncoding: form === 'der' ? 'der' : 'ieee-p1363',
  });
  const bytes = typeof form === 'object' ? signature.subarray(0, form.cutTo) : signature;
  return `${input}.${bytes.toString('base64url')}`;
}

/** Signs `claims` with a signer of the service (its current key: `keyCache.signingKey()`). */
export async function craftTokenWith(
  signer: { sign(input: Uint8Array): Promise<Buffer> },
  claims: Record<string, unknown>,
  header: Record<string, unknown> = ES384_HEADER,
): Promise<string> {
  const input = `${encode(header)}.${encode(claims)}`;
  const signature = await signer.sign(Buffer.from(input));
  return `${input}.${signature.toString('base64url')}`;
}

/** Unix seconds `offset` seconds after `now`. */
export function secondsFrom(now: Date, offset: number): number {
  return Math.floor(now.getTime() / 1000) + offset;
}
