import { createPublicKey } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCli, type ServerProcess, startServerProcess } from '../support/processes.js';

const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdEf123456';
const API_KEY = /ipa_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/g;

/**
 * The product as a newcomer meets it: the real server process in local mode with nothing but a
 * keys folder configured, the CLI beside it, and every byte they print kept and searched for secrets.
 */
describe('local mode, end to end', () => {
  let keysDir: string;
  let server: ServerProcess;
  let env: Record<string, string>;
  const cliRuns: CliResult[] = [];
  const tokens: string[] = [];
  const apiKeys: string[] = [];
  // Private keys are deleted when retired, so their material is collected while it exists.
  const privateKeys = new Set<string>();
  const collectPrivateKeys = async () => {
    for (const line of await privateKeyMaterial(keysDir)) privateKeys.add(line);
  };
  let devKey: string;

  const cli = async (...args: string[]) => {
    const result = await runCli(args, env);
    cliRuns.push(result);
    return result;
  };
  const call = (path: string, init: { method?: string; key?: string; body?: unknown } = {}) =>
    fetch(`${server.url}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(init.key ? { authorization: `Bearer ${init.key}` } : {}),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });

  beforeAll(async () => {
    keysDir = await mkdtemp(join(tmpdir(), 'ipa-e2e-'));
    env = { KEYS_DIR: keysDir, PORT: '0', KEY_REFRESH_SECONDS: '1', API_KEYS_RELOAD_SECONDS: '1' };
    server = await startServerProcess(env);
    const deadline = Date.now() + 15_000;
    while ((await call('/readyz')).status !== 200 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    devKey = server.stderr().match(API_KEY)?.[0] ?? '';
    apiKeys.push(devKey);
    await collectPrivateKeys();
  });

  afterAll(async () => {
    if (server) await server.stop();
    await rm(keysDir, { recursive: true, force: true });
  });

  it('creates the first key pair on first start: private key 0600, public key beside it, import command logged', async () => {
    const files = await readdir(keysDir);
    const privateFile = files.find((name) => name.endsWith('.private.pem')) ?? '';
    const keyId = privateFile.replace('.private.pem', '');

    expect((await stat(join(keysDir, privateFile))).mode & 0o777).toBe(0o600);
    expect(files).toContain(`${keyId}.public.pem`);
    expect((await stat(join(keysDir, 'api-keys.json'))).mode & 0o777).toBe(0o600);
    expect(server.stdout()).toContain(
      `aws ivs import-playback-key-pair --name ${keyId} --public-key-material file://${join(keysDir, `${keyId}.public.pem`)}`,
    );
  });

  it('prints a development API key once, on stderr, and stores only its hash', async () => {
    const stored = await readFile(join(keysDir, 'api-keys.json'), 'utf8');

    expect(devKey).toMatch(API_KEY);
    expect(server.stderr().match(API_KEY)?.length).toBe(2); // the key line and the curl example
    expect(stored).not.toContain(devKey);
    expect(stored).toMatch(/"sha256": "[0-9a-f]{64}"/);
  });

  it('issues a token that an independent verifier accepts with exactly the requested claims', async () => {
    const response = await call('/v1/playback-tokens', {
      key: devKey,
      body: { channelArn: CHANNEL_ARN, viewerId: 'viewer-1', ttlSeconds: 300 },
    });
    const body = (await response.json()) as { token: string; keyId: string; expiresAt: string };
    tokens.push(body.token);
    const jwks = (await (await call('/.well-known/jwks.json')).json()) as { keys: { kid: string }[] };
    const jwk = jwks.keys.find(
      (key) => key.kid === body.keyId,
    ) as unknown as import('node:crypto').JsonWebKey;

    const verified = jwt.verify(body.token, createPublicKey({ key: jwk, format: 'jwk' }), {
      algorithms: ['ES384'],
    });

    expect(response.status).toBe(201);
    expect(verified).toEqual({
      'aws:channel-arn': CHANNEL_ARN,
      'aws:viewer-id': 'viewer-1',
      exp: Date.parse(body.expiresAt) / 1000,
    });
  });

  it('answers a broken rule with 400 and its code', async () => {
    const response = await call('/v1/playback-tokens', {
      key: devKey,
      body: { channelArn: CHANNEL_ARN, singleUse: true, ttlSeconds: 601 },
    });

    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('TTL_ABOVE_VIEWER_LIMIT');
  });

  it('accepts an API key created with the CLI within seconds, without a restart, and drops it when revoked', async () => {
    const created = await cli(
      'api-keys',
      'create',
      '--scope',
      'tokens:issue',
      '--channel',
      'arn:aws:ivs:us-west-2:123456789012:channel/*',
    );
    const key = created.stdout.trim();
    apiKeys.push(key);
    const accepted = await eventually(
      async () => (await call('/v1/playback-tokens', { key, body: { channelArn: CHANNEL_ARN } })).status,
      201,
    );
    const outside = await call('/v1/playback-tokens', {
      key,
      body: { channelArn: 'arn:aws:ivs:eu-west-1:123456789012:channel/Other' },
    });
    await cli('api-keys', 'revoke', key.slice(4, 16));
    const refused = await eventually(
      async () => (await call('/v1/playback-tokens', { key, body: { channelArn: CHANNEL_ARN } })).status,
      401,
    );

    expect(created.code).toBe(0);
    expect(key).toMatch(/^ipa_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(accepted).toBe(201);
    expect(outside.status).toBe(403);
    expect(refused).toBe(401);
  });

  it('never locks a person on this machine out of their own key after many bad ones (local mode, loopback)', async () => {
    const bad = [];
    for (let i = 0; i < 25; i++) {
      bad.push(
        (await call('/v1/playback-tokens', { key: 'ipa_wrong', body: { channelArn: CHANNEL_ARN } })).status,
      );
    }
    const good = await call('/v1/playback-tokens', { key: devKey, body: { channelArn: CHANNEL_ARN } });
    tokens.push(((await good.json()) as { token: string }).token);

    expect(new Set(bad)).toEqual(new Set([401]));
    expect(good.status).toBe(201);
  });

  it('refuses to revoke by a whole key, naming only its id, and revokes nothing', async () => {
    const created = await cli('api-keys', 'create', '--scope', 'tokens:issue');
    const key = created.stdout.trim();
    apiKeys.push(key);
    const id = key.slice(0, 16);

    const refused = await cli('api-keys', 'revoke', key);
    const listed = await cli('api-keys', 'list');
    const revoked = await cli('api-keys', 'revoke', id);
    const again = await cli('api-keys', 'revoke', id);

    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`pass only its id, ${id}`);
    expect(refused.stderr + refused.stdout).not.toContain(key.slice(17));
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((record) => `ipa_${record.id}`)).toContain(id);
    expect(revoked.code).toBe(0);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no API key has the id ${id}`);
  });

  it('prints a token alone on stdout from the CLI', async () => {
    const result = await cli(
      'token',
      '--channel-arn',
      CHANNEL_ARN,
      '--viewer-id',
      'cli-viewer',
      '--single-use',
      '--ttl',
      '60',
    );
    tokens.push(result.stdout.trim());

    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('signing key changed');
    expect(result.stdout).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/);
    const claims = JSON.parse(Buffer.from(result.stdout.split('.')[1] ?? '', 'base64url').toString());
    expect(Object.keys(claims).sort()).toEqual([
      'aws:channel-arn',
      'aws:single-use-uuid',
      'aws:viewer-id',
      'exp',
    ]);
  });

  it('refuses a bad CLI token request with the rule code and exit code 1', async () => {
    const result = await cli('token', '--channel-arn', CHANNEL_ARN, '--viewer-id', 'x'.repeat(41));

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('INVALID_VIEWER_ID');
  });

  it('rotates with the CLI; the running server signs with the new key within the refresh interval', async () => {
    const rotated = await cli('keys', 'rotate');
    await collectPrivateKeys();
    const { currentKeyId, previousKeyId } = JSON.parse(rotated.stdout) as {
      currentKeyId: string;
      previousKeyId: string;
    };

    const keyId = await eventually(async () => {
      const response = await call('/v1/playback-tokens', { key: devKey, body: { channelArn: CHANNEL_ARN } });
      const body = (await response.json()) as { keyId: string; token: string };
      tokens.push(body.token);
      return body.keyId;
    }, currentKeyId);
    const listed = await call('/v1/playback-keys', { key: devKey });
    const again = await call('/v1/playback-keys/rotate', { key: devKey, body: {} });

    expect(rotated.code).toBe(0);
    expect(keyId).toBe(currentKeyId);
    const keys = ((await listed.json()) as { keys: { keyId: string; state: string }[] }).keys;
    expect(keys.map((key) => [key.keyId, key.state])).toEqual([
      [currentKeyId, 'current'],
      [previousKeyId, 'previous'],
    ]);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe('PREVIOUS_KEY_DRAINING');
  });

  it('rotates in an emergency through the admin route, deleting the previous private key', async () => {
    await collectPrivateKeys();
    const response = await call('/v1/playback-keys/rotate', { key: devKey, body: { emergency: true } });
    const body = (await response.json()) as { currentKeyId: string };
    await collectPrivateKeys();
    const privateKeys = (await readdir(keysDir)).filter((name) => name.endsWith('.private.pem'));

    expect(response.status).toBe(200);
    expect(privateKeys).toEqual([`${body.currentKeyId}.private.pem`]);
  });

  it('shuts down cleanly on SIGTERM, and nothing it or the CLI printed holds a secret', async () => {
    const { code, ms } = await server.stop('SIGTERM');

    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    const logs = [server.stdout(), ...cliRuns.map((run) => run.stderr)].join('\n');
    expect(logs.split('\n').filter((line) => line.trim().startsWith('{')).length).toBeGreaterThan(10);
    expect(privateKeys.size).toBeGreaterThanOrEqual(3 * 3); // three keys, several PEM lines each
    for (const secret of [...apiKeys, ...tokens, ...privateKeys]) {
      expect(secret.length).toBeGreaterThan(20);
      expect(logs).not.toContain(secret);
    }
    expect(logs).not.toContain('PRIVATE KEY');
    expect(logs).not.toMatch(/"sha256":/);
    // The development key appears only in the one-time notice on the server's stderr.
    expect(server.stderr().replace(/^\{.*$/gm, '')).toContain(devKey);
  });
});

/** Private key bodies (the base64 lines) of every key ever on disk in this run. */
async function privateKeyMaterial(folder: string): Promise<string[]> {
  const names = (await readdir(folder)).filter((name) => name.endsWith('.private.pem'));
  const pems = await Promise.all(names.map((name) => readFile(join(folder, name), 'utf8')));
  return pems.flatMap((pem) =>
    pem.split('\n').filter((line) => line.length > 40 && !line.startsWith('-----')),
  );
}

async function eventually<T>(probe: () => Promise<T>, expected: T, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (value !== expected && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await probe();
  }
  return value;
}
