// The floor for `npm run bench`: a bare node:http server doing a token's unavoidable work the way
// the service does it (read and parse the JSON body, build the claims, base64url, async
// crypto.sign on the threadpool, JSON reply) with no framework, authentication, validation,
// logging or metrics. Its tokens/s under the same load shows what the HTTP stack and the load
// generator leave of the signing ceiling on this machine. Usage: node bench/reference-server.mjs <port>
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
const header = Buffer.from('{"alg":"ES384","typ":"JWT"}').toString('base64url');

createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const exp = Math.floor(Date.now() / 1000) + body.ttlSeconds;
    const claims = { 'aws:channel-arn': body.channelArn, 'aws:viewer-id': body.viewerId, exp };
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    sign('sha384', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }, (error, signature) => {
      if (error) {
        res.writeHead(500).end();
        return;
      }
      const json = JSON.stringify({
        token: `${input}.${signature.toString('base64url')}`,
        expiresAt: new Date(exp * 1000).toISOString(),
      });
      res.writeHead(201, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(json),
      });
      res.end(json);
    });
  });
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
