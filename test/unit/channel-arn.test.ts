import { describe, expect, it } from 'vitest';
import { CHANNEL_ARN_MAX_LENGTH, parseChannelArn } from '../../src/domain/channel-arn.js';

const PREFIX = 'arn:aws:ivs:us-west-2:123456789012:channel/';

describe('parseChannelArn', () => {
  it.each([
    [
      'a typical channel ARN',
      'arn:aws:ivs:us-west-2:123456789012:channel/AbCd1234efGH',
      { region: 'us-west-2', accountId: '123456789012', channelId: 'AbCd1234efGH' },
    ],
    [
      'another region',
      'arn:aws:ivs:eu-central-1:000000000000:channel/x',
      { region: 'eu-central-1', accountId: '000000000000', channelId: 'x' },
    ],
    [
      'hyphens in the channel id',
      'arn:aws:ivs:ap-northeast-1:123456789012:channel/a-b-c',
      { region: 'ap-northeast-1', accountId: '123456789012', channelId: 'a-b-c' },
    ],
    [
      'exactly 128 characters',
      PREFIX + 'a'.repeat(CHANNEL_ARN_MAX_LENGTH - PREFIX.length),
      { region: 'us-west-2', accountId: '123456789012', channelId: 'a'.repeat(128 - PREFIX.length) },
    ],
  ])('returns the parts of %s', (_reason, arn, parts) => {
    const result = parseChannelArn(arn);

    expect(result).toEqual(parts);
  });

  it.each([
    ['129 characters', PREFIX + 'a'.repeat(129 - PREFIX.length)],
    ['another service', 'arn:aws:medialive:us-west-2:123456789012:channel/AbCd'],
    ['another resource type', 'arn:aws:ivs:us-west-2:123456789012:stream-key/AbCd'],
    ['a playback key pair', 'arn:aws:ivs:us-west-2:123456789012:playback-key/AbCd'],
    ['a missing channel id', PREFIX],
    ['a trailing newline', `${PREFIX}AbCd\n`],
    ['a trailing slash', `${PREFIX}AbCd/`],
    ['an upper-case region', 'arn:aws:ivs:US-WEST-2:123456789012:channel/AbCd'],
    ['an empty region', 'arn:aws:ivs::123456789012:channel/AbCd'],
    ['a non-numeric account', 'arn:aws:ivs:us-west-2:acct:channel/AbCd'],
    ['another partition', 'arn:aws-us-gov:ivs:us-gov-west-1:123456789012:channel/AbCd'],
    ['a wildcard', `${PREFIX}*`],
    ['an underscore in the id', `${PREFIX}Ab_Cd`],
    ['surrounding text', `x${PREFIX}AbCd`],
    ['an empty string', ''],
  ])('returns undefined for %s', (_reason, arn) => {
    const result = parseChannelArn(arn);

    expect(result).toBeUndefined();
  });
});
