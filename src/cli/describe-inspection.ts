import type { Verdict } from '../domain/inspection-findings.js';
import type { TokenInspection } from '../services/token-inspector.js';

/** `token inspect`'s exit code: scripts can branch on the verdict without reading the text. */
export const INSPECTION_EXIT_CODES: Readonly<Record<Verdict, number>> = {
  plays: 0,
  'will-not-play': 3,
  'cannot-tell': 4,
};

const VERDICT_LINE: Readonly<Record<Verdict, string>> = {
  plays: 'PLAYS',
  'will-not-play': 'WILL NOT PLAY',
  'cannot-tell': 'CANNOT TELL',
};

/** The inspection for a person at a terminal: the verdict, every reason, then what was decoded. */
export function describeInspection(inspection: TokenInspection): string {
  // The summary's own first words restate the verdict, which the line starts with already.
  const reason = inspection.summary.replace(/^(?:Will not play|Cannot tell|Plays)[:.,]?\s*/, '');
  const lines = [
    reason ? `${VERDICT_LINE[inspection.verdict]}: ${reason}` : VERDICT_LINE[inspection.verdict],
    '',
  ];
  for (const item of inspection.findings) {
    lines.push(`  ${item.severity.padEnd(7)} ${item.code}`, `          ${item.message}`);
  }
  if (inspection.findings.length > 0) lines.push('');

  const { token, key, channel, url } = inspection;
  if (url) lines.push(`url:       ${url.base} (${url.tokens} token parameter${url.tokens === 1 ? '' : 's'})`);
  if (token) {
    const claims = Object.entries(token.claims)
      .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
      .join(', ');
    lines.push(`claims:    ${claims}`);
    if (token.expiry) lines.push(`expires:   ${token.expiry.at ?? 'not a time'} (${token.expiry.relative})`);
    lines.push(`signature: ${token.signature.form}, ${token.signature.bytes} bytes`);
  }
  const keyLine =
    key.status === 'ours'
      ? `${key.keyId} (${key.state}${key.drainEndsAt ? `, drains until ${key.drainEndsAt.toISOString()}` : ''}${key.retiredAt ? `, retired ${key.retiredAt.toISOString()}` : ''})`
      : key.status;
  lines.push(`key:       ${keyLine}`);
  if (key.regions.length > 0) {
    lines.push(
      `in IVS:    ${key.regions.map((entry) => `${entry.region ?? 'offline registry'} ${entry.holds}`).join(', ')}`,
    );
  }
  if (channel) lines.push(`channel:   ${channel.arn} (${channel.status})`);
  lines.push(`as of:     ${inspection.inspectedAt.toISOString()}`);
  return lines.join('\n');
}
