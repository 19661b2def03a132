#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { createPinoLogger } from '../adapters/logging/pino-logger.js';
import { loadConfig } from '../config.js';
import { isScope, parseApiKeyReference, SCOPES, type Scope } from '../domain/api-keys.js';
import { MAXIMUM_RESOLUTIONS, type PlaybackTokenRequest } from '../domain/playback-claims.js';
import { looksLikeUrl } from '../domain/playback-url.js';
import { type AdoptionRole, PrivateKeyPem } from '../domain/signing-key.js';
import { fileProblem } from '../file-problem.js';
import { inspectionBody } from '../http/routes/inspection-routes.js';
import { adoptionResultBody } from '../http/routes/key-routes.js';
import { runServer } from '../main.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { createApiKey } from '../services/api-key-factory.js';
import { describeStartupFailure } from '../startup-failure.js';
import { describeInspection, INSPECTION_EXIT_CODES } from './describe-inspection.js';

/**
 * The command line reads the same environment as the server. Results go to stdout alone (a key, a
 * token, a listing), so `$(ivs-playback-auth token …)` captures exactly that; logs go to stderr.
 */
const env = process.env;

async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const config = loadConfig(env, 'cli');
  const logger = createPinoLogger({
    level: config.logLevel,
    destination: pino.destination({ dest: 2, sync: true }),
  });
  return work(await createRuntime(config, { logger }));
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
const wholeNumber = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
};
const scope = (value: string, previous: Scope[] = []) => {
  if (!isScope(value)) throw new InvalidArgumentError(`expected one of ${SCOPES.join(', ')}`);
  return [...previous, value];
};
const print = (value: unknown): void => {
  process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);
};

const program = new Command('ivs-playback-auth')
  .description('Issues Amazon IVS playback tokens and manages the signing keys behind them.')
  // Options belong to the command they follow: `token inspect … --json` is inspect's, not token's.
  .enablePositionalOptions()
  .showHelpAfterError();

program
  .command('serve')
  .description('run the HTTP service (what `npm start` runs)')
  .action(() => runServer(env));

const apiKeys = program.command('api-keys').description('manage API keys (stored hashed in API_KEYS_FILE)');
apiKeys
  .command('create')
  .description('create an API key and print it, alone, on stdout (it is shown only once)')
  .requiredOption('--scope <scope>', `a scope: ${SCOPES.join(', ')} (repeatable)`, scope)
  .option(
    '--channel <arn-pattern>',
    'limit the key to channel ARNs matching this pattern, * = any characters (repeatable)',
    collect,
  )
  .option('--name <name>', 'a label for listings')
  .option(
    '--rate-limit <per-second>',
    'requests a second for this key (default API_KEY_RATE_LIMIT_PER_SECOND)',
    wholeNumber,
  )
  .action(async (options: { scope: Scope[]; channel?: string[]; name?: string; rateLimit?: number }) =>
    withRuntime(async (runtime) => {
      const { key, record } = await createApiKey(
        { store: runtime.apiKeyStore, clock: runtime.clock },
        {
          scopes: options.scope,
          channels: options.channel,
          name: options.name,
          rateLimitPerSecond: options.rateLimit,
        },
      );
      runtime.logger.info(
        { apiKeyId: record.id, scopes: record.scopes, channels: record.channels },
        'API key created',
      );
      print(key);
    }),
  );
apiKeys
  .command('list')
  .description('list API keys (ids, scopes, channels; never the keys)')
  .action(() =>
    withRuntime(async (runtime) => {
      const records = await runtime.apiKeyStore.list();
      print(records.map(({ sha256: _sha256, ...record }) => record));
    }),
  );
apiKeys
  .command('revoke')
  .description('delete an API key; running servers stop accepting it within API_KEYS_RELOAD_SECONDS')
  .argument('<id>', 'the key id: ipa_<12 hex> (the first part of the key), or the 12 hex characters')
  .action(async (argument: string) => {
    const reference = parseApiKeyReference(argument);
    // The argument is never echoed: it may be a whole key, and a terminal's output is often shared.
    if (reference.kind === 'whole-key') {
      throw new CliError(
        `that is a whole API key, which is a secret: pass only its id, ipa_${reference.id} (nothing was revoked)`,
      );
    }
    if (reference.kind === 'invalid') {
      throw new CliError(
        'expected an API key id: ipa_ followed by 12 hex characters, as `api-keys list` shows (nothing was revoked)',
      );
    }
    await withRuntime(async (runtime) => {
      if (!(await runtime.apiKeyStore.remove(reference.id))) {
        throw new CliError(`no API key has the id ipa_${reference.id}; \`api-keys list\` shows the ids`);
      }
      runtime.logger.info({ apiKeyId: reference.id }, 'API key revoked');
    });
  });

