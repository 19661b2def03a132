/**
 * The stand-in's own table of request constraints: per operation, the members it accepts and the
 * constraints the real service enforces on them (required, length, pattern, range, enum, list and
 * map sizes). Written by hand from the AWS API reference; `stand-in-conformance.test.ts` compares it
 * with the published API models whenever they are available.
 *
 * Conventions, as the real services apply them:
 * - patterns must match the whole value, and are Unicode-aware (`\p{L}` and friends);
 * - string lengths count Unicode code points, except where `measure: 'utf8-bytes'` says AWS
 *   documents the limit in bytes;
 * - a member not listed here is rejected, including real members the stand-in does not implement,
 *   so a test never silently relies on behaviour the stand-in does not have.
 */

export interface StringShape {
  readonly type: 'string';
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly measure?: 'utf8-bytes';
  /** Where the stand-in deliberately enforces something other than the model, and why. */
  readonly modelDeviation?: { readonly pattern: string; readonly reason: string };
}
export interface NumberShape {
  readonly type: 'integer' | 'long';
  readonly min?: number;
  readonly max?: number;
}
export interface BooleanShape {
  readonly type: 'boolean';
}
export interface BlobShape {
  readonly type: 'blob';
  readonly min?: number;
  readonly max?: number;
}
export interface ListShape {
  readonly type: 'list';
  readonly member: Shape;
  readonly min?: number;
  readonly max?: number;
}
export interface MapShape {
  readonly type: 'map';
  readonly key: StringShape;
  readonly value: Shape;
  readonly min?: number;
  readonly max?: number;
}
export interface Member {
  readonly shape: Shape;
  readonly required?: boolean;
  /** restJson1 only: where the member travels when not in the JSON body. */
  readonly location?: 'uri' | 'querystring';
}
export interface StructureShape {
  readonly type: 'structure';
  readonly members: Readonly<Record<string, Member>>;
}
export type Shape =
  | StringShape
  | NumberShape
  | BooleanShape
  | BlobShape
  | ListShape
  | MapShape
  | StructureShape;

export interface OperationSpec {
  readonly http: { readonly method: 'POST' | 'GET' | 'DELETE'; readonly path: string };
  readonly input: StructureShape;
}

function structure(members: Record<string, Member>): StructureShape {
  return { type: 'structure', members };
}
function required(shape: Shape): Member {
  return { shape, required: true };
}
function optional(shape: Shape): Member {
  return { shape };
}

// ---- IVS (restJson1) ----

const playbackKeyPairArn: StringShape = {
  type: 'string',
  min: 1,
  max: 128,
  pattern: 'arn:aws:ivs:[a-z0-9-]+:[0-9]+:playback-key/[a-zA-Z0-9-]+',
};
const channelArn: StringShape = {
  type: 'string',
  min: 1,
  max: 128,
  pattern: 'arn:aws:ivs:[a-z0-9-]+:[0-9]+:channel/[a-zA-Z0-9-]+',
};
const ivsResourceArn: StringShape = {
  type: 'string',
  min: 1,
  max: 128,
  pattern: 'arn:aws:ivs:[a-z0-9-]+:[0-9]+:[a-z-]+/[a-zA-Z0-9-]+',
  modelDeviation: {
    pattern: 'arn:aws:ivs:[a-z0-9-]+:[0-9]+:[a-z-]/[a-zA-Z0-9-]+',
    reason:
      'the model allows one character before "/", so real ARNs such as ...:playback-key/abc would fail; ' +
      'the stand-in allows a resource type of any length instead',
  },
};
const ivsTagKey: StringShape = {
  type: 'string',
  min: 1,
  max: 128,
  pattern: '([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)',
};
const ivsTagValue: StringShape = {
  type: 'string',
  min: 0,
  max: 256,
  pattern: '([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)',
};
const ivsTags: MapShape = { type: 'map', key: ivsTagKey, value: ivsTagValue, min: 0, max: 50 };
const viewerId: StringShape = { type: 'string', min: 1, max: 40 };
const restrictionPolicyArn: StringShape = {
  type: 'string',
  min: 1,
  max: 128,
  pattern: 'arn:aws:ivs:[a-z0-9-]+:[0-9]+:playback-restriction-policy/[a-zA-Z0-9-]+',
};
const paginationToken: StringShape = { type: 'string', min: 0, max: 1024, pattern: '[a-zA-Z0-9+/=_-]*' };
const viewerSessionVersion: NumberShape = { type: 'integer', min: 0 };

