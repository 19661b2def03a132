import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/processes.js';

const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  license: string;
};
const deployReadme = readFileSync(join(REPO_ROOT, 'deploy/README.md'), 'utf8');

/** The value of `ARG NAME=value` (the first), or of `LABEL … name="value"`. */
const argDefault = (name: string) => new RegExp(`^ARG ${name}=(.*)$`, 'm').exec(dockerfile)?.[1];
const label = (name: string) => new RegExp(`${name.replaceAll('.', '\\.')}="([^"]*)"`).exec(dockerfile)?.[1];

/**
 * What the image says about itself without being built (the container test checks the built image):
 * OCI labels that agree with package.json, stages on the one base image argument, the SBOM where
 * the deploy docs say it is.
 */
describe('Dockerfile', () => {
  it('labels the image with the version and licence package.json declares', () => {
    expect(argDefault('VERSION')).toBe(manifest.version);
    expect(label('org.opencontainers.image.licenses')).toBe(manifest.license);
    expect(label('org.opencontainers.image.version')).toBe(`\${VERSION}`);
    for (const name of ['title', 'description', 'revision', 'created', 'source', 'base.name']) {
      expect(label(`org.opencontainers.image.${name}`), name).toBeDefined();
    }
  });

  it('builds every stage from the NODE_IMAGE argument: the build machine’s platform where the output is the same everywhere', () => {
    // `${NAME}` written as `<NAME>`, so the expectations read as plain strings.
    const stages = [...dockerfile.matchAll(/^FROM (.*) AS (\S+)$/gm)].map(([, from, name]) => [
      name,
      from?.replaceAll(/\$\{(\w+)\}/g, '<$1>'),
    ]);

    expect(argDefault('NODE_IMAGE')).toMatch(/^node:\d+-bookworm-slim$/);
    expect(Object.fromEntries(stages)).toEqual({
      build: '--platform=$BUILDPLATFORM <BUILD_NODE_IMAGE>',
      native: '<NODE_IMAGE>',
      'prod-deps': '--platform=$BUILDPLATFORM <BUILD_NODE_IMAGE>',
      runtime: '<NODE_IMAGE>',
    });
  });

  it('ships the SBOM at the path deploy/README.md documents', () => {
    const path = /COPY --from=prod-deps \S+\/sbom\.cdx\.json (\S+)/.exec(dockerfile)?.[1];

    expect(path).toBe('/usr/share/doc/ivs-playback-auth/sbom.cdx.json');
    expect(deployReadme).toContain(path);
  });
});
