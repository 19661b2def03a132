import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PoliciesFile, parsePoliciesDocument } from '../../src/adapters/local/policies-file.js';
import { PolicyDocumentError } from '../../src/domain/policy-rules.js';

function problemsOf(text: string): readonly string[] {
  try {
    parsePoliciesDocument(text);
  } catch (error) {
    if (error instanceof PolicyDocumentError) return error.problems;
    throw error;
  }
  return [];
}

const CHANNELS = 'arn:aws:ivs:us-west-2:123456789012:channel/*';

describe('policies file', () => {
  it('reads YAML and JSON alike', () => {
    const yaml = parsePoliciesDocument(
      `version: 1\npolicies:\n  - name: a\n    channels: ["${CHANNELS}"]\n    allowedCountries: [us, CA]\n`,
    );
    const json = parsePoliciesDocument(
      JSON.stringify({
        version: 1,
        policies: [{ name: 'a', channels: [CHANNELS], allowedCountries: ['US', 'CA'] }],
      }),
    );

    for (const rules of [yaml, json]) {
      expect(rules.size).toBe(1);
      expect([
        ...(rules.policyFor('arn:aws:ivs:us-west-2:123456789012:channel/X')?.allowedCountries ?? []),
      ]).toEqual(['US', 'CA']);
      expect(rules.policyFor('arn:aws:ivs:eu-west-1:123456789012:channel/X')).toBeUndefined();
    }
  });

  it('accepts an empty list of policies', () => {
    expect(parsePoliciesDocument('version: 1\npolicies: []\n').size).toBe(0);
  });

  it('lists every problem of the form at once, each naming where it is', () => {
    const problems = problemsOf(
      [
        'version: 2',
        'policies:',
        '  - name: ok',
        `    channels: ["${CHANNELS}"]`,
        '    maximumResolution: 4K',
        '    maxTtlSeconds: 0',
        '    allowedCountries: []',
        '    surprise: true',
        '  - channels: []',
        '    require: { viewerId: yes-please }',
      ].join('\n'),
    );

    expect(problems).toEqual([
      'version must be equal to constant',
      'policies[0] has an unknown field "surprise"',
      'policies[0].allowedCountries must NOT have fewer than 1 items',
      'policies[0].maximumResolution must be equal to one of the allowed values',
      'policies[0].maxTtlSeconds must be >= 1',
      "policies[1] must have required property 'name'",
      'policies[1].channels must NOT have fewer than 1 items',
      'policies[1].require.viewerId must be boolean',
    ]);
  });

  it('lists every problem of the rules at once, with those of the form', () => {
    const problems = problemsOf(
      JSON.stringify({
        version: 1,
        policies: [
          {
            name: 'a',
            channels: [CHANNELS, 'not-an-arn'],
            allowedCountries: ['US', 'USA', 'us'],
            blockedCountries: ['DE'],
          },
          {
            name: 'a',
            channels: [CHANNELS],
            allowedOrigins: ['https://example.com/path', 'https://x.example', 'https://X.example'],
          },
          { name: 'strict', channels: ['arn:aws:ivs:*'], strictOriginEnforcement: true },
          {
            name: 'strict-six',
            channels: ['arn:aws:ivs:eu-west-1:*'],
            strictOriginEnforcement: true,
            allowedOrigins: [
              'https://a.example',
              'https://b.example',
              'https://c.example',
              'https://d.example',
              'https://e.example',
              'https://f.example',
            ],
          },
          { name: 'malformed', channels: 'everything' },
        ],
      }),
    );

    expect(problems).toEqual([
      'policies[4].channels must be array',
      'policies[0] ("a").allowedCountries[1] "USA" is not an ISO 3166-1 alpha-2 country code (such as US, CA, DE)',
      'policies[0] ("a").allowedCountries[2] repeats US',
      'policies[0] ("a"): give allowedCountries or blockedCountries, not both',
      'policies[0] ("a").channels[1] must be a channel ARN where * matches any characters, e.g. arn:aws:ivs:us-west-2:123456789012:channel/*',
      'policies[1] ("a"): the name is already used by policies[0]',
      expect.stringMatching(/^policies\[1\] \("a"\)\.allowedOrigins\[0\] .*path/),
      'policies[1] ("a").allowedOrigins[2] repeats https://x.example',
      `policies[1] ("a").channels[0]: ${CHANNELS} is already listed by policies[0] ("a"); a channel must have one rule`,
      'policies[2] ("strict"): strictOriginEnforcement needs allowedOrigins',
      'policies[3] ("strict-six"): strictOriginEnforcement allows at most 5 allowedOrigins (IVS refuses more); it has 6',
    ]);
  });

  it('says what is wrong with a file that is not YAML, and refuses repeated keys', () => {
    expect(problemsOf('version: 1\npolicies: [\n')).toEqual([
      expect.stringMatching(/^is not valid YAML or JSON: /),
    ]);
    expect(problemsOf('version: 1\nversion: 1\npolicies: []\n')).toEqual([
      expect.stringMatching(/^is not valid YAML or JSON: .*(unique|duplicate)/i),
    ]);
    expect(problemsOf('')).toEqual(['the document must be object']);
  });

  it('reads the file again only when it changed, and reports a bad version once', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ivs-policies-')), 'policies.yaml');
    writeFileSync(path, 'version: 1\npolicies: []\n');
    const file = new PoliciesFile(path);

    expect((await file.loadIfChanged())?.size).toBe(0);
    expect(await file.loadIfChanged()).toBeUndefined();
    writeFileSync(path, 'version: 1\npolicies: oops\n');
    await expect(file.loadIfChanged()).rejects.toThrow(PolicyDocumentError);
    expect(await file.loadIfChanged()).toBeUndefined();
    writeFileSync(
      path,
      `version: 1\npolicies:\n  - {name: b, channels: ["${CHANNELS}"], maxTtlSeconds: 60}\n`,
    );
    expect((await file.loadIfChanged())?.size).toBe(1);
  });
});
