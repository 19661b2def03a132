import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { keyPairTags } from '../../src/domain/key-pair-tags.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ADAPTERS_DIR = join(ROOT, 'src/adapters/aws');
const POLICY_PATH = join(ROOT, 'deploy/iam/policy.json');

/** The IAM service prefix of each AWS SDK client the code may use. */
const IAM_PREFIX: Readonly<Record<string, string>> = {
  '@aws-sdk/client-ivs': 'ivs',
  '@aws-sdk/client-secrets-manager': 'secretsmanager',
};

/**
 * Actions AWS authorises besides the operation's own when the request carries a member: creating
 * with tags also needs the TagResource permission (IVS and Secrets Manager both document this).
 */
const ALSO_AUTHORISED: readonly { action: string; member: string; requires: string }[] = [
  { action: 'ivs:ImportPlaybackKeyPair', member: 'tags', requires: 'ivs:TagResource' },
  { action: 'secretsmanager:CreateSecret', member: 'Tags', requires: 'secretsmanager:TagResource' },
];

/** Actions without resource-level permissions: the only ones a statement may grant on `*`. */
const WITHOUT_RESOURCE_LEVEL = new Set(['ivs:ListPlaybackKeyPairs']);

interface Statement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: string | string[];
  NotResource?: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}

interface AwsCall {
  readonly action: string;
  readonly file: string;
  /** The command's argument text, when the file constructs it with `new`. */
  readonly argumentText: string | undefined;
}

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The text between the parenthesis at `open` and its partner. */
function balancedArgument(text: string, open: number): string {
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    if (text[index] === '(') depth++;
    if (text[index] === ')' && --depth === 0) return text.slice(open + 1, index);
  }
  return text.slice(open + 1);
}

