import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FINDING_CODES } from '../../src/domain/inspection-findings.js';
import { loadOpenApiContract } from '../../src/http/openapi-contract.js';

const schemas = (
  loadOpenApiContract().document['components'] as {
    schemas: Record<string, { enum?: string[]; description?: string }>;
  }
).schemas;
const codes = Object.entries(FINDING_CODES);

describe('the inspection findings are documented where people look', () => {
  it('lists exactly the codes of the domain in openapi.yaml, each with its severity and what to do', () => {
    const findingCode = schemas['FindingCode'];

    expect(findingCode?.enum).toEqual(codes.map(([code]) => code));
    for (const [code, severity] of codes) {
      expect(findingCode?.description, code).toMatch(
        new RegExp(`- \`${code}\` \\(${severity}\\): .+ What to do: .+`),
      );
    }
  });

  it('lists exactly those codes in the README section "Why won\'t it play?", with their severity', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(
      readme.indexOf("## Why won't it play?"),
      readme.indexOf('## Keys and rotation'),
    );
    const rows = [...section.matchAll(/^\| `([A-Z0-9_]+)` \| (\w+) \| .+ \| .+ \|$/gm)].map((match) => [
      match[1],
      match[2],
    ]);

    expect(rows).toEqual(codes);
  });
});
