import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ApiKeyRecord,
  apiKeyIdOf,
  type Caller,
  checkChannelPattern,
  compileChannelPattern,
  formatApiKey,
  isScope,
  parseApiKeyReference,
  requireChannelAllowed,
  requireScope,
  type Scope,
  toCaller,
} from '../../src/domain/api-keys.js';
import { ServiceError } from '../../src/domain/errors.js';
import { CHANNEL_ARN } from '../support/builders.js';

const ID = '0123456789ab';
const SECRET = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde';

function aCaller(overrides: Partial<Caller> = {}): Caller {
  return { apiKeyId: ID, scopes: new Set<Scope>(['tokens:issue']), channelPatterns: undefined, ...overrides };
}

function anApiKeyRecord(overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id: ID,
    name: 'backend',
    sha256: 'a'.repeat(64),
    scopes: ['tokens:issue'],
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** Runs the act step of a refusal: returns the ServiceError, failing the test otherwise. */
function refusalOf(act: () => unknown): ServiceError {
  try {
    act();
  } catch (error) {
    if (error instanceof ServiceError) return error;
    throw new Error(`expected a ServiceError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a refusal, but nothing was thrown');
}

describe('formatApiKey and apiKeyIdOf', () => {
  it('formats ipa_<id>_<secret> and reads the id back', () => {
    const key = formatApiKey(ID, SECRET);

    const id = apiKeyIdOf(key);

    expect(key).toBe(`ipa_${ID}_${SECRET}`);
    expect(id).toBe(ID);
  });

  it('reads back the id of any well-formed key', () => {
    const anId = fc.stringMatching(/^[0-9a-f]{12}$/);
    const aSecret = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);

    fc.assert(
      fc.property(anId, aSecret, (id, secret) => {
        const key = formatApiKey(id, secret);

        expect(apiKeyIdOf(key)).toBe(id);
      }),
    );
  });

  it.each([
    ['an empty string', ''],
    ['another prefix', `ipb_${ID}_${SECRET}`],
    ['an upper-case id', `ipa_0123456789AB_${SECRET}`],
    ['an 11-character id', `ipa_0123456789a_${SECRET}`],
    ['a 13-character id', `ipa_0123456789abc_${SECRET}`],
    ['a 42-character secret', `ipa_${ID}_${SECRET.slice(1)}`],
    ['a 44-character secret', `ipa_${ID}_${SECRET}x`],
    ['a secret with padding', `ipa_${ID}_${SECRET.slice(1)}=`],
    ['a secret with a plus sign', `ipa_${ID}_${SECRET.slice(1)}+`],
    ['the Bearer scheme left in', `Bearer ipa_${ID}_${SECRET}`],
    ['a trailing newline', `ipa_${ID}_${SECRET}\n`],
    ['a trailing space', `ipa_${ID}_${SECRET} `],
    ['the id alone', `ipa_${ID}`],
  ])('returns undefined for %s', (_reason, presented) => {
    const id = apiKeyIdOf(presented);

    expect(id).toBeUndefined();
  });
});

describe('parseApiKeyReference', () => {
  it.each([
    ['the id with its prefix', `ipa_${ID}`],
    ['the 12 hex characters alone', ID],
  ])('reads %s as an id', (_reason, value) => {
    const reference = parseApiKeyReference(value);

    expect(reference).toEqual({ kind: 'id', id: ID });
  });

  it.each([
    ['a whole key', `ipa_${ID}_${SECRET}`],
    ['a whole key pasted with a trailing newline', `ipa_${ID}_${SECRET}\n`],
  ])('recognises %s, keeping only its id', (_reason, value) => {
    const reference = parseApiKeyReference(value);

    expect(reference).toEqual({ kind: 'whole-key', id: ID });
  });

  it.each([
    ['upper-case hex', `ipa_${ID.toUpperCase()}`],
    ['a truncated key', `ipa_${ID}_${SECRET.slice(0, 10)}`],
    ['the Bearer scheme left in', `Bearer ipa_${ID}_${SECRET}`],
    ['an empty string', ''],
  ])('refuses %s', (_reason, value) => {
    const reference = parseApiKeyReference(value);

    expect(reference).toEqual({ kind: 'invalid' });
  });
});

describe('compileChannelPattern', () => {
  it('matches an exact ARN only as a whole', () => {
    const pattern = compileChannelPattern(CHANNEL_ARN);

    const matches = [CHANNEL_ARN, `${CHANNEL_ARN}x`, `x${CHANNEL_ARN}`, CHANNEL_ARN.slice(0, -1)].map((arn) =>
      pattern.test(arn),
    );

    expect(matches).toEqual([true, false, false, false]);
  });

  it('lets * match any run of characters', () => {
    const pattern = compileChannelPattern('arn:aws:ivs:us-west-2:123456789012:channel/*');

    const matches = [
      'arn:aws:ivs:us-west-2:123456789012:channel/AbCd1234efGH',
      'arn:aws:ivs:us-west-2:123456789012:channel/x',
      'arn:aws:ivs:us-west-2:999999999999:channel/AbCd1234efGH',
      'arn:aws:ivs:eu-west-1:123456789012:channel/AbCd1234efGH',
    ].map((arn) => pattern.test(arn));

    expect(matches).toEqual([true, true, false, false]);
  });

  it('supports a wildcard in the middle', () => {
    const pattern = compileChannelPattern('arn:aws:ivs:*:123456789012:channel/live-*');

    const matches = [
      'arn:aws:ivs:us-west-2:123456789012:channel/live-1',
      'arn:aws:ivs:eu-west-1:123456789012:channel/live-abc',
      'arn:aws:ivs:eu-west-1:123456789012:channel/vod-1',
    ].map((arn) => pattern.test(arn));

    expect(matches).toEqual([true, true, false]);
  });

  it('returns a regular expression whose test() has no state between calls', () => {
    const pattern = compileChannelPattern('arn:aws:ivs:*:123456789012:channel/*');

    const results = [pattern.test(CHANNEL_ARN), pattern.test(CHANNEL_ARN), pattern.test(CHANNEL_ARN)];

    expect(results).toEqual([true, true, true]);
  });

  it('treats every character but * literally', () => {
    const literal = fc.stringMatching(/^[a-zA-Z0-9:/-]{0,40}$/);

    fc.assert(
      fc.property(literal, literal, (before, other) => {
        const pattern = compileChannelPattern(`arn:${before}`);

        expect(pattern.test(`arn:${before}`)).toBe(true);
        expect(pattern.test(`arn:${other}`)).toBe(other === before);
      }),
    );
  });

  it.each([
    ['an empty pattern', ''],
    ['a bare wildcard', '*'],
    ['no arn: prefix', 'channel/*'],
    ['a dot, which a regular expression would read as any character', 'arn:aws:ivs:us-west-2:1:channel/a.c'],
    ['a plus sign', 'arn:aws:ivs:us-west-2:1:channel/a+'],
    ['a question mark', 'arn:aws:ivs:us-west-2:1:channel/a?'],
    ['parentheses and a pipe', 'arn:aws:ivs:us-west-2:1:channel/(a|b)'],
    ['a character class', 'arn:aws:ivs:us-west-2:1:channel/[ab]'],
    ['anchors', 'arn:aws:ivs:us-west-2:1:channel/^a$'],
    ['a backslash', 'arn:aws:ivs:us-west-2:1:channel/\\d'],
    ['braces', 'arn:aws:ivs:us-west-2:1:channel/a{2}'],
    ['a space', 'arn:aws:ivs:us-west-2:1:channel/a b'],
    ['a trailing newline', 'arn:aws:ivs:us-west-2:1:channel/a\n'],
    ['257 characters', `arn:${'a'.repeat(253)}`],
  ])('refuses %s with INVALID_REQUEST', (_reason, pattern) => {
    const error = refusalOf(() => compileChannelPattern(pattern));

    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toContain('channel pattern');
  });

  it('accepts a 256-character pattern', () => {
    const pattern = `arn:${'a'.repeat(252)}`;

    const checked = checkChannelPattern(pattern);

    expect(checked).toBe(pattern);
  });
});

describe('toCaller', () => {
  it('turns a record into a caller with its scopes and compiled channel patterns', () => {
    const record = anApiKeyRecord({
      scopes: ['tokens:issue', 'sessions:revoke'],
      channels: ['arn:aws:ivs:us-west-2:123456789012:channel/*'],
    });

    const caller = toCaller(record);

    expect(caller.apiKeyId).toBe(ID);
    expect([...caller.scopes]).toEqual(['tokens:issue', 'sessions:revoke']);
    expect(caller.channelPatterns?.map((pattern) => pattern.test(CHANNEL_ARN))).toEqual([true]);
  });

  it('leaves the channels open when the record names none', () => {
    const record = anApiKeyRecord({ channels: undefined });

    const caller = toCaller(record);

    expect(caller.channelPatterns).toBeUndefined();
  });
});

describe('isScope', () => {
  it.each(['tokens:issue', 'sessions:revoke', 'keys:admin'])('accepts %s', (scope) => {
    const result = isScope(scope);

    expect(result).toBe(true);
  });

  it.each(['', 'tokens', 'TOKENS:ISSUE', 'keys:admin ', 'admin'])('refuses %j', (scope) => {
    const result = isScope(scope);

    expect(result).toBe(false);
  });
});

describe('requireScope', () => {
  it('passes when the caller holds the scope', () => {
    const caller = aCaller({ scopes: new Set<Scope>(['tokens:issue', 'keys:admin']) });

    const act = () => requireScope(caller, 'keys:admin');

    expect(act).not.toThrow();
  });

  it('refuses a caller without the scope with INSUFFICIENT_SCOPE naming it', () => {
    const caller = aCaller({ scopes: new Set<Scope>(['tokens:issue']) });

    const error = refusalOf(() => requireScope(caller, 'keys:admin'));

    expect(error.code).toBe('INSUFFICIENT_SCOPE');
    expect(error.details).toEqual({ requiredScope: 'keys:admin' });
    expect(error.message).toContain('keys:admin');
  });
});

describe('requireChannelAllowed', () => {
  it('allows any channel to a caller without channel patterns', () => {
    const caller = aCaller({ channelPatterns: undefined });

    const act = () => requireChannelAllowed(caller, CHANNEL_ARN);

    expect(act).not.toThrow();
  });

  it('allows a channel matching one of the patterns', () => {
    const caller = aCaller({
      channelPatterns: [
        compileChannelPattern('arn:aws:ivs:eu-west-1:*'),
        compileChannelPattern('arn:aws:ivs:us-west-2:123456789012:channel/*'),
      ],
    });

    const act = () => requireChannelAllowed(caller, CHANNEL_ARN);

    expect(act).not.toThrow();
  });

  it('refuses a channel matching no pattern with CHANNEL_NOT_ALLOWED', () => {
    const caller = aCaller({ channelPatterns: [compileChannelPattern('arn:aws:ivs:eu-west-1:*')] });

    const error = refusalOf(() => requireChannelAllowed(caller, CHANNEL_ARN));

    expect(error.code).toBe('CHANNEL_NOT_ALLOWED');
    expect(error.details).toEqual({ field: 'channelArn' });
  });

  it('refuses every channel with CHANNEL_NOT_ALLOWED when the pattern list is empty', () => {
    const caller = aCaller({ channelPatterns: [] });

    const error = refusalOf(() => requireChannelAllowed(caller, CHANNEL_ARN));

    expect(error.code).toBe('CHANNEL_NOT_ALLOWED');
  });
});
