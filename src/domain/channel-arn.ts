/**
 * The IVS `ChannelArn` shape: max 128 characters, pattern
 * `arn:aws:ivs:[a-z0-9-]+:[0-9]+:channel/[a-zA-Z0-9-]+` (anchored here: IVS rejects anything else).
 */
const CHANNEL_ARN = /^arn:aws:ivs:([a-z0-9-]+):([0-9]+):channel\/([a-zA-Z0-9-]+)$/;
export const CHANNEL_ARN_MAX_LENGTH = 128;

export interface ChannelArnParts {
  readonly region: string;
  readonly accountId: string;
  readonly channelId: string;
}

/** Returns the ARN's parts, or undefined when IVS would not accept it as a channel ARN. */
export function parseChannelArn(value: string): ChannelArnParts | undefined {
  if (value.length > CHANNEL_ARN_MAX_LENGTH) return undefined;
  const match = CHANNEL_ARN.exec(value);
  if (!match) return undefined;
  const [, region = '', accountId = '', channelId = ''] = match;
  return { region, accountId, channelId };
}
