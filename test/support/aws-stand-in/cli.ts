/**
 * Runs the AWS stand-in until SIGINT/SIGTERM, for trying the service against it by hand:
 *
 *   npx tsx test/support/aws-stand-in/cli.ts --port 4566
 *
 * Prints the endpoint and the environment to export, then one line per request on stderr.
 */
import { parseArgs } from 'node:util';
import { startAwsStandIn } from './server.js';
import type { RecordedRequest } from './types.js';

const usage = `usage: cli.ts [--port N] [--host 127.0.0.1] [--region us-west-2] [--account-id 123456789012] [--quiet]`;

function describe(request: RecordedRequest): string {
  const outcome =
    request.errorType === undefined ? '' : ` ${request.errorType}: ${request.errorMessage ?? ''}`;
  return `${request.at.toISOString()} ${request.service} ${request.operation || '?'} ${request.status}${outcome}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4566' },
      host: { type: 'string', default: '127.0.0.1' },
      region: { type: 'string', default: 'us-west-2' },
      'account-id': { type: 'string', default: '123456789012' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new TypeError(`--port must be 0-65535, not ${values.port}`);

  const standIn = await startAwsStandIn({
    port,
    host: values.host,
    region: values.region,
    accountId: values['account-id'],
    ...(values.quiet
      ? {}
      : { onRequest: (request: RecordedRequest) => process.stderr.write(`${describe(request)}\n`) }),
  });
  const exports = Object.entries(standIn.env())
    .map(([name, value]) => `export ${name}=${value}`)
    .join('\n');
  process.stdout.write(
    `AWS stand-in (IVS + Secrets Manager) listening on ${standIn.endpoint}\n` +
      `region ${standIn.region}, account ${standIn.accountId}\n\n${exports}\n\nStop with Ctrl+C.\n`,
  );

  const stop = (signal: NodeJS.Signals) => {
    process.stderr.write(`${signal}: stopping the AWS stand-in\n`);
    standIn.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${usage}\n`);
  process.exit(1);
});
