#!/usr/bin/env node
// Checks a token the containerised service issued, with nothing but node:crypto (no project code,
// no dependencies, so it runs from a fresh clone before `npm ci`):
//   node scripts/container/verify-token.mjs RESPONSE.json JWKS.json CHANNEL_ARN TTL_SECONDS
// RESPONSE.json is the body of POST /v1/playback-tokens, JWKS.json the body of
// /.well-known/jwks.json. Prints the decoded header and claims; exits 1 naming every broken rule.
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [responseFile, jwksFile, channelArn, ttlText] = process.argv.slice(2);
if (!responseFile || !jwksFile || !channelArn || !ttlText) {
  process.stderr.write('usage: verify-token.mjs RESPONSE.json JWKS.json CHANNEL_ARN TTL_SECONDS\n');
  process.exit(2);
}
const ttl = Number(ttlText);
const response = JSON.parse(readFileSync(responseFile, 'utf8'));
const jwks = JSON.parse(readFileSync(jwksFile, 'utf8'));
const problems = [];
const check = (ok, message) => {
  if (!ok) problems.push(message);
};

const parts = String(response.token).split('.');
check(parts.length === 3, `a JWT has 3 parts; got ${parts.length}`);
const [headerB64 = '', payloadB64 = '', signatureB64 = ''] = parts;
const decode = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
const header = decode(headerB64);
const claims = decode(payloadB64);
const signature = Buffer.from(signatureB64, 'base64url');

// IVS wants exactly this header (no kid: IVS tries every imported key).
check(
  JSON.stringify(header) === JSON.stringify({ alg: 'ES384', typ: 'JWT' }),
  `header must be {"alg":"ES384","typ":"JWT"}; got ${JSON.stringify(header)}`,
);
check(claims['aws:channel-arn'] === channelArn, `aws:channel-arn must be ${channelArn}`);
// exp in Unix seconds: an integer near now + TTL (milliseconds would be ~1000 times larger).
const now = Math.floor(Date.now() / 1000);
check(Number.isInteger(claims.exp), `exp must be an integer; got ${claims.exp}`);
check(claims.exp < 10_000_000_000, `exp must be in seconds, not milliseconds; got ${claims.exp}`);
check(
  Math.abs(claims.exp - (now + ttl)) <= 30,
  `exp must be about now + ${ttl} s (${now + ttl}); got ${claims.exp}`,
);
check(
  Math.abs(Date.parse(response.expiresAt) / 1000 - claims.exp) <= 1,
  `expiresAt (${response.expiresAt}) must match exp (${claims.exp})`,
);
// ES384 signatures are raw R‖S, 48 bytes each.
check(signature.length === 96, `an ES384 signature is 96 bytes (R‖S); got ${signature.length}`);

const jwk = (jwks.keys ?? []).find((key) => key.kid === response.keyId);
check(jwk !== undefined, `the JWKS must hold the signing key ${response.keyId}`);
if (jwk) {
  check(jwk.kty === 'EC' && jwk.crv === 'P-384', `the key must be EC P-384; got ${jwk.kty} ${jwk.crv}`);
  check(jwk.d === undefined, 'the JWKS must not contain private key material');
  const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
  const signs = (input) =>
    verify('sha384', Buffer.from(input), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  check(signs(`${headerB64}.${payloadB64}`), 'the signature does not verify against the JWKS key');
  const tampered = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 1 })).toString('base64url');
  check(!signs(`${headerB64}.${tampered}`), 'a tampered payload must not verify');
}

process.stdout.write(
  `${JSON.stringify({ header, claims, keyId: response.keyId, verified: problems.length === 0 })}\n`,
);
if (problems.length > 0) {
  for (const problem of problems) process.stderr.write(`token check failed: ${problem}\n`);
  process.exit(1);
}
