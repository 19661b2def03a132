import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GetChannelCommand,
  GetPlaybackRestrictionPolicyCommand,
  IvsClient,
  ListPlaybackKeyPairsCommand,
} from '@aws-sdk/client-ivs';
import { describe, expect, it } from 'vitest';
import { startAwsStandIn } from '../support/aws-stand-in/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cliPath = path.join(repoRoot, 'test/support/aws-stand-in/cli.ts');

/** Collects a child's stdout until `marker` appears (or the child exits first). */
async function stdoutUntil(child: ChildProcess, marker: string): Promise<string> {
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes(marker)) resolve(output);
    });
    child.once('exit', (code) =>
      reject(new Error(`exited with ${code} before printing "${marker}": ${output}`)),
    );
  });
}

/** An environment with nothing from the developer's machine that the SDK could pick up instead. */
function isolatedEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    HOME: tmpdir(),
    AWS_CONFIG_FILE: path.join(tmpdir(), 'no-such-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(tmpdir(), 'no-such-aws-credentials'),
    ...extra,
  };
}

describe('cli.ts', () => {
  it('prints the endpoint and the env to export, serves requests, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', cliPath, '--port', '0', '--quiet'], {
      cwd: repoRoot,
      env: isolatedEnv({}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const banner = await stdoutUntil(child, 'Stop with Ctrl+C.');
      const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1] ?? '';
      const exported = Object.fromEntries(
        [...banner.matchAll(/^export (\w+)=(.*)$/gm)].map((match) => [match[1], match[2]]),
      );

      const client = new IvsClient({
        endpoint,
        region: exported['AWS_REGION'] ?? '',
        credentials: {
          accessKeyId: exported['AWS_ACCESS_KEY_ID'] ?? '',
          secretAccessKey: exported['AWS_SECRET_ACCESS_KEY'] ?? '',
        },
        maxAttempts: 1,
      });
      const listed = await client.send(new ListPlaybackKeyPairsCommand({}));
      client.destroy();
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;

      expect(endpoint).not.toBe('');
      expect(exported).toEqual({
        AWS_ENDPOINT_URL_IVS: endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
        AWS_REGION: 'us-west-2',
        AWS_ACCESS_KEY_ID: expect.any(String),
        AWS_SECRET_ACCESS_KEY: expect.any(String),
      });
      expect(listed.keyPairs).toEqual([]);
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

/** Runs the cli to completion (for --help and refusals) and returns its exit code and output. */
async function runToExit(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', cliPath, ...args], {
    cwd: repoRoot,
    env: isolatedEnv({}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('cli.ts channels, options and the oracle', () => {
  it('seeds private and public channels in any region, by region or ARN, and a foreign key pair; the oracle answers over HTTP', async () => {
    const givenArn = 'arn:aws:ivs:ap-northeast-1:123456789012:channel/GivenChannel';
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        cliPath,
        '--port',
        '0',
        '--quiet',
        '--channel',
        'eu-west-1',
        '--channel',
        givenArn,
        '--public-channel',
        'us-west-2',
        '--foreign-key-pair',
        'eu-west-1',
      ],
      { cwd: repoRoot, env: isolatedEnv({}), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const banner = await stdoutUntil(child, 'Stop with Ctrl+C.');
      const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1] ?? '';
      const channels = [...banner.matchAll(/^channel (\S+) (private|public) (\S+)$/gm)].map((match) => ({
        arn: match[1] ?? '',
        access: match[2],
        playbackUrl: match[3] ?? '',
      }));
      const european = channels[0];
      const client = new IvsClient({
        endpoint,
        region: 'eu-west-1',
        credentials: {
          accessKeyId: 'STANDINTESTACCESSKEY',
          secretAccessKey: 'stand-in-test-secret-access-key',
        },
        maxAttempts: 1,
      });
      const fetched = await client.send(new GetChannelCommand({ arn: european?.arn ?? '' }));
      const keyPairs = await client.send(new ListPlaybackKeyPairsCommand({}));
      client.destroy();
      const oracle = await fetch(`${endpoint}/_oracle/play`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ playbackUrl: channels[2]?.playbackUrl }),
      });
      const untokened = await fetch(`${endpoint}/_oracle/play`, {
        method: 'POST',
        body: JSON.stringify({ playbackUrl: european?.playbackUrl }),
      });

      expect(channels.map(({ arn, access }) => [arn.split(':')[3], access])).toEqual([
        ['eu-west-1', 'private'],
        ['ap-northeast-1', 'private'],
        ['us-west-2', 'public'],
      ]);
      expect(channels[1]?.arn).toBe(givenArn);
      expect(fetched.channel).toMatchObject({ arn: european?.arn, authorized: true });
      expect(keyPairs.keyPairs).toHaveLength(1);
      expect(banner).toMatch(/^foreign key pair arn:aws:ivs:eu-west-1:123456789012:playback-key\/\w{12}$/m);
      expect(banner).toContain(`playback oracle: POST ${endpoint}/_oracle/play`);
      expect(await oracle.json()).toMatchObject({ plays: true, reason: 'NO_AUTHORIZATION_REQUIRED' });
      expect(await untokened.json()).toMatchObject({ plays: false, reason: 'TOKEN_MISSING' });
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('refuses a channel that is neither a region nor a channel ARN, naming the option', async () => {
    const result = await runToExit(['--port', '0', '--channel', 'Europe']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      '--channel takes a region name (e.g. eu-west-1) or a channel ARN, not Europe',
    );
  });

  it('seeds a private channel with a playback restriction policy attached', async () => {
    const arn = 'arn:aws:ivs:us-west-2:123456789012:channel/DemoChannel1';
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        cliPath,
        '--port',
        '0',
        '--quiet',
        '--restricted-channel',
        `${arn} countries=US,CA origins=https://example.com strict`,
      ],
      { cwd: repoRoot, env: isolatedEnv({}), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const banner = await stdoutUntil(child, 'Stop with Ctrl+C.');
      const endpoint = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1] ?? '';
      const client = new IvsClient({
        endpoint,
        region: 'us-west-2',
        credentials: {
          accessKeyId: 'STANDINTESTACCESSKEY',
          secretAccessKey: 'stand-in-test-secret-access-key',
        },
        maxAttempts: 1,
      });
      const { channel } = await client.send(new GetChannelCommand({ arn }));
      const { playbackRestrictionPolicy } = await client.send(
        new GetPlaybackRestrictionPolicyCommand({ arn: channel?.playbackRestrictionPolicyArn }),
      );
      client.destroy();

      expect(banner).toMatch(
        /^ {2}restriction policy arn:aws:ivs:us-west-2:123456789012:playback-restriction-policy\/\w+ countries=US,CA origins=https:\/\/example\.com strict$/m,
      );
      expect(channel?.authorized).toBe(true);
      expect(playbackRestrictionPolicy).toMatchObject({
        allowedCountries: ['US', 'CA'],
        allowedOrigins: ['https://example.com'],
        enableStrictOriginEnforcement: true,
      });
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('refuses a restricted channel setting it does not know, naming it', async () => {
    const result = await runToExit([
      '--port',
      '0',
      '--restricted-channel',
      'arn:aws:ivs:us-west-2:123456789012:channel/DemoChannel1 country=US',
    ]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      '--restricted-channel: country=US is not countries=…, origins=… or strict',
    );
  });

  it('documents every option in --help and in the README walk-through', async () => {
    const help = await runToExit(['--help']);
    const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
    const options = [...help.stdout.matchAll(/^ {2}(--[a-z-]+)/gm)].map((match) => match[1] ?? '');
    const documented = options.filter((option) => option !== '--help');

    expect(help.code).toBe(0);
    expect(options).toEqual(
      expect.arrayContaining([
        '--port',
        '--host',
        '--region',
        '--channel',
        '--public-channel',
        '--foreign-key-pair',
      ]),
    );
    for (const option of documented) expect(readme).toMatch(new RegExp(`\\| \`${option}[ \`]`));
  });
});

describe('env()', () => {
  it('is enough for SDK clients built without endpoint, region or credentials (AWS_ENDPOINT_URL_*)', async () => {
    const standIn = await startAwsStandIn();
    standIn.secrets.addSecret({ name: 'from-env', secretString: 'found' });
    const script = `
      import { readFile } from 'node:fs/promises';
import { GetChannelCommand, IvsClient, ListPlaybackKeyPairsCommand } from '@aws-sdk/client-ivs';
      import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
      const listed = await new IvsClient({}).send(new ListPlaybackKeyPairsCommand({}));
      const value = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: 'from-env' }));
      process.stdout.write(JSON.stringify({ keyPairs: listed.keyPairs.length, value: value.SecretString }));
    `;
    try {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        cwd: repoRoot,
        env: isolatedEnv(standIn.env()),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      const [code] = await once(child, 'exit');

      expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(stdout)).toEqual({ keyPairs: 0, value: 'found' });
      expect(
        standIn.requests.map(({ service, operation, status }) => ({ service, operation, status })),
      ).toEqual([
        { service: 'ivs', operation: 'ListPlaybackKeyPairs', status: 200 },
        { service: 'secretsmanager', operation: 'GetSecretValue', status: 200 },
      ]);
    } finally {
      await standIn.close();
    }
  });
});
