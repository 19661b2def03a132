import { ivsError } from './error-catalog.js';
import type { ChannelRecord, IvsStore, PlaybackKeyPairRecord, RestrictionPolicyRecord } from './ivs-state.js';
import type { IvsOperationName } from './validation-table.js';

// Input types describe requests that already passed `validateInput` against the table.
type ImportPlaybackKeyPairInput = { publicKeyMaterial: string; name?: string; tags?: Record<string, string> };
type ArnInput = { arn: string };
type ListPlaybackKeyPairsInput = { nextToken?: string; maxResults?: number };
type BatchGetChannelInput = { arns: string[] };
type ViewerSession = {
  channelArn: string;
  viewerId: string;
  viewerSessionVersionsLessThanOrEqualTo?: number;
};
type BatchStartViewerSessionRevocationInput = { viewerSessions: ViewerSession[] };
type TagResourceInput = { resourceArn: string; tags: Record<string, string> };
type UntagResourceInput = { resourceArn: string; tagKeys: string[] };
type ListTagsForResourceInput = { resourceArn: string };
type CreatePlaybackRestrictionPolicyInput = {
  allowedCountries?: string[];
  allowedOrigins?: string[];
  enableStrictOriginEnforcement?: boolean;
  name?: string;
  tags?: Record<string, string>;
};

export type IvsOperationHandler = (input: Readonly<Record<string, unknown>>) => unknown;

/** ListPlaybackKeyPairs' default page size: the quota or 100, whichever is smaller, per the API reference. */
const defaultKeyPairPageSize = 100;
/** ListPlaybackRestrictionPolicies' default page size: 1, as the API reference says. */
const defaultRestrictionPolicyPageSize = 1;

function restrictionPolicyOutput(policy: RestrictionPolicyRecord) {
  return {
    arn: policy.arn,
    name: policy.name,
    allowedCountries: policy.allowedCountries,
    allowedOrigins: policy.allowedOrigins,
    enableStrictOriginEnforcement: policy.enableStrictOriginEnforcement,
    tags: policy.tags,
  };
}

function keyPairOutput(record: PlaybackKeyPairRecord) {
  return { arn: record.arn, name: record.name, fingerprint: record.fingerprint, tags: record.tags };
}

function channelOutput(channel: ChannelRecord) {
  return {
    arn: channel.arn,
    name: channel.name,
    authorized: channel.authorized,
    latencyMode: channel.latencyMode,
    type: channel.type,
    playbackUrl: channel.playbackUrl,
    ingestEndpoint: channel.ingestEndpoint,
    insecureIngest: channel.insecureIngest,
    recordingConfigurationArn: '',
    playbackRestrictionPolicyArn: channel.playbackRestrictionPolicyArn,
    preset: '',
    tags: channel.tags,
  };
}

/** Page tokens are opaque to callers: the import sequence to resume after, base64url-encoded. */
function encodePageToken(resumeAfter: number): string {
  return Buffer.from(`after:${resumeAfter}`).toString('base64url');
}

function decodePageToken(token: string): number {
  const match = /^after:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match)
    throw ivsError('ValidationException', `nextToken ${token} is not a token this API issued`, 'validation');
  return Number(match[1]);
}

