/**
 * Runs the AWS stand-in until SIGINT/SIGTERM, for trying the service against it by hand
 * (`npm run aws:stand-in -- --help` lists the options):
 *
 *   npm run aws:stand-in -- --port 4566 --channel us-west-2 --channel eu-west-1 --public-channel us-west-2
 *
 * Prints the endpoint, the environment to export and the channels it seeded, then one line per
 * request on stderr.
 */
import { parseArgs } from 'node:util';
import type { ChannelRecord } from './ivs-state.js';
import { oraclePlayPath } from './oracle-route.js';
import { isRegionName } from './regions.js';
import { type AwsStandIn, startAwsStandIn } from './server.js';
import type { RecordedRequest } from './types.js';

const usage = `usage: npm run aws:stand-in -- [options]

A local stand-in for Amazon IVS and AWS Secrets Manager, for trying the service without AWS.
IVS keeps its state per region (the region of each request's SigV4 credential scope); Secrets
Manager answers in --region only. Loopback only; state lives in memory until it stops.

options:
  --port N                      port to listen on (default 4566; 0 picks a free one)
  --host ADDRESS                loopback address to bind (default 127.0.0.1)
  --region REGION               the region printed as AWS_REGION and Secrets Manager's region
                                (default us-west-2)
  --account-id ID               the 12-digit account every ARN names (default 123456789012)
  --channel REGION|ARN          seed a private channel (playback authorization on, so viewers
                                need a token): in REGION with a random id, or with exactly this
                                channel ARN; repeatable
  --public-channel REGION|ARN   the same, without playback authorization; repeatable
  --restricted-channel 'ARN [countries=US,CA] [origins=https://a.example,…] [strict]'
                                seed a private channel with exactly this ARN and a new playback
                                restriction policy attached (the settings given; none = a
                                policy allowing everything); repeatable
  --foreign-key-pair REGION     import a playback key pair the service did not create (it takes
                                one of the region's 3 slots); repeatable
  --quiet                       do not log each request on stderr
  --help                        print this and exit

The playback oracle answers POST ${oraclePlayPath} with {"playbackUrl": "<url>?token=<token>",
"origin"?: "<origin>"} or {"channelArn", "token", "origin"?}: {plays, reason, message}, as the
IVS playback edge would decide at that moment.`;

function describeRequest(request: RecordedRequest): string {
  const outcome =
    request.errorType === undefined ? '' : ` ${request.errorType}: ${request.errorMessage ?? ''}`;
  const region = request.region === undefined ? '' : ` ${request.region}`;
  return `${request.at.toISOString()} ${request.service}${region} ${request.operation || '?'} ${request.status}${outcome}`;
}

/** Seeds one channel from a `--channel`/`--public-channel` value: a region name or a channel ARN. */
function seedChannel(standIn: AwsStandIn, value: string, authorized: boolean): ChannelRecord {
  const option = authorized ? '--channel' : '--public-channel';
  if (value.startsWith('arn:')) {
    const region = value.split(':')[3] ?? '';
    if (!isRegionName(region)) throw new TypeError(`${option} ${value}: the ARN names no region`);
    return standIn.ivsIn(region).addChannel({ arn: value, authorized });
  }
  if (!isRegionName(value)) {
    throw new TypeError(`${option} takes a region name (e.g. eu-west-1) or a channel ARN, not ${value}`);
  }
  return standIn.ivsIn(value).addChannel({ authorized });
}

/**
 * Seeds a private channel with a new playback restriction policy from a `--restricted-channel`
 * value: the channel ARN, then `countries=…`, `origins=…` (comma-separated) and `strict`.
 */
