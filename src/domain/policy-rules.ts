import type { AccessPolicy } from './access-policy.js';
import { compileChannelPattern } from './api-keys.js';
import { countryCode } from './countries.js';
import { checkOrigin } from './origin.js';
import { MAX_STRICT_ORIGINS, type MaximumResolution } from './playback-claims.js';

/** One rule of POLICIES_FILE as written (after its JSON Schema check). */
export interface PolicyRuleDocument {
  readonly name: string;
  readonly channels: readonly string[];
  readonly allowedCountries?: readonly string[];
  readonly blockedCountries?: readonly string[];
  readonly allowedOrigins?: readonly string[];
  readonly strictOriginEnforcement?: boolean;
  readonly maximumResolution?: MaximumResolution;
  readonly maxTtlSeconds?: number;
  readonly require?: { readonly viewerId?: boolean; readonly singleUse?: boolean };
}

export interface PolicyDocument {
  readonly version: 1;
  readonly policies: readonly PolicyRuleDocument[];
}

/** The policies file's rules, compiled once per load: `policyFor` is what every token asks. */
export interface PolicyRules {
  /** How many rules the file holds. */
  readonly size: number;
  /** The most specific rule whose channel pattern matches, or undefined. */
  policyFor(channelArn: string): AccessPolicy | undefined;
}

/** Thrown with every problem of a policies document, one per entry, each naming where it is. */
export class PolicyDocumentError extends Error {
  override readonly name = 'PolicyDocumentError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('; '));
    this.problems = problems;
  }
}

/** Channel patterns as in `api-keys create --channel`: an ARN where `*` matches any run of characters. */
const CHANNEL_PATTERN = /^arn:[a-zA-Z0-9:/*-]{1,252}$/;
/** Distinct channels remembered with their rule; the map is emptied when full (it refills from hot channels). */
const MATCH_CACHE_LIMIT = 10_000;

interface Entry {
  readonly pattern: RegExp;
  /** Characters other than `*`: the more, the more specific (docs/access-policies.md). */
  readonly specificity: number;
  /** Position in the file (rule, then pattern), breaking ties: the earlier wins. */
  readonly order: number;
  readonly policy: AccessPolicy;
}

/**
 * Checks what the JSON Schema cannot (country codes, origins, channel patterns, names, rules that
 * contradict themselves) and compiles the rules. Throws PolicyDocumentError listing every problem.
 */
export function compilePolicyRules(
  document: PolicyDocument,
  /** Each rule's position in the file, when `document` holds only some of the file's rules. */
  positions?: readonly number[],
): PolicyRules {
  const problems: string[] = [];
  const entries: Entry[] = [];
  const names = new Map<string, number>();
  const patterns = new Map<string, string>();
  document.policies.forEach((rule, listed) => {
    const index = positions?.[listed] ?? listed;
    const at = `policies[${index}] ("${rule.name}")`;
    const earlier = names.get(rule.name);
    if (earlier !== undefined) problems.push(`${at}: the name is already used by policies[${earlier}]`);
    else names.set(rule.name, index);

    const allowedCountries = countries(rule.allowedCountries, `${at}.allowedCountries`, problems);
    const blockedCountries = countries(rule.blockedCountries, `${at}.blockedCountries`, problems);
    if (allowedCountries && blockedCountries) {
      problems.push(`${at}: give allowedCountries or blockedCountries, not both`);
    }
    const allowedOrigins = origins(rule.allowedOrigins, `${at}.allowedOrigins`, problems);
    if (rule.strictOriginEnforcement === true) {
      if (allowedOrigins === undefined) {
        problems.push(`${at}: strictOriginEnforcement needs allowedOrigins`);
      } else if (allowedOrigins.length > MAX_STRICT_ORIGINS) {
        problems.push(
          `${at}: strictOriginEnforcement allows at most ${MAX_STRICT_ORIGINS} allowedOrigins (IVS refuses more); it has ${allowedOrigins.length}`,
        );
      }
    }
    const policy: AccessPolicy = {
      source: 'policies-file',
      name: rule.name,
      allowedCountries,
      blockedCountries,
      allowedOrigins,
      strictOriginEnforcement: rule.strictOriginEnforcement,
      maximumResolution: rule.maximumResolution,
      maxTtlSeconds: rule.maxTtlSeconds,
      requireViewerId: rule.require?.viewerId,
      requireSingleUse: rule.require?.singleUse,
    };
    rule.channels.forEach((pattern, position) => {
      const where = `${at}.channels[${position}]`;
      if (!CHANNEL_PATTERN.test(pattern)) {
        problems.push(
          `${where} must be a channel ARN where * matches any characters, e.g. arn:aws:ivs:us-west-2:123456789012:channel/*`,
        );
        return;
      }
      const owner = patterns.get(pattern);
      if (owner !== undefined) {
        problems.push(`${where}: ${pattern} is already listed by ${owner}; a channel must have one rule`);
        return;
      }
      patterns.set(pattern, at);
      entries.push({
        pattern: compileChannelPattern(pattern),
        specificity: pattern.replaceAll('*', '').length,
        order: entries.length,
        policy,
      });
    });
  });
  if (problems.length > 0) throw new PolicyDocumentError(problems);

  entries.sort((a, b) => b.specificity - a.specificity || a.order - b.order);
  const matches = new Map<string, AccessPolicy | null>();
  return {
    size: document.policies.length,
    policyFor(channelArn) {
      const known = matches.get(channelArn);
      if (known !== undefined) return known ?? undefined;
      const policy = entries.find((entry) => entry.pattern.test(channelArn))?.policy;
      if (matches.size >= MATCH_CACHE_LIMIT) matches.clear();
      matches.set(channelArn, policy ?? null);
      return policy;
    },
  };
}

function countries(
  values: readonly string[] | undefined,
  at: string,
  problems: string[],
): ReadonlySet<string> | undefined {
  if (values === undefined) return undefined;
  const codes = new Set<string>();
  values.forEach((value, index) => {
    const code = countryCode(value);
    if (code === undefined) {
      problems.push(
        `${at}[${index}] "${value}" is not an ISO 3166-1 alpha-2 country code (such as US, CA, DE)`,
      );
    } else if (codes.has(code)) {
      problems.push(`${at}[${index}] repeats ${code}`);
    } else {
      codes.add(code);
    }
  });
  return codes;
}

function origins(
  values: readonly string[] | undefined,
  at: string,
  problems: string[],
): string[] | undefined {
  if (values === undefined) return undefined;
  const result: string[] = [];
  values.forEach((value, index) => {
    const check = checkOrigin(value);
    if (!check.ok) {
      problems.push(`${at}[${index}] ${check.reason}`);
    } else if (result.includes(check.origin)) {
      problems.push(`${at}[${index}] repeats ${check.origin}`);
    } else {
      result.push(check.origin);
    }
  });
  return result;
}
