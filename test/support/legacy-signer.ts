import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';

/**
 * A team's signer from before this service, as the IVS guide's samples make one: a P-384 key made
 * with openssl or in the IVS console (a SEC1 `BEGIN EC PRIVATE KEY` file), its public half imported
 * into IVS by hand, and tokens signed with jose outside the service.
 */
export interface LegacyKey {
  /** SEC1 PEM, as `openssl ecparam -name secp384r1 -genkey -noout` and the IVS console write it. */
  readonly sec1Pem: string;
  /** The same key as PKCS#8 PEM. */
  readonly pkcs8Pem: string;
  /** SPKI PEM: what was given to `aws ivs import-playback-key-pair`. */
  readonly publicKeyPem: string;
}

export function makeLegacyKey(curve: 'P-384' | 'P-256' = 'P-384'): LegacyKey {
  const { privateKey } = generateKeyPairSync('ec', {
    namedCurve: curve,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'sec1', format: 'pem' },
  });
  // Parsed back from PEM, never exported from the generated KeyObject (a Node 20 deadlock; see
  // the start-up self-test).
  const parsed = createPrivateKey(privateKey);
  return {
    sec1Pem: privateKey,
    pkcs8Pem: parsed.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: createPublicKey(parsed).export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * A SEC1 file pieced together from two keys: `privateOf`'s private scalar with `publicOf`'s public
 * point (P-384 SEC1 DER ends with the 97-byte uncompressed point).
 */
export function sec1WithPublicHalfOf(privateOf: LegacyKey, publicOf: LegacyKey): string {
  const der = (key: LegacyKey) =>
    createPrivateKey(key.sec1Pem).export({ type: 'sec1', format: 'der' }) as Buffer;
  const mine = der(privateOf);
  const theirs = der(publicOf);
  const spliced = Buffer.concat([mine.subarray(0, mine.length - 97), theirs.subarray(theirs.length - 97)]);
  const body = spliced
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN EC PRIVATE KEY-----\n${body}\n-----END EC PRIVATE KEY-----\n`;
}

/** A token as the legacy signer makes it: ES384, `exp` in seconds, signed outside the service. */
export async function signLegacyToken(
  key: LegacyKey,
  claims: { readonly channelArn: string; readonly ttlSeconds?: number; readonly viewerId?: string },
): Promise<string> {
  const payload: Record<string, unknown> = { 'aws:channel-arn': claims.channelArn };
  if (claims.viewerId !== undefined) payload['aws:viewer-id'] = claims.viewerId;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES384', typ: 'JWT' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + (claims.ttlSeconds ?? 600))
    .sign(createPrivateKey(key.sec1Pem));
}
