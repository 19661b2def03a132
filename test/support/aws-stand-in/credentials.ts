/**
 * The only credentials the stand-in accepts. They are fixed and obviously fake so they can be
 * written into tests and child-process environments; the stand-in verifies SigV4 signatures with
 * them, so a client configured with any other key is rejected like real AWS would reject it.
 */
export const standInCredentials = {
  accessKeyId: 'STANDINTESTACCESSKEY',
  secretAccessKey: 'stand-in-test-secret-access-key',
} as const;
