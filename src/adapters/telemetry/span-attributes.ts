/**
 * This service's own span attributes live under one prefix (the semantic conventions reserve
 * unprefixed names): `ivs_playback_auth.outcome`, `.error_code`, `.api_key_id`, `.signer`, … The
 * tracer and its instrumentation scope carry the same name.
 */
export const SERVICE_ATTRIBUTE_PREFIX = 'ivs_playback_auth';

/** The instrumentation scope of every span this service makes. */
export const TRACER_NAME = 'ivs-playback-auth';
