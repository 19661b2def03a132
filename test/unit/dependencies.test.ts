import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes.js';

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};

function filesUnder(folder: string): string[] {
  const root = join(REPO_ROOT, folder);
  try {
    statSync(root);
  } catch {
    return [];
  }
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(ts|mjs|js)$/.test(name))
    .map((name) => join(root, name));
}

/** The packages a set of files imports (bare specifiers, without subpaths). */
function importedPackages(files: string[]): Set<string> {
  const packages = new Set<string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'([^'.][^']*)'/g)) {
      const specifier = match[1] ?? '';
      if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
      const parts = specifier.split('/');
      packages.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? specifier));
    }
  }
  return packages;
}

/** Dependency hygiene: nothing unused, nothing missing, runtime code needs no dev dependency. */
describe('package.json dependencies', () => {
  const runtime = importedPackages(filesUnder('src'));
  const everything = importedPackages([
    ...filesUnder('src'),
    ...filesUnder('test'),
    ...filesUnder('bench'),
    ...filesUnder('scripts'),
    join(REPO_ROOT, 'vitest.config.ts'),
  ]);
  const usedByScripts = (name: string) =>
    Object.values(manifest.scripts).some((script) => script.includes(name));
  // Tools run from scripts or configuration rather than imported.
  const tools: Record<string, boolean> = {
    typescript: usedByScripts('tsc'),
    '@biomejs/biome': usedByScripts('biome'),
    tsx: usedByScripts('tsx') || everything.has('tsx'),
    vitest: usedByScripts('vitest'),
    // Pinned only to keep npm ci working here (see README, Development).
    vite: true,
  };

  // Data packages are not imported: src/ resolves a file inside them by name (require.resolve).
  const srcText = filesUnder('src')
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
  const resolvedData = (name: string) => srcText.includes(`'${name}/`);

  it('imports every runtime dependency from src/ (or resolves a file of a data package)', () => {
    const unused = Object.keys(manifest.dependencies).filter(
      (name) => !runtime.has(name) && !resolvedData(name),
    );

    expect(unused).toEqual([]);
  });

  it('declares every package src/ imports as a runtime dependency', () => {
    const undeclared = [...runtime].filter((name) => !(name in manifest.dependencies));

    expect(undeclared).toEqual([]);
  });

  it('uses every dev dependency somewhere', () => {
    const unused = Object.keys(manifest.devDependencies).filter(
      (name) =>
        !everything.has(name) &&
        !tools[name] &&
        !(name.startsWith('@types/') && everything.has(name.slice(7))),
    );

    expect(unused.filter((name) => name !== '@types/node')).toEqual([]);
  });
});
