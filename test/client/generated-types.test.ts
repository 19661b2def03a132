import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes.js';

/** The client cannot drift from the contract, and the package exports it as `ivs-playback-auth/client`. */
describe('the typed client as a package export', () => {
  it('has types that are exactly what openapi-typescript makes of openapi.yaml', () => {
    const result = spawnSync(process.execPath, ['scripts/generate-client-types.mjs', '--check'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });

    expect(result.status, `${result.stdout}${result.stderr}`).toBe(0);
    expect(result.stdout).toContain('matches openapi.yaml');
  });

  it('is exported as ivs-playback-auth/client, with the declarations the build emits', () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
      dependencies: Record<string, string>;
    };
    const build = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { declaration?: boolean; rootDir: string; outDir: string };
    };

    expect(manifest.exports['./client']).toEqual({
      types: './dist/client/index.d.ts',
      default: './dist/client/index.js',
    });
    expect(build.compilerOptions).toMatchObject({ declaration: true, rootDir: 'src', outDir: 'dist' });
    expect(existsSync(join(REPO_ROOT, 'src/client/index.ts'))).toBe(true);
    expect(manifest.dependencies['openapi-fetch']).toBeDefined();
  });
});
