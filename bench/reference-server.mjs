// The floor for `npm run bench`: a bare node:http server doing a token's unavoidable work the way
// the service does it (read and parse the JSON body, build the claims, base64url, a signature on
// the threadpool with the service's own signer adapter, JSON reply) with no framework,
// authentication, validation, logging or metrics. Its tokens/s under the same load shows what the
// HTTP stack and the load generator leave on this machine.
// Usage: node bench/reference-server.mjs <port> <openssl|nettle>
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { loadNettleSigningBackend } from '../dist/adapters/crypto/nettle-signing-backend.js';
import { opensslSigningBackend } from '../dist/adapters/crypto/openssl-signing-backend.js';

const port = Number(process.argv[2]);
const backend = process.argv[3] === 'nettle' ? loadNettleSigningBackend() : opensslSigningBackend;
const signer = backend.signerFor(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey);
const header = Buffer.from('{"alg":"ES384","typ":"JWT"}').toString('base64url');

createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const exp = Math.floor(Date.now() / 1000) + body.ttlSeconds;
    const claims = { 'aws:channel-arn': body.channelArn, 'aws:viewer-id': body.viewerId, exp };
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    signer.sign(Buffer.from(input)).then(
      (signature) => {
        const json = JSON.stringify({
          token: `${input}.${signature.toString('base64url')}`,
          expiresAt: new Date(exp * 1000).toISOString(),
        });
        res.writeHead(201, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(json),
        });
        res.end(json);
      },
      () => res.writeHead(500).end(),
    );
  });
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