function seedRestrictedChannel(standIn: AwsStandIn, value: string): string[] {
  const [arn = '', ...settings] = value.trim().split(/\s+/);
  const region = arn.split(':')[3] ?? '';
  if (!arn.startsWith('arn:') || !isRegionName(region)) {
    throw new TypeError(`--restricted-channel takes a channel ARN first, not ${arn}`);
  }
  const policy: {
    allowedCountries?: string[];
    allowedOrigins?: string[];
    enableStrictOriginEnforcement?: boolean;
  } = {};
  for (const setting of settings) {
    const equals = setting.indexOf('=');
    const [key, list] = equals < 0 ? [setting, ''] : [setting.slice(0, equals), setting.slice(equals + 1)];
    if (key === 'countries') policy.allowedCountries = list.split(',');
    else if (key === 'origins') policy.allowedOrigins = list.split(',');
    else if (key === 'strict' && equals < 0) policy.enableStrictOriginEnforcement = true;
    else throw new TypeError(`--restricted-channel: ${setting} is not countries=…, origins=… or strict`);
  }
  const ivs = standIn.ivsIn(region);
  const created = ivs.addRestrictionPolicy(policy);
  const channel = ivs.addChannel({ arn, authorized: true, playbackRestrictionPolicyArn: created.arn });
  return [
    `channel ${channel.arn} private ${channel.playbackUrl}`,
    `  restriction policy ${created.arn} countries=${created.allowedCountries.join(',') || 'any'} origins=${created.allowedOrigins.join(',') || 'any'}${created.enableStrictOriginEnforcement ? ' strict' : ''}`,
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4566' },
      host: { type: 'string', default: '127.0.0.1' },
      region: { type: 'string', default: 'us-west-2' },
      'account-id': { type: 'string', default: '123456789012' },
      channel: { type: 'string', multiple: true, default: [] },
      'public-channel': { type: 'string', multiple: true, default: [] },
      'foreign-key-pair': { type: 'string', multiple: true, default: [] },
      'restricted-channel': { type: 'string', multiple: true, default: [] },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535)
    throw new TypeError(`--port must be 0-65535, not ${values.port}`);
  for (const region of values['foreign-key-pair']) {
    if (!isRegionName(region)) throw new TypeError(`--foreign-key-pair takes a region name, not ${region}`);
  }

  const standIn = await startAwsStandIn({
    port,
    host: values.host,
    region: values.region,
    accountId: values['account-id'],
    ...(values.quiet
      ? {}
      : { onRequest: (request: RecordedRequest) => process.stderr.write(`${describeRequest(request)}\n`) }),
  });
  let seeded: string[];
  try {
    seeded = [
      ...values.channel.map((value) => seedChannel(standIn, value, true)),
      ...values['public-channel'].map((value) => seedChannel(standIn, value, false)),
    ].map(
      (channel) =>
        `channel ${channel.arn} ${channel.authorized ? 'private' : 'public'} ${channel.playbackUrl}`,
    );
    seeded.push(...values['restricted-channel'].flatMap((value) => seedRestrictedChannel(standIn, value)));
    seeded.push(
      ...values['foreign-key-pair'].map((region) => {
        const pair = standIn.ivsIn(region).addForeignKeyPair({ name: 'foreign-key-pair' });
        return `foreign key pair ${pair.arn}`;
      }),
    );
  } catch (error) {
    await standIn.close();
    throw error;
  }
  const exports = Object.entries(standIn.env())
    .map(([name, value]) => `export ${name}=${value}`)
    .join('\n');
  const seededText = seeded.length === 0 ? 'no channels (seed some with --channel)' : seeded.join('\n');
  process.stdout.write(
    `AWS stand-in (IVS + Secrets Manager) listening on ${standIn.endpoint}\n` +
      `region ${standIn.region}, account ${standIn.accountId}\n\n${exports}\n\n${seededText}\n\n` +
      `playback oracle: POST ${standIn.endpoint}${oraclePlayPath}\n\nStop with Ctrl+C.\n`,
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
  process.stderr.write(
    `${error instanceof Error ? error.message : String(error)}\n(npm run aws:stand-in -- --help lists the options)\n`,
  );
  process.exit(1);
});
