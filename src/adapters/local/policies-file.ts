import { readFile, stat } from 'node:fs/promises';
import { parse } from 'yaml';
import {
  compilePolicyRules,
  type PolicyDocument,
  PolicyDocumentError,
  type PolicyRuleDocument,
  type PolicyRules,
} from '../../domain/policy-rules.js';
import type { PolicySource } from '../../domain/ports.js';
import { shapeProblems } from './json-shape.js';

/** POLICIES_FILE's JSON Schema (2020-12); the rules it cannot express are in compilePolicyRules. */
const POLICIES_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['version', 'policies'],
  properties: {
    version: { const: 1 },
    policies: {
      type: 'array',
      maxItems: 10_000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'channels'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$' },
          channels: {
            type: 'array',
            minItems: 1,
            items: { type: 'string', minLength: 1, maxLength: 256 },
          },
          allowedCountries: { type: 'array', minItems: 1, items: { type: 'string' } },
          blockedCountries: { type: 'array', minItems: 1, items: { type: 'string' } },
          allowedOrigins: { type: 'array', minItems: 1, maxItems: 50, items: { type: 'string' } },
          strictOriginEnforcement: { type: 'boolean' },
          maximumResolution: { type: 'string', enum: ['SD', 'HD', 'FULL_HD'] },
          maxTtlSeconds: { type: 'integer', minimum: 1 },
          require: {
            type: 'object',
            additionalProperties: false,
            properties: { viewerId: { type: 'boolean' }, singleUse: { type: 'boolean' } },
          },
        },
      },
    },
  },
} as const;

const problemsOf = shapeProblems(POLICIES_SCHEMA);

/**
 * Reads a policies document (YAML, or JSON, which is YAML too) and compiles its rules. Throws
 * PolicyDocumentError listing every problem: the syntax error, or every schema problem, or every
 * rule problem (a country that is not a code, an origin a token cannot carry, …).
 */
export function parsePoliciesDocument(text: string): PolicyRules {
  let document: unknown;
  try {
    // Duplicate keys are refused (the yaml default), so a rule cannot say a thing twice.
    document = parse(text, { prettyErrors: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new PolicyDocumentError([`is not valid YAML or JSON: ${message}`]);
  }
  const problems = problemsOf(document);
  if (problems.length === 0) return compilePolicyRules(document as PolicyDocument);
  // The rules are still checked without the parts whose form is wrong, so one pass lists every
  // problem there is (a rule without a usable name or channels is left out whole).
  const policies = (document as { policies?: unknown } | null)?.policies;
  if (Array.isArray(policies)) {
    const dropped = new Map<number, Set<string> | 'whole'>();
    for (const problem of problems) {
      const match = /^policies\[(\d+)\](?:\.(\w+))?/.exec(problem);
      if (!match || problem.includes(' has an unknown field ')) continue;
      const index = Number(match[1]);
      const field = match[2];
      const known = dropped.get(index);
      if (field === undefined || field === 'name' || field === 'channels') dropped.set(index, 'whole');
      else if (known !== 'whole') dropped.set(index, new Set([...(known ?? []), field]));
    }
    const usable = policies.flatMap((rule, index) => {
      const drop = dropped.get(index);
      if (drop === 'whole' || typeof rule !== 'object' || rule === null) return [];
      const kept = Object.fromEntries(Object.entries(rule).filter(([field]) => !drop?.has(field)));
      return [{ rule: kept as unknown as PolicyRuleDocument, index }];
    });
    try {
      compilePolicyRules(
        { version: 1, policies: usable.map(({ rule }) => rule) },
        usable.map(({ index }) => index),
      );
    } catch (error) {
      if (error instanceof PolicyDocumentError) problems.push(...error.problems);
      else throw error;
    }
  }
  throw new PolicyDocumentError(problems);
}

/**
 * POLICIES_FILE. `loadIfChanged` reads the file again only when its modification time, size or
 * inode changed (an editor's save, a Kubernetes ConfigMap's symlink swap), so checking it every few
 * seconds costs one stat. A version with problems is reported once, not at every check.
 */
export class PoliciesFile implements PolicySource {
  readonly location: string;
  #loaded: string | undefined;
  #refused: string | undefined;

  constructor(path: string) {
    this.location = path;
  }

  async loadIfChanged(): Promise<PolicyRules | undefined> {
    const info = await stat(this.location);
    const version = `${info.ino}:${info.size}:${info.mtimeMs}`;
    if (version === this.#loaded || version === this.#refused) return undefined;
    try {
      const rules = parsePoliciesDocument(await readFile(this.location, 'utf8'));
      this.#loaded = version;
      this.#refused = undefined;
      return rules;
    } catch (error) {
      this.#refused = version;
      throw error;
    }
  }
}
