/**
 * What an inspection of a playback token can find, with stable codes (clients and support scripts
 * branch on them: a code is never renamed or reused). Each code has one severity, which says what it
 * does to the verdict:
 *
 * - `error`: IVS refuses the token for this reason; the verdict is `will-not-play`.
 * - `unknown`: something the verdict depends on cannot be known here; without an error, the verdict
 *   is `cannot-tell`.
 * - `warning`: it plays, but something about it is likely to surprise (single use, CORS, …).
 * - `info`: a fact worth knowing, nothing to act on.
 *
 * The README's "Why won't it play?" section and openapi.yaml list every code with what to do; a test
 * keeps the three in step.
 */
export const FINDING_SEVERITIES = ['error', 'unknown', 'warning', 'info'] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];

export const FINDING_CODES = {
  // The input: what was pasted, and the URL around the token.
  URL_INVALID: 'error',
  TOKEN_MISSING: 'error',
  TOKEN_DOUBLED_IN_URL: 'error',
  MULTIPLE_TOKENS_IN_URL: 'error',
  URL_CHANNEL_MISMATCH: 'error',
  URL_NOT_CHANNEL_PLAYBACK_URL: 'error',
  // The token's form.
  TOKEN_MALFORMED: 'error',
  TOKEN_TRUNCATED: 'error',
  ALGORITHM_NOT_ES384: 'error',
  SIGNATURE_DER_ENCODED: 'error',
  SIGNATURE_WRONG_LENGTH: 'error',
  // The claims.
  CHANNEL_ARN_INVALID: 'error',
  EXP_INVALID: 'error',
  EXP_IN_MILLISECONDS: 'error',
  TOKEN_EXPIRED: 'error',
  TTL_OVER_VIEWER_LIMIT: 'error',
  VIEWER_ID_INVALID: 'error',
  SINGLE_USE_UUID_INVALID: 'error',
  VIEWER_SESSION_VERSION_INVALID: 'error',
  MAXIMUM_RESOLUTION_INVALID: 'error',
  ORIGIN_CLAIM_INVALID: 'error',
  ORIGIN_NOT_ALLOWED: 'error',
  ORIGIN_NOT_GIVEN: 'unknown',
  ORIGIN_NOT_LISTED: 'warning',
  SINGLE_USE: 'warning',
  REVOCABLE_VIEWER_SESSION: 'info',
  UNDOCUMENTED_CLAIMS: 'warning',
  // The signature and the key that made it.
  SIGNATURE_INVALID: 'error',
  KEY_UNKNOWN: 'unknown',
  KEY_NOT_OURS: 'unknown',
  PUBLIC_KEY_INVALID: 'unknown',
  KEY_RETIRED: 'error',
  KEY_PREVIOUS: 'warning',
  KEY_PENDING: 'warning',
  KEY_NOT_IN_REGION: 'error',
  KEY_REGION_UNCONFIRMED: 'unknown',
  CHANNEL_REGION_NOT_SERVED: 'error',
  CHANNEL_ACCOUNT_NOT_SERVED: 'error',
  // The channel.
  CHANNEL_NOT_FOUND: 'error',
  CHANNEL_NOT_PRIVATE: 'warning',
  CHANNEL_NOT_CHECKED: 'info',
  // Access policies: this service's own rules, which IVS does not apply to private channels.
  ACCESS_POLICY: 'info',
  OUTSIDE_ACCESS_POLICY: 'warning',
} as const satisfies Record<string, FindingSeverity>;

export type FindingCode = keyof typeof FINDING_CODES;

export interface Finding {
  readonly code: FindingCode;
  readonly severity: FindingSeverity;
  /** For a person: what is wrong and what to do, never the token itself. */
  readonly message: string;
}

export function finding(code: FindingCode, message: string): Finding {
  return { code, severity: FINDING_CODES[code], message };
}

export type Verdict = 'plays' | 'will-not-play' | 'cannot-tell';

/** Errors decide, then unknowns; warnings and infos never change a verdict. */
export function verdictOf(findings: readonly Finding[]): Verdict {
  if (findings.some((item) => item.severity === 'error')) return 'will-not-play';
  if (findings.some((item) => item.severity === 'unknown')) return 'cannot-tell';
  return 'plays';
}

const SEVERITY_ORDER: Readonly<Record<FindingSeverity, number>> = {
  error: 0,
  unknown: 1,
  warning: 2,
  info: 3,
};

/** Errors first, then unknowns, warnings and infos; the order of discovery within each. */
export function bySeverity(findings: readonly Finding[]): Finding[] {
  return findings
    .map((item, index) => ({ item, index }))
    .sort((a, b) => SEVERITY_ORDER[a.item.severity] - SEVERITY_ORDER[b.item.severity] || a.index - b.index)
    .map(({ item }) => item);
}

/**
 * On a channel without playback authorization IVS does not read the token, so nothing about the
 * token can stop playback there: its errors and unknowns are reported as warnings (they matter once
 * authorization is turned on). What concerns the URL and the channel itself keeps its severity.
 */
export function forPublicChannel(findings: readonly Finding[]): Finding[] {
  const aboutTheChannel: readonly FindingCode[] = [
    'URL_INVALID',
    'URL_NOT_CHANNEL_PLAYBACK_URL',
    'CHANNEL_NOT_FOUND',
  ];
  return findings.map(
    (item): Finding =>
      (item.severity === 'error' || item.severity === 'unknown') && !aboutTheChannel.includes(item.code)
        ? {
            ...item,
            severity: 'warning',
            message: `${item.message} (This matters only once the channel has playback authorization.)`,
          }
        : item,
  );
}

/** One line for a person: the verdict and its main reason. */
export function summaryOf(verdict: Verdict, findings: readonly Finding[]): string {
  const first = (severity: FindingSeverity) => findings.find((item) => item.severity === severity);
  if (verdict === 'will-not-play') {
    const errors = findings.filter((item) => item.severity === 'error').length;
    return `Will not play: ${first('error')?.message ?? ''}${errors > 1 ? ` (and ${errors - 1} more ${errors > 2 ? 'reasons' : 'reason'})` : ''}`;
  }
  if (verdict === 'cannot-tell') return `Cannot tell: ${first('unknown')?.message ?? ''}`;
  const warnings = findings.filter((item) => item.severity === 'warning').length;
  return warnings === 0
    ? 'Plays.'
    : `Plays, with ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}: ${first('warning')?.message ?? ''}`;
}
