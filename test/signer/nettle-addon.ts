import { NETTLE_ADDON_PATH } from '../../src/adapters/crypto/nettle-signing-backend.js';

/**
 * The addon the signer tests load: the normal build, or the one NETTLE_ES384_ADDON names (the
 * sanitizer run, scripts/signer-assurance/sanitizers.sh, builds one with ASan and UBSan).
 */
export const ADDON_PATH = process.env['NETTLE_ES384_ADDON'] ?? NETTLE_ADDON_PATH;

/**
 * LD_PRELOAD for a child process that also preloads `library`: after what this process preloads,
 * because the sanitizer runtime (libasan) must stay first.
 */
export function preloading(library: string): string {
  return [process.env['LD_PRELOAD'], library].filter(Boolean).join(':');
}