export const ivsOperations = {
  ImportPlaybackKeyPair: {
    http: { method: 'POST', path: '/ImportPlaybackKeyPair' },
    input: structure({
      // No length or pattern in the API; the operation itself checks it is a P-384 SPKI PEM.
      publicKeyMaterial: required({ type: 'string' }),
      name: optional({ type: 'string', min: 0, max: 128, pattern: '[a-zA-Z0-9-_]*' }),
      tags: optional(ivsTags),
    }),
  },
  GetPlaybackKeyPair: {
    http: { method: 'POST', path: '/GetPlaybackKeyPair' },
    input: structure({ arn: required(playbackKeyPairArn) }),
  },
  ListPlaybackKeyPairs: {
    http: { method: 'POST', path: '/ListPlaybackKeyPairs' },
    input: structure({
      nextToken: optional(paginationToken),
      maxResults: optional({ type: 'integer', min: 1, max: 100 }),
    }),
  },
  CreatePlaybackRestrictionPolicy: {
    http: { method: 'POST', path: '/CreatePlaybackRestrictionPolicy' },
    input: structure({
      allowedCountries: optional({ type: 'list', member: { type: 'string', min: 2, max: 2 } }),
      allowedOrigins: optional({ type: 'list', member: { type: 'string', min: 0, max: 128 } }),
      enableStrictOriginEnforcement: optional({ type: 'boolean' }),
      name: optional({ type: 'string', min: 0, max: 128, pattern: '[a-zA-Z0-9-_]*' }),
      tags: optional(ivsTags),
    }),
  },
  GetPlaybackRestrictionPolicy: {
    http: { method: 'POST', path: '/GetPlaybackRestrictionPolicy' },
    input: structure({ arn: required(restrictionPolicyArn) }),
  },
  ListPlaybackRestrictionPolicies: {
    http: { method: 'POST', path: '/ListPlaybackRestrictionPolicies' },
    input: structure({
      nextToken: optional(paginationToken),
      maxResults: optional({ type: 'integer', min: 1, max: 100 }),
    }),
  },
  DeletePlaybackKeyPair: {
    http: { method: 'POST', path: '/DeletePlaybackKeyPair' },
    input: structure({ arn: required(playbackKeyPairArn) }),
  },
  GetChannel: {
    http: { method: 'POST', path: '/GetChannel' },
    input: structure({ arn: required(channelArn) }),
  },
  BatchGetChannel: {
    http: { method: 'POST', path: '/BatchGetChannel' },
    input: structure({ arns: required({ type: 'list', member: channelArn, min: 1, max: 50 }) }),
  },
  StartViewerSessionRevocation: {
    http: { method: 'POST', path: '/StartViewerSessionRevocation' },
    input: structure({
      channelArn: required(channelArn),
      viewerId: required(viewerId),
      viewerSessionVersionsLessThanOrEqualTo: optional(viewerSessionVersion),
    }),
  },
  BatchStartViewerSessionRevocation: {
    http: { method: 'POST', path: '/BatchStartViewerSessionRevocation' },
    input: structure({
      viewerSessions: required({
        type: 'list',
        min: 1,
        max: 20,
        member: structure({
          channelArn: required(channelArn),
          viewerId: required(viewerId),
          viewerSessionVersionsLessThanOrEqualTo: optional(viewerSessionVersion),
        }),
      }),
    }),
  },
  TagResource: {
    http: { method: 'POST', path: '/tags/{resourceArn}' },
    input: structure({
      resourceArn: { shape: ivsResourceArn, required: true, location: 'uri' },
      tags: required(ivsTags),
    }),
  },
  UntagResource: {
    http: { method: 'DELETE', path: '/tags/{resourceArn}' },
    input: structure({
      resourceArn: { shape: ivsResourceArn, required: true, location: 'uri' },
      tagKeys: {
        shape: { type: 'list', member: ivsTagKey, min: 0, max: 50 },
        required: true,
        location: 'querystring',
      },
    }),
  },
  ListTagsForResource: {
    http: { method: 'GET', path: '/tags/{resourceArn}' },
    input: structure({ resourceArn: { shape: ivsResourceArn, required: true, location: 'uri' } }),
  },
} as const satisfies Record<string, OperationSpec>;