/** What each file imports from AWS SDK clients: local name → { module, exported name }. */
function sdkImports(text: string) {
  const named = new Map<string, { module: string; name: string }>();
  const namespaces = new Map<string, string>();
  for (const match of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s*from\s*['"](@aws-sdk\/[\w-]+)['"]/g)) {
    if (match[1]) continue; // `import type { … }`
    for (const specifier of (match[2] ?? '').split(',')) {
      const trimmed = specifier.trim();
      if (trimmed === '' || trimmed.startsWith('type ')) continue;
      const [name = '', local = name] = trimmed.split(/\s+as\s+/);
      named.set(local, { module: match[3] ?? '', name });
    }
  }
  for (const match of text.matchAll(/import\s+\*\s+as\s+(\w+)\s+from\s*['"](@aws-sdk\/[\w-]+)['"]/g)) {
    namespaces.set(match[1] ?? '', match[2] ?? '');
  }
  return { named, namespaces };
}

/**
 * The AWS actions the code calls: every SDK command class (`ImportPlaybackKeyPairCommand` →
 * `ivs:ImportPlaybackKeyPair`) and paginator (`paginateListX` → `prefix:ListX`) imported under
 * src/adapters/aws, with the argument text of each `new XCommand(…)`.
 */
function scanAwsCalls(files: readonly string[]): { calls: AwsCall[]; unknownModules: string[] } {
  const calls: AwsCall[] = [];
  const unknownModules = new Set<string>();
  for (const path of files) {
    const text = readFileSync(path, 'utf8');
    const file = relative(ROOT, path);
    const { named, namespaces } = sdkImports(text);
    const actionOf = (module: string, name: string): string | undefined => {
      const operation = name.endsWith('Command')
        ? name.slice(0, -'Command'.length)
        : /^paginate[A-Z]/.test(name)
          ? name.slice('paginate'.length)
          : undefined;
      if (operation === undefined) return undefined;
      const prefix = IAM_PREFIX[module];
      if (prefix === undefined) {
        unknownModules.add(`${module} (${file})`);
        return undefined;
      }
      return `${prefix}:${operation}`;
    };
    const constructed = new Map<string, string[]>();
    for (const match of text.matchAll(/new\s+((?:\w+\.)?\w+Command)\s*\(/g)) {
      const open = (match.index ?? 0) + match[0].length - 1;
      constructed.set(match[1] ?? '', [
        ...(constructed.get(match[1] ?? '') ?? []),
        balancedArgument(text, open),
      ]);
    }
    for (const [local, { module, name }] of named) {
      const action = actionOf(module, name);
      if (action === undefined) continue;
      const args = constructed.get(local);
      if (args === undefined) calls.push({ action, file, argumentText: undefined });
      for (const argumentText of args ?? []) calls.push({ action, file, argumentText });
    }
    for (const [local, module] of namespaces) {
      for (const [expression, args] of constructed) {
        if (!expression.startsWith(`${local}.`)) continue;
        const action = actionOf(module, expression.slice(local.length + 1));
        if (action === undefined) continue;
        for (const argumentText of args) calls.push({ action, file, argumentText });
      }
      for (const match of text.matchAll(new RegExp(`\\b${local}\\.(paginate\\w+)\\s*\\(`, 'g'))) {
        const action = actionOf(module, match[1] ?? '');
        if (action !== undefined) calls.push({ action, file, argumentText: undefined });
      }
    }
  }
  return { calls, unknownModules: [...unknownModules] };
}

/** The actions the policy must grant: the calls, plus what their requests also need authorised. */
function requiredActions(calls: readonly AwsCall[]): Set<string> {
  const required = new Set(calls.map((call) => call.action));
  for (const { action, member, requires } of ALSO_AUTHORISED) {
    const carriesMember = calls.some(
      (call) =>
        call.action === action &&
        // Unknown arguments (a command not built with `new` here) count as carrying it.
        (call.argumentText === undefined || new RegExp(`\\b${member}\\b\\s*[:,}]`).test(call.argumentText)),
    );
    if (carriesMember) required.add(requires);
  }
  return required;
}

const policy = JSON.parse(readFileSync(POLICY_PATH, 'utf8')) as { Version: string; Statement: Statement[] };
const statements = policy.Statement;
const granted = new Set(statements.flatMap((statement) => list(statement.Action)));
const { calls, unknownModules } = scanAwsCalls(sourceFiles(ADAPTERS_DIR));
const required = requiredActions(calls);

describe('deploy/iam/policy.json (least privilege)', () => {
  it('finds the AWS SDK commands the adapters construct', () => {
    expect(unknownModules, 'add the IAM prefix of these SDK clients to IAM_PREFIX').toEqual([]);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.map((call) => call.action)).toContain('secretsmanager:GetSecretValue');
  });

  it('keeps every AWS call inside src/adapters/aws, where this test looks for them', () => {
    const elsewhere = sourceFiles(join(ROOT, 'src'))
      .filter((path) => !path.startsWith(ADAPTERS_DIR))
      .flatMap((path) =>
        [...sdkImports(readFileSync(path, 'utf8')).named.values()]
          .filter(({ name }) => name.endsWith('Command') || name.startsWith('paginate'))
          .map(({ name }) => `${relative(ROOT, path)}: ${name}`),
      );

    expect(elsewhere).toEqual([]);
  });

  it('grants every action the code calls', () => {
    const missing = [...required].filter((action) => !granted.has(action)).sort();

    expect(missing, 'the code calls these actions but deploy/iam/policy.json does not grant them').toEqual(
      [],
    );
  });

  it('grants no action the code never calls', () => {
    const unused = [...granted].filter((action) => !required.has(action)).sort();

    expect(unused, 'deploy/iam/policy.json grants these actions but no adapter calls them').toEqual([]);
  });

  it('uses only plain Allow statements with explicit actions (no wildcards, no Not*)', () => {
    expect(policy.Version).toBe('2012-10-17');
    for (const statement of statements) {
      expect(statement.Effect, statement.Sid).toBe('Allow');
      expect(statement.NotAction, statement.Sid).toBeUndefined();
      expect(statement.NotResource, statement.Sid).toBeUndefined();
      expect(list(statement.Resource).length, statement.Sid).toBeGreaterThan(0);
      for (const action of list(statement.Action))
        expect(action, statement.Sid).toMatch(/^[a-z0-9-]+:[A-Za-z]+$/);
    }
  });

  it("scopes Secrets Manager to the signing key secret's ARN, never *", () => {
    const secretStatements = statements.filter((statement) =>
      list(statement.Action).some((action) => action.startsWith('secretsmanager:')),
    );

    expect(secretStatements.length).toBeGreaterThan(0);
    for (const statement of secretStatements) {
      for (const resource of list(statement.Resource)) {
        expect(resource, statement.Sid).toMatch(
          /^arn:aws:secretsmanager:[A-Za-z0-9-]+:[A-Za-z0-9]+:secret:ivs-playback-auth\/[\w/+=.@-]+-(\?{6}|\*)$/,
        );
      }
    }
  });

  it('grants IVS actions on IVS ARNs, and on * only the actions that have no resource-level permissions', () => {
    for (const statement of statements) {
      const actions = list(statement.Action);
      if (!actions.some((action) => action.startsWith('ivs:'))) continue;
      for (const resource of list(statement.Resource)) {
        if (resource === '*') {
          expect(
            actions.filter((action) => !WITHOUT_RESOURCE_LEVEL.has(action)),
            `${statement.Sid} grants these on *`,
          ).toEqual([]);
        } else {
          // The region is `*`: one deployment serves every region in IVS_REGIONS.
          expect(resource, statement.Sid).toMatch(
            /^arn:aws:ivs:\*:[A-Za-z0-9]+:(playback-key|channel|playback-restriction-policy)\/\*$/,
          );
        }
      }
    }
  });

  it('lets the service delete only the playback key pairs it tagged as its own', () => {
    const deletes = statements.filter((statement) =>
      list(statement.Action).includes('ivs:DeletePlaybackKeyPair'),
    );
    // The tags the IVS adapter writes on import (their one definition), whatever the key id.
    const written = keyPairTags('ipa-20261128t163500z-3f9a1c2b');

    for (const statement of deletes) {
      expect(list(statement.Action), statement.Sid).toEqual(['ivs:DeletePlaybackKeyPair']);
      const tags = Object.entries(statement.Condition?.['StringEquals'] ?? {}).filter(([key]) =>
        key.startsWith('aws:ResourceTag/'),
      );
      expect(tags.length, `${statement.Sid} needs an aws:ResourceTag condition`).toBeGreaterThan(0);
      for (const [key, value] of tags) {
        // A tag the service writes on import, with its value, so the condition matches what the code creates.
        const tag = key.slice('aws:ResourceTag/'.length);
        expect(Object.keys(written), statement.Sid).toContain(tag);
        for (const tagValue of list(value)) expect(written[tag], statement.Sid).toBe(tagValue);
      }
    }
  });
});
