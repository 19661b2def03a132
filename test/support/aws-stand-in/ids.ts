import { randomBytes, randomInt } from 'node:crypto';

const alphanumerics = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random id of letters and digits, like IVS resource ids (12) and secret ARN suffixes (6). */
export function randomAlphanumeric(length: number): string {
  let id = '';
  for (let i = 0; i < length; i += 1) id += alphanumerics[randomInt(alphanumerics.length)];
  return id;
}

export function randomHex(length: number): string {
  return randomBytes(Math.ceil(length / 2))
    .toString('hex')
    .slice(0, length);
}
