import { readFile } from 'node:fs/promises';
import { parseChannelArn } from '../../domain/channel-arn.js';
import type { ChannelDirectory, ChannelInfo } from '../../domain/ports.js';

/**
 * Local mode's channel directory: a JSON file (`CHANNELS_FILE`) mapping channel ARNs to their
 * playback URLs, read once at start. Channels it does not list are "unknown", not "missing": local
 * mode cannot ask IVS, so responses simply omit the playback URL.
 */
export class StaticChannelDirectory implements ChannelDirectory {
  readonly #urls: ReadonlyMap<string, string>;

  constructor(urls: ReadonlyMap<string, string>) {
    this.#urls = urls;
  }

  static empty(): StaticChannelDirectory {
    return new StaticChannelDirectory(new Map());
  }

  static async fromFile(path: string): Promise<StaticChannelDirectory> {
    const document = JSON.parse(await readFile(path, 'utf8')) as unknown;
    // Messages read after the file's path: "<path> is not a JSON object".
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      throw new Error('is not a JSON object');
    }
    const urls = new Map<string, string>();
    for (const [arn, url] of Object.entries(document)) {
      if (!parseChannelArn(arn)) throw new Error(`has a key that is not an IVS channel ARN: "${arn}"`);
      if (typeof url !== 'string' || !/^https:\/\/\S+$/.test(url))
        throw new Error(`gives ${arn} a playback URL that is not an https URL`);
      urls.set(arn, url);
    }
    return new StaticChannelDirectory(urls);
  }

  async lookup(channelArn: string): Promise<ChannelInfo | undefined> {
    const playbackUrl = this.#urls.get(channelArn);
    return playbackUrl === undefined ? undefined : { arn: channelArn, playbackUrl, authorized: true };
  }
}
