// Writes src/client/openapi-types.ts, the client's types, from openapi.yaml with openapi-typescript,
// so the client cannot drift from the contract. `npm run generate:client` after editing the spec;
// with --check it writes nothing and exits 1 when the committed file is not what the spec gives
// (test/client/generated-types.test.ts runs that).
import { readFile, writeFile } from 'node:fs/promises';
import openapiTS, { astToString } from 'openapi-typescript';

const SPEC = new URL('../openapi.yaml', import.meta.url);
const TARGET = new URL('../src/client/openapi-types.ts', import.meta.url);
const HEADER = `// Generated from openapi.yaml by openapi-typescript (npm run generate:client): do not edit.
// test/client/generated-types.test.ts fails when this file is not what openapi.yaml gives.

`;

const generated = HEADER + astToString(await openapiTS(SPEC));
const committed = await readFile(TARGET, 'utf8').catch(() => '');

if (process.argv.includes('--check')) {
  if (committed !== generated) {
    console.error('src/client/openapi-types.ts is stale: run npm run generate:client and commit it');
    process.exit(1);
  }
  console.log('src/client/openapi-types.ts matches openapi.yaml');
} else if (committed !== generated) {
  await writeFile(TARGET, generated);
  console.log('wrote src/client/openapi-types.ts');
} else {
  console.log('src/client/openapi-types.ts is up to date');
}