/** The IVS operations the stand-in implements, each from validated input to the response body. */
export function createIvsOperations(store: IvsStore): Record<IvsOperationName, IvsOperationHandler> {
  return {
    ImportPlaybackKeyPair(input) {
      const { publicKeyMaterial, name, tags } = input as ImportPlaybackKeyPairInput;
      return { keyPair: keyPairOutput(store.importKeyPair(publicKeyMaterial, name ?? '', tags ?? {})) };
    },
    GetPlaybackKeyPair(input) {
      const { arn } = input as ArnInput;
      const record = store.keyPair(arn);
      if (!record) throw ivsError('ResourceNotFoundException', `Playback key pair ${arn} not found`);
      return { keyPair: keyPairOutput(record) };
    },
    ListPlaybackKeyPairs(input) {
      const { nextToken, maxResults } = input as ListPlaybackKeyPairsInput;
      const afterSequence = nextToken === undefined || nextToken === '' ? 0 : decodePageToken(nextToken);
      const page = store.keyPairPage(afterSequence, maxResults ?? defaultKeyPairPageSize);
      const keyPairs = page.items.map(({ arn, name, tags }) => ({ arn, name, tags }));
      return page.resumeAfter === undefined
        ? { keyPairs }
        : { keyPairs, nextToken: encodePageToken(page.resumeAfter) };
    },
    CreatePlaybackRestrictionPolicy(input) {
      const policy = store.addRestrictionPolicy(input as CreatePlaybackRestrictionPolicyInput);
      return { playbackRestrictionPolicy: restrictionPolicyOutput(policy) };
    },
    GetPlaybackRestrictionPolicy(input) {
      const policy = store.requireRestrictionPolicy((input as ArnInput).arn);
      return { playbackRestrictionPolicy: restrictionPolicyOutput(policy) };
    },
    ListPlaybackRestrictionPolicies(input) {
      const { nextToken, maxResults } = input as ListPlaybackKeyPairsInput;
      const after = nextToken === undefined || nextToken === '' ? 0 : decodePageToken(nextToken);
      const page = store.restrictionPolicyPage(after, maxResults ?? defaultRestrictionPolicyPageSize);
      const playbackRestrictionPolicies = page.items.map(restrictionPolicyOutput);
      return page.resumeAfter === undefined
        ? { playbackRestrictionPolicies }
        : { playbackRestrictionPolicies, nextToken: encodePageToken(page.resumeAfter) };
    },
    DeletePlaybackKeyPair(input) {
      store.deleteKeyPair((input as ArnInput).arn);
      return {};
    },
    GetChannel(input) {
      return { channel: channelOutput(store.requireChannel((input as ArnInput).arn)) };
    },
    BatchGetChannel(input) {
      const { arns } = input as BatchGetChannelInput;
      const channels: ReturnType<typeof channelOutput>[] = [];
      const errors: { arn: string; code: string; message: string }[] = [];
      for (const arn of arns) {
        const channel = store.channel(arn);
        if (channel) channels.push(channelOutput(channel));
        else errors.push({ arn, code: 'ResourceNotFoundException', message: `Channel ${arn} not found` });
      }
      return { channels, errors };
    },
    StartViewerSessionRevocation(input) {
      const session = input as ViewerSession;
      store.requireChannel(session.channelArn);
      store.recordRevocation({
        channelArn: session.channelArn,
        viewerId: session.viewerId,
        viewerSessionVersionsLessThanOrEqualTo: session.viewerSessionVersionsLessThanOrEqualTo ?? 0,
        operation: 'StartViewerSessionRevocation',
      });
      return {};
    },
    BatchStartViewerSessionRevocation(input) {
      const { viewerSessions } = input as BatchStartViewerSessionRevocationInput;
      const errors: { channelArn: string; viewerId: string; code: string; message: string }[] = [];
      for (const session of viewerSessions) {
        if (!store.channel(session.channelArn)) {
          errors.push({
            channelArn: session.channelArn,
            viewerId: session.viewerId,
            code: 'ResourceNotFoundException',
            message: `Channel ${session.channelArn} not found`,
          });
          continue;
        }
        store.recordRevocation({
          channelArn: session.channelArn,
          viewerId: session.viewerId,
          viewerSessionVersionsLessThanOrEqualTo: session.viewerSessionVersionsLessThanOrEqualTo ?? 0,
          operation: 'BatchStartViewerSessionRevocation',
        });
      }
      return { errors };
    },
    TagResource(input) {
      const { resourceArn, tags } = input as TagResourceInput;
      store.tag(resourceArn, tags);
      return {};
    },
    UntagResource(input) {
      const { resourceArn, tagKeys } = input as UntagResourceInput;
      store.untag(resourceArn, tagKeys);
      return {};
    },
    ListTagsForResource(input) {
      return { tags: store.tagsOf((input as ListTagsForResourceInput).resourceArn) };
    },
  };
}
