/**
 * The IVS tags that mark a playback key pair as this service's own. Only a pair carrying both is
 * ever deleted; everything else is foreign. One definition, used by the IVS adapter when it imports
 * and by local mode when it prints the `aws ivs import-playback-key-pair` command for a person to
 * run, so a key imported by hand is recognised like one the service imported itself.
 */
export const MANAGED_BY_TAG = 'managed-by';
export const MANAGED_BY_VALUE = 'ivs-playback-auth';
/** IVS tag keys may contain `:`. */
export const KEY_ID_TAG = 'ivs-playback-auth:key-id';

/** The tags of the key pair holding `keyId`'s public key. */
export function keyPairTags(keyId: string): Readonly<Record<string, string>> {
  return { [MANAGED_BY_TAG]: MANAGED_BY_VALUE, [KEY_ID_TAG]: keyId };
}

/** Our key id when the pair carries both of our tags, else undefined (a foreign pair). */
export function ownKeyId(tags: Readonly<Record<string, string>> | undefined): string | undefined {
  if (tags?.[MANAGED_BY_TAG] !== MANAGED_BY_VALUE) return undefined;
  const keyId = tags[KEY_ID_TAG];
  return keyId === undefined || keyId === '' ? undefined : keyId;
}