const keys = program
  .command('keys')
  .description('signing keys: the same as the admin routes, without the server');
keys
  .command('list')
  .description('every signing key with its state, and foreign key pairs taking IVS slots')
  .action(async () => {
    await withRuntime(async (runtime) => print(await runtime.inventory()));
  });
keys
  .command('rotate')
  .description('rotate the signing key now (or finish an interrupted rotation)')
  .option(
    '--emergency',
    'after a compromise: delete the previous and the current key at once; tokens they signed stop playing',
    false,
  )
  .action(async (options: { emergency: boolean }) => {
    await withRuntime(async (runtime) =>
      print(await runtime.rotator.rotate({ emergency: options.emergency })),
    );
  });

keys
  .command('adopt')
  .description(
    'take over a key pair made outside this service (openssl, the IVS console) that already signs tokens, without breaking any of them',
  )
  .requiredOption(
    '--private-key <file>',
    'the private key as PEM text: SEC1 (the EC form openssl and the IVS console write) or PKCS#8, ECDSA P-384; "-" reads it from a pipe. Never printed or logged',
  )
  .addOption(
    new Option(
      '--as <state>',
      'current: the key signs from now on (the key that was current drains as previous). ' +
        'previous: the service signs with its own key, and this one only keeps verifying the tokens your old signer makes until its drain ends, then retires by itself. ' +
        'Default, the safe choice: current when the service has no key yet (old and new tokens share one key), else previous',
    ).choices(['current', 'previous']),
  )
  .addHelpText(
    'after',
    '\nIn every served region the IVS key pair that holds the key is tagged as this service\'s (where none does, the key is imported if a slot is free); then the key is stored. A refusal changes nothing; after a failure half way, run the same command again to finish. See README, "Migrating from your own signer".',
  )
  .action(async (options: { privateKey: string; as?: AdoptionRole }) => {
    const privateKey = await readPrivateKey(options.privateKey);
    await withRuntime(async (runtime) =>
      print(adoptionResultBody(await runtime.adoptKey(privateKey, { as: options.as }))),
    );
  });

/** Larger than any PEM private key; a bigger file is not one. */
const PRIVATE_KEY_FILE_LIMIT = 64 * 1024;

