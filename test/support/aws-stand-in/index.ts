/**
 * A local stand-in for the parts of Amazon IVS (restJson1) and AWS Secrets Manager (awsJson1_1)
 * the token service uses, so the real AWS SDK v3 clients can run against it over HTTP.
 */

export type {
  PlaybackAttempt,
  PlaybackDecision,
  PlaybackReason,
} from '../playback-oracle.js';
export { standInCredentials } from './credentials.js';
export type { ActiveFault, FaultKind, FaultSpec, Faults } from './faults.js';
export type {
  ChannelInit,
  ChannelLatencyMode,
  ChannelRecord,
  ChannelType,
  ForeignKeyPairInit,
  IvsState,
  PlaybackKeyPairRecord,
  RevocationRecord,
} from './ivs-state.js';
export { playbackKeyPairQuota } from './ivs-state.js';
export { oraclePlayPath } from './oracle-route.js';
export { generateP384KeyPair, playbackKeyFingerprint } from './playback-keys.js';
export { ivsClientFor, secretsManagerClientFor } from './sdk-clients.js';
export type { SdkError } from './sdk-errors.js';
export { sdkErrorOf } from './sdk-errors.js';
export type {
  SecretHistoryEntry,
  SecretInit,
  SecretRecord,
  SecretsState,
  SecretTag,
  SecretVersionInit,
  SecretVersionRecord,
} from './secrets-state.js';
export { AWSCURRENT, AWSPENDING, AWSPREVIOUS, versionsKeptPerSecret } from './secrets-state.js';
export type { AwsStandIn, AwsStandInOptions } from './server.js';
export { startAwsStandIn } from './server.js';
export type { RecordedRequest, RejectionReason, ServiceName } from './types.js';