// ---- Secrets Manager (awsJson1_1: every operation is POST / with X-Amz-Target) ----

const secretId: StringShape = { type: 'string', min: 1, max: 2048 };
const versionId: StringShape = { type: 'string', min: 32, max: 64 };
const versionStage: StringShape = { type: 'string', min: 1, max: 256 };
const clientRequestToken: StringShape = { type: 'string', min: 32, max: 64 };
// AWS documents the 64 KiB limit in bytes of the UTF-8 value, not in characters.
const secretString: StringShape = { type: 'string', min: 1, max: 65536, measure: 'utf8-bytes' };
const secretBinary: BlobShape = { type: 'blob', min: 1, max: 65536 };
const smTagKey: StringShape = { type: 'string', min: 1, max: 128 };
const smTags: ListShape = {
  type: 'list',
  member: structure({
    Key: optional(smTagKey),
    Value: optional({ type: 'string', min: 0, max: 256 }),
  }),
};
const smPost = { method: 'POST', path: '/' } as const;

export const secretsManagerOperations = {
  CreateSecret: {
    http: smPost,
    input: structure({
      Name: required({ type: 'string', min: 1, max: 512 }),
      ClientRequestToken: optional(clientRequestToken),
      Description: optional({ type: 'string', max: 2048 }),
      KmsKeyId: optional({ type: 'string', min: 0, max: 2048 }),
      SecretString: optional(secretString),
      SecretBinary: optional(secretBinary),
      Tags: optional(smTags),
    }),
  },
  DescribeSecret: {
    http: smPost,
    input: structure({ SecretId: required(secretId) }),
  },
  GetSecretValue: {
    http: smPost,
    input: structure({
      SecretId: required(secretId),
      VersionId: optional(versionId),
      VersionStage: optional(versionStage),
    }),
  },
  PutSecretValue: {
    http: smPost,
    input: structure({
      SecretId: required(secretId),
      ClientRequestToken: optional(clientRequestToken),
      SecretString: optional(secretString),
      SecretBinary: optional(secretBinary),
      VersionStages: optional({ type: 'list', member: versionStage, min: 1, max: 20 }),
      // Sent by rotation functions; accepted and otherwise ignored, as outside a rotation.
      RotationToken: optional({ type: 'string', min: 36, max: 256, pattern: '^[a-zA-Z0-9\\-]+$' }),
    }),
  },
  UpdateSecretVersionStage: {
    http: smPost,
    input: structure({
      SecretId: required(secretId),
      VersionStage: required(versionStage),
      RemoveFromVersionId: optional(versionId),
      MoveToVersionId: optional(versionId),
    }),
  },
  ListSecretVersionIds: {
    http: smPost,
    input: structure({
      SecretId: required(secretId),
      MaxResults: optional({ type: 'integer', min: 1, max: 100 }),
      NextToken: optional({ type: 'string', min: 1, max: 4096 }),
      IncludeDeprecated: optional({ type: 'boolean' }),
    }),
  },
  TagResource: {
    http: smPost,
    input: structure({ SecretId: required(secretId), Tags: required(smTags) }),
  },
  UntagResource: {
    http: smPost,
    input: structure({ SecretId: required(secretId), TagKeys: required({ type: 'list', member: smTagKey }) }),
  },
  DeleteSecret: {
    http: smPost,
    input: structure({
      SecretId: required(secretId),
      // The 7-30 day window is documented but not modelled; the operation checks it.
      RecoveryWindowInDays: optional({ type: 'long' }),
      ForceDeleteWithoutRecovery: optional({ type: 'boolean' }),
    }),
  },
} as const satisfies Record<string, OperationSpec>;

export type IvsOperationName = keyof typeof ivsOperations;
export type SecretsManagerOperationName = keyof typeof secretsManagerOperations;