/** The key file's text, never echoed: errors name the file and the problem only. */
async function readPrivateKey(path: string): Promise<PrivateKeyPem> {
  if (path === '-') {
    // A key pasted at a terminal is shown on screen as it is typed: refuse, and say how to pipe it.
    if (process.stdin.isTTY) {
      throw new CliError(
        '--private-key - reads the key from standard input, which is a terminal here; pipe the file in instead (… --private-key - < key.pem), so the key is not shown on screen',
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      size += bytes.length;
      if (size > PRIVATE_KEY_FILE_LIMIT)
        throw new CliError(
          'standard input is larger than any private key file (64 KiB); nothing was adopted',
        );
      chunks.push(bytes);
    }
    return new PrivateKeyPem(Buffer.concat(chunks).toString('utf8'));
  }
  try {
    const bytes = await readFile(path);
    if (bytes.length > PRIVATE_KEY_FILE_LIMIT) {
      throw new CliError(`${path} is larger than any private key file (64 KiB); nothing was adopted`);
    }
    return new PrivateKeyPem(bytes.toString('utf8'));
  } catch (error) {
    if (error instanceof CliError) throw error;
    const problem =
      fileProblem(error) ?? `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`;
    throw new CliError(`--private-key ${path} ${problem}; nothing was adopted`);
  }
}

const token = program
  .command('token')
  .description('sign one playback token and print it, alone, on stdout (or: token inspect)')
  .enablePositionalOptions()
  // Checked in the action, not by commander: a mandatory option here would be demanded of
  // `token inspect` too.
  .option('--channel-arn <arn>', 'the private channel (required)')
  .option('--viewer-id <id>', 'aws:viewer-id (1-40 characters)')
  .option('--viewer-session-version <n>', 'aws:viewer-session-version', wholeNumber)
  .option('--ttl <seconds>', 'seconds until the token expires', wholeNumber)
  .option('--allowed-origin <origin>', 'an origin allowed to play (repeatable)', collect)
  .option('--strict-origin-enforcement', 'enforce the origins on every request')
  .option('--single-use', 'the token works once')
  .addOption(
    new Option('--maximum-resolution <resolution>', 'cap the renditions').choices(MAXIMUM_RESOLUTIONS),
  )
  .option('--viewer-ip <address>', "the viewer's IP address, for access policies that limit countries")
  .option('--viewer-country <code>', "the viewer's country (ISO 3166-1 alpha-2), for access policies")
  .option('--json', 'print {token, expiresAt, keyId, playbackUrl, policy} instead of the bare token')
  .action(
    async (options: {
      channelArn?: string;
      viewerId?: string;
      viewerSessionVersion?: number;
      ttl?: number;
      allowedOrigin?: string[];
      strictOriginEnforcement?: boolean;
      singleUse?: boolean;
      maximumResolution?: PlaybackTokenRequest['maximumResolution'];
      viewerIp?: string;
      viewerCountry?: string;
      json?: boolean;
    }) => {
      const channelArn = options.channelArn;
      if (channelArn === undefined)
        return token.error("error: required option '--channel-arn <arn>' not specified");
      return withRuntime(async (runtime) => {
        await runtime.rotator.ensureCurrentKey();
        await runtime.keyCache.refresh();
        await runtime.coverage.refresh();
        const issued = await runtime.tokenIssuer.issue({
          channelArn,
          viewerId: options.viewerId,
          viewerSessionVersion: options.viewerSessionVersion,
          ttlSeconds: options.ttl,
          allowedOrigins: options.allowedOrigin,
          strictOriginEnforcement: options.strictOriginEnforcement,
          singleUse: options.singleUse,
          maximumResolution: options.maximumResolution,
          viewerIp: options.viewerIp,
          viewerCountry: options.viewerCountry,
        });
        print(options.json ? { ...issued, expiresAt: issued.expiresAt.toISOString() } : issued.token);
      });
    },
  );

token
  .command('inspect')
  .description(
    "why won't it play? says whether IVS plays a token or playback URL now, and why not (exit code 0 plays, 3 will not play, 4 cannot tell)",
  )
  .argument('<token-or-url>', 'the token, or the whole playback URL with its token; - reads it from stdin')
  .option('--origin <origin>', "the Origin the player sends (the page's scheme://host[:port])")
  .option('--public-key <file>', "for a token this service did not sign: its signer's public key (PEM file)")
  .option('--json', 'print the inspection as POST /v1/playback-tokens/inspect answers it')
  .action(async (pasted: string, options: { origin?: string; publicKey?: string; json?: boolean }) => {
    const text = (pasted === '-' ? await readStdin() : pasted).trim();
    const publicKeyPem = options.publicKey === undefined ? undefined : await readPublicKey(options.publicKey);
    await withRuntime(async (runtime) => {
      // Read what is known now; nothing is created or changed (no key is made on a first run).
      await runtime.keyCache.refresh();
      await runtime.coverage.refresh();
      const inspection = await runtime.tokenInspector.inspect({
        ...(looksLikeUrl(text) ? { url: text } : { token: text }),
        origin: options.origin,
        publicKeyPem,
      });
      print(options.json ? inspectionBody(inspection) : describeInspection(inspection));
      process.exitCode = INSPECTION_EXIT_CODES[inspection.verdict];
    });
  });

class CliError extends Error {}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readPublicKey(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(
      `--public-key ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); give a PEM file with the signer's public key`,
    );
  }
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Settings, files and listen errors as one line (as for the server); a bug keeps its stack trace.
  const failure =
    error instanceof CliError ? { message: error.message, exitCode: 1 } : describeStartupFailure(error);
  if (failure === undefined) throw error;
  process.stderr.write(`ivs-playback-auth: ${failure.message}\n`);
  process.exitCode = failure.exitCode;
}
